//! The protocol's own limits at fleet scale (issue 17, "Beyond one router"): N routers × M
//! VRIDs on one simulated LAN, every advert built by `Router::poll_transmit` and parsed by
//! `Router::handle_datagram` (the sans-IO core the daemon runs), a virtual clock, seeded loss.
//! No kernel, no sockets: the numbers are the protocol's and the core's, not a host's.
//!
//! ```sh
//! cargo run --release -p keepalived-vrrp --example fleet -- --routers 250 --vrids 255
//! ```
//!
//! Options: `--routers N`, `--vrids M`, `--loss P` (per copy), `--steady S`, `--split S`,
//! `--advert-ms MS`, `--version 2|3`, `--down-adverts K` (down_timer_adverts), `--seed X`.
//!
//! Phases, each reported on its own line:
//! 1. start: every router starts every instance at once (BACKUP), until one MASTER per VRID
//!    (the best one) holds;
//! 2. steady: `--steady` seconds with `--loss`: adverts/s on the wire, deliveries/s, the
//!    transitions that should not have happened (a backup's Master_Down expiring because
//!    `down_timer_adverts` adverts in a row were lost);
//! 3. partition: the LAN split in two halves for `--split` seconds (each half elects its own
//!    masters: adverts/s doubles), then healed: time until one MASTER per VRID again.
//!
//! Priorities are distinct per VRID (router `r` has priority `1 + (r + v) % routers` for VRID
//! `v`, scaled into 1..=254), so every election has one winner and the masters are spread
//! over the routers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{Action, InstanceConfig, State, Version};
use keepalived_vrrp::router::{RouterInstance, RxNet, MAX_ADVERT_LEN};
use keepalived_vrrp::wire::Addresses;
use keepalived_vrrp::{InstanceId, Router};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const IFINDEX: u32 = 1;

/// Command-line options (`--name value`).
#[derive(Debug, Clone)]
struct Options {
    routers: usize,
    vrids: usize,
    loss: f64,
    steady: u64,
    split: u64,
    advert_ms: u64,
    seed: u64,
    version: Version,
    down_adverts: u32,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options {
            routers: 250,
            vrids: 255,
            loss: 0.01,
            steady: 60,
            split: 10,
            advert_ms: 1000,
            seed: 1,
            version: Version::V3,
            down_adverts: 3,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut it = args.iter();
        while let Some(name) = it.next() {
            let value = it.next().ok_or_else(|| format!("{name} needs a value"))?;
            let bad = |e: &dyn std::fmt::Display| format!("{name} {value}: {e}");
            match name.as_str() {
                "--routers" => o.routers = value.parse().map_err(|e| bad(&e))?,
                "--vrids" => o.vrids = value.parse().map_err(|e| bad(&e))?,
                "--loss" => o.loss = value.parse().map_err(|e| bad(&e))?,
                "--steady" => o.steady = value.parse().map_err(|e| bad(&e))?,
                "--split" => o.split = value.parse().map_err(|e| bad(&e))?,
                "--advert-ms" => o.advert_ms = value.parse().map_err(|e| bad(&e))?,
                "--seed" => o.seed = value.parse().map_err(|e| bad(&e))?,
                "--down-adverts" => o.down_adverts = value.parse().map_err(|e| bad(&e))?,
                "--version" => {
                    o.version = match value.as_str() {
                        "2" => Version::V2,
                        "3" => Version::V3,
                        _ => return Err(bad(&"2 or 3")),
                    }
                }
                _ => return Err(format!("unknown option {name}")),
            }
        }
        if !(1..=100).contains(&o.down_adverts) {
            return Err("--down-adverts 1..=100".into());
        }
        if !(2..=60_000).contains(&o.routers) || !(1..=255).contains(&o.vrids) {
            return Err("--routers 2..=60000, --vrids 1..=255".into());
        }
        if o.version == Version::V2 && o.advert_ms % 1000 != 0 {
            return Err("VRRPv2 adverts are whole seconds".into());
        }
        Ok(o)
    }

    fn priority(&self, router: usize, vrid: usize) -> u8 {
        let rank = (router + vrid) % self.routers; // 0..routers, distinct per VRID
        (1 + rank * 253 / (self.routers - 1).max(1)) as u8
    }

    /// The router that should win VRID `vrid`.
    fn best(&self, vrid: usize) -> usize {
        (self.routers - 1 + self.routers - vrid % self.routers) % self.routers
    }
}

fn router_addr(r: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        10,
        (r >> 16) as u8,
        (r >> 8) as u8,
        r as u8 | 1,
    ))
}

struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    from: usize,
    bytes: Rc<[u8]>,
}

impl PartialEq for InFlight {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for InFlight {}
impl PartialOrd for InFlight {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for InFlight {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// What one phase saw.
#[derive(Default)]
struct Tally {
    adverts: u64,
    deliveries: u64,
    master_entries: u64,
}

struct Fleet {
    o: Options,
    now: Instant,
    routers: Vec<Router>,
    segment: Vec<u8>,
    /// `master[r][v]`: router r's instance for VRID v is MASTER.
    master: Vec<Vec<bool>>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    rng: StdRng,
    seq: u64,
    loss: f64,
    tally: Tally,
    /// Datagrams handed to `handle_datagram` by the phases already taken.
    handled: u64,
    /// Each router's next timeout as last seen, and a heap of them (stale entries skipped).
    timeout: Vec<Option<Instant>>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
}

impl Fleet {
    fn new(o: Options) -> Fleet {
        let now = Instant::now();
        let mut routers = Vec::with_capacity(o.routers);
        for r in 0..o.routers {
            let mut router = Router::default();
            for v in 0..o.vrids {
                let mut mc = InstanceConfig::new(
                    format!("VI_{}", v + 1),
                    o.version,
                    router_addr(r),
                    o.priority(r, v),
                );
                mc.advert_interval = Duration::from_millis(o.advert_ms);
                mc.down_timer_adverts = o.down_adverts;
                let vip = Ipv4Addr::new(10, 255, v as u8, 1);
                let vips = Addresses::V4(keepalived_vrrp::addr_list![vip]);
                router.add(RouterInstance::new(mc, IFINDEX, v as u8 + 1, vips), now);
            }
            routers.push(router);
        }
        Fleet {
            now,
            segment: vec![0; o.routers],
            master: vec![vec![false; o.vrids]; o.routers],
            routers,
            in_flight: BinaryHeap::new(),
            rng: StdRng::seed_from_u64(o.seed),
            seq: 0,
            loss: 0.0,
            tally: Tally::default(),
            handled: 0,
            timeout: vec![None; o.routers],
            timers: BinaryHeap::new(),
            o,
        }
    }

    /// Every VRID has exactly one MASTER in each segment, and it is that segment's best.
    fn converged(&self) -> bool {
        (0..self.o.vrids).all(|v| {
            let mut seen = [0usize; 2];
            let mut best = [None::<(u8, usize)>; 2];
            for r in 0..self.o.routers {
                let s = self.segment[r] as usize;
                let p = self.o.priority(r, v);
                if best[s].map_or(true, |(bp, _)| p > bp) {
                    best[s] = Some((p, r));
                }
                seen[s] += usize::from(self.master[r][v]);
            }
            (0..2).all(|s| match best[s] {
                None => seen[s] == 0,
                Some((_, r)) => seen[s] == 1 && self.master[r][v],
            })
        })
    }

    fn drain(&mut self, r: usize) {
        let mut buf = [0u8; MAX_ADVERT_LEN];
        while let Some(tx) = self.routers[r].poll_transmit(&mut buf) {
            self.tally.adverts += 1;
            let bytes: Rc<[u8]> = Rc::from(&buf[..tx.len]);
            for to in 0..self.o.routers {
                if to == r || self.segment[to] != self.segment[r] {
                    continue;
                }
                if self.loss > 0.0 && self.rng.gen::<f64>() < self.loss {
                    continue;
                }
                let jitter = self.rng.gen_range(0..200u64);
                self.seq += 1;
                self.in_flight.push(Reverse(InFlight {
                    at: self.now + Duration::from_micros(50 + jitter),
                    seq: self.seq,
                    to,
                    from: r,
                    bytes: bytes.clone(),
                }));
            }
        }
        while let Some((InstanceId(i), action)) = self.routers[r].poll_action() {
            if let Action::StateChanged { to, .. } = action {
                let is_master = to == State::Master;
                if is_master {
                    self.tally.master_entries += 1;
                }
                if let Some(v) = self.routers[r].config(InstanceId(i)).map(|c| c.vrid) {
                    self.master[r][usize::from(v) - 1] = is_master;
                }
            }
        }
        while self.routers[r].poll_log().is_some() {}
        let next = self.routers[r].poll_timeout();
        if next != self.timeout[r] {
            self.timeout[r] = next;
            if let Some(at) = next {
                self.timers.push(Reverse((at, r)));
            }
        }
    }

    /// The earliest router timeout, dropping stale heap entries.
    fn next_timer(&mut self) -> Option<Instant> {
        while let Some(&Reverse((at, r))) = self.timers.peek() {
            if self.timeout[r] == Some(at) {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Runs until `end`, or until `stop` says so (checked once per virtual 10 ms).
    fn run_until(&mut self, end: Instant, mut stop: impl FnMut(&Fleet) -> bool) -> bool {
        let mut next_check = self.now;
        loop {
            if self.now >= next_check {
                if stop(self) {
                    return true;
                }
                next_check = self.now + Duration::from_millis(10);
            }
            let next_packet = self.in_flight.peek().map(|Reverse(p)| p.at);
            let next_timer = self.next_timer();
            let Some(next) = [next_packet, next_timer, Some(next_check)]
                .into_iter()
                .flatten()
                .min()
            else {
                return false;
            };
            if next > end {
                self.now = end;
                return stop(self);
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
                if self.segment[p.from] != self.segment[p.to] {
                    continue;
                }
                self.tally.deliveries += 1;
                let now = self.now;
                self.routers[p.to].handle_datagram(now, IFINDEX, RxNet::Ipv4, &p.bytes);
                self.drain(p.to);
            }
            while let Some(at) = self.next_timer().filter(|&at| at <= self.now) {
                let Some(Reverse((_, r))) = self.timers.pop() else {
                    break;
                };
                self.timeout[r] = None;
                let now = self.now;
                self.routers[r].handle_timeout(now);
                self.drain(r);
                debug_assert!(at <= now);
            }
        }
    }

    fn take_tally(&mut self) -> Tally {
        let t = std::mem::take(&mut self.tally);
        self.handled += t.deliveries;
        t
    }
}

fn per_s(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn main() {
    let o = match Options::parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fleet: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "fleet: {} routers x {} VRIDs (VRRP{:?}, advert {} ms, down timer {} adverts), loss {:.3}, \
         seed {}",
        o.routers, o.vrids, o.version, o.advert_ms, o.down_adverts, o.loss, o.seed
    );
    let wall = std::time::Instant::now();
    let mut f = Fleet::new(o.clone());
    for r in 0..o.routers {
        f.drain(r);
    }
    let t0 = f.now;
    let limit = Duration::from_secs(120);

    // 1. Start.
    let ok = f.run_until(t0 + limit, Fleet::converged);
    let start = f.now - t0;
    let t = f.take_tally();
    println!(
        "start:     {} after {:.3} s (virtual); {} adverts, {} MASTER entries",
        if ok { "converged" } else { "NOT converged" },
        start.as_secs_f64(),
        t.adverts,
        t.master_entries
    );
    let best_ok = (0..o.vrids).all(|v| f.master[o.best(v)][v]);
    if !best_ok {
        println!("start:     some VRID is held by a router other than its best");
    }

    // 2. Steady state with loss.
    f.loss = o.loss;
    let t1 = f.now;
    let steady = Duration::from_secs(o.steady);
    f.run_until(t1 + steady, |_| false);
    let t = f.take_tally();
    let vrid_hours = steady.as_secs_f64() * o.vrids as f64 / 3600.0;
    println!(
        "steady:    {:.0} adverts/s on the wire, {:.0} deliveries/s; {} false MASTER entries \
         in {} s ({:.2} per VRID-hour at loss {:.3}); converged at the end: {}",
        per_s(t.adverts, steady),
        per_s(t.deliveries, steady),
        t.master_entries,
        o.steady,
        t.master_entries as f64 / vrid_hours.max(1e-9),
        o.loss,
        f.converged()
    );
    // Let the spurious masters settle before the partition.
    f.loss = 0.0;
    let t2 = f.now;
    f.run_until(t2 + limit, Fleet::converged);

    // 3. Partition and heal.
    for r in 0..o.routers {
        f.segment[r] = u8::from(r >= o.routers / 2);
    }
    let t3 = f.now;
    let split = Duration::from_secs(o.split);
    f.take_tally();
    f.run_until(t3 + split, |_| false);
    let t = f.take_tally();
    let halves_converged = f.converged();
    println!(
        "partition: {} s split in two halves: {:.0} adverts/s, {} MASTER entries, each half \
         converged: {}",
        o.split,
        per_s(t.adverts, split),
        t.master_entries,
        halves_converged
    );
    f.segment.iter_mut().for_each(|s| *s = 0);
    let t4 = f.now;
    let ok = f.run_until(t4 + limit, Fleet::converged);
    let heal = f.now - t4;
    let t = f.take_tally();
    println!(
        "heal:      {} after {:.3} s (virtual); {} adverts meanwhile",
        if ok { "converged" } else { "NOT converged" },
        heal.as_secs_f64(),
        t.adverts
    );
    let virtual_total = f.now - t0;
    let wall = wall.elapsed();
    println!(
        "cost:      {:.1} s wall for {:.0} s virtual; {} datagrams handled, {:.0} per wall second \
         (one core, the whole fleet's receive side)",
        wall.as_secs_f64(),
        virtual_total.as_secs_f64(),
        f.handled,
        per_s(f.handled, wall)
    );
}
