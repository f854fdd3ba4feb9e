//! The Router's packet side on its own: what it writes (destinations, TTL, identification, AH
//! sequence numbers), what a reload keeps, STATS_CLEAR.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{Event, InitialState, InstanceConfig, State, Version};
use keepalived_vrrp::router::{RouterInstance, RxNet, MAX_ADVERT_LEN};
use keepalived_vrrp::wire::{
    ipsec_ah, ipv4, vrrp, Addresses, Auth, ChecksumMode, Counter, UnicastPeer, V3Checksum,
};
use keepalived_vrrp::{InstanceId, Router};

fn v4(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, last)
}

fn instance(version: Version, peers: &[u8]) -> RouterInstance {
    let m = InstanceConfig::new("VI_1", version, IpAddr::V4(v4(1)), 200);
    let vips = Addresses::V4(keepalived_vrrp::addr_list![v4(100)]);
    let mut i = RouterInstance::new(m, 3, 51, vips);
    i.peers = peers
        .iter()
        .map(|&p| UnicastPeer {
            addr: IpAddr::V4(v4(p)),
            min_ttl: 0,
            max_ttl: 255,
        })
        .collect();
    i.unicast_ttl = 64;
    i
}

/// Runs `router` to MASTER and returns every datagram it wrote, with its bytes.
fn master(router: &mut Router, t0: Instant) -> Vec<(keepalived_vrrp::router::Transmit, Vec<u8>)> {
    router.handle_timeout(t0);
    let down = router.poll_timeout().unwrap();
    router.handle_timeout(down);
    let mut out = Vec::new();
    let mut buf = [0u8; MAX_ADVERT_LEN];
    while let Some(t) = router.poll_transmit(&mut buf) {
        out.push((t, buf[..t.len].to_vec()));
    }
    out
}

#[test]
fn unicast_copies_share_ident_and_ah_sequence_and_carry_unicast_ttl() {
    let t0 = Instant::now();
    let mut cfg = instance(Version::V2, &[2, 3]);
    cfg.auth = Auth::Ah;
    cfg.ah_key = *b"secret\0\0";
    let mut r = Router::default();
    let id = r.add(cfg, t0);
    let sent = master(&mut r, t0);
    assert_eq!(r.machine(id).unwrap().state(), State::Master);
    let dsts: Vec<IpAddr> = sent.iter().map(|(t, _)| t.dst).collect();
    assert_eq!(dsts, [IpAddr::V4(v4(2)), IpAddr::V4(v4(3))]);
    for (t, bytes) in &sent {
        assert_eq!(t.ifindex, 3);
        let ip = ipv4::Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.ttl(), 64);
        assert_eq!(ip.ident(), 1);
        let ah = ipsec_ah::Packet::new_checked(&bytes[20..44]).unwrap();
        assert_eq!(ah.seq_number(), 1);
    }
    // The next advert moves both once.
    let next = r.poll_timeout().unwrap();
    r.handle_timeout(next);
    let mut buf = [0u8; MAX_ADVERT_LEN];
    let t = r.poll_transmit(&mut buf).unwrap();
    let ip = ipv4::Packet::new_checked(&buf[..t.len]).unwrap();
    assert_eq!(ip.ident(), 2);
    assert_eq!(
        ipsec_ah::Packet::new_checked(&buf[20..44])
            .unwrap()
            .seq_number(),
        2
    );
}

#[test]
fn a_small_buffer_drops_the_advert_with_a_log() {
    let t0 = Instant::now();
    let mut r = Router::default();
    r.add(instance(Version::V3, &[]), t0);
    r.handle_timeout(t0);
    let down = r.poll_timeout().unwrap();
    r.handle_timeout(down);
    let mut tiny = [0u8; 10];
    assert!(r.poll_transmit(&mut tiny).is_none());
    assert!(r.poll_log().is_some());
}

#[test]
fn reload_keeps_machine_and_counters_and_stats_clear_subtracts() {
    let t0 = Instant::now();
    let mut r = Router::default();
    let id = r.add(instance(Version::V3, &[]), t0);
    master(&mut r, t0);
    // A malformed advert for our VRID is counted on the instance.
    let mut junk = vec![0x45u8, 0xc0, 0, 32, 0, 1, 0, 0, 255, 112, 0, 0];
    junk.extend_from_slice(&v4(9).octets());
    junk.extend_from_slice(&[224, 0, 0, 18]);
    junk.extend_from_slice(&[0x31, 51, 100, 1, 0, 100, 0, 0]);
    junk.extend_from_slice(&v4(100).octets());
    ipv4::Packet::new_unchecked(&mut junk[..]).fill_checksum();
    r.handle_datagram(t0 + Duration::from_secs(5), 3, RxNet::Ipv4, &junk);
    assert_eq!(r.stats(id)[Counter::ChkErr], 1);
    assert_eq!(r.stats(id)[Counter::BecomeMaster], 1);

    let old = r.take(id).unwrap();
    let mut fresh = Router::default();
    let mut cfg = instance(Version::V3, &[]);
    cfg.machine.priority = 150;
    let id2 = fresh.add_resumed(cfg, old, t0 + Duration::from_secs(6));
    assert_eq!(id2, InstanceId(0));
    assert_eq!(fresh.machine(id2).unwrap().state(), State::Master);
    assert_eq!(fresh.stats(id2)[Counter::ChkErr], 1);
    fresh.clear_stats();
    assert_eq!(fresh.stats(id2)[Counter::ChkErr], 0);
    assert_eq!(fresh.stats(id2)[Counter::BecomeMaster], 0);
    fresh.handle_event(t0 + Duration::from_secs(7), id2, Event::Shutdown);
    assert_eq!(fresh.stats(id2)[Counter::PriZeroSent], 1);
    // Nothing is routed to a taken instance.
    r.handle_datagram(t0 + Duration::from_secs(8), 3, RxNet::Ipv4, &junk);
    assert!(r.machine(id).is_none());
}

/// The first advert a MASTER `cfg` sends (its bytes).
fn first_advert(cfg: RouterInstance, t0: Instant) -> Vec<u8> {
    let mut r = Router::default();
    r.add(cfg, t0);
    master(&mut r, t0).remove(0).1
}

#[test]
fn v3_checksum_as_v2_sends_the_message_checksum_and_takes_any() {
    let t0 = Instant::now();
    let mut cfg = instance(Version::V3, &[]);
    cfg.v3_checksum = V3Checksum::MessageOnly;
    let mut r = Router::default();
    let id = r.add(cfg.clone(), t0);
    let sent = master(&mut r, t0);
    let bytes = &sent[0].1;
    let pkt = vrrp::Packet::new_checked(&bytes[20..], keepalived_vrrp::Family::Ipv4).unwrap();
    assert!(pkt.verify_checksum(&ChecksumMode::Message));
    // A higher peer's advert with the RFC 5798 checksum is taken all the same
    // (keepalived 2.3.4 does not check the checksum in this mode).
    let mut peer = instance(Version::V3, &[]);
    peer.machine.primary_address = IpAddr::V4(v4(9));
    peer.machine.priority = 250;
    let advert = first_advert(peer, t0);
    r.handle_datagram(t0 + Duration::from_secs(5), 3, RxNet::Ipv4, &advert);
    assert_eq!(r.stats(id)[Counter::ChkErr], 0);
    assert_eq!(r.stats(id)[Counter::AdvertRcvd], 1);
    assert_eq!(r.machine(id).unwrap().state(), State::Backup);
}

#[test]
fn an_owner_with_owner_ignore_adverts_drops_adverts_uncounted() {
    let t0 = Instant::now();
    for ignore in [true, false] {
        let mut cfg = instance(Version::V3, &[]);
        cfg.machine.priority = 255;
        cfg.machine.initial_state = InitialState::Master;
        cfg.owner_ignore_adverts = ignore;
        let mut r = Router::default();
        let id = r.add(cfg, t0);
        r.handle_timeout(t0);
        assert_eq!(r.machine(id).unwrap().state(), State::Master);
        // Another owner with a higher address: without the option ours gives way.
        let mut peer = instance(Version::V3, &[]);
        peer.machine.primary_address = IpAddr::V4(v4(9));
        peer.machine.priority = 255;
        let advert = first_advert(peer, t0);
        r.handle_datagram(t0 + Duration::from_secs(1), 3, RxNet::Ipv4, &advert);
        let state = r.machine(id).unwrap().state();
        let rcvd = r.stats(id)[Counter::AdvertRcvd];
        if ignore {
            assert_eq!((state, rcvd), (State::Master, 0));
            let log = std::iter::from_fn(|| r.poll_log()).find(|l| {
                matches!(
                    l.error,
                    keepalived_vrrp::router::Dropped::Received(
                        keepalived_vrrp::wire::DecodeError::OwnerIgnoresAdverts(_)
                    )
                )
            });
            assert!(log.is_some());
        } else {
            assert_eq!((state, rcvd), (State::Backup, 1));
        }
    }
}

/// A reload that changes one instance: the changed one is reconfigured, the unchanged one
/// carries on as it was (same id, state, counters, configuration; no action, no notify, no
/// re-init) and, being MASTER, only advertises at once (keepalived's reload_master).
#[test]
fn a_reload_leaves_an_unchanged_instance_as_it_was() {
    let t0 = Instant::now();
    let mut r = Router::default();
    let changed = r.add(instance(Version::V3, &[]), t0);
    let mut other = instance(Version::V3, &[]);
    other.vrid = 52;
    let same = r.add(other.clone(), t0);
    master(&mut r, t0);
    while r.poll_action().is_some() {}
    assert_eq!(r.machine(same).unwrap().state(), State::Master);
    let priority_before = r.machine(same).unwrap().effective_priority();
    let reload = t0 + Duration::from_millis(4300);
    // Between adverts: the unchanged MASTER's next one is due after the reload.
    r.handle_timeout(reload);
    let mut buf = [0u8; MAX_ADVERT_LEN];
    while r.poll_transmit(&mut buf).is_some() {}
    while r.poll_action().is_some() {}
    assert!(r.poll_timeout().unwrap() > reload);
    let stats_before = r.stats(same);

    let mut cfg = instance(Version::V3, &[]);
    cfg.machine.priority = 150;
    assert!(r.reconfigure(changed, cfg, reload));
    assert!(r.reload_unchanged(same, reload));
    assert!(!r.reload_unchanged(InstanceId(7), reload));

    let m = r.machine(same).unwrap();
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.effective_priority(), priority_before);
    assert_eq!(r.config(same).unwrap().vrid, 52);
    assert_eq!(
        r.stats(same)[Counter::BecomeMaster],
        stats_before[Counter::BecomeMaster]
    );
    assert_eq!(
        r.stats(same)[Counter::AdvertSent],
        stats_before[Counter::AdvertSent]
    );
    // No action for the unchanged instance: no state change, no VIP or GARP work.
    let mut actions = Vec::new();
    while let Some((id, a)) = r.poll_action() {
        actions.push((id, a));
    }
    assert!(actions.iter().all(|(id, _)| *id != same), "{actions:?}");
    // It advertises at the reload, with its own priority, then every interval from it.
    assert_eq!(r.poll_timeout(), Some(reload));
    r.handle_timeout(reload);
    let mut sent = Vec::new();
    while let Some(t) = r.poll_transmit(&mut buf) {
        sent.push((t.instance, buf[..t.len].to_vec()));
    }
    let ours: Vec<&Vec<u8>> = sent
        .iter()
        .filter(|(id, _)| *id == same)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(ours.len(), 1);
    let adv = vrrp::Packet::new_checked(&ours[0][20..], keepalived_vrrp::Family::Ipv4).unwrap();
    assert_eq!((adv.vrid(), adv.priority()), (52, priority_before));
    assert_eq!(
        r.stats(same)[Counter::AdvertSent],
        stats_before[Counter::AdvertSent] + 1
    );
    let actions: Vec<_> = std::iter::from_fn(|| r.poll_action()).collect();
    assert!(actions.iter().all(|(id, _)| *id != same), "{actions:?}");
}

/// keepalived's vrrpv3ProtoError and vrrpTrapAuthFailure: every advert failing a checksum,
/// version or TTL check gives a protocol-error notice (and sets the instance's
/// vrrpv3StatisticsProtoErrReason), every one failing authentication an auth-error notice
/// with its source; other drops (an address list mismatch) give none.
#[test]
fn protocol_and_authentication_errors_give_notices() {
    use keepalived_vrrp::router::Notice;
    let t0 = Instant::now();
    let mut cfg = instance(Version::V2, &[]);
    cfg.auth = Auth::Pass(*b"secret\0\0");
    let mut r = Router::default();
    let id = r.add(cfg.clone(), t0);
    r.handle_timeout(t0);
    assert_eq!(r.proto_err_reason(id), 0);
    let mut peer = instance(Version::V2, &[]);
    peer.machine.primary_address = IpAddr::V4(v4(9));
    peer.auth = Auth::Pass(*b"other\0\0\0");
    let wrong_pass = first_advert(peer.clone(), t0);
    let notices = |r: &mut Router| std::iter::from_fn(|| r.poll_notice()).collect::<Vec<_>>();
    r.handle_datagram(t0, 3, RxNet::Ipv4, &wrong_pass);
    assert_eq!(
        notices(&mut r),
        [(
            id,
            Notice::AuthError {
                kind: 3,
                src: IpAddr::V4(v4(9))
            }
        )]
    );
    // The right password and a broken VRRP checksum: checksumError (3).
    peer.auth = cfg.auth;
    let mut bad_sum = first_advert(peer.clone(), t0);
    bad_sum[20 + 6] ^= 0xff;
    r.handle_datagram(t0, 3, RxNet::Ipv4, &bad_sum);
    assert_eq!(notices(&mut r), [(id, Notice::ProtoError(3))]);
    assert_eq!(r.proto_err_reason(id), 3);
    // A VRRPv3 advert to this VRRPv2 instance: versionError (2).
    let mut v3 = instance(Version::V3, &[]);
    v3.machine.primary_address = IpAddr::V4(v4(9));
    r.handle_datagram(t0, 3, RxNet::Ipv4, &first_advert(v3, t0));
    assert_eq!(notices(&mut r), [(id, Notice::ProtoError(2))]);
    assert_eq!(r.proto_err_reason(id), 2);
    // Another VIP list: counted, logged, not notified.
    let mut other = peer;
    other.vips = Addresses::V4(keepalived_vrrp::addr_list![v4(101)]);
    r.handle_datagram(t0, 3, RxNet::Ipv4, &first_advert(other, t0));
    assert_eq!(notices(&mut r), []);
    assert_eq!(r.stats(id)[Counter::AddrListErr], 1);
}
