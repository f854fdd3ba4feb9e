//! Building adverts as keepalived sends them (`vrrp_build_pkt`/`vrrp_update_pkt`): the IP
//! identification and the AH sequence number are the instance's and move once per advert
//! (unicast copies of one advert share them).

use std::net::IpAddr;
use std::time::Duration;

use crate::wire::{
    emit_ipv4_into, emit_ipv6_into, AhEmit, Auth, Centiseconds, EmitError, Ipv4Emit, Repr,
    V3Checksum,
};
use crate::{Family, Version};

use super::config::RouterInstance;
use super::InstanceId;

/// A buffer this long holds any advert (IPv6, 255 addresses).
pub const MAX_ADVERT_LEN: usize = 8 + 255 * 16;

/// One datagram [`super::Router::poll_transmit`] wrote into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Which instance sends it.
    pub instance: InstanceId,
    /// Interface to send it on.
    pub ifindex: u32,
    /// IPv4: the whole packet (send with `IP_HDRINCL`); IPv6: the advert alone.
    pub family: Family,
    /// Source address (IPv6: set it with `IPV6_PKTINFO`).
    pub src: IpAddr,
    /// Destination: the multicast group or one unicast peer.
    pub dst: IpAddr,
    /// Bytes written at the start of the buffer.
    pub len: usize,
}

/// An advert the machine asked for, one destination.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) id: InstanceId,
    pub(crate) priority: u8,
    pub(crate) interval: Duration,
    pub(crate) dst: IpAddr,
    pub(crate) ident: u16,
    pub(crate) seq_number: u32,
}

/// The advert's header fields for `cfg`.
pub(crate) fn repr(cfg: &RouterInstance, priority: u8, interval: Duration) -> Repr {
    let version = match cfg.machine.version {
        Version::V3 => {
            let cs = u16::try_from(interval.as_millis() / 10).unwrap_or(4095);
            crate::wire::Version::V3 {
                advert_int: Centiseconds::new(cs.clamp(1, 4095)).unwrap_or(Centiseconds::MAX),
            }
        }
        Version::V2 => crate::wire::Version::V2 {
            advert_int: u8::try_from(interval.as_secs().max(1)).unwrap_or(u8::MAX),
            auth: cfg.auth,
        },
    };
    Repr {
        vrid: cfg.vrid,
        priority,
        version,
        addresses: cfg.vips.clone(),
    }
}

/// Writes `p` into `buf`.
pub(crate) fn emit(
    cfg: &RouterInstance,
    v3_checksum: V3Checksum,
    p: &Pending,
    buf: &mut [u8],
) -> Result<Transmit, EmitError> {
    let repr = repr(cfg, p.priority, p.interval);
    let len = match (cfg.src(), p.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut params = Ipv4Emit::new(src, dst, p.ident);
            params.v3_checksum = v3_checksum;
            params.mcast_group4 = cfg.mcast_group4;
            if cfg.is_unicast() {
                params.ttl = cfg.unicast_ttl;
            }
            if cfg.auth == Auth::Ah && cfg.machine.version == Version::V2 {
                params.ah = Some(AhEmit {
                    key: cfg.ah_key,
                    seq_number: p.seq_number,
                    unicast: cfg.is_unicast(),
                });
            }
            emit_ipv4_into(&repr, &params, buf)?
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => emit_ipv6_into(&repr, src, dst, buf)?,
        _ => return Err(EmitError::FamilyMismatch),
    };
    Ok(Transmit {
        instance: p.id,
        ifindex: cfg.tx_ifindex,
        family: cfg.family(),
        src: cfg.src(),
        dst: p.dst,
        len,
    })
}
