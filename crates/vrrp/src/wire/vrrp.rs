//! The VRRP advertisement: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5.2), laid out as
//! keepalived 2.2.7 does (the v2 authentication field only exists over IPv4).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::checksum;
use super::{DecodeError, Family, IPPROTO_VRRP};

mod field {
    //! VRRPv2, RFC 3768 §5.1:
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |   Auth Type   |   Adver Int   |          Checksum             |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                         IP Address (1)                        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                            .                                  |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                         IP Address (n)                        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                     Authentication Data (1)                   |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                     Authentication Data (2)                   |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    //! VRRPv3, RFC 5798 §5.1 (no authentication; bytes 4-5 change meaning):
    //! ```text
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |(rsvd) |     Max Adver Int     |          Checksum             |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use core::ops::Range;
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT_IP: usize = 3;
    pub const AUTH_TYPE: usize = 4;
    pub const ADVER_INT_V2: usize = 5;
    pub const ADVER_INT_V3: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
}

/// Length of the fixed header.
pub const HEADER_LEN: usize = field::ADDRESSES;
/// Length of the VRRPv2 authentication data field (`VRRP_AUTH_LEN`).
pub const AUTH_DATA_LEN: usize = 8;
/// The only VRRP packet type: ADVERTISEMENT.
pub const TYPE_ADVERTISEMENT: u8 = 1;

enum_with_unknown! {
    /// VRRPv2 Auth Type (RFC 2338 §5.3.6; keepalived still implements 1 and 2).
    pub enum AuthType(u8) {
        /// No authentication.
        None = 0,
        /// Simple text password (keepalived `auth_type PASS`).
        Pass = 1,
        /// IPsec AH (keepalived `auth_type AH`).
        Ah = 2,
    }
}

/// A view of a VRRP advertisement. The family tells the address size and whether VRRPv2's
/// authentication data follows the addresses (IPv4 only, as in keepalived).
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    family: Family,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T, family: Family) -> Packet<T> {
        Packet { buffer, family }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T, family: Family) -> Result<Packet<T>, DecodeError> {
        let packet = Self::new_unchecked(buffer, family);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds the fixed header, the advertised addresses and (v2 over IPv4)
    /// the authentication data, so that no accessor panics. A longer buffer is accepted here;
    /// [`Repr::parse`] insists on the exact length, as keepalived does.
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::Truncated { len });
        }
        if len < self.expected_len() {
            return Err(DecodeError::PacketLength {
                expected: self.expected_len(),
                received: len,
            });
        }
        Ok(())
    }

    /// Length the header announces: fixed header, `count` addresses, and the 8 bytes of
    /// authentication data for VRRPv2 over IPv4 (keepalived's `expected_vrrp_pkt_len`).
    /// Needs the fixed header to be present.
    pub fn expected_len(&self) -> usize {
        HEADER_LEN + usize::from(self.addr_count()) * self.family.addr_len() + self.auth_len()
    }

    fn auth_len(&self) -> usize {
        if self.version() == 2 && self.family == Family::Ipv4 {
            AUTH_DATA_LEN
        } else {
            0
        }
    }

    /// The family given at construction.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The underlying buffer.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Version nibble.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] >> 4
    }

    /// Type nibble (1 = ADVERTISEMENT).
    pub fn packet_type(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] & 0x0f
    }

    /// Virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// Priority.
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Count of addresses.
    pub fn addr_count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT_IP]
    }

    /// VRRPv2 Auth Type byte.
    pub fn auth_type(&self) -> AuthType {
        AuthType::from(self.buffer.as_ref()[field::AUTH_TYPE])
    }

    /// VRRPv2 Adver Int, in seconds.
    pub fn adver_int_v2(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT_V2]
    }

    /// VRRPv3 Max Adver Int, in centiseconds (the 4 reserved bits masked off, as keepalived does).
    pub fn max_adver_int_v3(&self) -> u16 {
        self.raw_adver_int_v3() & 0x0fff
    }

    /// VRRPv3 reserved bits (the top nibble of bytes 4-5).
    pub fn reserved_v3(&self) -> u8 {
        (self.raw_adver_int_v3() >> 12) as u8
    }

    fn raw_adver_int_v3(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::ADVER_INT_V3];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The `i`-th address bytes (4 or 16), if within `count`.
    pub fn addr_bytes(&self, i: usize) -> Option<&[u8]> {
        if i >= usize::from(self.addr_count()) {
            return None;
        }
        let n = self.family.addr_len();
        self.buffer
            .as_ref()
            .get(HEADER_LEN + i * n..HEADER_LEN + (i + 1) * n)
    }

    /// The authentication data (VRRPv2 over IPv4 only).
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        if self.auth_len() == 0 {
            return None;
        }
        let start = HEADER_LEN + usize::from(self.addr_count()) * self.family.addr_len();
        let mut out = [0u8; AUTH_DATA_LEN];
        out.copy_from_slice(self.buffer.as_ref().get(start..start + AUTH_DATA_LEN)?);
        Some(out)
    }

    /// The advertised message (up to [`expected_len`](Self::expected_len)).
    fn message(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        &data[..self.expected_len().min(data.len())]
    }

    /// Whether the checksum verifies over the message with the given pseudo-header.
    pub fn verify_checksum(&self, mode: &ChecksumMode) -> bool {
        match mode.partial_sum(self.message().len()) {
            None => true,
            Some(pseudo) => {
                checksum::finish(checksum::combine(pseudo, checksum::sum(self.message()))) == 0
            }
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version and type.
    pub fn set_version_and_type(&mut self, version: u8, packet_type: u8) {
        self.buffer.as_mut()[field::VER_TYPE] = (version << 4) | (packet_type & 0x0f);
    }

    /// Sets the virtual router ID.
    pub fn set_vrid(&mut self, value: u8) {
        self.buffer.as_mut()[field::VRID] = value;
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, value: u8) {
        self.buffer.as_mut()[field::PRIORITY] = value;
    }

    /// Sets the address count.
    pub fn set_addr_count(&mut self, value: u8) {
        self.buffer.as_mut()[field::COUNT_IP] = value;
    }

    /// Sets the VRRPv2 auth type.
    pub fn set_auth_type(&mut self, value: AuthType) {
        self.buffer.as_mut()[field::AUTH_TYPE] = value.into();
    }

    /// Sets the VRRPv2 advert interval in seconds.
    pub fn set_adver_int_v2(&mut self, value: u8) {
        self.buffer.as_mut()[field::ADVER_INT_V2] = value;
    }

    /// Sets the VRRPv3 max advert interval (centiseconds; reserved bits written as zero).
    pub fn set_max_adver_int_v3(&mut self, value: u16) {
        self.buffer.as_mut()[field::ADVER_INT_V3].copy_from_slice(&(value & 0x0fff).to_be_bytes());
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Writes the `i`-th address (its length must match the family).
    pub fn set_addr_bytes(&mut self, i: usize, addr: &[u8]) {
        let n = self.family.addr_len();
        self.buffer.as_mut()[HEADER_LEN + i * n..HEADER_LEN + (i + 1) * n].copy_from_slice(addr);
    }

    /// Writes the VRRPv2 authentication data (after `count` addresses).
    pub fn set_auth_data(&mut self, data: &[u8; AUTH_DATA_LEN]) {
        let start = HEADER_LEN + usize::from(self.addr_count()) * self.family.addr_len();
        self.buffer.as_mut()[start..start + AUTH_DATA_LEN].copy_from_slice(data);
    }

    /// Computes and stores the checksum ([`ChecksumMode::Skip`] stores 0, leaving it to the
    /// kernel as keepalived does for IPv6).
    pub fn fill_checksum(&mut self, mode: &ChecksumMode) {
        self.set_checksum(0);
        let len = self.message().len();
        if let Some(pseudo) = mode.partial_sum(len) {
            let c = checksum::finish(checksum::combine(pseudo, checksum::sum(self.message())));
            self.set_checksum(c);
        }
    }
}

/// What the VRRP checksum covers besides the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumMode {
    /// Do not compute or verify (IPv6 when the kernel does it).
    Skip,
    /// The message alone (VRRPv2; VRRPv3 with `v3_checksum_as_v2`).
    Message,
    /// IPv4 pseudo-header (VRRPv3 over IPv4).
    Ipv4 {
        /// Source address.
        src: Ipv4Addr,
        /// Destination address (the multicast group with `old_unicast_checksum`).
        dst: Ipv4Addr,
    },
    /// IPv6 pseudo-header.
    Ipv6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
    },
}

impl ChecksumMode {
    fn partial_sum(&self, len: usize) -> Option<u32> {
        match *self {
            ChecksumMode::Skip => None,
            ChecksumMode::Message => Some(0),
            ChecksumMode::Ipv4 { src, dst } => Some(checksum::pseudo_ipv4(
                src,
                dst,
                IPPROTO_VRRP,
                u16::try_from(len).unwrap_or(u16::MAX),
            )),
            ChecksumMode::Ipv6 { src, dst } => Some(checksum::pseudo_ipv6(
                src,
                dst,
                IPPROTO_VRRP,
                u32::try_from(len).unwrap_or(u32::MAX),
            )),
        }
    }
}

/// VRRPv3 Max Adver Int: 12 bits of centiseconds (0..=4095).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Centiseconds(u16);

impl Centiseconds {
    /// Largest value the 12-bit field holds (40.95 s).
    pub const MAX: Centiseconds = Centiseconds(0x0fff);

    /// `Some` if `value` fits in 12 bits.
    pub const fn new(value: u16) -> Option<Centiseconds> {
        if value <= 0x0fff {
            Some(Centiseconds(value))
        } else {
            None
        }
    }

    /// The number of centiseconds.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// As a duration.
    pub const fn as_duration(self) -> Duration {
        Duration::from_millis(self.0 as u64 * 10)
    }
}

/// VRRPv2 authentication as keepalived implements it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Auth Type 0.
    None,
    /// Auth Type 1: the 8-byte zero-padded password, in clear in the advert.
    Pass([u8; AUTH_DATA_LEN]),
    /// Auth Type 2: an AH header precedes the advert; the advert's own authentication data is
    /// left zero by keepalived.
    Ah,
}

impl Auth {
    /// The Auth Type code.
    pub fn auth_type(&self) -> AuthType {
        match self {
            Auth::None => AuthType::None,
            Auth::Pass(_) => AuthType::Pass,
            Auth::Ah => AuthType::Ah,
        }
    }
}

/// Version-specific fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// VRRPv2 (RFC 3768).
    V2 {
        /// Adver Int in whole seconds.
        advert_int: u8,
        /// Authentication.
        auth: Auth,
    },
    /// VRRPv3 (RFC 5798).
    V3 {
        /// Max Adver Int.
        advert_int: Centiseconds,
    },
}

impl Version {
    /// The version number on the wire (2 or 3).
    pub const fn number(&self) -> u8 {
        match self {
            Version::V2 { .. } => 2,
            Version::V3 { .. } => 3,
        }
    }

    /// The protocol version, without the version-specific fields.
    pub const fn protocol(&self) -> crate::Version {
        match self {
            Version::V2 { .. } => crate::Version::V2,
            Version::V3 { .. } => crate::Version::V3,
        }
    }
}

/// A list of advertised addresses: inline (no allocation) up to 20, which covers adverts of
/// real deployments, so decoding an advert allocates nothing.
pub type AddrList<T> = smallvec::SmallVec<[T; 20]>;

/// Builds an [`AddrList`] like `vec![]`.
#[macro_export]
macro_rules! addr_list {
    ($($x:expr),* $(,)?) => {
        $crate::wire::AddrList::from_iter([$($x),*])
    };
}

/// The advertised addresses, of the instance's family.
// Inline storage is the point (no allocation per advert): boxing the IPv6 list would undo it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Addresses {
    /// IPv4 addresses.
    V4(AddrList<Ipv4Addr>),
    /// IPv6 addresses.
    V6(AddrList<Ipv6Addr>),
}

impl Addresses {
    /// The family of the addresses.
    pub fn family(&self) -> Family {
        match self {
            Addresses::V4(_) => Family::Ipv4,
            Addresses::V6(_) => Family::Ipv6,
        }
    }

    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self {
            Addresses::V4(a) => a.len(),
            Addresses::V6(a) => a.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `addr` is in the list (a different family never is).
    pub fn contains(&self, addr: std::net::IpAddr) -> bool {
        match (self, addr) {
            (Addresses::V4(a), std::net::IpAddr::V4(x)) => a.contains(&x),
            (Addresses::V6(a), std::net::IpAddr::V6(x)) => a.contains(&x),
            _ => false,
        }
    }

    /// The addresses as `IpAddr`s.
    pub fn to_ip_addrs(&self) -> Vec<std::net::IpAddr> {
        match self {
            Addresses::V4(a) => a.iter().map(|&x| x.into()).collect(),
            Addresses::V6(a) => a.iter().map(|&x| x.into()).collect(),
        }
    }
}

/// The meaning of an advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Virtual router ID.
    pub vrid: u8,
    /// Priority (0: the master is leaving; 255: address owner).
    pub priority: u8,
    /// Version and its specific fields.
    pub version: Version,
    /// Addresses (at most 255 are emitted).
    pub addresses: Addresses,
}

/// Most addresses one advertisement can carry (Count IP Addrs is one byte).
pub const MAX_ADDRESSES: usize = 255;

impl Repr {
    /// Parses and checks an advertisement, in keepalived's order for the checks that need no
    /// configuration: exact length (`packet_len_err`), version 2 or 3 (`vers_err`), known v2
    /// auth type (`invalid_authtype`), type ADVERTISEMENT (`invalid_type_rcvd`), checksum
    /// (`chk_err`).
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        checksum: &ChecksumMode,
    ) -> Result<Repr, DecodeError> {
        packet.check_len()?;
        let len = packet.as_bytes().len();
        if len != packet.expected_len() {
            return Err(DecodeError::PacketLength {
                expected: packet.expected_len(),
                received: len,
            });
        }
        let version = match packet.version() {
            2 => {
                let auth = match packet.auth_type() {
                    AuthType::None => Auth::None,
                    AuthType::Pass => Auth::Pass(packet.auth_data().unwrap_or_default()),
                    AuthType::Ah => Auth::Ah,
                    AuthType::Unknown(t) => return Err(DecodeError::InvalidAuthType(t)),
                };
                Version::V2 {
                    advert_int: packet.adver_int_v2(),
                    auth,
                }
            }
            3 => Version::V3 {
                advert_int: Centiseconds(packet.max_adver_int_v3()),
            },
            v => return Err(DecodeError::UnsupportedVersion(v)),
        };
        if packet.packet_type() != TYPE_ADVERTISEMENT {
            return Err(DecodeError::InvalidType(packet.packet_type()));
        }
        if !packet.verify_checksum(checksum) {
            return Err(DecodeError::Checksum {
                received: packet.checksum(),
            });
        }
        let count = usize::from(packet.addr_count());
        let addresses = match packet.family() {
            Family::Ipv4 => Addresses::V4(
                (0..count)
                    .filter_map(|i| packet.addr_bytes(i))
                    .filter_map(|b| <[u8; 4]>::try_from(b).ok())
                    .map(Ipv4Addr::from)
                    .collect(),
            ),
            Family::Ipv6 => Addresses::V6(
                (0..count)
                    .filter_map(|i| packet.addr_bytes(i))
                    .filter_map(|b| <[u8; 16]>::try_from(b).ok())
                    .map(Ipv6Addr::from)
                    .collect(),
            ),
        };
        Ok(Repr {
            vrid: packet.vrid(),
            priority: packet.priority(),
            version,
            addresses,
        })
    }

    /// The address family.
    pub fn family(&self) -> Family {
        self.addresses.family()
    }

    /// Advertisement interval as a duration.
    pub fn advert_interval(&self) -> Duration {
        match self.version {
            Version::V2 { advert_int, .. } => Duration::from_secs(u64::from(advert_int)),
            Version::V3 { advert_int } => advert_int.as_duration(),
        }
    }

    fn emitted_count(&self) -> usize {
        self.addresses.len().min(MAX_ADDRESSES)
    }

    /// Length of the emitted advertisement.
    pub fn buffer_len(&self) -> usize {
        let auth = match (self.version, self.family()) {
            (Version::V2 { .. }, Family::Ipv4) => AUTH_DATA_LEN,
            _ => 0,
        };
        HEADER_LEN + self.emitted_count() * self.family().addr_len() + auth
    }

    /// Writes the advertisement into a buffer of at least [`buffer_len`](Self::buffer_len)
    /// bytes (whose family must be this representation's) and fills the checksum.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        checksum: &ChecksumMode,
    ) {
        let count = self.emitted_count();
        packet.set_version_and_type(self.version.number(), TYPE_ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_addr_count(count as u8);
        match self.version {
            Version::V2 { advert_int, auth } => {
                packet.set_auth_type(auth.auth_type());
                packet.set_adver_int_v2(advert_int);
            }
            Version::V3 { advert_int } => packet.set_max_adver_int_v3(advert_int.get()),
        }
        match &self.addresses {
            Addresses::V4(a) => {
                for (i, addr) in a.iter().take(count).enumerate() {
                    packet.set_addr_bytes(i, &addr.octets());
                }
            }
            Addresses::V6(a) => {
                for (i, addr) in a.iter().take(count).enumerate() {
                    packet.set_addr_bytes(i, &addr.octets());
                }
            }
        }
        if let (Version::V2 { auth, .. }, Family::Ipv4) = (self.version, self.family()) {
            let data = match auth {
                Auth::Pass(pw) => pw,
                Auth::None | Auth::Ah => [0; AUTH_DATA_LEN],
            };
            packet.set_auth_data(&data);
        }
        packet.fill_checksum(checksum);
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // VRRP payloads sent by keepalived 2.2.7, captured with `tcpdump -w` on the far end of a
    // veth pair in a network namespace lab (tests/wire_captured.rs has the full packets and how).

    // v2, vrid 10, prio 150, auth none, advert_int 1, 10.99.1.10 and 10.99.1.11.
    static V2_BYTES: [u8; 24] = [
        0x21, 0x0a, 0x96, 0x02, 0x00, 0x01, 0x32, 0x17, 0x0a, 0x63, 0x01, 0x0a, 0x0a, 0x63, 0x01,
        0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    // v3 over IPv4 from 10.99.0.1 to 224.0.0.18, vrid 11, prio 120, advert_int 0.5, 10.99.1.20.
    static V3_BYTES: [u8; 12] = [
        0x31, 0x0b, 0x78, 0x01, 0x00, 0x32, 0x60, 0x57, 0x0a, 0x63, 0x01, 0x14,
    ];
    // v2 PASS "secret", vrid 12, prio 100, advert_int 2, 10.99.1.30.
    static V2_PASS_BYTES: [u8; 20] = [
        0x21, 0x0c, 0x64, 0x01, 0x01, 0x02, 0x32, 0x23, 0x0a, 0x63, 0x01, 0x1e, 0x73, 0x65, 0x63,
        0x72, 0x65, 0x74, 0x00, 0x00,
    ];
    // v3 over IPv6 from fe80::5419:95ff:feb9:9bc8 to ff02::12, vrid 16, prio 110, 1 s,
    // fe80::1:16 and 2001:db8:99::16.
    static V3_V6_BYTES: [u8; 40] = [
        0x31, 0x10, 0x6e, 0x02, 0x00, 0x64, 0xb0, 0xbf, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x16, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
    ];

    fn v3_mode() -> ChecksumMode {
        ChecksumMode::Ipv4 {
            src: Ipv4Addr::new(10, 99, 0, 1),
            dst: Ipv4Addr::new(224, 0, 0, 18),
        }
    }

    fn v6_mode() -> ChecksumMode {
        ChecksumMode::Ipv6 {
            src: "fe80::5419:95ff:feb9:9bc8".parse().unwrap(),
            dst: "ff02::12".parse().unwrap(),
        }
    }

    fn v2_repr() -> Repr {
        Repr {
            vrid: 10,
            priority: 150,
            version: Version::V2 {
                advert_int: 1,
                auth: Auth::None,
            },
            addresses: Addresses::V4(crate::addr_list![
                Ipv4Addr::new(10, 99, 1, 10),
                Ipv4Addr::new(10, 99, 1, 11),
            ]),
        }
    }

    fn v3_repr() -> Repr {
        Repr {
            vrid: 11,
            priority: 120,
            version: Version::V3 {
                advert_int: Centiseconds::new(50).unwrap(),
            },
            addresses: Addresses::V4(crate::addr_list![Ipv4Addr::new(10, 99, 1, 20)]),
        }
    }

    fn v2_pass_repr() -> Repr {
        Repr {
            vrid: 12,
            priority: 100,
            version: Version::V2 {
                advert_int: 2,
                auth: Auth::Pass(*b"secret\0\0"),
            },
            addresses: Addresses::V4(crate::addr_list![Ipv4Addr::new(10, 99, 1, 30)]),
        }
    }

    fn v3_v6_repr() -> Repr {
        Repr {
            vrid: 16,
            priority: 110,
            version: Version::V3 {
                advert_int: Centiseconds::new(100).unwrap(),
            },
            addresses: Addresses::V6(crate::addr_list![
                "fe80::1:16".parse().unwrap(),
                "2001:db8:99::16".parse().unwrap(),
            ]),
        }
    }

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&V2_BYTES[..], Family::Ipv4).unwrap();
        assert_eq!(p.version(), 2);
        assert_eq!(p.packet_type(), 1);
        assert_eq!(p.vrid(), 10);
        assert_eq!(p.priority(), 150);
        assert_eq!(p.addr_count(), 2);
        assert_eq!(p.auth_type(), AuthType::None);
        assert_eq!(p.adver_int_v2(), 1);
        assert_eq!(p.checksum(), 0x3217);
        assert_eq!(p.addr_bytes(1), Some(&[10, 99, 1, 11][..]));
        assert_eq!(p.addr_bytes(2), None);
        assert_eq!(p.auth_data(), Some([0; 8]));
        assert!(p.verify_checksum(&ChecksumMode::Message));

        let p = Packet::new_checked(&V3_BYTES[..], Family::Ipv4).unwrap();
        assert_eq!(p.version(), 3);
        assert_eq!(p.max_adver_int_v3(), 50);
        assert_eq!(p.reserved_v3(), 0);
        assert_eq!(p.auth_data(), None);
        assert!(p.verify_checksum(&v3_mode()));
        assert!(!p.verify_checksum(&ChecksumMode::Message));

        let p = Packet::new_checked(&V3_V6_BYTES[..], Family::Ipv6).unwrap();
        assert_eq!(p.addr_bytes(0).map(<[u8]>::len), Some(16));
        assert!(p.verify_checksum(&v6_mode()));
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 24];
        let mut p = Packet::new_unchecked(&mut bytes[..], Family::Ipv4);
        p.set_version_and_type(2, 1);
        p.set_vrid(10);
        p.set_priority(150);
        p.set_addr_count(2);
        p.set_auth_type(AuthType::None);
        p.set_adver_int_v2(1);
        p.set_addr_bytes(0, &[10, 99, 1, 10]);
        p.set_addr_bytes(1, &[10, 99, 1, 11]);
        p.set_auth_data(&[0; 8]);
        p.fill_checksum(&ChecksumMode::Message);
        assert_eq!(bytes, V2_BYTES);
    }

    #[test]
    fn test_parse() {
        let parse = |b: &[u8], f, m: ChecksumMode| Repr::parse(&Packet::new_unchecked(b, f), &m);
        assert_eq!(
            parse(&V2_BYTES, Family::Ipv4, ChecksumMode::Message),
            Ok(v2_repr())
        );
        assert_eq!(parse(&V3_BYTES, Family::Ipv4, v3_mode()), Ok(v3_repr()));
        assert_eq!(
            parse(&V2_PASS_BYTES, Family::Ipv4, ChecksumMode::Message),
            Ok(v2_pass_repr())
        );
        assert_eq!(
            parse(&V3_V6_BYTES, Family::Ipv6, v6_mode()),
            Ok(v3_v6_repr())
        );
        assert_eq!(
            v3_repr().advert_interval(),
            Duration::from_millis(500),
            "advert_int 0.5 is 50 centiseconds"
        );
    }

    #[test]
    fn test_emit() {
        let emit = |r: &Repr, m: ChecksumMode| {
            let mut buf = vec![0u8; r.buffer_len()];
            r.emit(&mut Packet::new_unchecked(&mut buf[..], r.family()), &m);
            buf
        };
        assert_eq!(emit(&v2_repr(), ChecksumMode::Message), V2_BYTES);
        assert_eq!(emit(&v3_repr(), v3_mode()), V3_BYTES);
        assert_eq!(emit(&v2_pass_repr(), ChecksumMode::Message), V2_PASS_BYTES);
        assert_eq!(emit(&v3_v6_repr(), v6_mode()), V3_V6_BYTES);
    }

    #[test]
    fn test_check_len() {
        let check = |b: &[u8], f| Packet::new_checked(b, f).map(|_| ());
        assert_eq!(
            check(&V2_BYTES[..7], Family::Ipv4),
            Err(DecodeError::Truncated { len: 7 })
        );
        assert_eq!(
            check(&V2_BYTES[..23], Family::Ipv4),
            Err(DecodeError::PacketLength {
                expected: 24,
                received: 23
            })
        );
        // The same v2 payload read as IPv6 wants two 16-byte addresses and no auth data.
        assert_eq!(
            check(&V2_BYTES[..], Family::Ipv6),
            Err(DecodeError::PacketLength {
                expected: 40,
                received: 24
            })
        );
        assert_eq!(check(&V3_V6_BYTES[..], Family::Ipv6), Ok(()));
    }

    #[test]
    fn test_parse_rejects_in_keepalived_order() {
        let m = ChecksumMode::Message;
        let parse = |b: &[u8]| Repr::parse(&Packet::new_unchecked(b, Family::Ipv4), &m);
        let mut long = V2_BYTES.to_vec();
        long.push(0);
        assert_eq!(
            parse(&long),
            Err(DecodeError::PacketLength {
                expected: 24,
                received: 25
            })
        );
        let mut b = V2_BYTES;
        b[0] = 0x11; // version 1: no auth data expected, so 16 bytes
        assert_eq!(parse(&b[..16]), Err(DecodeError::UnsupportedVersion(1)));
        let mut b = V2_BYTES;
        b[4] = 3;
        assert_eq!(parse(&b), Err(DecodeError::InvalidAuthType(3)));
        let mut b = V2_BYTES;
        b[0] = 0x22;
        assert_eq!(parse(&b), Err(DecodeError::InvalidType(2)));
        let mut b = V2_BYTES;
        b[2] = 151;
        assert_eq!(parse(&b), Err(DecodeError::Checksum { received: 0x3217 }));
    }
}
