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
        ..ReadOptions::default()
    }
}

/// The C library's text for an error, as keepalived's `%m` prints it.
fn strerror(e: &std::io::Error) -> String {
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
    let (code, loaded) =
        keepalived_conf::config_test::run(&cli.config_file(), &opts, &host, &mut *out);
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

/// Reads the configuration and prints its problems; `Err` with keepalived's exit code when
/// the daemon cannot run.
fn load(cli: &Cli) -> Result<keepalived_conf::Config, ExitCode> {
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let loaded = keepalived_conf::load(&cli.config_file(), &opts, &host);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    if config_missing(&cli.config_file()) {
        return Err(ExitCode::from(KEEPALIVED_EXIT_NO_CONFIG));
    }
    let mut config = loaded.config;
    apply_snmp_flags(cli, &mut config.global);
    Ok(config)
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
    Ok(config)
}

/// keepalived's `chk_min_cfg`: an instance without a VRID, or without an interface and
/// unicast peers, makes its VRRP process exit ("permanent error CONFIG") and keepalived stop;
/// on a reload we keep the running configuration instead (a deliberate difference).
fn unstartable_instances(config: &keepalived_conf::Config) -> Vec<String> {
    config
        .vrrp
        .instances
        .iter()
        .filter_map(|v| {
            if v.vrid.is_none() {
                Some(format!("({}) the virtual router id must be set", v.name))
            } else if v.interface.is_none() && !v.is_unicast() {
                Some(format!("({}) Unknown interface!", v.name))
            } else {
                None
            }
        })
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

/// The daemon: the parent process, or (re-executed) one of its children.
pub fn daemon(cli: &Cli) -> ExitCode {
    use crate::supervisor::{self, Role};
    if let Some(mask) = cli.umask {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }
    let config = match load(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let pids = cli.pid_files(
        config.global.instance.as_deref(),
        config.global.net_namespace.as_deref(),
    );
    if Role::of_this_process() == Some(Role::Vrrp) {
        keepalived_daemon::log::init(log_config(cli, "Keepalived_vrrp"));
        crate::process_settings::apply(&config.global.vrrp_process);
        supervisor::write_pid_file(&pids.vrrp);
        let reloader = || reload(cli);
        let options = keepalived_daemon::RunOptions {
            metrics_address: cli.metrics_address,
            dont_release_vrrp: cli.dont_release_vrrp,
        };
        let stop = std::future::pending();
        let code =
            match keepalived_daemon::run_with_options(&config, Some(&reloader), stop, &options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    keepalived_daemon::log::info(format!("Stopped: {e}"));
                    ExitCode::from(2)
                }
            };
        let _ = std::fs::remove_file(&pids.vrrp);
        return code;
    }
    if cli.dump_conf {
        eprintln!("{:#?}", config);
    }
    if Role::of_this_process() == Some(Role::Checker) {
        keepalived_daemon::log::init(log_config(cli, "Keepalived_healthcheckers"));
        crate::process_settings::apply(&config.global.checker_process);
        supervisor::write_pid_file(&pids.checkers);
        let reloader = || reload(cli);
        let options = keepalived_daemon::CheckerRunOptions {
            no_ipvs: cli.no_ipvs,
            dont_release_ipvs: cli.dont_release_ipvs,
        };
        let code = match keepalived_daemon::run_checker(&config, Some(&reloader), &options) {
            Ok(()) => ExitCode::SUCCESS,
            // keepalived's fatal exit: the parent does not restart a child without IPVS.
            Err(keepalived_daemon::CheckerError::Ipvs(_)) => {
                ExitCode::from(supervisor::EXIT_FATAL as u8)
            }
            Err(e @ keepalived_daemon::CheckerError::Setup(_)) => {
                keepalived_daemon::log::info(e.to_string());
                ExitCode::from(1)
            }
            Err(e) => {
                keepalived_daemon::log::info(format!("Stopped: {e}"));
                ExitCode::from(2)
            }
        };
        let _ = std::fs::remove_file(&pids.checkers);
        return code;
    }
    keepalived_daemon::log::init(log_config(cli, "Keepalived"));
    // No silent ignores: the parent names, once, every keyword keepalived would act on and
    // keepalived-rs does not (the same lines as -t).
    for u in config.unsupported_keywords() {
        keepalived_daemon::log::info(u.to_string());
    }
    supervisor::run_parent(cli, pids.main, &children(cli, &config))
}

/// The children keepalived 2.2.7 starts: VRRP unless -C, the checkers unless -P, each only
/// when the configuration has something for it (or --all).
fn children(cli: &Cli, config: &keepalived_conf::Config) -> Vec<crate::supervisor::Role> {
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
    roles
}

/// `demo`: the two-router failover demo.
pub fn demo(_cli: &Cli) -> ExitCode {
    exit(crate::demo::run())
}
