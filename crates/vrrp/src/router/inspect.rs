//! The receive checks of keepalived 2.2.7, in its order and on its instance: first the
//! dispatcher's (`vrrp_get_header`: enough bytes for the headers, then the VRID lookup),
//! then `vrrp_check_packet` on the instance found. Unlike [`crate::wire::decode_ipv4`] +
//! [`crate::wire::Advert::validate`], nothing is checked before the VRID lookup except that the
//! headers are there, so every malformed advert for a known VRID is counted where keepalived
//! counts it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::wire::vrrp::{self, AuthType, AUTH_DATA_LEN, TYPE_ADVERTISEMENT};
use crate::wire::{
    ipsec_ah, ipv4, AhCounter, Auth, Centiseconds, ChecksumMode, DecodeError, V3Checksum,
    IPPROTO_AH, IPPROTO_VRRP, VRRP_TTL,
};
use crate::{Family, Version};

use super::config::RouterInstance;

/// What the socket said about a received datagram besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxNet {
    /// From an IPv4 raw socket: the bytes are the whole IP packet.
    Ipv4,
    /// From an IPv6 raw socket: the bytes are the advert; addresses and hop limit come from
    /// the ancillary data (`hop_limit: None` when not received: keepalived skips the check).
    Ipv6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
        /// Hop limit.
        hop_limit: Option<u8>,
    },
}

impl RxNet {
    /// The family of the socket.
    pub fn family(&self) -> Family {
        match self {
            RxNet::Ipv4 => Family::Ipv4,
            RxNet::Ipv6 { .. } => Family::Ipv6,
        }
    }
}

/// The fixed facts of a datagram whose headers are all there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub(crate) vrid: u8,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) ttl: Option<u8>,
    /// Offset of the VRRP header (after the IPv4 header and the AH header).
    vrrp_start: usize,
    /// IPv4 header length.
    ihl: usize,
    ah: bool,
}

/// `vrrp_get_header`: the IPv4 header (and AH header) and the fixed VRRP header are there.
pub(crate) fn header(bytes: &[u8], net: RxNet) -> Result<Header, DecodeError> {
    let truncated = DecodeError::Truncated { len: bytes.len() };
    match net {
        RxNet::Ipv4 => {
            let ip = ipv4::Packet::new_checked(bytes).map_err(|e| match e {
                ipv4::Error::Truncated => truncated.clone(),
                ipv4::Error::Malformed => DecodeError::MalformedIpHeader,
            })?;
            let ihl = ip.header_len();
            // keepalived's sockets only deliver VRRP or AH, so anything not AH is VRRP.
            let ah = ip.protocol() == IPPROTO_AH;
            let vrrp_start = ihl + if ah { ipsec_ah::HEADER_LEN } else { 0 };
            if bytes.len() < vrrp_start + vrrp::HEADER_LEN {
                return Err(truncated);
            }
            Ok(Header {
                vrid: bytes[vrrp_start + 1],
                src: ip.src_addr().into(),
                dst: ip.dst_addr().into(),
                ttl: Some(ip.ttl()),
                vrrp_start,
                ihl,
                ah,
            })
        }
        RxNet::Ipv6 {
            src,
            dst,
            hop_limit,
        } => {
            if bytes.len() < vrrp::HEADER_LEN {
                return Err(truncated);
            }
            Ok(Header {
                vrid: bytes[1],
                src: src.into(),
                dst: dst.into(),
                ttl: hop_limit,
                vrrp_start: 0,
                ihl: 0,
                ah: false,
            })
        }
    }
}

/// An advert that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) priority: u8,
    pub(crate) interval: Duration,
    /// A VRRPv3 unicast advert verified only with the old checksum: switch to it.
    pub(crate) old_checksum_detected: bool,
}

/// A failed check; `received`: keepalived had counted `advert_rcvd` already.
pub(crate) struct Failed {
    pub(crate) error: DecodeError,
    pub(crate) received: bool,
}

impl From<DecodeError> for Failed {
    fn from(error: DecodeError) -> Failed {
        Failed {
            received: error.counted_as_received(),
            error,
        }
    }
}

/// The instance-side state the checks read and update.
pub(crate) struct RxState<'a> {
    pub(crate) ah: &'a mut AhCounter,
    pub(crate) v3_checksum: V3Checksum,
    pub(crate) check_vip_addr: bool,
    /// The instance is the address owner now (effective priority 255).
    pub(crate) owner: bool,
}

/// `vrrp_check_packet`, in keepalived 2.2.7's order.
pub(crate) fn check(
    bytes: &[u8],
    h: &Header,
    cfg: &RouterInstance,
    st: RxState<'_>,
) -> Result<Checked, Failed> {
    let family = cfg.family();
    let payload = bytes.get(h.vrrp_start..).unwrap_or_default();
    let pkt = vrrp::Packet::new_unchecked(payload, family);
    let unicast = cfg.is_unicast();
    let want_ah = cfg.auth == Auth::Ah;
    if family == Family::Ipv4 && h.ah != want_ah {
        return Err(DecodeError::AhPresence { ah_present: h.ah }.into());
    }
    let expected = h.vrrp_start + pkt.expected_len();
    if bytes.len() != expected {
        return Err(DecodeError::PacketLength {
            expected,
            received: bytes.len(),
        }
        .into());
    }
    if let (false, Some(ttl)) = (unicast, h.ttl) {
        if ttl != VRRP_TTL {
            return Err(DecodeError::Ttl { received: ttl }.into());
        }
    }
    let version = cfg.machine.version;
    if pkt.version() != version.number() {
        return Err(DecodeError::VersionMismatch {
            expected: version.number(),
            received: pkt.version(),
        }
        .into());
    }
    if version == Version::V2 && family == Family::Ipv4 {
        check_v2_auth(bytes, h, &pkt, cfg, st.ah)?;
        let interval = Duration::from_secs(u64::from(pkt.adver_int_v2()));
        if interval != cfg.machine.advert_interval {
            return Err(DecodeError::AdvertIntervalMismatch {
                expected: u8::try_from(cfg.machine.advert_interval.as_secs()).unwrap_or(u8::MAX),
                received: pkt.adver_int_v2(),
            }
            .into());
        }
    }
    if pkt.packet_type() != TYPE_ADVERTISEMENT {
        return Err(DecodeError::InvalidType(pkt.packet_type()).into());
    }
    if st.check_vip_addr && usize::from(pkt.addr_count()) != cfg.vips.len() {
        return Err(DecodeError::AddressCount {
            expected: cfg.vips.len(),
            received: pkt.addr_count(),
        }
        .into());
    }
    let mut old_checksum_detected = false;
    if let (IpAddr::V4(src), IpAddr::V4(dst)) = (h.src, h.dst) {
        let ip = ipv4::Packet::new_unchecked(bytes);
        if usize::from(ip.total_len()) != bytes.len() {
            return Err(DecodeError::IpTotalLength {
                total_len: ip.total_len(),
                received: bytes.len(),
            }
            .into());
        }
        old_checksum_detected = check_v4_checksum(&pkt, cfg, st.v3_checksum, src, dst)?;
    }
    // IPv6 cast mismatches were discarded by the dispatcher before (uncounted).
    if family == Family::Ipv4 && h.dst.is_multicast() == unicast {
        return Err(DecodeError::CastMismatch {
            expected_multicast: !unicast,
        }
        .into());
    }
    // keepalived 2.3.4 drops adverts here, uncounted, for an owner that ignores them.
    if cfg.owner_ignore_adverts && st.owner {
        return Err(DecodeError::OwnerIgnoresAdverts(h.src).into());
    }
    // Counted as received from here on (keepalived's `++vrrp->stats->advert_rcvd`).
    if st.check_vip_addr {
        let missing = cfg.vips.to_ip_addrs().into_iter().find(|vip| {
            !(0..usize::from(pkt.addr_count()))
                .filter_map(|i| pkt.addr_bytes(i))
                .any(|b| addr_of(b) == Some(*vip))
        });
        if let Some(vip) = missing {
            return Err(DecodeError::AddressMissing(vip).into());
        }
        // keepalived only looks at the unicast source inside the address-check branch.
        if unicast && cfg.check_unicast_src {
            let peer = cfg
                .peers
                .iter()
                .find(|p| p.addr == h.src)
                .ok_or(DecodeError::UnicastSourceNotPeer(h.src))?;
            if let Some(ttl) = h.ttl {
                if ttl < peer.min_ttl || ttl > peer.max_ttl {
                    return Err(DecodeError::UnicastTtl {
                        received: ttl,
                        min: peer.min_ttl,
                        max: peer.max_ttl,
                    }
                    .into());
                }
            }
        }
    }
    let interval = match version {
        Version::V2 => Duration::from_secs(u64::from(pkt.adver_int_v2())),
        Version::V3 => Centiseconds::new(pkt.max_adver_int_v3())
            .map_or(Duration::ZERO, Centiseconds::as_duration),
    };
    Ok(Checked {
        priority: pkt.priority(),
        interval,
        old_checksum_detected,
    })
}

fn addr_of(b: &[u8]) -> Option<IpAddr> {
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        return Some(Ipv4Addr::from(a).into());
    }
    <[u8; 16]>::try_from(b)
        .ok()
        .map(|a| Ipv6Addr::from(a).into())
}

/// VRRPv2 authentication: auth type, password, or AH (ICV, SPI, sequence number).
fn check_v2_auth(
    bytes: &[u8],
    h: &Header,
    pkt: &vrrp::Packet<&[u8]>,
    cfg: &RouterInstance,
    counter: &mut AhCounter,
) -> Result<(), Failed> {
    let received = pkt.auth_type();
    if let AuthType::Unknown(t) = received {
        return Err(DecodeError::InvalidAuthType(t).into());
    }
    let expected = cfg.auth.auth_type();
    if received != expected {
        return Err(DecodeError::AuthTypeMismatch { expected, received }.into());
    }
    match cfg.auth {
        Auth::Pass(want) => {
            let got = pkt.auth_data().unwrap_or([0; AUTH_DATA_LEN]);
            if !constant_time_eq(&want, &got) {
                return Err(DecodeError::PasswordMismatch.into());
            }
        }
        Auth::Ah => {
            let ah_bytes = bytes.get(h.ihl..h.vrrp_start).unwrap_or_default();
            let ah = ipsec_ah::Repr::parse(&ipsec_ah::Packet::new_unchecked(ah_bytes));
            if ah.next_header != IPPROTO_VRRP {
                return Err(DecodeError::AhNextHeader(ah.next_header).into());
            }
            // keepalived zeroes the TTL in the ICV only when the instance has unicast peers.
            let icv = ipsec_ah::compute_icv(bytes, &cfg.ah_key, cfg.is_unicast());
            if !icv.is_some_and(|icv| constant_time_eq(&icv, &ah.icv)) {
                return Err(DecodeError::AhIcvMismatch.into());
            }
            let src = match h.src {
                IpAddr::V4(a) => u32::from(a),
                IpAddr::V6(_) => 0,
            };
            if ah.spi != src {
                return Err(DecodeError::AhSpiMismatch { spi: ah.spi }.into());
            }
            if ah.seq_number <= counter.seq_number {
                return Err(DecodeError::AhReplay {
                    received: ah.seq_number,
                    last: counter.seq_number,
                }
                .into());
            }
            counter.seq_number = ah.seq_number;
        }
        Auth::None => {}
    }
    Ok(())
}

/// The IPv4 VRRP checksum; `Ok(true)`: verified only with the old unicast form (keepalived
/// then switches to it).
fn check_v4_checksum(
    pkt: &vrrp::Packet<&[u8]>,
    cfg: &RouterInstance,
    v3: V3Checksum,
    src: Ipv4Addr,
    dst: Ipv4Addr,
) -> Result<bool, DecodeError> {
    let bad = || DecodeError::Checksum {
        received: pkt.checksum(),
    };
    if cfg.machine.version == Version::V2 {
        return if pkt.verify_checksum(&ChecksumMode::Message) {
            Ok(false)
        } else {
            Err(bad())
        };
    }
    let mode = |form: V3Checksum| match form {
        V3Checksum::PseudoHeader => ChecksumMode::Ipv4 { src, dst },
        V3Checksum::OldUnicast => ChecksumMode::Ipv4 {
            src,
            dst: cfg.mcast_group4,
        },
        V3Checksum::MessageOnly => ChecksumMode::Message,
    };
    // keepalived 2.3.4 with v3_checksum_as_v2 sends the message-only checksum and takes
    // whatever checksum it receives (vrrp_check_packet skips the error in that mode).
    if v3 == V3Checksum::MessageOnly || pkt.verify_checksum(&mode(v3)) {
        return Ok(false);
    }
    if cfg.detect_old_unicast_checksum
        && cfg.is_unicast()
        && v3 == V3Checksum::PseudoHeader
        && dst != cfg.mcast_group4
        && pkt.verify_checksum(&mode(V3Checksum::OldUnicast))
    {
        return Ok(true);
    }
    Err(bad())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
