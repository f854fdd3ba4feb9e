//! RFC 6527's new-master reason (vrrpv3StatisticsNewMasterReason) as keepalived records it:
//! `next_master_reason` set where a BACKUP hears adverts, copied on the transition.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{
    Advert, Event, InitialState, InstanceConfig, Machine, MasterReason, State, Version,
};

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

fn machine(priority: u8, initial: InitialState, now: Instant) -> Machine {
    let me = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let mut c = InstanceConfig::new("VI_1", Version::V3, me, priority);
    c.initial_state = initial;
    Machine::new(c, now)
}

/// Runs the machine's timers until `until` (actions drained), returning the time reached.
fn run_until(m: &mut Machine, mut now: Instant, until: Instant) -> Instant {
    while let Some(t) = m.poll_timeout().filter(|t| *t <= until) {
        now = t.max(now);
        m.handle_timeout(now);
        while m.poll_action().is_some() {}
    }
    until.max(now)
}

fn advert(priority: u8) -> Event {
    Event::Advert(Advert {
        source: PEER,
        priority,
        interval: Duration::from_secs(1),
    })
}

#[test]
fn silence_priority_zero_and_preemption_give_keepalived_reasons() {
    let t0 = Instant::now();
    // A silent LAN: MASTER once Master_Down_Interval passes.
    let mut m = machine(100, InitialState::Backup, t0);
    assert_eq!(m.master_reason(), MasterReason::NotMaster);
    run_until(&mut m, t0, t0 + Duration::from_secs(5));
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_reason(), MasterReason::MasterNoResponse);

    // The master says it leaves (priority 0): MASTER after the skew time, reason priority.
    let mut m = machine(100, InitialState::Backup, t0);
    let mut now2 = run_until(&mut m, t0, t0 + Duration::from_millis(100));
    m.handle_event(now2, advert(200));
    now2 = run_until(&mut m, now2, now2 + Duration::from_millis(500));
    m.handle_event(now2, advert(0));
    run_until(&mut m, now2, now2 + Duration::from_secs(2));
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_reason(), MasterReason::Priority);

    // A lower-priority master is preempted.
    let mut m = machine(150, InitialState::Backup, t0);
    let mut now3 = run_until(&mut m, t0, t0 + Duration::from_millis(100));
    for _ in 0..5 {
        m.handle_event(now3, advert(100));
        now3 = run_until(&mut m, now3, now3 + Duration::from_secs(1));
    }
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_reason(), MasterReason::Preempted);

    // Heard a better master, which then fell silent: no response again.
    let mut m = machine(100, InitialState::Backup, t0);
    let n = run_until(&mut m, t0, t0 + Duration::from_millis(100));
    m.handle_event(n, advert(200));
    run_until(&mut m, n, n + Duration::from_secs(5));
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_reason(), MasterReason::MasterNoResponse);
}

#[test]
fn an_address_owner_starting_as_master_has_preempted() {
    let t0 = Instant::now();
    let mut m = machine(255, InitialState::Master, t0);
    run_until(&mut m, t0, t0 + Duration::from_millis(10));
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_reason(), MasterReason::Preempted);
}
