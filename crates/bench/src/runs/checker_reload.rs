//! Checker reload at scale: `vs` virtual servers × 10 real servers (real server `i` of
//! virtual server `v`: address number `v`, port 10000 + i), TCP_CHECK, delay_loop 10. Once
//! the IPVS table matches and a settle time passed, a SIGHUP with a configuration in which
//! every tenth virtual server (10 %) has another real server set (port 10000 dropped, 10010
//! added). Measured: from the SIGHUP until a poll of the IPVS table (a netlink dump, [`IpvsReader`](super::checker_lab::IpvsReader)) equals
//! the new configuration, capped; the unchanged destinations missing from any poll in
//! between and "Removing service" log lines about them (none may be removed or re-added).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::checker_lab::{self, Check, CheckerLab, Dest, VirtualServer};
use super::Imp;
use crate::backend::Backend;
use crate::daemon::Daemon;
use crate::procfs;

/// Real servers per virtual server.
const PER_VS: u16 = 10;
/// delay_loop of the reload configuration.
const DELAY_LOOP: u32 = 10;

/// What one run measured.
#[derive(Clone, Debug, Default)]
pub struct Reload {
    /// From the start until the table matched the first configuration, s.
    pub startup_s: f64,
    /// SIGHUP until a poll matched the new configuration; None: not within the cap.
    pub converged: Option<Duration>,
    /// Polls of the table between the SIGHUP and convergence (or the cap).
    pub polls: usize,
    /// Mean time of one poll, ms (the resolution of `converged`).
    pub poll_ms: f64,
    /// Unchanged destinations missing from some poll (counted once each).
    pub missing: usize,
    /// "Removing service" lines about unchanged destinations after the SIGHUP.
    pub removal_logs: usize,
    /// Destinations of the changed virtual servers that still differed at the cap.
    pub left: usize,
}

/// The first configuration (`changed` false) or the reloaded one.
pub fn shape(vs: usize, changed: bool) -> Vec<VirtualServer> {
    (0..vs)
        .map(|v| {
            let first = if changed && v % 10 == 0 { 1 } else { 0 };
            (first..first + PER_VS)
                .map(|i| (checker_lab::rs_addr(v), 10000 + i))
                .collect()
        })
        .collect()
}

/// The backend's ports for [`shape`].
pub fn ports() -> Vec<u16> {
    (10000..=10000 + PER_VS).collect()
}

/// Starts `imp` on `vs` × 10, waits for the table, settles, reloads, measures up to `cap`.
pub fn run(
    imp: &Imp,
    prefix: &str,
    vs: usize,
    settle: Duration,
    cap: Duration,
    verbose: bool,
) -> Result<Reload, String> {
    let lab = CheckerLab::new(prefix)?;
    let mut backend = Backend::start(&lab.be, &ports())?;
    let (old, new) = (shape(vs, false), shape(vs, true));
    let (want_old, want_new) = (checker_lab::expected(&old), checker_lab::expected(&new));
    let unchanged: HashSet<Dest> = want_old.intersection(&want_new).copied().collect();
    let base = checker_lab::render("hc_reload", &old, DELAY_LOOP, Check::Tcp);
    let mut d = Daemon::start_in(lab.dir(), &lab.lb, imp.label, &imp.path, &base, "-C", &[])?;
    let conf_path = lab.dir().join(format!("{}.conf", imp.label));
    let mut ipvs = checker_lab::IpvsReader::open(&lab.lb)?;
    let limit = Duration::from_secs(300 + want_old.len() as u64 / 50);
    let ok = super::wait_for(limit, || {
        super::alive(&mut d, imp.label)?;
        backend.check()?;
        backend.take();
        std::thread::sleep(Duration::from_millis(200));
        Ok(ipvs.read()? == want_old)
    })?;
    if !ok {
        return Err(format!(
            "{}: the IPVS table did not match the {} destinations within {limit:?}\n{}",
            imp.label,
            want_old.len(),
            d.log_tail(10)
        ));
    }
    let mut r = Reload {
        startup_s: d.started.elapsed().as_secs_f64(),
        ..Reload::default()
    };
    std::thread::sleep(settle);
    backend.take();
    let text = checker_lab::render("hc_reload", &new, DELAY_LOOP, Check::Tcp);
    std::fs::write(&conf_path, text).map_err(|e| format!("{}: {e}", conf_path.display()))?;
    let parent = *d.tree().first().ok_or("the daemon is gone")?;
    let mut missing: HashSet<Dest> = HashSet::new();
    let sent = Instant::now();
    procfs::signal_all(&[parent], libc::SIGHUP);
    let mut last = HashSet::new();
    while sent.elapsed() < cap {
        super::alive(&mut d, imp.label)?;
        backend.check()?;
        backend.take();
        let t = ipvs.read()?;
        r.polls += 1;
        missing.extend(unchanged.difference(&t).copied());
        if t == want_new {
            r.converged = Some(sent.elapsed());
            break;
        }
        last = t;
    }
    r.poll_ms = sent.elapsed().as_secs_f64() * 1e3 / r.polls.max(1) as f64;
    if r.converged.is_none() {
        r.left = want_new.symmetric_difference(&last).count();
    } else {
        // A few polls more: nothing unchanged may go afterwards either.
        for _ in 0..3 {
            let t = ipvs.read()?;
            missing.extend(unchanged.difference(&t).copied());
        }
    }
    r.missing = missing.len();
    r.removal_logs = d
        .log_since(sent)
        .iter()
        .filter_map(|(_, l)| checker_lab::marked_down(l))
        .filter(|(vs, rs)| unchanged.contains(&(*vs, *rs, 1)))
        .count();
    if verbose {
        eprintln!(
            "  {}: table matched {:.1} s after start; {} polls of {:.0} ms; converged {:?}",
            imp.label, r.startup_s, r.polls, r.poll_ms, r.converged
        );
        for (_, l) in d.log_since(sent).iter().take(5) {
            eprintln!("  | {l}");
        }
    }
    if !d.stop(Duration::from_secs(60)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 60 s",
            imp.label
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_percent_of_the_virtual_servers_change() {
        let (a, b) = (shape(20, false), shape(20, true));
        let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert_eq!(changed, 2);
        assert_eq!(b[0].last().map(|x| x.1), Some(10010));
        let (ea, eb) = (checker_lab::expected(&a), checker_lab::expected(&b));
        assert_eq!(ea.len(), 200);
        assert_eq!(ea.intersection(&eb).count(), 200 - 2);
    }
}
