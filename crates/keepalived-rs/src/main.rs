//! keepalived-rs: a drop-in replacement for keepalived.

mod checker_child;
mod config_copy;
mod config_save;
mod core_dump;
mod demo;
mod genhash;
mod namespace;
mod pidfile;
mod process_settings;
mod reload_check;
mod reload_file;
mod reload_monitor;
mod reload_time;
mod run;
mod start_stop;
mod supervisor;

use keepalived_rs::{cli, getopt, help};

use std::process::ExitCode;

use cli::Cli;
use getopt::Immediate;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let read = getopt::read(&argv);
    for message in &read.messages {
        eprint!("{message}");
    }
    if let Some(action) = read.immediate {
        let program = argv.first().map_or("keepalived-rs", String::as_str);
        return immediate(&action, program);
    }
    let cli = read.cli;
    if cli.args.len() == 1 && cli.args.first().is_some_and(|a| a == "demo") && !read.bad_option {
        return run::demo(&cli);
    }
    if !cli.args.is_empty() {
        // keepalived says this on stdout, with a space after each argument, and carries on.
        println!("Unexpected argument(s): {} ", cli.args.join(" "));
    }
    if read.bad_option {
        return ExitCode::from(1);
    }
    for flag in cli::unimplemented_flags(&cli) {
        eprintln!("keepalived-rs: {flag} accepted but not implemented yet");
    }
    if cli.config_test.is_some() {
        run_config_test(&cli)
    } else {
        run_daemon(&cli)
    }
}

/// `-v`, `-h`, `--signum` and `-T`: keepalived acts on them as soon as it reads them.
fn immediate(action: &Immediate, program: &str) -> ExitCode {
    match action {
        Immediate::Version => {
            eprint!("{}", help::version_banner());
            ExitCode::SUCCESS
        }
        Immediate::Help => {
            eprint!("{}", help::help_text(program));
            ExitCode::SUCCESS
        }
        Immediate::Signum(name) => match cli::signum(name) {
            Some(n) => {
                println!("{n}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("Unknown sigfunc {name}");
                ExitCode::from(1)
            }
        },
        Immediate::Genhash(not_first) => {
            if let Some(spelling) = &not_first {
                eprintln!(
                    "Warning -- `{spelling}` not used as first option, previous options ignored"
                );
            }
            genhash::run(&genhash_args())
        }
    }
}

/// The arguments after the first `-T` / `--genhash` (or a prefix of it), which genhash reads.
fn genhash_args() -> Vec<String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let at = argv.iter().position(|a| {
        a == "-T" || (a.len() > 3 && "--genhash".starts_with(a.split('=').next().unwrap_or(a)))
    });
    at.map(|i| argv[i + 1..].to_vec()).unwrap_or_default()
}

/// `-t[=LOG_FILE]`: check the configuration and exit with keepalived's codes.
fn run_config_test(cli: &Cli) -> ExitCode {
    run::config_test(cli)
}

/// Everything else: the daemon.
fn run_daemon(cli: &Cli) -> ExitCode {
    run::daemon(cli)
}
