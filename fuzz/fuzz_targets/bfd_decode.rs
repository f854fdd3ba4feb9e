//! Feeds arbitrary bytes to the BFD control packet decoder and to a session set: whatever
//! decodes must re-emit to the same bytes' meaning, and nothing may panic. The first byte
//! selects the received TTL (0: unknown).
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_bfd::wire::Repr;
use keepalived_bfd::{RxMeta, Session, SessionConfig, SessionSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ttl, bytes)) = data.split_first() else {
        return;
    };
    if let Ok(repr) = Repr::parse_bytes(bytes) {
        let mut buf = [0u8; 64];
        let n = repr.emit(&mut buf).expect("a parsed packet fits 64 bytes");
        assert_eq!(Repr::parse_bytes(&buf[..n]), Ok(repr));
    }
    let peer = IpAddr::V4(Ipv4Addr::new(10, 76, 0, 2));
    let now = Instant::now();
    let mut set = SessionSet::new();
    set.push(Session::new(SessionConfig::new("F", peer), now, 1));
    let meta = RxMeta {
        src: peer,
        dst: None,
        ttl: (ttl != 0).then_some(ttl),
    };
    let _ = set.receive(now, bytes, &meta);
    let later = now + Duration::from_secs(10);
    set.handle_timeout(later);
    let mut out = [0u8; 64];
    while set.sessions_mut()[0].poll_transmit(later, &mut out).is_some() {}
});
