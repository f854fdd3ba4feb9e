//! Every receive check of RFC 5880 §6.8.6 keepalived makes (plus its extras) discards the
//! packet and bumps its own counter; a clean packet reaches the session.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use keepalived_bfd::wire::{Auth, AuthType, Repr};
use keepalived_bfd::{Check, DecodeError, Diag, RxMeta, Session, SessionConfig, SessionSet, State};

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 76, 8, 2));
const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 76, 8, 1));

fn down() -> Repr {
    Repr {
        diag: Diag::None,
        state: State::Down,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discr: 0x1234,
        your_discr: 0,
        desired_min_tx: 1_000_000,
        required_min_rx: 100_000,
        required_min_echo_rx: 0,
        auth: None,
    }
}

fn bytes(r: &Repr) -> Vec<u8> {
    let mut b = vec![0; 64];
    let n = r.emit(&mut b).unwrap();
    b.truncate(n);
    b
}

fn meta(ttl: u8) -> RxMeta {
    RxMeta {
        src: PEER,
        dst: Some(LOCAL),
        ttl: Some(ttl),
    }
}

fn set() -> (SessionSet, u32) {
    let mut set = SessionSet::new();
    let mut cfg = SessionConfig::new("C", PEER);
    cfg.local = Some(LOCAL);
    let i = set.push(Session::new(cfg, Instant::now(), 1));
    let d = set.sessions()[i].local_discr();
    (set, d)
}

fn expect(bytes: &[u8], m: RxMeta, want: Check) {
    let (mut s, _) = set();
    let e = s.receive(Instant::now(), bytes, &m).unwrap_err();
    assert_eq!(e.check(), want, "{e}");
    assert_eq!(s.counters().get(want), 1);
    assert_eq!(s.counters().total(), 1);
    assert_eq!(s.sessions()[0].stats().rx_packets, 0);
}

#[test]
fn clean_packet_is_accepted() {
    let (mut s, _) = set();
    assert_eq!(
        s.receive(Instant::now(), &bytes(&down()), &meta(255)),
        Ok(0)
    );
    assert_eq!(s.counters().total(), 0);
    assert_eq!(s.sessions()[0].state(), State::Init);
}

#[test]
fn stateless_checks() {
    let ok = bytes(&down());
    expect(&ok[..20], meta(255), Check::TooShort);
    let mut b = ok.clone();
    b[3] = 25;
    expect(&b, meta(255), Check::LengthMismatch);
    let mut b = ok.clone();
    b.push(0);
    expect(&b, meta(255), Check::LengthMismatch);
    let mut b = ok.clone();
    b[0] = (2 << 5) | (b[0] & 0x1f);
    expect(&b, meta(255), Check::BadVersion);
    expect(
        &bytes(&Repr {
            detect_mult: 0,
            ..down()
        }),
        meta(255),
        Check::ZeroDetectMult,
    );
    let mut b = ok.clone();
    b[1] |= 0x01;
    expect(&b, meta(255), Check::Multipoint);
    expect(
        &bytes(&Repr {
            my_discr: 0,
            ..down()
        }),
        meta(255),
        Check::ZeroMyDiscr,
    );
    expect(
        &bytes(&Repr {
            state: State::Init,
            ..down()
        }),
        meta(255),
        Check::ZeroYourDiscr,
    );
    expect(
        &bytes(&Repr {
            poll: true,
            final_: true,
            ..down()
        }),
        meta(255),
        Check::PollAndFinal,
    );
    let mut b = ok.clone();
    b[0] = (1 << 5) | 9;
    expect(&b, meta(255), Check::BadDiag);
    // A set with nothing after the header.
    let mut b = ok.clone();
    b[1] |= 0x04;
    expect(&b, meta(255), Check::AuthMalformed);
}

#[test]
fn session_checks() {
    let (_, discr) = set();
    // Your Discriminator naming no session.
    expect(
        &bytes(&Repr {
            your_discr: discr.wrapping_add(1),
            ..down()
        }),
        meta(255),
        Check::NoSessionForDiscr,
    );
    // Wrong neighbor, and right neighbor to the wrong local address.
    let other = RxMeta {
        src: IpAddr::V4(Ipv4Addr::new(10, 76, 8, 3)),
        ..meta(255)
    };
    expect(&bytes(&down()), other, Check::NoSessionForAddr);
    let wrong_dst = RxMeta {
        dst: Some(IpAddr::V4(Ipv4Addr::new(10, 76, 8, 9))),
        ..meta(255)
    };
    expect(&bytes(&down()), wrong_dst, Check::NoSessionForAddr);
    // RFC 5881 §5: one hop lowers the TTL to 254.
    expect(&bytes(&down()), meta(254), Check::TtlTooLow);
    // Every authentication type is refused, as keepalived does.
    for auth in [
        Auth::password(1, b"secret").unwrap(),
        Auth::keyed(AuthType::KeyedMd5, 1, 7, &[0; 16]).unwrap(),
        Auth::keyed(AuthType::MeticulousKeyedSha1, 1, 7, &[0; 20]).unwrap(),
    ] {
        let b = bytes(&Repr {
            auth: Some(auth),
            ..down()
        });
        let (mut s, _) = set();
        let e = s.receive(Instant::now(), &b, &meta(255)).unwrap_err();
        assert_eq!(
            e,
            DecodeError::AuthNotSupported {
                auth_type: auth.auth_type
            }
        );
    }
    // AdminDown discards everything.
    let (mut s, _) = set();
    s.sessions_mut()[0].admin_down(Instant::now());
    assert_eq!(
        s.receive(Instant::now(), &bytes(&down()), &meta(255)),
        Err(DecodeError::AdminDown)
    );
    assert_eq!(s.counters().get(Check::AdminDown), 1);
}

#[test]
fn ttl_check_follows_max_hops() {
    let mut hops = SessionSet::new();
    let mut cfg = SessionConfig::new("H", PEER);
    cfg.max_hops = 2;
    hops.push(Session::new(cfg.clone(), Instant::now(), 1));
    assert!(hops
        .receive(Instant::now(), &bytes(&down()), &meta(253))
        .is_ok());
    let mut any = SessionSet::new();
    cfg.max_hops = 255;
    any.push(Session::new(cfg, Instant::now(), 1));
    assert!(any
        .receive(Instant::now(), &bytes(&down()), &meta(1))
        .is_ok());
    // No TTL from the socket: keepalived skips the check.
    let (mut s, _) = set();
    let m = RxMeta {
        ttl: None,
        ..meta(0)
    };
    assert!(s.receive(Instant::now(), &bytes(&down()), &m).is_ok());
}

#[test]
fn check_names_are_unique() {
    let mut names: Vec<_> = Check::ALL.iter().map(|c| c.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Check::ALL.len());
}

/// RFC 5883 / keepalived 2.2.8+: a packet without Your Discriminator finds a session by
/// address only on its own port: single hop (3784) or multihop (4784).
#[test]
fn the_address_lookup_tells_multihop_from_single_hop() {
    let mut set = SessionSet::new();
    let mut cfg = SessionConfig::new("M", PEER);
    cfg.multihop = true;
    let m = set.push(Session::new(cfg, Instant::now(), 2));
    let b = bytes(&down());
    let e = set.receive(Instant::now(), &b, &meta(255)).unwrap_err();
    assert_eq!(e.check(), Check::NoSessionForAddr);
    assert_eq!(set.receive_on(Instant::now(), &b, &meta(255), true), Ok(m));
    let s = set.push(Session::new(
        SessionConfig::new("S", PEER),
        Instant::now(),
        3,
    ));
    assert_eq!(set.receive(Instant::now(), &b, &meta(255)), Ok(s));
}
