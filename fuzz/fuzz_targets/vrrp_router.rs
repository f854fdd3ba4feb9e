//! Scenario fuzzing of the sans-IO Router: the input chooses N routers' configurations
//! (priority, version, interval, authentication) and a timeline of events (datagrams lost,
//! duplicated, corrupted or replaced by arbitrary bytes, links cut, tracking faults, stops).
//! Whatever happens, nothing panics, and once the LAN is left alone for a few
//! Master_Down_Intervals exactly one router is MASTER: the one with the highest priority
//! (without AH: see the end).
#![no_main]

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{master_down_interval, Event, InstanceConfig, State, Version};
use keepalived_vrrp::router::{RouterInstance, RxNet, MAX_ADVERT_LEN};
use keepalived_vrrp::wire::{Addresses, Auth};
use keepalived_vrrp::{InstanceId, Router};
use libfuzzer_sys::fuzz_target;

const ID: InstanceId = InstanceId(0);

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
}

struct Node {
    router: Router,
    up: bool,
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let n = 2 + usize::from(input.byte() % 4);
    let v2 = input.byte() & 1 == 1;
    let auth = match input.byte() % 3 {
        0 => Auth::None,
        1 => Auth::Pass(*b"pass\0\0\0\0"),
        _ => Auth::Ah,
    };
    let auth = if v2 { auth } else { Auth::None };
    let t0 = Instant::now();
    let mut now = t0;
    let mut nodes = Vec::new();
    let mut prios = Vec::new();
    for i in 0..n {
        let prio = 1 + input.byte() % 254;
        prios.push((prio, i));
        let src = IpAddr::V4(Ipv4Addr::new(10, 0, 0, i as u8 + 1));
        let version = if v2 { Version::V2 } else { Version::V3 };
        let mut m = InstanceConfig::new("VI", version, src, prio);
        if !v2 {
            m.advert_interval = Duration::from_millis(100 * u64::from(1 + input.byte() % 20));
        }
        let vips = Addresses::V4(keepalived_vrrp::addr_list![Ipv4Addr::new(10, 0, 0, 100)]);
        let mut cfg = RouterInstance::new(m, 1, 7, vips);
        cfg.auth = auth;
        cfg.ah_key = *b"key\0\0\0\0\0";
        let mut router = Router::default();
        router.add(cfg, now);
        nodes.push(Node { router, up: true });
    }
    let mut wire: VecDeque<(usize, Vec<u8>)> = VecDeque::new();
    let mut buf = [0u8; MAX_ADVERT_LEN];
    let mut step = |nodes: &mut Vec<Node>, now: Instant, wire: &mut VecDeque<(usize, Vec<u8>)>| {
        for (i, node) in nodes.iter_mut().enumerate() {
            node.router.handle_timeout(now);
            while let Some(tx) = node.router.poll_transmit(&mut buf) {
                if node.up {
                    wire.push_back((i, buf[..tx.len].to_vec()));
                }
            }
            while node.router.poll_action().is_some() {}
            while node.router.poll_log().is_some() {}
        }
    };
    // The fuzzed timeline: each step moves time and does one thing.
    while !input.0.is_empty() {
        now += Duration::from_millis(u64::from(input.byte()) * 10);
        step(&mut nodes, now, &mut wire);
        let op = input.byte();
        let who = usize::from(input.byte()) % n;
        match op % 8 {
            0 => {
                wire.pop_front();
            }
            1 => {
                if let Some(p) = wire.front().cloned() {
                    wire.push_back(p);
                }
            }
            2 => {
                if let Some((_, p)) = wire.front_mut() {
                    let i = usize::from(input.byte()) % p.len().max(1);
                    if let Some(b) = p.get_mut(i) {
                        *b ^= input.byte() | 1;
                    }
                }
            }
            3 => {
                let len = usize::from(input.byte()) % 64;
                let junk: Vec<u8> = (0..len).map(|_| input.byte()).collect();
                wire.push_back((n, junk));
            }
            4 => nodes[who].up = !nodes[who].up,
            5 => {
                let ev = if nodes[who].up { Event::InterfaceUp } else { Event::InterfaceDown };
                nodes[who].router.handle_event(now, ID, ev);
            }
            _ => {}
        }
        while let Some((from, p)) = wire.pop_front() {
            for (i, node) in nodes.iter_mut().enumerate() {
                if i != from && node.up {
                    node.router.handle_datagram(now, 1, RxNet::Ipv4, &p);
                }
            }
        }
    }
    // Quiet LAN: every link up and reported up, no faults injected.
    for node in &mut nodes {
        node.up = true;
        node.router.handle_event(now, ID, Event::InterfaceUp);
    }
    let quiet = now + master_down_interval(Version::V3, 1, Duration::from_secs(2), 3) * 4;
    while now < quiet {
        now += Duration::from_millis(10);
        step(&mut nodes, now, &mut wire);
        while let Some((from, p)) = wire.pop_front() {
            for (i, node) in nodes.iter_mut().enumerate() {
                if i != from {
                    node.router.handle_datagram(now, 1, RxNet::Ipv4, &p);
                }
            }
        }
    }
    // AH: keepalived's one sequence counter for both directions makes masters that started
    // together reject each other's adverts as replays (auth_failure) forever; it is what
    // keepalived does, so only "no panic" is checked there.
    if auth == Auth::Ah {
        return;
    }
    let masters: Vec<usize> = (0..n)
        .filter(|&i| nodes[i].router.machine(ID).map(|m| m.state()) == Some(State::Master))
        .collect();
    // Equal priorities never preempt an equal master: only the best priority is required.
    let best = prios.iter().max().map(|p| p.0);
    assert_eq!(masters.len(), 1, "masters {masters:?} prios {prios:?}");
    assert_eq!(Some(prios[masters[0]].0), best, "prios {prios:?}");
});
