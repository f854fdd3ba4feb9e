//! The typed configuration: what keepalived.conf says, with keepalived's defaults applied.

mod bfd;
mod common;
mod global;
mod lvs;
mod net;
mod vrrp;

pub use bfd::*;
pub use common::*;
pub use global::*;
pub use lvs::*;
pub use net::*;
pub use vrrp::*;

/// A `linkbeat_interfaces` line's probe (keepalived's LB_MII, LB_ETHTOOL, LB_IOCTL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkbeatType {
    /// `MII`: the transceiver's status register.
    Mii,
    /// `ETHTOOL`: ETHTOOL_GLINK.
    Ethtool,
    /// `IOCTL`: the interface flags only.
    Ioctl,
}

/// A whole configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `global_defs`.
    pub global: GlobalDefs,
    /// `linkbeat_interfaces`: interfaces whose carrier is polled instead of netlink-watched.
    pub linkbeat_interfaces: Vec<String>,
    /// The probe each `linkbeat_interfaces` line names (`MII`, `ETHTOOL`, `IOCTL`); an
    /// interface absent here has none configured (the first that works is used).
    pub linkbeat_types: std::collections::BTreeMap<String, LinkbeatType>,
    /// Everything VRRP: instances, sync groups, tracking objects, static addresses/routes/rules.
    pub vrrp: VrrpConfig,
    /// Everything LVS: virtual servers, their groups, real servers and checkers.
    pub lvs: LvsConfig,
    /// `bfd_instance` blocks.
    pub bfd: Vec<BfdInstance>,
    /// The keywords of this configuration keepalived-rs accepts but does not act on
    /// (see [`crate::registry`]), in file order.
    pub unsupported: Vec<crate::registry::Unsupported>,
}

impl Config {
    /// The keywords of this configuration that keepalived acts on and keepalived-rs does not,
    /// each with its file:line: `-t` prints them as warnings, the daemon logs them at start.
    pub fn unsupported_keywords(&self) -> &[crate::registry::Unsupported] {
        &self.unsupported
    }
}
