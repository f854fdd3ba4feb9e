//! keepalived-bench: keepalived-rs against keepalived 2.2.7, side by side in the same run,
//! in network-namespace labs (see docs/PERFORMANCE.md). Needs root and iproute2.

mod addr_floor;
mod advert_gaps;
mod adverts;
mod backend;
mod cleanup;
mod cli;
mod conf;
mod daemon;
mod lab;
mod monitor;
mod procfs;
mod report;
mod runs;
mod soak_rows;
mod suite;
mod traffic;

use std::path::Path;
use std::process::{Command, ExitCode};

use clap::Parser;

use cli::Options;
use runs::Imp;

/// Says what is missing for the suite to run, if anything.
fn preflight(o: &Options) -> Result<(), String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            l.split_whitespace().nth(2).map(str::to_owned)
        });
    if uid.as_deref() != Some("0") {
        return Err("needs root (it creates network namespaces)".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Err("needs `ip` from iproute2 (apt-get install iproute2)".into());
    }
    if !Path::new(&o.ours).is_file() {
        return Err(format!(
            "our binary {} is missing: cargo build --release -p keepalived-rs, or --ours PATH",
            o.ours
        ));
    }
    if !o.ours_only && !Path::new(&o.keepalived).is_file() {
        return Err(format!(
            "keepalived {} is missing: apt-get install keepalived, --keepalived PATH, or --ours-only",
            o.keepalived
        ));
    }
    if o.trials == 0 || o.rounds == 0 || o.window == 0 || o.reloads == 0 {
        return Err("--trials, --rounds, --window and --reloads must be at least 1".into());
    }
    if o.real_servers == 0 || o.real_servers > runs::checker_lab::MAX_REAL_SERVERS {
        return Err(format!(
            "--real-servers must be 1..={}",
            runs::checker_lab::MAX_REAL_SERVERS
        ));
    }
    if o.reload_virtual_servers == 0 || o.reload_virtual_servers > 3200 {
        return Err("--reload-virtual-servers must be 1..=3200".into());
    }
    if o.minutes == 0 {
        return Err("--minutes must be at least 1".into());
    }
    conf::check_size(o.soak_instances, 1)?;
    conf::check_size(o.instances, o.vips_per_instance)
}

/// The Markdown document: how it was run, on what, and the table.
fn markdown(o: &Options, machine: &[String], rows: &[report::Row], load_end: &str) -> String {
    // bench/run.sh says how it was called; otherwise this process's own command line.
    let command = std::env::var("KEEPALIVED_BENCH_COMMAND")
        .unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" "));
    let mut doc = String::from(include_str!("performance_head.md"));
    doc += &format!("\n## Results\n\n```sh\n{}\n```\n\n", command.trim());
    doc += &report::markdown(rows);
    doc += "\nMachine (a shared 2-core development box: other builds and tests ran at the same \
            time, so absolute numbers are noisy; the ratios come from one run):\n\n";
    for m in machine.iter().map(String::as_str).chain([load_end]) {
        doc += &format!("- {m}\n");
    }
    if o.ours_only {
        doc += "\nRun with --ours-only: keepalived was not run.\n";
    }
    doc += include_str!("performance_tail.md");
    doc
}

/// The "## Observations" section of the existing file, kept across runs (empty if none).
fn kept_observations(path: &str) -> String {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    old.find("\n## Observations")
        .map(|i| old[i..].to_owned())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let o = Options::parse();
    if let Err(e) = preflight(&o) {
        eprintln!("keepalived-bench: {e}");
        return ExitCode::from(2);
    }
    lab::set_prefix(&o.netns_prefix);
    cleanup::install_signal_thread();
    let imps = suite::Imps {
        keepalived: (!o.ours_only).then(|| Imp {
            label: "keepalived",
            path: o.keepalived.clone(),
        }),
        ours: Imp {
            label: "ours",
            path: o.ours.clone(),
        },
    };
    let mut machine = report::machine(&o.ours, (!o.ours_only).then_some(o.keepalived.as_str()));
    machine.push(report::load("start"));
    let rows = suite::run(&o, &imps);
    let load_end = report::load("end");
    println!("\n{}", report::text(&rows));
    for m in machine.iter().chain([&load_end]) {
        println!("{m}");
    }
    if let Some(path) = &o.markdown {
        let doc = markdown(&o, &machine, &rows, &load_end) + &kept_observations(path);
        if let Err(e) = std::fs::write(path, doc) {
            eprintln!("keepalived-bench: {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {path}");
    }
    let failed = rows.iter().filter(|r| !r.name.starts_with(' ')).any(|r| {
        matches!(r.ours, report::Cell::Failed) || matches!(r.keepalived, report::Cell::Failed)
    });
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
