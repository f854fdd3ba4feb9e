//! RFC 1071 Internet checksum and the pseudo-headers VRRP uses.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Which bytes the VRRPv3-over-IPv4 checksum covers besides the VRRP message.
///
/// RFC 5798 §5.2.8 puts an IPv4 pseudo-header in front of the message. keepalived up to 1.3.6
/// always used the multicast group as the pseudo-header destination, even when sending unicast;
/// keepalived 2.2.7 still does that with `old_unicast_checksum` (and switches to it by itself
/// when a unicast peer's advert only verifies that way). keepalived >= 2.3 added
/// `v3_checksum_as_v2`, which leaves the pseudo-header out (RFC 9568's reading).
/// VRRPv2 and IPv6 are not affected: v2 sums the message alone, IPv6 always has its
/// pseudo-header (the kernel computes it there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum V3Checksum {
    /// Pseudo-header with the packet's real destination (keepalived 2.2.7 default).
    #[default]
    PseudoHeader,
    /// Pseudo-header with the multicast group as destination, whatever the real destination
    /// (keepalived `old_unicast_checksum`, and keepalived <= 1.3.6).
    OldUnicast,
    /// No pseudo-header: the message alone, like VRRPv2 (keepalived >= 2.3 `v3_checksum_as_v2`).
    MessageOnly,
}

/// One's complement sum of `data` as big-endian 16-bit words (odd byte padded with zero),
/// not yet folded.
pub(crate) fn sum(data: &[u8]) -> u32 {
    let mut acc: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for word in &mut chunks {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([word[0], word[1]])));
        acc = (acc & 0xffff) + (acc >> 16);
    }
    if let [last] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*last) << 8);
    }
    acc
}

/// Folds a sum to 16 bits and complements it: the value to store in a checksum field, or 0 when
/// verifying a block that includes its own correct checksum.
pub(crate) fn finish(mut acc: u32) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Sum of the IPv4 pseudo-header (RFC 768 layout: src, dst, zero, protocol, length).
pub(crate) fn pseudo_ipv4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: u16) -> u32 {
    let mut b = [0u8; 12];
    b[0..4].copy_from_slice(&src.octets());
    b[4..8].copy_from_slice(&dst.octets());
    b[9] = protocol;
    b[10..12].copy_from_slice(&len.to_be_bytes());
    sum(&b)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 §8.1: src, dst, 32-bit length, zeros, next header).
pub(crate) fn pseudo_ipv6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: u32) -> u32 {
    let mut b = [0u8; 40];
    b[0..16].copy_from_slice(&src.octets());
    b[16..32].copy_from_slice(&dst.octets());
    b[32..36].copy_from_slice(&len.to_be_bytes());
    b[39] = next_header;
    sum(&b)
}

/// Adds two partial sums.
pub(crate) fn combine(a: u32, b: u32) -> u32 {
    let s = u64::from(a) + u64::from(b);
    ((s & 0xffff_ffff) as u32).wrapping_add((s >> 32) as u32)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn test_rfc1071_example() {
        // RFC 1071 §3 worked example: words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(finish(sum(&data)), !0xddf2);
    }

    #[test]
    fn test_odd_length_pads_with_zero() {
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }

    #[test]
    fn test_verifying_block_with_its_checksum_gives_zero() {
        let mut data = vec![0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0x00, 0x40, 0x11];
        let c = finish(sum(&data));
        data.extend_from_slice(&c.to_be_bytes());
        assert_eq!(finish(sum(&data)), 0);
    }
}
