//! Receive entry points: the stateless half of keepalived's checks (the rest needs the
//! instance's configuration: [`Advert::validate`](super::Advert::validate)).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::vrrp::{self, ChecksumMode, Repr};
use super::{ipsec_ah, ipv4, DecodeError, Family, V3Checksum, IPPROTO_AH, MCAST_GROUP4};

/// Receive options that change what a valid checksum is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// How a VRRPv3-over-IPv4 checksum is expected to be computed.
    pub v3_checksum: V3Checksum,
    /// keepalived's automatic fallback (instance with unicast peers and no
    /// `old_unicast_checksum` setting): when a VRRPv3 unicast advert fails with
    /// [`V3Checksum::PseudoHeader`], accept it if it verifies with [`V3Checksum::OldUnicast`].
    /// [`Advert::v3_checksum`] then says so, and keepalived switches its own adverts to the old
    /// checksum from then on.
    pub detect_old_unicast_checksum: bool,
    /// IPv4 multicast group (keepalived `vrrp_mcast_group4`), used by the old checksum.
    pub mcast_group4: Ipv4Addr,
    /// Verify the IPv6 checksum. keepalived leaves it to the kernel (`IPV6_CHECKSUM` on its raw
    /// socket); set `false` if the socket does the same.
    pub verify_ipv6_checksum: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            v3_checksum: V3Checksum::PseudoHeader,
            detect_old_unicast_checksum: false,
            mcast_group4: MCAST_GROUP4,
            verify_ipv6_checksum: true,
        }
    }
}

/// The AH header of a received packet, with what is needed to verify its ICV later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AhInfo {
    /// The parsed header.
    pub repr: ipsec_ah::Repr,
    /// The whole IPv4 packet, for [`ipsec_ah::compute_icv`].
    pub(crate) packet: Vec<u8>,
}

/// What the IPv4 layer told about an advert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Info {
    /// The IPv4 header.
    pub header: ipv4::Repr,
    /// The AH header, when the protocol was AH.
    pub ah: Option<AhInfo>,
}

/// What the IPv6 socket told about an advert (from the packet info and hop limit cmsgs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Info {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// Hop limit, if the socket reported it (keepalived skips the check otherwise).
    pub hop_limit: Option<u8>,
}

/// Network-layer facts about a received advert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Network {
    /// Received over IPv4.
    Ipv4(Ipv4Info),
    /// Received over IPv6.
    Ipv6(Ipv6Info),
}

/// A decoded advertisement that passed the checks needing no configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    /// The advertisement.
    pub repr: Repr,
    /// Where it came from.
    pub network: Network,
    /// For VRRPv3 over IPv4: which checksum form verified.
    pub v3_checksum: Option<V3Checksum>,
}

impl Advert {
    /// Source address.
    pub fn src_addr(&self) -> IpAddr {
        match &self.network {
            Network::Ipv4(i) => i.header.src_addr.into(),
            Network::Ipv6(i) => i.src_addr.into(),
        }
    }

    /// Destination address.
    pub fn dst_addr(&self) -> IpAddr {
        match &self.network {
            Network::Ipv4(i) => i.header.dst_addr.into(),
            Network::Ipv6(i) => i.dst_addr.into(),
        }
    }

    /// TTL or hop limit, when known.
    pub fn ttl(&self) -> Option<u8> {
        match &self.network {
            Network::Ipv4(i) => Some(i.header.ttl),
            Network::Ipv6(i) => i.hop_limit,
        }
    }

    /// Whether it was sent to a multicast address.
    pub fn is_multicast(&self) -> bool {
        self.dst_addr().is_multicast()
    }

    /// The AH header, if any.
    pub fn ah(&self) -> Option<&AhInfo> {
        match &self.network {
            Network::Ipv4(i) => i.ah.as_ref(),
            Network::Ipv6(_) => None,
        }
    }
}

/// Decodes what an IPv4 raw `IPPROTO_VRRP`/`IPPROTO_AH` socket delivers: IPv4 header, AH header
/// when the protocol is 51, then the advert. Checks, in keepalived's order: enough bytes for the
/// headers, exact length, version, v2 auth type, type, IPv4 total length, checksum.
pub fn decode_ipv4(ip_packet: &[u8], opts: &DecodeOptions) -> Result<Advert, DecodeError> {
    let ip = ipv4::Packet::new_checked(ip_packet).map_err(|e| match e {
        ipv4::Error::Truncated => DecodeError::Truncated {
            len: ip_packet.len(),
        },
        ipv4::Error::Malformed => DecodeError::MalformedIpHeader,
    })?;
    let header = ipv4::Repr::parse(&ip);
    let ihl = ip.header_len();
    // keepalived's sockets only deliver VRRP or AH, so anything not AH is taken as VRRP.
    let ah_len = if header.protocol == IPPROTO_AH {
        ipsec_ah::HEADER_LEN
    } else {
        0
    };
    let vrrp_start = ihl + ah_len;
    if ip_packet.len() < vrrp_start + vrrp::HEADER_LEN {
        return Err(DecodeError::Truncated {
            len: ip_packet.len(),
        });
    }
    let ah = match ip_packet.get(ihl..vrrp_start) {
        Some(b) if ah_len > 0 => Some(AhInfo {
            repr: ipsec_ah::Repr::parse(&ipsec_ah::Packet::new_unchecked(b)),
            packet: ip_packet.to_vec(),
        }),
        _ => None,
    };
    let payload = ip_packet.get(vrrp_start..).unwrap_or_default();
    let packet = vrrp::Packet::new_unchecked(payload, Family::Ipv4);
    let repr = Repr::parse(&packet, &ChecksumMode::Skip).map_err(|e| match e {
        DecodeError::PacketLength { expected, .. } => DecodeError::PacketLength {
            expected: expected + vrrp_start,
            received: ip_packet.len(),
        },
        other => other,
    })?;
    if usize::from(ip.total_len()) != ip_packet.len() {
        return Err(DecodeError::IpTotalLength {
            total_len: ip.total_len(),
            received: ip_packet.len(),
        });
    }
    let (src, dst) = (header.src_addr, header.dst_addr);
    let mode_for = |form: V3Checksum| match form {
        V3Checksum::PseudoHeader => ChecksumMode::Ipv4 { src, dst },
        V3Checksum::OldUnicast => ChecksumMode::Ipv4 {
            src,
            dst: opts.mcast_group4,
        },
        V3Checksum::MessageOnly => ChecksumMode::Message,
    };
    let v3_checksum = match repr.version {
        vrrp::Version::V2 { .. } => {
            if !packet.verify_checksum(&ChecksumMode::Message) {
                return Err(checksum_error(&packet));
            }
            None
        }
        vrrp::Version::V3 { .. } => {
            if packet.verify_checksum(&mode_for(opts.v3_checksum)) {
                Some(opts.v3_checksum)
            } else if opts.detect_old_unicast_checksum
                && opts.v3_checksum == V3Checksum::PseudoHeader
                && dst != opts.mcast_group4
                && packet.verify_checksum(&mode_for(V3Checksum::OldUnicast))
            {
                Some(V3Checksum::OldUnicast)
            } else {
                return Err(checksum_error(&packet));
            }
        }
    };
    Ok(Advert {
        repr,
        network: Network::Ipv4(Ipv4Info { header, ah }),
        v3_checksum,
    })
}

/// Decodes what an IPv6 raw `IPPROTO_VRRP` socket delivers: the advert alone; addresses and hop
/// limit come from ancillary data (`hop_limit: None` if not received). Checks exact length,
/// version, type and (unless disabled) the checksum with the IPv6 pseudo-header.
pub fn decode_ipv6(
    payload: &[u8],
    src_addr: Ipv6Addr,
    dst_addr: Ipv6Addr,
    hop_limit: Option<u8>,
    opts: &DecodeOptions,
) -> Result<Advert, DecodeError> {
    let packet = vrrp::Packet::new_unchecked(payload, Family::Ipv6);
    let repr = Repr::parse(&packet, &ChecksumMode::Skip)?;
    if opts.verify_ipv6_checksum
        && !packet.verify_checksum(&ChecksumMode::Ipv6 {
            src: src_addr,
            dst: dst_addr,
        })
    {
        return Err(checksum_error(&packet));
    }
    Ok(Advert {
        repr,
        network: Network::Ipv6(Ipv6Info {
            src_addr,
            dst_addr,
            hop_limit,
        }),
        v3_checksum: None,
    })
}

fn checksum_error(packet: &vrrp::Packet<&[u8]>) -> DecodeError {
    DecodeError::Checksum {
        received: packet.checksum(),
    }
}
