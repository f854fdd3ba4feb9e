//! The IPsec Authentication Header (RFC 2402) as keepalived uses it for VRRPv2 `auth_type AH`:
//! a fixed 24-byte header with a 96-bit HMAC-MD5 ICV, SPI = sender's IPv4 address, and a
//! sequence number incremented on every multicast advert.

use hmac::{Hmac, Mac};
use md5::Md5;

use super::ipv4;

mod field {
    //! RFC 2402 §2:
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! | Next Header   |  Payload Len  |          RESERVED             |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                 Security Parameters Index (SPI)               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                    Sequence Number Field                      |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                                                               |
    //! +                Authentication Data (variable)                 |
    //! |                                                               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    //! keepalived's `ipsec_ah_t` always carries 12 bytes of authentication data.
    use core::ops::Range;
    pub const NEXT_HEADER: usize = 0;
    pub const PAYLOAD_LEN: usize = 1;
    pub const RESERVED: Range<usize> = 2..4;
    pub const SPI: Range<usize> = 4..8;
    pub const SEQ_NUMBER: Range<usize> = 8..12;
    pub const ICV: Range<usize> = 12..24;
}

/// Size of keepalived's AH header (`sizeof(ipsec_ah_t)`).
pub const HEADER_LEN: usize = field::ICV.end;
/// Payload Len keepalived writes: 32-bit words minus 2 (`IPSEC_AH_PLEN`).
pub const PAYLOAD_LEN: u8 = 4;
/// Length of the truncated HMAC-MD5 (`HMAC_MD5_TRUNC`).
pub const ICV_LEN: usize = 12;

/// The buffer is shorter than the AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated;

/// A read/write view of an AH header.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, Truncated> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the 24-byte header is present.
    pub fn check_len(&self) -> Result<(), Truncated> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Truncated)
        } else {
            Ok(())
        }
    }

    /// Next header (112 for VRRP).
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }

    /// Payload Len field.
    pub fn payload_len(&self) -> u8 {
        self.buffer.as_ref()[field::PAYLOAD_LEN]
    }

    /// Reserved field.
    pub fn reserved(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::RESERVED];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Security Parameters Index (keepalived: the sender's IPv4 address).
    pub fn spi(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SPI])
    }

    /// Sequence number.
    pub fn seq_number(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SEQ_NUMBER])
    }

    /// The 96-bit integrity check value.
    pub fn icv(&self) -> [u8; ICV_LEN] {
        let mut icv = [0; ICV_LEN];
        icv.copy_from_slice(&self.buffer.as_ref()[field::ICV]);
        icv
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, value: u8) {
        self.buffer.as_mut()[field::NEXT_HEADER] = value;
    }

    /// Sets Payload Len.
    pub fn set_payload_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PAYLOAD_LEN] = value;
    }

    /// Sets the reserved field.
    pub fn set_reserved(&mut self, value: u16) {
        self.buffer.as_mut()[field::RESERVED].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the SPI.
    pub fn set_spi(&mut self, value: u32) {
        self.buffer.as_mut()[field::SPI].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, value: u32) {
        self.buffer.as_mut()[field::SEQ_NUMBER].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the ICV.
    pub fn set_icv(&mut self, value: &[u8; ICV_LEN]) {
        self.buffer.as_mut()[field::ICV].copy_from_slice(value);
    }
}

/// The meaning of an AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Protocol of what follows (keepalived only accepts 112).
    pub next_header: u8,
    /// Security Parameters Index.
    pub spi: u32,
    /// Sequence number.
    pub seq_number: u32,
    /// Integrity check value.
    pub icv: [u8; ICV_LEN],
}

impl Repr {
    /// Reads the header. Payload Len is not checked: keepalived ignores it.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Repr {
        Repr {
            next_header: packet.next_header(),
            spi: packet.spi(),
            seq_number: packet.seq_number(),
            icv: packet.icv(),
        }
    }

    /// Length of the emitted header.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header with keepalived's constant Payload Len and zero reserved field.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_next_header(self.next_header);
        packet.set_payload_len(PAYLOAD_LEN);
        packet.set_reserved(0);
        packet.set_spi(self.spi);
        packet.set_seq_number(self.seq_number);
        packet.set_icv(&self.icv);
    }
}

/// The ICV keepalived computes (vrrp_update_pkt on send, vrrp_in_chk_ipsecah on receive):
/// HMAC-MD5 keyed with the 8-byte zero-padded `auth_pass`, over the IPv4 header with TOS,
/// flags/fragment offset and header checksum zeroed (and TTL zeroed too, but only when the
/// instance has unicast peers, as keepalived does), followed by the AH header with a zeroed ICV
/// and everything after it. Truncated to 96 bits.
///
/// `ip_packet` is the whole IPv4 packet, AH header at `ip header length`. Returns `None` if it
/// is too short to hold both headers.
pub fn compute_icv(ip_packet: &[u8], key: &[u8; 8], zero_ttl: bool) -> Option<[u8; ICV_LEN]> {
    let ip = ipv4::Packet::new_checked(ip_packet).ok()?;
    let ihl = ip.header_len();
    let ah_end = ihl.checked_add(HEADER_LEN)?;
    if ip_packet.len() < ah_end {
        return None;
    }
    let mut head = ip_packet.get(..ah_end)?.to_vec();
    {
        let mut ip = ipv4::Packet::new_unchecked(&mut head[..]);
        ip.set_tos(0);
        ip.set_flags_frag_off(0);
        ip.set_checksum(0);
        if zero_ttl {
            ip.set_ttl(0);
        }
    }
    head.get_mut(ihl + field::ICV.start..ah_end)?.fill(0);
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(key).ok()?;
    mac.update(&head);
    mac.update(ip_packet.get(ah_end..)?);
    let digest = mac.finalize().into_bytes();
    let mut icv = [0u8; ICV_LEN];
    icv.copy_from_slice(digest.get(..ICV_LEN)?);
    Some(icv)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod test {
    use super::*;

    // keepalived 2.2.7, `auth_type AH`, `auth_pass ahsecret`, vrid 13, first multicast advert
    // (seq 1). Captured with tcpdump in the netns lab described in tests/wire_captured.rs.
    static PACKET_BYTES: [u8; 68] = [
        0x45, 0xc0, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0xd0, 0x4f, 0x0a, 0x63, 0x00,
        0x01, 0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x01, 0xe2, 0xce, 0x87, 0x74, 0xf0, 0x2c, 0xa6, 0xd8, 0x1f, 0xd3, 0xc6, 0x6c, 0x21,
        0x0d, 0x65, 0x02, 0x02, 0x01, 0x60, 0xd8, 0x0a, 0x63, 0x01, 0x28, 0x0a, 0x63, 0x01, 0x29,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    const ICV: [u8; 12] = [
        0xe2, 0xce, 0x87, 0x74, 0xf0, 0x2c, 0xa6, 0xd8, 0x1f, 0xd3, 0xc6, 0x6c,
    ];
    const KEY: [u8; 8] = *b"ahsecret";

    fn ah_bytes() -> &'static [u8] {
        &PACKET_BYTES[20..44]
    }

    fn repr() -> Repr {
        Repr {
            next_header: 112,
            spi: 0x0a63_0001,
            seq_number: 1,
            icv: ICV,
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(ah_bytes()).unwrap();
        assert_eq!(packet.next_header(), 112);
        assert_eq!(packet.payload_len(), 4);
        assert_eq!(packet.reserved(), 0);
        assert_eq!(packet.spi(), 0x0a63_0001);
        assert_eq!(packet.seq_number(), 1);
        assert_eq!(packet.icv(), ICV);
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xffu8; 24];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_next_header(112);
        packet.set_payload_len(4);
        packet.set_reserved(0);
        packet.set_spi(0x0a63_0001);
        packet.set_seq_number(1);
        packet.set_icv(&ICV);
        assert_eq!(&bytes[..], ah_bytes());
    }

    #[test]
    fn test_parse() {
        assert_eq!(
            Repr::parse(&Packet::new_checked(ah_bytes()).unwrap()),
            repr()
        );
    }

    #[test]
    fn test_emit() {
        let mut bytes = [0u8; 24];
        repr().emit(&mut Packet::new_unchecked(&mut bytes[..]));
        assert_eq!(&bytes[..], ah_bytes());
    }

    #[test]
    fn test_check_len() {
        assert_eq!(
            Packet::new_checked(&ah_bytes()[..23]).unwrap_err(),
            Truncated
        );
    }

    #[test]
    fn test_icv_matches_keepalived() {
        assert_eq!(compute_icv(&PACKET_BYTES, &KEY, false), Some(ICV));
    }

    #[test]
    fn test_icv_depends_on_key_and_ttl_zeroing() {
        assert_ne!(compute_icv(&PACKET_BYTES, b"ahsecreT", false), Some(ICV));
        assert_ne!(compute_icv(&PACKET_BYTES, &KEY, true), Some(ICV));
    }

    #[test]
    fn test_icv_ignores_mutable_fields() {
        let mut p = PACKET_BYTES;
        p[1] = 0x10; // TOS
        p[6] = 0x40; // DF
        p[10] = 0; // header checksum
        assert_eq!(compute_icv(&p, &KEY, false), Some(ICV));
    }

    #[test]
    fn test_icv_of_short_packet_is_none() {
        assert_eq!(compute_icv(&PACKET_BYTES[..43], &KEY, false), None);
    }
}
