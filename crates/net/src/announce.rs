//! Gratuitous ARP (vrrp_arp.c) and unsolicited IPv6 neighbour advertisements
//! (vrrp_ndisc.c), sent as whole Ethernet frames on an AF_PACKET socket.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use crate::vrrp_socket::register;
use crate::{NetError, Result};

/// Length of a gratuitous ARP frame (Ethernet 14 + ARP 28), as keepalived sends it.
pub const GARP_FRAME_LEN: usize = 42;
/// Length of an unsolicited NA frame (Ethernet 14 + IPv6 40 + NA 24 + option 8).
pub const NA_FRAME_LEN: usize = 86;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// The gratuitous ARP keepalived sends: broadcast ARP request with
/// sender IP = target IP = `vip`, sender MAC = `mac`, target MAC ff:ff:ff:ff:ff:ff.
pub fn garp_frame(mac: [u8; 6], vip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    f[0..6].fill(0xff);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
    f[16..18].copy_from_slice(&0x0800u16.to_be_bytes());
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&1u16.to_be_bytes()); // ARPOP_REQUEST
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].fill(0xff);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

/// The unsolicited neighbour advertisement keepalived sends: from `vip` to
/// ff02::1 (Ethernet 33:33:00:00:00:01), hop limit 255, override flag (plus the
/// router flag when `router`), target `vip`, target link-layer option `mac`.
pub fn na_frame(mac: [u8; 6], vip: Ipv6Addr, router: bool) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    let ip = 14;
    f[ip] = 0x60;
    f[ip + 4..ip + 6].copy_from_slice(&32u16.to_be_bytes());
    f[ip + 6] = 58; // ICMPv6
    f[ip + 7] = 255;
    f[ip + 8..ip + 24].copy_from_slice(&vip.octets());
    f[ip + 24..ip + 40].copy_from_slice(&ALL_NODES.octets());
    let icmp = ip + 40;
    f[icmp] = 136;
    f[icmp + 4] = if router { 0xa0 } else { 0x20 }; // R | O
    f[icmp + 8..icmp + 24].copy_from_slice(&vip.octets());
    f[icmp + 24] = 2; // target link-layer address
    f[icmp + 25] = 1; // 8 bytes
    f[icmp + 26..icmp + 32].copy_from_slice(&mac);
    let sum = icmpv6_checksum(&vip, &ALL_NODES, &f[icmp..]);
    f[icmp + 2..icmp + 4].copy_from_slice(&sum.to_be_bytes());
    f
}

/// ICMPv6 checksum over the pseudo-header and `body` (checksum field zero).
pub fn icmpv6_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, body: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for chunk in bytes.chunks(2) {
            let hi = u32::from(chunk[0]) << 8;
            let lo = chunk.get(1).map_or(0, |b| u32::from(*b));
            sum += hi | lo;
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(body.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(body);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Sends GARPs and NAs out of one interface from a given MAC (the interface's or
/// the VMAC's).
pub struct Announcer {
    fd: AsyncFd<Socket>,
    ifindex: u32,
    mac: [u8; 6],
}

fn sockaddr_ll(ifindex: u32, proto: u16, dst: &[u8]) -> libc::sockaddr_ll {
    let mut addr = [0u8; 8];
    for (a, d) in addr.iter_mut().zip(dst) {
        *a = *d;
    }
    libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: proto.to_be(),
        sll_ifindex: ifindex as i32,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 6,
        sll_addr: addr,
    }
}

impl Announcer {
    /// Opens a send-only AF_PACKET socket for `ifindex`, frames sourced from `mac`.
    pub fn new(ifindex: u32, mac: [u8; 6]) -> Result<Announcer> {
        // Protocol 0: the socket receives nothing, it only sends; the drop-all filter and the
        // smallest buffer (keepalived's if_setsockopt_no_receive on its ETH_P_ARP/ETH_P_IPV6
        // sockets) keep it so whatever protocol a later bind names.
        let s = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0)))
            .map_err(NetError::io("open packet socket"))?;
        crate::vrrp_socket::no_receive(&s)?;
        s.set_nonblocking(true)
            .map_err(NetError::io("set non-blocking"))?;
        Ok(Announcer {
            fd: register(s)?,
            ifindex,
            mac,
        })
    }

    async fn send_frame(&self, frame: &[u8], proto: u16) -> io::Result<()> {
        let dst = frame.get(..6).unwrap_or(&[]);
        let addr = sockaddr_ll(self.ifindex, proto, dst);
        self.fd
            .async_io(Interest::WRITABLE, |inner| {
                sendto_frame(inner.as_raw_fd(), frame, &addr).map(drop)
            })
            .await
    }

    /// Sends one gratuitous ARP for `vip`.
    pub async fn send_garp(&self, vip: Ipv4Addr) -> io::Result<()> {
        self.send_frame(&garp_frame(self.mac, vip), ETH_P_ARP).await
    }

    /// Sends one unsolicited NA for `vip` (`router`: set the R flag, which
    /// keepalived does when IPv6 forwarding is on for the interface).
    pub async fn send_na(&self, vip: Ipv6Addr, router: bool) -> io::Result<()> {
        self.send_frame(&na_frame(self.mac, vip, router), ETH_P_IPV6)
            .await
    }

    /// Sends a GARP for each IPv4 and an NA for each IPv6 address, in a tight
    /// loop of `sendto` calls (frames built on the stack, no allocation).
    /// Returns the number of frames sent.
    pub async fn send_burst(
        &self,
        v4: &[Ipv4Addr],
        v6: &[Ipv6Addr],
        router: bool,
    ) -> io::Result<usize> {
        for vip in v4 {
            self.send_garp(*vip).await?;
        }
        for vip in v6 {
            self.send_na(*vip, router).await?;
        }
        Ok(v4.len() + v6.len())
    }
}

impl Announcer {
    /// The frames of [`Announcer::send_burst`] for IPv4, handed to the kernel with
    /// `sendmmsg` in batches of up to 1024, without the runtime (for a thread of its own):
    /// the socket stays non-blocking and a full device queue is waited out with poll(2).
    pub fn send_garp_batch_blocking(&self, v4: &[Ipv4Addr]) -> io::Result<usize> {
        let addr = sockaddr_ll(self.ifindex, ETH_P_ARP, &[0xff; 6]);
        let fd = self.fd.get_ref().as_raw_fd();
        let mut sent = 0;
        for chunk in v4.chunks(1024) {
            let mut frames: Vec<[u8; GARP_FRAME_LEN]> =
                chunk.iter().map(|v| garp_frame(self.mac, *v)).collect();
            let mut done = 0;
            while done < frames.len() {
                done += retry_blocking(fd, || sendmmsg_frames(fd, &mut frames[done..], &addr))?;
            }
            sent += done;
        }
        Ok(sent)
    }

    /// An unsolicited NA for each of `v6`, as [`Announcer::send_burst`] sends them, without
    /// the runtime (see [`Announcer::send_garp_batch_blocking`]).
    pub fn send_na_blocking(&self, v6: &[Ipv6Addr], router: bool) -> io::Result<usize> {
        let fd = self.fd.get_ref().as_raw_fd();
        for vip in v6 {
            let frame = na_frame(self.mac, *vip, router);
            let addr = sockaddr_ll(self.ifindex, ETH_P_IPV6, &frame[..6]);
            retry_blocking(fd, || sendto_frame(fd, &frame, &addr))?;
        }
        Ok(v6.len())
    }
}

/// One frame out of packet socket `fd` to `addr`; 1 (frames sent) on success.
fn sendto_frame(fd: i32, frame: &[u8], addr: &libc::sockaddr_ll) -> io::Result<usize> {
    // SAFETY: `frame` and `addr` are valid for the duration of the call and their exact
    // lengths are passed.
    let rc = unsafe {
        libc::sendto(
            fd,
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (addr as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(1)
    }
}

/// Runs `op` until it does not fail with EAGAIN/EINTR, waiting up to a second for the socket
/// to become writable after each EAGAIN.
fn retry_blocking(fd: i32, mut op: impl FnMut() -> io::Result<usize>) -> io::Result<usize> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let mut p = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: poll(2) on one valid pollfd.
                if unsafe { libc::poll(&mut p, 1, 1000) } == 0 {
                    return Err(e);
                }
            }
            other => return other,
        }
    }
}

fn sendmmsg_frames<const N: usize>(
    fd: i32,
    frames: &mut [[u8; N]],
    addr: &libc::sockaddr_ll,
) -> io::Result<usize> {
    let mut iovs: Vec<libc::iovec> = frames
        .iter_mut()
        .map(|f| libc::iovec {
            iov_base: f.as_mut_ptr().cast(),
            iov_len: N,
        })
        .collect();
    let mut msgs: Vec<libc::mmsghdr> = iovs
        .iter_mut()
        .map(|iov| {
            // SAFETY: mmsghdr is plain C data for which all-zero is a valid value.
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_name = (addr as *const libc::sockaddr_ll).cast_mut().cast();
            m.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            m
        })
        .collect();
    // SAFETY: every mmsghdr points at a live iovec, frame and sockaddr_ll that
    // outlive the call; the count passed is the length of `msgs`.
    let rc = unsafe {
        libc::sendmmsg(
            fd,
            msgs.as_mut_ptr(),
            msgs.len().min(1024) as libc::c_uint,
            0,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn na_checksum_verifies_to_zero() {
        let vip: Ipv6Addr = "fd00::1".parse().expect("addr");
        let f = na_frame([2, 0, 0, 0, 0, 1], vip, false);
        // Re-summing a packet including its checksum gives 0 (one's complement).
        assert_eq!(icmpv6_checksum(&vip, &ALL_NODES, &f[54..]), 0);
        assert_eq!(f[58], 0x20);
        assert_eq!(&f[78..80], &[2, 1]);
    }

    #[test]
    fn garp_has_sender_equal_target() {
        let f = garp_frame([2, 0, 0, 0, 0, 1], Ipv4Addr::new(10, 9, 8, 7));
        assert_eq!(&f[28..32], &f[38..42]);
        assert_eq!(&f[0..6], &[0xff; 6]);
        assert_eq!(&f[20..22], &[0, 1]);
    }
}
