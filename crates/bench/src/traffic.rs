//! Traffic of the flood benchmark, each a thread in one of the lab's namespaces: the flooder
//! (foreign VRRP and unrelated multicast at a fixed rate), the peer (a master's adverts for
//! the instances the daemon under test backs up) and the observer (the daemon's adverts,
//! kept by a BPF filter on their source address so that the flood costs it nothing).

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Moves this thread into namespace `ns` (only this thread).
pub fn enter(ns: &str) -> Result<(), String> {
    let path = format!("/run/netns/{ns}");
    let f = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns(2) on an open namespace file; it changes only this thread's namespace.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

fn socket(domain: i32, kind: i32, proto: i32) -> Result<OwnedFd, String> {
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let raw = unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, proto) };
    if raw < 0 {
        return Err(format!("socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `raw` is fresh and owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

fn setopt<T>(fd: RawFd, level: i32, name: i32, v: &T) -> Result<(), String> {
    // SAFETY: `v` lives across the call and its exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (v as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(format!(
            "setsockopt {level}/{name}: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// A multicast sender on `ifname`: TTL 255, no loopback of its own packets.
fn mcast_sender(kind: i32, proto: i32, ifname: &str) -> Result<OwnedFd, String> {
    let fd = socket(libc::AF_INET, kind, proto)?;
    let ifindex = ifindex(ifname);
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as i32,
    };
    let raw = fd.as_raw_fd();
    setopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn)?;
    setopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &255i32)?;
    setopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &0i32)?;
    Ok(fd)
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// Sends each (destination, bytes) with one sendmmsg; returns how many the kernel took.
fn send_many(fd: RawFd, msgs: &mut [(libc::sockaddr_in, Vec<u8>)]) -> usize {
    let mut iovs: Vec<libc::iovec> = msgs
        .iter_mut()
        .map(|(_, b)| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    let mut hdrs: Vec<libc::mmsghdr> = msgs
        .iter_mut()
        .zip(iovs.iter_mut())
        .map(|((a, _), iov)| {
            // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the call.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_name = (a as *mut libc::sockaddr_in).cast();
            h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
            h
        })
        .collect();
    // SAFETY: `hdrs` points into `msgs` and `iovs`, alive and unmoved across the call.
    let n = unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr(), hdrs.len() as u32, 0) };
    usize::try_from(n).unwrap_or(0)
}

fn checksum(data: &[u8]) -> u16 {
    let mut s: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// A VRRPv2 advert (no authentication, advert_int 1 s) for `vrid` at `priority` with one VIP.
pub fn advert_v2(vrid: u8, priority: u8, vip: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0x21, vrid, priority, 1, 0, 1, 0, 0];
    b.extend_from_slice(&vip.octets());
    b.extend_from_slice(&[0; 8]);
    let c = checksum(&b);
    b[6..8].copy_from_slice(&c.to_be_bytes());
    b
}

/// A VRRPv3 IPv4 advert: its checksum covers a pseudo-header, which a receiver that drops the
/// VRID first never looks at; a zero checksum is enough for foreign traffic.
fn advert_v3(vrid: u8, priority: u8, vip: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0x31, vrid, priority, 1, 0, 100, 0, 0];
    b.extend_from_slice(&vip.octets());
    b
}

/// What the flooder sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct FloodCount {
    /// VRRP to 224.0.0.18 with VRIDs no instance serves (v2 and v3).
    pub foreign_vrrp: u64,
    /// VRRP to another group (224.0.0.19), with the instances' own VRIDs.
    pub other_group: u64,
    /// UDP multicast (mDNS, SSDP).
    pub unrelated: u64,
}

impl FloodCount {
    /// All packets.
    pub fn total(&self) -> u64 {
        self.foreign_vrrp + self.other_group + self.unrelated
    }
}

/// A running thread and its stop flag.
pub struct Worker<T> {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<T>>,
}

impl<T: Send + Default + 'static> Worker<T> {
    /// Runs `body(stop)` on a thread in namespace `ns`; fails if entering it failed.
    fn spawn(
        ns: &str,
        body: impl FnOnce(&AtomicBool) -> T + Send + 'static,
    ) -> Result<Worker<T>, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let (ns, s) = (ns.to_owned(), stop.clone());
        let thread = std::thread::spawn(move || {
            let entered = enter(&ns);
            let ok = entered.is_ok();
            let _ = tx.send(entered);
            if ok {
                body(&s)
            } else {
                T::default()
            }
        });
        rx.recv().map_err(|_| "traffic thread died".to_owned())??;
        Ok(Worker {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and returns what it returned.
    pub fn finish(mut self) -> Option<T> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take()?.join().ok()
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Paces `per_s` items a second in 1 ms ticks: calls `tick(n)` with the items due. A thread
/// that fell more than 100 ms behind skips what it missed rather than bursting.
fn paced(per_s: u64, stop: &AtomicBool, mut tick: impl FnMut(u64)) {
    let start = Instant::now();
    let mut done = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let due = (start.elapsed().as_secs_f64() * per_s as f64) as u64;
        done = done.max(due.saturating_sub(per_s / 10));
        let n = due.saturating_sub(done).min(per_s / 100 + 1);
        if n > 0 {
            tick(n);
            done += n;
        } else {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Floods `ifname` in namespace `ns` with `pps` packets a second: half foreign VRRP (VRIDs
/// `foreign`, priority 255, v2 and v3), a tenth VRRP to 224.0.0.19 with VRIDs `own`, the
/// rest UDP multicast to mDNS and SSDP.
pub fn flood(
    ns: &str,
    ifname: &str,
    pps: u64,
    foreign: std::ops::RangeInclusive<u8>,
    own: std::ops::RangeInclusive<u8>,
) -> Result<Worker<FloodCount>, String> {
    let ifname = ifname.to_owned();
    Worker::spawn(ns, move |stop| {
        let mut c = FloodCount::default();
        let (Ok(vrrp), Ok(udp)) = (
            mcast_sender(libc::SOCK_RAW, 112, &ifname),
            mcast_sender(libc::SOCK_DGRAM, 0, &ifname),
        ) else {
            return c;
        };
        let vrrp_group = sockaddr(Ipv4Addr::new(224, 0, 0, 18), 0);
        let other_group = sockaddr(Ipv4Addr::new(224, 0, 0, 19), 0);
        let mdns = sockaddr(Ipv4Addr::new(224, 0, 0, 251), 5353);
        let ssdp = sockaddr(Ipv4Addr::new(239, 255, 255, 250), 1900);
        let foreign: Vec<u8> = foreign.collect();
        let own: Vec<u8> = own.collect();
        let mut k = 0usize;
        paced(pps, stop, |n| {
            let (mut raw, mut dgram) = (Vec::new(), Vec::new());
            for _ in 0..n {
                k = k.wrapping_add(1);
                let vip = Ipv4Addr::new(192, 0, 2, (k % 250) as u8);
                match k % 10 {
                    0..=4 => {
                        let vrid = foreign[k / 10 % foreign.len().max(1)];
                        let body = if k % 2 == 0 {
                            advert_v2(vrid, 255, vip)
                        } else {
                            advert_v3(vrid, 255, vip)
                        };
                        raw.push((vrrp_group, body));
                    }
                    5 => {
                        let vrid = own[k / 10 % own.len().max(1)];
                        raw.push((other_group, advert_v2(vrid, 255, vip)));
                    }
                    6 | 7 => dgram.push((mdns, vec![0u8; 120])),
                    _ => dgram.push((ssdp, vec![b'M'; 200])),
                }
            }
            for chunk in raw.chunks_mut(256) {
                let sent = send_many(vrrp.as_raw_fd(), chunk);
                for (a, _) in &chunk[..sent] {
                    if a.sin_addr.s_addr == vrrp_group.sin_addr.s_addr {
                        c.foreign_vrrp += 1;
                    } else {
                        c.other_group += 1;
                    }
                }
            }
            for chunk in dgram.chunks_mut(256) {
                c.unrelated += send_many(udp.as_raw_fd(), chunk) as u64;
            }
        });
        c
    })
}

/// Plays the master of `vrids` in namespace `ns`: a priority-200 VRRPv2 advert for each,
/// once a second, VIP `vip(vrid)`.
pub fn peer(
    ns: &str,
    ifname: &str,
    vrids: std::ops::RangeInclusive<u8>,
    vip: fn(u8) -> Ipv4Addr,
) -> Result<Worker<u64>, String> {
    let ifname = ifname.to_owned();
    Worker::spawn(ns, move |stop| {
        let Ok(fd) = mcast_sender(libc::SOCK_RAW, 112, &ifname) else {
            return 0;
        };
        let group = sockaddr(Ipv4Addr::new(224, 0, 0, 18), 0);
        let mut msgs: Vec<_> = vrids.map(|v| (group, advert_v2(v, 200, vip(v)))).collect();
        let start = Instant::now();
        let mut sent = 0u64;
        let mut k = 0u32;
        while !stop.load(Ordering::Relaxed) {
            sent += send_many(fd.as_raw_fd(), &mut msgs) as u64;
            k += 1;
            let next = start + Duration::from_secs(u64::from(k));
            while Instant::now() < next && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        sent
    })
}

/// Every advert the observer saw from the watched source: (arrival, VRID).
pub type Arrivals = Arc<Mutex<Vec<(Instant, u8)>>>;

/// The index of interface `name` in this thread's namespace (0 if unknown).
fn ifindex(name: &str) -> u32 {
    let Ok(name) = std::ffi::CString::new(name) else {
        return 0;
    };
    // SAFETY: if_nametoindex reads a NUL-terminated name.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// Watches namespace `ns` (joining 224.0.0.18 on `ifname`) for VRRP from `src` only (a BPF filter on the IPv4 source), and
/// records each advert's arrival and VRID.
pub fn observe(ns: &str, ifname: &str, src: Ipv4Addr) -> Result<(Worker<()>, Arrivals), String> {
    let seen: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let ifname = ifname.to_owned();
    let out = seen.clone();
    let w = Worker::spawn(ns, move |stop| {
        let Ok(fd) = socket(libc::AF_INET, libc::SOCK_RAW, 112) else {
            return;
        };
        let raw = fd.as_raw_fd();
        // The namespace must be a member of the VRRP group, or the kernel drops the adverts.
        let mreqn = libc::ip_mreqn {
            imr_multiaddr: libc::in_addr {
                s_addr: u32::from(Ipv4Addr::new(224, 0, 0, 18)).to_be(),
            },
            imr_address: libc::in_addr { s_addr: 0 },
            imr_ifindex: ifindex(&ifname) as i32,
        };
        if setopt(raw, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreqn).is_err() {
            return;
        }
        // ld [12]; jeq src ? keep : drop
        let prog = [
            libc::sock_filter {
                code: 0x20,
                jt: 0,
                jf: 0,
                k: 12,
            },
            libc::sock_filter {
                code: 0x15,
                jt: 0,
                jf: 1,
                k: u32::from(src),
            },
            libc::sock_filter {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: u32::MAX,
            },
            libc::sock_filter {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: 0,
            },
        ];
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            filter: prog.as_ptr().cast_mut(),
        };
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 100_000,
        };
        if setopt(raw, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &fprog).is_err()
            || setopt(raw, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv).is_err()
        {
            return;
        }
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            // SAFETY: recv(2) into a buffer of the given length.
            let n = unsafe { libc::recv(raw, buf.as_mut_ptr().cast(), buf.len(), 0) };
            let at = Instant::now();
            let Ok(n) = usize::try_from(n) else { continue };
            let ihl = usize::from(buf[0] & 0x0f) * 4;
            if n > ihl + 1 {
                out.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((at, buf[ihl + 1]));
            }
        }
    })?;
    Ok((w, seen))
}

/// Adverts missing from `arrivals` of `vrid` between `from` and `to`, at one a second: each
/// gap longer than 1.5 s counts the adverts that should have fallen into it.
pub fn missed(arrivals: &[(Instant, u8)], vrid: u8, from: Instant, to: Instant) -> u64 {
    let mut last = from;
    let mut missed = 0;
    let mut times: Vec<Instant> = arrivals
        .iter()
        .filter(|(t, v)| *v == vrid && *t >= from && *t <= to)
        .map(|(t, _)| *t)
        .collect();
    times.push(to);
    for t in times {
        let gap = t.saturating_duration_since(last).as_secs_f64();
        if gap > 1.5 {
            missed += (gap - 0.5).floor() as u64;
        }
        last = t;
    }
    missed
}

/// The netlink churner's tally.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChurnCount {
    /// Requests sent (address and route additions and deletions).
    pub requests: u64,
    /// Errors the kernel sent back.
    pub errors: u64,
}

/// Changes addresses and routes on `ifname` in namespace `ns`, `per_s` requests a second:
/// each address 198.18.x.y/32 and route 198.19.x.y/32 is added, then deleted 1000 requests
/// later, so the interface holds a steady few hundred.
pub fn churn(ns: &str, ifname: &str, per_s: u64) -> Result<Worker<ChurnCount>, String> {
    let ifname = ifname.to_owned();
    Worker::spawn(ns, move |stop| {
        let mut c = ChurnCount::default();
        let Ok(fd) = socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_NONBLOCK, 0) else {
            return c;
        };
        let ifindex = ifindex(&ifname);
        let mut k = 0u32;
        let mut rx = vec![0u8; 65536];
        paced(per_s, stop, |n| {
            let mut buf = Vec::new();
            for _ in 0..n {
                k = k.wrapping_add(1);
                // Even steps: addresses; odd: routes. Step k adds item k/2 % 60000 and
                // deletes the one added 1000 steps before.
                let item = k / 2;
                let (slot, add) = if item % 2 == 0 {
                    (item / 2, true)
                } else {
                    ((item / 2).wrapping_sub(250), false)
                };
                let addr = [0u8, 0, ((slot / 250) % 240) as u8, (slot % 250 + 1) as u8];
                let msg = if k % 2 == 0 {
                    addr_msg(add, ifindex, [198, 18, addr[2], addr[3]], k)
                } else {
                    route_msg(add, ifindex, [198, 19, addr[2], addr[3]], k)
                };
                buf.extend_from_slice(&msg);
            }
            // SAFETY: send(2) of an initialised buffer to the kernel (no address: the
            // kernel is the default destination of a netlink socket).
            let rc = unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) };
            if rc > 0 {
                c.requests += n;
            }
            loop {
                // SAFETY: recv(2) into a buffer of the given length, non-blocking.
                let r = unsafe { libc::recv(fd.as_raw_fd(), rx.as_mut_ptr().cast(), rx.len(), 0) };
                let Ok(r) = usize::try_from(r) else { break };
                c.errors += count_errors(&rx[..r]);
            }
        });
        c
    })
}

fn nl_header(buf: &mut Vec<u8>, kind: u16, flags: u16, seq: u32) {
    buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set at the end
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(&flags.to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
}

fn attr(buf: &mut Vec<u8>, kind: u16, value: &[u8]) {
    buf.extend_from_slice(&(4 + value.len() as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(value);
}

fn finish(mut buf: Vec<u8>) -> Vec<u8> {
    let len = buf.len() as u32;
    buf[..4].copy_from_slice(&len.to_ne_bytes());
    buf
}

const NLM_F_REQUEST: u16 = 1;
const NLM_F_EXCL_CREATE: u16 = 0x200 | 0x400;

fn addr_msg(add: bool, ifindex: u32, a: [u8; 4], seq: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(40);
    let (kind, flags) = if add {
        (libc::RTM_NEWADDR, NLM_F_REQUEST | NLM_F_EXCL_CREATE)
    } else {
        (libc::RTM_DELADDR, NLM_F_REQUEST)
    };
    nl_header(&mut b, kind, flags, seq);
    b.extend_from_slice(&[libc::AF_INET as u8, 32, 0, 0]); // family, prefix, flags, scope
    b.extend_from_slice(&ifindex.to_ne_bytes());
    attr(&mut b, libc::IFA_LOCAL, &a);
    attr(&mut b, libc::IFA_ADDRESS, &a);
    finish(b)
}

fn route_msg(add: bool, ifindex: u32, dst: [u8; 4], seq: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(44);
    let (kind, flags) = if add {
        (libc::RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_EXCL_CREATE)
    } else {
        (libc::RTM_DELROUTE, NLM_F_REQUEST)
    };
    nl_header(&mut b, kind, flags, seq);
    // family, dst_len, src_len, tos, table main, proto static, scope link, type unicast
    b.extend_from_slice(&[libc::AF_INET as u8, 32, 0, 0, 254, 4, 253, 1]);
    b.extend_from_slice(&0u32.to_ne_bytes()); // flags
    attr(&mut b, libc::RTA_DST, &dst);
    attr(&mut b, libc::RTA_OIF, &ifindex.to_ne_bytes());
    finish(b)
}

/// NLMSG_ERROR messages with a non-zero error in a datagram.
fn count_errors(mut b: &[u8]) -> u64 {
    let mut n = 0;
    while b.len() >= 20 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        let err = i32::from_ne_bytes([b[16], b[17], b[18], b[19]]);
        if kind == libc::NLMSG_ERROR as u16 && err != 0 {
            n += 1;
        }
        if len < 16 || len > b.len() {
            break;
        }
        b = &b[(len + 3) & !3..];
    }
    n
}

/// Raw-socket receive queues of a namespace, from `/proc/PID/net/raw` of a process in it.
pub struct RawQueues {
    /// The largest sum of the sockets' rx_queue bytes seen.
    pub peak_bytes: Arc<AtomicU64>,
    worker: Option<Worker<()>>,
}

/// The sum of rx_queue and of drops over the raw sockets in `/proc/PID/net/raw`.
pub fn raw_queues(pid: i32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/raw")).unwrap_or_default();
    let mut queue = 0;
    let mut drops = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let Some(q) = f.get(4).and_then(|q| q.split(':').nth(1)) {
            queue += u64::from_str_radix(q, 16).unwrap_or(0);
        }
        drops += f.last().and_then(|d| d.parse::<u64>().ok()).unwrap_or(0);
    }
    (queue, drops)
}

impl RawQueues {
    /// Samples the queues of `pid`'s namespace every 20 ms.
    pub fn start(pid: i32) -> RawQueues {
        let peak = Arc::new(AtomicU64::new(0));
        let p = peak.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(raw_queues(pid).0, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        RawQueues {
            peak_bytes: peak,
            worker: Some(Worker {
                stop,
                thread: Some(thread),
            }),
        }
    }

    /// Stops sampling; the peak in bytes.
    pub fn finish(mut self) -> u64 {
        if let Some(w) = self.worker.take() {
            w.finish();
        }
        self.peak_bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advert_checksums_to_zero() {
        let a = advert_v2(7, 200, Ipv4Addr::new(10, 88, 16, 7));
        assert_eq!(a.len(), 20);
        assert_eq!(checksum(&a), 0);
    }

    #[test]
    fn gaps_count_the_adverts_they_hide() {
        let t0 = Instant::now();
        let at = |s: f64| (t0 + Duration::from_secs_f64(s), 3u8);
        let arrivals = [at(0.5), at(1.5), at(2.5), at(5.5), at(6.5)];
        let end = t0 + Duration::from_secs(7);
        assert_eq!(missed(&arrivals, 3, t0, end), 2);
        // 7 s without one: at least 6 adverts were due.
        assert_eq!(missed(&arrivals, 4, t0, end), 6);
    }

    #[test]
    fn netlink_messages_have_their_lengths() {
        assert_eq!(addr_msg(true, 3, [198, 18, 0, 1], 1).len(), 40);
        assert_eq!(route_msg(false, 3, [198, 19, 0, 1], 2).len(), 44);
    }
}
