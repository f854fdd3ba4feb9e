//! Receive failures and the keepalived statistics counter each one bumps.

use std::net::IpAddr;

use super::vrrp::AuthType;

/// keepalived's per-instance statistics counters: all of `vrrp_stats` (keepalived/include/vrrp.h)
/// plus the RFC SNMP ones keepalived 2.2.7 is built with, named as in its JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    /// `advert_rcvd`: adverts that passed every check up to the multicast/unicast one (see
    /// [`DecodeError::counted_as_received`]).
    AdvertRcvd,
    /// `advert_sent`.
    AdvertSent,
    /// `become_master`.
    BecomeMaster,
    /// `release_master`.
    ReleaseMaster,
    /// `packet_len_err`.
    PacketLenErr,
    /// `advert_interval_err`. keepalived 2.2.7 never increments it: a VRRPv2 interval mismatch
    /// is dropped uncounted (checked against the real daemon in the lab). Kept for the stats
    /// output; no [`DecodeError`] maps to it.
    AdvertIntervalErr,
    /// `ip_ttl_err`.
    IpTtlErr,
    /// `invalid_type_rcvd`.
    InvalidTypeRcvd,
    /// `addr_list_err`.
    AddrListErr,
    /// `invalid_authtype`.
    InvalidAuthtype,
    /// `authtype_mismatch`.
    AuthtypeMismatch,
    /// `auth_failure`.
    AuthFailure,
    /// `pri_zero_rcvd`: not an error; counted by the receiver for valid priority-0 adverts.
    PriZeroRcvd,
    /// `pri_zero_sent`.
    PriZeroSent,
    /// `chk_err` (RFC SNMP counter).
    ChkErr,
    /// `vers_err` (RFC SNMP counter).
    VersErr,
    /// `vrid_err` (RFC SNMP counter; keepalived 2.2.7 ignores unknown VRIDs without counting).
    VridErr,
}

impl Counter {
    /// Every counter, in keepalived's `vrrp_stats` order (the index of [`crate::Stats`]).
    pub const ALL: [Counter; 17] = [
        Counter::AdvertRcvd,
        Counter::AdvertSent,
        Counter::BecomeMaster,
        Counter::ReleaseMaster,
        Counter::PacketLenErr,
        Counter::AdvertIntervalErr,
        Counter::IpTtlErr,
        Counter::InvalidTypeRcvd,
        Counter::AddrListErr,
        Counter::InvalidAuthtype,
        Counter::AuthtypeMismatch,
        Counter::AuthFailure,
        Counter::PriZeroRcvd,
        Counter::PriZeroSent,
        Counter::ChkErr,
        Counter::VersErr,
        Counter::VridErr,
    ];

    /// The counter's field name in keepalived (`vrrp_stats`).
    pub const fn name(self) -> &'static str {
        match self {
            Counter::AdvertRcvd => "advert_rcvd",
            Counter::AdvertSent => "advert_sent",
            Counter::BecomeMaster => "become_master",
            Counter::ReleaseMaster => "release_master",
            Counter::PriZeroSent => "pri_zero_sent",
            Counter::PacketLenErr => "packet_len_err",
            Counter::AdvertIntervalErr => "advert_interval_err",
            Counter::IpTtlErr => "ip_ttl_err",
            Counter::InvalidTypeRcvd => "invalid_type_rcvd",
            Counter::AddrListErr => "addr_list_err",
            Counter::InvalidAuthtype => "invalid_authtype",
            Counter::AuthtypeMismatch => "authtype_mismatch",
            Counter::AuthFailure => "auth_failure",
            Counter::PriZeroRcvd => "pri_zero_rcvd",
            Counter::ChkErr => "chk_err",
            Counter::VersErr => "vers_err",
            Counter::VridErr => "vrid_err",
        }
    }
}

/// Why a received packet is not a valid advertisement for this instance. Each variant is one
/// keepalived check (vrrp.c `vrrp_get_header` / `vrrp_check_packet`); [`counter`](Self::counter)
/// tells which statistics counter keepalived bumps for it (`None`: it drops silently).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Shorter than the IP header + (AH) + 8-byte VRRP header (`vrrp_get_header`: logged only).
    #[error("packet too short ({len} bytes)")]
    Truncated {
        /// Bytes received.
        len: usize,
    },
    /// IPv4 header with version other than 4 or IHL below 5 (the kernel never delivers one).
    #[error("malformed IPv4 header")]
    MalformedIpHeader,
    /// Received length differs from header + addresses (+ auth data, + AH) (`packet_len_err`).
    #[error("packet length {received}, expected {expected}")]
    PacketLength {
        /// Length the headers announce.
        expected: usize,
        /// Length received.
        received: usize,
    },
    /// IPv4 total length differs from what was received (`packet_len_err`).
    #[error("IPv4 total length {total_len} but {received} bytes received")]
    IpTotalLength {
        /// The header's total length.
        total_len: u16,
        /// Bytes received.
        received: usize,
    },
    /// Multicast advert whose TTL / hop limit is not 255 (`ip_ttl_err`).
    #[error("TTL/hop limit {received}, expected 255")]
    Ttl {
        /// TTL or hop limit received.
        received: u8,
    },
    /// Unicast advert outside the peer's `min_ttl`..`max_ttl` (`ip_ttl_err`).
    #[error("TTL/hop limit {received} not in {min}..={max}")]
    UnicastTtl {
        /// TTL or hop limit received.
        received: u8,
        /// Peer's `min_ttl`.
        min: u8,
        /// Peer's `max_ttl`.
        max: u8,
    },
    /// Version neither 2 nor 3 (`vers_err`).
    #[error("unsupported VRRP version {0}")]
    UnsupportedVersion(u8),
    /// Version other than the instance's (`vers_err`).
    #[error("VRRP version {received}, expected {expected}")]
    VersionMismatch {
        /// Instance's version.
        expected: u8,
        /// Version received.
        received: u8,
    },
    /// Type other than ADVERTISEMENT (`invalid_type_rcvd`).
    #[error("invalid packet type {0}")]
    InvalidType(u8),
    /// VRRPv2 auth type not 0, 1 or 2 (`invalid_authtype`).
    #[error("invalid auth type {0}")]
    InvalidAuthType(u8),
    /// VRRPv2 auth type other than the instance's (`authtype_mismatch`).
    #[error("auth type {received:?}, expected {expected:?}")]
    AuthTypeMismatch {
        /// Instance's auth type.
        expected: AuthType,
        /// Auth type received.
        received: AuthType,
    },
    /// An AH header where none is configured, or none where AH is (`authtype_mismatch`).
    #[error("AH header {}", if *.ah_present { "present but auth type is not AH" } else { "missing but auth type is AH" })]
    AhPresence {
        /// Whether the packet had an AH header.
        ah_present: bool,
    },
    /// `auth_type PASS` password differs (`auth_failure`).
    #[error("invalid password")]
    PasswordMismatch,
    /// AH ICV does not verify: wrong password or mutated fields (`auth_failure`).
    #[error("invalid IPSEC-AH HMAC-MD5")]
    AhIcvMismatch,
    /// AH SPI differs from the IPv4 source address (`auth_failure`).
    #[error("AH SPI {spi:#010x} is not the source address")]
    AhSpiMismatch {
        /// SPI received.
        spi: u32,
    },
    /// AH sequence number not above the last one accepted (`auth_failure`).
    #[error("AH sequence number {received} already processed (last {last})")]
    AhReplay {
        /// Sequence number received.
        received: u32,
        /// Last accepted.
        last: u32,
    },
    /// AH header for another protocol (keepalived drops it uncounted).
    #[error("AH next header {0} is not VRRP")]
    AhNextHeader(u8),
    /// Checksum does not verify (`chk_err`).
    #[error("invalid VRRP checksum {received:#06x}")]
    Checksum {
        /// Checksum field received.
        received: u16,
    },
    /// VRRPv2 advert interval other than the instance's: dropped uncounted ("advertisement
    /// interval mismatch"; keepalived 2.2.7 leaves `advert_interval_err` at 0).
    #[error("advertisement interval {received} s, expected {expected} s")]
    AdvertIntervalMismatch {
        /// Instance's interval in seconds.
        expected: u8,
        /// Interval received.
        received: u8,
    },
    /// Address count other than the instance's (`addr_list_err`).
    #[error("{received} addresses, expected {expected}")]
    AddressCount {
        /// Instance's VIP count.
        expected: usize,
        /// Count received.
        received: u8,
    },
    /// A configured VIP is missing from the advert (`addr_list_err`).
    #[error("address {0} not in advert")]
    AddressMissing(IpAddr),
    /// Multicast received by a unicast instance or unicast by a multicast one (`addr_list_err`).
    #[error("expected {} packet", if *.expected_multicast { "multicast" } else { "unicast" })]
    CastMismatch {
        /// Whether the instance expects multicast.
        expected_multicast: bool,
    },
    /// Unicast source is not a configured peer (`check_unicast_src`; uncounted).
    #[error("unicast source {0} not a unicast peer")]
    UnicastSourceNotPeer(IpAddr),
    /// The instance is the address owner with `owner_ignore_adverts` (keepalived 2.3):
    /// dropped before it is counted as received.
    #[error("from {0} since we are address owner")]
    OwnerIgnoresAdverts(IpAddr),
    /// VRID other than the instance's (keepalived ignores unknown VRIDs uncounted).
    #[error("VRID {received}, expected {expected}")]
    VridMismatch {
        /// Instance's VRID.
        expected: u8,
        /// VRID received.
        received: u8,
    },
}

impl DecodeError {
    /// The keepalived counter this failure increments, if any.
    pub const fn counter(&self) -> Option<Counter> {
        use DecodeError::*;
        match self {
            PacketLength { .. } | IpTotalLength { .. } => Some(Counter::PacketLenErr),
            Ttl { .. } | UnicastTtl { .. } => Some(Counter::IpTtlErr),
            UnsupportedVersion(_) | VersionMismatch { .. } => Some(Counter::VersErr),
            InvalidType(_) => Some(Counter::InvalidTypeRcvd),
            InvalidAuthType(_) => Some(Counter::InvalidAuthtype),
            AuthTypeMismatch { .. } | AhPresence { .. } => Some(Counter::AuthtypeMismatch),
            PasswordMismatch | AhIcvMismatch | AhSpiMismatch { .. } | AhReplay { .. } => {
                Some(Counter::AuthFailure)
            }
            Checksum { .. } => Some(Counter::ChkErr),
            AddressCount { .. } | AddressMissing(_) | CastMismatch { .. } => {
                Some(Counter::AddrListErr)
            }
            Truncated { .. }
            | MalformedIpHeader
            | AhNextHeader(_)
            | AdvertIntervalMismatch { .. }
            | UnicastSourceNotPeer(_)
            | OwnerIgnoresAdverts(_)
            | VridMismatch { .. } => None,
        }
    }

    /// RFC 6527's protocol-error reason keepalived records and notifies
    /// (vrrpv3StatisticsProtoErrReason, vrrpv3ProtoError) for this failure: ipTtlError(1),
    /// versionError(2), checksumError(3). keepalived never reports vrIdError.
    pub const fn proto_err_reason(&self) -> Option<u8> {
        use DecodeError::*;
        match self {
            Ttl { .. } | UnicastTtl { .. } => Some(1),
            UnsupportedVersion(_) | VersionMismatch { .. } => Some(2),
            Checksum { .. } => Some(3),
            _ => None,
        }
    }

    /// RFC 2787's vrrpTrapAuthErrorType keepalived sends in vrrpTrapAuthFailure for this
    /// failure: invalidAuthType(1), authTypeMismatch(2), authFailure(3).
    pub const fn auth_err_type(&self) -> Option<u8> {
        use DecodeError::*;
        match self {
            InvalidAuthType(_) => Some(1),
            AuthTypeMismatch { .. } | AhPresence { .. } => Some(2),
            PasswordMismatch | AhIcvMismatch | AhSpiMismatch { .. } | AhReplay { .. } => Some(3),
            _ => None,
        }
    }

    /// Whether keepalived had already counted the packet in `advert_rcvd` when it failed this
    /// check (the address list, unicast source and unicast TTL checks come after the count).
    /// On success, count `advert_rcvd` (and `pri_zero_rcvd` for priority 0).
    pub const fn counted_as_received(&self) -> bool {
        matches!(
            self,
            DecodeError::AddressMissing(_)
                | DecodeError::UnicastSourceNotPeer(_)
                | DecodeError::UnicastTtl { .. }
        )
    }

    /// Name of the keepalived counter this failure increments (e.g. `"packet_len_err"`), or
    /// `None` when keepalived drops the packet without counting.
    pub const fn counter_name(&self) -> Option<&'static str> {
        match self.counter() {
            Some(c) => Some(c.name()),
            None => None,
        }
    }
}
