//! A netlink address monitor inside a network namespace: every RTM_NEWADDR/RTM_DELADDR
//! for IPv4 is stamped with `Instant::now()` on arrival, so that "all VIPs present" is timed
//! to the address that completed the set, not to a polling period. A large receive buffer
//! keeps a burst of 10,000 addresses from overflowing; an overflow is recorded, and callers
//! then fall back to polling `ip -o addr`.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::lab::ip;

/// One address change seen by the monitor.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    /// When it arrived.
    pub at: Instant,
    /// Added (true) or deleted.
    pub added: bool,
    /// The address.
    pub addr: Ipv4Addr,
}

#[derive(Default)]
struct Shared {
    changes: Vec<Change>,
    overflowed: bool,
}

/// The monitor thread and what it saw.
pub struct Monitor {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

impl Monitor {
    /// Starts monitoring the addresses of namespace `ns` (returns once subscribed).
    pub fn start(ns: &str) -> Result<Monitor, String> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let path = format!("/run/netns/{ns}");
        let (sh, st) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || match subscribe(&path) {
            Ok(fd) => {
                let _ = ready_tx.send(Ok(()));
                receive(fd, &sh, &st);
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        });
        ready_rx
            .recv()
            .map_err(|_| "address monitor thread died".to_owned())??;
        Ok(Monitor {
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// The changes seen at or after `since`, and whether the receive buffer overflowed.
    pub fn changes_since(&self, since: Instant) -> (Vec<Change>, bool) {
        let g = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let v = g
            .changes
            .iter()
            .filter(|c| c.at >= since)
            .copied()
            .collect();
        (v, g.overflowed)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Enters the namespace (this thread only) and opens a NETLINK_ROUTE socket subscribed to
/// IPv4 address changes, with a 32 MiB receive buffer and a 100 ms receive timeout.
fn subscribe(path: &str) -> Result<std::os::fd::OwnedFd, String> {
    let fd = route_socket_in(path)?;
    let raw = fd.as_raw_fd();
    let size: libc::c_int = 32 << 20;
    let tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 100_000,
    };
    // SAFETY: setsockopt/bind with correctly sized option values and a zeroed sockaddr_nl.
    unsafe {
        let int = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        let sol = libc::SOL_SOCKET;
        libc::setsockopt(
            raw,
            sol,
            libc::SO_RCVBUFFORCE,
            (&size as *const i32).cast(),
            int,
        );
        let tvl = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
        libc::setsockopt(
            raw,
            sol,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            tvl,
        );
        let mut sa: libc::sockaddr_nl = std::mem::zeroed();
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        sa.nl_groups = RTMGRP_IPV4_IFADDR;
        let len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        if libc::bind(raw, (&sa as *const libc::sockaddr_nl).cast(), len) != 0 {
            return Err(format!("netlink bind: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(fd)
}

/// Enters the network namespace at `path` (this thread only) and opens a NETLINK_ROUTE
/// socket there.
pub fn route_socket_in(path: &str) -> Result<std::os::fd::OwnedFd, String> {
    use std::os::fd::FromRawFd;
    let ns = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns(2) on an open namespace file; it changes only this thread's namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let raw = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        )
    };
    if raw < 0 {
        return Err(format!(
            "netlink socket: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) })
}

/// Reads messages until `stop`, appending each address change to `shared`.
fn receive(fd: std::os::fd::OwnedFd, shared: &Mutex<Shared>, stop: &AtomicBool) {
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: recv(2) into a buffer of the given length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        let at = Instant::now();
        if n < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOBUFS) {
                shared.lock().unwrap_or_else(|e| e.into_inner()).overflowed = true;
            }
            continue;
        }
        let changes = parse(&buf[..n as usize], at);
        if !changes.is_empty() {
            let mut g = shared.lock().unwrap_or_else(|e| e.into_inner());
            g.changes.extend(changes);
        }
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_ne_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The IPv4 address changes in one datagram of netlink messages.
fn parse(mut b: &[u8], at: Instant) -> Vec<Change> {
    let mut out = Vec::new();
    while b.len() >= 16 {
        let len = u32_at(b, 0) as usize;
        if len < 16 || len > b.len() {
            break;
        }
        let kind = u16_at(b, 4);
        let msg = &b[16..len];
        if (kind == RTM_NEWADDR || kind == RTM_DELADDR) && msg.len() >= 8 && msg[0] == 2 {
            if let Some(addr) = ipv4_of(&msg[8..]) {
                let added = kind == RTM_NEWADDR;
                out.push(Change { at, added, addr });
            }
        }
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    out
}

/// IFA_LOCAL, or IFA_ADDRESS without it, from an ifaddrmsg's attributes.
fn ipv4_of(mut attrs: &[u8]) -> Option<Ipv4Addr> {
    let mut address = None;
    while attrs.len() >= 4 {
        let len = u16_at(attrs, 0) as usize;
        if len < 4 || len > attrs.len() {
            break;
        }
        let kind = u16_at(attrs, 2);
        if len == 8 && (kind == IFA_LOCAL || kind == IFA_ADDRESS) {
            let a = Ipv4Addr::new(attrs[4], attrs[5], attrs[6], attrs[7]);
            if kind == IFA_LOCAL {
                return Some(a);
            }
            address = Some(a);
        }
        attrs = &attrs[((len + 3) & !3).min(attrs.len())..];
    }
    address
}

/// The IPv4 addresses of namespace `ns` now (`ip -o -4 addr show`).
pub fn addresses(ns: &str) -> Result<HashSet<Ipv4Addr>, String> {
    let text = ip(&["-n", ns, "-o", "-4", "addr", "show"])?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            w.find(|x| *x == "inet")?;
            w.next()?.split('/').next()?.parse().ok()
        })
        .collect())
}

/// When every address of `target` was present: replays `changes` (in arrival order) over
/// `baseline` (the addresses at `since`). None if the set was never complete.
pub fn complete_at(
    since: Instant,
    baseline: &HashSet<Ipv4Addr>,
    changes: &[Change],
    target: &HashSet<Ipv4Addr>,
) -> Option<Instant> {
    let mut present: HashSet<Ipv4Addr> = baseline.intersection(target).copied().collect();
    if present.len() == target.len() {
        return Some(since);
    }
    for c in changes {
        if !target.contains(&c.addr) {
            continue;
        }
        if c.added {
            present.insert(c.addr);
            if present.len() == target.len() {
                return Some(c.at);
            }
        } else {
            present.remove(&c.addr);
        }
    }
    None
}

/// The first addition of an address of `target` in `changes`.
pub fn first_added(changes: &[Change], target: &HashSet<Ipv4Addr>) -> Option<Instant> {
    changes
        .iter()
        .find(|c| c.added && target.contains(&c.addr))
        .map(|c| c.at)
}

/// Waits up to `limit` from `since` for every address of `target` to be present in `ns`;
/// returns when the set became complete (from the monitor, or the poll that saw it when
/// the monitor overflowed), or None on time-out.
pub fn wait_complete(
    mon: &Monitor,
    ns: &str,
    since: Instant,
    baseline: &HashSet<Ipv4Addr>,
    target: &HashSet<Ipv4Addr>,
    limit: Duration,
) -> Result<Option<Instant>, String> {
    let mut last_poll = Instant::now();
    loop {
        let (changes, overflowed) = mon.changes_since(since);
        if !overflowed {
            if let Some(t) = complete_at(since, baseline, &changes, target) {
                return Ok(Some(t));
            }
        }
        if overflowed || last_poll.elapsed() > Duration::from_millis(500) {
            last_poll = Instant::now();
            if addresses(ns)?.is_superset(target) {
                // Complete though the replay missed it: use the latest change seen.
                let last = changes.iter().map(|c| c.at).max().unwrap_or(last_poll);
                return Ok(Some(last.min(last_poll)));
            }
        }
        if since.elapsed() > limit {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RTM_NEWADDR/RTM_DELADDR message for `addr` with IFA_ADDRESS and IFA_LOCAL.
    fn message(kind: u16, addr: [u8; 4]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend(40u32.to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend([0u8; 10]);
        m.extend([2u8, 32, 0, 0, 1, 0, 0, 0]);
        for attr in [IFA_ADDRESS, IFA_LOCAL] {
            m.extend(8u16.to_ne_bytes());
            m.extend(attr.to_ne_bytes());
            m.extend(addr);
        }
        m
    }

    #[test]
    fn parses_a_datagram_of_two_messages() {
        let mut d = message(RTM_NEWADDR, [10, 88, 16, 1]);
        d.extend(message(RTM_DELADDR, [10, 88, 16, 2]));
        let c = parse(&d, Instant::now());
        assert_eq!(c.len(), 2);
        assert!(c[0].added && !c[1].added);
        assert_eq!(c[1].addr, Ipv4Addr::new(10, 88, 16, 2));
    }

    #[test]
    fn completion_is_the_change_that_completes_the_set() {
        let t0 = Instant::now();
        let at = |ms| t0 + std::time::Duration::from_millis(ms);
        let (a, b) = (Ipv4Addr::new(10, 88, 16, 1), Ipv4Addr::new(10, 88, 16, 2));
        let target: HashSet<_> = [a, b].into();
        let change = |ms, added, addr| Change {
            at: at(ms),
            added,
            addr,
        };
        let changes = [
            change(1, true, a),
            change(2, false, a),
            change(3, true, b),
            change(4, true, a),
        ];
        assert_eq!(
            complete_at(t0, &HashSet::new(), &changes, &target),
            Some(at(4))
        );
        assert_eq!(complete_at(t0, &target, &[], &target), Some(t0));
        assert_eq!(first_added(&changes, &target), Some(at(1)));
    }
}
