//! The benchmarks. Each builds its own lab, so nothing of one run (process, VIP,
//! namespace) is left for the next.

pub mod bfd;
pub mod bfd_jitter;
pub mod checker_lab;
pub mod checker_reload;
pub mod checkers;
pub mod fast;
pub mod flood;
pub mod footprint;
pub mod kernel_floor;
pub mod reload;
pub mod soak;
pub mod startup;
pub mod takeover;

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::daemon::Daemon;
use crate::monitor;

/// One implementation under test.
#[derive(Clone, Debug)]
pub struct Imp {
    /// "keepalived" or "ours".
    pub label: &'static str,
    /// The binary.
    pub path: String,
}

/// Polls `cond` every 20 ms for up to `limit`; whether it held.
pub fn wait_for(
    limit: Duration,
    mut cond: impl FnMut() -> Result<bool, String>,
) -> Result<bool, String> {
    let start = Instant::now();
    loop {
        if cond()? {
            return Ok(true);
        }
        if start.elapsed() > limit {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many of `target` namespace `ns` holds.
pub fn held(ns: &str, target: &HashSet<Ipv4Addr>) -> Result<usize, String> {
    Ok(monitor::addresses(ns)?.intersection(target).count())
}

/// Waits until daemon `d` (a MASTER of every instance of `spec`) holds all of `target` in
/// namespace `ns`, then past keepalived's vrrp_garp_master_delay (5 s), whose second GARP
/// burst would otherwise fall into a measurement.
pub fn settled_master(
    d: &mut Daemon,
    imp: &Imp,
    spec: &crate::conf::Spec,
    ns: &str,
    target: &HashSet<Ipv4Addr>,
) -> Result<(), String> {
    let limit = Duration::from_secs(60 + spec.vip_count() as u64 / 50);
    let all = wait_for(limit, || {
        alive(d, imp.label)?;
        Ok(held(ns, target)? == target.len())
    })?;
    if !all {
        return Err(format!(
            "{} never held all VIPs\n{}",
            imp.label,
            d.log_tail(15)
        ));
    }
    std::thread::sleep(Duration::from_secs(6));
    Ok(())
}

/// Fails with the daemon's log tail if it died.
pub fn alive(d: &mut Daemon, who: &str) -> Result<(), String> {
    if d.running() {
        Ok(())
    } else {
        Err(format!(
            "{who} exited; its log ends with:\n{}",
            d.log_tail(15)
        ))
    }
}

/// The first log line at or after `since` that contains `pattern`, as time from `since`.
pub fn first_log(d: &Daemon, since: Instant, pattern: &str) -> Option<Duration> {
    d.log_since(since)
        .iter()
        .find(|(_, l)| l.contains(pattern))
        .map(|(t, _)| t.duration_since(since))
}

/// The last log line at or after `since` that contains `pattern`, as time from `since`.
pub fn last_log(d: &Daemon, since: Instant, pattern: &str) -> Option<Duration> {
    d.log_since(since)
        .iter()
        .rev()
        .find(|(_, l)| l.contains(pattern))
        .map(|(t, _)| t.duration_since(since))
}

/// The number of distinct instances that logged "(NAME) Entering STATE STATE" since `since`.
pub fn instances_entered(d: &Daemon, since: Instant, state: &str) -> usize {
    let pat = format!("Entering {state} STATE");
    let names: HashSet<String> = d
        .log_since(since)
        .iter()
        .filter(|(_, l)| l.contains(&pat))
        .filter_map(|(_, l)| {
            let open = l.find('(')?;
            let close = l[open..].find(')')? + open;
            Some(l[open + 1..close].to_owned())
        })
        .collect();
    names.len()
}

/// The median of `v` (sorted in place); None when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Milliseconds, for timelines.
pub fn ms(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
}
