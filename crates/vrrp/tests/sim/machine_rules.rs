//! Single-machine rules: inputs at chosen instants, actions checked one by one.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{
    skew_time, Action, Advert, Event, InitialState, InstanceConfig, Machine, NotifyState, State,
    TrackId, TrackValue, TrackedObject, Version,
};

use keepalived_vrrp::wire::Counter;

use crate::sim::lan::{addr, config};

fn drain(m: &mut Machine) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn advert(source: IpAddr, priority: u8) -> Event {
    Event::Advert(Advert {
        source,
        priority,
        interval: Duration::from_secs(1),
    })
}

fn started(cfg: InstanceConfig, t0: Instant) -> Machine {
    let mut m = Machine::new(cfg, t0);
    m.handle_timeout(t0);
    m
}

fn master(cfg: InstanceConfig, t0: Instant) -> (Machine, Instant) {
    let mut m = started(cfg, t0);
    let at = m.poll_timeout().unwrap();
    m.handle_timeout(at);
    assert_eq!(m.state(), State::Master);
    drain(&mut m);
    (m, at)
}

#[test]
fn address_owner_becomes_master_at_once() {
    let t0 = Instant::now();
    let mut m = started(config(1, 255), t0);
    assert_eq!(m.state(), State::Master);
    let actions = drain(&mut m);
    assert_eq!(
        actions,
        vec![
            Action::StateChanged {
                from: State::Init,
                to: State::Master
            },
            Action::Notify {
                new_state: NotifyState::Master,
                priority: 255
            },
            Action::AddVips { accept: true },
            Action::SendGratuitous { count: 5 },
            Action::SendAdvert {
                priority: 255,
                interval: Duration::from_secs(1)
            },
        ]
    );
}

#[test]
fn state_master_below_255_starts_as_backup_and_waits_master_down() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.initial_state = InitialState::Master;
    let m = started(cfg, t0);
    assert_eq!(m.state(), State::Backup);
    let down = m.poll_timeout().unwrap() - t0;
    assert_eq!(down, Duration::from_micros(3_609_375));
}

#[test]
fn startup_delay_keeps_the_instance_in_init() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.startup_delay = Duration::from_secs(5);
    let mut m = Machine::new(cfg, t0);
    m.handle_timeout(t0 + Duration::from_secs(4));
    assert_eq!(m.state(), State::Init);
    m.handle_event(t0, advert(addr(2), 200));
    assert!(drain(&mut m).is_empty());
    m.handle_timeout(t0 + Duration::from_secs(5));
    assert_eq!(m.state(), State::Backup);
}

#[test]
fn spurious_wakeup_is_a_no_op() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 100), t0);
    let next = m.poll_timeout().unwrap();
    m.handle_timeout(at + Duration::from_millis(10));
    assert!(drain(&mut m).is_empty());
    assert_eq!(m.poll_timeout(), Some(next));
    m.handle_timeout(next);
    assert_eq!(
        drain(&mut m),
        vec![Action::SendAdvert {
            priority: 100,
            interval: Duration::from_secs(1)
        }]
    );
}

#[test]
fn master_answers_lower_priority_advert_at_once_and_stays_master() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 100), t0);
    m.handle_event(at, advert(addr(2), 50));
    assert_eq!(m.state(), State::Master);
    let actions = drain(&mut m);
    assert_eq!(
        actions[0],
        Action::SendAdvert {
            priority: 100,
            interval: Duration::from_secs(1)
        }
    );
    assert!(actions.contains(&Action::NotifyMasterRxLowerPri { source: addr(2) }));
}

#[test]
fn lower_prio_no_advert_suppresses_the_answer() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.lower_prio_no_advert = true;
    cfg.garp.lower_prio_repeat = 2;
    let (mut m, at) = master(cfg, t0);
    m.handle_event(at, advert(addr(2), 50));
    let actions = drain(&mut m);
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::SendAdvert { .. })));
    assert!(actions.contains(&Action::SendGratuitous { count: 2 }));
}

#[test]
fn higher_prio_send_advert_sends_before_going_backup() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.higher_prio_send_advert = true;
    let (mut m, at) = master(cfg, t0);
    m.handle_event(at, advert(addr(2), 150));
    let actions = drain(&mut m);
    assert_eq!(
        actions[0],
        Action::SendAdvert {
            priority: 100,
            interval: Duration::from_secs(1)
        }
    );
    assert!(actions.contains(&Action::RemoveVips { accept: true }));
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.counters()[Counter::ReleaseMaster], 1);
}

#[test]
fn master_answers_priority_zero_with_an_advert() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 100), t0);
    m.handle_event(at, advert(addr(2), 0));
    assert_eq!(
        drain(&mut m),
        vec![Action::SendAdvert {
            priority: 100,
            interval: Duration::from_secs(1)
        }]
    );
    // Receive counters are the router's (crate::router); the machine counts what it sends.
    assert_eq!(m.counters()[Counter::AdvertSent], 2);
}

#[test]
fn backup_priority_zero_shortens_master_down_to_skew_time() {
    let t0 = Instant::now();
    let mut m = started(config(1, 100), t0);
    let t1 = t0 + Duration::from_secs(1);
    m.handle_event(t1, advert(addr(2), 0));
    let skew = skew_time(Version::V3, 100, Duration::from_secs(1));
    assert_eq!(m.poll_timeout(), Some(t1 + skew));
}

#[test]
fn two_address_owners_drop_local_priority_to_254() {
    let t0 = Instant::now();
    let mut m = started(config(1, 255), t0);
    drain(&mut m);
    m.handle_event(t0, advert(addr(2), 255));
    assert_eq!(m.effective_priority(), 254);
    assert_eq!(m.state(), State::Backup); // the peer has the higher address
}

#[test]
fn backup_ignores_lower_priority_advert_when_preempting() {
    let t0 = Instant::now();
    let mut m = started(config(1, 100), t0);
    let down = m.poll_timeout().unwrap();
    m.handle_event(t0 + Duration::from_secs(1), advert(addr(2), 50));
    assert_eq!(m.poll_timeout(), Some(down));
    m.handle_event(t0 + Duration::from_secs(1), advert(addr(2), 150));
    assert!(m.poll_timeout().unwrap() > down);
}

#[test]
fn shutdown_of_master_sends_priority_zero_and_removes_vips() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 100), t0);
    m.handle_event(at, Event::Shutdown);
    let actions = drain(&mut m);
    assert_eq!(
        actions,
        vec![
            Action::RemoveVips { accept: true },
            Action::SendAdvert {
                priority: 0,
                interval: Duration::from_secs(1)
            },
            Action::StateChanged {
                from: State::Master,
                to: State::Stop
            },
            Action::Notify {
                new_state: NotifyState::Stop,
                priority: 100
            },
        ]
    );
    assert_eq!(m.poll_timeout(), None);
    m.handle_event(at, advert(addr(2), 50));
    assert!(drain(&mut m).is_empty());
}

#[test]
fn garp_second_burst_after_master_delay_and_refresh() {
    let t0 = Instant::now();
    let mut cfg = config(1, 255);
    cfg.garp.master_refresh = Some(Duration::from_millis(2500));
    cfg.garp.master_refresh_repeat = 2;
    let mut m = started(cfg, t0);
    drain(&mut m);
    let mut garps = Vec::new();
    while let Some(at) = m.poll_timeout() {
        if at > t0 + Duration::from_secs(6) {
            break;
        }
        m.handle_timeout(at);
        for a in drain(&mut m) {
            if let Action::SendGratuitous { count } = a {
                garps.push(((at - t0).as_millis(), count));
            }
        }
    }
    // Refresh rides on the first advert after 2.5 s (3 s, then 6 s); the second master burst at 5 s.
    assert_eq!(garps, vec![(3000, 2), (5000, 5), (6000, 2)]);
}

#[test]
fn priority_change_in_backup_moves_the_master_down_deadline() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.tracked.push(TrackedObject {
        id: TrackId(3),
        weight: 50,
        initial: TrackValue::Down,
    });
    let mut m = started(cfg, t0);
    let before = m.poll_timeout().unwrap();
    let t1 = t0 + Duration::from_secs(1);
    m.handle_event(
        t1,
        Event::Track {
            id: TrackId(3),
            value: TrackValue::Up,
        },
    );
    assert_eq!(m.effective_priority(), 150);
    let old_skew = skew_time(Version::V3, 100, Duration::from_secs(1));
    let new_skew = skew_time(Version::V3, 150, Duration::from_secs(1));
    assert_eq!(m.poll_timeout(), Some(before - (old_skew - new_skew)));
}

#[test]
fn master_going_to_fault_removes_vips_then_sends_priority_zero() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.tracked.push(TrackedObject {
        id: TrackId(1),
        weight: 0,
        initial: TrackValue::Up,
    });
    let (mut m, at) = master(cfg, t0);
    script_result(&mut m, at, TrackValue::Down);
    let actions = drain(&mut m);
    assert_eq!(actions[0], Action::RemoveVips { accept: true });
    assert_eq!(
        actions[1],
        Action::SendAdvert {
            priority: 0,
            interval: Duration::from_secs(1)
        }
    );
    assert_eq!(m.state(), State::Fault);
    assert_eq!(m.poll_timeout(), None);
    // Adverts are counted but ignored in FAULT.
    m.handle_event(at, advert(addr(2), 50));
    assert!(drain(&mut m).is_empty());
    script_result(&mut m, at, TrackValue::Up);
    assert_eq!(m.state(), State::Backup);
}

#[test]
fn adverts_keep_their_period_when_the_wake_up_is_late() {
    let t0 = Instant::now();
    let mut cfg = config(1, 100);
    cfg.garp.master_delay = Duration::ZERO; // only the advert timer runs
    let (mut m, at) = master(cfg, t0);
    let first = m.poll_timeout().unwrap();
    assert_eq!(first, at + Duration::from_secs(1));
    // Woken 300 ms late: the next advert is still due one interval after the first deadline.
    m.handle_timeout(first + Duration::from_millis(300));
    assert_eq!(m.poll_timeout(), Some(first + Duration::from_secs(1)));
    drain(&mut m);
    // More than an interval late: an interval from the late wake-up, no burst.
    let second = first + Duration::from_secs(1);
    let late = second + Duration::from_millis(2500);
    m.handle_timeout(late);
    let sent = drain(&mut m)
        .into_iter()
        .filter(|a| matches!(a, Action::SendAdvert { .. }))
        .count();
    assert_eq!(sent, 1);
    assert_eq!(m.poll_timeout(), Some(late + Duration::from_secs(1)));
}

fn notifies(actions: &[Action]) -> Vec<NotifyState> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify { new_state, .. } => Some(*new_state),
            _ => None,
        })
        .collect()
}

fn script_result(m: &mut Machine, at: Instant, value: TrackValue) {
    m.handle_event(
        at,
        Event::Track {
            id: TrackId(1),
            value,
        },
    );
}

fn with_pending_script(weight: i32) -> InstanceConfig {
    let mut cfg = config(1, 100);
    cfg.tracked.push(TrackedObject {
        id: TrackId(1),
        weight,
        initial: TrackValue::Init,
    });
    cfg
}

#[test]
fn a_script_failing_from_the_start_notifies_fault_only() {
    let t0 = Instant::now();
    let mut m = started(with_pending_script(0), t0);
    // Held in FAULT without a word until the first result (keepalived's num_script_init).
    assert_eq!(m.state(), State::Fault);
    assert!(notifies(&drain(&mut m)).is_empty());
    assert_eq!(m.poll_timeout(), None);
    let t1 = t0 + Duration::from_millis(500);
    script_result(&mut m, t1, TrackValue::Down);
    assert_eq!(m.state(), State::Fault);
    assert_eq!(notifies(&drain(&mut m)), vec![NotifyState::Fault]);
    // Later failures say nothing more; success brings BACKUP.
    script_result(&mut m, t1, TrackValue::Up);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(notifies(&drain(&mut m)), vec![NotifyState::Backup]);
}

#[test]
fn a_script_succeeding_at_its_first_run_starts_the_instance_in_backup() {
    let t0 = Instant::now();
    let mut m = started(with_pending_script(0), t0);
    drain(&mut m);
    let t1 = t0 + Duration::from_millis(300);
    script_result(&mut m, t1, TrackValue::Up);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(notifies(&drain(&mut m)), vec![NotifyState::Backup]);
    // Master_Down counts from the result, not from the start.
    assert_eq!(
        m.poll_timeout(),
        Some(
            t1 + keepalived_vrrp::machine::master_down_interval(
                Version::V3,
                100,
                Duration::from_secs(1),
                3
            )
        )
    );
}

#[test]
fn a_weighted_script_counts_only_from_its_first_result() {
    let t0 = Instant::now();
    let mut m = started(with_pending_script(20), t0);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.effective_priority(), 100);
    script_result(&mut m, t0, TrackValue::Up);
    assert_eq!(m.effective_priority(), 120);
}

fn resumed(t0: Instant) -> Machine {
    let mut cfg = config(1, 100);
    cfg.resume_master = true;
    started(cfg, t0)
}

#[test]
fn a_resumed_master_advertises_at_once_but_announces_after_master_down() {
    let t0 = Instant::now();
    let mut m = resumed(t0);
    assert_eq!(m.state(), State::Master);
    let first = drain(&mut m);
    assert!(first
        .iter()
        .any(|a| matches!(a, Action::SendAdvert { priority: 100, .. })));
    assert!(notifies(&first).is_empty());
    assert!(!first
        .iter()
        .any(|a| matches!(a, Action::SendGratuitous { .. })));
    // Nobody better heard for Master_Down: announced (notify and GARP).
    let down = t0
        + keepalived_vrrp::machine::master_down_interval(
            Version::V3,
            100,
            Duration::from_secs(1),
            3,
        );
    m.handle_timeout(down);
    let later = drain(&mut m);
    assert_eq!(notifies(&later), vec![NotifyState::Master]);
    assert!(later
        .iter()
        .any(|a| matches!(a, Action::SendGratuitous { .. })));
}

#[test]
fn a_resumed_master_beside_a_better_one_goes_backup_and_drops_its_vips() {
    let t0 = Instant::now();
    let mut m = resumed(t0);
    drain(&mut m);
    m.handle_event(t0 + Duration::from_millis(100), advert(addr(2), 150));
    assert_eq!(m.state(), State::Backup);
    let actions = drain(&mut m);
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::RemoveVips { .. })));
    assert_eq!(notifies(&actions), vec![NotifyState::Backup]);
    assert_eq!(m.counters()[Counter::ReleaseMaster], 0);
}

#[test]
fn a_resumed_master_hearing_a_lower_one_is_announced_at_once() {
    let t0 = Instant::now();
    let mut m = resumed(t0);
    drain(&mut m);
    m.handle_event(t0 + Duration::from_millis(100), advert(addr(2), 50));
    assert_eq!(m.state(), State::Master);
    assert_eq!(notifies(&drain(&mut m)), vec![NotifyState::Master]);
}

#[test]
fn a_reload_that_changed_nothing_leaves_a_backup_as_it_was() {
    let t0 = Instant::now();
    let mut m = started(config(1, 100), t0);
    drain(&mut m);
    m.handle_event(t0 + Duration::from_millis(200), advert(addr(2), 200));
    drain(&mut m);
    let due = m.poll_timeout();
    let reload = t0 + Duration::from_millis(500);
    m.reload_unchanged(reload);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.master_address(), Some(addr(2)));
    assert_eq!(m.poll_timeout(), due);
    assert!(drain(&mut m).is_empty());
}

#[test]
fn a_reload_that_changed_nothing_makes_a_master_advertise_at_once() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 150), t0);
    let reload = at + Duration::from_millis(300);
    m.reload_unchanged(reload);
    assert!(drain(&mut m).is_empty());
    assert_eq!(m.poll_timeout(), Some(reload));
    m.handle_timeout(reload);
    let sent = drain(&mut m);
    assert!(
        matches!(sent[..], [Action::SendAdvert { priority: 150, .. }]),
        "{sent:?}"
    );
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.poll_timeout(), Some(reload + Duration::from_secs(1)));
}

#[test]
fn a_reload_makes_a_master_advertise_at_once() {
    let t0 = Instant::now();
    let (mut m, at) = master(config(1, 150), t0);
    let reload = at + Duration::from_millis(300);
    let mut cfg = config(1, 50);
    cfg.advert_interval = Duration::from_secs(1);
    m.reconfigure(cfg, reload);
    drain(&mut m);
    assert_eq!(m.poll_timeout(), Some(reload));
    m.handle_timeout(reload);
    assert!(drain(&mut m)
        .iter()
        .any(|a| matches!(a, Action::SendAdvert { priority: 50, .. })));
    assert_eq!(m.poll_timeout(), Some(reload + Duration::from_secs(1)));
}

#[test]
fn down_timer_adverts_is_the_number_of_intervals_before_master_down() {
    let t0 = Instant::now();
    let deadline = |n: u32| {
        let mut cfg = config(1, 100);
        cfg.down_timer_adverts = n;
        let interval = cfg.advert_interval;
        let m = started(cfg, t0);
        (m.poll_timeout().expect("master down timer") - t0, interval)
    };
    let (three, interval) = deadline(3);
    let (five, _) = deadline(5);
    // A BACKUP waits down_timer_adverts intervals plus Skew_Time before it takes over.
    assert_eq!(five - three, interval * 2);
    assert!(three > interval * 3 && three < interval * 4, "{three:?}");
}
