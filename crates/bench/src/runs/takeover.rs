//! Takeover: a MASTER router `m` and a BACKUP router `b` with the same instances; once `b`
//! is stable in BACKUP, `m`'s bridge ports are set down and the time until `b` holds every
//! VIP is measured with the address monitor in `b`'s namespace. Between trials the link is
//! restored and `m` preempts back.

use std::time::{Duration, Instant};

use super::kernel_floor::{self, Floor};
use super::{alive, first_log, held, instances_entered, ms, wait_for, Imp};
use crate::adverts::AdvertWatch;
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::monitor::{self, Monitor};

/// One takeover, times from the moment the cut command returned.
#[derive(Clone, Debug)]
pub struct Trial {
    /// Until the backup held every VIP.
    pub total: Duration,
    /// From the master's last advert seen in the backup's namespace until every VIP.
    pub after_advert: Option<Duration>,
    /// Until the backup's first "Entering MASTER STATE" log line.
    pub master_log: Option<Duration>,
    /// Until the first VIP appeared.
    pub first_vip: Option<Duration>,
    /// How long the cut command itself took.
    pub cut_cost: Duration,
}

/// How the takeover lab is set up.
pub struct Setup<'a> {
    /// The master's implementation.
    pub master: &'a Imp,
    /// The backup's implementation.
    pub backup: &'a Imp,
    /// The instances (priority and state are set per role).
    pub spec: &'a Spec,
    /// Takeovers to measure.
    pub trials: usize,
    /// How long each side must look settled before a cut.
    pub settle: Duration,
    /// Print each trial.
    pub verbose: bool,
    /// Once the daemons are stopped, measure the kernel's own floor for the VIPs in the
    /// same lab ([`kernel_floor`]).
    pub kernel_floor: bool,
}

/// The trials, and the kernel floor when asked for.
pub struct Outcome {
    /// One per takeover.
    pub trials: Vec<Trial>,
    /// The kernel's time for the same addresses, without a daemon.
    pub floor: Option<Floor>,
}

/// Runs `setup.trials` takeovers; each failed trial is an error.
pub fn run(setup: &Setup) -> Result<Outcome, String> {
    let spec = setup.spec;
    let limit = Duration::from_secs(60 + spec.vip_count() as u64 / 50);
    let lab = Lab::new(&["m", "b"], spec.links())?;
    let target = spec.vips();
    let (m_ns, b_ns) = (lab.ns("m"), lab.ns("b"));
    let mon = Monitor::start(&b_ns)?;
    let adverts = AdvertWatch::start(&b_ns, 1)?;

    let m_conf = spec.with_role(200, "MASTER").render("kb_master");
    let mut m = Daemon::start(&lab, "m", "master", &setup.master.path, &m_conf)?;
    let all_on_m = wait_for(limit, || {
        alive(&mut m, "the master")?;
        Ok(held(&m_ns, &target)? == target.len())
    })?;
    if !all_on_m {
        return Err(format!(
            "the master never held all VIPs\n{}",
            m.log_tail(15)
        ));
    }

    let b_conf = spec.with_role(100, "BACKUP").render("kb_backup");
    let mut b = Daemon::start(&lab, "b", "backup", &setup.backup.path, &b_conf)?;
    let b_started = b.started;
    let all_backup = wait_for(limit, || {
        alive(&mut b, "the backup")?;
        Ok(instances_entered(&b, b_started, "BACKUP") >= spec.instances)
    })?;
    if !all_backup {
        eprintln!(
            "  warning: the backup logged BACKUP for {} of {} instances; going on",
            instances_entered(&b, b_started, "BACKUP"),
            spec.instances
        );
    }

    let mut trials = Vec::new();
    for n in 0..setup.trials {
        settle(&lab, &mut m, &mut b, &target, setup.settle, limit)?;
        let baseline = monitor::addresses(&b_ns)?;
        let since = Instant::now();
        lab.set_link("m", false)?;
        let t0 = Instant::now();
        let done = monitor::wait_complete(&mon, &b_ns, since, &baseline, &target, limit)?
            .ok_or_else(|| format!("the backup never held all VIPs\n{}", b.log_tail(15)))?;
        alive(&mut b, "the backup")?;
        // A log line written just after the addresses may still be in the pipe.
        std::thread::sleep(Duration::from_millis(200));
        let (changes, _) = mon.changes_since(t0);
        let trial = Trial {
            total: done.saturating_duration_since(t0),
            after_advert: adverts.last().map(|a| done.saturating_duration_since(a)),
            master_log: first_log(&b, t0, "Entering MASTER STATE"),
            first_vip: monitor::first_added(&changes, &target).map(|t| t.duration_since(t0)),
            cut_cost: t0 - since,
        };
        if setup.verbose {
            eprintln!(
                "  {} trial {n}: all VIPs {} (after last advert {}, first MASTER log {}, first VIP {}, \
                 cut took {})",
                setup.backup.label,
                ms(Some(trial.total)),
                ms(trial.after_advert),
                ms(trial.master_log),
                ms(trial.first_vip),
                ms(Some(trial.cut_cost))
            );
        }
        trials.push(trial);
        lab.set_link("m", true)?;
    }
    let clean_b = b.stop(Duration::from_secs(30));
    let clean_m = m.stop(Duration::from_secs(30));
    if !(clean_b && clean_m) {
        eprintln!("  warning: a daemon did not exit on SIGTERM within 30 s and was killed");
    }
    let floor = if setup.kernel_floor {
        let f = kernel_floor::measure(&lab, &mon, spec, 3)?;
        if setup.verbose {
            eprintln!(
                "  kernel floor for {} VIPs: alone {}, beside the master's removal {}",
                target.len(),
                ms(Some(f.alone)),
                ms(Some(f.beside_removal))
            );
        }
        Some(f)
    } else {
        None
    };
    Ok(Outcome { trials, floor })
}

/// Waits until the master holds every VIP and the backup none, then until that has held
/// for `span` without a change.
fn settle(
    lab: &Lab,
    m: &mut Daemon,
    b: &mut Daemon,
    target: &std::collections::HashSet<std::net::Ipv4Addr>,
    span: Duration,
    limit: Duration,
) -> Result<(), String> {
    let (m_ns, b_ns) = (lab.ns("m"), lab.ns("b"));
    let mut since: Option<Instant> = None;
    let ok = wait_for(limit, || {
        alive(m, "the master")?;
        alive(b, "the backup")?;
        let good = held(&m_ns, target)? == target.len() && held(&b_ns, target)? == 0;
        match (good, since) {
            (false, _) => since = None,
            (true, None) => since = Some(Instant::now()),
            (true, Some(t)) if t.elapsed() >= span => return Ok(true),
            _ => {}
        }
        Ok(false)
    })?;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "master/backup never settled (master holds {}, backup {} of {})\nmaster:\n{}backup:\n{}",
            held(&m_ns, target)?,
            held(&b_ns, target)?,
            target.len(),
            m.log_tail(8),
            b.log_tail(8)
        ))
    }
}
