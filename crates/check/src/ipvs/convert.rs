//! [`Service`] and [`Destination`] to IPVS attributes (keepalived's `ipvs_set_srule` /
//! `ipvs_set_drule`), and dump replies back to [`ServiceEntry`] / [`DestEntry`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use keepalived_conf::model::{LbKind, Protocol, Scheduler, TunnelType};

use super::nla::{DestAttr, SvcAttr};
use super::{Destination, Service, ServiceKey};

/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;

/// `IP_VS_SVC_F_PERSISTENT`.
pub const SVC_F_PERSISTENT: u32 = 0x0001;
/// `IP_VS_SVC_F_ONEPACKET`.
pub const SVC_F_ONEPACKET: u32 = 0x0004;
/// `IP_VS_SVC_F_SCHED1` (sh-fallback, mh-fallback).
pub const SVC_F_SCHED1: u32 = 0x0008;
/// `IP_VS_SVC_F_SCHED2` (sh-port, mh-port).
pub const SVC_F_SCHED2: u32 = 0x0010;
/// `IP_VS_SVC_F_SCHED3`.
pub const SVC_F_SCHED3: u32 = 0x0020;

/// `IP_VS_CONN_F_MASQ`.
pub const FWD_MASQ: u32 = 0;
/// `IP_VS_CONN_F_TUNNEL`.
pub const FWD_TUNNEL: u32 = 2;
/// `IP_VS_CONN_F_DROUTE`.
pub const FWD_DROUTE: u32 = 3;

/// A service as the kernel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// Its key.
    pub key: ServiceKey,
    /// The scheduler's name.
    pub scheduler: String,
    /// `IP_VS_SVC_F_*` (the kernel adds `HASHED`, 0x2).
    pub flags: u32,
    /// Persistence timeout, seconds.
    pub timeout: u32,
    /// Persistence netmask as the kernel keeps it.
    pub netmask: u32,
    /// Persistence engine.
    pub pe_name: Option<String>,
    /// Its destinations.
    pub dests: Vec<DestEntry>,
}

/// A destination as the kernel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestEntry {
    /// Address and port, as keyed in IPVS.
    pub addr: SocketAddr,
    /// `IP_VS_CONN_F_*` forwarding method.
    pub fwd_method: u32,
    /// Weight.
    pub weight: u32,
    /// Upper threshold.
    pub u_threshold: u32,
    /// Lower threshold.
    pub l_threshold: u32,
}

/// The kernel's scheduler module name.
pub fn sched_name(s: Scheduler) -> &'static str {
    match s {
        Scheduler::Rr => "rr",
        Scheduler::Wrr => "wrr",
        Scheduler::Lc => "lc",
        Scheduler::Wlc => "wlc",
        Scheduler::Lblc => "lblc",
        Scheduler::Lblcr => "lblcr",
        Scheduler::Dh => "dh",
        Scheduler::Sh => "sh",
        Scheduler::Sed => "sed",
        Scheduler::Nq => "nq",
        Scheduler::Fo => "fo",
        Scheduler::Ovf => "ovf",
        Scheduler::Mh => "mh",
    }
}

fn proto_num(p: Protocol) -> u16 {
    match p {
        Protocol::Tcp => 6,
        Protocol::Udp => 17,
        Protocol::Sctp => 132,
    }
}

fn proto_of(n: u16) -> Option<Protocol> {
    match n {
        6 => Some(Protocol::Tcp),
        17 => Some(Protocol::Udp),
        132 => Some(Protocol::Sctp),
        _ => None,
    }
}

/// An address as `union nf_inet_addr`.
pub fn inet(ip: IpAddr) -> [u8; 16] {
    let mut a = [0u8; 16];
    match ip {
        IpAddr::V4(v4) => a[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => a = v6.octets(),
    }
    a
}

fn ip_of(af: u16, a: [u8; 16]) -> Option<IpAddr> {
    match af {
        AF_INET => Some(IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))),
        AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(a))),
        _ => None,
    }
}

fn af_of(ip: IpAddr) -> u16 {
    if ip.is_ipv6() {
        AF_INET6
    } else {
        AF_INET
    }
}

impl ServiceKey {
    /// Its address family.
    pub fn af(&self) -> u16 {
        match self {
            ServiceKey::Addr { addr, .. } => af_of(addr.ip()),
            ServiceKey::Fwmark { ipv6: true, .. } => AF_INET6,
            ServiceKey::Fwmark { ipv6: false, .. } => AF_INET,
        }
    }

    /// The attributes that name the service in IPVS.
    pub fn attrs(&self) -> Vec<SvcAttr> {
        let mut v = vec![SvcAttr::Af(self.af())];
        match self {
            ServiceKey::Addr { protocol, addr } => {
                v.push(SvcAttr::Protocol(proto_num(*protocol)));
                v.push(SvcAttr::Addr(inet(addr.ip())));
                v.push(SvcAttr::Port(addr.port()));
            }
            ServiceKey::Fwmark { mark, .. } => v.push(SvcAttr::Fwmark(*mark)),
        }
        v
    }
}

impl Service {
    /// `IP_VS_SVC_F_*` as keepalived sets them.
    pub fn ipvs_flags(&self) -> u32 {
        let mut f = 0;
        if self.persistence_timeout.is_some() {
            f |= SVC_F_PERSISTENT;
        }
        if self.ops {
            f |= SVC_F_ONEPACKET;
        }
        if self.flags.flag1 {
            f |= SVC_F_SCHED1;
        }
        if self.flags.flag2 {
            f |= SVC_F_SCHED2;
        }
        if self.flags.flag3 {
            f |= SVC_F_SCHED3;
        }
        f
    }

    /// The persistence netmask: the mask's octets for IPv4, the prefix length for IPv6;
    /// all ones / 128 unless persistent with a granularity.
    pub fn netmask(&self) -> u32 {
        let v6 = self.key.af() == AF_INET6;
        match (self.persistence_timeout, self.persistence_granularity) {
            (Some(_), Some(IpAddr::V4(m))) if !v6 => u32::from_ne_bytes(m.octets()),
            (Some(_), Some(IpAddr::V6(m))) if v6 => u128::from(m).leading_ones(),
            _ if v6 => 128,
            _ => u32::MAX,
        }
    }

    /// Every attribute IPVS needs to create or change the service.
    pub fn attrs(&self) -> Vec<SvcAttr> {
        let mut v = self.key.attrs();
        v.push(SvcAttr::SchedName(sched_name(self.scheduler).to_owned()));
        v.push(SvcAttr::Flags {
            flags: self.ipvs_flags(),
            mask: u32::MAX,
        });
        v.push(SvcAttr::Timeout(self.persistence_timeout.unwrap_or(0)));
        v.push(SvcAttr::Netmask(self.netmask()));
        if let (Some(_), Some(pe)) = (self.persistence_timeout, &self.persistence_engine) {
            v.push(SvcAttr::PeName(pe.clone()));
        }
        v
    }
}

/// The attributes that name `dest` in `svc`.
pub fn dest_key_attrs(svc: &Service, dest: &Destination) -> Vec<DestAttr> {
    let a = dest.wire_addr(svc);
    vec![
        DestAttr::Addr(inet(a.ip())),
        DestAttr::Port(a.port()),
        DestAttr::AddrFamily(af_of(a.ip())),
    ]
}

/// Every attribute IPVS needs to add or change `dest` in `svc`.
pub fn dest_attrs(svc: &Service, dest: &Destination) -> Vec<DestAttr> {
    let mut v = dest_key_attrs(svc, dest);
    let fwd = match dest.lb_kind {
        LbKind::Nat => FWD_MASQ,
        LbKind::Dr => FWD_DROUTE,
        LbKind::Tun(_) => FWD_TUNNEL,
    };
    v.push(DestAttr::FwdMethod(fwd));
    v.push(DestAttr::Weight(dest.weight));
    v.push(DestAttr::UThresh(dest.u_threshold));
    v.push(DestAttr::LThresh(dest.l_threshold));
    match dest.lb_kind {
        LbKind::Tun(TunnelType::Gue { port, csum }) => {
            v.push(DestAttr::TunType(1));
            v.push(DestAttr::TunPort(port));
            v.push(DestAttr::TunFlags(csum.flags()));
        }
        LbKind::Tun(TunnelType::Gre { csum }) => {
            v.push(DestAttr::TunType(2));
            v.push(DestAttr::TunFlags(csum.flags()));
        }
        _ => {}
    }
    v
}

/// A service of a dump reply; None when it lacks what names it.
pub fn service_entry(attrs: &[SvcAttr]) -> Option<ServiceEntry> {
    let (mut af, mut proto, mut addr, mut port, mut mark) = (None, None, None, None, 0);
    let mut e = ServiceEntry {
        key: ServiceKey::Fwmark {
            mark: 0,
            ipv6: false,
        },
        scheduler: String::new(),
        flags: 0,
        timeout: 0,
        netmask: 0,
        pe_name: None,
        dests: Vec::new(),
    };
    for a in attrs {
        match a {
            SvcAttr::Af(v) => af = Some(*v),
            SvcAttr::Protocol(v) => proto = Some(*v),
            SvcAttr::Addr(v) => addr = Some(*v),
            SvcAttr::Port(v) => port = Some(*v),
            SvcAttr::Fwmark(v) => mark = *v,
            SvcAttr::SchedName(s) => e.scheduler = s.clone(),
            SvcAttr::Flags { flags, .. } => e.flags = *flags,
            SvcAttr::Timeout(v) => e.timeout = *v,
            SvcAttr::Netmask(v) => e.netmask = *v,
            SvcAttr::PeName(s) if !s.is_empty() => e.pe_name = Some(s.clone()),
            _ => {}
        }
    }
    let af = af?;
    e.key = if mark != 0 {
        ServiceKey::Fwmark {
            mark,
            ipv6: af == AF_INET6,
        }
    } else {
        ServiceKey::Addr {
            protocol: proto_of(proto?)?,
            addr: SocketAddr::new(ip_of(af, addr?)?, port?),
        }
    };
    Some(e)
}

/// A destination of a dump reply (`svc_af` when it names no family); None when it lacks
/// its address.
pub fn dest_entry(attrs: &[DestAttr], svc_af: u16) -> Option<DestEntry> {
    let (mut af, mut addr, mut port) = (svc_af, None, None);
    let mut e = DestEntry {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        fwd_method: 0,
        weight: 0,
        u_threshold: 0,
        l_threshold: 0,
    };
    for a in attrs {
        match a {
            DestAttr::Addr(v) => addr = Some(*v),
            DestAttr::Port(v) => port = Some(*v),
            DestAttr::AddrFamily(v) => af = *v,
            DestAttr::FwdMethod(v) => e.fwd_method = *v,
            DestAttr::Weight(v) => e.weight = *v,
            DestAttr::UThresh(v) => e.u_threshold = *v,
            DestAttr::LThresh(v) => e.l_threshold = *v,
            _ => {}
        }
    }
    e.addr = SocketAddr::new(ip_of(af, addr?)?, port?);
    Some(e)
}
