//! SNMP Sets of vrrpInstanceBasePriority and vrrpInstancePreempt as keepalived applies them
//! (vrrp_snmp_instance_priority, vrrp_snmp_instance_preempt): the effective priority
//! follows the base, the address owner's stays, preemption changes what a BACKUP does with a
//! lower-priority master, and a reload puts the configured values back.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{
    Action, Advert, Event, InitialState, InstanceConfig, Machine, State, Version,
};

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

fn config(priority: u8) -> InstanceConfig {
    let me = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let mut c = InstanceConfig::new("VI_1", Version::V2, me, priority);
    c.initial_state = InitialState::Backup;
    c
}

/// Runs the machine's timers until `until`, returning the actions seen.
fn run_until(m: &mut Machine, now: Instant, until: Instant) -> Vec<Action> {
    let mut seen = Vec::new();
    let mut now = now;
    while let Some(t) = m.poll_timeout().filter(|t| *t <= until) {
        now = t.max(now);
        m.handle_timeout(now);
        while let Some(a) = m.poll_action() {
            seen.push(a);
        }
    }
    seen
}

fn advert(priority: u8) -> Event {
    Event::Advert(Advert {
        source: PEER,
        priority,
        interval: Duration::from_secs(1),
    })
}

fn drain(m: &mut Machine) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

#[test]
fn a_new_base_priority_moves_the_effective_one_and_the_adverts() {
    let t0 = Instant::now();
    let mut m = Machine::new(config(100), t0);
    run_until(&mut m, t0, t0 + Duration::from_secs(5));
    assert_eq!(m.state(), State::Master);
    let now = t0 + Duration::from_secs(5);
    m.handle_event(now, Event::SetBasePriority(150));
    assert_eq!(m.effective_priority(), 150);
    assert_eq!(m.config().priority, 150);
    assert!(drain(&mut m).contains(&Action::PriorityChanged {
        from: 100,
        priority: 150
    }));
    let sent = run_until(&mut m, now, now + Duration::from_secs(2));
    assert!(
        sent.iter()
            .any(|a| matches!(a, Action::SendAdvert { priority: 150, .. })),
        "{sent:?}"
    );
}

#[test]
fn the_address_owner_keeps_its_effective_priority() {
    let t0 = Instant::now();
    // Set to 255: keepalived's vrrp_set_effective_priority returns early for an owner.
    let mut m = Machine::new(config(100), t0);
    m.handle_event(t0, Event::SetBasePriority(255));
    assert_eq!(m.config().priority, 255);
    assert_eq!(m.effective_priority(), 100);
    // From the owner down: the effective priority follows.
    let mut m = Machine::new(config(255), t0);
    m.handle_event(t0, Event::SetBasePriority(90));
    assert_eq!(m.effective_priority(), 90);
}

#[test]
fn preemption_off_keeps_a_higher_priority_backup_behind_the_master() {
    let t0 = Instant::now();
    let mut m = Machine::new(config(100), t0);
    m.handle_event(t0, Event::SetPreempt(false));
    m.handle_event(t0, Event::SetBasePriority(200));
    let mut now = t0;
    // A master of priority 150 keeps advertising: without preemption it stays master.
    for _ in 0..10 {
        now += Duration::from_secs(1);
        run_until(&mut m, now - Duration::from_secs(1), now);
        m.handle_event(now, advert(150));
    }
    assert_eq!(m.state(), State::Backup);
    // Preemption back on: the next lower-priority advert is ignored and it takes over.
    m.handle_event(now, Event::SetPreempt(true));
    for _ in 0..5 {
        now += Duration::from_secs(1);
        run_until(&mut m, now - Duration::from_secs(1), now);
        m.handle_event(now, advert(150));
    }
    run_until(&mut m, now, now + Duration::from_secs(5));
    assert_eq!(m.state(), State::Master);
}

#[test]
fn a_reload_puts_the_configured_values_back() {
    let t0 = Instant::now();
    let mut m = Machine::new(config(100), t0);
    m.handle_event(t0, Event::SetBasePriority(42));
    m.handle_event(t0, Event::SetPreempt(false));
    assert_eq!((m.effective_priority(), m.config().preempt), (42, false));
    m.reload_unchanged(t0);
    assert_eq!(m.config().priority, 100);
    assert_eq!((m.effective_priority(), m.config().preempt), (100, true));
    // A reload with a changed configuration takes the new one.
    m.handle_event(t0, Event::SetBasePriority(42));
    m.reconfigure(config(120), t0);
    assert_eq!(m.effective_priority(), 120);
    m.reload_unchanged(t0);
    assert_eq!(m.effective_priority(), 120);
}
