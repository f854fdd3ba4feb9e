//! Raw IPPROTO_VRRP (112) sockets, configured like keepalived's
//! `open_vrrp_read_socket` / `open_vrrp_send_socket` (vrrp.c).
//!
//! All sockets are non-blocking and registered with tokio; receives go into a
//! caller-provided buffer without allocating.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, RawFd};

use nix::sys::socket::{
    recvfrom, recvmsg, sendmsg, sendto, setsockopt, sockopt, ControlMessage, ControlMessageOwned,
    MsgFlags, SockaddrIn, SockaddrIn6,
};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use crate::{NetError, Result};

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: i32 = 112;
/// VRRP IPv4 multicast group.
pub const VRRP_MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// VRRP IPv6 multicast group.
pub const VRRP_MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Offset of the checksum in the VRRP header, handed to IPV6_CHECKSUM so the
/// kernel computes (send) and verifies (receive) it, as keepalived does.
const VRRP_CHECKSUM_OFFSET: libc::c_int = 6;

/// IP protocol of IPsec AH: keepalived's adverts with `auth_type AH` carry it in the IPv4
/// header, so they reach only a raw socket of this protocol.
pub const IPPROTO_AH: i32 = 51;

fn raw_socket(domain: Domain) -> Result<Socket> {
    raw_socket_proto(domain, IPPROTO_VRRP)
}

fn raw_socket_proto(domain: Domain, protocol: i32) -> Result<Socket> {
    let s = Socket::new(domain, Type::RAW, Some(Protocol::from(protocol)))
        .map_err(NetError::io("open raw VRRP socket"))?;
    s.set_nonblocking(true)
        .map_err(NetError::io("set non-blocking"))?;
    Ok(s)
}

fn bind_device(s: &Socket, ifname: Option<&str>) -> Result<()> {
    match ifname {
        Some(name) => s
            .bind_device(Some(name.as_bytes()))
            .map_err(NetError::io("SO_BINDTODEVICE")),
        None => Ok(()),
    }
}

/// Like keepalived's `if_setsockopt_no_receive`: a send socket of a raw protocol
/// would otherwise queue every incoming VRRP packet; a BPF "drop all" filter and
/// the smallest receive buffer stop that.
pub(crate) fn no_receive(s: &Socket) -> Result<()> {
    const BPF_RET_K: u16 = 0x06;
    s.attach_filter(&[socket2::SockFilter::new(BPF_RET_K, 0, 0, 0)])
        .map_err(NetError::io("SO_ATTACH_FILTER"))?;
    s.set_recv_buffer_size(0).map_err(NetError::io("SO_RCVBUF"))
}

pub(crate) fn register(s: Socket) -> Result<AsyncFd<Socket>> {
    // SAFETY: `Socket` owns its descriptor: it stays open and unchanged until the
    // AsyncFd (which owns the Socket) is dropped, and as_raw_fd always returns it.
    unsafe { AsyncFd::register(s) }
        .map_err(|e| NetError::io("register socket with tokio")(e.into()))
}

pub(crate) fn set_int_opt(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> Result<()> {
    // SAFETY: `value` lives across the call and its exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(NetError::Io {
            op: "setsockopt",
            source: io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// IP_MULTICAST_IF by ifindex (socket2 only offers the by-address form).
fn set_multicast_if_v4_index(fd: RawFd, ifindex: u32) -> Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    };
    // SAFETY: `mreqn` is a valid ip_mreqn living across the call; its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            (&mreqn as *const libc::ip_mreqn).cast(),
            std::mem::size_of::<libc::ip_mreqn>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(NetError::Io {
            op: "IP_MULTICAST_IF",
            source: io::Error::last_os_error(),
        });
    }
    Ok(())
}

fn errno_io(e: nix::errno::Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Metadata of a received IPv4 VRRP packet (the buffer holds the IP header too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received4 {
    /// Bytes written to the buffer (IP header + VRRP payload).
    pub len: usize,
    /// Source address (from the IP header).
    pub src: Ipv4Addr,
    /// Destination address (from the IP header).
    pub dst: Ipv4Addr,
    /// TTL (from the IP header).
    pub ttl: u8,
    /// Length of the IP header, i.e. where the VRRP (or AH) header starts.
    pub header_len: usize,
}

/// IPv4 receive socket: IP header delivered with every packet.
pub struct VrrpRecvV4 {
    fd: AsyncFd<Socket>,
}

impl VrrpRecvV4 {
    /// Multicast mode: joins 224.0.0.18 on `ifindex`, binds to the group (so
    /// unicast VRRP is not received here), SO_BINDTODEVICE `ifname`,
    /// IP_MULTICAST_ALL off.
    pub fn multicast(ifindex: u32, ifname: &str) -> Result<VrrpRecvV4> {
        Self::multicast_proto(ifindex, ifname, IPPROTO_VRRP)
    }

    /// [`VrrpRecvV4::multicast`] for IP protocol `protocol` ([`IPPROTO_AH`] for adverts
    /// authenticated with AH).
    pub fn multicast_proto(ifindex: u32, ifname: &str, protocol: i32) -> Result<VrrpRecvV4> {
        Self::multicast_group(ifindex, ifname, protocol, VRRP_MCAST_V4)
    }

    /// [`VrrpRecvV4::multicast_proto`] on multicast group `group` (`vrrp_mcast_group4`,
    /// `mcast_dst_ip`).
    pub fn multicast_group(
        ifindex: u32,
        ifname: &str,
        protocol: i32,
        group: Ipv4Addr,
    ) -> Result<VrrpRecvV4> {
        let s = raw_socket_proto(Domain::IPV4, protocol)?;
        s.set_multicast_all_v4(false)
            .map_err(NetError::io("IP_MULTICAST_ALL"))?;
        s.join_multicast_v4_n(&group, &socket2::InterfaceIndexOrAddress::Index(ifindex))
            .map_err(NetError::io("join the VRRP multicast group"))?;
        s.bind(&SockAddr::from(SocketAddrV4::new(group, 0)))
            .map_err(NetError::io("bind the VRRP multicast group"))?;
        bind_device(&s, Some(ifname))?;
        Ok(VrrpRecvV4 { fd: register(s)? })
    }

    /// Unicast mode: bound to the local unicast address (`unicast_src_ip`) and,
    /// when given, to a device.
    pub fn unicast(local: Ipv4Addr, ifname: Option<&str>) -> Result<VrrpRecvV4> {
        Self::unicast_proto(local, ifname, IPPROTO_VRRP)
    }

    /// [`VrrpRecvV4::unicast`] for IP protocol `protocol`.
    pub fn unicast_proto(
        local: Ipv4Addr,
        ifname: Option<&str>,
        protocol: i32,
    ) -> Result<VrrpRecvV4> {
        let s = raw_socket_proto(Domain::IPV4, protocol)?;
        s.set_multicast_all_v4(false)
            .map_err(NetError::io("IP_MULTICAST_ALL"))?;
        // The device first: an address in a VRF can only be bound once bound to the VRF
        // (keepalived's open_vrrp_read_socket).
        bind_device(&s, ifname)?;
        s.bind(&SockAddr::from(SocketAddrV4::new(local, 0)))
            .map_err(NetError::io("bind unicast source"))?;
        Ok(VrrpRecvV4 { fd: register(s)? })
    }

    /// Receives one packet into `buf` (IP header included). Packets too short to
    /// hold an IPv4 header are skipped.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<Received4> {
        loop {
            let mut guard = self.fd.readable().await?;
            let res = guard.try_io(|inner| {
                recvfrom::<SockaddrIn>(inner.as_raw_fd(), buf)
                    .map(|(n, _)| n)
                    .map_err(errno_io)
            });
            let len = match res {
                Ok(r) => r?,
                Err(_would_block) => continue,
            };
            if let Some(meta) = parse_ipv4_header(buf.get(..len).unwrap_or(&[])) {
                return Ok(meta);
            }
        }
    }
}

fn parse_ipv4_header(pkt: &[u8]) -> Option<Received4> {
    let ihl = usize::from(pkt.first()? & 0x0f) * 4;
    if ihl < 20 || pkt.len() < ihl {
        return None;
    }
    let addr = |at: usize| -> Option<Ipv4Addr> {
        let b: [u8; 4] = pkt.get(at..at + 4)?.try_into().ok()?;
        Some(Ipv4Addr::from(b))
    };
    Some(Received4 {
        len: pkt.len(),
        src: addr(12)?,
        dst: addr(16)?,
        ttl: *pkt.get(8)?,
        header_len: ihl,
    })
}

/// IPv4 send socket with IP_HDRINCL: the caller supplies the whole IP packet
/// (keepalived builds the header itself, TTL 255, for AH).
pub struct VrrpSendV4 {
    fd: AsyncFd<Socket>,
}

impl VrrpSendV4 {
    /// IP_HDRINCL, IP_MULTICAST_IF = `ifindex`, multicast loop off,
    /// SO_BINDTODEVICE `ifname`, multicast TTL 255.
    pub fn new(ifindex: u32, ifname: &str) -> Result<VrrpSendV4> {
        Self::open(Some(ifindex), Some(ifname))
    }

    /// The sender of an instance without `interface` (unicast only): no multicast
    /// interface, bound to `device` when given (keepalived's `vrf`), else to none: the
    /// kernel routes each advert to its peer.
    pub fn unbound(device: Option<&str>) -> Result<VrrpSendV4> {
        Self::open(None, device)
    }

    fn open(ifindex: Option<u32>, device: Option<&str>) -> Result<VrrpSendV4> {
        let s = raw_socket(Domain::IPV4)?;
        s.set_multicast_all_v4(false)
            .map_err(NetError::io("IP_MULTICAST_ALL"))?;
        s.set_header_included_v4(true)
            .map_err(NetError::io("IP_HDRINCL"))?;
        if let Some(ifindex) = ifindex {
            set_multicast_if_v4_index(s.as_raw_fd(), ifindex)?;
        }
        s.set_multicast_loop_v4(false)
            .map_err(NetError::io("IP_MULTICAST_LOOP"))?;
        s.set_multicast_ttl_v4(255)
            .map_err(NetError::io("IP_MULTICAST_TTL"))?;
        bind_device(&s, device)?;
        no_receive(&s)?;
        Ok(VrrpSendV4 { fd: register(s)? })
    }

    /// Sends a complete IPv4 packet to `dst` (224.0.0.18 or a unicast peer).
    pub async fn send(&self, packet: &[u8], dst: Ipv4Addr) -> io::Result<usize> {
        let addr = SockaddrIn::from(SocketAddrV4::new(dst, 0));
        self.fd
            .async_io(Interest::WRITABLE, |inner| {
                sendto(inner.as_raw_fd(), packet, &addr, MsgFlags::empty()).map_err(errno_io)
            })
            .await
    }
}

/// Metadata of a received IPv6 VRRP packet (the buffer holds the VRRP payload only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received6 {
    /// Payload bytes written to the buffer.
    pub len: usize,
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address (IPV6_PKTINFO), to tell multicast from unicast.
    pub dst: Option<Ipv6Addr>,
    /// Hop limit (IPV6_HOPLIMIT); must be 255 for VRRP.
    pub hop_limit: Option<u8>,
    /// Arrival ifindex (IPV6_PKTINFO), 0 if unknown.
    pub ifindex: u32,
}

#[repr(C, align(8))]
struct CmsgBuf([u8; 128]);

/// IPv6 receive socket delivering payload, source, destination and hop limit.
pub struct VrrpRecvV6 {
    fd: AsyncFd<Socket>,
}

impl VrrpRecvV6 {
    fn configure(s: &Socket) -> Result<()> {
        let fd = s.as_raw_fd();
        // As keepalived (if_setsockopt_mcast_all): only the groups this socket joined, so
        // a unicast socket does not get a second copy of every multicast advert.
        s.set_multicast_all_v6(false)
            .map_err(NetError::io("IPV6_MULTICAST_ALL"))?;
        setsockopt(s, sockopt::Ipv6RecvHopLimit, &true)
            .map_err(|e| NetError::io("IPV6_RECVHOPLIMIT")(errno_io(e)))?;
        setsockopt(s, sockopt::Ipv6RecvPacketInfo, &true)
            .map_err(|e| NetError::io("IPV6_RECVPKTINFO")(errno_io(e)))?;
        set_int_opt(
            fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_CHECKSUM,
            VRRP_CHECKSUM_OFFSET,
        )
    }

    /// Multicast mode: joins ff02::12 on `ifindex`, SO_BINDTODEVICE `ifname`,
    /// binds to ::1 like keepalived (multicast still arrives, unicast does not;
    /// the bind is best effort, as in keepalived, since it needs `lo` up).
    pub fn multicast(ifindex: u32, ifname: &str) -> Result<VrrpRecvV6> {
        Self::multicast_group(ifindex, ifname, VRRP_MCAST_V6)
    }

    /// [`VrrpRecvV6::multicast`] on multicast group `group` (`vrrp_mcast_group6`,
    /// `mcast_dst_ip`).
    pub fn multicast_group(ifindex: u32, ifname: &str, group: Ipv6Addr) -> Result<VrrpRecvV6> {
        let s = raw_socket(Domain::IPV6)?;
        Self::configure(&s)?;
        s.join_multicast_v6(&group, ifindex)
            .map_err(NetError::io("join the VRRP IPv6 multicast group"))?;
        if let Err(e) = s.bind(&SockAddr::from(SocketAddrV6::new(
            Ipv6Addr::LOCALHOST,
            0,
            0,
            0,
        ))) {
            crate::log::info(&format!(
                "bind ::1 for IPv6 VRRP multicast socket failed: {e}"
            ));
        }
        bind_device(&s, Some(ifname))?;
        Ok(VrrpRecvV6 { fd: register(s)? })
    }

    /// Unicast mode: bound to the local address (`scope_id` = `ifindex` for a
    /// link-local one) and, when given, a device.
    pub fn unicast(local: Ipv6Addr, ifindex: u32, ifname: Option<&str>) -> Result<VrrpRecvV6> {
        let s = raw_socket(Domain::IPV6)?;
        Self::configure(&s)?;
        let scope = if crate::ipv6_is_link_local(&local) {
            ifindex
        } else {
            0
        };
        bind_device(&s, ifname)?;
        s.bind(&SockAddr::from(SocketAddrV6::new(local, 0, 0, scope)))
            .map_err(NetError::io("bind unicast source"))?;
        Ok(VrrpRecvV6 { fd: register(s)? })
    }

    /// Receives one packet's VRRP payload into `buf`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<Received6> {
        let mut cmsg = CmsgBuf([0; 128]);
        loop {
            let mut guard = self.fd.readable().await?;
            let res = guard.try_io(|inner| {
                let mut iov = [IoSliceMut::new(&mut *buf)];
                let msg = recvmsg::<SockaddrIn6>(
                    inner.as_raw_fd(),
                    &mut iov,
                    Some(&mut cmsg.0[..]),
                    MsgFlags::empty(),
                )
                .map_err(errno_io)?;
                let mut out = Received6 {
                    len: msg.bytes,
                    src: msg.address.map_or(Ipv6Addr::UNSPECIFIED, |a| a.ip()),
                    dst: None,
                    hop_limit: None,
                    ifindex: 0,
                };
                if let Ok(cmsgs) = msg.cmsgs() {
                    for c in cmsgs {
                        match c {
                            ControlMessageOwned::Ipv6PacketInfo(pi) => {
                                out.dst = Some(Ipv6Addr::from(pi.ipi6_addr.s6_addr));
                                out.ifindex = pi.ipi6_ifindex;
                            }
                            ControlMessageOwned::Ipv6HopLimit(h) => {
                                out.hop_limit = u8::try_from(h).ok();
                            }
                            _ => {}
                        }
                    }
                }
                Ok(out)
            });
            match res {
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }
}

/// IPv6 send socket: hop limit 255 (multicast and unicast), IPV6_CHECKSUM at
/// offset 6 (the kernel fills in the VRRP checksum, as keepalived lets it),
/// multicast interface set, loop off. The caller supplies the VRRP payload only.
pub struct VrrpSendV6 {
    fd: AsyncFd<Socket>,
    ifindex: u32,
}

impl VrrpSendV6 {
    /// Opens the socket for `ifindex`/`ifname`.
    pub fn new(ifindex: u32, ifname: &str) -> Result<VrrpSendV6> {
        Self::open(ifindex, Some(ifname))
    }

    /// The sender of an instance without `interface` (unicast only): bound to `device`
    /// when given (keepalived's `vrf`), else to none; no outgoing interface in the
    /// packet info, so the kernel routes each advert to its peer.
    pub fn unbound(device: Option<&str>) -> Result<VrrpSendV6> {
        Self::open(0, device)
    }

    fn open(ifindex: u32, device: Option<&str>) -> Result<VrrpSendV6> {
        let s = raw_socket(Domain::IPV6)?;
        set_int_opt(
            s.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_CHECKSUM,
            VRRP_CHECKSUM_OFFSET,
        )?;
        s.set_multicast_hops_v6(255)
            .map_err(NetError::io("IPV6_MULTICAST_HOPS"))?;
        s.set_unicast_hops_v6(255)
            .map_err(NetError::io("IPV6_UNICAST_HOPS"))?;
        if ifindex != 0 {
            s.set_multicast_if_v6(ifindex)
                .map_err(NetError::io("IPV6_MULTICAST_IF"))?;
        }
        s.set_multicast_loop_v6(false)
            .map_err(NetError::io("IPV6_MULTICAST_LOOP"))?;
        bind_device(&s, device)?;
        no_receive(&s)?;
        Ok(VrrpSendV6 {
            fd: register(s)?,
            ifindex,
        })
    }

    /// Sends `payload` to `dst` (ff02::12 or a unicast peer); `src` picks the
    /// source address (IPV6_PKTINFO), else the kernel chooses.
    pub async fn send(
        &self,
        payload: &[u8],
        dst: Ipv6Addr,
        src: Option<Ipv6Addr>,
    ) -> io::Result<usize> {
        let scope = if dst.is_multicast() || crate::ipv6_is_link_local(&dst) {
            self.ifindex
        } else {
            0
        };
        let addr = SockaddrIn6::from(SocketAddrV6::new(dst, 0, 0, scope));
        let pktinfo = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: src.unwrap_or(Ipv6Addr::UNSPECIFIED).octets(),
            },
            ipi6_ifindex: self.ifindex,
        };
        self.fd
            .async_io(Interest::WRITABLE, |inner| {
                let iov = [IoSlice::new(payload)];
                let cmsgs = [ControlMessage::Ipv6PacketInfo(&pktinfo)];
                let cmsgs: &[ControlMessage] = if src.is_some() { &cmsgs } else { &[] };
                sendmsg(
                    inner.as_raw_fd(),
                    &iov,
                    cmsgs,
                    MsgFlags::empty(),
                    Some(&addr),
                )
                .map_err(errno_io)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_header_parsing_rejects_short_and_reads_fields() {
        assert_eq!(parse_ipv4_header(&[]), None);
        assert_eq!(parse_ipv4_header(&[0x45; 10]), None);
        let mut pkt = [0u8; 28];
        pkt[0] = 0x45;
        pkt[8] = 255;
        pkt[12..16].copy_from_slice(&[10, 1, 2, 3]);
        pkt[16..20].copy_from_slice(&[224, 0, 0, 18]);
        let m = parse_ipv4_header(&pkt).expect("valid header");
        assert_eq!(m.ttl, 255);
        assert_eq!(m.src, Ipv4Addr::new(10, 1, 2, 3));
        assert_eq!(m.dst, VRRP_MCAST_V4);
        assert_eq!(m.header_len, 20);
        pkt[0] = 0x4f; // IHL 60 > packet length
        assert_eq!(parse_ipv4_header(&pkt), None);
    }

    #[test]
    fn the_receive_buffer_is_set_on_the_socket() {
        // A raw socket needs CAP_NET_RAW; a UDP socket has the same SO_RCVBUF.
        let s = Socket::new(Domain::IPV4, Type::DGRAM, None).expect("UDP socket");
        set_receive_buffer(s.as_raw_fd(), 100_000).expect("SO_RCVBUF");
        // The kernel doubles the value (socket(7)), as `ss` shows for keepalived's.
        assert_eq!(s.recv_buffer_size().expect("getsockopt"), 200_000);
    }
}

macro_rules! raw_fd {
    ($($t:ty),*) => {$(
        impl AsRawFd for $t {
            fn as_raw_fd(&self) -> RawFd {
                self.fd.as_raw_fd()
            }
        }
    )*};
}
raw_fd!(VrrpRecvV4, VrrpRecvV6, VrrpSendV4, VrrpSendV6);

/// Sets SO_RCVBUF of the socket `fd` (keepalived's `kernel_rx_buf_size` /
/// `vrrp_rx_bufs_policy`: the kernel doubles the value, as for keepalived). `fd` must be open
/// for the duration of the call.
pub fn set_receive_buffer(fd: RawFd, bytes: usize) -> Result<()> {
    // SAFETY: the caller keeps `fd` open while this borrows it.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    socket2::SockRef::from(&fd)
        .set_recv_buffer_size(bytes)
        .map_err(NetError::io("SO_RCVBUF"))
}
