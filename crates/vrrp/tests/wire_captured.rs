//! Real adverts from keepalived 2.2.7, decoded, validated and re-emitted byte for byte.
//!
//! How the bytes were captured (2026-11-25): two network namespaces `kr-wire-a` and `kr-wire-b`
//! joined by a veth pair (10.99.0.1/24 on kr-wire-a0, 10.99.0.2/24 on kr-wire-b0, IPv6 DAD off).
//! `/usr/sbin/keepalived -n -l -D -P -f keepalived.conf -p/-r/-c <tmp pid files>` ran in
//! kr-wire-a with nine MASTER instances on kr-wire-a0 (vrid 10: v2 none 10.99.1.10+11 prio 150;
//! 11: v3 advert_int 0.5 prio 120; 12: v2 PASS "secret" advert_int 2; 13: v2 AH "ahsecret";
//! 14: v3 unicast to 10.99.0.2; 15: v2 unicast; 16: v3 IPv6 fe80::1:16 + 2001:db8:99::16;
//! 17: v3 unicast with old_unicast_checksum; 18: v2 AH "pw18" unicast), and
//! `tcpdump -i kr-wire-b0 -U -w capture.pcap 'ip proto 112 or ip proto 51 or ip6 proto 112'`
//! ran in kr-wire-b. Stopping keepalived with SIGTERM produced the priority-0 adverts. The
//! Ethernet header was stripped; for IPv6 the 40-byte IPv6 header too, since an IPv6 raw
//! socket delivers only the payload (src fe80::5419:95ff:feb9:9bc8, dst ff02::12, hlim 255).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepalived_vrrp::wire::{
    decode_ipv4, decode_ipv6, emit_ipv4, emit_ipv6, Addresses, AhCounter, AhEmit, Auth,
    Centiseconds, Counter, DecodeError, DecodeOptions, InstanceExpectation, Ipv4Emit, Repr,
    UnicastPeer, V3Checksum, Version, MCAST_GROUP4,
};

static V2_NONE: [u8; 44] = [
    0x45, 0xc0, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x2a, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x21, 0x0a, 0x96, 0x02, 0x00, 0x01, 0x32, 0x17, 0x0a, 0x63, 0x01, 0x0a,
    0x0a, 0x63, 0x01, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
static V2_NONE_PRIO0: [u8; 44] = [
    0x45, 0xc0, 0x00, 0x2c, 0x00, 0x0a, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x21, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x21, 0x0a, 0x00, 0x02, 0x00, 0x01, 0xc8, 0x17, 0x0a, 0x63, 0x01, 0x0a,
    0x0a, 0x63, 0x01, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
static V3_HALF: [u8; 32] = [
    0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x36, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x31, 0x0b, 0x78, 0x01, 0x00, 0x32, 0x60, 0x57, 0x0a, 0x63, 0x01, 0x14,
];
static V2_PASS: [u8; 40] = [
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x2e, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x21, 0x0c, 0x64, 0x01, 0x01, 0x02, 0x32, 0x23, 0x0a, 0x63, 0x01, 0x1e,
    0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00,
];
static V2_AH_SEQ1: [u8; 68] = [
    0x45, 0xc0, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0xd0, 0x4f, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0xe2, 0xce, 0x87, 0x74, 0xf0, 0x2c, 0xa6, 0xd8, 0x1f, 0xd3, 0xc6, 0x6c, 0x21, 0x0d, 0x65, 0x02,
    0x02, 0x01, 0x60, 0xd8, 0x0a, 0x63, 0x01, 0x28, 0x0a, 0x63, 0x01, 0x29, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
];
static V2_AH_SEQ2: [u8; 68] = [
    0x45, 0xc0, 0x00, 0x44, 0x00, 0x02, 0x00, 0x00, 0xff, 0x33, 0xd0, 0x4e, 0x0a, 0x63, 0x00, 0x01,
    0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0x69, 0xd4, 0xb2, 0xc1, 0x43, 0x37, 0x91, 0xc0, 0x98, 0xcc, 0x2a, 0x03, 0x21, 0x0d, 0x65, 0x02,
    0x02, 0x01, 0x60, 0xd8, 0x0a, 0x63, 0x01, 0x28, 0x0a, 0x63, 0x01, 0x29, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
];
static V3_UNICAST: [u8; 32] = [
    0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xa5, 0xe4, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0x31, 0x0e, 0xc8, 0x01, 0x00, 0x64, 0xe5, 0xb1, 0x0a, 0x63, 0x01, 0x32,
];
static V2_UNICAST: [u8; 40] = [
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xa5, 0xdc, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0x21, 0x0f, 0xc8, 0x01, 0x00, 0x01, 0x0b, 0x4f, 0x0a, 0x63, 0x01, 0x3c,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
static V3_UNICAST_OLD_CHECKSUM: [u8; 32] = [
    0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xa5, 0xe4, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0x31, 0x11, 0x5a, 0x01, 0x00, 0x64, 0x7d, 0xed, 0x0a, 0x63, 0x01, 0x46,
];
static V2_AH_UNICAST: [u8; 64] = [
    0x45, 0xc0, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0xa6, 0x01, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0xf8, 0x54, 0x36, 0x00, 0x9b, 0xfd, 0x36, 0xa0, 0x44, 0x3f, 0xd3, 0x30, 0x21, 0x12, 0xb4, 0x01,
    0x02, 0x01, 0x1d, 0x38, 0x0a, 0x63, 0x01, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
static V3_V6: [u8; 40] = [
    0x31, 0x10, 0x6e, 0x02, 0x00, 0x64, 0xb0, 0xbf, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x16, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
];
static V3_V6_PRIO0: [u8; 40] = [
    0x31, 0x10, 0x00, 0x02, 0x00, 0x64, 0x1e, 0xc0, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x16, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
];

const SRC: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 2);

fn v6_src() -> Ipv6Addr {
    "fe80::5419:95ff:feb9:9bc8".parse().unwrap()
}

fn v4(addrs: &[[u8; 4]]) -> Addresses {
    Addresses::V4(addrs.iter().map(|&a| Ipv4Addr::from(a)).collect())
}

fn ips(a: &Addresses) -> Vec<IpAddr> {
    a.to_ip_addrs()
}

fn expectation<'a>(
    repr: &Repr,
    vips: &'a [IpAddr],
    peers: &'a [UnicastPeer],
) -> InstanceExpectation<'a> {
    let (auth, advert_int) = match repr.version {
        Version::V2 { advert_int, auth } => (auth, Duration::from_secs(advert_int.into())),
        Version::V3 { advert_int } => (Auth::None, advert_int.as_duration()),
    };
    InstanceExpectation {
        vrid: repr.vrid,
        version: repr.version.protocol(),
        auth,
        ah_key: [0; 8],
        advert_int,
        vips,
        check_vip_addr: true,
        unicast_peers: peers,
        check_unicast_src: true,
    }
}

fn peer() -> [UnicastPeer; 1] {
    [UnicastPeer {
        addr: IpAddr::V4(SRC),
        min_ttl: 0,
        max_ttl: 255,
    }]
}

/// Decodes, validates against a matching configuration, re-emits and compares bytes.
fn round_trip(bytes: &[u8], emit: Ipv4Emit, peers: &[UnicastPeer], ah_key: [u8; 8]) -> Repr {
    let opts = DecodeOptions {
        v3_checksum: emit.v3_checksum,
        ..DecodeOptions::default()
    };
    let advert = decode_ipv4(bytes, &opts).expect("keepalived's advert decodes");
    let vips = ips(&advert.repr.addresses);
    let mut exp = expectation(&advert.repr, &vips, peers);
    exp.ah_key = ah_key;
    advert
        .validate(&exp, &mut AhCounter::default())
        .expect("keepalived's advert validates");
    let again = emit_ipv4(&advert.repr, &emit).unwrap();
    assert_eq!(again, bytes, "re-emitted bytes differ from keepalived's");
    advert.repr
}

#[test]
fn v2_multicast_advert_decodes_and_reemits() {
    let repr = round_trip(&V2_NONE, Ipv4Emit::new(SRC, MCAST_GROUP4, 1), &[], [0; 8]);
    assert_eq!(
        repr,
        Repr {
            vrid: 10,
            priority: 150,
            version: Version::V2 {
                advert_int: 1,
                auth: Auth::None
            },
            addresses: v4(&[[10, 99, 1, 10], [10, 99, 1, 11]]),
        }
    );
}

#[test]
fn priority_zero_advert_on_shutdown_is_valid() {
    let repr = round_trip(
        &V2_NONE_PRIO0,
        Ipv4Emit::new(SRC, MCAST_GROUP4, 10),
        &[],
        [0; 8],
    );
    assert_eq!(repr.priority, 0);
}

#[test]
fn v3_advert_int_half_second_is_50_centiseconds() {
    let repr = round_trip(&V3_HALF, Ipv4Emit::new(SRC, MCAST_GROUP4, 1), &[], [0; 8]);
    assert_eq!(
        repr.version,
        Version::V3 {
            advert_int: Centiseconds::new(50).unwrap()
        }
    );
    assert_eq!(repr.advert_interval(), Duration::from_millis(500));
}

#[test]
fn v2_pass_carries_zero_padded_password() {
    let repr = round_trip(&V2_PASS, Ipv4Emit::new(SRC, MCAST_GROUP4, 1), &[], [0; 8]);
    assert_eq!(
        repr.version,
        Version::V2 {
            advert_int: 2,
            auth: Auth::Pass(*b"secret\0\0")
        }
    );
}

#[test]
fn v2_pass_wrong_password_is_auth_failure() {
    let advert = decode_ipv4(&V2_PASS, &DecodeOptions::default()).unwrap();
    let vips = ips(&advert.repr.addresses);
    let mut exp = expectation(&advert.repr, &vips, &[]);
    exp.auth = Auth::Pass(*b"secreT\0\0");
    let err = advert
        .validate(&exp, &mut AhCounter::default())
        .unwrap_err();
    assert_eq!(err, DecodeError::PasswordMismatch);
    assert_eq!(err.counter_name(), Some("auth_failure"));
    exp.auth = Auth::None;
    let err = advert
        .validate(&exp, &mut AhCounter::default())
        .unwrap_err();
    assert_eq!(err.counter(), Some(Counter::AuthtypeMismatch));
}

fn ah_emit(seq_number: u32, key: [u8; 8], unicast: bool) -> Option<AhEmit> {
    Some(AhEmit {
        key,
        seq_number,
        unicast,
    })
}

#[test]
fn v2_ah_icv_and_sequence_match_keepalived() {
    let mut e = Ipv4Emit::new(SRC, MCAST_GROUP4, 1);
    e.ah = ah_emit(1, *b"ahsecret", false);
    let repr = round_trip(&V2_AH_SEQ1, e, &[], *b"ahsecret");
    assert_eq!(
        repr.version,
        Version::V2 {
            advert_int: 1,
            auth: Auth::Ah
        }
    );
    let mut e = Ipv4Emit::new(SRC, MCAST_GROUP4, 2);
    e.ah = ah_emit(2, *b"ahsecret", false);
    round_trip(&V2_AH_SEQ2, e, &[], *b"ahsecret");
}

#[test]
fn v2_ah_replayed_sequence_number_is_auth_failure() {
    let opts = DecodeOptions::default();
    let first = decode_ipv4(&V2_AH_SEQ1, &opts).unwrap();
    let second = decode_ipv4(&V2_AH_SEQ2, &opts).unwrap();
    let vips = ips(&first.repr.addresses);
    let mut exp = expectation(&first.repr, &vips, &[]);
    exp.ah_key = *b"ahsecret";
    let mut counter = AhCounter::default();
    assert_eq!(second.validate(&exp, &mut counter), Ok(()));
    assert_eq!(counter.seq_number, 2);
    let err = first.validate(&exp, &mut counter).unwrap_err();
    assert_eq!(
        err,
        DecodeError::AhReplay {
            received: 1,
            last: 2
        }
    );
    assert_eq!(err.counter(), Some(Counter::AuthFailure));
}

#[test]
fn v2_ah_wrong_key_is_auth_failure() {
    let advert = decode_ipv4(&V2_AH_SEQ1, &DecodeOptions::default()).unwrap();
    let vips = ips(&advert.repr.addresses);
    let mut exp = expectation(&advert.repr, &vips, &[]);
    exp.ah_key = *b"ahsecreT";
    assert_eq!(
        advert.validate(&exp, &mut AhCounter::default()),
        Err(DecodeError::AhIcvMismatch)
    );
}

#[test]
fn ah_header_for_instance_without_ah_is_authtype_mismatch() {
    let advert = decode_ipv4(&V2_AH_SEQ1, &DecodeOptions::default()).unwrap();
    let vips = ips(&advert.repr.addresses);
    let mut exp = expectation(&advert.repr, &vips, &[]);
    exp.auth = Auth::None;
    let err = advert
        .validate(&exp, &mut AhCounter::default())
        .unwrap_err();
    assert_eq!(err, DecodeError::AhPresence { ah_present: true });
    assert_eq!(err.counter_name(), Some("authtype_mismatch"));
}

#[test]
fn v2_ah_unicast_zeroes_ttl_in_icv() {
    let mut e = Ipv4Emit::new(SRC, PEER, 1);
    e.ah = ah_emit(1, *b"pw18\0\0\0\0", true);
    round_trip(&V2_AH_UNICAST, e, &peer(), *b"pw18\0\0\0\0");
    // Without unicast peers keepalived keeps the TTL in the ICV, so the same packet fails
    // (before that, the multicast/unicast check would too).
    let mut e = Ipv4Emit::new(SRC, PEER, 1);
    e.ah = ah_emit(1, *b"pw18\0\0\0\0", false);
    assert_ne!(
        emit_ipv4(
            &decode_ipv4(&V2_AH_UNICAST, &DecodeOptions::default())
                .unwrap()
                .repr,
            &e
        )
        .unwrap(),
        V2_AH_UNICAST
    );
}

#[test]
fn v3_unicast_checksum_uses_real_destination() {
    let repr = round_trip(&V3_UNICAST, Ipv4Emit::new(SRC, PEER, 1), &peer(), [0; 8]);
    assert_eq!(repr.vrid, 14);
}

#[test]
fn v2_unicast_decodes_and_reemits() {
    round_trip(&V2_UNICAST, Ipv4Emit::new(SRC, PEER, 1), &peer(), [0; 8]);
}

#[test]
fn old_unicast_checksum_uses_multicast_group_in_pseudo_header() {
    let mut e = Ipv4Emit::new(SRC, PEER, 1);
    e.v3_checksum = V3Checksum::OldUnicast;
    round_trip(&V3_UNICAST_OLD_CHECKSUM, e, &peer(), [0; 8]);
    // The RFC checksum does not verify it...
    let err = decode_ipv4(&V3_UNICAST_OLD_CHECKSUM, &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.counter_name(), Some("chk_err"));
    // ...unless keepalived's automatic detection is on, which reports the form it found.
    let opts = DecodeOptions {
        detect_old_unicast_checksum: true,
        ..DecodeOptions::default()
    };
    let advert = decode_ipv4(&V3_UNICAST_OLD_CHECKSUM, &opts).unwrap();
    assert_eq!(advert.v3_checksum, Some(V3Checksum::OldUnicast));
    let advert = decode_ipv4(&V3_UNICAST, &opts).unwrap();
    assert_eq!(advert.v3_checksum, Some(V3Checksum::PseudoHeader));
}

#[test]
fn v3_ipv6_payload_decodes_and_reemits() {
    for (bytes, prio) in [(&V3_V6[..], 110), (&V3_V6_PRIO0[..], 0)] {
        let dst = "ff02::12".parse().unwrap();
        let advert =
            decode_ipv6(bytes, v6_src(), dst, Some(255), &DecodeOptions::default()).unwrap();
        assert_eq!(advert.repr.priority, prio);
        assert_eq!(
            advert.repr.addresses,
            Addresses::V6(keepalived_vrrp::addr_list![
                "fe80::1:16".parse().unwrap(),
                "2001:db8:99::16".parse().unwrap()
            ])
        );
        let vips = ips(&advert.repr.addresses);
        let exp = expectation(&advert.repr, &vips, &[]);
        assert_eq!(advert.validate(&exp, &mut AhCounter::default()), Ok(()));
        assert_eq!(emit_ipv6(&advert.repr, v6_src(), dst).unwrap(), bytes);
    }
}

#[test]
fn ipv6_hop_limit_not_255_is_ip_ttl_err() {
    let dst = "ff02::12".parse().unwrap();
    let advert = decode_ipv6(&V3_V6, v6_src(), dst, Some(254), &DecodeOptions::default()).unwrap();
    let vips = ips(&advert.repr.addresses);
    let err = advert.validate(
        &expectation(&advert.repr, &vips, &[]),
        &mut AhCounter::default(),
    );
    assert_eq!(err, Err(DecodeError::Ttl { received: 254 }));
    // keepalived skips the check when no hop limit was received.
    let advert = decode_ipv6(&V3_V6, v6_src(), dst, None, &DecodeOptions::default()).unwrap();
    assert_eq!(
        advert.validate(
            &expectation(&advert.repr, &vips, &[]),
            &mut AhCounter::default()
        ),
        Ok(())
    );
}

#[test]
fn ipv6_checksum_with_wrong_source_is_chk_err() {
    let other: Ipv6Addr = "fe80::1".parse().unwrap();
    let err = decode_ipv6(
        &V3_V6,
        other,
        "ff02::12".parse().unwrap(),
        Some(255),
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.counter(), Some(Counter::ChkErr));
    let opts = DecodeOptions {
        verify_ipv6_checksum: false,
        ..DecodeOptions::default()
    };
    assert!(decode_ipv6(&V3_V6, other, "ff02::12".parse().unwrap(), Some(255), &opts).is_ok());
}
