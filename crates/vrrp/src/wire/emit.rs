//! Building adverts the way keepalived 2.2.7 does (vrrp_build_pkt / vrrp_update_pkt).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::vrrp::{self, Auth, ChecksumMode, Repr, Version, AUTH_DATA_LEN};
use super::{ipsec_ah, ipv4, Family, V3Checksum, IPPROTO_AH, IPPROTO_VRRP, MCAST_GROUP4};

/// AH parameters for a VRRPv2 `auth_type AH` advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhEmit {
    /// `auth_pass`, zero-padded to 8 bytes: the HMAC-MD5 key.
    pub key: [u8; AUTH_DATA_LEN],
    /// Sequence number to send (keepalived: its counter plus one for each multicast advert;
    /// unicast copies of one advert share a number).
    pub seq_number: u32,
    /// Whether the instance has unicast peers: keepalived then zeroes the TTL in the ICV input.
    pub unicast: bool,
}

/// IPv4 header parameters (keepalived writes the whole header, `IP_HDRINCL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Emit {
    /// Source address (`unicast_src_ip`/`mcast_src_ip` or the interface's primary address);
    /// also the AH SPI.
    pub src_addr: Ipv4Addr,
    /// Destination: the multicast group or one unicast peer.
    pub dst_addr: Ipv4Addr,
    /// TTL: 255, or `unicast_ttl` for unicast.
    pub ttl: u8,
    /// IP identification: keepalived counts up from 1 and skips 0 (the kernel would fill it).
    pub ident: u16,
    /// VRRPv3 checksum form.
    pub v3_checksum: V3Checksum,
    /// Multicast group, for [`V3Checksum::OldUnicast`].
    pub mcast_group4: Ipv4Addr,
    /// AH header, required exactly when the advert is VRRPv2 with [`Auth::Ah`].
    pub ah: Option<AhEmit>,
}

impl Ipv4Emit {
    /// Multicast defaults: TTL 255, RFC checksum, no AH.
    pub fn new(src_addr: Ipv4Addr, dst_addr: Ipv4Addr, ident: u16) -> Ipv4Emit {
        Ipv4Emit {
            src_addr,
            dst_addr,
            ttl: super::VRRP_TTL,
            ident,
            v3_checksum: V3Checksum::PseudoHeader,
            mcast_group4: MCAST_GROUP4,
            ah: None,
        }
    }
}

/// Why an advert cannot be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// The advert's addresses are not of the family being sent.
    #[error("address family of the advert does not match the IP version")]
    FamilyMismatch,
    /// `Auth::Ah` without [`AhEmit`], [`AhEmit`] for an advert that is not v2 AH, or VRRPv2
    /// authentication over IPv6 (keepalived's IPv6 adverts have no authentication field).
    #[error("authentication parameters do not match the advert")]
    AuthMismatch,
    /// The buffer given to [`emit_ipv4_into`] / [`emit_ipv6_into`] is shorter than the packet.
    #[error("buffer of {have} bytes, the packet needs {need}")]
    BufferTooSmall {
        /// Bytes the packet needs.
        need: usize,
        /// Bytes the buffer has.
        have: usize,
    },
}

/// Length of the IPv4 packet [`emit_ipv4`] builds for `repr`.
pub fn ipv4_packet_len(repr: &Repr) -> usize {
    let ah_len = if matches!(repr.version, Version::V2 { auth: Auth::Ah, .. }) {
        ipsec_ah::HEADER_LEN
    } else {
        0
    };
    ipv4::HEADER_LEN + ah_len + repr.buffer_len()
}

fn slot(buf: &mut [u8], need: usize) -> Result<&mut [u8], EmitError> {
    let have = buf.len();
    buf.get_mut(..need)
        .ok_or(EmitError::BufferTooSmall { need, have })
}

/// Builds a whole IPv4 packet as keepalived sends it: 20-byte header (TOS 0xc0, no DF,
/// protocol 112 or 51), the AH header with its ICV for `auth_type AH`, then the advert with
/// its checksum.
pub fn emit_ipv4(repr: &Repr, params: &Ipv4Emit) -> Result<Vec<u8>, EmitError> {
    let mut buf = vec![0u8; ipv4_packet_len(repr)];
    emit_ipv4_into(repr, params, &mut buf)?;
    Ok(buf)
}

/// [`emit_ipv4`] into the start of `buf`; returns the packet's length.
pub fn emit_ipv4_into(repr: &Repr, params: &Ipv4Emit, buf: &mut [u8]) -> Result<usize, EmitError> {
    if repr.family() != Family::Ipv4 {
        return Err(EmitError::FamilyMismatch);
    }
    let is_ah = matches!(repr.version, Version::V2 { auth: Auth::Ah, .. });
    if is_ah != params.ah.is_some() {
        return Err(EmitError::AuthMismatch);
    }
    let ah_len = if is_ah { ipsec_ah::HEADER_LEN } else { 0 };
    let vrrp_start = ipv4::HEADER_LEN + ah_len;
    let len = vrrp_start + repr.buffer_len();
    let buf = slot(buf, len)?;
    buf.fill(0);
    let header = ipv4::Repr {
        src_addr: params.src_addr,
        dst_addr: params.dst_addr,
        protocol: if is_ah { IPPROTO_AH } else { IPPROTO_VRRP },
        payload_len: ah_len + repr.buffer_len(),
        ttl: params.ttl,
        tos: ipv4::TOS_NETWORK_CONTROL,
        ident: params.ident,
    };
    header.emit(&mut ipv4::Packet::new_unchecked(&mut buf[..]));
    let checksum = match (repr.version, params.v3_checksum) {
        (Version::V2 { .. }, _) | (Version::V3 { .. }, V3Checksum::MessageOnly) => {
            ChecksumMode::Message
        }
        (Version::V3 { .. }, V3Checksum::PseudoHeader) => ChecksumMode::Ipv4 {
            src: params.src_addr,
            dst: params.dst_addr,
        },
        (Version::V3 { .. }, V3Checksum::OldUnicast) => ChecksumMode::Ipv4 {
            src: params.src_addr,
            dst: params.mcast_group4,
        },
    };
    repr.emit(
        &mut vrrp::Packet::new_unchecked(&mut buf[vrrp_start..], Family::Ipv4),
        &checksum,
    );
    if let Some(ah) = params.ah {
        let mut ah_repr = ipsec_ah::Repr {
            next_header: IPPROTO_VRRP,
            spi: u32::from(params.src_addr),
            seq_number: ah.seq_number,
            icv: [0; ipsec_ah::ICV_LEN],
        };
        ah_repr.emit(&mut ipsec_ah::Packet::new_unchecked(
            &mut buf[ipv4::HEADER_LEN..vrrp_start],
        ));
        if let Some(icv) = ipsec_ah::compute_icv(buf, &ah.key, ah.unicast) {
            ah_repr.icv = icv;
        }
        ah_repr.emit(&mut ipsec_ah::Packet::new_unchecked(
            &mut buf[ipv4::HEADER_LEN..vrrp_start],
        ));
    }
    Ok(len)
}

/// Builds the advert alone for an IPv6 raw socket, with its checksum over the IPv6
/// pseudo-header (keepalived leaves 0 for the kernel, which writes the same value).
pub fn emit_ipv6(
    repr: &Repr,
    src_addr: Ipv6Addr,
    dst_addr: Ipv6Addr,
) -> Result<Vec<u8>, EmitError> {
    let mut buf = vec![0u8; repr.buffer_len()];
    emit_ipv6_into(repr, src_addr, dst_addr, &mut buf)?;
    Ok(buf)
}

/// [`emit_ipv6`] into the start of `buf`; returns the payload's length.
pub fn emit_ipv6_into(
    repr: &Repr,
    src_addr: Ipv6Addr,
    dst_addr: Ipv6Addr,
    buf: &mut [u8],
) -> Result<usize, EmitError> {
    if repr.family() != Family::Ipv6 {
        return Err(EmitError::FamilyMismatch);
    }
    if let Version::V2 {
        auth: Auth::Pass(_) | Auth::Ah,
        ..
    } = repr.version
    {
        return Err(EmitError::AuthMismatch);
    }
    let len = repr.buffer_len();
    let buf = slot(buf, len)?;
    buf.fill(0);
    repr.emit(
        &mut vrrp::Packet::new_unchecked(&mut buf[..], Family::Ipv6),
        &ChecksumMode::Ipv6 {
            src: src_addr,
            dst: dst_addr,
        },
    );
    Ok(len)
}
