//! The IPVS abstraction: what the checker core asks of the kernel's load balancer.
//!
//! The core never talks to the kernel itself: every service and destination change goes
//! through [`Ipvs`], so that [`NetlinkIpvs`] (the kernel's generic-netlink "IPVS" family),
//! [`NoIpvs`] (logs only) or a test recorder can sit behind it. Calls are synchronous and
//! short (one netlink round trip each), the way keepalived's `ipvs_cmd()` is.
//!
//! Layout: `nla` (typed attributes), `message` (the generic-netlink payload), `convert`
//! ([`Service`]/[`Destination`] <-> attributes, listings), `netlink` ([`NetlinkIpvs`]: the
//! blocking socket), `reconcile` (adopting what the kernel already has at start).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use keepalived_conf::model::{LbKind, Protocol, SchedFlags, Scheduler};

mod convert;
pub mod message;
mod netlink;
pub mod nla;
pub(crate) mod reconcile;
#[cfg(test)]
mod reconcile_tests;
pub mod stats;
#[cfg(test)]
mod tests;

pub use convert::{sched_name, DestEntry, ServiceEntry};
pub use netlink::{NetlinkIpvs, SyncDaemon, SyncState};
pub use reconcile::{reload_removals, remove_dropped, remove_dropped_with, Removals};
pub use stats::{IpvsStats, ServiceStats};

/// How a virtual service is keyed in IPVS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKey {
    /// An address, a protocol and a port (`ipvsadm -t|-u|--sctp-service`).
    Addr {
        /// tcp, udp or sctp.
        protocol: Protocol,
        /// The virtual address and port.
        addr: SocketAddr,
    },
    /// A firewall mark (`ipvsadm -f`), for one address family.
    Fwmark {
        /// The mark.
        mark: u32,
        /// true for IPv6 (`ip_family inet6`), false for IPv4.
        ipv6: bool,
    },
}

/// A virtual service with the settings IPVS needs to create it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its key.
    pub key: ServiceKey,
    /// The scheduler (keepalived's default wlc).
    pub scheduler: Scheduler,
    /// Scheduler flags.
    pub flags: SchedFlags,
    /// Persistence timeout in seconds, if persistent.
    pub persistence_timeout: Option<u32>,
    /// Persistence netmask.
    pub persistence_granularity: Option<IpAddr>,
    /// Persistence engine name.
    pub persistence_engine: Option<String>,
    /// One-packet scheduling.
    pub ops: bool,
}

/// A real server (destination) of a virtual service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Address and port.
    pub addr: SocketAddr,
    /// The weight (0 = quiesced: kept but given no new connections).
    pub weight: u32,
    /// Forwarding method.
    pub lb_kind: LbKind,
    /// Upper connection threshold (0 = none).
    pub u_threshold: u32,
    /// Lower connection threshold (0 = none).
    pub l_threshold: u32,
}

/// An IPVS operation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("IPVS cmd {op} error: {reason}")]
pub struct IpvsError {
    /// keepalived's name for the command (`IP_VS_SO_SET_ADDDEST`, ...).
    pub op: &'static str,
    /// What went wrong.
    pub reason: String,
}

impl IpvsError {
    /// The `op` of the error [`NetlinkIpvs::open`] returns when the kernel has no IPVS.
    pub const NO_IPVS: &'static str = "IPVS_GENL_FAMILY";

    /// Whether this says the kernel has no IPVS (no "IPVS" generic-netlink family, even
    /// after `modprobe ip_vs`).
    pub fn is_no_ipvs(&self) -> bool {
        self.op == Self::NO_IPVS
    }
}

/// The operations the checker core needs from IPVS. Implementations: [`NetlinkIpvs`],
/// [`NoIpvs`], a test recorder. The provided methods (listing, editing a service, flushing,
/// timeouts) default to doing nothing, for implementations that hold no state.
pub trait Ipvs {
    /// Creates a virtual service (`IP_VS_SO_SET_ADD`).
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError>;
    /// Removes a virtual service and its destinations (`IP_VS_SO_SET_DEL`).
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError>;
    /// Adds a destination (`IP_VS_SO_SET_ADDDEST`).
    fn add_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError>;
    /// Changes a destination's weight or method (`IP_VS_SO_SET_EDITDEST`).
    fn edit_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError>;
    /// Removes a destination (`IP_VS_SO_SET_DELDEST`).
    fn del_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError>;
    /// Changes an existing service's scheduler, flags and persistence (`IP_VS_SO_SET_EDIT`).
    fn edit_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        let _ = svc;
        Ok(())
    }
    /// Every service the kernel has, with its destinations (`ipvsadm -Ln`).
    fn list(&mut self) -> Result<Vec<ServiceEntry>, IpvsError> {
        Ok(Vec::new())
    }
    /// Removes every service (`IP_VS_SO_SET_FLUSH`, global_defs `lvs_flush`).
    fn flush(&mut self) -> Result<(), IpvsError> {
        Ok(())
    }
    /// Sets the connection timeouts that are `Some` (global_defs `lvs_timeouts`), seconds.
    fn set_timeouts(
        &mut self,
        tcp: Option<u32>,
        tcpfin: Option<u32>,
        udp: Option<u32>,
    ) -> Result<(), IpvsError> {
        let _ = (tcp, tcpfin, udp);
        Ok(())
    }
}

impl Destination {
    /// The address IPVS keys this destination by in `svc`, keepalived's `ipvs_cmd()` rule:
    /// a NAT destination keeps its own port; DR and TUN ones take the service's port (0 for
    /// a firewall-mark service), since packets reach them unchanged.
    pub fn wire_addr(&self, svc: &Service) -> SocketAddr {
        match (self.lb_kind, svc.key) {
            (LbKind::Nat, _) => self.addr,
            (_, ServiceKey::Addr { addr, .. }) => SocketAddr::new(self.addr.ip(), addr.port()),
            (_, ServiceKey::Fwmark { .. }) => SocketAddr::new(self.addr.ip(), 0),
        }
    }
}

/// An [`Ipvs`] that changes nothing (`--no-ipvs`, or a kernel without ip_vs); with a
/// logger ([`NoIpvs::logging`], the checker child's under -D) it logs what it would do.
#[derive(Default)]
pub struct NoIpvs {
    log: Option<crate::Logger>,
}

impl std::fmt::Debug for NoIpvs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoIpvs")
            .field("logging", &self.log.is_some())
            .finish()
    }
}

impl NoIpvs {
    /// A `NoIpvs` that logs each change it does not apply to `log`.
    pub fn logging(log: crate::Logger) -> NoIpvs {
        NoIpvs { log: Some(log) }
    }

    fn log(&self, op: &str, svc: &Service, dest: Option<&Destination>) {
        let Some(log) = &self.log else {
            return;
        };
        match dest {
            Some(d) => log.info(format!("IPVS (not applied): {op} {} -> {d}", svc.key)),
            None => log.info(format!("IPVS (not applied): {op} {}", svc.key)),
        }
    }
}

impl Ipvs for NoIpvs {
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.log("add service", svc, None);
        Ok(())
    }
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.log("delete service", svc, None);
        Ok(())
    }
    fn add_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.log("add destination", svc, Some(dest));
        Ok(())
    }
    fn edit_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.log("edit destination", svc, Some(dest));
        Ok(())
    }
    fn del_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.log("delete destination", svc, Some(dest));
        Ok(())
    }
}

impl fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Addr { protocol, addr } => write!(
                f,
                "[{}]:{}:{}",
                addr.ip(),
                crate::names::proto_name(Some(*protocol)),
                addr.port()
            ),
            ServiceKey::Fwmark { mark, .. } => write!(f, "FWM {mark}"),
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}]:{} weight {}",
            self.addr.ip(),
            self.addr.port(),
            self.weight
        )
    }
}
