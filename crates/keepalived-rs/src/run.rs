//! What the binary does once the command line is read.

use std::io::Write;
use std::process::ExitCode;

use keepalived_conf::{Host, ReadOptions, SystemHost};

use crate::cli::Cli;

/// `-v`: keepalived's banner layout, naming us and the keepalived version we follow.
pub fn version_banner() -> String {
    format!(
        "Keepalived-rs v{} (compatible with Keepalived v2.2.7)\n\n\
         keepalived-rs: a memory-safe re-implementation of Keepalived in Rust.\n\
         Keepalived Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// How to read the configuration, from the command line.
pub fn read_options(cli: &Cli, host: &dyn Host) -> ReadOptions {
    ReadOptions {
        // keepalived's default config id is the first part of the node name.
        config_id: Some(cli.config_id.clone().unwrap_or_else(|| host.node_name())),
        all_config: cli.all_config,
        ..ReadOptions::default()
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
        Some(path) => match std::fs::File::create(&path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!(
                    "Unable to open config-test log file {}: {e}",
                    path.display()
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

/// The daemon: reads the configuration, then runs the VRRP subsystem in the foreground.
pub fn daemon(cli: &Cli) -> ExitCode {
    let host = SystemHost;
    let opts = read_options(cli, &host);
    let loaded = keepalived_conf::load(&cli.config_file(), &opts, &host);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
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
