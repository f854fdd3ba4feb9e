//! Reload at scale: one router alone with every instance MASTER; then `reloads` SIGHUPs,
//! each with a small change (one extra VIP on the last instance, added on odd reloads and
//! removed on even ones). A reload counts as applied when the netlink monitor sees the extra
//! VIP come or go; the next SIGHUP follows. Measured: time per reload, deletions of the
//! other VIPs (an unchanged instance must keep its addresses through a reload), and the
//! process tree's RSS after the first reload and after the last.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::Imp;
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::monitor::Monitor;
use crate::procfs;

/// The VIP the reloads add and remove (outside the configuration's VIP range and the links'
/// own addresses).
pub(crate) const EXTRA_VIP: Ipv4Addr = Ipv4Addr::new(10, 88, 14, 250);

/// What one run measured.
#[derive(Clone, Debug)]
pub struct Reloads {
    /// SIGHUP until the extra VIP changed, per reload applied.
    pub per_reload: Vec<Duration>,
    /// Deletions of VIPs of unchanged instances during the reloads.
    pub vip_gaps: usize,
    /// The tree's summed VmRSS after the first reload, KiB.
    pub rss_first_kib: u64,
    /// The tree's summed VmRSS after the last reload, KiB.
    pub rss_last_kib: u64,
}

/// `conf` with [`EXTRA_VIP`] in the last instance's virtual_ipaddress block.
pub(crate) fn with_extra_vip(conf: &str) -> String {
    let tail = "    }\n}\n";
    match conf.strip_suffix(tail) {
        Some(head) => format!("{head}        {EXTRA_VIP}/32\n{tail}"),
        None => conf.to_owned(),
    }
}

fn tree_rss(d: &Daemon) -> u64 {
    d.tree().iter().map(|p| procfs::rss_kib(*p)).sum()
}

/// The tree's RSS once a reload has settled: the VIP change is seen while the parent may
/// still be parsing its own copy of the configuration (ours and keepalived's parents both
/// read it), so wait 2 s, then take the median of five samples 200 ms apart.
fn settled_tree_rss(d: &Daemon) -> u64 {
    std::thread::sleep(Duration::from_secs(2));
    let mut v: Vec<u64> = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(200));
            tree_rss(d)
        })
        .collect();
    v.sort_unstable();
    v[v.len() / 2]
}

/// Waits until the monitor saw [`EXTRA_VIP`] `added` (or deleted) at or after `since`.
fn extra_changed(mon: &Monitor, since: Instant, added: bool, limit: Duration) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let (changes, _) = mon.changes_since(since);
        if let Some(c) = changes
            .iter()
            .find(|c| c.addr == EXTRA_VIP && c.added == added)
        {
            return Some(c.at);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// Starts `imp` on `spec` (as MASTER), waits for its VIPs, then reloads it `reloads` times.
pub fn run(imp: &Imp, spec: &Spec, reloads: usize, verbose: bool) -> Result<Reloads, String> {
    let lab = Lab::new(&["r"], spec.links())?;
    let ns = lab.ns("r");
    let target: HashSet<Ipv4Addr> = spec.vips();
    let name = "kb_reload";
    let base = spec.with_role(200, "MASTER").render(name);
    let extra = with_extra_vip(&base);
    let mut d = Daemon::start(&lab, "r", imp.label, &imp.path, &base)?;
    let conf_path = lab.dir().join(format!("{}.conf", imp.label));
    super::settled_master(&mut d, imp, spec, &ns, &target)?;
    let mon = Monitor::start(&ns)?;
    let since_all = Instant::now();
    let mut r = Reloads {
        per_reload: Vec::with_capacity(reloads),
        vip_gaps: 0,
        rss_first_kib: 0,
        rss_last_kib: 0,
    };
    let per_reload_limit = Duration::from_secs(30 + spec.vip_count() as u64 / 100);
    for k in 0..reloads {
        let add = k % 2 == 0;
        let text = if add { &extra } else { &base };
        std::fs::write(&conf_path, text).map_err(|e| format!("{}: {e}", conf_path.display()))?;
        let parent = *d.tree().first().ok_or("the daemon is gone")?;
        let sent = Instant::now();
        procfs::signal_all(&[parent], libc::SIGHUP);
        let Some(at) = extra_changed(&mon, sent, add, per_reload_limit) else {
            super::alive(&mut d, imp.label)?;
            let full = std::env::temp_dir().join(format!("kb-reload-{}.log", imp.label));
            let text: String = d
                .log_since(d.started)
                .iter()
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            let _ = std::fs::write(&full, text);
            return Err(format!(
                "{}: reload {} did not {} {EXTRA_VIP} within {:?} (whole log in {})\n{}",
                imp.label,
                k + 1,
                if add { "add" } else { "remove" },
                per_reload_limit,
                full.display(),
                d.log_tail(10)
            ));
        };
        r.per_reload.push(at.saturating_duration_since(sent));
        if k == 0 {
            r.rss_first_kib = settled_tree_rss(&d);
        }
        if verbose && (k + 1) % 100 == 0 {
            let each: Vec<String> = d
                .tree()
                .iter()
                .map(|p| procfs::rss_kib(*p).to_string())
                .collect();
            eprintln!(
                "  {} reload {}: {:.1} ms, RSS {} KiB ({})",
                imp.label,
                k + 1,
                at.saturating_duration_since(sent).as_secs_f64() * 1e3,
                tree_rss(&d),
                each.join(" + ")
            );
        }
    }
    r.rss_last_kib = settled_tree_rss(&d);
    super::alive(&mut d, imp.label)?;
    let (changes, overflowed) = mon.changes_since(since_all);
    if overflowed {
        eprintln!("  warning: the address monitor overflowed: VIP gaps may be undercounted");
    }
    r.vip_gaps = changes
        .iter()
        .filter(|c| !c.added && target.contains(&c.addr))
        .count();
    if !d.stop(Duration::from_secs(30)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 30 s and was killed",
            imp.label
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_vip_goes_into_the_last_instance() {
        let spec = Spec {
            instances: 2,
            vips_per_instance: 1,
            version: 2,
            advert_int: "1",
            priority: 100,
            state: "BACKUP",
        };
        let conf = spec.render("t");
        let extra = with_extra_vip(&conf);
        assert!(extra.ends_with("        10.88.16.2/32\n        10.88.14.250/32\n    }\n}\n"));
        assert!(!spec.vips().contains(&EXTRA_VIP));
    }
}
