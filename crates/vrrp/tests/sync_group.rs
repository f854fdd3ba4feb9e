//! Sync groups under a virtual clock: two routers, each with two instances in a
//! `vrrp_sync_group` and one lone instance, adverts delivered per VRID between the routers.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalived_vrrp::machine::{
    Action, Advert, Event, InstanceConfig, Machine, State, TrackId, TrackValue, TrackedObject,
    Version,
};
use keepalived_vrrp::sync_group::SyncGroup;

const SCRIPT: TrackId = TrackId(1);

struct Router {
    addr: IpAddr,
    /// VRIDs 1 and 2 are in the group, 3 is alone.
    machines: Vec<Machine>,
    group: SyncGroup,
    group_log: Vec<State>,
}

impl Router {
    fn new(last: u8, priority: u8, now: Instant) -> Router {
        let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, last));
        let machines = (1..=3)
            .map(|vrid| {
                let mut c = InstanceConfig::new(format!("VI_{vrid}"), Version::V2, addr, priority);
                c.sync_group = vrid != 3;
                if vrid == 1 {
                    c.tracked.push(TrackedObject {
                        id: SCRIPT,
                        weight: 0,
                        initial: TrackValue::Up,
                    });
                }
                Machine::new(c, now)
            })
            .collect();
        Router {
            addr,
            machines,
            group: SyncGroup::new("G1"),
            group_log: Vec::new(),
        }
    }

    fn reconcile(&mut self, now: Instant) {
        let (members, _) = self.machines.split_at_mut(2);
        let mut refs: Vec<&mut Machine> = members.iter_mut().collect();
        if let Some(s) = self.group.reconcile(now, &mut refs) {
            self.group_log.push(s);
        }
    }

    fn states(&self) -> Vec<State> {
        self.machines.iter().map(|m| m.state()).collect()
    }
}

struct Lab {
    now: Instant,
    routers: Vec<Router>,
    /// Adverts of these VRIDs are lost.
    blocked: Vec<u8>,
}

impl Lab {
    fn new(prios: &[u8]) -> Lab {
        let now = Instant::now();
        let routers = prios
            .iter()
            .enumerate()
            .map(|(i, p)| Router::new(i as u8 + 1, *p, now))
            .collect();
        Lab {
            now,
            routers,
            blocked: Vec::new(),
        }
    }

    /// Drains every action; adverts reach the other routers at once.
    fn deliver(&mut self) {
        loop {
            let mut sent = Vec::new();
            for (r, router) in self.routers.iter_mut().enumerate() {
                router.reconcile(self.now);
                for (v, m) in router.machines.iter_mut().enumerate() {
                    while let Some(a) = m.poll_action() {
                        if let Action::SendAdvert { priority, interval } = a {
                            sent.push((r, v, priority, interval, router.addr));
                        }
                    }
                }
            }
            if sent.is_empty() {
                return;
            }
            for (from, v, priority, interval, source) in sent {
                if self.blocked.contains(&(v as u8 + 1)) {
                    continue;
                }
                for (r, router) in self.routers.iter_mut().enumerate() {
                    if r != from {
                        let ev = Event::Advert(Advert {
                            source,
                            priority,
                            interval,
                        });
                        router.machines[v].handle_event(self.now, ev);
                    }
                }
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.deliver();
            let next = self
                .routers
                .iter()
                .flat_map(|r| r.machines.iter().filter_map(|m| m.poll_timeout()))
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    for r in &mut self.routers {
                        for m in &mut r.machines {
                            m.handle_timeout(self.now);
                        }
                    }
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn track(&mut self, router: usize, value: TrackValue) {
        let ev = Event::Track { id: SCRIPT, value };
        self.routers[router].machines[0].handle_event(self.now, ev);
    }
}

use State::{Backup, Fault, Master};

#[test]
fn the_group_elects_together() {
    let mut lab = Lab::new(&[150, 100]);
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[0].states(), [Master, Master, Master]);
    assert_eq!(lab.routers[1].states(), [Backup, Backup, Backup]);
    assert_eq!(lab.routers[0].group.state(), Master);
    assert_eq!(lab.routers[1].group.state(), Backup);
}

#[test]
fn one_failing_member_faults_the_group_but_not_the_lone_instance() {
    let mut lab = Lab::new(&[150, 100]);
    lab.run_for(Duration::from_secs(10));
    lab.track(0, TrackValue::Down);
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[0].states(), [Fault, Fault, Master]);
    assert_eq!(lab.routers[1].states(), [Master, Master, Backup]);
    assert_eq!(lab.routers[0].group_log.last(), Some(&Fault));
    lab.track(0, TrackValue::Up);
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[0].states(), [Master, Master, Master]);
    assert_eq!(lab.routers[1].states(), [Backup, Backup, Backup]);
}

#[test]
fn a_member_waits_while_another_still_hears_the_master() {
    let mut lab = Lab::new(&[150, 100]);
    lab.run_for(Duration::from_secs(10));
    // VRID 1's adverts are lost: router 2's VI_1 wants MASTER, but VI_2 still hears router 1.
    lab.blocked.push(1);
    lab.run_for(Duration::from_secs(20));
    assert_eq!(lab.routers[1].states(), [Backup, Backup, Backup]);
    assert!(lab.routers[1].machines[0].wants_master());
    // Now VRID 2 is lost too: the whole group takes over at once.
    lab.blocked.push(2);
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[1].states(), [Master, Master, Backup]);
}

#[test]
fn a_preempted_member_takes_the_group_back_to_backup() {
    let mut lab = Lab::new(&[100, 100]);
    // A partition: both routers become MASTER of everything.
    lab.blocked = vec![1, 2, 3];
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[0].states(), [Master, Master, Master]);
    assert_eq!(lab.routers[1].states(), [Master, Master, Master]);
    // Reconnect: equal priorities, router 2 has the higher address and wins each VRID; router
    // 1's members all end in BACKUP.
    lab.blocked.clear();
    lab.run_for(Duration::from_secs(10));
    assert_eq!(lab.routers[0].states(), [Backup, Backup, Backup]);
    assert_eq!(lab.routers[1].states(), [Master, Master, Master]);
}

#[test]
fn a_restarted_instance_that_finds_its_vips_resumes_as_master_then_yields_to_a_better_one() {
    let t0 = Instant::now();
    let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let mut c = InstanceConfig::new("VI_1", Version::V2, addr, 100);
    c.resume_master = true;
    let mut m = Machine::new(c, t0);
    m.handle_timeout(t0);
    assert_eq!(m.state(), Master);
    let better = Advert {
        source: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        priority: 200,
        interval: Duration::from_secs(1),
    };
    m.handle_event(t0 + Duration::from_millis(100), Event::Advert(better));
    assert_eq!(m.state(), Backup);
}

/// Two group members, the first tracking a weight-0 script with no result yet.
fn pending_pair(now: Instant) -> (SyncGroup, Vec<Machine>) {
    let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let machines = (1..=2)
        .map(|vrid| {
            let mut c = InstanceConfig::new(format!("VI_{vrid}"), Version::V2, addr, 100);
            c.sync_group = true;
            if vrid == 1 {
                c.tracked.push(TrackedObject {
                    id: SCRIPT,
                    weight: 0,
                    initial: TrackValue::Init,
                });
            }
            Machine::new(c, now)
        })
        .collect();
    (SyncGroup::new("G1"), machines)
}

fn notify_count(m: &mut Machine) -> usize {
    std::iter::from_fn(|| m.poll_action())
        .filter(|a| matches!(a, Action::Notify { .. }))
        .count()
}

#[test]
fn a_member_waiting_for_its_script_holds_the_group_silently() {
    let t0 = Instant::now();
    let (mut group, mut ms) = pending_pair(t0);
    // The daemon reconciles its groups before the members leave INIT.
    group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>());
    for m in ms.iter_mut() {
        m.handle_timeout(t0);
    }
    group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>());
    assert_eq!(ms[0].state(), State::Fault);
    assert_eq!(ms[1].state(), State::Fault);
    assert_eq!(notify_count(&mut ms[0]) + notify_count(&mut ms[1]), 0);
    // The first result is a success: both members start, each saying BACKUP once.
    ms[0].handle_event(
        t0,
        Event::Track {
            id: SCRIPT,
            value: TrackValue::Up,
        },
    );
    group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>());
    assert_eq!(ms[0].state(), State::Backup);
    assert_eq!(ms[1].state(), State::Backup);
    assert_eq!(notify_count(&mut ms[0]), 1);
    assert_eq!(notify_count(&mut ms[1]), 1);
}

#[test]
fn a_group_waiting_for_a_script_result_is_not_in_fault() {
    let t0 = Instant::now();
    let (mut group, mut ms) = pending_pair(t0);
    let mut changes = Vec::new();
    changes.extend(group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>()));
    for m in ms.iter_mut() {
        m.handle_timeout(t0);
    }
    changes.extend(group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>()));
    assert_eq!(group.state(), State::Init);
    ms[0].handle_event(
        t0,
        Event::Track {
            id: SCRIPT,
            value: TrackValue::Up,
        },
    );
    changes.extend(group.reconcile(t0, &mut ms.iter_mut().collect::<Vec<_>>()));
    assert_eq!(changes, vec![State::Backup]);
}
