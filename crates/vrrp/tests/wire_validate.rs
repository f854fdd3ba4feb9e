//! One test per keepalived receive check (vrrp.c `vrrp_check_packet`), each naming the
//! statistics counter keepalived bumps. Packets are built with `emit_ipv4`, which
//! tests/wire_captured.rs shows to be byte-identical to keepalived 2.2.7's, then altered.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use keepalived_vrrp::wire::{
    decode_ipv4, emit_ipv4, Addresses, AhCounter, Auth, Centiseconds, Counter, DecodeError,
    DecodeOptions, InstanceExpectation, Ipv4Emit, Repr, UnicastPeer, Version, MCAST_GROUP4,
};

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const VIP1: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
const VIP2: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);

fn v2(auth: Auth) -> Repr {
    Repr {
        vrid: 51,
        priority: 100,
        version: Version::V2 {
            advert_int: 1,
            auth,
        },
        addresses: Addresses::V4(keepalived_vrrp::addr_list![VIP1, VIP2]),
    }
}

fn v3() -> Repr {
    Repr {
        vrid: 51,
        priority: 100,
        version: Version::V3 {
            advert_int: Centiseconds::new(100).unwrap(),
        },
        addresses: Addresses::V4(keepalived_vrrp::addr_list![VIP1, VIP2]),
    }
}

const VIPS: [IpAddr; 2] = [IpAddr::V4(VIP1), IpAddr::V4(VIP2)];

fn exp(version: u8) -> InstanceExpectation<'static> {
    InstanceExpectation {
        vrid: 51,
        version: keepalived_vrrp::Version::from_number(version).unwrap(),
        auth: Auth::None,
        ah_key: [0; 8],
        advert_int: Duration::from_secs(1),
        vips: &VIPS,
        check_vip_addr: true,
        unicast_peers: &[],
        check_unicast_src: false,
    }
}

fn packet(repr: &Repr, dst: Ipv4Addr) -> Vec<u8> {
    emit_ipv4(repr, &Ipv4Emit::new(SRC, dst, 7)).unwrap()
}

/// Recomputes the IPv4 header checksum after a test changed a header byte.
fn refill_ip_checksum(p: &mut [u8]) {
    let mut ip = keepalived_vrrp::wire::ipv4::Packet::new_unchecked(p);
    ip.fill_checksum();
}

fn check(bytes: &[u8], exp: &InstanceExpectation<'_>) -> Result<(), DecodeError> {
    decode_ipv4(bytes, &DecodeOptions::default())?.validate(exp, &mut AhCounter::default())
}

#[test]
fn valid_v2_and_v3_adverts_pass() {
    assert_eq!(
        check(&packet(&v2(Auth::None), MCAST_GROUP4), &exp(2)),
        Ok(())
    );
    assert_eq!(check(&packet(&v3(), MCAST_GROUP4), &exp(3)), Ok(()));
}

#[test]
fn too_short_for_headers_is_dropped_uncounted() {
    let p = packet(&v2(Auth::None), MCAST_GROUP4);
    for len in [0, 10, 19, 27] {
        let err = check(&p[..len], &exp(2)).unwrap_err();
        assert_eq!(err, DecodeError::Truncated { len });
        assert_eq!(err.counter_name(), None);
    }
}

#[test]
fn length_other_than_announced_is_packet_len_err() {
    let p = packet(&v2(Auth::None), MCAST_GROUP4);
    let err = check(&p[..p.len() - 1], &exp(2)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::PacketLength {
            expected: 44,
            received: 43
        }
    );
    assert_eq!(err.counter_name(), Some("packet_len_err"));
    let mut long = p.clone();
    long.extend_from_slice(&[0; 4]);
    assert_eq!(
        check(&long, &exp(2)).unwrap_err().counter(),
        Some(Counter::PacketLenErr)
    );
}

#[test]
fn ip_total_length_mismatch_is_packet_len_err() {
    let mut p = packet(&v2(Auth::None), MCAST_GROUP4);
    p[3] += 1;
    refill_ip_checksum(&mut p);
    let err = check(&p, &exp(2)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::IpTotalLength {
            total_len: 45,
            received: 44
        }
    );
    assert_eq!(err.counter_name(), Some("packet_len_err"));
}

#[test]
fn multicast_ttl_other_than_255_is_ip_ttl_err() {
    let mut p = packet(&v2(Auth::None), MCAST_GROUP4);
    p[8] = 64;
    refill_ip_checksum(&mut p);
    let err = check(&p, &exp(2)).unwrap_err();
    assert_eq!(err, DecodeError::Ttl { received: 64 });
    assert_eq!(err.counter_name(), Some("ip_ttl_err"));
}

#[test]
fn unicast_ttl_is_checked_against_peer_range_only() {
    let mut p = packet(&v3(), PEER);
    p[8] = 64;
    refill_ip_checksum(&mut p);
    let peers = [UnicastPeer {
        addr: IpAddr::V4(SRC),
        min_ttl: 100,
        max_ttl: 255,
    }];
    let mut e = exp(3);
    e.unicast_peers = &peers;
    // Without check_unicast_src keepalived does not look at a unicast advert's TTL at all.
    assert_eq!(check(&p, &e), Ok(()));
    e.check_unicast_src = true;
    let err = check(&p, &e).unwrap_err();
    assert_eq!(
        err,
        DecodeError::UnicastTtl {
            received: 64,
            min: 100,
            max: 255
        }
    );
    assert_eq!(err.counter_name(), Some("ip_ttl_err"));
}

#[test]
fn unicast_source_not_a_peer_is_dropped_uncounted() {
    let p = packet(&v3(), PEER);
    let peers = [UnicastPeer {
        addr: IpAddr::V4(PEER),
        min_ttl: 0,
        max_ttl: 255,
    }];
    let mut e = exp(3);
    e.unicast_peers = &peers;
    e.check_unicast_src = true;
    let err = check(&p, &e).unwrap_err();
    assert_eq!(err, DecodeError::UnicastSourceNotPeer(IpAddr::V4(SRC)));
    assert_eq!(err.counter_name(), None);
}

#[test]
fn version_other_than_configured_is_vers_err() {
    let err = check(&packet(&v3(), MCAST_GROUP4), &exp(2)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::VersionMismatch {
            expected: 2,
            received: 3
        }
    );
    assert_eq!(err.counter_name(), Some("vers_err"));
}

#[test]
fn unknown_version_is_vers_err() {
    let mut p = packet(&v3(), MCAST_GROUP4);
    p[20] = 0x41;
    let err = check(&p, &exp(3)).unwrap_err();
    assert_eq!(err, DecodeError::UnsupportedVersion(4));
    assert_eq!(err.counter_name(), Some("vers_err"));
}

#[test]
fn type_other_than_advertisement_is_invalid_type_rcvd() {
    let mut p = packet(&v3(), MCAST_GROUP4);
    p[20] = 0x32;
    let err = check(&p, &exp(3)).unwrap_err();
    assert_eq!(err, DecodeError::InvalidType(2));
    assert_eq!(err.counter_name(), Some("invalid_type_rcvd"));
}

#[test]
fn unknown_v2_auth_type_is_invalid_authtype() {
    let mut p = packet(&v2(Auth::None), MCAST_GROUP4);
    p[24] = 7;
    let err = check(&p, &exp(2)).unwrap_err();
    assert_eq!(err, DecodeError::InvalidAuthType(7));
    assert_eq!(err.counter_name(), Some("invalid_authtype"));
}

#[test]
fn auth_type_other_than_configured_is_authtype_mismatch() {
    let p = packet(&v2(Auth::Pass(*b"abc\0\0\0\0\0")), MCAST_GROUP4);
    let err = check(&p, &exp(2)).unwrap_err();
    assert_eq!(err.counter_name(), Some("authtype_mismatch"));
    let mut e = exp(2);
    e.auth = Auth::Pass(*b"abc\0\0\0\0\0");
    assert_eq!(check(&p, &e), Ok(()));
}

#[test]
fn bad_checksum_is_chk_err() {
    let mut p = packet(&v2(Auth::None), MCAST_GROUP4);
    p[22] ^= 1; // priority
    let err = check(&p, &exp(2)).unwrap_err();
    assert!(matches!(err, DecodeError::Checksum { .. }));
    assert_eq!(err.counter_name(), Some("chk_err"));
}

#[test]
fn v3_checksum_covers_pseudo_header() {
    let mut p = packet(&v3(), MCAST_GROUP4);
    p[15] ^= 1; // source address
    refill_ip_checksum(&mut p);
    assert_eq!(
        check(&p, &exp(3)).unwrap_err().counter(),
        Some(Counter::ChkErr)
    );
}

#[test]
fn v2_advert_interval_mismatch_is_dropped_uncounted() {
    let mut e = exp(2);
    e.advert_int = Duration::from_secs(3);
    let err = check(&packet(&v2(Auth::None), MCAST_GROUP4), &e).unwrap_err();
    assert_eq!(
        err,
        DecodeError::AdvertIntervalMismatch {
            expected: 3,
            received: 1
        }
    );
    assert_eq!(err.counter_name(), None);
}

#[test]
fn v3_advert_interval_mismatch_is_accepted() {
    // RFC 5798: a backup adopts the master's interval; keepalived does not drop the advert.
    let mut e = exp(3);
    e.advert_int = Duration::from_secs(3);
    assert_eq!(check(&packet(&v3(), MCAST_GROUP4), &e), Ok(()));
}

#[test]
fn address_count_mismatch_is_addr_list_err() {
    let mut r = v3();
    r.addresses = Addresses::V4(keepalived_vrrp::addr_list![VIP1]);
    let err = check(&packet(&r, MCAST_GROUP4), &exp(3)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::AddressCount {
            expected: 2,
            received: 1
        }
    );
    assert_eq!(err.counter_name(), Some("addr_list_err"));
}

#[test]
fn missing_vip_is_addr_list_err() {
    let mut r = v3();
    r.addresses = Addresses::V4(keepalived_vrrp::addr_list![
        VIP1,
        Ipv4Addr::new(203, 0, 113, 9)
    ]);
    let err = check(&packet(&r, MCAST_GROUP4), &exp(3)).unwrap_err();
    assert_eq!(err, DecodeError::AddressMissing(IpAddr::V4(VIP2)));
    assert_eq!(err.counter_name(), Some("addr_list_err"));
    // keepalived counts the advert as received before comparing addresses, not before counts.
    assert!(err.counted_as_received());
    let count_err = DecodeError::AddressCount {
        expected: 2,
        received: 1,
    };
    assert!(!count_err.counted_as_received());
}

#[test]
fn address_order_does_not_matter() {
    let mut r = v3();
    r.addresses = Addresses::V4(keepalived_vrrp::addr_list![VIP2, VIP1]);
    assert_eq!(check(&packet(&r, MCAST_GROUP4), &exp(3)), Ok(()));
}

#[test]
fn skip_check_adv_addr_skips_address_checks() {
    let mut r = v3();
    r.addresses = Addresses::V4(keepalived_vrrp::addr_list![Ipv4Addr::new(203, 0, 113, 9)]);
    let mut e = exp(3);
    e.check_vip_addr = false;
    assert_eq!(check(&packet(&r, MCAST_GROUP4), &e), Ok(()));
}

#[test]
fn unicast_advert_to_multicast_instance_is_addr_list_err() {
    let err = check(&packet(&v3(), PEER), &exp(3)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::CastMismatch {
            expected_multicast: true
        }
    );
    assert_eq!(err.counter_name(), Some("addr_list_err"));
    let peers = [UnicastPeer {
        addr: IpAddr::V4(SRC),
        min_ttl: 0,
        max_ttl: 255,
    }];
    let mut e = exp(3);
    e.unicast_peers = &peers;
    let err = check(&packet(&v3(), MCAST_GROUP4), &e).unwrap_err();
    assert_eq!(
        err,
        DecodeError::CastMismatch {
            expected_multicast: false
        }
    );
}

#[test]
fn other_vrid_is_not_for_this_instance() {
    let mut r = v3();
    r.vrid = 52;
    let err = check(&packet(&r, MCAST_GROUP4), &exp(3)).unwrap_err();
    assert_eq!(
        err,
        DecodeError::VridMismatch {
            expected: 51,
            received: 52
        }
    );
    assert_eq!(err.counter_name(), None);
}

#[test]
fn ttl_error_is_reported_before_version_error() {
    // keepalived checks TTL before version: a packet with both faults counts ip_ttl_err.
    let mut p = packet(&v3(), MCAST_GROUP4);
    p[8] = 1;
    refill_ip_checksum(&mut p);
    assert_eq!(
        check(&p, &exp(2)).unwrap_err().counter(),
        Some(Counter::IpTtlErr)
    );
}
