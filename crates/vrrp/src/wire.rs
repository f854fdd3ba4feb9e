//! VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) wire codec, sans-IO, with keepalived 2.2.7's
//! compatibility quirks.
//!
//! Layered like smoltcp's `wire` module: each format is a zero-copy `Packet` view
//! (`new_checked()` makes every accessor panic-free) plus a `Repr` holding its meaning.
//!
//! * [`vrrp`]: the VRRP advertisement itself ([`vrrp::Packet`], [`vrrp::Repr`]).
//! * [`ipv4`]: the minimal IPv4 header keepalived sends with `IP_HDRINCL` and receives on its
//!   raw `IPPROTO_VRRP` / `IPPROTO_AH` sockets.
//! * [`ipsec_ah`]: the RFC 2402 AH header keepalived puts in front of VRRPv2 for `auth_type AH`,
//!   and its HMAC-MD5-96 ICV.
//! * [`decode_ipv4`] / [`decode_ipv6`]: receive entry points (stateless checks), then
//!   [`Advert::validate`] for the checks that need the receiving instance's configuration.
//!   Every failure is a [`DecodeError`] that names the keepalived statistics counter it bumps.
//! * [`emit_ipv4`] / [`emit_ipv6`]: build what keepalived would send.
//!
//! keepalived runs all its receive checks in one function, interleaving stateless and
//! configuration checks. Here [`decode_ipv4`]/[`decode_ipv6`] run the stateless ones and
//! [`Advert::validate`] the rest, each half in keepalived's order, so a packet with several
//! faults may be counted under a different counter than keepalived would (e.g. bad TTL and bad
//! checksum: keepalived counts `ip_ttl_err`, we report the checksum first).

#[macro_use]
mod macros;
mod checksum;
mod decode;
mod emit;
mod error;
pub mod ipsec_ah;
pub mod ipv4;
mod validate;
pub mod vrrp;

pub use checksum::V3Checksum;
pub use decode::{
    decode_ipv4, decode_ipv6, Advert, AhInfo, DecodeOptions, Ipv4Info, Ipv6Info, Network,
};
pub use emit::{
    emit_ipv4, emit_ipv4_into, emit_ipv6, emit_ipv6_into, ipv4_packet_len, AhEmit, EmitError,
    Ipv4Emit,
};
pub use error::{Counter, DecodeError};
pub use validate::{AhCounter, InstanceExpectation, UnicastPeer};
pub use vrrp::{AddrList, Addresses, Auth, AuthType, Centiseconds, ChecksumMode, Repr, Version};

use std::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number of VRRP (RFC 5798 §5.2).
pub const IPPROTO_VRRP: u8 = 112;
/// IP protocol number of the IPsec Authentication Header (RFC 2402).
pub const IPPROTO_AH: u8 = 51;
/// TTL / hop limit every multicast advertisement must carry (RFC 5798 §5.1.1.3, §7.1).
pub const VRRP_TTL: u8 = 255;
/// Default IPv4 multicast group (keepalived `vrrp_mcast_group4`).
pub const MCAST_GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// Default IPv6 multicast group (keepalived `vrrp_mcast_group6`).
pub const MCAST_GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// Address family of a VRRP instance: decides the address size and, for VRRPv2, whether the
/// 8-byte authentication field is present (keepalived only has it over IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4: 4-byte addresses.
    Ipv4,
    /// IPv6: 16-byte addresses.
    Ipv6,
}

impl Family {
    /// Size in bytes of one address in the advertisement's address list.
    pub const fn addr_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }
}
