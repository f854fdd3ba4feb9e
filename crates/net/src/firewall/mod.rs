//! The firewall keepalived installs for VIPs that must not take traffic: a MASTER without
//! accept mode (`no_accept`, the default with `vrrp_strict`) drops packets to and from its
//! VIPs (RFC 5798 section 6.4.3: "MUST NOT accept packets addressed to the IPvX address(es)
//! associated with the virtual router" unless it owns them or Accept_Mode is True).
//!
//! [`Nftables`] reproduces keepalived 2.2.7's nftables layout (vrrp_nftables.c) over
//! nf_tables netlink, each change one NFNL_MSG_BATCH transaction:
//!
//! * `table ip TABLE`: chains `in` (hook input) and `out` (hook output), priority
//!   `nftables_priority` (-1), policy accept; set `vips` (ipv4_addr); `ip daddr @vips drop`,
//!   `ip saddr @vips drop`.
//! * `table ip6 TABLE`: the same, plus a constant set `neighbor-discovery` (NS, NA) accepted
//!   first, and link-local VIPs sent to chains `in_link_local`/`out_link_local`, matched with
//!   their interface in `vips_link_local` (address . ifindex) or `vips_link_local_name`
//!   (address . ifname).
//!
//! Tables, chains and sets appear when the first address of their family is blocked (a
//! BACKUP that never was MASTER has none), elements come and go with the MASTER state,
//! and the tables are deleted when the daemon stops. A table of the same name left over
//! from an earlier run is deleted first.
//!
//! [`IpvsNftables`] (ipvs.rs) is the checker's `nftables_ipvs`: virtual_server_group members
//! marked for IPVS firewall-mark services (keepalived's check_nftables.c).

mod engine;
mod expr;
mod ipvs;
mod model;
mod nla;
mod socket;

pub use engine::Nftables;
pub use ipvs::{IpvsNftables, MarkedRange, L4};
pub use model::{Blocked, Family, NftConfig, Vmac};

/// Why a firewall change failed.
#[derive(Debug, thiserror::Error)]
pub enum FirewallError {
    /// The nfnetlink socket failed.
    #[error("{op}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The kernel refused a request (the whole batch was then discarded).
    #[error("nftables {what}: {source}")]
    Kernel {
        /// The request.
        what: String,
        /// errno from the kernel.
        #[source]
        source: std::io::Error,
    },
}
