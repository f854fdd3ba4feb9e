//! Typed netlink attributes of the IPVS generic-netlink family (linux/ip_vs.h), smoltcp
//! style: each enum emits itself and parses from an [`NlaBuffer`], unknown kinds are kept
//! as [`DefaultNla`], and a malformed value (wrong length, bad UTF-8, broken nesting) is a
//! [`DecodeError`], never a panic.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, Nla, NlaBuffer, NlasIterator, Parseable, NLA_F_NESTED,
};

/// The family's name, resolved to an id through nlctrl.
pub const IPVS_GENL_NAME: &str = "IPVS";
/// The family's version.
pub const IPVS_GENL_VERSION: u8 = 1;

/// `IPVS_CMD_ATTR_*`: the attributes of a command.
pub mod cmd_attr {
    /// Nested service attributes.
    pub const SERVICE: u16 = 1;
    /// Nested destination attributes.
    pub const DEST: u16 = 2;
    /// Nested sync daemon attributes.
    pub const DAEMON: u16 = 3;
    /// TCP connection timeout (u32 seconds).
    pub const TIMEOUT_TCP: u16 = 4;
    /// TCP FIN wait timeout.
    pub const TIMEOUT_TCP_FIN: u16 = 5;
    /// UDP timeout.
    pub const TIMEOUT_UDP: u16 = 6;
}

/// `IPVS_SVC_ATTR_*`.
pub mod svc_attr {
    /// Address family (u16).
    pub const AF: u16 = 1;
    /// IP protocol (u16).
    pub const PROTOCOL: u16 = 2;
    /// Virtual address (union nf_inet_addr, 16 bytes).
    pub const ADDR: u16 = 3;
    /// Virtual port (be16).
    pub const PORT: u16 = 4;
    /// Firewall mark (u32).
    pub const FWMARK: u16 = 5;
    /// Scheduler name (NUL-terminated).
    pub const SCHED_NAME: u16 = 6;
    /// struct ip_vs_flags { flags, mask }.
    pub const FLAGS: u16 = 7;
    /// Persistence timeout (u32 seconds).
    pub const TIMEOUT: u16 = 8;
    /// Persistence netmask (be32 mask for IPv4, prefix length for IPv6).
    pub const NETMASK: u16 = 9;
    /// Nested statistics.
    pub const STATS: u16 = 10;
    /// Persistence engine name.
    pub const PE_NAME: u16 = 11;
    /// Nested 64-bit statistics.
    pub const STATS64: u16 = 12;
}

/// `IPVS_DEST_ATTR_*`.
pub mod dest_attr {
    /// Real server address (16 bytes).
    pub const ADDR: u16 = 1;
    /// Real server port (be16).
    pub const PORT: u16 = 2;
    /// Forwarding method (u32, `IP_VS_CONN_F_*`).
    pub const FWD_METHOD: u16 = 3;
    /// Weight (u32).
    pub const WEIGHT: u16 = 4;
    /// Upper threshold (u32).
    pub const U_THRESH: u16 = 5;
    /// Lower threshold (u32).
    pub const L_THRESH: u16 = 6;
    /// Active connections (u32, replies only).
    pub const ACTIVE_CONNS: u16 = 7;
    /// Inactive connections (u32, replies only).
    pub const INACT_CONNS: u16 = 8;
    /// Persistent connections (u32, replies only).
    pub const PERSIST_CONNS: u16 = 9;
    /// Address family of the address (u16).
    pub const ADDR_FAMILY: u16 = 11;
    /// Tunnel type (u8).
    pub const TUN_TYPE: u16 = 13;
    /// Tunnel port (be16).
    pub const TUN_PORT: u16 = 14;
    /// Tunnel flags (u16).
    pub const TUN_FLAGS: u16 = 15;
}

/// `IPVS_DAEMON_ATTR_*`.
pub mod daemon_attr {
    /// State (u32: 1 master, 2 backup).
    pub const STATE: u16 = 1;
    /// Multicast interface name.
    pub const MCAST_IFN: u16 = 2;
    /// Sync id (u32).
    pub const SYNC_ID: u16 = 3;
    /// UDP payload size (u16).
    pub const SYNC_MAXLEN: u16 = 4;
    /// IPv4 multicast group.
    pub const MCAST_GROUP: u16 = 5;
    /// IPv6 multicast group.
    pub const MCAST_GROUP6: u16 = 6;
    /// Multicast port (u16).
    pub const MCAST_PORT: u16 = 7;
    /// Multicast TTL (u8).
    pub const MCAST_TTL: u16 = 8;
}

/// A service attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcAttr {
    /// `AF`.
    Af(u16),
    /// `PROTOCOL`.
    Protocol(u16),
    /// `ADDR`: IPv4 in the first 4 bytes.
    Addr([u8; 16]),
    /// `PORT` (host order here, network order on the wire).
    Port(u16),
    /// `FWMARK`.
    Fwmark(u32),
    /// `SCHED_NAME`.
    SchedName(String),
    /// `FLAGS`: flags and the mask of those to change.
    Flags {
        /// `IP_VS_SVC_F_*`.
        flags: u32,
        /// Which flags the request sets.
        mask: u32,
    },
    /// `TIMEOUT`.
    Timeout(u32),
    /// `NETMASK`, as the kernel's u32 (for IPv4 its bytes are the mask's octets).
    Netmask(u32),
    /// `PE_NAME`.
    PeName(String),
    /// Anything else (statistics, newer attributes).
    Other(DefaultNla),
}

/// A destination attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestAttr {
    /// `ADDR`.
    Addr([u8; 16]),
    /// `PORT` (host order here).
    Port(u16),
    /// `FWD_METHOD`.
    FwdMethod(u32),
    /// `WEIGHT`.
    Weight(u32),
    /// `U_THRESH`.
    UThresh(u32),
    /// `L_THRESH`.
    LThresh(u32),
    /// `ACTIVE_CONNS`.
    ActiveConns(u32),
    /// `INACT_CONNS`.
    InactConns(u32),
    /// `PERSIST_CONNS`.
    PersistConns(u32),
    /// `ADDR_FAMILY`.
    AddrFamily(u16),
    /// `TUN_TYPE`.
    TunType(u8),
    /// `TUN_PORT` (host order here).
    TunPort(u16),
    /// `TUN_FLAGS`.
    TunFlags(u16),
    /// Anything else.
    Other(DefaultNla),
}

/// A sync daemon attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonAttr {
    /// `STATE`.
    State(u32),
    /// `MCAST_IFN`.
    McastIfn(String),
    /// `SYNC_ID`.
    SyncId(u32),
    /// `SYNC_MAXLEN`.
    SyncMaxlen(u16),
    /// `MCAST_GROUP`.
    McastGroup([u8; 4]),
    /// `MCAST_GROUP6`.
    McastGroup6([u8; 16]),
    /// `MCAST_PORT`.
    McastPort(u16),
    /// `MCAST_TTL`.
    McastTtl(u8),
    /// Anything else.
    Other(DefaultNla),
}

/// A top-level attribute of an IPVS command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdAttr {
    /// `IPVS_CMD_ATTR_SERVICE`.
    Service(Vec<SvcAttr>),
    /// `IPVS_CMD_ATTR_DEST`.
    Dest(Vec<DestAttr>),
    /// `IPVS_CMD_ATTR_DAEMON`.
    Daemon(Vec<DaemonAttr>),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP`.
    TimeoutTcp(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN`.
    TimeoutTcpFin(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_UDP`.
    TimeoutUdp(u32),
    /// Anything else.
    Other(DefaultNla),
}

// ---- value helpers: fixed sizes checked, never indexing past the slice ----

fn bad(what: &str, len: usize) -> DecodeError {
    DecodeError::from(format!("IPVS attribute {what}: unexpected length {len}"))
}

fn u8_of(v: &[u8], what: &str) -> Result<u8, DecodeError> {
    match v {
        [a] => Ok(*a),
        _ => Err(bad(what, v.len())),
    }
}

fn u16_of(v: &[u8], what: &str) -> Result<u16, DecodeError> {
    <[u8; 2]>::try_from(v)
        .map(u16::from_ne_bytes)
        .map_err(|_| bad(what, v.len()))
}

fn be16_of(v: &[u8], what: &str) -> Result<u16, DecodeError> {
    <[u8; 2]>::try_from(v)
        .map(u16::from_be_bytes)
        .map_err(|_| bad(what, v.len()))
}

fn u32_of(v: &[u8], what: &str) -> Result<u32, DecodeError> {
    <[u8; 4]>::try_from(v)
        .map(u32::from_ne_bytes)
        .map_err(|_| bad(what, v.len()))
}

/// An address: 4 (IPv4) to 16 bytes, zero-filled to 16.
fn addr_of(v: &[u8], what: &str) -> Result<[u8; 16], DecodeError> {
    if v.len() != 4 && v.len() != 16 {
        return Err(bad(what, v.len()));
    }
    let mut a = [0u8; 16];
    a[..v.len()].copy_from_slice(v);
    Ok(a)
}

fn string_of(v: &[u8], what: &str) -> Result<String, DecodeError> {
    let v = v.split(|b| *b == 0).next().unwrap_or_default();
    String::from_utf8(v.to_vec()).map_err(|_| DecodeError::from(format!("IPVS {what}: not UTF-8")))
}

/// Parses nested attributes with `f`; the first malformed one fails the whole list.
pub fn parse_nested<T>(
    v: &[u8],
    f: impl Fn(&NlaBuffer<&[u8]>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    NlasIterator::new(v)
        .map(|nla| nla.and_then(|nla| f(&nla)))
        .collect()
}

fn nested_len<T: Nla>(v: &[T]) -> usize {
    v.iter().map(Emitable::buffer_len).sum()
}

fn emit_nested<T: Nla>(v: &[T], buf: &mut [u8]) {
    let mut at = 0;
    for a in v {
        let n = a.buffer_len();
        a.emit(&mut buf[at..at + n]);
        at += n;
    }
}

/// Writes a string with its terminating NUL (the kernel's NLA_NUL_STRING).
fn emit_str(s: &str, buf: &mut [u8]) {
    buf[..s.len()].copy_from_slice(s.as_bytes());
    buf[s.len()] = 0;
}

// ---- service ----

impl Nla for SvcAttr {
    fn value_len(&self) -> usize {
        match self {
            SvcAttr::Af(_) | SvcAttr::Protocol(_) | SvcAttr::Port(_) => 2,
            SvcAttr::Addr(_) => 16,
            SvcAttr::Fwmark(_) | SvcAttr::Timeout(_) | SvcAttr::Netmask(_) => 4,
            SvcAttr::SchedName(s) | SvcAttr::PeName(s) => s.len() + 1,
            SvcAttr::Flags { .. } => 8,
            SvcAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use svc_attr::*;
        match self {
            SvcAttr::Af(_) => AF,
            SvcAttr::Protocol(_) => PROTOCOL,
            SvcAttr::Addr(_) => ADDR,
            SvcAttr::Port(_) => PORT,
            SvcAttr::Fwmark(_) => FWMARK,
            SvcAttr::SchedName(_) => SCHED_NAME,
            SvcAttr::Flags { .. } => FLAGS,
            SvcAttr::Timeout(_) => TIMEOUT,
            SvcAttr::Netmask(_) => NETMASK,
            SvcAttr::PeName(_) => PE_NAME,
            SvcAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            SvcAttr::Af(v) | SvcAttr::Protocol(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            SvcAttr::Port(v) => buf.copy_from_slice(&v.to_be_bytes()),
            SvcAttr::Addr(a) => buf.copy_from_slice(a),
            SvcAttr::Fwmark(v) | SvcAttr::Timeout(v) | SvcAttr::Netmask(v) => {
                buf.copy_from_slice(&v.to_ne_bytes())
            }
            SvcAttr::SchedName(s) | SvcAttr::PeName(s) => emit_str(s, buf),
            SvcAttr::Flags { flags, mask } => {
                buf[..4].copy_from_slice(&flags.to_ne_bytes());
                buf[4..].copy_from_slice(&mask.to_ne_bytes());
            }
            SvcAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for SvcAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use svc_attr::*;
        let v = buf.value();
        Ok(match buf.kind() {
            AF => SvcAttr::Af(u16_of(v, "svc af")?),
            PROTOCOL => SvcAttr::Protocol(u16_of(v, "svc protocol")?),
            ADDR => SvcAttr::Addr(addr_of(v, "svc addr")?),
            PORT => SvcAttr::Port(be16_of(v, "svc port")?),
            FWMARK => SvcAttr::Fwmark(u32_of(v, "svc fwmark")?),
            SCHED_NAME => SvcAttr::SchedName(string_of(v, "svc sched_name")?),
            FLAGS => {
                if v.len() != 8 {
                    return Err(bad("svc flags", v.len()));
                }
                SvcAttr::Flags {
                    flags: u32_of(&v[..4], "svc flags")?,
                    mask: u32_of(&v[4..], "svc flags")?,
                }
            }
            TIMEOUT => SvcAttr::Timeout(u32_of(v, "svc timeout")?),
            NETMASK => SvcAttr::Netmask(u32_of(v, "svc netmask")?),
            PE_NAME => SvcAttr::PeName(string_of(v, "svc pe_name")?),
            _ => SvcAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

// ---- destination ----

impl Nla for DestAttr {
    fn value_len(&self) -> usize {
        match self {
            DestAttr::Addr(_) => 16,
            DestAttr::Port(_)
            | DestAttr::AddrFamily(_)
            | DestAttr::TunPort(_)
            | DestAttr::TunFlags(_) => 2,
            DestAttr::TunType(_) => 1,
            DestAttr::FwdMethod(_)
            | DestAttr::Weight(_)
            | DestAttr::UThresh(_)
            | DestAttr::LThresh(_)
            | DestAttr::ActiveConns(_)
            | DestAttr::InactConns(_)
            | DestAttr::PersistConns(_) => 4,
            DestAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use dest_attr::*;
        match self {
            DestAttr::Addr(_) => ADDR,
            DestAttr::Port(_) => PORT,
            DestAttr::FwdMethod(_) => FWD_METHOD,
            DestAttr::Weight(_) => WEIGHT,
            DestAttr::UThresh(_) => U_THRESH,
            DestAttr::LThresh(_) => L_THRESH,
            DestAttr::ActiveConns(_) => ACTIVE_CONNS,
            DestAttr::InactConns(_) => INACT_CONNS,
            DestAttr::PersistConns(_) => PERSIST_CONNS,
            DestAttr::AddrFamily(_) => ADDR_FAMILY,
            DestAttr::TunType(_) => TUN_TYPE,
            DestAttr::TunPort(_) => TUN_PORT,
            DestAttr::TunFlags(_) => TUN_FLAGS,
            DestAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            DestAttr::Addr(a) => buf.copy_from_slice(a),
            DestAttr::Port(v) | DestAttr::TunPort(v) => buf.copy_from_slice(&v.to_be_bytes()),
            DestAttr::AddrFamily(v) | DestAttr::TunFlags(v) => {
                buf.copy_from_slice(&v.to_ne_bytes())
            }
            DestAttr::TunType(v) => buf[0] = *v,
            DestAttr::FwdMethod(v)
            | DestAttr::Weight(v)
            | DestAttr::UThresh(v)
            | DestAttr::LThresh(v)
            | DestAttr::ActiveConns(v)
            | DestAttr::InactConns(v)
            | DestAttr::PersistConns(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            DestAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DestAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use dest_attr::*;
        let v = buf.value();
        Ok(match buf.kind() {
            ADDR => DestAttr::Addr(addr_of(v, "dest addr")?),
            PORT => DestAttr::Port(be16_of(v, "dest port")?),
            FWD_METHOD => DestAttr::FwdMethod(u32_of(v, "dest fwd_method")?),
            WEIGHT => DestAttr::Weight(u32_of(v, "dest weight")?),
            U_THRESH => DestAttr::UThresh(u32_of(v, "dest u_thresh")?),
            L_THRESH => DestAttr::LThresh(u32_of(v, "dest l_thresh")?),
            ACTIVE_CONNS => DestAttr::ActiveConns(u32_of(v, "dest active_conns")?),
            INACT_CONNS => DestAttr::InactConns(u32_of(v, "dest inact_conns")?),
            PERSIST_CONNS => DestAttr::PersistConns(u32_of(v, "dest persist_conns")?),
            ADDR_FAMILY => DestAttr::AddrFamily(u16_of(v, "dest addr_family")?),
            TUN_TYPE => DestAttr::TunType(u8_of(v, "dest tun_type")?),
            TUN_PORT => DestAttr::TunPort(be16_of(v, "dest tun_port")?),
            TUN_FLAGS => DestAttr::TunFlags(u16_of(v, "dest tun_flags")?),
            _ => DestAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

// ---- sync daemon ----

impl Nla for DaemonAttr {
    fn value_len(&self) -> usize {
        match self {
            DaemonAttr::State(_) | DaemonAttr::SyncId(_) | DaemonAttr::McastGroup(_) => 4,
            DaemonAttr::McastIfn(s) => s.len() + 1,
            DaemonAttr::SyncMaxlen(_) | DaemonAttr::McastPort(_) => 2,
            DaemonAttr::McastGroup6(_) => 16,
            DaemonAttr::McastTtl(_) => 1,
            DaemonAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use daemon_attr::*;
        match self {
            DaemonAttr::State(_) => STATE,
            DaemonAttr::McastIfn(_) => MCAST_IFN,
            DaemonAttr::SyncId(_) => SYNC_ID,
            DaemonAttr::SyncMaxlen(_) => SYNC_MAXLEN,
            DaemonAttr::McastGroup(_) => MCAST_GROUP,
            DaemonAttr::McastGroup6(_) => MCAST_GROUP6,
            DaemonAttr::McastPort(_) => MCAST_PORT,
            DaemonAttr::McastTtl(_) => MCAST_TTL,
            DaemonAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            DaemonAttr::State(v) | DaemonAttr::SyncId(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            DaemonAttr::McastIfn(s) => emit_str(s, buf),
            DaemonAttr::SyncMaxlen(v) | DaemonAttr::McastPort(v) => {
                buf.copy_from_slice(&v.to_ne_bytes())
            }
            DaemonAttr::McastGroup(a) => buf.copy_from_slice(a),
            DaemonAttr::McastGroup6(a) => buf.copy_from_slice(a),
            DaemonAttr::McastTtl(v) => buf[0] = *v,
            DaemonAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DaemonAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use daemon_attr::*;
        let v = buf.value();
        Ok(match buf.kind() {
            STATE => DaemonAttr::State(u32_of(v, "daemon state")?),
            MCAST_IFN => DaemonAttr::McastIfn(string_of(v, "daemon mcast_ifn")?),
            SYNC_ID => DaemonAttr::SyncId(u32_of(v, "daemon sync_id")?),
            SYNC_MAXLEN => DaemonAttr::SyncMaxlen(u16_of(v, "daemon sync_maxlen")?),
            MCAST_GROUP => DaemonAttr::McastGroup(
                <[u8; 4]>::try_from(v).map_err(|_| bad("daemon mcast_group", v.len()))?,
            ),
            MCAST_GROUP6 => DaemonAttr::McastGroup6(
                <[u8; 16]>::try_from(v).map_err(|_| bad("daemon mcast_group6", v.len()))?,
            ),
            MCAST_PORT => DaemonAttr::McastPort(u16_of(v, "daemon mcast_port")?),
            MCAST_TTL => DaemonAttr::McastTtl(u8_of(v, "daemon mcast_ttl")?),
            _ => DaemonAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}

// ---- command ----

impl Nla for CmdAttr {
    fn value_len(&self) -> usize {
        match self {
            CmdAttr::Service(v) => nested_len(v),
            CmdAttr::Dest(v) => nested_len(v),
            CmdAttr::Daemon(v) => nested_len(v),
            CmdAttr::TimeoutTcp(_) | CmdAttr::TimeoutTcpFin(_) | CmdAttr::TimeoutUdp(_) => 4,
            CmdAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use cmd_attr::*;
        match self {
            CmdAttr::Service(_) => SERVICE | NLA_F_NESTED,
            CmdAttr::Dest(_) => DEST | NLA_F_NESTED,
            CmdAttr::Daemon(_) => DAEMON | NLA_F_NESTED,
            CmdAttr::TimeoutTcp(_) => TIMEOUT_TCP,
            CmdAttr::TimeoutTcpFin(_) => TIMEOUT_TCP_FIN,
            CmdAttr::TimeoutUdp(_) => TIMEOUT_UDP,
            CmdAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            CmdAttr::Service(v) => emit_nested(v, buf),
            CmdAttr::Dest(v) => emit_nested(v, buf),
            CmdAttr::Daemon(v) => emit_nested(v, buf),
            CmdAttr::TimeoutTcp(v) | CmdAttr::TimeoutTcpFin(v) | CmdAttr::TimeoutUdp(v) => {
                buf.copy_from_slice(&v.to_ne_bytes())
            }
            CmdAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for CmdAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use cmd_attr::*;
        let v = buf.value();
        Ok(match buf.kind() {
            SERVICE => CmdAttr::Service(parse_nested(v, |n| SvcAttr::parse(n))?),
            DEST => CmdAttr::Dest(parse_nested(v, |n| DestAttr::parse(n))?),
            DAEMON => CmdAttr::Daemon(parse_nested(v, |n| DaemonAttr::parse(n))?),
            TIMEOUT_TCP => CmdAttr::TimeoutTcp(u32_of(v, "timeout tcp")?),
            TIMEOUT_TCP_FIN => CmdAttr::TimeoutTcpFin(u32_of(v, "timeout tcpfin")?),
            TIMEOUT_UDP => CmdAttr::TimeoutUdp(u32_of(v, "timeout udp")?),
            _ => CmdAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
