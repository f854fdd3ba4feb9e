//! Feeds arbitrary bytes to both VRRP decoders; whatever decodes must re-emit into bytes that
//! decode to the same advertisement. The first byte selects options and family.
#![no_main]

use std::net::Ipv6Addr;
use std::time::Duration;

use keepalived_vrrp::wire::{
    decode_ipv4, decode_ipv6, emit_ipv4, emit_ipv6, AhCounter, AhEmit, Auth, DecodeOptions,
    InstanceExpectation, Ipv4Emit, Network, V3Checksum, Version,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let v3_checksum = match selector & 0x03 {
        0 => V3Checksum::PseudoHeader,
        1 => V3Checksum::OldUnicast,
        _ => V3Checksum::MessageOnly,
    };
    let opts = DecodeOptions {
        v3_checksum,
        detect_old_unicast_checksum: selector & 0x04 != 0,
        ..DecodeOptions::default()
    };
    let key = *b"fuzzkey\0";
    if selector & 0x80 == 0 {
        let Ok(advert) = decode_ipv4(bytes, &opts) else {
            return;
        };
        validate(&advert, key);
        let Network::Ipv4(info) = &advert.network else {
            unreachable!("decode_ipv4 returns IPv4 network info")
        };
        let mut e = Ipv4Emit::new(
            info.header.src_addr,
            info.header.dst_addr,
            info.header.ident,
        );
        e.ttl = info.header.ttl;
        e.v3_checksum = advert.v3_checksum.unwrap_or_default();
        if let Some(ah) = advert.ah() {
            e.ah = Some(AhEmit {
                key,
                seq_number: ah.repr.seq_number,
                unicast: false,
            });
        }
        // A v2 advert saying AH without an AH header (or the reverse) decodes, since only the
        // instance's configuration makes it wrong, but cannot be re-emitted.
        let is_ah = matches!(advert.repr.version, Version::V2 { auth: Auth::Ah, .. });
        let Ok(again) = emit_ipv4(&advert.repr, &e) else {
            assert_ne!(
                is_ah,
                advert.ah().is_some(),
                "a consistent IPv4 advert can be emitted"
            );
            return;
        };
        let opts = DecodeOptions {
            v3_checksum: e.v3_checksum,
            ..opts
        };
        let back = decode_ipv4(&again, &opts).expect("re-emitted advert decodes");
        assert_eq!(back.repr, advert.repr);
    } else {
        let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let dst = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
        let Ok(advert) = decode_ipv6(bytes, src, dst, Some(255), &opts) else {
            return;
        };
        validate(&advert, key);
        if let Ok(again) = emit_ipv6(&advert.repr, src, dst) {
            let back = decode_ipv6(&again, src, dst, Some(255), &opts).expect("re-emitted decodes");
            assert_eq!(back.repr, advert.repr);
        }
    }
});

fn validate(advert: &keepalived_vrrp::wire::Advert, ah_key: [u8; 8]) {
    let vips = advert.repr.addresses.to_ip_addrs();
    let (auth, advert_int) = match advert.repr.version {
        Version::V2 { advert_int, auth } => (auth, Duration::from_secs(advert_int.into())),
        Version::V3 { advert_int } => (Auth::None, advert_int.as_duration()),
    };
    let exp = InstanceExpectation {
        vrid: advert.repr.vrid,
        version: advert.repr.version.protocol(),
        auth,
        ah_key,
        advert_int,
        vips: &vips,
        check_vip_addr: true,
        unicast_peers: &[],
        check_unicast_src: true,
    };
    let _ = advert.validate(&exp, &mut AhCounter::default());
}
