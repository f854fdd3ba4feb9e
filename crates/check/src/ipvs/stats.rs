//! IPVS's counters, read for the checker process's SNMP tables (keepalived's
//! ipvs_update_stats): each service's and destination's IPVS_*_ATTR_STATS64 and a
//! destination's connection counts, summed per virtual server (a virtual_server_group has
//! several services) and per real server.

use std::net::SocketAddr;

use netlink_packet_core::{Nla, NlasIterator};

use super::nla::{DestAttr, SvcAttr};
use super::ServiceKey;
use crate::pool::VirtualServerState;

/// `IPVS_SVC_ATTR_STATS64` and `IPVS_DEST_ATTR_STATS64`.
const STATS64: u16 = 12;
/// The attribute type without the nested / byte-order flags.
const TYPE_MASK: u16 = 0x3fff;

/// The counters IPVS keeps for a service or a destination (IPVS_*_ATTR_STATS64), and a
/// destination's connection counts; all 0 where there is no IPVS (`--no-ipvs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpvsStats {
    /// Connections scheduled.
    pub conns: u64,
    /// Packets in.
    pub inpkts: u64,
    /// Packets out.
    pub outpkts: u64,
    /// Bytes in.
    pub inbytes: u64,
    /// Bytes out.
    pub outbytes: u64,
    /// Connections per second.
    pub cps: u64,
    /// Packets in per second.
    pub inpps: u64,
    /// Packets out per second.
    pub outpps: u64,
    /// Bytes in per second.
    pub inbps: u64,
    /// Bytes out per second.
    pub outbps: u64,
    /// A destination's active connections.
    pub active_conns: u64,
    /// A destination's inactive connections.
    pub inactive_conns: u64,
    /// A destination's persistent connections.
    pub persistent_conns: u64,
}

impl IpvsStats {
    /// The counters of a nested `STATS64` value (`IPVS_STATS_ATTR_*`, all u64); what is
    /// malformed or unknown is left 0.
    pub fn parse_stats64(value: &[u8]) -> IpvsStats {
        let mut s = IpvsStats::default();
        for nla in NlasIterator::new(value).flatten() {
            let v = nla.value();
            let Some(n) = v
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_ne_bytes)
            else {
                continue;
            };
            match nla.kind() {
                1 => s.conns = n,
                2 => s.inpkts = n,
                3 => s.outpkts = n,
                4 => s.inbytes = n,
                5 => s.outbytes = n,
                6 => s.cps = n,
                7 => s.inpps = n,
                8 => s.outpps = n,
                9 => s.inbps = n,
                10 => s.outbps = n,
                _ => {}
            }
        }
        s
    }

    /// A service's counters from its attributes.
    pub fn of_service(attrs: &[SvcAttr]) -> IpvsStats {
        attrs
            .iter()
            .find_map(|a| match a {
                SvcAttr::Other(o) if o.kind() & TYPE_MASK == STATS64 => Some(nested(o)),
                _ => None,
            })
            .map(|v| IpvsStats::parse_stats64(&v))
            .unwrap_or_default()
    }

    /// A destination's counters and connection counts from its attributes.
    pub fn of_dest(attrs: &[DestAttr]) -> IpvsStats {
        let mut s = IpvsStats::default();
        for a in attrs {
            match a {
                DestAttr::Other(o) if o.kind() & TYPE_MASK == STATS64 => {
                    let (active, inactive, persistent) =
                        (s.active_conns, s.inactive_conns, s.persistent_conns);
                    s = IpvsStats::parse_stats64(&nested(o));
                    (s.active_conns, s.inactive_conns, s.persistent_conns) =
                        (active, inactive, persistent);
                }
                DestAttr::ActiveConns(n) => s.active_conns = u64::from(*n),
                DestAttr::InactConns(n) => s.inactive_conns = u64::from(*n),
                DestAttr::PersistConns(n) => s.persistent_conns = u64::from(*n),
                _ => {}
            }
        }
        s
    }

    fn add(&mut self, o: &IpvsStats) {
        self.conns += o.conns;
        self.inpkts += o.inpkts;
        self.outpkts += o.outpkts;
        self.inbytes += o.inbytes;
        self.outbytes += o.outbytes;
        self.cps += o.cps;
        self.inpps += o.inpps;
        self.outpps += o.outpps;
        self.inbps += o.inbps;
        self.outbps += o.outbps;
        self.active_conns += o.active_conns;
        self.inactive_conns += o.inactive_conns;
        self.persistent_conns += o.persistent_conns;
    }
}

fn nested(o: &netlink_packet_core::DefaultNla) -> Vec<u8> {
    let mut v = vec![0; o.value_len()];
    o.emit_value(&mut v);
    v
}

/// One service's counters and its destinations', as IPVS lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStats {
    /// The service.
    pub key: ServiceKey,
    /// Its counters.
    pub stats: IpvsStats,
    /// Each destination (address and port as IPVS keys it) and its counters.
    pub dests: Vec<(SocketAddr, IpvsStats)>,
}

/// The counters of each virtual server of `vss` (summed over its services) and of its
/// sorry server then real servers, in that order (summed over the services' destinations
/// with the server's address: keepalived's ipvs_update_stats). A server IPVS does not
/// list reads 0.
pub fn per_virtual_server(
    vss: &[VirtualServerState],
    dump: &[ServiceStats],
) -> Vec<(IpvsStats, Vec<IpvsStats>)> {
    vss.iter()
        .map(|v| {
            let services: Vec<&ServiceStats> = dump
                .iter()
                .filter(|d| v.services.iter().any(|s| s.key == d.key))
                .collect();
            let mut total = IpvsStats::default();
            for s in &services {
                total.add(&s.stats);
            }
            let servers = v.sorry.iter().chain(&v.rs);
            let per_server = servers
                .map(|r| {
                    let mut sum = IpvsStats::default();
                    for s in &services {
                        let port = match s.key {
                            ServiceKey::Addr { addr, .. } => addr.port(),
                            ServiceKey::Fwmark { .. } => 0,
                        };
                        for (addr, st) in &s.dests {
                            // NAT keeps the server's port; DR and TUN the service's.
                            let same = addr.ip() == r.addr.ip()
                                && (addr.port() == r.addr.port() || addr.port() == port);
                            if same {
                                sum.add(st);
                            }
                        }
                    }
                    sum
                })
                .collect();
            (total, per_server)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nla(kind: u16, v: u64) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&12u16.to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&v.to_ne_bytes());
        b
    }

    #[test]
    fn stats64_counters_are_read_by_type() {
        let mut v = Vec::new();
        for (k, n) in [(1, 7), (4, 1 << 40), (10, 3), (11, 99)] {
            v.extend(nla(k, n));
        }
        let s = IpvsStats::parse_stats64(&v);
        assert_eq!((s.conns, s.inbytes, s.outbps), (7, 1 << 40, 3));
        assert_eq!(s.inpkts, 0);
        // Truncated input: what parses is kept, nothing panics.
        let s = IpvsStats::parse_stats64(&v[..30]);
        assert_eq!(s.conns, 7);
    }
}
