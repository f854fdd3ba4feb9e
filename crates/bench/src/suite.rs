//! Runs the selected benchmarks for keepalived and ours, one after the other in the same
//! run, and turns the measurements into table rows (medians over rounds or trials).

use std::time::Duration;

use crate::cli::{Bench, CheckerPart, Options};
use crate::conf::Spec;
use crate::report::{Cell, Row};
use crate::runs::{
    bfd, bfd_jitter, checker_lab::Check, checker_reload, checkers, fast, flood, footprint, median,
    reload, startup, takeover, Imp,
};

/// The implementations: keepalived (None with --ours-only) and ours.
pub struct Imps {
    /// The real keepalived.
    pub keepalived: Option<Imp>,
    /// keepalived-rs.
    pub ours: Imp,
}

impl Imps {
    /// The master of the takeovers: keepalived, or ours alone.
    fn master(&self) -> &Imp {
        self.keepalived.as_ref().unwrap_or(&self.ours)
    }

    /// keepalived first (run 1), then ours (run 2).
    pub(crate) fn in_order(&self) -> Vec<&Imp> {
        self.keepalived.iter().chain([&self.ours]).collect()
    }
}

/// Median per implementation of values collected under its label.
pub(crate) struct Samples(pub(crate) Vec<(&'static str, f64)>);

impl Samples {
    fn cell(&self, imp: Option<&Imp>) -> Cell {
        let Some(imp) = imp else {
            return Cell::Skipped;
        };
        let mut v: Vec<f64> = self
            .0
            .iter()
            .filter(|(l, _)| *l == imp.label)
            .map(|(_, v)| *v)
            .collect();
        median(&mut v).map_or(Cell::Failed, Cell::Value)
    }
}

/// Builds a row from per-label samples.
pub(crate) fn row(name: String, s: &Samples, imps: &Imps, decimals: usize) -> Row {
    let k = s.cell(imps.keepalived.as_ref());
    let o = s.cell(Some(&imps.ours));
    Row::new(name, k, o, decimals)
}

fn secs(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

/// The configuration of the takeover and startup benchmarks.
fn big_spec(o: &Options) -> Spec {
    Spec {
        instances: o.instances,
        vips_per_instance: o.vips_per_instance,
        version: 2,
        advert_int: "1",
        priority: 100,
        state: "BACKUP",
    }
}

fn report_err(what: &str, imp: &Imp, e: &str) {
    eprintln!("keepalived-bench: {what} with {} failed: {e}", imp.label);
}

/// Benchmark 1: takeover of the big configuration.
fn takeover_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let spec = big_spec(o);
    let (mut total, mut log, mut first) = (Vec::new(), Vec::new(), Vec::new());
    let mut advert = Vec::new();
    let (mut floor_alone, mut floor_beside) = (Vec::new(), Vec::new());
    let mut over_kernel = Vec::new();
    for round in 0..o.rounds {
        for imp in imps.in_order() {
            eprintln!(
                "takeover round {round}: master {}, backup {}",
                imps.master().label,
                imp.label
            );
            let setup = takeover::Setup {
                master: imps.master(),
                backup: imp,
                spec: &spec,
                trials: 1,
                settle: Duration::from_secs(3),
                verbose: o.verbose,
                kernel_floor: true,
            };
            match takeover::run(&setup) {
                Ok(outcome) => {
                    if let Some(f) = outcome.floor {
                        floor_alone.push((imp.label, f.alone.as_secs_f64() * 1e3));
                        floor_beside.push((imp.label, f.beside_removal.as_secs_f64() * 1e3));
                        for t in &outcome.trials {
                            if let Some(a) = t.after_advert {
                                let beyond = (a.as_secs_f64() - TAKEOVER_FLOOR) * 1e3;
                                over_kernel.push((imp.label, beyond - f.alone.as_secs_f64() * 1e3));
                            }
                        }
                    }
                    for t in outcome.trials {
                        total.push((imp.label, t.total.as_secs_f64()));
                        advert.extend(secs(t.after_advert).map(|v| (imp.label, v)));
                        log.extend(secs(t.master_log).map(|v| (imp.label, v)));
                        first.extend(secs(t.first_vip).map(|v| (imp.label, v)));
                    }
                }
                Err(e) => report_err("takeover", imp, &e),
            }
        }
    }
    let size = format!("{}x{}", spec.instances, spec.vips_per_instance);
    vec![
        row(
            format!("takeover {size} VIPs, v2 advert 1 s: all VIPs (s)"),
            &Samples(total),
            imps,
            3,
        )
        .note("floor 3.609 s (Master_Down_Interval, priority 100)"),
        row(
            "  all VIPs, from the master's last advert (s)".into(),
            &Samples(advert.clone()),
            imps,
            3,
        )
        .note("floor 3.609 s"),
        beyond_floor(&advert, TAKEOVER_FLOOR, imps),
        row(
            "  kernel floor: the same VIPs added by a minimal netlink program (ms)".into(),
            &Samples(floor_alone),
            imps,
            1,
        )
        .note("in the same lab, daemons stopped; median of 3"),
        row(
            "  kernel floor, while the master's namespace deletes them (ms)".into(),
            &Samples(floor_beside),
            imps,
            1,
        )
        .note("what the cut master's removal costs the backup on one kernel"),
        row(
            "  beyond the floor, less the kernel's own time (ms)".into(),
            &Samples(over_kernel),
            imps,
            1,
        )
        .note("per round: beyond the floor minus the kernel floor alone"),
        row(
            "  first 'Entering MASTER STATE' log (s)".into(),
            &Samples(log),
            imps,
            3,
        ),
        row("  first VIP (s)".into(), &Samples(first), imps, 3),
    ]
}

/// Master_Down_Interval at priority 100, VRRPv2, advert_int 1.
const TAKEOVER_FLOOR: f64 = 3.0 + 156.0 / 256.0;

/// "From the master's last advert" minus the protocol floor, in ms: the daemon's own delay
/// (timer lateness plus installing the VIPs). `samples` in seconds.
fn beyond_floor(samples: &[(&'static str, f64)], floor: f64, imps: &Imps) -> Row {
    let ms = samples
        .iter()
        .map(|(l, v)| (*l, (v - floor) * 1e3))
        .collect();
    row("  beyond the floor (ms)".into(), &Samples(ms), imps, 1)
        .note("daemon's own delay: timer lateness + installing the VIPs")
}

/// Benchmark 2: startup of the big configuration as MASTER.
fn startup_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let spec = big_spec(o);
    let (mut total, mut log, mut first) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..o.rounds {
        for imp in imps.in_order() {
            eprintln!("startup round {round}: {}", imp.label);
            match startup::run(imp, &spec, o.verbose) {
                Ok(s) => {
                    total.push((imp.label, s.total.as_secs_f64()));
                    log.extend(secs(s.last_master_log).map(|v| (imp.label, v)));
                    first.extend(secs(s.first_vip).map(|v| (imp.label, v)));
                }
                Err(e) => report_err("startup", imp, &e),
            }
        }
    }
    let size = format!("{}x{}", spec.instances, spec.vips_per_instance);
    vec![
        row(
            format!("startup {size} VIPs as MASTER: all VIPs (s)"),
            &Samples(total),
            imps,
            3,
        )
        .note("floor 3.219 s (a MASTER below 255 first waits Master_Down_Interval, priority 200)"),
        row(
            "  last 'Entering MASTER STATE' log (s)".into(),
            &Samples(log),
            imps,
            3,
        ),
        row("  first VIP (s)".into(), &Samples(first), imps, 3),
    ]
}

/// Benchmark 3: RSS and CPU of a MASTER router with VRRPv3 advert_int 0.1.
fn footprint_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let spec = Spec {
        version: 3,
        advert_int: "0.1",
        ..big_spec(o)
    };
    let window = Duration::from_secs(o.window);
    let (mut rss, mut pss, mut cpu, mut pps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..o.rounds {
        for imp in imps.in_order() {
            eprintln!("footprint round {round}: {}", imp.label);
            match footprint::run(imp, &spec, window, o.verbose) {
                Ok(f) => {
                    rss.push((imp.label, f.rss_mib));
                    pss.push((imp.label, f.pss_mib));
                    cpu.push((imp.label, f.cpu_share * 100.0));
                    pps.push((imp.label, f.packets_per_s));
                }
                Err(e) => report_err("footprint", imp, &e),
            }
        }
    }
    let n = spec.instances;
    vec![
        row(
            format!("footprint {n} inst. v3 advert 0.1 s: RSS (MiB)"),
            &Samples(rss),
            imps,
            1,
        )
        .note("sum of VmRSS over the process tree"),
        row("  PSS (MiB)".into(), &Samples(pss), imps, 1)
            .note("sum of Pss (smaps_rollup): shared pages counted once"),
        row(
            format!("  CPU over {} s (% of one core)", o.window),
            &Samples(cpu),
            imps,
            1,
        )
        .note("utime+stime of the tree"),
        row("  packets sent (/s)".into(), &Samples(pps), imps, 0)
            .note(format!("expected {} adverts/s", n * 10)),
    ]
}

/// Benchmark 4: fast takeover, median of --trials.
fn fast_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let (mut total, mut advert, mut log) = (Vec::new(), Vec::new(), Vec::new());
    let mut spread = Vec::new();
    for imp in imps.in_order() {
        let (m, n) = (imps.master().label, o.trials);
        eprintln!(
            "fast takeover: master {m}, backup {}, {n} trials",
            imp.label
        );
        match fast::run(imps.master(), imp, o.trials, o.verbose) {
            Ok(trials) => {
                let mut ms: Vec<f64> = trials.iter().map(|t| t.total.as_secs_f64() * 1e3).collect();
                ms.sort_by(|a, b| a.total_cmp(b));
                if let (Some(lo), Some(hi)) = (ms.first(), ms.last()) {
                    spread.push(format!("{} {lo:.0}..{hi:.0}", imp.label));
                }
                total.extend(ms.iter().map(|v| (imp.label, *v)));
                for t in &trials {
                    advert.extend(secs(t.after_advert).map(|v| (imp.label, v)));
                    log.extend(secs(t.master_log).map(|v| (imp.label, v * 1e3)));
                }
            }
            Err(e) => report_err("fast takeover", imp, &e),
        }
    }
    let floor = fast::FLOOR.as_secs_f64();
    let advert_ms = advert.iter().map(|(l, v)| (*l, v * 1e3)).collect();
    let name = format!(
        "fast takeover v3 advert 0.02 s, median of {} (ms)",
        o.trials
    );
    vec![
        row(name, &Samples(total), imps, 1).note(format!(
            "floor ~{:.0} ms; range ms: {}",
            floor * 1e3,
            spread.join(", ")
        )),
        row(
            "  from the master's last advert (ms)".into(),
            &Samples(advert_ms),
            imps,
            1,
        )
        .note(format!("floor {:.1} ms", floor * 1e3)),
        beyond_floor(&advert, floor, imps),
        row(
            "  first 'Entering MASTER STATE' log (ms)".into(),
            &Samples(log),
            imps,
            1,
        ),
    ]
}

/// Benchmark 6: the BFD-driven takeover, each implementation as the tracking MASTER beside
/// the same BACKUP, median of at least 10 cuts.
fn bfd_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let trials = o.trials.max(10);
    let (mut total, mut detected) = (Vec::new(), Vec::new());
    for imp in imps.in_order() {
        let b = imps.master().label;
        eprintln!(
            "bfd takeover: master {}, backup {b}, {trials} cuts",
            imp.label
        );
        match bfd::run(imp, imps.master(), trials, o.verbose) {
            Ok(ts) => {
                for t in ts {
                    total.push((imp.label, t.total.as_secs_f64() * 1e3));
                    detected.extend(secs(t.detected).map(|v| (imp.label, v * 1e3)));
                }
            }
            Err(e) => report_err("bfd takeover", imp, &e),
        }
    }
    vec![
        row(
            format!("bfd: track_bfd -100, 10 ms x 3, cut to VIP on the backup, median of {trials} (ms)"),
            &Samples(total),
            imps,
            1,
        )
        .note("the backup ignores the lower-priority advert: its Master_Down_Interval from the last 150 advert"),
        row(
            "  master logs the session Down (ms)".into(),
            &Samples(detected),
            imps,
            1,
        )
        .note("BFD detection 30 ms + the event to the VRRP child"),
    ]
}

/// Benchmark 7: BFD transmit gaps at 10 ms beside --instances VRRPv3 MASTER instances at
/// advert_int 0.1 in the same daemon, one window each; again with `bfd_rt_priority` unless
/// --bfd-rt-priority 0.
fn bfd_jitter_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let mut rows = bfd_jitter_variant(o, imps, None);
    if o.bfd_rt_priority > 0 {
        rows.extend(bfd_jitter_variant(o, imps, Some(o.bfd_rt_priority)));
    }
    rows
}

fn bfd_jitter_variant(o: &Options, imps: &Imps, rt: Option<u8>) -> Vec<Row> {
    let spec = Spec {
        version: 3,
        advert_int: "0.1",
        ..big_spec(o)
    };
    let window = Duration::from_secs(o.window.max(10));
    let how = rt.map_or("default scheduling".to_owned(), |p| {
        format!("bfd_rt_priority {p}")
    });
    let mut got: Vec<(&'static str, bfd_jitter::Jitter)> = Vec::new();
    for imp in imps.in_order() {
        eprintln!(
            "bfd jitter ({how}): {} with {} instances, {} s",
            imp.label,
            spec.instances,
            window.as_secs()
        );
        match bfd_jitter::run(imp, &spec, window, rt, o.verbose) {
            Ok(j) => got.push((imp.label, j)),
            Err(e) => report_err("bfd jitter", imp, &e),
        }
    }
    let pick = |f: &dyn Fn(&bfd_jitter::Jitter) -> Option<f64>| {
        Samples(
            got.iter()
                .filter_map(|(l, j)| f(j).map(|v| (*l, v)))
                .collect(),
        )
    };
    let loads: Vec<String> = got
        .iter()
        .map(|(l, j)| {
            format!(
                "{l} {}",
                j.load.split(' ').take(3).collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    let n = spec.instances;
    let mut rows = vec![row(
        format!("bfd jitter 10 ms beside {n} v3 MASTER inst. advert 0.1 s, {how}: gaps"),
        &pick(&|j| Some(j.gaps.len() as f64)),
        imps,
        0,
    )
    .note(format!(
        "between Up packets over {} s; load average at the window: {}",
        window.as_secs(),
        loads.join(", ")
    ))];
    for (name, p, note) in [
        ("  min gap (ms)", 0.0, "jitter: 7.5..9.0 ms intended"),
        ("  p50 gap (ms)", 0.5, ""),
        (
            "  p99 gap (ms)",
            0.99,
            "Done-when: within 1 ms, i.e. <= 11 ms",
        ),
        (
            "  max gap (ms)",
            1.0,
            "> 30 ms: bfdd's detection time expires",
        ),
    ] {
        rows.push(row(name.into(), &pick(&|j| j.quantile(p)), imps, 3).note(note));
    }
    rows.push(
        row(
            "  gaps > 11 ms (%)".into(),
            &pick(&|j| Some(j.late_share())),
            imps,
            2,
        )
        .note("interval + 1 ms"),
    );
    rows.push(
        row(
            "  packets not Up".into(),
            &pick(&|j| Some(j.not_up as f64)),
            imps,
            0,
        )
        .note("a session flap in the window; must be 0"),
    );
    rows.push(
        row(
            "  BFD child run-queue wait (ms)".into(),
            &pick(&|j| j.run_delay_ms),
            imps,
            1,
        )
        .note("schedstat run_delay over the window: runnable, no CPU"),
    );
    rows.push(
        row(
            "  BFD child wake-ups (/s)".into(),
            &pick(&|j| j.switches_per_s.map(|s| s.0)),
            imps,
            0,
        )
        .note("voluntary context switches"),
    );
    rows.push(
        row(
            "  router tree CPU (% of one core)".into(),
            &pick(&|j| Some(j.cpu_share * 100.0)),
            imps,
            1,
        )
        .note("utime+stime over the window: the VRRP work beside BFD"),
    );
    rows
}

/// Benchmark 5: --reloads SIGHUPs of the big configuration as MASTER.
fn reload_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let spec = big_spec(o);
    let (mut p50, mut p90, mut gaps, mut rss1, mut growth) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for imp in imps.in_order() {
        eprintln!("reload: {} x {}", imp.label, o.reloads);
        match reload::run(imp, &spec, o.reloads, o.verbose) {
            Ok(r) => {
                let mut ms: Vec<f64> = r.per_reload.iter().map(|d| d.as_secs_f64() * 1e3).collect();
                // median sorts `ms` in place, for the p90 below.
                p50.extend(median(&mut ms).map(|v| (imp.label, v)));
                if let Some(v) = ms.get(ms.len() * 9 / 10) {
                    p90.push((imp.label, *v));
                }
                gaps.push((imp.label, r.vip_gaps as f64));
                rss1.push((imp.label, r.rss_first_kib as f64 / 1024.0));
                let g = r.rss_last_kib as f64 / r.rss_first_kib.max(1) as f64 - 1.0;
                growth.push((imp.label, g * 100.0));
            }
            Err(e) => report_err("reload", imp, &e),
        }
    }
    let size = format!("{}x{}", spec.instances, spec.vips_per_instance);
    vec![
        row(
            format!(
                "reload {size} VIPs as MASTER, {} SIGHUPs: per reload, median (ms)",
                o.reloads
            ),
            &Samples(p50),
            imps,
            1,
        )
        .note("SIGHUP until the changed VIP is added/removed"),
        row("  per reload, p90 (ms)".into(), &Samples(p90), imps, 1),
        row(
            "  deletions of unchanged VIPs".into(),
            &Samples(gaps),
            imps,
            0,
        )
        .note("0 = no VIP gap for unchanged instances"),
        row(
            "  RSS after the first reload (MiB)".into(),
            &Samples(rss1),
            imps,
            1,
        ),
        row(
            format!("  RSS growth after {} reloads (%)", o.reloads),
            &Samples(growth),
            imps,
            2,
        )
        .note("sum of VmRSS over the process tree"),
    ]
}

/// Benchmark 7: floods and netlink churn beside min(--instances, 100) instances.
fn flood_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let shape = flood::Shape {
        instances: o.instances.min(100) as u8,
        pps: o.flood_pps,
        churn: o.churn,
        window: Duration::from_secs(o.window),
    };
    let mut runs: Vec<(&'static str, flood::Floods)> = Vec::new();
    for imp in imps.in_order() {
        eprintln!("flood: {}", imp.label);
        match flood::run(imp, shape, o.verbose) {
            Ok(f) => runs.push((imp.label, f)),
            Err(e) => report_err("flood", imp, &e),
        }
    }
    let pick = |get: &dyn Fn(&flood::Floods) -> f64| {
        Samples(runs.iter().map(|(l, f)| (*l, get(f))).collect())
    };
    let n = shape.instances;
    let mut rows = Vec::new();
    for (title, w) in [
        (
            "quiet",
            (|f: &flood::Floods| f.quiet.clone()) as fn(&flood::Floods) -> flood::Window,
        ),
        ("flood", |f| f.flood.clone()),
        ("netlink churn", |f| f.churn.clone()),
    ] {
        let head = match title {
            "quiet" => format!(
                "flood {n} inst. v2 advert 1 s ({} MASTER), {} s windows: quiet, CPU (% of one core)",
                n / 2,
                o.window
            ),
            "flood" => format!("  {} packets/s flood: CPU (% of one core)", o.flood_pps),
            _ => format!("  {} netlink changes/s: CPU (% of one core)", o.churn),
        };
        rows.push(
            row(head, &pick(&|f| w(f).cpu_share * 100.0), imps, 1).note("utime+stime of the tree"),
        );
        if title != "quiet" {
            let unit = if title == "flood" {
                "packets"
            } else {
                "requests"
            };
            rows.push(row(
                format!("    {unit} offered (/s)"),
                &pick(&|f| w(f).offered_per_s),
                imps,
                0,
            ));
        }
        rows.push(
            row(
                "    missed adverts".into(),
                &pick(&|f| w(f).missed as f64),
                imps,
                0,
            )
            .note("of the MASTER instances, seen by the peer; must be 0"),
        );
        rows.push(
            row(
                "    state transitions".into(),
                &pick(&|f| w(f).transitions as f64),
                imps,
                0,
            )
            .note("every one is false; must be 0"),
        );
        if title == "netlink churn" {
            rows.push(row(
                "    netlink overruns logged".into(),
                &pick(&|f| w(f).overruns as f64),
                imps,
                0,
            ));
        } else {
            rows.push(
                row(
                    "    raw receive queues, peak (KiB)".into(),
                    &pick(&|f| w(f).queue_peak as f64 / 1024.0),
                    imps,
                    1,
                )
                .note("sum over the namespace's raw sockets, sampled every 20 ms"),
            );
            rows.push(row(
                "    raw socket drops".into(),
                &pick(&|f| w(f).drops as f64),
                imps,
                0,
            ));
        }
    }
    rows
}

/// Benchmark 8a: --real-servers under one check type at delay_loop 1.
fn checker_scale_rows(o: &Options, imps: &Imps, check: Check) -> Vec<Row> {
    let window = Duration::from_secs(o.window);
    let mut runs: Vec<(&'static str, checkers::Scale)> = Vec::new();
    for imp in imps.in_order() {
        eprintln!("checkers {check:?} x {}: {}", o.real_servers, imp.label);
        match checkers::run(
            imp,
            &o.netns_prefix,
            o.real_servers,
            check,
            window,
            o.verbose,
        ) {
            Ok(s) => runs.push((imp.label, s)),
            Err(e) => report_err("checkers", imp, &e),
        }
    }
    let pick = |f: &dyn Fn(&checkers::Scale) -> f64| {
        Samples(runs.iter().map(|(l, s)| (*l, f(s))).collect())
    };
    let mib = |v: &[u64]| v.iter().sum::<u64>() as f64 / 1024.0;
    let what = match check {
        Check::Tcp => "TCP_CHECK",
        Check::Http => "HTTP_GET",
    };
    let n = o.real_servers;
    vec![
        row(
            format!("checkers {n} RS {what} delay_loop 1: checks/s received"),
            &pick(&|s| s.checks_per_s),
            imps,
            0,
        )
        .note(format!("expected {n}/s; over a {} s window", o.window)),
        row(
            "  check interval p50 (ms)".into(),
            &pick(&|s| checkers::quantile(&s.intervals_ms, 0.5)),
            imps,
            1,
        )
        .note("per real server, consecutive checks seen by the backend; delay_loop 1000 ms"),
        row(
            "  check interval p99 (ms)".into(),
            &pick(&|s| checkers::quantile(&s.intervals_ms, 0.99)),
            imps,
            1,
        ),
        row(
            "  check interval max (ms)".into(),
            &pick(&|s| checkers::quantile(&s.intervals_ms, 1.0)),
            imps,
            1,
        ),
        row(
            "  real servers not checked in the window".into(),
            &pick(&|s| s.unchecked as f64),
            imps,
            0,
        ),
        row(
            "  checker child CPU (% of one core)".into(),
            &pick(&|s| s.child_cpu),
            imps,
            1,
        ),
        row(
            "  tree CPU (% of one core)".into(),
            &pick(&|s| s.tree_cpu),
            imps,
            1,
        )
        .note("parent + checker child"),
        row(
            "  checker child RSS (MiB)".into(),
            &pick(&|s| s.rss_kib.get(1).copied().unwrap_or(0) as f64 / 1024.0),
            imps,
            1,
        ),
        row(
            "  tree RSS (MiB)".into(),
            &pick(&|s| mib(&s.rss_kib)),
            imps,
            1,
        )
        .note("sum of VmRSS"),
        row(
            "  tree PSS (MiB)".into(),
            &pick(&|s| mib(&s.pss_kib)),
            imps,
            1,
        ),
        row(
            "  start until IPVS holds every RS (s)".into(),
            &pick(&|s| s.table_full_s),
            imps,
            1,
        )
        .note("polled by netlink dumps"),
        row(
            "  real servers marked DOWN".into(),
            &pick(&|s| s.marked_down as f64),
            imps,
            0,
        )
        .note("all are up: must be 0"),
        row(
            "  real servers in IPVS at the end".into(),
            &pick(&|s| s.in_table as f64),
            imps,
            0,
        )
        .note(format!("must be {n}")),
    ]
}

/// Benchmark 8b: a SIGHUP changing 10 % of --reload-virtual-servers × 10 real servers.
fn checker_reload_rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let cap = Duration::from_secs(o.reload_cap);
    let vs = o.reload_virtual_servers;
    let mut runs: Vec<(&'static str, checker_reload::Reload)> = Vec::new();
    for imp in imps.in_order() {
        eprintln!("checkers reload {vs} VS x 10: {}", imp.label);
        let settle = Duration::from_secs(15);
        match checker_reload::run(imp, &o.netns_prefix, vs, settle, cap, o.verbose) {
            Ok(r) => runs.push((imp.label, r)),
            Err(e) => report_err("checkers reload", imp, &e),
        }
    }
    let pick = |f: &dyn Fn(&checker_reload::Reload) -> Option<f64>| {
        Samples(
            runs.iter()
                .filter_map(|(l, r)| f(r).map(|v| (*l, v)))
                .collect(),
        )
    };
    let late: Vec<String> = runs
        .iter()
        .filter(|(_, r)| r.converged.is_none())
        .map(|(l, r)| {
            format!(
                "{l}: > {} s ({} destinations still differed)",
                o.reload_cap, r.left
            )
        })
        .collect();
    let note = if late.is_empty() {
        "SIGHUP until a netlink dump of the IPVS table equals the new configuration".to_owned()
    } else {
        format!("not converged: {}", late.join("; "))
    };
    vec![
        row(
            format!(
                "checkers reload {vs} VS / {} RS, 10 % changed: IPVS converged (s)",
                vs * 10
            ),
            &pick(&|r| r.converged.map(|d| d.as_secs_f64())),
            imps,
            2,
        )
        .note(note),
        row(
            "  one IPVS table dump (ms)".into(),
            &pick(&|r| Some(r.poll_ms)),
            imps,
            0,
        )
        .note("the resolution of the row above"),
        row(
            "  unchanged RS missing from a poll".into(),
            &pick(&|r| Some(r.missing as f64)),
            imps,
            0,
        )
        .note("must be 0"),
        row(
            "  'Removing service' logs of unchanged RS".into(),
            &pick(&|r| Some(r.removal_logs as f64)),
            imps,
            0,
        )
        .note("must be 0"),
        row(
            "  start until IPVS matched (s)".into(),
            &pick(&|r| Some(r.startup_s)),
            imps,
            1,
        ),
    ]
}

/// Every selected benchmark's rows, in the suite's order.
pub fn run(o: &Options, imps: &Imps) -> Vec<Row> {
    let mut rows = Vec::new();
    if o.runs(Bench::Takeover) {
        rows.extend(takeover_rows(o, imps));
    }
    if o.runs(Bench::Startup) {
        rows.extend(startup_rows(o, imps));
    }
    if o.runs(Bench::Footprint) {
        rows.extend(footprint_rows(o, imps));
    }
    if o.runs(Bench::Fast) {
        rows.extend(fast_rows(o, imps));
    }
    if o.runs(Bench::Reload) {
        rows.extend(reload_rows(o, imps));
    }
    if o.runs(Bench::Bfd) {
        rows.extend(bfd_rows(o, imps));
    }
    if o.runs(Bench::BfdJitter) {
        rows.extend(bfd_jitter_rows(o, imps));
    }
    if o.runs(Bench::Flood) {
        rows.extend(flood_rows(o, imps));
    }
    if o.runs(Bench::Soak) {
        rows.extend(crate::soak_rows::rows(o, imps));
    }
    if o.runs(Bench::Checkers) {
        for (part, check) in [
            (CheckerPart::Tcp, Check::Tcp),
            (CheckerPart::Http, Check::Http),
        ] {
            if matches!(o.checker_part, CheckerPart::All) || o.checker_part == part {
                rows.extend(checker_scale_rows(o, imps, check));
            }
        }
        if matches!(o.checker_part, CheckerPart::All | CheckerPart::Reload) {
            rows.extend(checker_reload_rows(o, imps));
        }
    }
    rows
}
