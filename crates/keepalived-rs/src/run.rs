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

/// The daemon: reads the configuration, then runs the VRRP subsystem in the foreground.
pub fn daemon(cli: &Cli) -> ExitCode {
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let loaded = keepalived_conf::load(&cli.config_file(), &opts, &host);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    if config_missing(&cli.config_file()) {
        return ExitCode::from(KEEPALIVED_EXIT_NO_CONFIG);
    }
    if cli.dump_conf {
        eprintln!("{:#?}", loaded.config);
    }
    if let Some(pid) = &cli.pid {
        if let Err(e) = std::fs::write(pid, format!("{}\n", std::process::id())) {
            eprintln!("Unable to write pid file {}: {e}", pid.display());
        }
    }
    if !cli.dont_fork {
        eprintln!("keepalived-rs: running in the foreground (forking is not implemented yet)");
    }
    let code = match keepalived_daemon::run(&loaded.config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keepalived-rs: {e}");
            ExitCode::from(2)
        }
    };
    if let Some(pid) = &cli.pid {
        let _ = std::fs::remove_file(pid);
    }
    code
}

/// `demo`: the two-router failover demo.
pub fn demo(_cli: &Cli) -> ExitCode {
    exit(keepalived_daemon::demo::run())
}
