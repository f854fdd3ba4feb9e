//! Watches the VRRP adverts (IP protocol 112) arriving in a namespace and remembers when the
//! last one from a given router arrived: the reference the protocol's Master_Down_Interval
//! counts from, so that a takeover can be timed from the master's last advert as well as
//! from the link cut.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The watcher thread and the last arrival it saw.
pub struct AdvertWatch {
    last: Arc<Mutex<Option<Instant>>>,
    _reader: Reader,
}

impl AdvertWatch {
    /// Starts watching namespace `ns` for adverts whose source address's last byte is
    /// `host` (router number + 1 in the lab's addressing, on any link).
    pub fn start(ns: &str, host: u8) -> Result<AdvertWatch, String> {
        let last = Arc::new(Mutex::new(None));
        let l = last.clone();
        let reader = Reader::start(ns, "advert watcher", move |pkt, at| {
            if pkt.len() < 20 {
                return;
            }
            let o = [pkt[12], pkt[13], pkt[14], pkt[15]];
            if o[0] == 10 && o[1] == 88 && o[3] == host {
                *l.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
            }
        })?;
        Ok(AdvertWatch {
            last,
            _reader: reader,
        })
    }

    /// When the last advert from the watched router arrived.
    pub fn last(&self) -> Option<Instant> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A thread in a namespace handing every VRRP packet it receives, with its arrival time, to
/// a closure until it is halted (or dropped).
pub(crate) struct Reader {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Reader {
    /// Starts reading in namespace `ns` ([`open`]); `what` names the thread in errors.
    pub(crate) fn start(
        ns: &str,
        what: &str,
        mut each: impl FnMut(&[u8], Instant) + Send + 'static,
    ) -> Result<Reader, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let path = format!("/run/netns/{ns}");
        let s = stop.clone();
        let thread = std::thread::spawn(move || match open(&path) {
            Ok(fd) => {
                let _ = tx.send(Ok(()));
                let mut buf = [0u8; 2048];
                while !s.load(Ordering::Relaxed) {
                    // SAFETY: recv(2) into a buffer of the given length.
                    let n = unsafe {
                        libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0)
                    };
                    let at = Instant::now();
                    if let Ok(n) = usize::try_from(n) {
                        each(&buf[..n], at);
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        });
        rx.recv().map_err(|_| format!("{what} thread died"))??;
        Ok(Reader {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it.
    pub(crate) fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Enters the namespace (this thread only) and opens a raw IPv4 socket for protocol 112
/// with a 100 ms receive timeout.
pub(crate) fn open(path: &str) -> Result<OwnedFd, String> {
    let ns = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns(2) on an open namespace file; it changes only this thread's namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 112) };
    if raw < 0 {
        return Err(format!("raw socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `raw` is fresh and owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 100_000,
    };
    let len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: setsockopt with a correctly sized timeval.
    unsafe {
        let tv = (&tv as *const libc::timeval).cast();
        libc::setsockopt(raw, libc::SOL_SOCKET, libc::SO_RCVTIMEO, tv, len);
    }
    Ok(fd)
}
