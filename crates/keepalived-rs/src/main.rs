//! keepalived-rs: a drop-in replacement for keepalived.

mod cli;
mod run;

use std::process::ExitCode;

use clap::Parser;

use cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // keepalived (getopt) says "Unknown option ..." and exits 1.
            eprint!("{}", e.render());
            return ExitCode::from(1);
        }
    };
    if cli.help {
        eprint!("{}", cli::HELP);
        return ExitCode::SUCCESS;
    }
    if cli.version {
        eprint!("{}", run::version_banner());
        return ExitCode::SUCCESS;
    }
    if let Some(name) = &cli.signum {
        return match cli::signum(name) {
            Some(n) => {
                println!("{n}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("Unknown sigfunc {name}");
                ExitCode::from(1)
            }
        };
    }
    for flag in cli::unimplemented_flags(&cli) {
        eprintln!("keepalived-rs: {flag} accepted but not implemented yet");
    }
    if cli.config_test.is_some() {
        run::config_test(&cli)
    } else if cli.command.as_deref() == Some("demo") {
        run::demo(&cli)
    } else {
        run::daemon(&cli)
    }
}
