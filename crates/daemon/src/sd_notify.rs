//! systemd's readiness protocol (`sd_notify(3)`), for `Type=notify` units.
//!
//! systemd passes the path of a datagram socket in `NOTIFY_SOCKET`; the service sends it
//! newline-separated `VARIABLE=value` assignments: `READY=1` once it serves, `STATUS=...`
//! free text for `systemctl status`, `RELOADING=1` while it re-reads its configuration,
//! `STOPPING=1` when it shuts down and `WATCHDOG=1` as keep-alive when the unit sets
//! `WatchdogSec=` (systemd then exports `WATCHDOG_USEC`, and `WATCHDOG_PID` naming the
//! process it expects the pings from).
//!
//! Written over [`std::os::unix::net::UnixDatagram`] rather than with the `sd-notify` crate:
//! that crate reads `NOTIFY_SOCKET` on every call (so it can only be tested by changing the
//! process environment, which is unsound with threads running) and needs a newer Rust than
//! the workspace's `rust-version`. The protocol is one datagram per call.
//!
//! Every method is a no-op returning `Ok(())` when `NOTIFY_SOCKET` was unset (not run by
//! systemd), and none panics: errors come back as [`std::io::Error`] for the caller to log.
//! The socket is non-blocking, so a stalled manager can never stall the event loop.

use std::ffi::OsStr;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::Path;
use std::time::Duration;

/// The environment variable naming systemd's notification socket.
pub const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";
/// The environment variable with the watchdog timeout in microseconds.
pub const WATCHDOG_USEC: &str = "WATCHDOG_USEC";
/// The environment variable with the pid systemd expects watchdog pings from.
pub const WATCHDOG_PID: &str = "WATCHDOG_PID";

/// Where the notifications go: an unbound datagram socket and systemd's address.
#[derive(Debug)]
struct Target {
    socket: UnixDatagram,
    address: SocketAddr,
}

/// Sends service state to systemd. Build it once at start-up with [`SystemdNotifier::from_env`].
#[derive(Debug)]
pub struct SystemdNotifier {
    /// `None`: not started by systemd (or an address we cannot use): every call is a no-op.
    target: Option<Target>,
    /// systemd's watchdog timeout, when it watches this process.
    watchdog: Option<Duration>,
}

impl SystemdNotifier {
    /// From the process environment: `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
    ///
    /// The variables are left in place (changing the environment of a threaded process is
    /// unsound); notify scripts inherit them, and systemd's default `NotifyAccess=main` makes
    /// it ignore anything they might send.
    pub fn from_env() -> Self {
        let socket = std::env::var_os(NOTIFY_SOCKET);
        let usec = std::env::var(WATCHDOG_USEC).ok();
        let pid = std::env::var(WATCHDOG_PID).ok();
        Self::from_vars(
            socket.as_deref(),
            usec.as_deref(),
            pid.as_deref(),
            std::process::id(),
        )
    }

    /// From the values of `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` (`None` when
    /// unset) for the process `own_pid`, as [`SystemdNotifier::from_env`] reads them.
    ///
    /// A socket path must be absolute or start with `@` (Linux abstract namespace), as
    /// `sd_notify(3)` requires; anything else, or a socket that cannot be created, gives a
    /// notifier that does nothing. The watchdog counts only when `WATCHDOG_USEC` is a
    /// positive number and `WATCHDOG_PID` is unset or `own_pid`.
    pub fn from_vars(
        notify_socket: Option<&OsStr>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        own_pid: u32,
    ) -> Self {
        let target = notify_socket.and_then(|s| Self::target(s).ok());
        let for_us = match watchdog_pid {
            None => true,
            Some(p) => p.trim().parse::<u32>() == Ok(own_pid),
        };
        let watchdog = watchdog_usec
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|&u| u > 0 && for_us)
            .map(Duration::from_micros);
        SystemdNotifier { target, watchdog }
    }

    /// A notifier sending to the socket at `path` (absolute, or `@name` for the abstract
    /// namespace), without a watchdog. For tests and callers that know the socket.
    pub fn with_socket(path: impl AsRef<OsStr>) -> io::Result<Self> {
        Ok(SystemdNotifier {
            target: Some(Self::target(path.as_ref())?),
            watchdog: None,
        })
    }

    /// A notifier that does nothing (not run by systemd).
    pub fn disabled() -> Self {
        SystemdNotifier {
            target: None,
            watchdog: None,
        }
    }

    fn target(path: &OsStr) -> io::Result<Target> {
        let bytes = path.as_bytes();
        let address = match bytes.first() {
            Some(b'/') => SocketAddr::from_pathname(Path::new(path))?,
            Some(b'@') => SocketAddr::from_abstract_name(&bytes[1..])?,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "NOTIFY_SOCKET is neither an absolute path nor @abstract",
                ))
            }
        };
        let socket = UnixDatagram::unbound()?;
        socket.set_nonblocking(true)?;
        Ok(Target { socket, address })
    }

    /// Whether notifications go anywhere (`NOTIFY_SOCKET` was set and usable).
    pub fn is_enabled(&self) -> bool {
        self.target.is_some()
    }

    /// Sends `state`, newline-separated `VARIABLE=value` assignments, as one datagram.
    pub fn notify(&self, state: &str) -> io::Result<()> {
        let Some(target) = &self.target else {
            return Ok(());
        };
        let sent = target
            .socket
            .send_to_addr(state.as_bytes(), &target.address)?;
        if sent == state.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "short write to NOTIFY_SOCKET",
            ))
        }
    }

    /// `READY=1`: start-up is finished (systemd's `Type=notify` start job completes).
    pub fn ready(&self) -> io::Result<()> {
        self.notify("READY=1")
    }

    /// `STATUS=text`: one line for `systemctl status`. Line breaks in `text` become spaces
    /// (a newline would start another assignment).
    pub fn status(&self, text: &str) -> io::Result<()> {
        self.notify(&status_line(text))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC`: the configuration is being re-read; send
    /// [`SystemdNotifier::ready`] again when done.
    pub fn reloading(&self) -> io::Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)?;
        let usec = Duration::from(now).as_micros();
        self.notify(&format!("RELOADING=1\nMONOTONIC_USEC={usec}"))
    }

    /// `STOPPING=1`: shutting down.
    pub fn stopping(&self) -> io::Result<()> {
        self.notify("STOPPING=1")
    }

    /// `WATCHDOG=1`: the keep-alive ping. Send it at least every half
    /// [`SystemdNotifier::watchdog_interval`].
    pub fn watchdog(&self) -> io::Result<()> {
        self.notify("WATCHDOG=1")
    }

    /// systemd's watchdog timeout (`WatchdogSec=` of the unit), when it watches this
    /// process: ping with [`SystemdNotifier::watchdog`] at half this interval.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }
}

/// `STATUS=` with line breaks turned into spaces.
fn status_line(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("STATUS={one_line}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A datagram socket bound in a fresh directory, removed on drop.
    struct Listener {
        dir: PathBuf,
        path: PathBuf,
        socket: UnixDatagram,
    }

    impl Listener {
        fn new() -> Listener {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "keepalived-rs-sd-notify-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("notify");
            let socket = UnixDatagram::bind(&path).expect("bind");
            socket
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            Listener { dir, path, socket }
        }

        fn recv(&self) -> String {
            let mut buf = [0u8; 4096];
            let n = self.socket.recv(&mut buf).expect("a datagram");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        }

        fn nothing_queued(&self) -> bool {
            self.socket.set_nonblocking(true).expect("nonblocking");
            let mut buf = [0u8; 16];
            let empty = matches!(
                self.socket.recv(&mut buf),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock
            );
            self.socket.set_nonblocking(false).expect("blocking");
            empty
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn sends_exact_datagrams() {
        let l = Listener::new();
        let n = SystemdNotifier::with_socket(&l.path).expect("notifier");
        assert!(n.is_enabled());
        n.ready().expect("ready");
        assert_eq!(l.recv(), "READY=1");
        n.status("2 instances, VI_1 MASTER").expect("status");
        assert_eq!(l.recv(), "STATUS=2 instances, VI_1 MASTER");
        n.watchdog().expect("watchdog");
        assert_eq!(l.recv(), "WATCHDOG=1");
        n.stopping().expect("stopping");
        assert_eq!(l.recv(), "STOPPING=1");
        assert!(l.nothing_queued());
    }

    #[test]
    fn status_stays_one_assignment() {
        let l = Listener::new();
        let n = SystemdNotifier::with_socket(&l.path).expect("notifier");
        n.status("line one\nREADY=1\r\nend").expect("status");
        assert_eq!(l.recv(), "STATUS=line one READY=1  end");
    }

    #[test]
    fn reloading_carries_monotonic_time() {
        let l = Listener::new();
        let n = SystemdNotifier::with_socket(&l.path).expect("notifier");
        n.reloading().expect("reloading");
        let got = l.recv();
        let usec = got
            .strip_prefix("RELOADING=1\nMONOTONIC_USEC=")
            .unwrap_or_else(|| panic!("{got:?}"));
        assert!(usec.parse::<u64>().is_ok_and(|u| u > 0), "{got:?}");
    }

    #[test]
    fn abstract_socket() {
        let name = format!("keepalived-rs-sd-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let listener = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        listener
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let n = SystemdNotifier::from_vars(Some(OsStr::new(&format!("@{name}"))), None, None, 1);
        assert!(n.is_enabled());
        n.ready().expect("ready");
        let mut buf = [0u8; 64];
        let len = listener.recv(&mut buf).expect("datagram");
        assert_eq!(&buf[..len], b"READY=1");
    }

    #[test]
    fn without_socket_everything_is_a_no_op() {
        for n in [
            SystemdNotifier::disabled(),
            SystemdNotifier::from_vars(None, Some("1000000"), None, 7),
            // sd_notify(3) takes only absolute paths and @abstract names.
            SystemdNotifier::from_vars(Some(OsStr::new("relative/sock")), None, None, 7),
            SystemdNotifier::from_vars(Some(OsStr::new("")), None, None, 7),
        ] {
            assert!(!n.is_enabled());
            assert!(n.ready().is_ok());
            assert!(n.status("x").is_ok());
            assert!(n.reloading().is_ok());
            assert!(n.watchdog().is_ok());
            assert!(n.stopping().is_ok());
        }
        assert!(SystemdNotifier::with_socket("relative").is_err());
    }

    #[test]
    fn missing_listener_is_an_error_not_a_panic() {
        let l = Listener::new();
        let gone = l.dir.join("nobody-here");
        let n = SystemdNotifier::with_socket(&gone).expect("notifier");
        assert!(n.ready().is_err());
    }

    #[test]
    fn watchdog_interval_follows_systemd_variables() {
        let s = Some(OsStr::new("/run/systemd/notify"));
        let w = |usec, pid| SystemdNotifier::from_vars(s, usec, pid, 42).watchdog_interval();
        assert_eq!(w(Some("30000000"), None), Some(Duration::from_secs(30)));
        assert_eq!(
            w(Some("1500"), Some("42")),
            Some(Duration::from_micros(1500))
        );
        assert_eq!(w(Some("30000000"), Some("43")), None, "for another pid");
        assert_eq!(w(Some("30000000"), Some("x")), None);
        assert_eq!(w(Some("0"), None), None);
        assert_eq!(w(Some("-5"), None), None);
        assert_eq!(w(Some("soon"), None), None);
        assert_eq!(w(None, Some("42")), None);
        // The watchdog is systemd's whether or not the socket is usable.
        assert_eq!(
            SystemdNotifier::from_vars(None, Some("2000000"), None, 42).watchdog_interval(),
            Some(Duration::from_secs(2))
        );
    }

    /// Env var telling [`from_env_child`] it runs as the child of [`from_env_reads_the_environment`].
    const CHILD: &str = "KEEPALIVED_RS_SD_NOTIFY_CHILD";

    /// The child half of [`from_env_reads_the_environment`]: the real `from_env`, run in a
    /// process whose environment the parent set. The parent checks what it sends; run on its
    /// own (`--include-ignored`), it has nothing to do.
    #[test]
    #[ignore = "run by from_env_reads_the_environment in a child process"]
    fn from_env_child() {
        if std::env::var_os(CHILD).is_none() {
            return;
        }
        let n = SystemdNotifier::from_env();
        assert!(n.is_enabled());
        let interval = n.watchdog_interval().expect("watchdog");
        n.status(&format!("watchdog {}", interval.as_micros()))
            .expect("status");
        n.ready().expect("ready");
    }

    #[test]
    fn from_env_reads_the_environment() {
        let l = Listener::new();
        let exe = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "sd_notify::tests::from_env_child",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env(NOTIFY_SOCKET, &l.path)
            .env(WATCHDOG_USEC, "4000000")
            .env_remove(WATCHDOG_PID)
            .output()
            .expect("run child");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(l.recv(), "STATUS=watchdog 4000000");
        assert_eq!(l.recv(), "READY=1");
    }
}
