//! keepalived-rs net crate: the only place that talks to the Linux kernel for VRRP.
//!
//! * [`Netlink`]: rtnetlink session (interfaces, addresses, routes, rules, VMACs);
//! * [`NetMonitor`]: link/address change events, and deletions of routes and rules of
//!   protocol `keepalived` ([`FibMembership`] picks the groups);
//! * [`vrrp_socket`]: raw IPPROTO_VRRP sockets (IPv4 and IPv6);
//! * [`bfd_socket`]: the BFD child's UDP sockets (3784/4784, TTL checks);
//! * [`announce`]: gratuitous ARP and unsolicited neighbour advertisements;
//! * [`sysctl`]: the `/proc/sys` tweaks keepalived applies for VMAC interfaces;
//! * [`linkbeat`]: link state polled through MII/ethtool/flags ioctls;
//! * [`proc_events`]: the kernel's process connector, for `vrrp_track_process`.
//!
//! Everything is async on tokio and binds to the network namespace of the thread
//! that creates it.

mod addr;
pub mod announce;
pub mod bfd_socket;
pub mod debounce;
mod error;
mod fib_event;
pub mod firewall;
mod iface;
mod ipvlan;
pub mod linkbeat;
pub mod log;
mod monitor;
mod netlink;
mod packed;
pub mod proc_events;
mod route;
mod rule;
mod scope;
pub mod sysctl;
mod vmac;
pub mod vrid_filter;
pub mod vrrp_socket;

pub use addr::{AddressEntry, AddressSpec};
pub use error::NetError;
pub use fib_event::{FibGroups, FibMembership, RouteEntry, RTPROT_KEEPALIVED};
pub use iface::LinkInfo;
pub use ipvlan::{IpvlanFlags, IpvlanSpec};
pub use monitor::{NetEvent, NetMonitor};
pub use netlink::{BatchReport, Netlink, RxBuf};
pub use route::{RouteKind, RouteSpec};
pub use rule::{RuleAction, RuleSpec};
pub use scope::Scope;
pub use vmac::{default_vmac_name, vmac_mac, vmac_name_candidates, VmacSpec};

/// Result alias of this crate.
pub type Result<T, E = NetError> = std::result::Result<T, E>;

/// fe80::/10 (`Ipv6Addr::is_unicast_link_local` needs Rust 1.84, above our MSRV).
pub fn ipv6_is_link_local(addr: &std::net::Ipv6Addr) -> bool {
    addr.segments()[0] & 0xffc0 == 0xfe80
}
