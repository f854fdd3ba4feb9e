//! The real servers of the checker benchmarks: ONE thread in the backend namespace, on
//! epoll, serving every real server. The namespace routes a whole prefix to itself
//! (`ip route add local 10.71.0.0/17 dev lo`, "AnyIP"), so a listener on `0.0.0.0:PORT`
//! accepts connections to any address of it; `getsockname` of an accepted connection tells
//! which real server was checked. TCP ports are closed right after accept (TCP_CHECK only
//! needs the handshake); on [`HTTP_PORT`] the request is read up to its blank line and
//! answered `HTTP/1.0 200 OK` with a 2-byte body, then closed. Every accept is stamped
//! (CLOCK_MONOTONIC) with its real server: the check arrivals the jitter is computed from.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// The port whose connections get an HTTP answer.
pub const HTTP_PORT: u16 = 8080;

/// The answer to every HTTP request.
const ANSWER: &[u8] = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/// One check seen by the backend.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    /// The real server's address.
    pub addr: Ipv4Addr,
    /// The real server's port.
    pub port: u16,
    /// When it was accepted.
    pub at: Instant,
}

/// The running backend; stopped (and joined) on drop.
pub struct Backend {
    stop: Arc<AtomicBool>,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

fn errno(what: &str) -> String {
    format!("{what}: {}", std::io::Error::last_os_error())
}

/// Enters namespace `ns` (this thread only).
pub fn enter(ns: &str) -> Result<(), String> {
    let path = format!("/var/run/netns/{ns}");
    let f = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns(2) on an open namespace file; it changes only this thread's namespace.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(errno(&format!("setns {path}")));
    }
    Ok(())
}

/// A non-blocking listener on 0.0.0.0:`port`.
fn listener(port: u16) -> Result<OwnedFd, String> {
    // SAFETY: socket(2) returns a new descriptor, owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(errno("socket"));
    }
    // SAFETY: fd is fresh and owned by nothing else.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    // SAFETY: a c_int option of the right size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    let sa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: 0 },
        sin_zero: [0; 8],
    };
    // SAFETY: a valid sockaddr_in and its size.
    let r = unsafe {
        libc::bind(
            fd,
            (&sa as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(errno(&format!("bind 0.0.0.0:{port}")));
    }
    // SAFETY: listen(2) on our socket.
    if unsafe { libc::listen(fd, 65535) } != 0 {
        return Err(errno("listen"));
    }
    Ok(owned)
}

fn epoll_add(ep: RawFd, fd: RawFd) -> Result<(), String> {
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: fd as u64,
    };
    // SAFETY: both descriptors are open; ev is a valid event.
    if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) } != 0 {
        return Err(errno("epoll_ctl"));
    }
    Ok(())
}

/// The local address of connection `fd`.
fn local(fd: RawFd) -> Option<(Ipv4Addr, u16)> {
    // SAFETY: zeroed sockaddr_in is a valid value; getsockname fills at most `len` bytes.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: see above.
    let r = unsafe { libc::getsockname(fd, (&mut sa as *mut libc::sockaddr_in).cast(), &mut len) };
    (r == 0).then(|| {
        (
            Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr)),
            u16::from_be(sa.sin_port),
        )
    })
}

fn close(fd: RawFd) {
    // SAFETY: fd is an accepted connection we own and drop here.
    unsafe { libc::close(fd) };
}

/// The serving loop; see the module documentation.
fn serve(
    ns: &str,
    ports: &[u16],
    stop: &AtomicBool,
    arrivals: &Mutex<Vec<Arrival>>,
) -> Result<(), String> {
    enter(ns)?;
    // SAFETY: epoll_create1 returns a new descriptor, owned right away.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        return Err(errno("epoll_create1"));
    }
    // SAFETY: fresh descriptor.
    let ep = unsafe { OwnedFd::from_raw_fd(ep) };
    let mut listeners: HashMap<RawFd, (OwnedFd, u16)> = HashMap::new();
    for p in ports {
        let l = listener(*p)?;
        epoll_add(ep.as_raw_fd(), l.as_raw_fd())?;
        listeners.insert(l.as_raw_fd(), (l, *p));
    }
    // HTTP connections waiting for the end of their request: fd -> bytes so far.
    let mut pending: HashMap<RawFd, Vec<u8>> = HashMap::new();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut buf = [0u8; 4096];
    let mut batch = Vec::with_capacity(1024);
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: events has room for its length.
        let n = unsafe {
            libc::epoll_wait(
                ep.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as libc::c_int,
                100,
            )
        };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(errno("epoll_wait"));
        }
        for ev in &events[..n as usize] {
            let fd = ev.u64 as RawFd;
            if let Some((l, port)) = listeners.get(&fd) {
                loop {
                    // SAFETY: accept4 on our listener; null address arguments are allowed.
                    let c = unsafe {
                        libc::accept4(
                            l.as_raw_fd(),
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                        )
                    };
                    if c < 0 {
                        break;
                    }
                    let at = Instant::now();
                    if let Some((addr, p)) = local(c) {
                        batch.push(Arrival { addr, port: p, at });
                    }
                    if *port == HTTP_PORT {
                        if epoll_add(ep.as_raw_fd(), c).is_ok() {
                            pending.insert(c, Vec::new());
                        } else {
                            close(c);
                        }
                    } else {
                        close(c);
                    }
                }
            } else if let Some(req) = pending.get_mut(&fd) {
                // SAFETY: reading into our buffer of its size.
                let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                let done = if r > 0 {
                    req.extend_from_slice(&buf[..r as usize]);
                    if req.windows(4).any(|w| w == b"\r\n\r\n") {
                        // SAFETY: writing our constant answer; a fresh socket's send buffer
                        // takes it whole.
                        unsafe { libc::write(fd, ANSWER.as_ptr().cast(), ANSWER.len()) };
                        true
                    } else {
                        req.len() > 65536
                    }
                } else {
                    r == 0
                        || std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock
                };
                if done {
                    pending.remove(&fd);
                    close(fd);
                }
            }
        }
        if !batch.is_empty() {
            let mut g = arrivals.lock().unwrap_or_else(|e| e.into_inner());
            g.append(&mut batch);
        }
    }
    for fd in pending.into_keys() {
        close(fd);
    }
    Ok(())
}

impl Backend {
    /// Starts serving `ports` in namespace `ns` (which must route the real servers'
    /// addresses to itself).
    pub fn start(ns: &str, ports: &[u16]) -> Result<Backend, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let (s, a, ns, ports) = (
            stop.clone(),
            arrivals.clone(),
            ns.to_owned(),
            ports.to_vec(),
        );
        let thread = std::thread::Builder::new()
            .name("backend".into())
            .spawn(move || serve(&ns, &ports, &s, &a))
            .map_err(|e| format!("backend thread: {e}"))?;
        Ok(Backend {
            stop,
            arrivals,
            thread: Some(thread),
        })
    }

    /// Every arrival so far (the record is emptied).
    pub fn take(&self) -> Vec<Arrival> {
        std::mem::take(&mut *self.arrivals.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Fails with the serving thread's error if it stopped.
    pub fn check(&mut self) -> Result<(), String> {
        if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
            let t = self.thread.take().ok_or("backend gone")?;
            return match t.join() {
                Ok(Ok(())) => Err("the backend stopped".into()),
                Ok(Err(e)) => Err(format!("backend: {e}")),
                Err(_) => Err("the backend panicked".into()),
            };
        }
        Ok(())
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
