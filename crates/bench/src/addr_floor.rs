//! The kernel's own cost of a takeover's addresses: a minimal netlink program that adds (or
//! deletes) a list of IPv4 /32 addresses in a namespace as fast as the kernel takes them —
//! many requests packed into each datagram, every ACK awaited only at the end (the receive
//! buffer holds them all) — so that "beyond the floor" can be read against what the kernel
//! itself needs, with no daemon in the way.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Instant;

const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
/// nlmsghdr (16) + ifaddrmsg (8) + IFA_LOCAL (8) + IFA_ADDRESS (8).
const MSG_LEN: usize = 40;
/// Requests per datagram (the kernel handles a datagram's messages one after another).
const PER_DATAGRAM: usize = 100;

/// One address on one interface (by name, resolved inside the namespace).
#[derive(Clone, Debug)]
pub struct Item {
    /// The interface.
    pub dev: String,
    /// The /32 address.
    pub addr: Ipv4Addr,
}

/// When a batch started, and how it went.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Just before the first datagram was sent.
    pub start: Instant,
    /// Requests the kernel refused (an errno other than "already so").
    pub failed: usize,
}

/// Adds (`add`) or deletes every item in namespace `ns` from a thread of its own; returns
/// once the kernel answered them all. `go`, when given, is waited on just before the first
/// send so that two batches (the backup's additions, the master's removals) start together.
pub fn run(
    ns: &str,
    items: Vec<Item>,
    add: bool,
    go: Option<std::sync::Arc<std::sync::Barrier>>,
) -> std::thread::JoinHandle<Result<Timing, String>> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let fd = open(&path)?;
        let datagrams = encode(&items, add)?;
        if let Some(go) = go {
            go.wait();
        }
        let start = Instant::now();
        for d in &datagrams {
            // SAFETY: send(2) of a buffer of the given length on an open socket.
            let n = unsafe { libc::send(fd.as_raw_fd(), d.as_ptr().cast(), d.len(), 0) };
            if n < 0 {
                return Err(format!("netlink send: {}", std::io::Error::last_os_error()));
            }
        }
        let failed = await_acks(&fd, items.len(), add)?;
        Ok(Timing { start, failed })
    })
}

/// Enters the namespace (this thread only) and opens a NETLINK_ROUTE socket whose receive
/// buffer holds an ACK for every request of a 60,000-address batch.
fn open(path: &str) -> Result<OwnedFd, String> {
    let fd = crate::monitor::route_socket_in(path)?;
    let raw = fd.as_raw_fd();
    let size: libc::c_int = 64 << 20;
    // SAFETY: setsockopt with a correctly sized int.
    unsafe {
        libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    Ok(fd)
}

/// The requests, PER_DATAGRAM to a datagram; interface names resolved in this namespace.
fn encode(items: &[Item], add: bool) -> Result<Vec<Vec<u8>>, String> {
    let mut indexes = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (n, chunk) in items.chunks(PER_DATAGRAM).enumerate() {
        let mut d = Vec::with_capacity(chunk.len() * MSG_LEN);
        for (k, item) in chunk.iter().enumerate() {
            let index = match indexes.get(&item.dev) {
                Some(i) => *i,
                None => {
                    let i = if_index(&item.dev)?;
                    indexes.insert(item.dev.clone(), i);
                    i
                }
            };
            let seq = (n * PER_DATAGRAM + k + 1) as u32;
            d.extend(message(index, item.addr, add, seq));
        }
        out.push(d);
    }
    Ok(out)
}

fn if_index(dev: &str) -> Result<u32, String> {
    let name = std::ffi::CString::new(dev).map_err(|_| format!("bad interface name {dev}"))?;
    // SAFETY: if_nametoindex(3) on a NUL-terminated string.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(format!("no interface {dev}")),
        i => Ok(i),
    }
}

/// One RTM_NEWADDR (NLM_F_CREATE|NLM_F_EXCL) or RTM_DELADDR for `addr`/32, scope global.
fn message(index: u32, addr: Ipv4Addr, add: bool, seq: u32) -> [u8; MSG_LEN] {
    let (kind, flags) = if add {
        (
            RTM_NEWADDR,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
    } else {
        (RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK)
    };
    let mut m = [0u8; MSG_LEN];
    m[0..4].copy_from_slice(&(MSG_LEN as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&kind.to_ne_bytes());
    m[6..8].copy_from_slice(&flags.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    // ifaddrmsg: family AF_INET, prefix 32, flags 0, scope 0 (global), index.
    m[16] = libc::AF_INET as u8;
    m[17] = 32;
    m[20..24].copy_from_slice(&index.to_ne_bytes());
    for (at, attr) in [(24, IFA_LOCAL), (32, IFA_ADDRESS)] {
        m[at..at + 2].copy_from_slice(&8u16.to_ne_bytes());
        m[at + 2..at + 4].copy_from_slice(&attr.to_ne_bytes());
        m[at + 4..at + 8].copy_from_slice(&addr.octets());
    }
    m
}

/// Reads `expected` ACKs (NLMSG_ERROR messages); counts those with an errno other than the
/// one meaning "already so" (EEXIST on add, EADDRNOTAVAIL on delete).
fn await_acks(fd: &OwnedFd, expected: usize, add: bool) -> Result<usize, String> {
    let already = if add {
        libc::EEXIST
    } else {
        libc::EADDRNOTAVAIL
    };
    let mut buf = vec![0u8; 1 << 16];
    let (mut seen, mut failed) = (0, 0);
    while seen < expected {
        // SAFETY: recv(2) into a buffer of the given length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(format!(
                "netlink recv after {seen} of {expected} ACKs: {}",
                std::io::Error::last_os_error()
            ));
        }
        let mut b = &buf[..n as usize];
        while b.len() >= 20 {
            let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
            if len < 16 || len > b.len() {
                break;
            }
            if u16::from_ne_bytes([b[4], b[5]]) == NLMSG_ERROR {
                seen += 1;
                let errno = -i32::from_ne_bytes([b[16], b[17], b[18], b[19]]);
                if errno != 0 && errno != already {
                    failed += 1;
                }
            }
            b = &b[((len + 3) & !3).min(b.len())..];
        }
    }
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_one_ifaddrmsg_with_local_and_address() {
        let m = message(7, Ipv4Addr::new(10, 88, 16, 1), true, 3);
        assert_eq!(u32::from_ne_bytes([m[0], m[1], m[2], m[3]]), 40);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), RTM_NEWADDR);
        assert_eq!(u16::from_ne_bytes([m[6], m[7]]), 0x605);
        assert_eq!(u32::from_ne_bytes([m[20], m[21], m[22], m[23]]), 7);
        assert_eq!(&m[28..32], &[10, 88, 16, 1]);
        assert_eq!(&m[36..40], &[10, 88, 16, 1]);
        let d = message(7, Ipv4Addr::new(10, 88, 16, 1), false, 3);
        assert_eq!(u16::from_ne_bytes([d[6], d[7]]), NLM_F_REQUEST | NLM_F_ACK);
    }
}
