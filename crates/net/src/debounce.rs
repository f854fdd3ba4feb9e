//! `interface_up_down_delays`: keepalived acts on an interface going down (or up) only after
//! the configured delay, and forgets the change if the interface is back in its old state
//! before then (keepalived_netlink.c update_interface_flags: "Adding flags change ... delay
//! by", "Delay timer for IF cancelled"). The first up of an interface is never delayed.
//! [`Debounce`] holds the link events of a [`NetMonitor`] back by those delays; every other
//! event passes at once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

use crate::monitor::{NetEvent, NetMonitor};

/// Per interface name: (down delay, up delay).
pub type Delays = HashMap<String, (Duration, Duration)>;

/// A [`NetMonitor`] whose link up/down events are debounced.
pub struct Debounce {
    inner: NetMonitor,
    delays: Delays,
    /// The up state last handed out, per ifindex.
    reported: HashMap<u32, bool>,
    /// Interfaces seen up once (their later changes may be delayed).
    seen_up: HashSet<u32>,
    /// A held-back change per ifindex: when it is due, and the event.
    pending: HashMap<u32, (Instant, NetEvent)>,
}

fn link_state(ev: &NetEvent) -> Option<(u32, &str, bool)> {
    match ev {
        NetEvent::LinkUp { ifindex, name } => Some((*ifindex, name, true)),
        NetEvent::LinkDown { ifindex, name } => Some((*ifindex, name, false)),
        _ => None,
    }
}

impl Debounce {
    /// Debounces `inner`'s link events by `delays`; `known` is the up state of every
    /// interface when the caller read them (an interface up then counts as seen up).
    pub fn new(
        inner: NetMonitor,
        delays: Delays,
        known: impl IntoIterator<Item = (u32, bool)>,
    ) -> Debounce {
        let reported: HashMap<u32, bool> = known.into_iter().collect();
        let seen_up = reported
            .iter()
            .filter(|(_, up)| **up)
            .map(|(i, _)| *i)
            .collect();
        Debounce {
            inner,
            delays,
            reported,
            seen_up,
            pending: HashMap::new(),
        }
    }

    /// The next event; `None` when the netlink connection ended.
    pub async fn recv(&mut self) -> Option<NetEvent> {
        loop {
            let due = self.pending.values().map(|(t, _)| *t).min();
            let next = tokio::select! {
                ev = self.inner.recv() => Some(ev?),
                _ = sleep_until(due) => None,
            };
            let out = match next {
                Some(ev) => self.arrived(ev, Instant::now()),
                None => self.take_due(Instant::now()),
            };
            if out.is_some() {
                return out;
            }
        }
    }

    /// An event from the kernel: handed out now, held back, or swallowed (`None`).
    /// The next event already read, without waiting ([`NetMonitor::try_recv`]); held link
    /// changes that fall due are left to [`Debounce::recv`].
    pub fn try_recv(&mut self) -> Option<NetEvent> {
        loop {
            let ev = self.inner.try_recv()?;
            if let Some(out) = self.arrived(ev, Instant::now()) {
                return Some(out);
            }
        }
    }

    fn arrived(&mut self, ev: NetEvent, now: Instant) -> Option<NetEvent> {
        let Some((ifindex, name, up)) = link_state(&ev) else {
            if let NetEvent::LinkDeleted { ifindex } = ev {
                self.pending.remove(&ifindex);
                self.reported.remove(&ifindex);
                self.seen_up.remove(&ifindex);
            }
            return Some(ev);
        };
        if let Some((_, held)) = self.pending.get(&ifindex) {
            if link_state(held).map(|(_, _, u)| u) == Some(up) {
                return None;
            }
            // Back to the state last handed out before the delay ran out: nothing happened.
            self.pending.remove(&ifindex);
        }
        if self.reported.get(&ifindex) == Some(&up) {
            return None;
        }
        let delay = self
            .delays
            .get(name)
            .map_or(Duration::ZERO, |(down, upd)| if up { *upd } else { *down });
        if self.seen_up.contains(&ifindex) && !delay.is_zero() {
            self.pending.insert(ifindex, (now + delay, ev));
            return None;
        }
        Some(self.report(ev))
    }

    fn take_due(&mut self, now: Instant) -> Option<NetEvent> {
        let ifindex = self
            .pending
            .iter()
            .find(|(_, (t, _))| *t <= now)
            .map(|(i, _)| *i)?;
        let (_, ev) = self.pending.remove(&ifindex)?;
        Some(self.report(ev))
    }

    fn report(&mut self, ev: NetEvent) -> NetEvent {
        if let Some((ifindex, _, up)) = link_state(&ev) {
            self.reported.insert(ifindex, up);
            if up {
                self.seen_up.insert(ifindex);
            }
        }
        ev
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down(i: u32) -> NetEvent {
        NetEvent::LinkDown {
            ifindex: i,
            name: "eth0".into(),
        }
    }

    fn up(i: u32) -> NetEvent {
        NetEvent::LinkUp {
            ifindex: i,
            name: "eth0".into(),
        }
    }

    #[tokio::test]
    async fn a_short_flap_is_swallowed_and_a_long_one_delayed() {
        let Ok(mon) = NetMonitor::new() else {
            eprintln!("skipped: needs a netlink socket");
            return;
        };
        let delays = Delays::from([("eth0".to_owned(), (Duration::from_secs(2), Duration::ZERO))]);
        let mut d = Debounce::new(mon, delays, []);
        let t0 = Instant::now();
        // First sighting and first up pass at once.
        assert_eq!(d.arrived(up(2), t0), Some(up(2)));
        // Down: held back for 2 s; back up within them: nothing at all.
        assert_eq!(d.arrived(down(2), t0), None);
        assert_eq!(d.take_due(t0 + Duration::from_secs(1)), None);
        assert_eq!(d.arrived(up(2), t0 + Duration::from_secs(1)), None);
        assert_eq!(d.take_due(t0 + Duration::from_secs(3)), None);
        // Down for longer than the delay: handed out when due.
        assert_eq!(d.arrived(down(2), t0 + Duration::from_secs(4)), None);
        assert_eq!(d.take_due(t0 + Duration::from_secs(6)), Some(down(2)));
        // Up (no up delay): at once.
        assert_eq!(d.arrived(up(2), t0 + Duration::from_secs(7)), Some(up(2)));
        // An interface down at first sight is reported at once.
        assert_eq!(d.arrived(down(3), t0), Some(down(3)));
    }
}
