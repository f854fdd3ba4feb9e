//! A two-namespace lab: `C` runs the checkers, `B` the real services, joined by a veth pair:
//! 10.91.N.1/fd91:N::1 in C, 10.91.N.2/fd91:N::2 in B. Removed on drop, also on failure.

#![allow(dead_code)]

pub mod services;

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs `ip ARGS`, panicking with its stderr on failure.
pub fn ip(args: &[&str]) {
    keepalived_labs::ip(args);
}

/// Runs a command inside namespace `ns`.
pub fn ns_exec(ns: &str, args: &[&str]) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(args)
        .output()
        .expect("ip netns exec runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether we may build labs here (root).
pub fn runnable(test: &str) -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false);
    if !root {
        eprintln!("skipped: {test} needs root (network namespaces)");
    }
    root
}

/// The lab.
pub struct Lab {
    /// The checker namespace.
    pub c: String,
    /// The backend namespace.
    pub b: String,
    /// The third octet of the addresses.
    pub n: u8,
    dir: PathBuf,
}

impl Lab {
    /// Builds lab number `n` (unique per test).
    pub fn new(n: u8) -> Lab {
        let prefix = format!("kck{}-{n}", std::process::id());
        let lab = Lab {
            c: format!("{prefix}c"),
            b: format!("{prefix}b"),
            n,
            dir: std::env::temp_dir().join(format!("{prefix}-dir")),
        };
        let _ = std::fs::remove_dir_all(&lab.dir);
        std::fs::create_dir_all(&lab.dir).expect("lab dir");
        ip(&["netns", "add", &lab.c]);
        ip(&["netns", "add", &lab.b]);
        ip(&[
            "-n", &lab.c, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns",
            &lab.b,
        ]);
        for (ns, host) in [(&lab.c, 1), (&lab.b, 2)] {
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("10.91.{n}.{host}/24"),
                "dev",
                "eth0",
            ]);
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("fd91:{n}::{host}/64"),
                "dev",
                "eth0",
                "nodad",
            ]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        ns_exec(&lab.b, &["sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"]);
        ns_exec(&lab.b, &["sysctl", "-qw", "net.ipv6.icmp.ratelimit=0"]);
        lab
    }

    /// The backend's IPv4 address.
    pub fn backend(&self) -> String {
        format!("10.91.{}.2", self.n)
    }

    /// The backend's IPv6 address.
    pub fn backend6(&self) -> String {
        format!("fd91:{}::2", self.n)
    }

    /// The lab's scratch directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the backend answers ICMP echo (IPv4 and IPv6).
    pub fn set_echo(&self, answer: bool) {
        let v = if answer { "0" } else { "1" };
        ns_exec(
            &self.b,
            &[
                "sysctl",
                "-qw",
                &format!("net.ipv4.icmp_echo_ignore_all={v}"),
            ],
        );
        ns_exec(
            &self.b,
            &[
                "sysctl",
                "-qw",
                &format!("net.ipv6.icmp.echo_ignore_all={v}"),
            ],
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.c, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `f` on a new thread that has entered network namespace `ns`.
pub fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("netns file");
        // SAFETY: setns on a valid namespace fd affects only this thread.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {path}");
        f()
    })
}

/// Log lines collected from the checkers (also echoed on stderr).
#[derive(Clone, Default)]
pub struct Lines(pub Arc<Mutex<Vec<String>>>);

impl Lines {
    /// A logger that fills these lines.
    pub fn logger(&self) -> keepalived_check::Logger {
        let v = self.0.clone();
        keepalived_check::Logger::new(move |l| {
            eprintln!("checker: {l}");
            v.lock().unwrap().push(l.to_owned());
        })
    }

    /// Whether a line contains `s`.
    pub fn has(&self, s: &str) -> bool {
        self.0.lock().unwrap().iter().any(|l| l.contains(s))
    }
}

/// Waits up to `limit` for `cond`, panicking with `what` on timeout.
pub fn wait_for(what: &str, limit: Duration, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
