//! Footprint: one router alone with every instance MASTER (VRRPv3, advert_int 0.1, so
//! 10 adverts/s per instance); once every VIP is present and the delayed gratuitous ARPs
//! are out, the process tree's RSS (sum of VmRSS) and CPU time (utime + stime) over a
//! window.

use std::time::{Duration, Instant};

use super::Imp;
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::procfs;

/// What one window measured.
#[derive(Clone, Debug)]
pub struct Footprint {
    /// Mean over the window of the tree's summed VmRSS, MiB.
    pub rss_mib: f64,
    /// Mean over the window of the tree's summed PSS (pages shared between the tree's
    /// processes, or with others, counted once in all), MiB.
    pub pss_mib: f64,
    /// CPU seconds the tree used per second of the window.
    pub cpu_share: f64,
    /// Packets per second the router sent (adverts, plus any ARP).
    pub packets_per_s: f64,
    /// Processes in the tree.
    pub processes: usize,
}

/// Starts `imp` on `spec` (as MASTER), waits, and measures for `window`.
pub fn run(imp: &Imp, spec: &Spec, window: Duration, verbose: bool) -> Result<Footprint, String> {
    let lab = Lab::new(&["r"], spec.links())?;
    let ns = lab.ns("r");
    let target = spec.vips();
    let conf = spec.with_role(200, "MASTER").render("kb_footprint");
    let mut d = Daemon::start(&lab, "r", imp.label, &imp.path, &conf)?;
    super::settled_master(&mut d, imp, spec, &ns, &target)?;

    let pids = d.tree();
    let cpu = |pids: &[i32]| pids.iter().map(|p| procfs::cpu_ticks(*p)).sum::<u64>();
    let rss = |pids: &[i32]| pids.iter().map(|p| procfs::rss_kib(*p)).sum::<u64>();
    let pss = |pids: &[i32]| {
        pids.iter()
            .map(|p| procfs::smaps_kib(*p, "Pss"))
            .sum::<u64>()
    };
    let (cpu0, sent0, t0) = (cpu(&pids), lab.sent_packets("r")?, Instant::now());
    let (mut samples, mut pss_samples) = (Vec::new(), Vec::new());
    while t0.elapsed() < window {
        samples.push(rss(&pids));
        pss_samples.push(pss(&pids));
        std::thread::sleep(Duration::from_millis(500));
    }
    if verbose {
        for p in &pids {
            let k = |n: &str| procfs::smaps_kib(*p, n);
            eprintln!(
                "  {} pid {p}: Rss {} KiB (anon {}, file {}), Pss {} KiB (anon {}, file {})",
                imp.label,
                k("Rss"),
                k("Anonymous"),
                k("Rss").saturating_sub(k("Anonymous")),
                k("Pss"),
                k("Pss_Anon"),
                k("Pss_File")
            );
        }
    }
    let (cpu1, sent1, secs) = (
        cpu(&pids),
        lab.sent_packets("r")?,
        t0.elapsed().as_secs_f64(),
    );
    super::alive(&mut d, imp.label)?;
    let f = Footprint {
        rss_mib: samples.iter().sum::<u64>() as f64 / samples.len().max(1) as f64 / 1024.0,
        pss_mib: pss_samples.iter().sum::<u64>() as f64 / pss_samples.len().max(1) as f64 / 1024.0,
        cpu_share: cpu1.saturating_sub(cpu0) as f64 / procfs::ticks_per_second() / secs,
        packets_per_s: sent1.saturating_sub(sent0) as f64 / secs,
        processes: pids.len(),
    };
    if verbose {
        eprintln!(
            "  {} footprint: {:.1} MiB in {} processes, {:.1}% CPU, {:.0} packets/s sent",
            imp.label,
            f.rss_mib,
            f.processes,
            f.cpu_share * 100.0,
            f.packets_per_s
        );
    }
    if !d.stop(Duration::from_secs(30)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 30 s and was killed",
            imp.label
        );
    }
    Ok(f)
}
