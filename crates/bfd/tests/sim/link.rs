//! Two BFD speakers on a virtual point-to-point link with a virtual clock: seeded loss,
//! delay (with random extra delay), and a cut that drops everything.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_bfd::{Event, RxMeta, Session, SessionConfig, SessionSet};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 76, 1, 1));
pub const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 76, 1, 2));

/// One end of the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
    fn addr(self) -> IpAddr {
        match self {
            Side::A => A,
            Side::B => B,
        }
    }
}

/// A packet sent: when, by whom, and its bytes.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Duration,
    pub from: Side,
    pub bytes: Vec<u8>,
}

pub struct Sim {
    pub base: Instant,
    pub now: Instant,
    pub a: SessionSet,
    pub b: SessionSet,
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Up to this much extra random delay per packet.
    pub extra_delay: Duration,
    /// Everything is dropped while set.
    pub cut: bool,
    flight: Vec<(Instant, Side, Vec<u8>)>,
    rng: StdRng,
    /// Events with the simulated time they were seen at.
    pub events: Vec<(Duration, Side, Event)>,
    /// Every packet put on the link.
    pub sent: Vec<Sent>,
}

/// A config from `a` to `b` with keepalived's defaults.
pub fn config(name: &str, peer: IpAddr) -> SessionConfig {
    SessionConfig::new(name, peer)
}

impl Sim {
    pub fn new(cfg_a: SessionConfig, cfg_b: SessionConfig, seed: u64) -> Sim {
        let base = Instant::now();
        let mut a = SessionSet::new();
        a.push(Session::new(cfg_a, base, seed ^ 0xa));
        let mut b = SessionSet::new();
        b.push(Session::new(cfg_b, base, seed ^ 0xb));
        Sim {
            base,
            now: base,
            a,
            b,
            loss: 0.0,
            delay: Duration::from_micros(100),
            extra_delay: Duration::ZERO,
            cut: false,
            flight: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// Two active sessions with keepalived's defaults.
    pub fn pair(seed: u64) -> Sim {
        Sim::new(config("A", B), config("B", A), seed)
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.base
    }

    pub fn set(&mut self, side: Side) -> &mut SessionSet {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    pub fn session(&mut self, side: Side) -> &mut Session {
        &mut self.set(side).sessions_mut()[0]
    }

    /// Replaces a side's session by a fresh one (a restarted peer).
    pub fn restart(&mut self, side: Side, cfg: SessionConfig, seed: u64) {
        let now = self.now;
        let mut set = SessionSet::new();
        set.push(Session::new(cfg, now, seed));
        *self.set(side) = set;
    }

    fn next_wakeup(&self) -> Option<Instant> {
        [
            self.a.poll_timeout(),
            self.b.poll_timeout(),
            self.flight.iter().map(|f| f.0).min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Processes everything due at the next wake-up, if it is not after `limit`.
    fn step(&mut self, limit: Instant) -> bool {
        let Some(t) = self.next_wakeup() else {
            self.now = limit;
            return false;
        };
        if t > limit {
            self.now = limit;
            return false;
        }
        self.now = self.now.max(t);
        let now = self.now;
        // Deliver.
        let mut due = Vec::new();
        self.flight.retain(|f| {
            if f.0 <= now {
                due.push(f.clone());
                false
            } else {
                true
            }
        });
        for (_, to, bytes) in due {
            let meta = RxMeta {
                src: to.other().addr(),
                dst: Some(to.addr()),
                ttl: Some(255),
            };
            let _ = self.set(to).receive(now, &bytes, &meta);
        }
        for side in [Side::A, Side::B] {
            self.set(side).handle_timeout(now);
            let mut buf = [0u8; 64];
            let mut out = Vec::new();
            for s in self.set(side).sessions_mut() {
                while let Some(n) = s.poll_transmit(now, &mut buf) {
                    out.push(buf[..n].to_vec());
                }
            }
            for bytes in out {
                self.sent.push(Sent {
                    at: now - self.base,
                    from: side,
                    bytes: bytes.clone(),
                });
                if self.cut || self.rng.gen_bool(self.loss) {
                    continue;
                }
                let extra = if self.extra_delay.is_zero() {
                    Duration::ZERO
                } else {
                    self.rng.gen_range(Duration::ZERO..self.extra_delay)
                };
                self.flight
                    .push((now + self.delay + extra, side.other(), bytes));
            }
            let at = now - self.base;
            let mut evs = Vec::new();
            for s in self.set(side).sessions_mut() {
                while let Some(e) = s.poll_event() {
                    evs.push((at, side, e));
                }
            }
            self.events.extend(evs);
        }
        true
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Duration) {
        let limit = self.now + d;
        while self.step(limit) {}
    }

    /// Runs until `f` holds (checked after each wake-up) or `d` passes; returns whether it
    /// held.
    pub fn run_until(&mut self, d: Duration, mut f: impl FnMut(&mut Sim) -> bool) -> bool {
        let limit = self.now + d;
        loop {
            if f(self) {
                return true;
            }
            if !self.step(limit) {
                return f(self);
            }
        }
    }

    /// Events of `side` since `from` (simulated time).
    pub fn events_since(&self, side: Side, from: Duration) -> Vec<(Duration, Event)> {
        self.events
            .iter()
            .filter(|(t, s, _)| *s == side && *t >= from)
            .map(|(t, _, e)| (*t, *e))
            .collect()
    }
}
