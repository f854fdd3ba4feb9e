//! Codec properties: parse(emit(x)) == x for every valid packet, and no input (random, or a
//! valid packet with bytes changed) makes the decoder or the session set panic.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use keepalived_bfd::wire::{Auth, AuthType, Repr};
use keepalived_bfd::{Diag, RxMeta, Session, SessionConfig, SessionSet, State};
use proptest::prelude::*;

fn auth() -> impl Strategy<Value = Option<Auth>> {
    prop_oneof![
        Just(None),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 1..=16))
            .prop_map(|(k, pw)| Auth::password(k, &pw)),
        (any::<u8>(), any::<u32>(), any::<[u8; 16]>(), any::<bool>()).prop_map(|(k, s, d, m)| {
            let t = if m {
                AuthType::MeticulousKeyedMd5
            } else {
                AuthType::KeyedMd5
            };
            Auth::keyed(t, k, s, &d)
        }),
        (any::<u8>(), any::<u32>(), any::<[u8; 20]>(), any::<bool>()).prop_map(|(k, s, d, m)| {
            let t = if m {
                AuthType::MeticulousKeyedSha1
            } else {
                AuthType::KeyedSha1
            };
            Auth::keyed(t, k, s, &d)
        }),
    ]
}

prop_compose! {
    fn valid_repr()(
        diag in 0u8..=8,
        state in 0u8..=3,
        pf in 0u8..3,
        c in any::<bool>(),
        d in any::<bool>(),
        detect_mult in 1u8..,
        my_discr in 1u32..,
        your in any::<u32>(),
        tx in any::<u32>(),
        rx in any::<u32>(),
        echo in any::<u32>(),
        auth in auth(),
    ) -> Repr {
        let state = State::from(state);
        // Your Discriminator may only be zero in Down and AdminDown.
        let your_discr = if your == 0 && !matches!(state, State::Down | State::AdminDown) { 1 } else { your };
        Repr {
            diag: Diag::from(diag),
            state,
            poll: pf == 1,
            final_: pf == 2,
            control_plane_independent: c,
            demand: d,
            detect_mult,
            my_discr,
            your_discr,
            desired_min_tx: tx,
            required_min_rx: rx,
            required_min_echo_rx: echo,
            auth,
        }
    }
}

fn set() -> SessionSet {
    let mut set = SessionSet::new();
    let cfg = SessionConfig::new("P", IpAddr::V4(Ipv4Addr::new(10, 76, 9, 2)));
    set.push(Session::new(cfg, Instant::now(), 7));
    set
}

proptest! {
    #[test]
    fn round_trip(r in valid_repr()) {
        let mut buf = [0u8; 64];
        let n = r.emit(&mut buf).unwrap();
        prop_assert_eq!(n, r.buffer_len());
        prop_assert_eq!(Repr::parse_bytes(&buf[..n]), Ok(r));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80), ttl in any::<Option<u8>>()) {
        let _ = Repr::parse_bytes(&bytes);
        let meta = RxMeta { src: IpAddr::V4(Ipv4Addr::new(10, 76, 9, 2)), dst: None, ttl };
        let mut s = set();
        let now = Instant::now();
        let _ = s.receive(now, &bytes, &meta);
        prop_assert!(s.counters().total() <= 1);
    }

    #[test]
    fn mutated_valid_packets_never_panic(r in valid_repr(), at in 0usize..52, byte in any::<u8>()) {
        let mut buf = [0u8; 64];
        let n = r.emit(&mut buf).unwrap();
        buf[at % n] = byte;
        let _ = Repr::parse_bytes(&buf[..n]);
        let meta = RxMeta { src: IpAddr::V4(Ipv4Addr::new(10, 76, 9, 2)), dst: None, ttl: Some(255) };
        let mut s = set();
        let now = Instant::now();
        if s.receive(now, &buf[..n], &meta).is_ok() {
            // A packet the set accepted is a valid one for the session: it can answer.
            let mut out = [0u8; 64];
            while s.sessions_mut()[0].poll_transmit(now, &mut out).is_some() {}
        }
    }
}
