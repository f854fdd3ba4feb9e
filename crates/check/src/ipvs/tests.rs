//! Attribute and message round trips; malformed replies never panic.

use std::net::SocketAddr;

use keepalived_conf::model::{LbKind, Protocol, SchedFlags, Scheduler, TunnelType};
use netlink_packet_core::{Emitable, NlaBuffer, NlasIterator, Parseable};
use proptest::prelude::*;

use super::convert::{dest_attrs, dest_entry, service_entry, AF_INET, AF_INET6};
use super::message::{IpvsCmd, IpvsMessage};
use super::nla::{CmdAttr, DaemonAttr, DestAttr, SvcAttr};
use super::{Destination, Service, ServiceKey};

fn svc(key: ServiceKey) -> Service {
    Service {
        key,
        scheduler: Scheduler::Sh,
        flags: SchedFlags {
            flag1: true,
            flag2: true,
            flag3: false,
        },
        persistence_timeout: Some(300),
        persistence_granularity: Some("255.255.255.0".parse().unwrap()),
        persistence_engine: None,
        ops: false,
    }
}

fn tcp(a: &str) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: a.parse().unwrap(),
    }
}

fn emit(attrs: &[CmdAttr]) -> Vec<u8> {
    let mut b = vec![0u8; attrs.buffer_len()];
    attrs.emit(&mut b);
    b
}

#[test]
fn a_service_round_trips_through_its_attributes() {
    let s = svc(tcp("10.0.0.1:80"));
    let bytes = emit(&[CmdAttr::Service(s.attrs())]);
    let back = IpvsMessage::parse_attrs(&bytes).unwrap();
    let [CmdAttr::Service(attrs)] = back.as_slice() else {
        panic!("{back:?}")
    };
    assert_eq!(attrs, &s.attrs());
    let e = service_entry(attrs).unwrap();
    assert_eq!(e.key, s.key);
    assert_eq!(e.scheduler, "sh");
    assert_eq!(e.flags, 0x1 | 0x8 | 0x10);
    assert_eq!(e.timeout, 300);
    assert_eq!(e.netmask.to_ne_bytes(), [255, 255, 255, 0]);
}

#[test]
fn the_wire_layout_is_the_kernels() {
    let bytes = emit(&[CmdAttr::Service(tcp("10.0.0.1:80").attrs())]);
    // nested SERVICE: len 4+8+8+20+8 = 48, type 1 | NLA_F_NESTED
    assert_eq!(&bytes[..4], &[48, 0, 1, 0x80]);
    // AF = 2 (u16), padded
    assert_eq!(&bytes[4..12], &[6, 0, 1, 0, 2, 0, 0, 0]);
    // PROTOCOL = 6
    assert_eq!(&bytes[12..20], &[6, 0, 2, 0, 6, 0, 0, 0]);
    // ADDR: 16 bytes
    assert_eq!(&bytes[20..28], &[20, 0, 3, 0, 10, 0, 0, 1]);
    // PORT 80, network order
    assert_eq!(&bytes[40..48], &[6, 0, 4, 0, 0, 80, 0, 0]);
}

#[test]
fn dr_and_tun_destinations_take_the_service_port() {
    let s = svc(tcp("10.0.0.1:80"));
    let d = |lb| Destination {
        addr: "10.0.0.5:8080".parse().unwrap(),
        weight: 3,
        lb_kind: lb,
        u_threshold: 0,
        l_threshold: 0,
    };
    let port = |lb| d(lb).wire_addr(&s).port();
    assert_eq!(port(LbKind::Nat), 8080);
    assert_eq!(port(LbKind::Dr), 80);
    assert_eq!(port(LbKind::Tun(TunnelType::Ipip)), 80);
    let fw = svc(ServiceKey::Fwmark {
        mark: 7,
        ipv6: false,
    });
    assert_eq!(d(LbKind::Dr).wire_addr(&fw).port(), 0);
    let attrs = dest_attrs(
        &s,
        &d(LbKind::Tun(TunnelType::Gue {
            port: 6080,
            csum: Default::default(),
        })),
    );
    assert!(attrs.contains(&DestAttr::TunType(1)));
    assert!(attrs.contains(&DestAttr::TunPort(6080)));
    let e = dest_entry(&attrs, AF_INET).unwrap();
    assert_eq!(e.addr, "10.0.0.5:80".parse::<SocketAddr>().unwrap());
    assert_eq!((e.fwd_method, e.weight), (2, 3));
}

#[test]
fn ipv6_persistence_granularity_is_a_prefix_length() {
    let mut s = svc(ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: "[fd00::1]:53".parse().unwrap(),
    });
    s.persistence_granularity = Some("ffff:ffff:ffff:ffff::".parse().unwrap());
    assert_eq!(s.key.af(), AF_INET6);
    assert_eq!(s.netmask(), 64);
    s.persistence_timeout = None;
    assert_eq!(s.netmask(), 128);
}

#[test]
fn a_message_round_trips() {
    let m = IpvsMessage::new(
        IpvsCmd::NewDaemon,
        vec![
            CmdAttr::Daemon(vec![
                DaemonAttr::State(1),
                DaemonAttr::McastIfn("eth0".into()),
                DaemonAttr::SyncId(9),
                DaemonAttr::McastTtl(2),
            ]),
            CmdAttr::TimeoutTcp(900),
        ],
    );
    let bytes = emit(&m.attrs);
    assert_eq!(IpvsMessage::parse_attrs(&bytes).unwrap(), m.attrs);
    assert_eq!(IpvsCmd::from(u8::from(IpvsCmd::Flush)), IpvsCmd::Flush);
    assert_eq!(IpvsCmd::from(99), IpvsCmd::Other(99));
}

#[test]
fn wrong_lengths_are_errors() {
    // PORT with 3 bytes inside a SERVICE
    let bad = [12u8, 0, 1, 0x80, 7, 0, 4, 0, 0, 80, 1, 0];
    assert!(IpvsMessage::parse_attrs(&bad).is_err());
    // an attribute longer than the buffer
    let bad = [40u8, 0, 1, 0, 0, 0];
    assert!(IpvsMessage::parse_attrs(&bad).is_err());
}

fn any_svc_attr() -> impl Strategy<Value = SvcAttr> {
    prop_oneof![
        any::<u16>().prop_map(SvcAttr::Af),
        any::<u16>().prop_map(SvcAttr::Protocol),
        any::<[u8; 16]>().prop_map(SvcAttr::Addr),
        any::<u16>().prop_map(SvcAttr::Port),
        any::<u32>().prop_map(SvcAttr::Fwmark),
        "[a-z]{0,15}".prop_map(SvcAttr::SchedName),
        (any::<u32>(), any::<u32>()).prop_map(|(flags, mask)| SvcAttr::Flags { flags, mask }),
        any::<u32>().prop_map(SvcAttr::Timeout),
        any::<u32>().prop_map(SvcAttr::Netmask),
        "[a-z]{0,15}".prop_map(SvcAttr::PeName),
    ]
}

fn any_dest_attr() -> impl Strategy<Value = DestAttr> {
    prop_oneof![
        any::<[u8; 16]>().prop_map(DestAttr::Addr),
        any::<u16>().prop_map(DestAttr::Port),
        any::<u32>().prop_map(DestAttr::FwdMethod),
        any::<u32>().prop_map(DestAttr::Weight),
        any::<u32>().prop_map(DestAttr::UThresh),
        any::<u32>().prop_map(DestAttr::LThresh),
        any::<u16>().prop_map(DestAttr::AddrFamily),
        any::<u8>().prop_map(DestAttr::TunType),
        any::<u16>().prop_map(DestAttr::TunPort),
        any::<u16>().prop_map(DestAttr::TunFlags),
    ]
}

proptest! {
    #[test]
    fn typed_attributes_round_trip(
        s in proptest::collection::vec(any_svc_attr(), 0..12),
        d in proptest::collection::vec(any_dest_attr(), 0..12),
    ) {
        let attrs = vec![CmdAttr::Service(s), CmdAttr::Dest(d)];
        let bytes = emit(&attrs);
        prop_assert_eq!(IpvsMessage::parse_attrs(&bytes).unwrap(), attrs);
    }

    #[test]
    fn arbitrary_attribute_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        if let Ok(attrs) = IpvsMessage::parse_attrs(&bytes) {
            for a in &attrs {
                match a {
                    CmdAttr::Service(s) => { let _ = service_entry(s); }
                    CmdAttr::Dest(d) => { let _ = dest_entry(d, AF_INET); }
                    _ => {}
                }
            }
        }
        for nla in NlasIterator::new(&bytes[..]).flatten() {
            let n: NlaBuffer<&[u8]> = nla;
            let _ = SvcAttr::parse(&n);
            let _ = DestAttr::parse(&n);
            let _ = DaemonAttr::parse(&n);
        }
    }

    #[test]
    fn mutated_valid_messages_never_panic(
        s in proptest::collection::vec(any_svc_attr(), 1..8),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = emit(&[CmdAttr::Service(s)]);
        for (at, v) in flips {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        let cut = cut % (bytes.len() + 1);
        let _ = IpvsMessage::parse_attrs(&bytes[..cut]);
    }

    #[test]
    fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = super::netlink::parse_reply_for_tests(&bytes);
    }

    #[test]
    fn framed_garbage_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        ty in prop_oneof![Just(2u16), Just(3u16), 16u16..40],
    ) {
        // a netlink header with the right length around arbitrary generic-netlink bytes
        let len = (16 + body.len()) as u32;
        let mut d = Vec::new();
        d.extend_from_slice(&len.to_ne_bytes());
        d.extend_from_slice(&ty.to_ne_bytes());
        d.extend_from_slice(&0u16.to_ne_bytes());
        d.extend_from_slice(&1u32.to_ne_bytes());
        d.extend_from_slice(&0u32.to_ne_bytes());
        d.extend_from_slice(&body);
        let _ = super::netlink::parse_reply_for_tests(&d);
    }
}
