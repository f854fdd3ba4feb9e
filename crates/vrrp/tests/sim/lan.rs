//! A virtual LAN: N [`Machine`]s, a virtual clock that jumps straight to the next event, and a
//! seeded RNG for loss and delay. Adverts are broadcast to every running router on the same
//! segment whose link is up.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{Action, Advert, Event, InstanceConfig, Machine, State, Version};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One simulated router.
pub struct Node {
    /// Its state machine.
    pub machine: Machine,
    /// `false` once crashed or stopped: it neither sends nor receives.
    pub running: bool,
    /// Cable plugged in.
    pub link_up: bool,
    /// Partition segment; routers only hear routers on the same segment.
    pub segment: u32,
    /// Whether the VIPs are currently installed (from AddVips/RemoveVips actions).
    pub has_vips: bool,
    /// Every action with the virtual time it was emitted.
    pub log: Vec<(Duration, Action)>,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    from: usize,
    priority: u8,
    interval: Duration,
}

/// The virtual LAN.
pub struct Lan {
    /// Virtual now.
    pub now: Instant,
    start: Instant,
    /// Routers, indexed by the id returned from [`Lan::add`].
    pub nodes: Vec<Node>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    rng: StdRng,
    seq: u64,
    /// Probability that a given copy of an advert is lost.
    pub loss: f64,
    /// Maximum extra delivery delay (uniform), on top of 50 µs.
    pub max_delay: Duration,
}

/// 10.0.0.`last`.
pub fn addr(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

/// A v3 instance config with keepalived defaults, 1 s adverts.
pub fn config(last: u8, priority: u8) -> InstanceConfig {
    InstanceConfig::new("VI_1", Version::V3, addr(last), priority)
}

impl Lan {
    /// An empty LAN at an arbitrary virtual instant.
    pub fn new(seed: u64) -> Self {
        let start = Instant::now();
        Lan {
            now: start,
            start,
            nodes: Vec::new(),
            in_flight: BinaryHeap::new(),
            rng: StdRng::seed_from_u64(seed),
            seq: 0,
            loss: 0.0,
            max_delay: Duration::from_millis(1),
        }
    }

    /// Virtual time since the LAN was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Adds and starts a router now; returns its id.
    pub fn add(&mut self, config: InstanceConfig) -> usize {
        self.nodes.push(Node {
            machine: Machine::new(config, self.now),
            running: true,
            link_up: true,
            segment: 0,
            has_vips: false,
            log: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// Restarts router `id` with a fresh machine (keepalived started again).
    pub fn restart(&mut self, id: usize, config: InstanceConfig) {
        if let Some(node) = self.nodes.get_mut(id) {
            node.machine = Machine::new(config, self.now);
            node.running = true;
            node.has_vips = false;
        }
    }

    /// Graceful stop: Shutdown event (priority-0 advert goes out), then the router is gone.
    pub fn stop(&mut self, id: usize) {
        self.event(id, Event::Shutdown);
        self.nodes[id].running = false;
    }

    /// Hard crash: the router disappears without a word.
    pub fn crash(&mut self, id: usize) {
        self.nodes[id].running = false;
    }

    /// Plugs or unplugs router `id`'s cable (no interface event: the router does not notice).
    pub fn set_link(&mut self, id: usize, up: bool) {
        self.nodes[id].link_up = up;
    }

    /// Splits the LAN: each group becomes its own segment.
    pub fn partition(&mut self, groups: &[&[usize]]) {
        for (segment, group) in groups.iter().enumerate() {
            for &id in *group {
                self.nodes[id].segment = segment as u32;
            }
        }
    }

    /// Puts every router back on one segment.
    pub fn heal(&mut self) {
        for node in &mut self.nodes {
            node.segment = 0;
        }
    }

    /// Delivers an event to router `id` now.
    pub fn event(&mut self, id: usize, event: Event) {
        let now = self.now;
        self.nodes[id].machine.handle_event(now, event);
        self.drain(id);
    }

    /// Runs the LAN for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            let next_packet = self.in_flight.peek().map(|Reverse(p)| p.at);
            let next_timer = self
                .nodes
                .iter()
                .filter(|n| n.running)
                .filter_map(|n| n.machine.poll_timeout())
                .min();
            let next = match (next_packet, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            while self
                .in_flight
                .peek()
                .is_some_and(|Reverse(p)| p.at <= self.now)
            {
                let Some(Reverse(p)) = self.in_flight.pop() else {
                    break;
                };
                self.deliver(p);
            }
            for id in 0..self.nodes.len() {
                let node = &mut self.nodes[id];
                if node.running && node.machine.poll_timeout().is_some_and(|t| t <= self.now) {
                    node.machine.handle_timeout(self.now);
                    self.drain(id);
                }
            }
        }
        self.now = end;
    }

    fn deliver(&mut self, p: InFlight) {
        let (from_ok, from_segment) = {
            let from = &self.nodes[p.from];
            (from.link_up, from.segment)
        };
        let to = &self.nodes[p.to];
        // Connectivity is checked at delivery too, so a cut drops packets already on the wire.
        if !to.running || !to.link_up || !from_ok || to.segment != from_segment {
            return;
        }
        let source = self.nodes[p.from].machine.config().primary_address;
        let advert = Advert {
            source,
            priority: p.priority,
            interval: p.interval,
        };
        self.event(p.to, Event::Advert(advert));
    }

    fn drain(&mut self, id: usize) {
        let elapsed = self.elapsed();
        while let Some(action) = self.nodes[id].machine.poll_action() {
            self.nodes[id].log.push((elapsed, action));
            match action {
                Action::SendAdvert { priority, interval } => self.broadcast(id, priority, interval),
                Action::AddVips { .. } => self.nodes[id].has_vips = true,
                Action::RemoveVips { .. } => self.nodes[id].has_vips = false,
                _ => {}
            }
        }
    }

    fn broadcast(&mut self, from: usize, priority: u8, interval: Duration) {
        let sender = &self.nodes[from];
        if !sender.link_up {
            return;
        }
        for to in 0..self.nodes.len() {
            if to == from || self.rng.gen::<f64>() < self.loss {
                continue;
            }
            let jitter = self.rng.gen_range(0..=self.max_delay.as_micros() as u64);
            self.seq += 1;
            self.in_flight.push(Reverse(InFlight {
                at: self.now + Duration::from_micros(50 + jitter),
                seq: self.seq,
                to,
                from,
                priority,
                interval,
            }));
        }
    }

    /// Ids of running routers in MASTER state.
    pub fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].running && self.state(i) == State::Master)
            .collect()
    }

    /// State of router `id`.
    pub fn state(&self, id: usize) -> State {
        self.nodes[id].machine.state()
    }

    /// Virtual time of router `id`'s last transition into `state`, if any.
    pub fn entered(&self, id: usize, state: State) -> Option<Duration> {
        self.nodes[id]
            .log
            .iter()
            .rev()
            .find(|(_, a)| matches!(a, Action::StateChanged { to, .. } if *to == state))
            .map(|(t, _)| *t)
    }
}
