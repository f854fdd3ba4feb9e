//! Property tests: every advert variant survives emit -> decode -> validate, and no input,
//! random or mutated from a valid packet, makes a decoder panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepalived_vrrp::wire::{
    decode_ipv4, decode_ipv6, emit_ipv4, emit_ipv6, Addresses, AhCounter, AhEmit, Auth,
    Centiseconds, DecodeOptions, InstanceExpectation, Ipv4Emit, Network, Repr, V3Checksum, Version,
};
use proptest::prelude::*;

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        Just(Auth::None),
        any::<[u8; 8]>().prop_map(Auth::Pass),
        Just(Auth::Ah),
    ]
}

fn v4_addrs() -> impl Strategy<Value = Addresses> {
    prop::collection::vec(any::<[u8; 4]>().prop_map(Ipv4Addr::from), 0..40)
        .prop_map(|v| Addresses::V4(v.into()))
}

fn v6_addrs() -> impl Strategy<Value = Addresses> {
    prop::collection::vec(any::<[u8; 16]>().prop_map(Ipv6Addr::from), 0..12)
        .prop_map(|v| Addresses::V6(v.into()))
}

fn centis() -> impl Strategy<Value = Centiseconds> {
    (0u16..=0x0fff).prop_map(|c| Centiseconds::new(c).unwrap())
}

fn v2_ipv4() -> impl Strategy<Value = Repr> {
    (any::<u8>(), any::<u8>(), any::<u8>(), auth(), v4_addrs()).prop_map(
        |(vrid, priority, advert_int, auth, addresses)| Repr {
            vrid,
            priority,
            version: Version::V2 { advert_int, auth },
            addresses,
        },
    )
}

fn v3(addrs: BoxedStrategy<Addresses>) -> impl Strategy<Value = Repr> {
    (any::<u8>(), any::<u8>(), centis(), addrs).prop_map(
        |(vrid, priority, advert_int, addresses)| Repr {
            vrid,
            priority,
            version: Version::V3 { advert_int },
            addresses,
        },
    )
}

fn v3_checksum() -> impl Strategy<Value = V3Checksum> {
    prop_oneof![
        Just(V3Checksum::PseudoHeader),
        Just(V3Checksum::OldUnicast),
        Just(V3Checksum::MessageOnly),
    ]
}

fn expectation<'a>(repr: &Repr, vips: &'a [IpAddr], key: [u8; 8]) -> InstanceExpectation<'a> {
    let (auth, advert_int) = match repr.version {
        Version::V2 { advert_int, auth } => (auth, Duration::from_secs(advert_int.into())),
        Version::V3 { advert_int } => (Auth::None, advert_int.as_duration()),
    };
    InstanceExpectation {
        vrid: repr.vrid,
        version: repr.version.protocol(),
        auth,
        ah_key: key,
        advert_int,
        vips,
        check_vip_addr: true,
        unicast_peers: &[],
        check_unicast_src: false,
    }
}

/// A multicast IPv4 advert of `repr` with sensible parameters.
fn ipv4_params(repr: &Repr, src: Ipv4Addr, ident: u16, key: [u8; 8], seq: u32) -> Ipv4Emit {
    let mut e = Ipv4Emit::new(src, Ipv4Addr::new(224, 0, 0, 18), ident);
    if let Version::V2 { auth: Auth::Ah, .. } = repr.version {
        e.ah = Some(AhEmit {
            key,
            seq_number: seq,
            unicast: false,
        });
    }
    e
}

proptest! {
    #[test]
    fn v2_ipv4_round_trip(repr in v2_ipv4(), src in any::<[u8; 4]>(), ident in any::<u16>(),
                          key in any::<[u8; 8]>(), seq in 1u32..) {
        let src = Ipv4Addr::from(src);
        let bytes = emit_ipv4(&repr, &ipv4_params(&repr, src, ident, key, seq)).unwrap();
        let advert = decode_ipv4(&bytes, &DecodeOptions::default()).unwrap();
        prop_assert_eq!(&advert.repr, &repr);
        let vips = repr.addresses.to_ip_addrs();
        prop_assert_eq!(advert.validate(&expectation(&repr, &vips, key), &mut AhCounter::default()), Ok(()));
    }

    #[test]
    fn v3_ipv4_round_trip(repr in v3(v4_addrs().boxed()), src in any::<[u8; 4]>(),
                          dst in any::<[u8; 4]>(), form in v3_checksum()) {
        let mut e = Ipv4Emit::new(Ipv4Addr::from(src), Ipv4Addr::from(dst), 1);
        e.v3_checksum = form;
        let bytes = emit_ipv4(&repr, &e).unwrap();
        let opts = DecodeOptions { v3_checksum: form, ..DecodeOptions::default() };
        let advert = decode_ipv4(&bytes, &opts).unwrap();
        prop_assert_eq!(&advert.repr, &repr);
        prop_assert_eq!(advert.v3_checksum, Some(form));
    }

    #[test]
    fn v3_ipv6_round_trip(repr in v3(v6_addrs().boxed()), src in any::<[u8; 16]>(),
                          hop in any::<u8>()) {
        let (src, dst) = (Ipv6Addr::from(src), "ff02::12".parse().unwrap());
        let bytes = emit_ipv6(&repr, src, dst).unwrap();
        let advert = decode_ipv6(&bytes, src, dst, Some(hop), &DecodeOptions::default()).unwrap();
        prop_assert_eq!(&advert.repr, &repr);
        let vips = repr.addresses.to_ip_addrs();
        let ok = advert.validate(&expectation(&repr, &vips, [0; 8]), &mut AhCounter::default());
        prop_assert_eq!(ok.is_ok(), hop == 255);
    }

    #[test]
    fn v2_ipv6_round_trip(vrid in any::<u8>(), priority in any::<u8>(), advert_int in any::<u8>(),
                          addresses in v6_addrs(), src in any::<[u8; 16]>()) {
        // keepalived's IPv6 layout has no authentication data, so only Auth::None.
        let repr = Repr { vrid, priority, version: Version::V2 { advert_int, auth: Auth::None }, addresses };
        let (src, dst) = (Ipv6Addr::from(src), "ff02::12".parse().unwrap());
        let bytes = emit_ipv6(&repr, src, dst).unwrap();
        let advert = decode_ipv6(&bytes, src, dst, Some(255), &DecodeOptions::default()).unwrap();
        prop_assert_eq!(advert.repr, repr);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let opts = DecodeOptions { detect_old_unicast_checksum: true, ..DecodeOptions::default() };
        let _ = decode_ipv4(&bytes, &opts);
        let _ = decode_ipv6(&bytes, Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST, None, &opts);
    }

    #[test]
    fn mutated_packets_never_panic_and_reparse_stably(
        repr in v2_ipv4(), key in any::<[u8; 8]>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut bytes = emit_ipv4(&repr, &ipv4_params(&repr, Ipv4Addr::new(192, 0, 2, 1), 1, key, 1)).unwrap();
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let opts = DecodeOptions { detect_old_unicast_checksum: true, ..DecodeOptions::default() };
        if let Ok(advert) = decode_ipv4(&bytes, &opts) {
            let vips = advert.repr.addresses.to_ip_addrs();
            let _ = advert.validate(&expectation(&advert.repr, &vips, key), &mut AhCounter::default());
            // A decoded advert re-emits into something that decodes to the same meaning.
            if let Network::Ipv4(info) = &advert.network {
                let mut e = Ipv4Emit::new(info.header.src_addr, info.header.dst_addr, info.header.ident);
                e.ttl = info.header.ttl;
                e.v3_checksum = advert.v3_checksum.unwrap_or_default();
                if let Some(ah) = advert.ah() {
                    e.ah = Some(AhEmit { key, seq_number: ah.repr.seq_number, unicast: false });
                }
                if let Ok(again) = emit_ipv4(&advert.repr, &e) {
                    let back = decode_ipv4(&again, &DecodeOptions { v3_checksum: e.v3_checksum, ..opts });
                    prop_assert_eq!(back.map(|a| a.repr), Ok(advert.repr.clone()));
                }
            }
        }
        let _ = decode_ipv6(&bytes, Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED, Some(255), &opts);
    }
}
