//! Deterministic simulations of two BFD sessions on a virtual link (virtual clock, seeded
//! loss and delay): they come Up, detect a cut within the detection time, recover, change
//! intervals with Poll/Final, and a passive side waits for the peer.

mod sim {
    pub mod link;
}

use std::time::Duration;

use keepalived_bfd::wire::Repr;
use keepalived_bfd::{Diag, Event, State};
use sim::link::{config, Side, Sim, A, B};

const MS: Duration = Duration::from_millis(1);

fn both_up(s: &mut Sim) -> bool {
    s.session(Side::A).state() == State::Up && s.session(Side::B).state() == State::Up
}

/// Both Up and the Poll Sequence that brings them to min_tx finished.
fn settled(s: &mut Sim) -> bool {
    both_up(s) && !s.session(Side::A).polling() && !s.session(Side::B).polling()
}

#[test]
fn sessions_come_up_and_negotiate_min_tx() {
    for seed in 0..20 {
        let mut s = Sim::pair(seed);
        assert!(s.run_until(Duration::from_secs(5), settled), "seed {seed}");
        for side in [Side::A, Side::B] {
            let sess = s.session(side);
            // keepalived's defaults: min_tx = min_rx = 10 ms, multiplier 5.
            assert_eq!(sess.tx_interval(), 10 * MS);
            assert_eq!(sess.detection_time(), 50 * MS);
            assert_eq!(sess.local_diag(), Diag::None);
        }
        let a = s.session(Side::A).local_discr();
        assert_eq!(s.session(Side::B).remote_discr(), a);
        // Each side told its trackers Down at start, then Up.
        let notes: Vec<_> = s
            .events_since(Side::A, Duration::ZERO)
            .into_iter()
            .filter_map(|(_, e)| match e {
                Event::Notify { up } => Some(up),
                _ => None,
            })
            .collect();
        assert_eq!(notes, [false, true], "seed {seed}");
    }
}

#[test]
fn a_cut_is_detected_within_the_detection_time_and_heals() {
    for seed in 0..20 {
        let mut s = Sim::pair(seed);
        assert!(s.run_until(Duration::from_secs(5), settled));
        s.run_for(Duration::from_millis(500));
        let detect = s.session(Side::A).detection_time();
        s.cut = true;
        let cut_at = s.elapsed();
        assert!(s.run_until(Duration::from_secs(1), |s| {
            s.session(Side::A).state() == State::Down && s.session(Side::B).state() == State::Down
        }));
        for side in [Side::A, Side::B] {
            let (down_at, diag) = s
                .events_since(side, cut_at)
                .into_iter()
                .find_map(|(t, e)| match e {
                    Event::StateChanged {
                        to: State::Down,
                        local_diag,
                        ..
                    } => Some((t, local_diag)),
                    _ => None,
                })
                .expect("went Down");
            assert_eq!(diag, Diag::Expired);
            let took = down_at - cut_at;
            // The last packet before the cut was at most one interval earlier.
            assert!(took <= detect, "seed {seed}: {took:?} > {detect:?}");
            assert!(took + 10 * MS >= detect, "seed {seed}: too early {took:?}");
            assert!(s
                .events_since(side, cut_at)
                .iter()
                .any(|(_, e)| *e == Event::Notify { up: false }));
        }
        // keepalived picks a new discriminator when a session falls from Up.
        s.cut = false;
        assert!(s.run_until(Duration::from_secs(5), settled), "seed {seed}");
        assert_eq!(s.session(Side::A).stats().up_count, 2);
    }
}

#[test]
fn lossy_link_stays_up() {
    let mut s = Sim::pair(42);
    s.loss = 0.1;
    s.delay = 2 * MS;
    s.extra_delay = MS;
    assert!(s.run_until(Duration::from_secs(10), settled));
    s.run_for(Duration::from_secs(20));
    for side in [Side::A, Side::B] {
        assert_eq!(s.session(side).stats().down_count, 0, "{side:?}");
        assert_eq!(s.session(side).state(), State::Up);
    }
}

#[test]
fn heavy_loss_flaps_then_recovers() {
    let mut s = Sim::pair(7);
    assert!(s.run_until(Duration::from_secs(5), settled));
    s.loss = 0.7;
    s.run_for(Duration::from_secs(10));
    assert!(s.session(Side::A).stats().down_count > 0);
    s.loss = 0.0;
    assert!(s.run_until(Duration::from_secs(10), settled));
}

#[test]
fn interval_change_uses_poll_and_final() {
    let mut s = Sim::pair(3);
    assert!(s.run_until(Duration::from_secs(5), settled));
    let mut cfg = config("A", B);
    cfg.min_tx = 50 * MS;
    cfg.min_rx = 40 * MS;
    let now = s.now;
    let from = s.elapsed();
    s.session(Side::A).reconfigure(cfg, now);
    assert!(s.session(Side::A).polling());
    // Until the Final, A keeps its interval (RFC 5880 §6.8.3).
    assert_eq!(s.session(Side::A).tx_interval(), 10 * MS);
    assert!(s.run_until(Duration::from_secs(2), |s| !s.session(Side::A).polling()));
    s.run_for(Duration::from_millis(200));
    assert_eq!(s.session(Side::A).tx_interval(), 50 * MS);
    // B answered with F and, its own Poll riding on it or not, now sends at A's min_rx.
    let finals = s
        .sent
        .iter()
        .filter(|p| p.at >= from && p.from == Side::B)
        .filter(|p| Repr::parse_bytes(&p.bytes).unwrap().final_)
        .count();
    assert!(finals >= 1);
    assert_eq!(s.session(Side::B).detection_time(), 5 * 50 * MS);
    assert_eq!(s.session(Side::A).detection_time(), 5 * 40 * MS);
    // B's next Poll/Final (or packets with P set) end too; nobody went Down.
    s.run_for(Duration::from_secs(2));
    assert_eq!(s.session(Side::B).tx_interval(), 40 * MS);
    for side in [Side::A, Side::B] {
        assert_eq!(s.session(side).stats().down_count, 0);
    }
}

#[test]
fn passive_waits_for_the_peer() {
    let mut pa = config("A", B);
    pa.passive = true;
    let mut pb = config("B", A);
    pb.passive = true;
    let mut s = Sim::new(pa.clone(), pb, 1);
    s.run_for(Duration::from_secs(10));
    assert!(s.sent.is_empty(), "two passive sessions never speak");
    assert_eq!(s.session(Side::A).state(), State::Down);

    let mut s = Sim::new(pa, config("B", A), 1);
    assert!(s.run_until(Duration::from_secs(5), settled));
    let first_a = s.sent.iter().find(|p| p.from == Side::A).unwrap().at;
    let first_b = s.sent.iter().find(|p| p.from == Side::B).unwrap().at;
    assert!(
        first_a > first_b,
        "the passive side speaks only once spoken to"
    );
}

#[test]
fn admin_down_stops_sending_and_the_peer_expires() {
    let mut s = Sim::pair(9);
    assert!(s.run_until(Duration::from_secs(5), settled));
    let now = s.now;
    s.session(Side::A).admin_down(now);
    let at = s.elapsed();
    s.run_for(Duration::from_millis(300));
    assert!(!s.sent.iter().any(|p| p.from == Side::A && p.at > at));
    assert_eq!(s.session(Side::A).state(), State::AdminDown);
    assert_eq!(s.session(Side::B).state(), State::Down);
    assert_eq!(s.session(Side::B).local_diag(), Diag::Expired);
    assert!(s.a.counters().get(keepalived_bfd::Check::AdminDown) > 0);
    let now = s.now;
    s.session(Side::A).admin_up(now);
    assert!(s.run_until(Duration::from_secs(5), settled));
}

#[test]
fn restarted_peer_is_noticed_and_comes_back() {
    let mut s = Sim::pair(11);
    assert!(s.run_until(Duration::from_secs(5), settled));
    let at = s.elapsed();
    s.restart(Side::B, config("B", A), 99);
    assert!(
        s.run_until(Duration::from_secs(5), |s| s.session(Side::A).state()
            != State::Up)
    );
    let diag = s.session(Side::A).local_diag();
    // B's Down (Your Discriminator zero, found by address) is a neighbor-signalled Down.
    assert_eq!(diag, Diag::NeighborDown);
    assert!(s.run_until(Duration::from_secs(5), settled));
    assert!(s
        .events_since(Side::A, at)
        .iter()
        .any(|(_, e)| *e == Event::Notify { up: true }));
}

#[test]
fn transmit_jitter_is_10_to_25_percent() {
    let mut s = Sim::pair(5);
    assert!(s.run_until(Duration::from_secs(5), settled));
    s.run_for(Duration::from_millis(200));
    let from = s.elapsed();
    s.run_for(Duration::from_secs(5));
    let times: Vec<_> = s
        .sent
        .iter()
        .filter(|p| p.from == Side::A && p.at >= from)
        .map(|p| p.at)
        .collect();
    assert!(times.len() > 100);
    let tx = 10 * MS;
    let mut distinct = std::collections::BTreeSet::new();
    for w in times.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= tx * 3 / 4 && gap <= tx * 9 / 10, "{gap:?}");
        distinct.insert(gap);
    }
    assert!(distinct.len() > 10, "jittered, not constant");
}

#[test]
fn simulations_are_reproducible() {
    let run = |seed| {
        let mut s = Sim::pair(seed);
        s.loss = 0.3;
        s.run_for(Duration::from_secs(3));
        s.sent.iter().map(|p| p.at).collect::<Vec<_>>()
    };
    assert_eq!(run(17), run(17));
}

#[test]
fn down_session_resets_after_detection_time() {
    let mut s = Sim::pair(13);
    assert!(s.run_until(Duration::from_secs(5), settled));
    s.cut = true;
    assert!(
        s.run_until(Duration::from_secs(1), |s| s.session(Side::A).state()
            == State::Down)
    );
    assert_ne!(s.session(Side::A).remote_state(), State::Down);
    // keepalived's reset thread: a detection time later the peer is forgotten.
    s.run_for(Duration::from_millis(100));
    let snap = s.session(Side::A).snapshot();
    assert_eq!(snap.remote_state, State::Down);
    assert_eq!(snap.remote_discr, 0);
    assert_eq!(snap.local_tx_intv, 1_000_000, "idle_tx while Down");
    let _ = A;
}

#[test]
fn peer_admin_down_is_not_reported_to_trackers() {
    // keepalived's bfd_state_fall: a fall caused by the peer's AdminDown sends no event.
    use keepalived_bfd::wire::Repr as R;
    let mut s = Sim::pair(21);
    assert!(s.run_until(Duration::from_secs(5), settled));
    let now = s.now;
    let a = s.session(Side::A);
    let pkt = R {
        diag: Diag::AdminDown,
        state: State::AdminDown,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 5,
        my_discr: a.remote_discr(),
        your_discr: a.local_discr(),
        desired_min_tx: 1_000_000,
        required_min_rx: 10_000,
        required_min_echo_rx: 0,
        auth: None,
    };
    while a.poll_event().is_some() {}
    a.handle_packet(now, &pkt);
    assert_eq!(a.state(), State::Down);
    assert_eq!(a.local_diag(), Diag::NeighborDown);
    let mut evs = Vec::new();
    while let Some(e) = a.poll_event() {
        evs.push(e);
    }
    assert!(
        !evs.iter().any(|e| matches!(e, Event::Notify { .. })),
        "{evs:?}"
    );
}

#[test]
fn detection_time_uses_the_slower_of_our_rx_and_their_tx() {
    let mut ca = config("A", B);
    ca.min_rx = 30 * MS;
    ca.multiplier = 3;
    let mut cb = config("B", A);
    cb.min_tx = 50 * MS;
    cb.multiplier = 4;
    let mut s = Sim::new(ca, cb, 2);
    assert!(s.run_until(Duration::from_secs(5), settled));
    s.run_for(Duration::from_millis(500));
    // RFC 5880 §6.8.4: B's multiplier x max(A's min_rx 30, B's min_tx 50).
    assert_eq!(s.session(Side::A).detection_time(), 4 * 50 * MS);
    // B: A's multiplier x max(B's min_rx 10, A's min_tx 10).
    assert_eq!(s.session(Side::B).detection_time(), 3 * 10 * MS);
    assert_eq!(s.session(Side::B).tx_interval(), 50 * MS);
    assert_eq!(s.session(Side::A).tx_interval(), 10 * MS);
}

#[test]
fn not_up_sessions_send_at_idle_tx() {
    let mut s = Sim::pair(4);
    s.cut = true;
    s.run_for(Duration::from_secs(10));
    let times: Vec<_> = s
        .sent
        .iter()
        .filter(|p| p.from == Side::A)
        .map(|p| p.at)
        .collect();
    // The start-up packet, then every 0.75-0.9 s.
    assert!((11..=15).contains(&times.len()), "{}", times.len());
    for w in times.windows(2).skip(1) {
        let gap = w[1] - w[0];
        assert!(gap >= 750 * MS && gap <= 900 * MS, "{gap:?}");
    }
    let r = Repr::parse_bytes(&s.sent[0].bytes).unwrap();
    assert_eq!(r.desired_min_tx, 1_000_000);
}
