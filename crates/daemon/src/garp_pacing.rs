//! `vrrp_garp_interval`, `vrrp_gna_interval` and `garp_group`: the smallest gap between two
//! gratuitous ARPs (or unsolicited NAs) on one interface, whichever instances send them, so
//! that a takeover of hundreds of VIPs does not trip a switch's rate limit.
//!
//! As keepalived (vrrp_arp.c `send_gratuitous_arp`, vrrp_ndisc.c): a frame goes out at once
//! when the interval since the last one on the interface has passed, otherwise its address is
//! queued; an address already queued is not queued again, so the repeats of a burst
//! (`vrrp_garp_master_repeat`) coalesce while the queue drains (observed with keepalived
//! 2.2.7: 10 VIPs, repeat 5, interval 0.1 s put 11 GARPs on the wire, 0.1 s apart). The
//! interval counts from when a frame was really sent, also for the one sent at once.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keepalived_conf::Config;
use keepalived_net::announce::Announcer;
use tokio::time::Instant;

use crate::log;

/// The pacing of one interface's GARPs and NAs.
#[derive(Debug, Default)]
pub struct Pacing {
    garp: Duration,
    gna: Duration,
    arp: Mutex<Queue>,
    nd: Mutex<Queue>,
}

/// One family's next allowed send time and the addresses waiting for it.
#[derive(Debug, Default)]
struct Queue {
    /// When the next frame may go: the interval after the last one was sent.
    next: Option<Instant>,
    /// The address that goes out at once (not queued, so its repeats still queue once).
    at_once: Option<IpAddr>,
    waiting: VecDeque<IpAddr>,
    draining: bool,
}

impl Pacing {
    /// The intervals for interface `ifname`: its `garp_group`'s (an interval the group does
    /// not give is none: keepalived's set_default_garp_delay gives the global ones only to
    /// interfaces outside every group), else the global ones.
    pub fn for_interface(config: &Config, ifname: &str) -> Pacing {
        let g = &config.global.garp;
        let group = config
            .vrrp
            .garp_groups
            .iter()
            .find(|gg| gg.interfaces.iter().any(|i| i == ifname));
        let (garp, gna) = match group {
            Some(gg) => (
                gg.garp_interval.unwrap_or_default(),
                gg.gna_interval.unwrap_or_default(),
            ),
            None => (g.interval, g.gna_interval),
        };
        Pacing {
            garp,
            gna,
            ..Pacing::default()
        }
    }

    /// Whether any gap is configured (otherwise bursts go out in one `sendmmsg`).
    pub fn is_paced(&self) -> bool {
        !self.garp.is_zero() || !self.gna.is_zero()
    }

    /// `repeat` GARPs/NAs for each of `addrs`, paced as keepalived paces them.
    pub fn announce(self: &Arc<Self>, announcer: &Arc<Announcer>, addrs: &[IpAddr], repeat: u32) {
        for _ in 0..repeat {
            for &addr in addrs {
                self.request(announcer, addr);
            }
        }
    }

    fn queue(&self, addr: IpAddr) -> (&Mutex<Queue>, Duration) {
        match addr {
            IpAddr::V4(_) => (&self.arp, self.garp),
            IpAddr::V6(_) => (&self.nd, self.gna),
        }
    }

    fn request(self: &Arc<Self>, announcer: &Arc<Announcer>, addr: IpAddr) {
        let (queue, interval) = self.queue(addr);
        let Ok(mut q) = queue.lock() else {
            return;
        };
        if interval.is_zero() {
            drop(q);
            spawn_send(announcer.clone(), addr);
            return;
        }
        let idle = !q.draining && q.waiting.is_empty();
        if idle && q.next.map_or(true, |t| t <= Instant::now()) {
            // The interval has passed: out at once. The draining task sends it, so that the
            // next frame's time counts from when this one really went.
            q.at_once = Some(addr);
        } else if q.waiting.contains(&addr) {
            return;
        } else {
            q.waiting.push_back(addr);
        }
        if !q.draining {
            q.draining = true;
            let (me, announcer) = (self.clone(), announcer.clone());
            tokio::spawn(async move { me.drain(&announcer, addr.is_ipv6()).await });
        }
    }

    async fn drain(&self, announcer: &Announcer, ipv6: bool) {
        let (queue, interval) = if ipv6 {
            (&self.nd, self.gna)
        } else {
            (&self.arp, self.garp)
        };
        loop {
            let (at_once, at) = match queue.lock() {
                Ok(mut q) => (q.at_once.take(), q.next),
                Err(_) => return,
            };
            let addr = match at_once {
                Some(a) => a,
                None => {
                    if let Some(at) = at {
                        tokio::time::sleep_until(at).await;
                    }
                    match queue.lock() {
                        Ok(mut q) => match q.waiting.pop_front() {
                            Some(a) => a,
                            None => {
                                q.draining = false;
                                return;
                            }
                        },
                        Err(_) => return,
                    }
                }
            };
            send(announcer, addr).await;
            match queue.lock() {
                Ok(mut q) => q.next = Some(Instant::now() + interval),
                Err(_) => return,
            }
        }
    }
}

fn spawn_send(announcer: Arc<Announcer>, addr: IpAddr) {
    tokio::spawn(async move { send(&announcer, addr).await });
}

async fn send(announcer: &Announcer, addr: IpAddr) {
    let sent = match addr {
        IpAddr::V4(a) => announcer.send_garp(a).await,
        IpAddr::V6(a) => announcer.send_na(a, false).await,
    };
    if let Err(e) = sent {
        log::info(format!("gratuitous ARP/NA for {addr} failed: {e}"));
    }
}
