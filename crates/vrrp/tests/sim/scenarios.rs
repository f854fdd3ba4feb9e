//! One scenario per documented behaviour, on the simulated LAN.

use std::time::Duration;

use keepalived_vrrp::machine::{
    master_down_interval, Action, Event, State, TrackId, TrackValue, TrackedObject, Version,
};

use keepalived_vrrp::wire::Counter;

use crate::sim::lan::{config, Lan};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn election_of_highest_priority() {
    let mut lan = Lan::new(1);
    let low = lan.add(config(1, 100));
    let high = lan.add(config(2, 200));
    let mid = lan.add(config(3, 150));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![high]);
    assert_eq!(lan.state(low), State::Backup);
    assert_eq!(lan.state(mid), State::Backup);
    assert!(lan.nodes[high].has_vips && !lan.nodes[low].has_vips && !lan.nodes[mid].has_vips);
    // The winner got there by Master_Down expiry, the others never became master.
    assert_eq!(lan.nodes[high].stats()[Counter::BecomeMaster], 1);
    assert_eq!(lan.nodes[low].stats()[Counter::BecomeMaster], 0);
}

#[test]
fn tie_broken_by_higher_primary_address() {
    let mut lan = Lan::new(2);
    let a = lan.add(config(7, 100));
    let b = lan.add(config(9, 100));
    let c = lan.add(config(8, 100));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![b]);
    assert_eq!(lan.state(a), State::Backup);
    assert_eq!(lan.state(c), State::Backup);
}

#[test]
fn preemption_when_higher_priority_router_comes_back() {
    let mut lan = Lan::new(3);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    lan.stop(a);
    lan.run_for(secs(5.0));
    assert_eq!(lan.masters(), vec![b]);
    lan.restart(a, config(1, 200));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    assert_eq!(lan.state(b), State::Backup);
    assert!(!lan.nodes[b].has_vips);
}

#[test]
fn nopreempt_keeps_the_current_master() {
    let mut lan = Lan::new(4);
    let mut a_cfg = config(1, 200);
    a_cfg.preempt = false;
    let a = lan.add(a_cfg.clone());
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    lan.stop(a);
    lan.run_for(secs(5.0));
    assert_eq!(lan.masters(), vec![b]);
    lan.restart(a, a_cfg);
    lan.run_for(secs(30.0));
    assert_eq!(lan.masters(), vec![b]);
    assert_eq!(lan.state(a), State::Backup);
}

#[test]
fn preempt_delay_postpones_preemption() {
    let mut lan = Lan::new(5);
    let mut a_cfg = config(1, 200);
    a_cfg.preempt_delay = secs(10.0);
    let a = lan.add(a_cfg.clone());
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    lan.stop(a);
    lan.run_for(secs(5.0));
    assert_eq!(lan.masters(), vec![b]);
    lan.restart(a, a_cfg);
    let restarted = lan.elapsed();
    // Without preempt_delay A would take over after ~3.2 s.
    lan.run_for(secs(9.0));
    assert_eq!(lan.masters(), vec![b], "A preempted before preempt_delay");
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    let took_over = lan.entered(a, State::Master).unwrap() - restarted;
    assert!(took_over >= secs(10.0), "took over after {took_over:?}");
}

#[test]
fn priority_zero_handover_on_shutdown_is_faster_than_master_down() {
    let mut lan = Lan::new(6);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 150));
    lan.run_for(secs(10.0));
    let stopped = lan.elapsed();
    lan.stop(a);
    assert!(lan.nodes[a]
        .log
        .iter()
        .any(|(_, act)| *act == Action::RemoveVips { accept: true }));
    assert_eq!(lan.nodes[a].stats()[Counter::PriZeroSent], 1);
    lan.run_for(secs(5.0));
    assert_eq!(lan.masters(), vec![b]);
    assert_eq!(lan.nodes[b].stats()[Counter::PriZeroRcvd], 1);
    let handover = lan.entered(b, State::Master).unwrap() - stopped;
    let down = master_down_interval(Version::V3, 150, secs(1.0), 3);
    assert!(
        handover < down / 3,
        "handover took {handover:?}, master down is {down:?}"
    );

    // A crash, by contrast, takes the whole Master_Down_Interval.
    let mut lan = Lan::new(6);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 150));
    lan.run_for(secs(10.0));
    let crashed = lan.elapsed();
    lan.crash(a);
    lan.run_for(secs(5.0));
    let takeover = lan.entered(b, State::Master).unwrap() - crashed;
    assert!(
        takeover > down - secs(1.0),
        "takeover after crash took {takeover:?}"
    );
}

#[test]
fn v3_backup_adopts_the_master_interval() {
    let mut lan = Lan::new(7);
    let mut a_cfg = config(1, 200);
    a_cfg.advert_interval = secs(0.5);
    let a = lan.add(a_cfg);
    let mut b_cfg = config(2, 100);
    b_cfg.advert_interval = secs(2.0);
    let b = lan.add(b_cfg);
    lan.run_for(secs(20.0));
    assert_eq!(lan.masters(), vec![a]);
    assert_eq!(lan.nodes[b].machine().master_adver_interval(), secs(0.5));
    let crashed = lan.elapsed();
    lan.crash(a);
    lan.run_for(secs(10.0));
    let takeover = lan.entered(b, State::Master).unwrap() - crashed;
    // 3 * 0.5 s + skew, not 3 * 2 s.
    assert!(takeover <= master_down_interval(Version::V3, 100, secs(0.5), 3));

    // v2 keeps its own interval (the codec drops mismatching v2 adverts before us).
    let mut lan = Lan::new(7);
    let mut a_cfg = config(1, 200);
    a_cfg.version = Version::V2;
    lan.add(a_cfg);
    let mut b_cfg = config(2, 100);
    b_cfg.version = Version::V2;
    let b = lan.add(b_cfg);
    lan.run_for(secs(10.0));
    assert_eq!(lan.nodes[b].machine().master_adver_interval(), secs(1.0));
}

#[test]
fn partition_gives_two_masters_and_healing_gives_one() {
    let mut lan = Lan::new(8);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 150));
    let c = lan.add(config(3, 100));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    lan.partition(&[&[a], &[b, c]]);
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a, b]);
    assert_eq!(lan.state(c), State::Backup);
    lan.heal();
    lan.run_for(secs(5.0));
    assert_eq!(lan.masters(), vec![a]);
    assert!(!lan.nodes[b].has_vips);
}

#[test]
fn flapping_link_settles_on_the_highest_priority() {
    let mut lan = Lan::new(9);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    for _ in 0..10 {
        // The interface is down: nothing can be sent, so B waits for Master_Down.
        lan.set_link(a, false);
        lan.event(a, Event::InterfaceDown);
        assert_eq!(lan.state(a), State::Fault);
        lan.run_for(secs(4.0));
        assert_eq!(lan.masters(), vec![b]);
        lan.set_link(a, true);
        lan.event(a, Event::InterfaceUp);
        assert_eq!(lan.state(a), State::Backup);
        lan.run_for(secs(5.0));
        assert_eq!(lan.masters(), vec![a]);
    }
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    let ca = lan.nodes[a].stats();
    let cb = lan.nodes[b].stats();
    assert_eq!(ca[Counter::BecomeMaster], ca[Counter::ReleaseMaster] + 1);
    assert_eq!(cb[Counter::BecomeMaster], cb[Counter::ReleaseMaster]);
    assert_eq!(cb[Counter::BecomeMaster], 10);

    // A cable that flaps faster than Master_Down never causes a takeover.
    let mut lan = Lan::new(9);
    let a = lan.add(config(1, 200));
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    for _ in 0..10 {
        lan.set_link(a, false);
        lan.run_for(secs(1.5));
        lan.set_link(a, true);
        lan.run_for(secs(1.5));
    }
    assert_eq!(lan.masters(), vec![a]);
    assert_eq!(lan.nodes[b].stats()[Counter::BecomeMaster], 0);
}

#[test]
fn twenty_percent_loss_still_converges() {
    let mut lan = Lan::new(10);
    lan.loss = 0.2;
    lan.max_delay = Duration::from_millis(20);
    let ids: Vec<usize> = (1..=5).map(|i| lan.add(config(i, 50 * i))).collect();
    let best = ids[4];
    lan.run_for(secs(10.0));
    let (mut samples, mut good) = (0, 0);
    for _ in 0..600 {
        lan.run_for(secs(0.1));
        samples += 1;
        if lan.masters() == vec![best] {
            good += 1;
        }
    }
    assert!(
        good * 100 >= samples * 95,
        "only {good}/{samples} samples had the right single master"
    );
    lan.loss = 0.0;
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![best]);
}

fn tracked(weight: i32) -> TrackedObject {
    TrackedObject {
        id: TrackId(1),
        weight,
        initial: TrackValue::Up,
    }
}

#[test]
fn tracking_weight_lowers_priority_and_the_peer_preempts() {
    let mut lan = Lan::new(11);
    let mut a_cfg = config(1, 200);
    a_cfg.tracked.push(tracked(-150));
    let a = lan.add(a_cfg);
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    lan.event(
        a,
        Event::Track {
            id: TrackId(1),
            value: TrackValue::Down,
        },
    );
    assert_eq!(lan.nodes[a].machine().effective_priority(), 50);
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![b]);
    assert_eq!(lan.state(a), State::Backup);
    lan.event(
        a,
        Event::Track {
            id: TrackId(1),
            value: TrackValue::Up,
        },
    );
    assert_eq!(lan.nodes[a].machine().effective_priority(), 200);
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
}

#[test]
fn weight_zero_track_enters_fault_and_recovers() {
    let mut lan = Lan::new(12);
    let mut a_cfg = config(1, 200);
    a_cfg.tracked.push(tracked(0));
    let a = lan.add(a_cfg);
    let b = lan.add(config(2, 100));
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
    lan.event(
        a,
        Event::Track {
            id: TrackId(1),
            value: TrackValue::Down,
        },
    );
    assert_eq!(lan.state(a), State::Fault);
    assert!(!lan.nodes[a].has_vips);
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![b]);
    assert_eq!(lan.state(a), State::Fault);
    lan.event(
        a,
        Event::Track {
            id: TrackId(1),
            value: TrackValue::Up,
        },
    );
    assert_eq!(lan.state(a), State::Backup);
    lan.run_for(secs(10.0));
    assert_eq!(lan.masters(), vec![a]);
}
