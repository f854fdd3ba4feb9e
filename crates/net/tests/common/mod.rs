//! Network-namespace lab shared by the integration tests: every test creates its
//! own namespaces (`kr-net-<test>-...`), enters them on a dedicated thread via
//! setns, and deletes them on drop.
#![allow(dead_code)]

use std::fs::File;
use std::future::Future;
use std::process::Command;

use nix::sched::{setns, CloneFlags};

/// True when running as root; otherwise prints the skip notice.
pub fn have_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        true
    } else {
        eprintln!("{test}: skipped: needs root");
        false
    }
}

/// Runs a command, panicking with its stderr on failure; returns stdout.
pub fn sh(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A network namespace deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Creates `kr-net-<test>-<tag>-<pid>` with `lo` up and IPv6 DAD off (so test
    /// addresses are usable at once).
    pub fn new(test: &str, tag: &str) -> Netns {
        Netns::with_prefix("kr-net", test, tag)
    }

    /// Like [`Netns::new`], named `<prefix>-<test>-<tag>-<pid>`.
    pub fn with_prefix(prefix: &str, test: &str, tag: &str) -> Netns {
        let name = format!("{prefix}-{test}-{tag}-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        sh("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        for key in ["all", "default"] {
            ns.exec(&[
                "sh",
                "-c",
                &format!("echo 0 > /proc/sys/net/ipv6/conf/{key}/accept_dad"),
            ]);
        }
        ns
    }

    /// A standalone interface with carrier: a veth pair `NAME`/`NAMEp` inside this
    /// namespace (this kernel has no dummy driver), both ends up when `up`.
    pub fn local_link(&self, name: &str, up: bool) {
        let peer = format!("{name}p");
        self.ip(&["link", "add", name, "type", "veth", "peer", "name", &peer]);
        self.ip(&["link", "set", &peer, "up"]);
        if up {
            self.ip(&["link", "set", name, "up"]);
        }
    }

    /// `ip -n NAME args...`
    pub fn ip(&self, args: &[&str]) -> String {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        sh("ip", &full)
    }

    /// `ip netns exec NAME args...`
    pub fn exec(&self, args: &[&str]) -> String {
        let mut full = vec!["netns", "exec", self.name.as_str()];
        full.extend_from_slice(args);
        sh("ip", &full)
    }

    /// ifindex of an interface in this namespace.
    pub fn ifindex(&self, ifname: &str) -> u32 {
        let out = self.exec(&["cat", &format!("/sys/class/net/{ifname}/ifindex")]);
        out.trim().parse().expect("ifindex")
    }

    /// MAC of an interface in this namespace.
    pub fn mac(&self, ifname: &str) -> [u8; 6] {
        let out = self.exec(&["cat", &format!("/sys/class/net/{ifname}/address")]);
        let mut mac = [0u8; 6];
        for (m, part) in mac.iter_mut().zip(out.trim().split(':')) {
            *m = u8::from_str_radix(part, 16).expect("mac");
        }
        mac
    }

    /// Runs `f` on a fresh thread inside this namespace, on a current-thread
    /// tokio runtime, and returns its result (panics propagate).
    pub fn run<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        let path = format!("/run/netns/{}", self.name);
        std::thread::spawn(move || {
            let file = File::open(&path).expect("open netns");
            setns(&file, CloneFlags::CLONE_NEWNET).expect("setns");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(f())
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Two namespaces joined by a veth pair `va` (in `a`) <-> `vb` (in `b`), both up.
pub struct Pair {
    pub a: Netns,
    pub b: Netns,
}

impl Pair {
    pub fn new(test: &str) -> Pair {
        let a = Netns::new(test, "a");
        let b = Netns::new(test, "b");
        a.ip(&[
            "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &b.name,
        ]);
        a.ip(&["link", "set", "va", "up"]);
        b.ip(&["link", "set", "vb", "up"]);
        Pair { a, b }
    }
}
