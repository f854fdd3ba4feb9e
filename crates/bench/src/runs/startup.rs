//! Startup: one router alone with every instance in `state MASTER`, priority 200; the time
//! from spawning the process until every VIP is present.

use std::time::{Duration, Instant};

use super::{last_log, ms, Imp};
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::monitor::{self, Monitor};

/// One startup, times from the spawn.
#[derive(Clone, Debug)]
pub struct Startup {
    /// Until every VIP was present.
    pub total: Duration,
    /// Until the first log line.
    pub first_log: Option<Duration>,
    /// Until the last "Entering MASTER STATE" log line.
    pub last_master_log: Option<Duration>,
    /// Until the first VIP.
    pub first_vip: Option<Duration>,
}

/// Starts `imp` on `spec` (as MASTER) and times it.
pub fn run(imp: &Imp, spec: &Spec, verbose: bool) -> Result<Startup, String> {
    let lab = Lab::new(&["r"], spec.links())?;
    let ns = lab.ns("r");
    let target = spec.vips();
    let mon = Monitor::start(&ns)?;
    let conf = spec.with_role(200, "MASTER").render("kb_startup");
    let baseline = monitor::addresses(&ns)?;
    let since = Instant::now();
    let mut d = Daemon::start(&lab, "r", imp.label, &imp.path, &conf)?;
    let t0 = d.started;
    let limit = Duration::from_secs(60 + spec.vip_count() as u64 / 50);
    let done = monitor::wait_complete(&mon, &ns, since, &baseline, &target, limit)?;
    super::alive(&mut d, imp.label)?;
    let done =
        done.ok_or_else(|| format!("{} never held all VIPs\n{}", imp.label, d.log_tail(15)))?;
    // A log line written just after the addresses may still be in the pipe.
    std::thread::sleep(Duration::from_millis(200));
    let (changes, _) = mon.changes_since(since);
    let s = Startup {
        total: done.saturating_duration_since(t0),
        first_log: d.log_since(t0).first().map(|(t, _)| t.duration_since(t0)),
        last_master_log: last_log(&d, t0, "Entering MASTER STATE"),
        first_vip: monitor::first_added(&changes, &target).map(|t| t.saturating_duration_since(t0)),
    };
    if verbose {
        eprintln!(
            "  {} startup: all VIPs {} (first log {}, last MASTER log {}, first VIP {})",
            imp.label,
            ms(Some(s.total)),
            ms(s.first_log),
            ms(s.last_master_log),
            ms(s.first_vip)
        );
    }
    if !d.stop(Duration::from_secs(30)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 30 s and was killed",
            imp.label
        );
    }
    Ok(s)
}
