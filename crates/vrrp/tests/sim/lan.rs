//! A virtual LAN: N [`Router`]s exchanging real VRRP packets (bytes built by
//! `Router::poll_transmit`, parsed by `Router::handle_datagram`), a virtual clock that jumps
//! straight to the next event, and a seeded RNG for loss, delay, duplication, reordering and
//! corruption. Adverts are broadcast to every running router on the same segment whose link is
//! up. The "kernel" of each receiver drops IPv4 packets whose header checksum fails, as Linux
//! does before a raw socket sees them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{Action, Event, InstanceConfig, Machine, State, Version};
use keepalived_vrrp::router::{DropLog, RouterInstance, RxNet, MAX_ADVERT_LEN};
use keepalived_vrrp::wire::{ipv4, Addresses};
use keepalived_vrrp::{InstanceId, Router, Stats};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The interface index every router uses.
pub const IFINDEX: u32 = 1;
/// The VRID of [`Lan::add`]'s instances.
pub const VRID: u8 = 51;

/// One simulated router.
pub struct Node {
    /// Its router (one instance, [`Node::ID`], unless added with [`Lan::add_router`]).
    pub router: Router,
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
    /// Every drop log the router asked for.
    pub drop_logs: Vec<DropLog>,
    /// Copies delivered intact while the instance was in BACKUP or MASTER: what keepalived
    /// counts as `advert_rcvd`.
    pub clean_rcvd: u64,
    /// Corrupted copies that reached the router (past the kernel's IP checksum).
    pub corrupt_rcvd: u64,
}

impl Node {
    /// The instance of a router added with [`Lan::add`].
    pub const ID: InstanceId = InstanceId(0);

    /// The instance's state machine.
    pub fn machine(&self) -> &Machine {
        self.router.machine(Self::ID).expect("instance 0")
    }

    /// The instance's statistics (keepalived's counters).
    pub fn stats(&self) -> Stats {
        self.router.stats(Self::ID)
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    from: usize,
    corrupted: bool,
    bytes: Vec<u8>,
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
    /// Probability that a copy is delivered twice.
    pub duplicate: f64,
    /// Probability that a copy is held back up to [`Lan::reorder_delay`] (so later ones
    /// overtake it).
    pub reorder: f64,
    /// How long a reordered copy may be held back.
    pub reorder_delay: Duration,
    /// Probability that one bit of a copy is flipped.
    pub corrupt: f64,
}

/// 10.0.0.`last`.
pub fn addr(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

/// The VIP of [`Lan::add`]'s instances.
pub fn vip() -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, 100)
}

/// A v3 instance config with keepalived defaults, 1 s adverts.
pub fn config(last: u8, priority: u8) -> InstanceConfig {
    InstanceConfig::new("VI_1", Version::V3, addr(last), priority)
}

/// `machine` as a multicast instance on [`IFINDEX`] with [`VRID`] and [`vip`].
pub fn instance(machine: InstanceConfig) -> RouterInstance {
    let vips = Addresses::V4(keepalived_vrrp::addr_list![vip()]);
    RouterInstance::new(machine, IFINDEX, VRID, vips)
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
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::from_millis(500),
            corrupt: 0.0,
        }
    }

    /// Virtual time since the LAN was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Adds and starts a router with one instance of `config`; returns its id.
    pub fn add(&mut self, config: InstanceConfig) -> usize {
        self.add_instance(instance(config))
    }

    /// Adds and starts a router with one instance; returns its id.
    pub fn add_instance(&mut self, cfg: RouterInstance) -> usize {
        let mut router = Router::default();
        router.add(cfg, self.now);
        self.add_router(router)
    }

    /// Adds a router as built by the caller.
    pub fn add_router(&mut self, router: Router) -> usize {
        self.nodes.push(Node {
            router,
            running: true,
            link_up: true,
            segment: 0,
            has_vips: false,
            log: Vec::new(),
            drop_logs: Vec::new(),
            clean_rcvd: 0,
            corrupt_rcvd: 0,
        });
        let id = self.nodes.len() - 1;
        self.drain(id);
        id
    }

    /// Restarts router `id` with a fresh instance (keepalived started again).
    pub fn restart(&mut self, id: usize, config: InstanceConfig) {
        let mut router = Router::default();
        router.add(instance(config), self.now);
        if let Some(node) = self.nodes.get_mut(id) {
            node.router = router;
            node.running = true;
            node.has_vips = false;
        }
        self.drain(id);
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

    /// Delivers an event to router `id`'s instance now.
    pub fn event(&mut self, id: usize, event: Event) {
        let now = self.now;
        self.nodes[id].router.handle_event(now, Node::ID, event);
        self.drain(id);
    }

    /// Hands `bytes` to router `to` now, as its raw socket would (no kernel checks).
    pub fn inject(&mut self, to: usize, bytes: &[u8]) {
        let now = self.now;
        self.nodes[to]
            .router
            .handle_datagram(now, IFINDEX, RxNet::Ipv4, bytes);
        self.drain(to);
    }

    /// Runs the LAN for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            let next_packet = self.in_flight.peek().map(|Reverse(p)| p.at);
            let next_timer = self
                .nodes
                .iter_mut()
                .filter(|n| n.running)
                .filter_map(|n| n.router.poll_timeout())
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
                let now = self.now;
                let node = &mut self.nodes[id];
                if node.running && node.router.poll_timeout().is_some_and(|t| t <= now) {
                    node.router.handle_timeout(now);
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
        let to = &mut self.nodes[p.to];
        // Connectivity is checked at delivery too, so a cut drops packets already on the wire.
        if !to.running || !to.link_up || !from_ok || to.segment != from_segment {
            return;
        }
        // The receiving kernel verifies the IPv4 header checksum.
        let header_ok =
            ipv4::Packet::new_checked(&p.bytes[..]).is_ok_and(|ip| ip.verify_checksum());
        if !header_ok {
            return;
        }
        let listening = matches!(to.machine().state(), State::Backup | State::Master);
        if p.corrupted {
            to.corrupt_rcvd += 1;
        } else if listening {
            to.clean_rcvd += 1;
        }
        self.inject(p.to, &p.bytes);
    }

    fn drain(&mut self, id: usize) {
        let elapsed = self.elapsed();
        let mut buf = [0u8; MAX_ADVERT_LEN];
        loop {
            let node = &mut self.nodes[id];
            let Some(tx) = node.router.poll_transmit(&mut buf) else {
                break;
            };
            let bytes = buf[..tx.len].to_vec();
            self.broadcast(id, &bytes);
        }
        let node = &mut self.nodes[id];
        while let Some((_, action)) = node.router.poll_action() {
            node.log.push((elapsed, action));
            match action {
                Action::AddVips { .. } => node.has_vips = true,
                Action::RemoveVips { .. } => node.has_vips = false,
                _ => {}
            }
        }
        while let Some(log) = node.router.poll_log() {
            node.drop_logs.push(log);
        }
    }

    fn broadcast(&mut self, from: usize, bytes: &[u8]) {
        let sender = &self.nodes[from];
        if !sender.link_up || !sender.running {
            return;
        }
        for to in 0..self.nodes.len() {
            if to == from || self.rng.gen::<f64>() < self.loss {
                continue;
            }
            let copies = if self.rng.gen::<f64>() < self.duplicate {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let jitter = self.rng.gen_range(0..=self.max_delay.as_micros() as u64);
                let mut at = self.now + Duration::from_micros(50 + jitter);
                if self.rng.gen::<f64>() < self.reorder {
                    at += Duration::from_micros(
                        self.rng
                            .gen_range(0..=self.reorder_delay.as_micros() as u64),
                    );
                }
                let mut bytes = bytes.to_vec();
                let corrupted = self.rng.gen::<f64>() < self.corrupt;
                if corrupted {
                    let i = self.rng.gen_range(0..bytes.len());
                    bytes[i] ^= 1 << self.rng.gen_range(0..8);
                }
                self.seq += 1;
                self.in_flight.push(Reverse(InFlight {
                    at,
                    seq: self.seq,
                    to,
                    from,
                    corrupted,
                    bytes,
                }));
            }
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
        self.nodes[id].machine().state()
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
