//! UDP sockets of the BFD child, configured like keepalived 2.2.7's `bfd_open_fd_in` /
//! `bfd_open_fd_out` (bfd/bfd_scheduler.c).
//!
//! * [`BfdListener`]: one dual-stack socket on `[::]:3784` (single hop, RFC 5881 §4) or
//!   `:4784` (multihop, RFC 5883 §5) with IP_RECVTTL / IPV6_RECVHOPLIMIT and PKTINFO, so
//!   the received TTL can be checked (RFC 5881 §5) and the local address is known.
//! * [`BfdSender`]: one socket per session, TTL / hop limit set (255 by default for IPv4),
//!   bound to `source_ip` on a port in 49152..=65535 (RFC 5881 §4).

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::AsRawFd;

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrStorage};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;

use crate::vrrp_socket::set_int_opt;
use crate::{NetError, Result};

#[repr(C, align(8))]
struct CmsgBuf([u8; 128]);

/// An IPv4-mapped IPv6 address as IPv4 (keepalived converts them too).
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// One received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BfdReceived {
    /// Bytes written to the buffer (the BFD packet).
    pub len: usize,
    /// Source address and port (IPv4-mapped addresses unmapped).
    pub src: SocketAddr,
    /// Local address the packet was sent to (PKTINFO).
    pub dst: Option<IpAddr>,
    /// Received TTL / hop limit.
    pub ttl: Option<u8>,
}

/// The receive socket of all sessions.
pub struct BfdListener {
    fd: AsyncFd<Socket>,
}

impl BfdListener {
    /// Binds `[::]:port` (IPv4 too, via mapped addresses), falling back to `0.0.0.0:port`
    /// when IPv6 is disabled, as keepalived does.
    pub fn bind(port: u16) -> Result<BfdListener> {
        let s = match Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP)) {
            Ok(s) => {
                s.set_only_v6(false).map_err(NetError::io("IPV6_V6ONLY"))?;
                set_int_opt(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_RECVTTL, 1)?;
                set_int_opt(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
                set_int_opt(
                    s.as_raw_fd(),
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RECVHOPLIMIT,
                    1,
                )?;
                set_int_opt(s.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
                s.bind(&SockAddr::from(SocketAddrV6::new(
                    Ipv6Addr::UNSPECIFIED,
                    port,
                    0,
                    0,
                )))
                .map_err(NetError::io("bind BFD listener"))?;
                s
            }
            Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
                let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
                    .map_err(NetError::io("open BFD listener"))?;
                set_int_opt(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_RECVTTL, 1)?;
                set_int_opt(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
                s.bind(&SockAddr::from(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    port,
                )))
                .map_err(NetError::io("bind BFD listener"))?;
                s
            }
            Err(e) => return Err(NetError::io("open BFD listener")(e)),
        };
        s.set_nonblocking(true)
            .map_err(NetError::io("set non-blocking"))?;
        Ok(BfdListener {
            fd: crate::vrrp_socket::register(s)?,
        })
    }

    /// The socket's descriptor (for dumps).
    pub fn raw_fd(&self) -> i32 {
        self.fd.get_ref().as_raw_fd()
    }

    /// Receives one datagram into `buf`. Truncated datagrams are skipped (keepalived:
    /// "recvmsg() message truncated").
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<BfdReceived> {
        let mut cmsg = CmsgBuf([0; 128]);
        loop {
            let mut guard = self.fd.readable().await?;
            let res = guard.try_io(|inner| {
                let mut iov = [IoSliceMut::new(&mut *buf)];
                let msg = recvmsg::<SockaddrStorage>(
                    inner.as_raw_fd(),
                    &mut iov,
                    Some(&mut cmsg.0[..]),
                    MsgFlags::empty(),
                )
                .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
                if msg.flags.contains(MsgFlags::MSG_TRUNC) {
                    return Ok(None);
                }
                let src = msg.address.and_then(|a| {
                    if let Some(v4) = a.as_sockaddr_in() {
                        Some(SocketAddr::new(IpAddr::V4(v4.ip()), v4.port()))
                    } else {
                        a.as_sockaddr_in6()
                            .map(|v6| SocketAddr::new(unmap(IpAddr::V6(v6.ip())), v6.port()))
                    }
                });
                let Some(src) = src else { return Ok(None) };
                let mut out = BfdReceived {
                    len: msg.bytes,
                    src,
                    dst: None,
                    ttl: None,
                };
                if let Ok(cmsgs) = msg.cmsgs() {
                    for c in cmsgs {
                        match c {
                            ControlMessageOwned::Ipv4Ttl(t) => out.ttl = u8::try_from(t).ok(),
                            ControlMessageOwned::Ipv6HopLimit(h) => out.ttl = u8::try_from(h).ok(),
                            ControlMessageOwned::Ipv6PacketInfo(pi) => {
                                out.dst =
                                    Some(unmap(IpAddr::V6(Ipv6Addr::from(pi.ipi6_addr.s6_addr))));
                            }
                            ControlMessageOwned::Ipv4PacketInfo(pi) => {
                                out.dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                                    pi.ipi_addr.s_addr,
                                ))));
                            }
                            _ => {}
                        }
                    }
                }
                Ok(Some(out))
            });
            match res {
                Ok(Ok(Some(r))) => return Ok(r),
                Ok(Ok(None)) => continue,
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

/// The sending socket of one session.
pub struct BfdSender {
    sock: Socket,
    peer: SockAddr,
}

impl BfdSender {
    /// Opens a socket to `peer:port` sending with `ttl`, bound to `source` (when given) on
    /// a free port in 49152..=65535 starting at `first_port` (keepalived picks it at
    /// random). Without a source keepalived leaves the port to the kernel; we bind the
    /// unspecified address in the same range, as RFC 5881 §4 requires.
    pub fn open(
        peer: IpAddr,
        port: u16,
        source: Option<IpAddr>,
        ttl: u8,
        first_port: u16,
    ) -> Result<BfdSender> {
        let domain = if peer.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let sock = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))
            .map_err(NetError::io("open BFD socket"))?;
        sock.set_nonblocking(true)
            .map_err(NetError::io("set non-blocking"))?;
        let local = source.unwrap_or(if peer.is_ipv4() {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        });
        const MIN: u16 = 49152;
        let span = u32::from(u16::MAX - MIN) + 1;
        let start = u32::from(first_port.max(MIN) - MIN);
        let mut bound = Err(io::Error::from_raw_os_error(libc::EADDRINUSE));
        for i in 0..span {
            let p = MIN + ((start + i) % span) as u16;
            bound = sock.bind(&SockAddr::from(SocketAddr::new(local, p)));
            match &bound {
                Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => continue,
                _ => break,
            }
        }
        bound.map_err(NetError::io("bind BFD source"))?;
        if peer.is_ipv4() {
            sock.set_ttl_v4(u32::from(ttl))
                .map_err(NetError::io("IP_TTL"))?;
        } else {
            sock.set_unicast_hops_v6(u32::from(ttl))
                .map_err(NetError::io("IPV6_UNICAST_HOPS"))?;
        }
        Ok(BfdSender {
            sock,
            peer: SockAddr::from(SocketAddr::new(peer, port)),
        })
    }

    /// Sends one packet (non-blocking; a full socket buffer is an error the caller logs).
    pub fn send(&self, bytes: &[u8]) -> io::Result<usize> {
        self.sock.send_to(bytes, &self.peer)
    }

    /// The socket's descriptor (for dumps).
    pub fn raw_fd(&self) -> i32 {
        self.sock.as_raw_fd()
    }

    /// The local address the socket is bound to.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.sock.local_addr().ok().and_then(|a| a.as_socket())
    }
}
