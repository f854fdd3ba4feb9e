//! `vrrp_sync_group`: instances that change state together, as keepalived's vrrp_sync.c does
//! it, sans-IO. The group watches its members' machines after every event and feeds them the
//! group's decisions:
//!
//! - one member in fault (its interface or a weight-0 tracked object) holds every member in
//!   FAULT; the group leaves FAULT when no member has a fault of its own; a member waiting
//!   for its first script result holds them in a silent FAULT (keepalived's num_member_init);
//! - a member whose Master_Down timer expires waits ([`crate::machine::Action::WantMaster`])
//!   until every member wants MASTER or is MASTER, then all become MASTER at once;
//! - a MASTER member going back to BACKUP takes the other MASTER members with it.

use std::time::Instant;

use crate::machine::{Event, Machine, State};

/// One sync group's collective state.
#[derive(Debug, Clone)]
pub struct SyncGroup {
    name: String,
    state: State,
}

impl SyncGroup {
    /// A group named `name`, in INIT until its members start.
    pub fn new(name: impl Into<String>) -> SyncGroup {
        SyncGroup {
            name: name.into(),
            state: State::Init,
        }
    }

    /// The group's name (`vrrp_sync_group NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The group's state: FAULT if any member is, MASTER when all are, BACKUP when members
    /// are in BACKUP and none is MASTER.
    pub fn state(&self) -> State {
        self.state
    }

    /// Applies the group's rules to its `members` after they handled events at `now`, and
    /// returns the group's new state when it changed (the group notify scripts run then).
    /// The members' machines may have new actions afterwards: drain them.
    pub fn reconcile(&mut self, now: Instant, members: &mut [&mut Machine]) -> Option<State> {
        let any_fault = members
            .iter()
            .any(|m| m.state() != State::Stop && m.own_fault());
        // keepalived's num_member_init: a member waiting for its first script result holds
        // the others too (in FAULT, silently, like itself).
        let any_pending = !any_fault
            && members
                .iter()
                .any(|m| m.state() != State::Stop && m.own_pending());
        for m in members.iter_mut() {
            let fault = (m.group_fault() != any_fault).then_some(Event::GroupFault(any_fault));
            let pending =
                (m.group_pending() != any_pending).then_some(Event::GroupPending(any_pending));
            // Never pass through "neither": set the new hold before clearing the old one.
            let order = if any_pending {
                [pending, fault]
            } else {
                [fault, pending]
            };
            for ev in order.into_iter().flatten() {
                m.handle_event(now, ev);
            }
        }
        if !any_fault && !any_pending {
            let all_ready = members
                .iter()
                .all(|m| m.wants_master() || m.state() == State::Master);
            if all_ready && members.iter().any(|m| m.wants_master()) {
                for m in members.iter_mut() {
                    m.handle_event(now, Event::GroupMaster);
                }
            } else if self.state == State::Master
                && members.iter().any(|m| m.state() == State::Backup)
            {
                for m in members.iter_mut() {
                    m.handle_event(now, Event::GroupBackup);
                }
            }
        }
        let new = self.collective_state(members);
        if new == self.state {
            return None;
        }
        self.state = new;
        Some(new)
    }

    fn collective_state(&self, members: &[&mut Machine]) -> State {
        let has = |s: State| members.iter().any(|m| m.state() == s);
        let all = |s: State| members.iter().all(|m| m.state() == s);
        let announced_fault = members
            .iter()
            .any(|m| m.state() == State::Fault && !m.fault_unannounced());
        if all(State::Stop) {
            State::Stop
        } else if announced_fault {
            State::Fault
        } else if has(State::Fault) {
            // Members held silently for a first script result: the group keeps its state
            // (INIT at start), as keepalived's num_member_init.
            self.state
        } else if all(State::Master) {
            State::Master
        } else if has(State::Backup) && !has(State::Master) {
            State::Backup
        } else if all(State::Init) {
            State::Init
        } else {
            // Members in transit (some MASTER, some not yet): the group keeps its state.
            self.state
        }
    }
}
