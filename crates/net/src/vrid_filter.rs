//! A classic-BPF filter for VRRP receive sockets that keeps only the adverts of the VRIDs the
//! socket's instances serve, so that a flood of adverts for other virtual routers (other
//! VRIDs on a shared LAN, a misconfigured neighbour) is dropped in the kernel, never queued
//! and never woken for. keepalived drops those after reading them, without counting them
//! (they match no instance), so filtering changes nothing a user sees but the CPU.

use std::os::fd::{BorrowedFd, RawFd};

use socket2::{SockFilter, SockRef};

use crate::{NetError, Result};

/// Where the VRRP header starts in what the socket delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VrrpLayout {
    /// An IPv4 raw socket of IPPROTO_VRRP: after the IP header (IHL words).
    Ipv4,
    /// An IPv4 raw socket of IPPROTO_AH: after the IP header and the 24-byte AH header.
    Ipv4Ah,
    /// An IPv6 raw socket: the payload is the VRRP header.
    Ipv6,
}

// Classic BPF opcodes (linux/filter.h).
const BPF_LD_B_ABS: u16 = 0x30; // A = P[k:1]
const BPF_LDX_B_MSH: u16 = 0xb1; // X = 4 * (P[k:1] & 0xf)
const BPF_LD_B_IND: u16 = 0x50; // A = P[X + k:1]
const BPF_JEQ_K: u16 = 0x15; // if A == k goto jt else jf
const BPF_RET_K: u16 = 0x06; // return k bytes

/// At most this many VRIDs in one filter (a jump offset is a byte; 255 VRIDs fit).
const MAX_VRIDS: usize = 255;

/// The program: load the VRID byte, compare it with each of `vrids`, keep the packet whole
/// on a match, drop it otherwise. `None` when `vrids` is empty or too long (no filter then).
pub fn program(layout: VrrpLayout, vrids: &[u8]) -> Option<Vec<SockFilter>> {
    let mut vrids = vrids.to_vec();
    vrids.sort_unstable();
    vrids.dedup();
    if vrids.is_empty() || vrids.len() > MAX_VRIDS {
        return None;
    }
    let mut p = match layout {
        VrrpLayout::Ipv4 => vec![
            SockFilter::new(BPF_LDX_B_MSH, 0, 0, 0),
            SockFilter::new(BPF_LD_B_IND, 0, 0, 1),
        ],
        VrrpLayout::Ipv4Ah => vec![
            SockFilter::new(BPF_LDX_B_MSH, 0, 0, 0),
            SockFilter::new(BPF_LD_B_IND, 0, 0, 24 + 1),
        ],
        VrrpLayout::Ipv6 => vec![SockFilter::new(BPF_LD_B_ABS, 0, 0, 1)],
    };
    let n = vrids.len();
    for (i, vrid) in vrids.iter().enumerate() {
        // On a match jump to "keep" (after the remaining compares and the drop).
        let to_keep = u8::try_from(n - i).unwrap_or(u8::MAX);
        p.push(SockFilter::new(BPF_JEQ_K, to_keep, 0, u32::from(*vrid)));
    }
    p.push(SockFilter::new(BPF_RET_K, 0, 0, 0));
    p.push(SockFilter::new(BPF_RET_K, 0, 0, u32::MAX));
    Some(p)
}

/// Attaches the filter for `vrids` to the socket `fd` (replacing any earlier one), or detaches
/// it when there is nothing to filter on. `fd` must stay open during the call.
pub fn set_vrid_filter(fd: RawFd, layout: VrrpLayout, vrids: &[u8]) -> Result<()> {
    // SAFETY: the caller keeps `fd` open while this borrows it.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let sock = SockRef::from(&fd);
    match program(layout, vrids) {
        Some(p) => sock.attach_filter(&p),
        None => sock.detach_filter().or_else(|e| {
            // ENOENT: there was no filter.
            if e.raw_os_error() == Some(libc::ENOENT) {
                Ok(())
            } else {
                Err(e)
            }
        }),
    }
    .map_err(NetError::io("SO_ATTACH_FILTER"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_filter_without_vrids_or_with_too_many() {
        assert!(program(VrrpLayout::Ipv4, &[]).is_none());
        let all: Vec<u8> = (0..=255).collect();
        assert!(program(VrrpLayout::Ipv4, &all).is_none());
        assert!(program(VrrpLayout::Ipv4, &all[1..]).is_some());
    }

    /// Sends VRRP-shaped datagrams with VRIDs 5 and 6 over loopback to a raw socket that
    /// keeps VRID 5 only: only 5 arrives. Needs CAP_NET_RAW (root), else skipped.
    fn only_the_kept_vrid_arrives(v6: bool) {
        use socket2::{Domain, Protocol, SockAddr, Socket, Type};
        use std::os::fd::AsRawFd;
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let Ok(rx) = Socket::new(domain, Type::RAW, Some(Protocol::from(112))) else {
            eprintln!("skipped: needs root (raw sockets)");
            return;
        };
        let tx = Socket::new(domain, Type::RAW, Some(Protocol::from(112))).expect("tx");
        let to: SockAddr = if v6 {
            std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0)).into()
        } else {
            std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)).into()
        };
        rx.bind(&to).expect("bind");
        let layout = if v6 {
            VrrpLayout::Ipv6
        } else {
            VrrpLayout::Ipv4
        };
        set_vrid_filter(rx.as_raw_fd(), layout, &[5]).expect("filter");
        rx.set_read_timeout(Some(std::time::Duration::from_millis(300)))
            .expect("timeout");
        for vrid in [6u8, 5, 6] {
            tx.send_to(&[0x31, vrid, 100, 1, 0, 1, 0, 0, 10, 0, 0, 1], &to)
                .expect("send");
        }
        let mut got = Vec::new();
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 128];
        while let Ok(n) = rx.recv(&mut buf) {
            // SAFETY: recv initialised the first n bytes.
            let bytes: Vec<u8> = buf[..n]
                .iter()
                .map(|b| unsafe { b.assume_init() })
                .collect();
            let at = if v6 {
                0
            } else {
                usize::from(bytes[0] & 0x0f) * 4
            };
            got.push(bytes[at + 1]);
        }
        assert_eq!(got, [5], "only VRID 5 passes the filter");
    }

    #[test]
    fn the_filter_keeps_only_its_vrids_ipv4() {
        only_the_kept_vrid_arrives(false);
    }

    #[test]
    fn the_filter_keeps_only_its_vrids_ipv6() {
        only_the_kept_vrid_arrives(true);
    }

    #[test]
    fn one_compare_per_vrid_then_drop_then_keep() {
        let p = program(VrrpLayout::Ipv6, &[7, 3, 7]).expect("program");
        // load, 2 compares (deduplicated), drop, keep.
        assert_eq!(p.len(), 5);
    }
}
