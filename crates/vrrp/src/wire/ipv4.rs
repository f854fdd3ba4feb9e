//! The IPv4 header as keepalived sends it (with `IP_HDRINCL`) and as a raw socket delivers it.
//!
//! Only what VRRP needs: no options are written, options are skipped on receive.

use std::net::Ipv4Addr;

use super::checksum;

mod field {
    //! RFC 791 §3.1:
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |Version|  IHL  |Type of Service|          Total Length         |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |         Identification        |Flags|      Fragment Offset    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |  Time to Live |    Protocol   |         Header Checksum       |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                       Source Address                          |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                    Destination Address                        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use core::ops::Range;
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLG_OFF: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC_ADDR: Range<usize> = 12..16;
    pub const DST_ADDR: Range<usize> = 16..20;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// keepalived's TOS for adverts: 0xc0, "internet network control" (vrrp_build_ip4).
pub const TOS_NETWORK_CONTROL: u8 = 0xc0;

/// Why an IPv4 header view cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer is shorter than the header it claims.
    Truncated,
    /// The version nibble is not 4 or the IHL is below 5.
    Malformed,
}

/// A read/write view of an IPv4 header at the start of a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short buffer.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds the whole header (options included) and that version/IHL make
    /// sense, so that no accessor can panic. Does not check the total length field against the
    /// buffer: keepalived counts that separately.
    pub fn check_len(&self) -> Result<(), Error> {
        let data = self.buffer.as_ref();
        let Some(&ver_ihl) = data.get(field::VER_IHL) else {
            return Err(Error::Truncated);
        };
        if data.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if ver_ihl >> 4 != 4 || usize::from(ver_ihl & 0x0f) * 4 < HEADER_LEN {
            return Err(Error::Malformed);
        }
        if data.len() < self.header_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version field.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL * 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// Type of service byte.
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::TOS]
    }

    /// Total length field.
    pub fn total_len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Identification field.
    pub fn ident(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::IDENT])
    }

    /// Flags and fragment offset, as one 16-bit field.
    pub fn flags_frag_off(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::FLG_OFF])
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload.
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        ip4(&self.buffer.as_ref()[field::SRC_ADDR])
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        ip4(&self.buffer.as_ref()[field::DST_ADDR])
    }

    /// Whether the header checksum verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::finish(checksum::sum(&self.buffer.as_ref()[..self.header_len()])) == 0
    }

    /// The bytes after the header (up to the end of the buffer, not the total length).
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version 4 and the header length (a multiple of 4, at least 20).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        self.buffer.as_mut()[field::VER_IHL] = 0x40 | ((header_len / 4) as u8 & 0x0f);
    }

    /// Sets the type of service byte.
    pub fn set_tos(&mut self, value: u8) {
        self.buffer.as_mut()[field::TOS] = value;
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, value: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, value: u16) {
        self.buffer.as_mut()[field::IDENT].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets flags and fragment offset.
    pub fn set_flags_frag_off(&mut self, value: u16) {
        self.buffer.as_mut()[field::FLG_OFF].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the time to live.
    pub fn set_ttl(&mut self, value: u8) {
        self.buffer.as_mut()[field::TTL] = value;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, value: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = value;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// Computes and stores the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::finish(checksum::sum(&self.buffer.as_ref()[..self.header_len()]));
        self.set_checksum(c);
    }
}

/// The meaning of an IPv4 header, as far as VRRP cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Payload protocol (112 VRRP or 51 AH).
    pub protocol: u8,
    /// Length of what follows the header.
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// Type of service.
    pub tos: u8,
    /// Identification.
    pub ident: u16,
}

impl Repr {
    /// Reads a header. The IP checksum is not checked: the kernel already dropped bad ones
    /// and keepalived does not look at it.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Repr {
        Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: usize::from(packet.total_len()).saturating_sub(packet.header_len()),
            ttl: packet.ttl(),
            tos: packet.tos(),
            ident: packet.ident(),
        }
    }

    /// Header length this representation emits (no options).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes a 20-byte header with DF clear and fragment offset 0, as keepalived does, and
    /// fills its checksum (keepalived leaves it 0 for the kernel, which fills the same value).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_version_and_header_len(HEADER_LEN);
        packet.set_tos(self.tos);
        packet.set_total_len(u16::try_from(HEADER_LEN + self.payload_len).unwrap_or(u16::MAX));
        packet.set_ident(self.ident);
        packet.set_flags_frag_off(0);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
    }
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn ip4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

#[cfg(test)]
mod test {
    use super::*;

    // VRRPv2 advert from keepalived 2.2.7 (vrid 10), IPv4 header only. Captured in a netns lab:
    // `tcpdump -i kr-wire-b0 -w` on the far end of a veth pair (see tests/wire_captured.rs).
    static HEADER_BYTES: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x2a, 0x0a, 0x63, 0x00,
        0x01, 0xe0, 0x00, 0x00, 0x12,
    ];

    fn repr() -> Repr {
        Repr {
            src_addr: Ipv4Addr::new(10, 99, 0, 1),
            dst_addr: Ipv4Addr::new(224, 0, 0, 18),
            protocol: 112,
            payload_len: 24,
            ttl: 255,
            tos: TOS_NETWORK_CONTROL,
            ident: 1,
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&HEADER_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 20);
        assert_eq!(packet.tos(), 0xc0);
        assert_eq!(packet.total_len(), 44);
        assert_eq!(packet.ident(), 1);
        assert_eq!(packet.flags_frag_off(), 0);
        assert_eq!(packet.ttl(), 255);
        assert_eq!(packet.protocol(), 112);
        assert_eq!(packet.checksum(), 0xd02a);
        assert_eq!(packet.src_addr(), Ipv4Addr::new(10, 99, 0, 1));
        assert_eq!(packet.dst_addr(), Ipv4Addr::new(224, 0, 0, 18));
        assert!(packet.verify_checksum());
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 20];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version_and_header_len(20);
        packet.set_tos(0xc0);
        packet.set_total_len(44);
        packet.set_ident(1);
        packet.set_flags_frag_off(0);
        packet.set_ttl(255);
        packet.set_protocol(112);
        packet.set_src_addr(Ipv4Addr::new(10, 99, 0, 1));
        packet.set_dst_addr(Ipv4Addr::new(224, 0, 0, 18));
        packet.fill_checksum();
        assert_eq!(bytes, HEADER_BYTES);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&HEADER_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&packet), repr());
    }

    #[test]
    fn test_emit() {
        let mut bytes = [0u8; 20];
        repr().emit(&mut Packet::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes, HEADER_BYTES);
    }

    #[test]
    fn test_check_len() {
        assert_eq!(Packet::new_checked(&[][..]).unwrap_err(), Error::Truncated);
        assert_eq!(
            Packet::new_checked(&HEADER_BYTES[..19]).unwrap_err(),
            Error::Truncated
        );
        let mut bad = HEADER_BYTES;
        bad[0] = 0x44;
        assert_eq!(Packet::new_checked(&bad[..]).unwrap_err(), Error::Malformed);
        bad[0] = 0x65;
        assert_eq!(Packet::new_checked(&bad[..]).unwrap_err(), Error::Malformed);
        bad[0] = 0x46; // 24-byte header claimed, 20 present
        assert_eq!(Packet::new_checked(&bad[..]).unwrap_err(), Error::Truncated);
    }
}
