//! `bfd_instance`.

use std::net::IpAddr;
use std::time::Duration;

use crate::diag::Location;

/// A `bfd_instance NAME { ... }` (RFC 5880 session). Defaults are keepalived's.
#[derive(Debug, Clone, PartialEq)]
pub struct BfdInstance {
    /// The instance name.
    pub name: String,
    /// `neighbor_ip` / `neighbour_ip` (required).
    pub neighbor: IpAddr,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// `min_rx` (ms, 1..4294967, µs resolution), default 10 ms.
    pub min_rx: Duration,
    /// `min_tx` (ms, 1..4294967), default 10 ms.
    pub min_tx: Duration,
    /// `idle_tx` (ms, 1000..4294967), default 1000 ms.
    pub idle_tx: Duration,
    /// `multiplier` (1..255), default 5.
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
    /// `multihop` (keepalived 2.2.8+, RFC 5883): UDP 4784 instead of 3784.
    pub multihop: bool,
    /// `ttl` (IPv4) / `hoplimit` (IPv6), 1..255; `None`: 255 for IPv4, 64 for IPv6.
    pub ttl: Option<u8>,
    /// `max_hops` (-1..255), default 0; 255 (or -1) disables the hop count check.
    pub max_hops: i32,
    /// `weight` (-253..253), default 0.
    pub weight: i32,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// `vrrp`: send events to the VRRP process (when neither `vrrp` nor `checker`: both).
    pub vrrp: bool,
    /// `checker`: send events to the checker process.
    pub checker: bool,
    /// Where the block starts.
    pub loc: Location,
}

impl BfdInstance {
    /// The outgoing TTL/hop limit keepalived uses: `ttl` or 255 (IPv4) / 64 (IPv6).
    pub fn effective_ttl(&self) -> u8 {
        self.ttl
            .unwrap_or(if self.neighbor.is_ipv4() { 255 } else { 64 })
    }

    /// Whether the VRRP process receives this instance's events.
    pub fn notifies_vrrp(&self) -> bool {
        self.vrrp || !self.checker
    }

    /// Whether the checker process receives this instance's events.
    pub fn notifies_checker(&self) -> bool {
        self.checker || !self.vrrp
    }
}
