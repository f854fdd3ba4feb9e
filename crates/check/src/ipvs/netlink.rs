//! [`NetlinkIpvs`]: the kernel's IPVS through a blocking generic-netlink socket, one round
//! trip a call, the way keepalived's libipvs talks to it.

use std::fmt::Debug;
use std::time::Duration;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

use super::convert::{self, dest_attrs, dest_key_attrs, DestEntry, ServiceEntry};
use super::message::{IpvsCmd, IpvsMessage};
use super::nla::{CmdAttr, DaemonAttr, IPVS_GENL_NAME};
use super::stats::{IpvsStats, ServiceStats};
use super::{Destination, Ipvs, IpvsError, Service, ServiceKey};

/// How long a reply may take before the call fails (the kernel answers at once).
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// The receive buffer: larger than any datagram the kernel sends a dump in.
const RECV_BUF: usize = 64 * 1024;

/// A sync daemon's role (`IP_VS_STATE_MASTER` / `IP_VS_STATE_BACKUP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Sends connection state.
    Master,
    /// Receives it.
    Backup,
}

/// A sync daemon to start (global_defs `lvs_sync_daemon`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Its role.
    pub state: SyncState,
    /// The multicast interface.
    pub interface: String,
    /// The sync id.
    pub syncid: u8,
    /// UDP payload size, if set.
    pub maxlen: Option<u16>,
    /// Multicast port, if set.
    pub port: Option<u16>,
    /// Multicast TTL, if set.
    pub ttl: Option<u8>,
    /// Multicast group, if set.
    pub group: Option<std::net::IpAddr>,
}

/// The kernel's IPVS over generic netlink.
pub struct NetlinkIpvs {
    sock: Socket,
    family: u16,
    seq: u32,
    buf: Vec<u8>,
}

impl Debug for NetlinkIpvs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetlinkIpvs")
            .field("family", &self.family)
            .finish()
    }
}

/// What went wrong in one round trip.
enum Fail {
    /// The kernel answered with this errno.
    Errno(i32),
    /// Anything else (socket error, malformed or missing reply).
    Other(String),
}

impl Fail {
    fn into_error(self, op: &'static str, what: String) -> IpvsError {
        let reason = match self {
            Fail::Errno(e) => format!("{}({e}){what}", errno_text(e)),
            Fail::Other(s) => format!("{s}{what}"),
        };
        IpvsError { op, reason }
    }
}

fn errno_text(e: i32) -> String {
    let s = std::io::Error::from_raw_os_error(e).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

impl NetlinkIpvs {
    /// Opens a generic-netlink socket and resolves the "IPVS" family. When the family is
    /// missing it runs `modprobe ip_vs` once, as keepalived does, and fails with an error
    /// whose [`IpvsError::is_no_ipvs`] is true if it is still missing.
    pub fn open() -> Result<NetlinkIpvs, IpvsError> {
        let open_err = |e: std::io::Error| IpvsError {
            op: "IPVS_GENL_OPEN",
            reason: format!("generic netlink socket: {e}"),
        };
        let mut sock = Socket::new(NETLINK_GENERIC).map_err(open_err)?;
        sock.bind_auto().map_err(open_err)?;
        sock.connect(&SocketAddr::new(0, 0)).map_err(open_err)?;
        let tv = nix::sys::time::TimeVal::new(REPLY_TIMEOUT.as_secs() as _, 0);
        nix::sys::socket::setsockopt(&sock, nix::sys::socket::sockopt::ReceiveTimeout, &tv)
            .map_err(|e| open_err(e.into()))?;
        let mut me = NetlinkIpvs {
            sock,
            family: 0,
            seq: 0,
            buf: Vec::with_capacity(RECV_BUF),
        };
        let family = match me.resolve_family() {
            Err(Fail::Errno(libc::ENOENT)) => {
                modprobe_ip_vs();
                me.resolve_family()
            }
            r => r,
        };
        match family {
            Ok(id) => {
                me.family = id;
                Ok(me)
            }
            Err(Fail::Errno(libc::ENOENT)) => Err(IpvsError {
                op: IpvsError::NO_IPVS,
                reason: "the kernel has no IPVS (module ip_vs)".into(),
            }),
            Err(f) => Err(f.into_error("IPVS_GENL_FAMILY_LOOKUP", String::new())),
        }
    }

    /// The generic-netlink id of the IPVS family.
    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn resolve_family(&mut self) -> Result<u16, Fail> {
        let req = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(IPVS_GENL_NAME.to_owned())],
        });
        let replies: Vec<GenlMessage<GenlCtrl>> = self.round_trip(req, NLM_F_ACK)?;
        replies
            .iter()
            .flat_map(|m| &m.payload.nlas)
            .find_map(|a| match a {
                GenlCtrlAttrs::FamilyId(id) => Some(*id),
                _ => None,
            })
            .ok_or_else(|| Fail::Other("no family id in nlctrl's reply".into()))
    }

    /// Sends `payload` and collects the replies until the ack (or, for a dump, the end).
    fn round_trip<T>(&mut self, payload: T, flags: u16) -> Result<Vec<T>, Fail>
    where
        T: NetlinkSerializable + NetlinkDeserializable + Debug,
        NetlinkPayload<T>: From<T>,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(payload));
        msg.finalize();
        let mut out = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut out);
        self.sock
            .send(&out, 0)
            .map_err(|e| Fail::Other(format!("send: {e}")))?;
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut replies = Vec::new();
        loop {
            self.buf.clear();
            self.sock
                .recv(&mut self.buf, 0)
                .map_err(|e| Fail::Other(format!("receive: {e}")))?;
            if let Some(done) = parse_datagram(&self.buf, seq, dump, &mut replies)? {
                return done.map(|()| replies);
            }
        }
    }

    fn ipvs(
        &mut self,
        cmd: IpvsCmd,
        attrs: Vec<CmdAttr>,
        flags: u16,
    ) -> Result<Vec<IpvsMessage>, Fail> {
        let mut m = GenlMessage::from_payload(IpvsMessage::new(cmd, attrs));
        m.set_resolved_family_id(self.family);
        let replies = self.round_trip(m, flags)?;
        Ok(replies.into_iter().map(|m| m.payload).collect())
    }

    fn command(&mut self, cmd: IpvsCmd, attrs: Vec<CmdAttr>) -> Result<(), Fail> {
        self.ipvs(cmd, attrs, NLM_F_ACK).map(|_| ())
    }

    /// Every service with its destinations.
    pub fn services(&mut self) -> Result<Vec<ServiceEntry>, IpvsError> {
        let err = |f: Fail| f.into_error("IPVS_CMD_GET_SERVICE", String::new());
        let replies = self
            .ipvs(IpvsCmd::GetService, Vec::new(), NLM_F_DUMP)
            .map_err(err)?;
        let mut out: Vec<ServiceEntry> = replies
            .iter()
            .flat_map(|m| &m.attrs)
            .filter_map(|a| match a {
                CmdAttr::Service(s) => convert::service_entry(s),
                _ => None,
            })
            .collect();
        for e in &mut out {
            e.dests = self.dests(e)?;
        }
        Ok(out)
    }

    /// Every service's and destination's counters (keepalived's ipvs_update_stats).
    pub fn stats(&mut self) -> Result<Vec<ServiceStats>, IpvsError> {
        let err = |f: Fail| f.into_error("IPVS_CMD_GET_SERVICE", String::new());
        let replies = self
            .ipvs(IpvsCmd::GetService, Vec::new(), NLM_F_DUMP)
            .map_err(err)?;
        let services: Vec<(ServiceKey, IpvsStats)> = replies
            .iter()
            .flat_map(|m| &m.attrs)
            .filter_map(|a| match a {
                CmdAttr::Service(s) => {
                    convert::service_entry(s).map(|e| (e.key, IpvsStats::of_service(s)))
                }
                _ => None,
            })
            .collect();
        let mut out = Vec::new();
        for (key, stats) in services {
            let err = |f: Fail| f.into_error("IPVS_CMD_GET_DEST", format!(" ({key})"));
            let attrs = vec![CmdAttr::Service(key.attrs())];
            let replies = self
                .ipvs(IpvsCmd::GetDest, attrs, NLM_F_DUMP)
                .map_err(err)?;
            let dests = replies
                .iter()
                .flat_map(|m| &m.attrs)
                .filter_map(|a| match a {
                    CmdAttr::Dest(d) => {
                        convert::dest_entry(d, key.af()).map(|e| (e.addr, IpvsStats::of_dest(d)))
                    }
                    _ => None,
                })
                .collect();
            out.push(ServiceStats { key, stats, dests });
        }
        Ok(out)
    }

    fn dests(&mut self, svc: &ServiceEntry) -> Result<Vec<DestEntry>, IpvsError> {
        let err = |f: Fail| f.into_error("IPVS_CMD_GET_DEST", format!(" ({})", svc.key));
        let attrs = vec![CmdAttr::Service(svc.key.attrs())];
        let replies = self
            .ipvs(IpvsCmd::GetDest, attrs, NLM_F_DUMP)
            .map_err(err)?;
        let af = svc.key.af();
        Ok(replies
            .iter()
            .flat_map(|m| &m.attrs)
            .filter_map(|a| match a {
                CmdAttr::Dest(d) => convert::dest_entry(d, af),
                _ => None,
            })
            .collect())
    }

    /// Starts a sync daemon (`IPVS_CMD_NEW_DAEMON`).
    pub fn start_sync_daemon(&mut self, d: &SyncDaemon) -> Result<(), IpvsError> {
        let mut attrs = vec![
            DaemonAttr::State(sync_state(d.state)),
            DaemonAttr::McastIfn(d.interface.clone()),
            DaemonAttr::SyncId(u32::from(d.syncid)),
        ];
        if let Some(v) = d.maxlen {
            attrs.push(DaemonAttr::SyncMaxlen(v));
        }
        if let Some(v) = d.port {
            attrs.push(DaemonAttr::McastPort(v));
        }
        if let Some(v) = d.ttl {
            attrs.push(DaemonAttr::McastTtl(v));
        }
        match d.group {
            Some(std::net::IpAddr::V4(g)) => attrs.push(DaemonAttr::McastGroup(g.octets())),
            Some(std::net::IpAddr::V6(g)) => attrs.push(DaemonAttr::McastGroup6(g.octets())),
            None => {}
        }
        self.command(IpvsCmd::NewDaemon, vec![CmdAttr::Daemon(attrs)])
            .map_err(|f| f.into_error("IP_VS_SO_SET_STARTDAEMON", String::new()))
    }

    /// Stops the sync daemon of `state` (`IPVS_CMD_DEL_DAEMON`).
    pub fn stop_sync_daemon(&mut self, state: SyncState) -> Result<(), IpvsError> {
        let attrs = vec![DaemonAttr::State(sync_state(state))];
        self.command(IpvsCmd::DelDaemon, vec![CmdAttr::Daemon(attrs)])
            .map_err(|f| f.into_error("IP_VS_SO_SET_STOPDAEMON", String::new()))
    }

    fn svc_cmd(
        &mut self,
        cmd: IpvsCmd,
        op: &'static str,
        svc: &Service,
        full: bool,
    ) -> Result<(), IpvsError> {
        let attrs = if full { svc.attrs() } else { svc.key.attrs() };
        match self.command(cmd, vec![CmdAttr::Service(attrs)]) {
            Ok(()) => Ok(()),
            Err(Fail::Errno(libc::EEXIST)) if cmd == IpvsCmd::NewService => Ok(()),
            Err(Fail::Errno(libc::ESRCH | libc::ENOENT)) if cmd == IpvsCmd::DelService => Ok(()),
            Err(f) => Err(f.into_error(op, format!(" ({})", svc.key))),
        }
    }

    fn dest_cmd(
        &mut self,
        cmd: IpvsCmd,
        op: &'static str,
        svc: &Service,
        dest: &Destination,
    ) -> Result<(), IpvsError> {
        let d = if cmd == IpvsCmd::DelDest {
            dest_key_attrs(svc, dest)
        } else {
            dest_attrs(svc, dest)
        };
        let attrs = vec![CmdAttr::Service(svc.key.attrs()), CmdAttr::Dest(d)];
        match self.command(cmd, attrs) {
            Ok(()) => Ok(()),
            Err(Fail::Errno(libc::EEXIST)) if cmd == IpvsCmd::NewDest => Ok(()),
            Err(Fail::Errno(libc::ENOENT)) if cmd == IpvsCmd::SetDest => {
                // keepalived: an edited destination that is gone is added back.
                self.dest_cmd(IpvsCmd::NewDest, "IP_VS_SO_SET_ADDDEST", svc, dest)
            }
            Err(Fail::Errno(libc::ENOENT)) if cmd == IpvsCmd::DelDest => Ok(()),
            Err(f) => Err(f.into_error(op, format!(" ({} -> {})", svc.key, dest.wire_addr(svc)))),
        }
    }
}

fn sync_state(s: SyncState) -> u32 {
    match s {
        SyncState::Master => 1,
        SyncState::Backup => 2,
    }
}

/// Parses one datagram: replies to `seq` are appended; Some(result) once the exchange is
/// over (an ack or error, or the end of a dump). Malformed messages are an error.
fn parse_datagram<T>(
    mut data: &[u8],
    seq: u32,
    dump: bool,
    replies: &mut Vec<T>,
) -> Result<Option<Result<(), Fail>>, Fail>
where
    T: NetlinkDeserializable + Debug,
{
    while !data.is_empty() {
        let len = NetlinkBuffer::new_checked(data)
            .map_err(|e| Fail::Other(format!("malformed netlink reply: {e}")))?
            .length() as usize;
        let (this, rest) = data.split_at(len.min(data.len()));
        data = rest
            .get(len.next_multiple_of(4) - len..)
            .unwrap_or_default();
        let msg = NetlinkMessage::<T>::deserialize(this)
            .map_err(|e| Fail::Other(format!("malformed netlink reply: {e:?}")))?;
        if msg.header.sequence_number != seq {
            continue;
        }
        match msg.payload {
            NetlinkPayload::InnerMessage(m) => replies.push(m),
            NetlinkPayload::Error(e) => {
                return Ok(Some(match e.code {
                    None => Ok(()),
                    Some(c) => Err(Fail::Errno(-c.get())),
                }))
            }
            NetlinkPayload::Done(_) if dump => return Ok(Some(Ok(()))),
            _ => {}
        }
    }
    Ok(None)
}

/// keepalived's `modprobe_ipvs()`: loads ip_vs with the kernel's modprobe, quietly.
fn modprobe_ip_vs() {
    let path = std::fs::read_to_string("/proc/sys/kernel/modprobe")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/sbin/modprobe".to_owned());
    let _ = std::process::Command::new(path)
        .args(["-s", "ip_vs"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

impl Ipvs for NetlinkIpvs {
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.svc_cmd(IpvsCmd::NewService, "IP_VS_SO_SET_ADD", svc, true)
    }
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.svc_cmd(IpvsCmd::DelService, "IP_VS_SO_SET_DEL", svc, false)
    }
    fn edit_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.svc_cmd(IpvsCmd::SetService, "IP_VS_SO_SET_EDIT", svc, true)
    }
    fn add_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.dest_cmd(IpvsCmd::NewDest, "IP_VS_SO_SET_ADDDEST", svc, dest)
    }
    fn edit_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.dest_cmd(IpvsCmd::SetDest, "IP_VS_SO_SET_EDITDEST", svc, dest)
    }
    fn del_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.dest_cmd(IpvsCmd::DelDest, "IP_VS_SO_SET_DELDEST", svc, dest)
    }
    fn list(&mut self) -> Result<Vec<ServiceEntry>, IpvsError> {
        self.services()
    }
    fn flush(&mut self) -> Result<(), IpvsError> {
        self.command(IpvsCmd::Flush, Vec::new())
            .map_err(|f| f.into_error("IP_VS_SO_SET_FLUSH", String::new()))
    }
    fn set_timeouts(
        &mut self,
        tcp: Option<u32>,
        tcpfin: Option<u32>,
        udp: Option<u32>,
    ) -> Result<(), IpvsError> {
        let attrs: Vec<CmdAttr> = [
            tcp.map(CmdAttr::TimeoutTcp),
            tcpfin.map(CmdAttr::TimeoutTcpFin),
            udp.map(CmdAttr::TimeoutUdp),
        ]
        .into_iter()
        .flatten()
        .collect();
        if attrs.is_empty() {
            return Ok(());
        }
        self.command(IpvsCmd::SetConfig, attrs)
            .map_err(|f| f.into_error("IP_VS_SO_SET_TIMEOUT", String::new()))
    }
}

#[cfg(test)]
pub(super) fn parse_reply_for_tests(data: &[u8]) -> Result<usize, ()> {
    let mut replies: Vec<GenlMessage<IpvsMessage>> = Vec::new();
    match parse_datagram(data, 1, true, &mut replies) {
        Ok(_) => Ok(replies.len()),
        Err(_) => Err(()),
    }
}
