//! What the binary does once the command line is read.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process::ExitCode;

use keepalived_conf::{Host, ReadOptions, SystemHost};

use crate::cli::Cli;

/// How to read the configuration, from the command line.
pub fn read_options(cli: &Cli, host: &dyn Host) -> ReadOptions {
    ReadOptions {
        // keepalived's default config id is the first part of the node name.
        config_id: Some(cli.config_id.clone().unwrap_or_else(|| host.node_name())),
        all_config: cli.all_config,
        // keepalived: srandom(time(NULL)) before each read, unless random_seed is set.
        random_seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() & u64::from(u32::MAX)),
        ..ReadOptions::default()
    }
}

/// The C library's text for an error, as keepalived's `%m` prints it.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    // std appends " (os error N)" to strerror's text.
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// `-t[=LOG_FILE]`: check the configuration, print every problem, exit as keepalived does.
pub fn config_test(cli: &Cli) -> ExitCode {
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let mut out: Box<dyn Write> = match cli.config_test_target().flatten() {
        // keepalived appends (O_APPEND|O_CREAT|O_NOFOLLOW, mode 0644) and exits 1 on failure.
        Some(path) => match std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
        {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!(
                    "Unable to open config-test log file {} {} - {}",
                    path.display(),
                    e.raw_os_error().unwrap_or(0),
                    strerror(&e)
                );
                return ExitCode::from(1);
            }
        },
        None => Box::new(std::io::stderr()),
    };
    // keepalived enters the network namespace (-s or net_namespace) before it checks, so
    // interfaces are the namespace's.
    use keepalived_conf::config_test::Namespace;
    let named = cli.namespace.clone().or_else(|| {
        keepalived_conf::load(&cli.config_file(), &opts, &host)
            .config
            .global
            .net_namespace
    });
    let namespace = match named {
        None => Namespace::None,
        Some(ns) => match crate::namespace::enter_net(&ns) {
            Ok(()) => Namespace::Entered,
            Err(line) => {
                let _ = writeln!(out, "{line}");
                Namespace::Unavailable(ns)
            }
        },
    };
    let (code, loaded) =
        keepalived_conf::config_test::run(&cli.config_file(), &opts, &host, &mut *out, &namespace);
    if cli.dump_conf {
        let _ = writeln!(out, "{:#?}", loaded.config);
    }
    exit(code)
}

/// keepalived's exit code when the configuration cannot be used.
const KEEPALIVED_EXIT_NO_CONFIG: u8 = 6;

/// keepalived's check_conf_file fails the daemon (not `-t`) when the file is missing. A
/// glob pattern is left to the reader, which reports what it matched.
fn config_missing(path: &std::path::Path) -> bool {
    let glob = path.to_string_lossy().contains(['*', '?', '[', '{']);
    !glob && !path.is_file()
}

/// The configuration read for the daemon, with what is still to be said about it.
struct Loaded {
    config: keepalived_conf::Config,
    /// Its diagnostics (printed once the process knows where it runs).
    diagnostics: keepalived_conf::Diagnostics,
    /// Script security's log lines (logged once the log is set up).
    security: Vec<String>,
    /// `net_namespace` as configured (before `-s` replaced it).
    config_namespace: Option<String>,
}

/// Reads the configuration; `Err` with keepalived's exit code when the daemon cannot run
/// (its problems printed then).
fn load(cli: &Cli) -> Result<Loaded, ExitCode> {
    use crate::supervisor::Role;
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let loaded = keepalived_conf::load(&cli.config_file(), &opts, &host);
    if config_missing(&cli.config_file()) {
        for d in &loaded.diagnostics {
            eprintln!("{d}");
        }
        return Err(ExitCode::from(KEEPALIVED_EXIT_NO_CONFIG));
    }
    // keepalived's had_config_file_error at start: an include that fails one of its checks
    // (include_check, includea, -e...) stops the daemon ("Stopped", exit 6). Not at a reload.
    let include_failed = loaded.diagnostics.iter().any(|d| {
        d.severity == keepalived_conf::Severity::Error
            && d.class == keepalived_conf::ErrorClass::IncludeMissing
    });
    if include_failed && Role::of_this_process().is_none() {
        for d in &loaded.diagnostics {
            eprintln!("{d}");
        }
        return Err(ExitCode::from(KEEPALIVED_EXIT_NO_CONFIG));
    }
    let mut config = loaded.config;
    apply_snmp_flags(cli, &mut config.global);
    // keepalived: -s replaces net_namespace (the dumps show it).
    let config_namespace = config.global.net_namespace.clone();
    if let Some(ns) = &cli.namespace {
        config.global.net_namespace = Some(ns.clone());
    }
    let security = secure_scripts(&mut config, &host);
    Ok(Loaded {
        config,
        diagnostics: loaded.diagnostics,
        security,
        config_namespace,
    })
}

impl Loaded {
    /// Prints the diagnostics and logs the script security lines.
    fn report(&self) {
        for d in &self.diagnostics {
            eprintln!("{d}");
        }
        for line in &self.security {
            keepalived_daemon::log::info(line);
        }
    }
}

/// Script security as the process that is starting applies it to the scripts it runs
/// (keepalived_conf::script_security); returns its log lines.
fn secure_scripts(config: &mut keepalived_conf::Config, host: &dyn Host) -> Vec<String> {
    use crate::supervisor::Role;
    use keepalived_conf::script_security::{apply, Family};
    let family = match Role::of_this_process() {
        Some(Role::Vrrp) => Family::Vrrp,
        Some(Role::Checker) => Family::Checker,
        // The BFD child runs no scripts.
        Some(Role::Bfd) => return Vec::new(),
        None => Family::StartStop,
    };
    apply(config, family, host)
}

/// `-x` enables every SNMP MIB and `-A` names the master agent's socket, as keepalived's
/// global defaults take them (a `-A` socket wins over `snmp_socket`).
fn apply_snmp_flags(cli: &Cli, g: &mut keepalived_conf::model::GlobalDefs) {
    if cli.snmp {
        g.enable_snmp_vrrp = true;
        g.enable_snmp_checker = true;
        g.enable_snmp_rfcv2 = true;
        g.enable_snmp_rfcv3 = true;
    }
    if let Some(s) = &cli.snmp_agent_socket {
        g.snmp_socket = Some(s.clone());
    }
}

/// The configuration read again for a reload. As keepalived, which reloads whatever it can
/// start with, it is applied with its warnings and errors logged (an unknown or deprecated
/// keyword, a bad value keepalived skips); it is refused, and the running one kept, only when
/// keepalived could not run it at all (the file missing, a fatal error).
pub(crate) fn reload(cli: &Cli) -> Result<keepalived_conf::Config, Vec<String>> {
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let loaded = keepalived_conf::load(&cli.config_file(), &opts, &host);
    if config_missing(&cli.config_file()) {
        return Err(vec![format!(
            "Configuration file {} is missing",
            cli.config_file().display()
        )]);
    }
    let fatal: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| {
            matches!(
                d.class,
                keepalived_conf::ErrorClass::Fatal | keepalived_conf::ErrorClass::FileNotFound
            )
        })
        .map(|d| d.to_string())
        .collect();
    let fatal: Vec<String> = fatal
        .into_iter()
        .chain(unstartable_instances(&loaded.config))
        .collect();
    if !fatal.is_empty() {
        return Err(fatal);
    }
    for d in &loaded.diagnostics {
        keepalived_daemon::log::info(d.to_string());
    }
    let mut config = loaded.config;
    apply_snmp_flags(cli, &mut config.global);
    if let Some(ns) = &cli.namespace {
        config.global.net_namespace = Some(ns.clone());
    }
    for line in secure_scripts(&mut config, &host) {
        keepalived_daemon::log::info(line);
    }
    Ok(config)
}

/// keepalived's `chk_min_cfg` and the fatal checks of `vrrp_complete_instance`
/// ([`keepalived_conf::model::VrrpInstance::unstartable`]): such an instance makes its VRRP
/// process exit ("permanent error CONFIG") and keepalived stop; on a reload we keep the
/// running configuration instead (a deliberate difference).
fn unstartable_instances(config: &keepalived_conf::Config) -> Vec<String> {
    config
        .vrrp
        .instances
        .iter()
        .filter_map(|v| v.unstartable(&config.global))
        .collect()
}

fn log_config(cli: &Cli, ident: &str) -> keepalived_daemon::log::LogConfig {
    use crate::cli::LogFacility;
    let facility = match cli.log_facility {
        Some(LogFacility::Local(n)) => libc::LOG_LOCAL0 + (i32::from(n) << 3),
        Some(LogFacility::User) => libc::LOG_USER,
        Some(LogFacility::Daemon) | None => libc::LOG_DAEMON,
    };
    keepalived_daemon::log::LogConfig {
        console: cli.log_console,
        syslog_facility: (!cli.no_syslog).then_some(facility),
        ident: ident.to_owned(),
        detail: cli.log_detail > 0,
    }
}

/// keepalived's make_syslog_ident: `NAME_NAMESPACE_INSTANCE` with a namespace or an
/// instance.
fn syslog_ident(base: &str, namespace: Option<&str>, instance: Option<&str>) -> String {
    [Some(base), namespace, instance]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("_")
}

/// The daemon: the parent process, or (re-executed) one of its children.
pub fn daemon(cli: &Cli) -> ExitCode {
    use crate::supervisor::Role;
    let mut loaded = match load(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Taken, not cloned: a process holds one copy of the configuration.
    let config = std::mem::take(&mut loaded.config);
    // keepalived: -u wins, else global_defs umask, else 022 (the process's own).
    if let Some(mask) = cli.umask.or(config.global.umask) {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }
    let g = &config.global;
    // `-s` has replaced net_namespace already (load).
    let ns = g.net_namespace.as_deref();
    let instance = g.instance.as_deref();
    let pid_dir = g.use_pid_dir || ns.is_some() || instance.is_some();
    let pids = cli.pid_files(instance, pid_dir);
    let names = &g.process_names;
    if Role::of_this_process() == Some(Role::Vrrp) {
        keepalived_daemon::log::init(log_config(
            cli,
            &syslog_ident("Keepalived_vrrp", ns, instance),
        ));
        loaded.report();
        crate::process_settings::set_process_name(names.vrrp.as_deref().or(names.main.as_deref()));
        crate::process_settings::apply(&g.vrrp_process);
        // keepalived's vrrp_complete_init: an instance it cannot run stops the VRRP process
        // with a configuration error (the reason is among the diagnostics just logged).
        if !unstartable_instances(&config).is_empty() {
            return ExitCode::from(crate::supervisor::EXIT_CONFIG as u8);
        }
        crate::pidfile::write(&pids.vrrp);
        let reloader = || reload(cli);
        let bfd_events = crate::supervisor::inherited_fds(crate::supervisor::BFD_READ_VAR)
            .into_iter()
            .next()
            .map(|fd| std::sync::Arc::new(std::sync::Mutex::new(Some(fd))));
        let options = keepalived_daemon::RunOptions {
            metrics_address: cli.metrics_address,
            dont_release_vrrp: cli.dont_release_vrrp,
            bfd_events,
            checker_running: children(cli, &config).contains(&Role::Checker),
            ignore_sigint: cli.ignore_sigint,
            address_monitoring: cli.address_monitoring,
            dump_conf: cli.dump_conf,
        };
        let stop = std::future::pending();
        let code =
            match keepalived_daemon::run_with_options(config, Some(&reloader), stop, &options) {
                Ok(()) => {
                    // keepalived's log_stopping, each child's last line.
                    keepalived_daemon::log::info("Stopped");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    keepalived_daemon::log::info(format!("Stopped: {e}"));
                    ExitCode::from(crate::supervisor::EXIT_FATAL as u8)
                }
            };
        let _ = std::fs::remove_file(&pids.vrrp);
        return code;
    }
    if Role::of_this_process() == Some(Role::Checker) {
        keepalived_daemon::log::init(log_config(
            cli,
            &syslog_ident("Keepalived_healthcheckers", ns, instance),
        ));
        loaded.report();
        crate::process_settings::set_process_name(
            names.checker.as_deref().or(names.main.as_deref()),
        );
        crate::process_settings::apply(&g.checker_process);
        crate::pidfile::write(&pids.checkers);
        let code = crate::checker_child::run(cli, config);
        if code == ExitCode::SUCCESS {
            keepalived_daemon::log::info("Stopped");
        }
        let _ = std::fs::remove_file(&pids.checkers);
        return code;
    }
    if Role::of_this_process() == Some(Role::Bfd) {
        keepalived_daemon::log::init(log_config(
            cli,
            &syslog_ident("Keepalived_bfd", ns, instance),
        ));
        loaded.report();
        crate::process_settings::set_process_name(names.bfd.as_deref().or(names.main.as_deref()));
        crate::process_settings::apply(&g.bfd_process);
        crate::pidfile::write(&pids.bfd);
        let code = bfd_child(cli, &config);
        let _ = std::fs::remove_file(&pids.bfd);
        return code;
    }
    keepalived_daemon::log::init(log_config(cli, &syslog_ident("Keepalived", ns, instance)));
    let args: Vec<String> = std::env::args().collect();
    for line in keepalived_rs::lifecycle::start_lines(&args, &cli.config_file()) {
        keepalived_daemon::log::info(line);
    }
    if ns.is_some() || instance.is_some() {
        keepalived_daemon::log::info(format!(
            "Changing syslog ident to {}",
            syslog_ident("Keepalived", ns, instance)
        ));
    }
    let core = crate::core_dump::init(cli.core_dump_wanted(), cli.core_pattern());
    crate::process_settings::set_process_name(names.main.as_deref());
    let configured = loaded.config_namespace.as_deref();
    if let (Some(over), Some(conf)) = (cli.namespace.as_deref(), configured) {
        keepalived_daemon::log::info(format!(
            "Overriding config net_namespace '{conf}' with command line namespace '{over}'"
        ));
    }
    let made_pid_dir = pid_dir && crate::pidfile::create_pid_dir();
    let code = parent_in_namespace(cli, config, loaded, &pids);
    if made_pid_dir {
        crate::pidfile::remove_pid_dir();
    }
    core.restore();
    code
}

/// The parent once /run/keepalived is there: into the network namespace (if any), the
/// configuration checked there, the pid files locked, the children run; the namespace left.
fn parent_in_namespace(
    cli: &Cli,
    config: keepalived_conf::Config,
    mut loaded: Loaded,
    pids: &crate::cli::PidFiles,
) -> ExitCode {
    use crate::supervisor;
    let entered = match config.global.net_namespace.as_deref() {
        Some(name) => match crate::namespace::enter(name) {
            Some(e) => {
                // Interfaces are the namespace's: check the configuration against them.
                match load(cli) {
                    Ok(l) => loaded = l,
                    Err(code) => {
                        e.leave();
                        return code;
                    }
                }
                Some(e)
            }
            None => {
                // keepalived goes on to its normal end here: exit 0.
                keepalived_daemon::log::info(format!(
                    "Unable to set network namespace {name} - exiting"
                ));
                return ExitCode::SUCCESS;
            }
        },
        None => None,
    };
    loaded.report();
    crate::config_save::after_read(cli, &config.global);
    // Held for the parent's life, as keepalived's conf_copy.
    let _config_copy = crate::config_copy::open(cli, &config.global);
    // keepalived's remove_reload_file once the namespace is set: the configuration is read.
    if let Some(f) = crate::reload_file::path(&config.global) {
        crate::reload_file::remove(&f);
    }
    // No silent ignores: the parent names, once, every keyword keepalived would act on and
    // keepalived-rs does not (the same lines as -t), from the copy read in the namespace
    // when there is one.
    let checked = if entered.is_some() {
        &loaded.config
    } else {
        &config
    };
    for u in checked.unsupported_keywords() {
        keepalived_daemon::log::info(u.to_string());
    }
    let roles = children(cli, &config);
    // The supervising parent keeps only the global definitions; the rest is freed before
    // it settles (the children read the configuration themselves).
    drop(loaded);
    let keepalived_conf::Config { global, .. } = config;
    let code = match lock_pid_files(pids, &roles) {
        Some((main_pid, child_pids)) => {
            let parent = supervisor::Parent {
                main_pid,
                child_pids,
                roles,
                global,
                ignore_sigint: cli.ignore_sigint,
            };
            supervisor::run_parent(cli, parent)
        }
        None => {
            keepalived_daemon::log::info("daemon is already running");
            ExitCode::SUCCESS
        }
    };
    if let Some(e) = entered {
        e.leave();
    }
    code
}

/// keepalived 2.3's keepalived_running: the parent's pid file and each child's, locked.
fn lock_pid_files(
    pids: &crate::cli::PidFiles,
    roles: &[crate::supervisor::Role],
) -> Option<(crate::pidfile::PidLock, Vec<crate::pidfile::PidLock>)> {
    use crate::supervisor::Role;
    let main = crate::pidfile::lock(&pids.main)?;
    let mut held = Vec::new();
    for r in roles {
        let path = match r {
            Role::Vrrp => &pids.vrrp,
            Role::Checker => &pids.checkers,
            Role::Bfd => &pids.bfd,
        };
        held.push(crate::pidfile::lock(path)?);
    }
    Some((main, held))
}

/// The children keepalived 2.2.7 starts: VRRP unless -C, the checkers unless -P, each only
/// when the configuration has something for it (or --all).
pub(crate) fn children(
    cli: &Cli,
    config: &keepalived_conf::Config,
) -> Vec<crate::supervisor::Role> {
    use crate::supervisor::Role;
    let only_one = cli.vrrp_only || cli.check_only;
    let mut roles = Vec::new();
    let has_vrrp = !config.vrrp.instances.is_empty() || !config.vrrp.static_addresses.is_empty();
    let has_lvs = !config.lvs.virtual_servers.is_empty();
    if (!only_one || cli.vrrp_only) && (has_vrrp || cli.all || !has_lvs) {
        roles.push(Role::Vrrp);
    }
    if (!only_one || cli.check_only) && (has_lvs || cli.all) {
        roles.push(Role::Checker);
    }
    // keepalived's running_bfd(): unless -B, when there is a bfd_instance (or --all).
    if !cli.no_bfd && (!config.bfd.is_empty() || cli.all) {
        roles.push(Role::Bfd);
    }
    roles
}

/// The BFD child (keepalived's Keepalived_bfd): the sessions until SIGTERM, SIGHUP reloads
/// keeping them, SIGUSR1 writes /tmp/keepalived_bfd.data, events to the other children's
/// pipes.
fn bfd_child(cli: &Cli, config: &keepalived_conf::Config) -> ExitCode {
    use keepalived_daemon::bfd::{run_bfd_child, BfdOptions, EventPipes};
    let mut ends = crate::supervisor::inherited_fds(crate::supervisor::BFD_WRITE_VAR).into_iter();
    let pipes = EventPipes {
        vrrp: ends.next(),
        checker: ends.next(),
    };
    let opts = BfdOptions {
        pipes: Some(std::sync::Arc::new(pipes)),
        data_path: keepalived_daemon::dump::dump_file(
            &config.global,
            &keepalived_daemon::dump::tmp_dir(),
            "keepalived_bfd.data",
        ),
        ..BfdOptions::default()
    };
    let reloader = || reload(cli);
    let stop = async {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut t), Ok(mut i)) => {
                tokio::select! {
                    _ = t.recv() => {}
                    _ = i.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    };
    match run_bfd_child(config, Some(&reloader), stop, opts) {
        Ok(()) => {
            keepalived_daemon::log::info("Stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            keepalived_daemon::log::info(e.to_string());
            ExitCode::from(crate::supervisor::EXIT_FATAL as u8)
        }
    }
}

/// `demo`: the two-router failover demo.
pub fn demo(_cli: &Cli) -> ExitCode {
    exit(crate::demo::run())
}
