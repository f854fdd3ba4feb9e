//! Host settings the VRRP process changes while it runs and puts back when it stops.
//!
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

/// `disable_local_igmp`: keepalived writes 0 to `net.ipv4.igmp_link_local_mcast_reports` at
/// start when it is 1 (so that no IGMP reports are sent for 224.0.0.18) and writes the saved 1
/// back at stop (vrrp_daemon.c set_disable_local_igmp / reset_disable_local_igmp).
#[derive(Debug, Default)]
pub(crate) struct LocalIgmp {
    changed: bool,
}

const IGMP_LINK_LOCAL: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

impl LocalIgmp {
    /// At start, with `disable_local_igmp`.
    pub(crate) fn disable(&mut self) {
        match std::fs::read_to_string(IGMP_LINK_LOCAL) {
            Ok(v) if v.trim() == "1" => match std::fs::write(IGMP_LINK_LOCAL, "0") {
                Ok(()) => self.changed = true,
                Err(e) => log::info(format!("Unable to write {IGMP_LINK_LOCAL} - {e}")),
            },
            Ok(_) => {}
            Err(e) => log::info(format!("Unable to open {IGMP_LINK_LOCAL} - {e}")),
        }
    }

    /// At stop: the saved value back.
    pub(crate) fn restore(&mut self) {
        if std::mem::take(&mut self.changed) {
            if let Err(e) = std::fs::write(IGMP_LINK_LOCAL, "1") {
                log::info(format!("Unable to write {IGMP_LINK_LOCAL} - {e}"));
            }
        }
    }
}
