//! `promote_secondaries`: keepalived sets the interface's `promote_secondaries` sysctl while an
//! instance that asks for it runs (so that removing the primary address does not flush the
//! VIPs of the same subnet), and resets it when it stops. An interface that already had it
//! set is left alone (vrrp_if_config.c: set_promote_secondaries / reset_promote_secondaries).

use std::collections::HashSet;

use keepalived_net::sysctl;

use crate::log;

/// The interfaces on which the daemon turned `promote_secondaries` on.
#[derive(Debug, Default)]
pub(crate) struct PromotedInterfaces {
    changed: HashSet<String>,
}

impl PromotedInterfaces {
    /// An instance on `ifname` with `promote_secondaries` starts (or is rebuilt on a
    /// re-created interface, which comes back with the sysctl off).
    pub(crate) fn acquire(&mut self, ifname: &str) {
        match sysctl::read_conf(false, ifname, "promote_secondaries") {
            Ok(0) => match sysctl::write_conf(false, ifname, "promote_secondaries", 1) {
                Ok(()) => {
                    self.changed.insert(ifname.to_owned());
                }
                Err(e) => log::info(format!("{ifname}: setting promote_secondaries: {e}")),
            },
            // Already on, by the admin (keepalived never resets an original 1) or by us.
            Ok(_) => {}
            Err(e) => log::info(format!("{ifname}: reading promote_secondaries: {e}")),
        }
    }

    /// Resets every interface the daemon changed (at stop).
    pub(crate) fn release_all(&mut self) {
        for ifname in self.changed.drain() {
            if let Err(e) = sysctl::write_conf(false, &ifname, "promote_secondaries", 0) {
                log::info(format!("{ifname}: resetting promote_secondaries: {e}"));
            }
        }
    }
}
