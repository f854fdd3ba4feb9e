//! The differential scenario suite (tests/scenarios, listed in docs/scenarios.md): each
//! scenario runs with keepalived 2.2.7 on every router, then with ours on each router in
//! turn and on all, in parallel network namespaces; every checkpoint must match keepalived's
//! (tests/scenarios/PENDING: known bugs of ours; DELIBERATE: ours is better on purpose).
//! `KR_SC_ONLY=name,name` runs a subset, `KR_SC_JOBS` sets the parallelism (default 8),
//! `KR_SC_KEEP=1` keeps the run directories. Needs root, /usr/sbin/keepalived and tcpdump.

use keepalived_labs::runnable;
use keepalived_labs::scenario::{run_suite, Options};

#[test]
fn differential_scenarios() {
    if !runnable("scenarios") {
        return;
    }
    if std::process::Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: scenarios needs tcpdump (apt-get install tcpdump)");
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let only = std::env::var("KR_SC_ONLY")
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let jobs = std::env::var("KR_SC_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(8);
    let opts = Options {
        dir,
        ours: env!("CARGO_BIN_EXE_keepalived-rs").to_owned(),
        jobs,
        only,
    };
    let outcome = run_suite(&opts).unwrap_or_else(|e| panic!("scenario file: {e}"));
    for p in &outcome.pending {
        eprintln!("{p}");
    }
    eprintln!(
        "scenarios: {} matched, {} pending, {} failed, in {:.0} s",
        outcome.passed.len(),
        outcome.pending.len(),
        outcome.failures.len(),
        outcome.seconds
    );
    assert!(
        outcome.failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        outcome.failures.len(),
        outcome.failures.join("\n\n")
    );
}
