//! `ha_suspend`: the checkers of a virtual server run only while its address is on one of
//! this host's interfaces (keepalived's `update_checker_activity`, check_api.c). A suspended
//! checker keeps its real server's state and only waits out its delay_loop.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use keepalived_conf::model::{Config, VsAddress};

use crate::log::Logger;
use crate::pool::Pool;

/// The addresses on this host's interfaces: (ifindex, address), kept by the caller's
/// netlink monitor. The same address on two interfaces counts twice, as in keepalived.
pub type LocalAddresses = tokio::sync::watch::Receiver<HashSet<(u32, IpAddr)>>;

/// What a virtual server's checkers wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// No `ha_suspend`: always enabled.
    Never,
    /// Its address.
    For(IpAddr),
    /// A virtual_server_group: keepalived's addr_matches never matches one, so its
    /// checkers stay suspended.
    Forever,
}

/// Every checker's enabled flag, and what each virtual server waits for.
#[derive(Debug)]
pub(crate) struct Suspend {
    enabled: Vec<Arc<AtomicBool>>,
    waits: Vec<Wait>,
}

/// keepalived clears `ha_suspend` for fwmark services and groups with fwmark members
/// (check_data.c, "cannot use ha_suspend with fwmarks - clearing ha_suspend").
fn wait_of(vs: &keepalived_conf::model::VirtualServer, config: &Config) -> Wait {
    if !vs.ha_suspend || config.lvs.uses_fwmark(vs) {
        return Wait::Never;
    }
    match &vs.address {
        VsAddress::Socket(s) => Wait::For(s.ip()),
        // A group without fwmarks (fwmark services returned above).
        _ => Wait::Forever,
    }
}

impl Suspend {
    /// Every checker of `pool` enabled; which virtual servers use ha_suspend from `config`.
    pub(crate) fn new(config: &Config, pool: &Pool) -> Suspend {
        let waits = (pool.vss.iter())
            .map(|v| {
                config
                    .lvs
                    .virtual_servers
                    .get(v.config_index)
                    .map_or(Wait::Never, |vs| wait_of(vs, config))
            })
            .collect();
        Suspend {
            enabled: (0..pool.checkers.len())
                .map(|_| Arc::new(AtomicBool::new(true)))
                .collect(),
            waits,
        }
    }

    /// Checker `ck`'s flag, for its task.
    pub(crate) fn flag(&self, ck: usize) -> Arc<AtomicBool> {
        self.enabled[ck].clone()
    }

    /// Whether any virtual server waits for an address.
    pub(crate) fn used(&self) -> bool {
        self.waits.iter().any(|w| *w != Wait::Never)
    }

    /// Brings the flags of the ha_suspend checkers to the addresses `present` (`None`: no
    /// monitor, every checker enabled). `start`: keepalived's register_checkers_thread
    /// lines ("Activating"/"Deactivating"), else its netlink lines ("Activating"/
    /// "Suspending"), only for checkers that change.
    pub(crate) fn apply(
        &self,
        pool: &mut Pool,
        present: Option<&HashSet<(u32, IpAddr)>>,
        start: bool,
        log: &Logger,
    ) {
        for ck in 0..pool.checkers.len() {
            let c = &pool.checkers[ck];
            let Some(wait) = self.waits.get(c.vs) else {
                continue;
            };
            let enable = match (wait, present) {
                (Wait::Never, _) => continue,
                (_, None) => true,
                (Wait::For(ip), Some(p)) => p.iter().any(|(_, a)| a == ip),
                (Wait::Forever, Some(_)) => false,
            };
            let was = self.enabled[ck].swap(enable, Ordering::SeqCst);
            pool.checkers[ck].enabled = enable;
            let c = &pool.checkers[ck];
            if !start && was == enable {
                continue;
            }
            let verb = match (start, enable) {
                (_, true) => "Activating",
                (true, false) => "Deactivating",
                (false, false) => "Suspending",
            };
            let vs = &pool.vss[c.vs];
            let rs = vs.rs.get(c.rs).map_or("", |r| r.name.as_str());
            log.info(format!(
                "{verb} healthchecker for service {rs} for VS {}",
                vs.name
            ));
        }
    }
}
