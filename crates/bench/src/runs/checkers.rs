//! Checker scale: one daemon (checkers only, `-C`) with N real servers, 100 per virtual
//! server, all under TCP_CHECK (port 80) or all under HTTP_GET (port 8080), delay_loop 1,
//! connect_timeout 3, served by one [`Backend`] process thread. Once the IPVS table holds
//! every real server and the backend has seen every one checked, plus a few seconds: over a
//! window, the checks the backend received (per second, and the interval between two
//! consecutive checks of one real server against delay_loop), the CPU time of the checker
//! child and of the tree, RSS and PSS of each process; over the whole run, the real servers
//! the daemon marked DOWN (every one is up: must be 0) and at the end the IPVS table.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use super::checker_lab::{self, Check, CheckerLab, VirtualServer};
use super::Imp;
use crate::backend::{Arrival, Backend, HTTP_PORT};
use crate::daemon::Daemon;
use crate::procfs;

/// Real servers per virtual server.
const PER_VS: usize = 100;

/// What one run measured.
#[derive(Clone, Debug, Default)]
pub struct Scale {
    /// Checks the backend received per second over the window.
    pub checks_per_s: f64,
    /// Intervals between consecutive checks of one real server, ms, sorted.
    pub intervals_ms: Vec<f64>,
    /// Real servers not checked at all in the window.
    pub unchecked: usize,
    /// CPU of the checker child, % of one core.
    pub child_cpu: f64,
    /// CPU of the process tree, % of one core.
    pub tree_cpu: f64,
    /// VmRSS of each process (parent first), KiB.
    pub rss_kib: Vec<u64>,
    /// PSS of each process, KiB.
    pub pss_kib: Vec<u64>,
    /// "Removing/Disabling service" log lines over the run (every real server is up).
    pub marked_down: usize,
    /// Real servers with weight > 0 in the IPVS table at the end.
    pub in_table: usize,
    /// From the start until the table held every real server, s.
    pub table_full_s: f64,
}

/// The shape: `n` real servers of one check type, 100 per virtual server.
pub fn shape(n: usize, check: Check) -> Vec<VirtualServer> {
    let port = match check {
        Check::Tcp => 80,
        Check::Http => HTTP_PORT,
    };
    (0..n)
        .collect::<Vec<_>>()
        .chunks(PER_VS)
        .map(|c| c.iter().map(|i| (checker_lab::rs_addr(*i), port)).collect())
        .collect()
}

/// The value at quantile `q` of sorted `v` (0 when empty).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

/// Intervals between consecutive arrivals per real server (ms, sorted), and how many of
/// `expected` real servers had no arrival.
pub fn intervals(arrivals: &[Arrival], expected: &HashSet<SocketAddrV4>) -> (Vec<f64>, usize) {
    let mut per: HashMap<SocketAddrV4, Vec<Instant>> = HashMap::new();
    for a in arrivals {
        per.entry(SocketAddrV4::new(a.addr, a.port))
            .or_default()
            .push(a.at);
    }
    let unchecked = expected.iter().filter(|k| !per.contains_key(k)).count();
    let mut out = Vec::with_capacity(arrivals.len());
    for v in per.values_mut() {
        v.sort_unstable();
        out.extend(
            v.windows(2)
                .map(|w| w[1].duration_since(w[0]).as_secs_f64() * 1e3),
        );
    }
    out.sort_by(f64::total_cmp);
    (out, unchecked)
}

fn tree_ticks(pids: &[i32]) -> u64 {
    pids.iter().map(|p| procfs::cpu_ticks(*p)).sum()
}

/// Runs `imp` on `n` real servers under `check` and measures over `window`.
pub fn run(
    imp: &Imp,
    prefix: &str,
    n: usize,
    check: Check,
    window: Duration,
    verbose: bool,
) -> Result<Scale, String> {
    let lab = CheckerLab::new(prefix)?;
    let mut backend = Backend::start(&lab.be, &[80, HTTP_PORT])?;
    let vss = shape(n, check);
    let want = checker_lab::expected(&vss);
    let rs_set: HashSet<SocketAddrV4> = want.iter().map(|d| d.1).collect();
    let conf = checker_lab::render("hc_scale", &vss, 1, check);
    let mut d = Daemon::start_in(lab.dir(), &lab.lb, imp.label, &imp.path, &conf, "-C", &[])?;
    let mut ipvs = checker_lab::IpvsReader::open(&lab.lb)?;
    let limit = Duration::from_secs(120 + n as u64 / 50);
    let mut seen: HashSet<SocketAddrV4> = HashSet::new();
    let mut table_full = None;
    let ok = super::wait_for(limit, || {
        super::alive(&mut d, imp.label)?;
        backend.check()?;
        seen.extend(
            backend
                .take()
                .iter()
                .map(|a| SocketAddrV4::new(a.addr, a.port)),
        );
        if table_full.is_none() {
            let t = ipvs.read()?;
            if t.iter().filter(|x| x.2 > 0).count() >= n {
                table_full = Some(d.started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        Ok(table_full.is_some() && seen.len() >= rs_set.len())
    })?;
    if !ok {
        return Err(format!(
            "{}: after {limit:?} the table {} all {n} real servers, the backend saw {} of them\n{}",
            imp.label,
            if table_full.is_some() {
                "held"
            } else {
                "did not hold"
            },
            seen.len(),
            d.log_tail(10)
        ));
    }
    // Past the start-up burst: a few delay_loops.
    std::thread::sleep(Duration::from_secs(5));
    let child = d.checker_pid().ok_or("no checker child")?;
    let pids = d.tree();
    backend.take();
    let (c0, t0) = (procfs::cpu_ticks(child), tree_ticks(&pids));
    let start = Instant::now();
    std::thread::sleep(window);
    let (c1, t1) = (procfs::cpu_ticks(child), tree_ticks(&pids));
    let elapsed = start.elapsed().as_secs_f64();
    let arrivals = backend.take();
    let rss_kib: Vec<u64> = pids.iter().map(|p| procfs::rss_kib(*p)).collect();
    let pss_kib: Vec<u64> = pids.iter().map(|p| procfs::smaps_kib(*p, "Pss")).collect();
    if rss_kib.contains(&0) || d.checker_pid() != Some(child) {
        return Err(format!(
            "{}: a process of {pids:?} ended during the window (checker now {:?})\n{}",
            imp.label,
            d.checker_pid(),
            d.log_tail(15)
        ));
    }
    super::alive(&mut d, imp.label)?;
    backend.check()?;
    let tps = procfs::ticks_per_second();
    let (intervals_ms, unchecked) = intervals(&arrivals, &rs_set);
    let table = ipvs.read()?;
    let marked_down = d
        .log_since(d.started)
        .iter()
        .filter(|(_, l)| checker_lab::marked_down(l).is_some())
        .count();
    let s = Scale {
        checks_per_s: arrivals.len() as f64 / elapsed,
        unchecked,
        child_cpu: (c1 - c0) as f64 / tps / elapsed * 100.0,
        tree_cpu: (t1 - t0) as f64 / tps / elapsed * 100.0,
        rss_kib,
        pss_kib,
        marked_down,
        in_table: table.iter().filter(|x| x.2 > 0 && want.contains(x)).count(),
        table_full_s: table_full.map_or(0.0, |t| t.as_secs_f64()),
        intervals_ms,
    };
    if verbose {
        eprintln!(
            "  {}: pids {pids:?} (checker {child}), {} arrivals in {elapsed:.1} s, RSS {:?} KiB, \
             PSS {:?} KiB",
            imp.label,
            arrivals.len(),
            s.rss_kib,
            s.pss_kib
        );
        for (_, l) in d.log_since(d.started).iter().rev().take(5) {
            eprintln!("  | {l}");
        }
    }
    if !d.stop(Duration::from_secs(60)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 60 s",
            imp.label
        );
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn intervals_are_per_real_server() {
        let t = Instant::now();
        let a = Ipv4Addr::new(10, 71, 0, 1);
        let b = Ipv4Addr::new(10, 71, 0, 2);
        let at = |ms| t + Duration::from_millis(ms);
        let arrivals = [
            Arrival {
                addr: a,
                port: 80,
                at: at(0),
            },
            Arrival {
                addr: b,
                port: 80,
                at: at(10),
            },
            Arrival {
                addr: a,
                port: 80,
                at: at(1000),
            },
            Arrival {
                addr: b,
                port: 80,
                at: at(1200),
            },
        ];
        let expected: HashSet<SocketAddrV4> = [a, b, Ipv4Addr::new(10, 71, 0, 3)]
            .iter()
            .map(|x| SocketAddrV4::new(*x, 80))
            .collect();
        let (iv, unchecked) = intervals(&arrivals, &expected);
        assert_eq!(unchecked, 1);
        assert_eq!(iv.len(), 2);
        assert!((iv[0] - 1000.0).abs() < 1e-6 && (iv[1] - 1190.0).abs() < 1e-6);
        assert_eq!(quantile(&iv, 1.0), iv[1]);
    }

    #[test]
    fn a_shape_has_100_real_servers_per_virtual_server() {
        let s = shape(250, Check::Http);
        assert_eq!(s.len(), 3);
        assert_eq!(s[2].len(), 50);
        assert_eq!(s[0][0], (Ipv4Addr::new(10, 71, 0, 1), HTTP_PORT));
    }
}
