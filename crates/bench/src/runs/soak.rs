//! The soak (issue 17 item 5): per implementation a pair of routers, `m` (priority 150,
//! `state MASTER`) and `b` (100, `state BACKUP`), with the same N instances (VRRPv3,
//! advert_int 0.1, one VIP each, 250 per link), keepalived's pair and ours in two labs AT
//! THE SAME TIME (they share the machine's load), for M minutes of 10-s ticks:
//!
//! - every tick (at +0 s) `m`'s bridge port on one link (rotating) goes down for
//!   [`FLAP_DOWN`]: that link's instances may transition (`m` to FAULT, then BACKUP and
//!   MASTER again; `b` to MASTER and back), within [`stats::FLAP_SETTLES`]; no other may;
//! - every 6th tick (at +5 s) a SIGHUP to both routers' parents, the last instance's VIPs
//!   alternately with and without one extra: no transition anywhere;
//! - every 30th tick (at +5 s) a SIGKILL of `b`'s VRRP child; its parent starts another,
//!   whose instances enter BACKUP ([`stats::RESTART_SETTLES`]); `m` must not notice;
//! - every 6th tick (+3 s .. +9 s) a raw socket in `b`'s namespace stamps `m`'s adverts on
//!   every link but the flapped one: gaps between one VRID's adverts, both daemons alike;
//! - every tick (at +9.5 s) `m` must hold every VIP and `b` none; RSS and CPU of both
//!   trees; ours' `keepalived_rs_advert_timer_lateness_seconds` from both routers' /metrics.
//!
//! Transitions are the "(VI_N) Entering X STATE" log lines; the ones no flap or restart
//! explains are false.

mod stats;

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub use stats::{max_bound, percentile, quantile, Buckets, Transitions};

use super::reload::with_extra_vip;
use super::Imp;
use crate::advert_gaps::{self, Capture};
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::procfs;

/// How long a flapped port stays down.
pub const FLAP_DOWN: Duration = Duration::from_secs(2);
/// Seconds per tick.
const TICK: Duration = Duration::from_secs(10);
/// How long without a transition counts as settled before the first tick.
const QUIET: Duration = Duration::from_secs(6);
/// How long to wait for that at most.
const QUIET_LIMIT: Duration = Duration::from_secs(90);
/// Where ours serves /metrics inside each router's namespace.
const METRICS: &str = "127.0.0.1:9650";
/// The routers: the MASTER then the BACKUP (hosts .1 and .2 on each link).
const ROUTERS: [&str; 2] = ["m", "b"];

/// What one implementation did over the soak.
#[derive(Debug, Clone, Default)]
pub struct Soaked {
    /// Ticks run.
    pub ticks: usize,
    /// Seconds from the first tick to the end.
    pub seconds: f64,
    /// Link flaps, reloads, SIGKILLs done.
    pub flaps: usize,
    /// SIGHUPs sent (to both routers).
    pub reloads: usize,
    /// SIGKILLs of the BACKUP's VRRP child.
    pub kills: usize,
    /// Kills after which a new VRRP child was running at the tick's end.
    pub restarted: usize,
    /// Transitions of `m` and `b`.
    pub transitions: [Transitions; 2],
    /// End-of-tick checks where `m` lacked a VIP or `b` held one.
    pub state_failures: usize,
    /// Summed VmRSS of each tree at the first and the last sample, KiB.
    pub rss_first: [u64; 2],
    /// See `rss_first`.
    pub rss_last: [u64; 2],
    /// utime+stime of each tree over the soak, share of one core.
    pub cpu: [f64; 2],
    /// Gaps between one VRID's adverts from `m`, seconds, sorted.
    pub gaps: Vec<f64>,
    /// Ours: the lateness histogram over the soak, per router.
    pub lateness: [Buckets; 2],
    /// "A thread timer expired" log lines, per router.
    pub timer_expired: [usize; 2],
}

/// One implementation's lab and routers.
struct Side {
    imp: Imp,
    lab: Lab,
    daemons: [Daemon; 2],
    confs: [PathBuf; 2],
    texts: [[String; 2]; 2],
    target: HashSet<Ipv4Addr>,
    ticks: [HashMap<i32, u64>; 2],
    last_buckets: [Buckets; 2],
    out: Soaked,
}

impl Side {
    fn start(imp: &Imp, spec: &Spec, rt: u8) -> Result<Side, String> {
        let lab = Lab::new(&ROUTERS, spec.links())?;
        let ours = imp.label == "ours";
        let extra: &[&str] = if ours {
            &["--metrics-address", METRICS]
        } else {
            &[]
        };
        let mut texts: [[String; 2]; 2] = Default::default();
        let mut confs: [PathBuf; 2] = Default::default();
        let mut started = Vec::new();
        for (i, (r, (prio, state))) in ROUTERS
            .iter()
            .zip([(150, "MASTER"), (100, "BACKUP")])
            .enumerate()
        {
            let name = format!("{}-{r}", imp.label);
            let base = with_rt(
                &spec.with_role(prio, state).render(&format!("kb_soak_{r}")),
                rt,
            );
            texts[i] = [with_extra_vip(&base), base];
            confs[i] = lab.dir().join(format!("{name}.conf"));
            started.push(Daemon::start_with(
                &lab,
                r,
                &name,
                &imp.path,
                &texts[i][1],
                extra,
            )?);
            if i == 0 {
                // The MASTER first, so the BACKUP never has to yield at start.
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        let b = started.pop().ok_or("no backup")?;
        let m = started.pop().ok_or("no master")?;
        Ok(Side {
            imp: imp.clone(),
            lab,
            daemons: [m, b],
            confs,
            texts,
            target: spec.vips(),
            ticks: Default::default(),
            last_buckets: Default::default(),
            out: Soaked::default(),
        })
    }

    /// Waits until `m` holds every VIP, `b` logged BACKUP for every instance and holds
    /// none, then past the MASTER's delayed gratuitous ARPs.
    fn settle(&mut self, spec: &Spec) -> Result<(), String> {
        let (mns, bns) = (self.lab.ns("m"), self.lab.ns("b"));
        let [m, b] = &mut self.daemons;
        super::settled_master(m, &self.imp, spec, &mns, &self.target)?;
        let ok = super::wait_for(Duration::from_secs(60), || {
            super::alive(b, self.imp.label)?;
            Ok(
                super::instances_entered(b, b.started, "BACKUP") == spec.instances
                    && super::held(&bns, &self.target)? == 0,
            )
        })?;
        if !ok {
            return Err(format!(
                "{} BACKUP never settled\n{}",
                self.imp.label,
                b.log_tail(15)
            ));
        }
        Ok(())
    }

    fn flap(&mut self, link: usize, up: bool) -> Result<(), String> {
        self.lab.set_port("m", link, up)
    }

    fn reload(&mut self, add: bool) -> Result<(), String> {
        for i in 0..2 {
            let text = &self.texts[i][usize::from(!add)];
            std::fs::write(&self.confs[i], text)
                .map_err(|e| format!("{}: {e}", self.confs[i].display()))?;
            let parent = *self.daemons[i].tree().first().ok_or("a router is gone")?;
            procfs::signal_all(&[parent], libc::SIGHUP);
        }
        self.out.reloads += 1;
        Ok(())
    }

    /// SIGKILLs `b`'s VRRP child; returns its pid.
    fn kill_backup_child(&mut self) -> Option<i32> {
        let b = &self.daemons[1];
        let pid = b.vrrp_pid().or_else(|| b.tree().get(1).copied())?;
        procfs::signal_all(&[pid], libc::SIGKILL);
        self.out.kills += 1;
        Some(pid)
    }

    fn check_state(&mut self) -> Result<(), String> {
        let m = super::held(&self.lab.ns("m"), &self.target)?;
        let b = super::held(&self.lab.ns("b"), &self.target)?;
        if m != self.target.len() || b != 0 {
            self.out.state_failures += 1;
            eprintln!(
                "  {}: m holds {m} of {} VIPs, b holds {b}",
                self.imp.label,
                self.target.len()
            );
        }
        Ok(())
    }

    /// RSS and CPU of both trees, ours' lateness histograms; `first` sets the baselines.
    fn sample(&mut self, first: bool, verbose: bool) -> Result<(), String> {
        let mut line = String::new();
        for (i, router) in ROUTERS.iter().enumerate() {
            super::alive(&mut self.daemons[i], self.imp.label)?;
            let pids = self.daemons[i].tree();
            let rss: Vec<u64> = pids.iter().map(|p| procfs::rss_kib(*p)).collect();
            let sum: u64 = rss.iter().sum();
            let mut now = HashMap::new();
            for p in &pids {
                let t = procfs::cpu_ticks(*p);
                if !first {
                    let before = self.ticks[i].get(p).copied().unwrap_or(0);
                    self.out.cpu[i] += t.saturating_sub(before) as f64;
                }
                now.insert(*p, t);
            }
            self.ticks[i] = now;
            if first {
                self.out.rss_first[i] = sum;
            }
            self.out.rss_last[i] = sum;
            if self.imp.label == "ours" {
                let text = scrape(&self.lab.ns(router));
                let b = stats::buckets(&text, stats::LATENESS);
                if !b.is_empty() {
                    if !first {
                        stats::accumulate(&mut self.out.lateness[i], &self.last_buckets[i], &b);
                    }
                    self.last_buckets[i] = b;
                }
            }
            let each: Vec<String> = rss.iter().map(u64::to_string).collect();
            line += &format!(" {}: {} KiB", router, each.join("+"));
        }
        if verbose {
            eprintln!("  {} RSS{line}", self.imp.label);
        }
        Ok(())
    }

    fn finish(mut self, since: Instant, events: &stats::Events) -> Soaked {
        let secs = since.elapsed().as_secs_f64();
        for (i, router) in ROUTERS.iter().enumerate() {
            let d = &mut self.daemons[i];
            let log = d.log_since(since);
            self.out.transitions[i] = stats::classify(&log, since, events, i == 1);
            self.out.timer_expired[i] = log
                .iter()
                .filter(|(_, l)| l.contains("A thread timer expired"))
                .count();
            if !self.out.transitions[i].unexpected.is_empty() {
                let path =
                    std::env::temp_dir().join(format!("kb-soak-{}-{}.log", self.imp.label, router));
                let text: String = d
                    .log_since(d.started)
                    .iter()
                    .map(|(t, l)| format!("{:.3} {l}\n", t.duration_since(since).as_secs_f64()))
                    .collect();
                let _ = std::fs::write(&path, text);
                eprintln!(
                    "  {} {}: {} unexpected transitions (whole log in {}), first:\n    {}",
                    self.imp.label,
                    router,
                    self.out.transitions[i].unexpected.len(),
                    path.display(),
                    self.out.transitions[i].unexpected
                        [..self.out.transitions[i].unexpected.len().min(10)]
                        .join("\n    ")
                );
            }
            self.out.cpu[i] /= procfs::ticks_per_second() * secs;
            if !d.stop(Duration::from_secs(30)) {
                eprintln!("  warning: {} {} was killed", self.imp.label, router);
            }
        }
        self.out.seconds = secs;
        self.out.gaps.sort_by(f64::total_cmp);
        self.out
    }
}

/// keepalived's default `vrrp_rlimit_rttime` (10 ms) kills its realtime VRRP child while
/// it sets up 1000 instances ("has rlimit_rttime been exceeded?"): 1 s of CPU without a
/// blocking call for both.
const RLIMIT_RTTIME_US: u32 = 1_000_000;

/// `conf` with `vrrp_rt_priority RT` and [`RLIMIT_RTTIME_US`] in its global_defs (unchanged for 0).
fn with_rt(conf: &str, rt: u8) -> String {
    if rt == 0 {
        return conf.to_owned();
    }
    conf.replacen(
        "global_defs {\n",
        &format!("global_defs {{\n    vrrp_rt_priority {rt}\n    vrrp_rlimit_rttime {RLIMIT_RTTIME_US}\n"),
        1,
    )
}

/// `GET /metrics` from ours inside namespace `ns` (empty on failure).
fn scrape(ns: &str) -> String {
    Command::new("ip")
        .args(["netns", "exec", ns, "curl", "-s", "-m", "2"])
        .arg(format!("http://{METRICS}/metrics"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn sleep_until(at: Instant) {
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}

/// Waits until no daemon of `sides` logged a transition for [`QUIET`] (at most
/// [`QUIET_LIMIT`]; a loaded machine may keep a pair flapping, which the soak then counts).
fn quiet(sides: &[Side]) {
    let begun = Instant::now();
    loop {
        let last = sides
            .iter()
            .flat_map(|s| &s.daemons)
            .filter_map(|d| {
                d.log_since(begun)
                    .iter()
                    .rev()
                    .find(|(_, l)| l.contains(" Entering "))
                    .map(|(t, _)| *t)
            })
            .max()
            .unwrap_or(begun);
        if last.elapsed() >= QUIET {
            return;
        }
        if begun.elapsed() > QUIET_LIMIT {
            eprintln!("  warning: transitions went on for {QUIET_LIMIT:?} after start");
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Runs the soak for every implementation of `imps` at once, `minutes` long; `rt` > 0 runs
/// the VRRP children at SCHED_RR priority `rt` (`vrrp_rt_priority`).
pub fn run(
    imps: &[&Imp],
    spec: &Spec,
    minutes: u64,
    rt: u8,
    verbose: bool,
) -> Result<Vec<(&'static str, Soaked)>, String> {
    let mut sides = Vec::new();
    for imp in imps {
        sides.push(Side::start(imp, spec, rt)?);
    }
    for s in &mut sides {
        s.settle(spec)?;
    }
    quiet(&sides);
    let links = spec.links();
    let ticks = usize::try_from(minutes * 6).unwrap_or(6).max(1);
    let start = Instant::now();
    let mut events = stats::Events::default();
    for s in &mut sides {
        s.sample(true, verbose)?;
    }
    for t in 0..ticks {
        // On time, or at once when the last tick overran (a starved machine): the phases
        // below keep their lengths (a flap stays down FLAP_DOWN) rather than catching up.
        let planned = start + TICK * u32::try_from(t).unwrap_or(u32::MAX);
        sleep_until(planned);
        let tick0 = planned.max(Instant::now());
        let link = t % links;
        events.flaps.push((link, Instant::now()));
        for s in &mut sides {
            s.flap(link, false)?;
            s.out.flaps += 1;
        }
        sleep_until(tick0 + FLAP_DOWN);
        for s in &mut sides {
            s.flap(link, true)?;
        }
        let mut captures = Vec::new();
        if t % 6 == 0 {
            sleep_until(tick0 + Duration::from_secs(3));
            for s in &sides {
                captures.push(Capture::start(&s.lab.ns("b"), 1)?);
            }
        }
        sleep_until(tick0 + Duration::from_secs(5));
        if t % 6 == 5 {
            for s in &mut sides {
                s.reload(t % 12 == 5)?;
            }
        }
        let mut killed = Vec::new();
        if t % 30 == 2 {
            events.kills.push(Instant::now());
            for s in &mut sides {
                killed.push(s.kill_backup_child());
            }
        }
        if !captures.is_empty() {
            sleep_until(tick0 + Duration::from_secs(9));
            let skip = [u8::try_from(link).unwrap_or(u8::MAX)];
            for (s, c) in sides.iter_mut().zip(captures) {
                let seen = c.finish();
                let gaps = advert_gaps::gaps(&seen, &skip);
                if verbose {
                    eprintln!(
                        "  {} capture: {} adverts, {} gaps",
                        s.imp.label,
                        seen.len(),
                        gaps.len()
                    );
                }
                s.out.gaps.extend(gaps);
            }
        }
        sleep_until(tick0 + Duration::from_millis(9500));
        for (i, s) in sides.iter_mut().enumerate() {
            s.check_state()?;
            if let Some(Some(old)) = killed.get(i) {
                let b = &s.daemons[1];
                let new = b.vrrp_pid().or_else(|| b.tree().get(1).copied());
                if new.is_some_and(|p| p != *old) {
                    s.out.restarted += 1;
                }
            }
            s.sample(false, verbose)?;
            s.out.ticks += 1;
        }
        if verbose {
            eprintln!(
                "  tick {}/{ticks} (link {link}) done at +{:.1} s",
                t + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    // Past the last tick's flap settling, so its transitions are in the logs.
    std::thread::sleep(Duration::from_millis(500));
    Ok(sides
        .into_iter()
        .map(|s| (s.imp.label, s.finish(start, &events)))
        .collect())
}
