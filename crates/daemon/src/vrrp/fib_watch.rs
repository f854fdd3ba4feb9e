//! Routes and rules deleted by someone else (keepalived's netlink_route_filter and
//! netlink_rule_filter): a MASTER whose tracked virtual route or rule goes away leaves MASTER
//! and takes over again after Skew_Time (set_vrrp_backup, as for a removed VIP); a tracked
//! static route or rule is put back (reinstate_static_route / reinstate_static_rule).

use std::time::Instant;

use keepalived_net::{FibGroups, RouteEntry, RuleSpec};
use keepalived_vrrp::machine::{Event, State};

use super::Daemon;
use crate::{fib, log, statics};

impl Daemon {
    /// Joins the route and rule groups keepalived would watch for the running configuration.
    pub(super) fn watch_fib(&self) {
        let groups: FibGroups = fib::watched_groups(&self.config.vrrp);
        if let Some(m) = &self.fib_membership {
            if let Err(e) = m.set(groups) {
                log::info(format!("Netlink: cannot change route/rule membership: {e}"));
            }
        }
    }

    /// A route of protocol keepalived was deleted.
    pub(super) async fn route_removed(&mut self, removed: RouteEntry, now: Instant) {
        let hit = self.instances.iter().enumerate().find_map(|(idx, i)| {
            fib::matching_route(&i.conf.virtual_routes, &self.names, &removed, true)
                .map(|r| (idx, fib::route_tracked(r)))
        });
        match hit {
            Some((idx, tracked)) => {
                if tracked {
                    self.leave_master_for(idx, "virtual route", now);
                }
            }
            None => {
                statics::reinstate_route(&self.netlink, &self.config, &self.names, &removed).await
            }
        }
    }

    /// A rule (of protocol keepalived, or without one) was deleted.
    pub(super) async fn rule_removed(&mut self, removed: RuleSpec, now: Instant) {
        let hit = self
            .instances
            .iter()
            .position(|i| fib::matching_rule(&i.conf.virtual_rules, &removed).is_some());
        match hit {
            Some(idx) => self.leave_master_for(idx, "virtual rule", now),
            None => statics::reinstate_rule(&self.netlink, &self.config, &removed).await,
        }
    }

    /// keepalived's set_vrrp_backup, for a MASTER that lost a route or rule it installed.
    fn leave_master_for(&mut self, idx: usize, what: &str, now: Instant) {
        let Some(i) = self.instances.get(idx) else {
            return;
        };
        if self.router.machine(i.id).map(|m| m.state()) != Some(State::Master) {
            return;
        }
        log::info(format!(
            "({}) a {what} was removed from the kernel",
            i.conf.name
        ));
        self.router.handle_event(now, i.id, Event::VipRemoved);
    }
}
