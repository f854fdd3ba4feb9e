//! keepalived's counters on the simulated LAN: each malformed kind counted where keepalived
//! counts it (on the instance, even for faults found before any configuration check), and
//! under random loss, duplication, reordering and corruption, `advert_rcvd` equals the intact
//! copies delivered and no corrupted copy is ever accepted.

use std::net::Ipv4Addr;
use std::time::Duration;

use keepalived_vrrp::machine::{master_down_interval, State, Version};
use keepalived_vrrp::router::{Dropped, RouterInstance};
use keepalived_vrrp::wire::{
    emit_ipv4, ipv4, Addresses, AhEmit, Auth, Centiseconds, Counter, DecodeError, Ipv4Emit, Repr,
};
use proptest::prelude::*;

use crate::sim::lan::{addr, config, instance, vip, Lan, VRID};

const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 9);

fn v3(priority: u8) -> Repr {
    Repr {
        vrid: VRID,
        priority,
        version: keepalived_vrrp::wire::Version::V3 {
            advert_int: Centiseconds::new(100).unwrap(),
        },
        addresses: Addresses::V4(keepalived_vrrp::addr_list![vip()]),
    }
}

fn packet(repr: &Repr) -> Vec<u8> {
    let dst = keepalived_vrrp::wire::MCAST_GROUP4;
    emit_ipv4(repr, &Ipv4Emit::new(SRC, dst, 1)).unwrap()
}

/// Rewrites the IPv4 header checksum after a change (the kernel would drop it otherwise).
fn fix_ip(mut p: Vec<u8>) -> Vec<u8> {
    ipv4::Packet::new_unchecked(&mut p[..]).fill_checksum();
    p
}

/// A LAN with one BACKUP router (priority 200, alone so it would become MASTER later).
fn backup_lan() -> (Lan, usize) {
    let mut lan = Lan::new(1);
    let a = lan.add(config(1, 200));
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.state(a), State::Backup);
    (lan, a)
}

#[test]
fn each_malformed_kind_is_counted_on_the_instance() {
    let good = packet(&v3(100));
    let vrrp = ipv4::HEADER_LEN;
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut p = good.clone();
        f(&mut p);
        fix_ip(p)
    };
    let cases: Vec<(&str, Vec<u8>, Option<Counter>)> = vec![
        // Checked before the VRID lookup by decode_ipv4 (and so uncounted before the router).
        (
            "bad checksum",
            with(&|p| p[vrrp + 6] ^= 0x5a),
            Some(Counter::ChkErr),
        ),
        (
            "version 4",
            with(&|p| p[vrrp] = 0x41),
            Some(Counter::VersErr),
        ),
        (
            "type 2",
            with(&|p| p[vrrp] = 0x32),
            Some(Counter::InvalidTypeRcvd),
        ),
        (
            "extra byte",
            with(&|p| p.push(0)),
            Some(Counter::PacketLenErr),
        ),
        (
            "count lies",
            with(&|p| p[vrrp + 3] = 9),
            Some(Counter::PacketLenErr),
        ),
        ("ttl 64", with(&|p| p[8] = 64), Some(Counter::IpTtlErr)),
        (
            "total length",
            {
                let mut p = good.clone();
                p[3] += 4;
                fix_ip(p)
            },
            Some(Counter::PacketLenErr),
        ),
        (
            "AH protocol, AH header there",
            {
                let mut p = good.clone();
                p.splice(vrrp..vrrp, [0u8; 24]);
                p[9] = 51;
                p[3] += 24;
                fix_ip(p)
            },
            Some(Counter::AuthtypeMismatch),
        ),
        // Uncounted: too short for the VRRP header (with AH: for the AH header too), unknown
        // VRID.
        ("AH protocol, too short", with(&|p| p[9] = 51), None),
        ("truncated", fix_ip(good[..vrrp + 4].to_vec()), None),
        ("unknown vrid", with(&|p| p[vrrp + 1] = 7), None),
    ];
    for (name, bytes, counter) in cases {
        let (mut lan, a) = backup_lan();
        for _ in 0..5 {
            lan.inject(a, &bytes);
        }
        let stats = lan.nodes[a].stats();
        for (c, n) in stats.iter() {
            let want = if Some(c) == counter { 5 } else { 0 };
            assert_eq!(n, want, "{name}: {c:?}");
        }
        // One log line for the five (rate-limited).
        let logs = &lan.nodes[a].drop_logs;
        assert!(logs.len() <= 1, "{name}: {logs:?}");
        assert_eq!(lan.state(a), State::Backup, "{name}");
    }
}

#[test]
fn address_list_faults_after_the_cast_check_count_as_received() {
    let (mut lan, a) = backup_lan();
    let mut other = v3(100);
    other.addresses = Addresses::V4(keepalived_vrrp::addr_list![Ipv4Addr::new(10, 9, 9, 9)]);
    lan.inject(a, &packet(&other));
    let s = lan.nodes[a].stats();
    assert_eq!(s[Counter::AddrListErr], 1);
    assert_eq!(s[Counter::AdvertRcvd], 1);
    // A valid priority-0 advert is counted twice (received and pri_zero_rcvd).
    lan.inject(a, &packet(&v3(0)));
    let s = lan.nodes[a].stats();
    assert_eq!(s[Counter::AdvertRcvd], 2);
    assert_eq!(s[Counter::PriZeroRcvd], 1);
}

#[test]
fn flood_of_logs_is_rate_limited_with_suppressed_count() {
    let (mut lan, a) = backup_lan();
    let mut bad = packet(&v3(100));
    bad[ipv4::HEADER_LEN + 6] ^= 1;
    for _ in 0..1000 {
        lan.inject(a, &bad);
    }
    assert_eq!(lan.nodes[a].stats()[Counter::ChkErr], 1000);
    assert_eq!(lan.nodes[a].drop_logs.len(), 1);
    lan.run_for(Duration::from_secs(61));
    // Alone on the LAN it became MASTER meanwhile: the state change re-arms the log.
    lan.inject(a, &bad);
    let logs = &lan.nodes[a].drop_logs;
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[1].suppressed, 999);
    assert!(matches!(
        logs[1].error,
        Dropped::Received(DecodeError::Checksum { .. })
    ));
}

fn ah(last: u8, priority: u8) -> RouterInstance {
    let mut m = config(last, priority);
    m.version = Version::V2;
    let mut i = instance(m);
    i.auth = Auth::Ah;
    i.ah_key = *b"secret\0\0";
    i
}

#[test]
fn ah_duplicates_are_replays() {
    let mut lan = Lan::new(3);
    lan.duplicate = 1.0;
    let a = lan.add_instance(ah(1, 200));
    let b = lan.add_instance(ah(2, 100));
    lan.run_for(Duration::from_secs(20));
    assert_eq!(lan.masters(), vec![a]);
    let s = lan.nodes[b].stats();
    // Every advert arrives twice: the second copy repeats the sequence number.
    assert!(s[Counter::AdvertRcvd] > 10);
    assert_eq!(s[Counter::AuthFailure], s[Counter::AdvertRcvd]);
    // An AH advert built by hand with the next sequence number is accepted.
    let mut repr = v3(250);
    repr.version = keepalived_vrrp::wire::Version::V2 {
        advert_int: 1,
        auth: Auth::Ah,
    };
    let mut e = Ipv4Emit::new(SRC, keepalived_vrrp::wire::MCAST_GROUP4, 9);
    e.ah = Some(AhEmit {
        key: *b"secret\0\0",
        seq_number: u32::MAX,
        unicast: false,
    });
    let before = lan.nodes[b].stats()[Counter::AdvertRcvd];
    lan.inject(b, &emit_ipv4(&repr, &e).unwrap());
    assert_eq!(lan.nodes[b].stats()[Counter::AdvertRcvd], before + 1);
    lan.inject(b, &emit_ipv4(&repr, &e).unwrap());
    assert_eq!(
        lan.nodes[b].stats()[Counter::AuthFailure],
        s[Counter::AuthFailure] + 1
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn hostile_lan_counts_what_it_delivers_and_elects_the_best(
        priorities in prop::collection::btree_set(1u8..=254, 2..6),
        seed in any::<u64>(),
        loss in 0.0f64..0.3,
        duplicate in 0.0f64..0.3,
        reorder in 0.0f64..0.3,
        corrupt in 0.0f64..0.3,
        v2 in any::<bool>(),
    ) {
        let mut lan = Lan::new(seed);
        lan.loss = loss;
        lan.duplicate = duplicate;
        lan.reorder = reorder;
        lan.corrupt = corrupt;
        lan.max_delay = Duration::from_millis(20);
        let prios: Vec<u8> = priorities.into_iter().collect();
        for (i, p) in prios.iter().enumerate() {
            let mut cfg = config(i as u8 + 1, *p);
            if v2 {
                cfg.version = Version::V2;
            }
            lan.add(cfg);
        }
        lan.run_for(Duration::from_secs(20));
        lan.loss = 0.0;
        lan.duplicate = 0.0;
        lan.reorder = 0.0;
        lan.corrupt = 0.0;
        let quiet = master_down_interval(Version::V3, 1, Duration::from_secs(1), 3) * 3;
        lan.run_for(quiet);
        let best = (0..prios.len()).max_by_key(|&i| prios[i]).unwrap();
        prop_assert_eq!(lan.masters(), vec![best]);
        for (i, node) in lan.nodes.iter().enumerate() {
            let s = node.stats();
            // No corrupted copy is accepted; every intact one is counted.
            prop_assert_eq!(s[Counter::AdvertRcvd], node.clean_rcvd, "router {}", i);
            let errors: u64 = s
                .iter()
                .filter(|(c, _)| !matches!(c, Counter::AdvertRcvd | Counter::AdvertSent
                    | Counter::BecomeMaster | Counter::ReleaseMaster
                    | Counter::PriZeroRcvd | Counter::PriZeroSent))
                .map(|(_, n)| n)
                .sum();
            prop_assert!(errors <= node.corrupt_rcvd, "router {}: {} > {}", i, errors, node.corrupt_rcvd);
            prop_assert_eq!(s[Counter::BecomeMaster], s[Counter::ReleaseMaster] + u64::from(i == best));
        }
        let _ = addr(1);
    }
}
