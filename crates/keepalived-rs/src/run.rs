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
                eprintln!("Unable to open config-test log file {}: {e}", path.display());
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

/// The daemon: reads the configuration, then runs the subsystems.
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
    eprintln!("keepalived-rs: the VRRP daemon is not available in this build yet");
    ExitCode::from(2)
}

/// `demo`: the two-router failover demo.
pub fn demo(_cli: &Cli) -> ExitCode {
    eprintln!("keepalived-rs: the demo is not available in this build yet");
    ExitCode::from(2)
}
