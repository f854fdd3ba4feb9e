//! One netlink batch per pass of the event loop: the VIPs (and virtual routes and rules) of
//! every instance that changed state are removed and added together, then their GARP/NA
//! bursts go out. 200 instances becoming MASTER at once cost a few pipelined requests, not
//! 200 round trips.

use keepalived_net::{AddressSpec, Netlink, RouteSpec, RuleSpec};

use crate::instance::Instance;
use crate::log;

/// The installs and removals of one pass, and who announces afterwards.
#[derive(Debug, Default)]
pub struct NetBatch {
    add_addrs: Vec<AddressSpec>,
    del_addrs: Vec<AddressSpec>,
    add_routes: Vec<RouteSpec>,
    del_routes: Vec<RouteSpec>,
    add_rules: Vec<RuleSpec>,
    del_rules: Vec<RuleSpec>,
    /// (instance index in the slice given to `announce`, bursts).
    garps: Vec<(usize, u32)>,
    /// Instances whose VIPs this batch installs (for the takeover metrics).
    installs: usize,
}

impl NetBatch {
    /// Takes the pending VIP change and GARPs of `inst`, which is at `index` in the slice
    /// later given to [`NetBatch::announce`].
    pub fn collect(&mut self, index: usize, inst: &mut Instance) {
        let (install, garps) = inst.take_pending();
        if let Some(add) = install {
            let (addrs, routes, rules) = inst.install_specs();
            if add {
                self.installs += 1;
                self.add_addrs.extend_from_slice(addrs);
                self.add_routes.extend_from_slice(routes);
                self.add_rules.extend_from_slice(rules);
            } else {
                self.del_addrs.extend_from_slice(addrs);
                self.del_routes.extend_from_slice(routes);
                self.del_rules.extend_from_slice(rules);
            }
            inst.holds_vips = add;
        }
        if garps > 0 && inst.holds_vips {
            self.garps.push((index, garps));
        }
    }

    /// Removals first (rules, routes, addresses), then additions (addresses, routes, rules).
    pub async fn execute(&self, netlink: &Netlink) {
        for r in &self.del_rules {
            if let Err(e) = netlink.remove_rule(r).await {
                log::info(format!("removing virtual rule failed: {e}"));
            }
        }
        if !self.del_routes.is_empty() {
            if let Err(e) = netlink.remove_routes(&self.del_routes).await {
                log::info(format!("removing virtual routes failed: {e}"));
            }
        }
        if !self.del_addrs.is_empty() {
            if let Err(e) = netlink.remove_addresses(&self.del_addrs).await {
                log::info(format!("removing VIPs failed: {e}"));
            }
        }
        if !self.add_addrs.is_empty() {
            if let Err(e) = netlink.add_addresses(&self.add_addrs).await {
                log::info(format!("adding VIPs failed: {e}"));
            }
        }
        if !self.add_routes.is_empty() {
            if let Err(e) = netlink.add_routes(&self.add_routes).await {
                log::info(format!("adding virtual routes failed: {e}"));
            }
        }
        for r in &self.add_rules {
            if let Err(e) = netlink.add_rule(r).await {
                log::info(format!("adding virtual rule failed: {e}"));
            }
        }
    }

    /// The GARP/NA bursts, once the addresses are in place.
    pub fn announce(&self, instances: &[Instance]) {
        for (index, count) in &self.garps {
            if let Some(inst) = instances.get(*index) {
                inst.send_gratuitous(*count);
            }
        }
    }

    /// How many instances this batch installs the VIPs of.
    pub fn installs(&self) -> usize {
        self.installs
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.add_addrs.is_empty()
            && self.del_addrs.is_empty()
            && self.add_routes.is_empty()
            && self.del_routes.is_empty()
            && self.add_rules.is_empty()
            && self.del_rules.is_empty()
            && self.garps.is_empty()
    }
}
