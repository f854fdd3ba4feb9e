//! Packaging helper: `keepalived-rs-gen man|completions|all OUTDIR` writes keepalived-rs(8)
//! and the bash, zsh and fish completions made from the command line definition.

use std::path::Path;
use std::process::ExitCode;

use keepalived_rs::generate;

const USAGE: &str = "usage: keepalived-rs-gen man|completions|all OUTDIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, dir] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let dir = Path::new(dir);
    let result = match what.as_str() {
        "man" => generate::man_to(dir).map(|p| vec![p]),
        "completions" => generate::completions_to(dir),
        "all" => generate::man_to(dir).and_then(|man| {
            let mut paths = generate::completions_to(dir)?;
            paths.insert(0, man);
            Ok(paths)
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("keepalived-rs-gen: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
