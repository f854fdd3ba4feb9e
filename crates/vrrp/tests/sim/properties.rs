//! Property tests: whatever the priorities, addresses and loss, a quiet LAN ends with exactly
//! one master, the router with the highest (priority, address).

use std::collections::BTreeSet;
use std::time::Duration;

use keepalived_vrrp::machine::{master_down_interval, State, Version};
use proptest::prelude::*;

use crate::sim::lan::{config, Lan};

fn quiet_time(max_interval: Duration) -> Duration {
    master_down_interval(Version::V3, 1, max_interval, 3) * 4
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn quiet_lan_elects_exactly_the_best_router(
        priorities in prop::collection::btree_set(1u8..=254, 2..8),
        addr_seed in prop::collection::btree_set(1u8..=254, 8),
        seed in any::<u64>(),
        loss in 0.0f64..0.5,
        v2 in any::<bool>(),
        intervals_cs in prop::collection::vec(20u64..300, 8),
    ) {
        let mut lan = Lan::new(seed);
        lan.loss = loss;
        lan.max_delay = Duration::from_millis(30);
        let addrs: Vec<u8> = addr_seed.into_iter().collect();
        // Priorities are distinct: with equal priorities keepalived (like the RFC) never lets
        // a backup preempt an equal-priority master, so only simultaneous masters compare
        // addresses (tested in tie_broken_by_higher_primary_address).
        let mut shuffled: Vec<u8> = priorities.into_iter().collect();
        let shift = (seed % shuffled.len() as u64) as usize;
        shuffled.rotate_left(shift);
        let mut max_interval = Duration::ZERO;
        for (i, prio) in shuffled.iter().enumerate() {
            let mut cfg = config(addrs[i], *prio);
            if v2 {
                cfg.version = Version::V2;
            } else {
                cfg.advert_interval = Duration::from_millis(intervals_cs[i] * 10);
            }
            max_interval = max_interval.max(cfg.advert_interval);
            lan.add(cfg);
        }
        lan.run_for(Duration::from_secs(20));
        lan.loss = 0.0;
        lan.run_for(quiet_time(max_interval));
        let best = (0..shuffled.len()).max_by_key(|&i| (shuffled[i], addrs[i])).unwrap();
        prop_assert_eq!(lan.masters(), vec![best]);
        for i in 0..shuffled.len() {
            let node = &lan.nodes[i];
            prop_assert_eq!(node.has_vips, i == best);
            if i != best {
                prop_assert_eq!(lan.state(i), State::Backup);
            }
        }
    }
}

#[test]
fn hundreds_of_routers_elect_one_master() {
    let mut lan = Lan::new(42);
    lan.max_delay = Duration::from_millis(5);
    let mut seen = BTreeSet::new();
    for i in 0..300u32 {
        let last = (i % 250 + 1) as u8;
        let third = (i / 250) as u8;
        let mut cfg = config(last, (i * 7 % 254 + 1) as u8);
        cfg.primary_address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, third, last));
        assert!(seen.insert(cfg.primary_address));
        lan.add(cfg);
    }
    lan.run_for(Duration::from_secs(30));
    let best = (0..lan.nodes.len())
        .max_by_key(|&i| {
            let m = lan.nodes[i].machine();
            (m.effective_priority(), m.config().primary_address)
        })
        .unwrap();
    assert_eq!(lan.masters(), vec![best]);
    // Kill it: the next best takes over.
    lan.crash(best);
    lan.run_for(Duration::from_secs(10));
    let next = (0..lan.nodes.len())
        .filter(|&i| i != best)
        .max_by_key(|&i| {
            let m = lan.nodes[i].machine();
            (m.effective_priority(), m.config().primary_address)
        })
        .unwrap();
    assert_eq!(lan.masters(), vec![next]);
}
