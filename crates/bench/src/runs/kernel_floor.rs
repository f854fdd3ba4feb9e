//! The kernel's floor for a takeover's addresses, measured in the takeover's own lab once
//! both daemons are stopped: the same VIPs on the same interfaces, added to the backup's
//! namespace by a minimal netlink program ([`crate::addr_floor`]), timed by the same
//! address monitor as the takeover (from the first request until the last address is seen).
//! Twice: alone, and while the master's namespace deletes the same VIPs at the same
//! moment, which is what a master whose link was cut does on this one-kernel lab (both
//! namespaces share the kernel's RTNL lock; on two hosts they would not).

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::addr_floor::{self, Item, Timing};
use crate::conf::Spec;
use crate::lab::Lab;
use crate::monitor::{self, Monitor};

/// The kernel's times for installing the configuration's VIPs (medians of the repeats).
#[derive(Clone, Copy, Debug)]
pub struct Floor {
    /// Adding every VIP to the backup, nothing else running.
    pub alone: Duration,
    /// Adding every VIP to the backup while the master deletes its copies.
    pub beside_removal: Duration,
}

/// Measures [`Floor`] `repeats` times in `lab` (routers `m` and `b`, no daemon running),
/// `mon` watching `b`. Leaves neither namespace holding a VIP.
pub fn measure(lab: &Lab, mon: &Monitor, spec: &Spec, repeats: usize) -> Result<Floor, String> {
    let items: Vec<Item> = spec
        .vip_devices()
        .into_iter()
        .map(|(dev, addr)| Item { dev, addr })
        .collect();
    let target = spec.vips();
    let (m, b) = (lab.ns("m"), lab.ns("b"));
    batch(&m, &items, false, None)?;
    batch(&b, &items, false, None)?;
    let (mut alone, mut beside) = (Vec::new(), Vec::new());
    for _ in 0..repeats.max(1) {
        alone.push(timed_add(mon, &b, &items, &target, None)?);
        batch(&b, &items, false, None)?;

        batch(&m, &items, true, None)?;
        let go = Arc::new(Barrier::new(2));
        let removal = addr_floor::run(&m, items.clone(), false, Some(go.clone()));
        beside.push(timed_add(mon, &b, &items, &target, Some(go))?);
        joined(removal)?;
        batch(&b, &items, false, None)?;
    }
    Ok(Floor {
        alone: median(alone),
        beside_removal: median(beside),
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn joined(h: std::thread::JoinHandle<Result<Timing, String>>) -> Result<Timing, String> {
    let t = h
        .join()
        .map_err(|_| "the netlink floor thread panicked".to_owned())??;
    if t.failed > 0 {
        return Err(format!("the kernel refused {} address requests", t.failed));
    }
    Ok(t)
}

/// Adds or deletes every item in `ns` and waits for the kernel's answers.
fn batch(ns: &str, items: &[Item], add: bool, go: Option<Arc<Barrier>>) -> Result<Timing, String> {
    joined(addr_floor::run(ns, items.to_vec(), add, go))
}

/// Adds every item in `ns` (watched by `mon`); the time from the first request until the
/// monitor saw the set complete.
fn timed_add(
    mon: &Monitor,
    ns: &str,
    items: &[Item],
    target: &HashSet<Ipv4Addr>,
    go: Option<Arc<Barrier>>,
) -> Result<Duration, String> {
    let t = batch(ns, items, true, go)?;
    let done = monitor::wait_complete(
        mon,
        ns,
        t.start,
        &HashSet::new(),
        target,
        Duration::from_secs(30),
    )?
    .ok_or_else(|| "the floor's addresses never all showed up".to_owned())?;
    Ok(done.saturating_duration_since(t.start))
}
