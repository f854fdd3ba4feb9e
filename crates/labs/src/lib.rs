//! Network-namespace labs for the tests: two routers, `o` (ours) and `t` (theirs), each with an
//! `eth0` on one bridge in a third namespace `s`, so that cutting one router's link leaves the
//! other's carrier up. Everything is removed on drop, also when a test fails.

mod procfs;
pub mod scenario;
pub mod vm;

pub use procfs::proc_view;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The real keepalived.
pub const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// FRR's BFD daemon (Debian `frr`).
pub const BFDD: &str = "/usr/lib/frr/bfdd";

/// Runs `ip ARGS`, panicking with its stderr on failure; returns its stdout.
pub fn ip(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether a lab test can run here (root and keepalived installed); says why not otherwise.
pub fn runnable(test: &str) -> bool {
    if !is_root() {
        eprintln!("skipped: {test} needs root (network namespaces)");
        return false;
    }
    if !Path::new(KEEPALIVED).exists() {
        eprintln!("skipped: {test} needs {KEEPALIVED} (apt-get install keepalived)");
        return false;
    }
    true
}

fn is_root() -> bool {
    // The effective uid, from /proc so that this crate needs no libc binding.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Routers `o` and `t` on one bridge; `o` is `NET.1/24`, `t` is `NET.2/24` on `eth0`.
pub struct BridgeLab {
    prefix: String,
    dir: PathBuf,
    daemons: Vec<(String, Child)>,
    /// Extra namespaces on the bridge ([`BridgeLab::add_host`]).
    hosts: Vec<String>,
}

impl BridgeLab {
    /// Creates the namespaces `PREFIX{o,t,s}` (PREFIX from `kind`, `name` and the pid) and
    /// the links, with addresses in `net` (e.g. "10.98.11").
    pub fn new(kind: &str, name: &str, net: &str) -> BridgeLab {
        BridgeLab::build(
            format!("kr-{kind}-{name}-{}-", std::process::id() % 100_000),
            net,
        )
    }

    /// Like [`BridgeLab::new`] with namespaces `PREFIX-NAME-PID-{o,t,s}`: for a test file
    /// given its own namespace prefix (e.g. "krf").
    pub fn prefixed(prefix: &str, name: &str, net: &str) -> BridgeLab {
        let pid = std::process::id() % 100_000;
        BridgeLab::build(format!("{prefix}-{name}-{pid}-"), net)
    }

    fn build(prefix: String, net: &str) -> BridgeLab {
        let dir = std::env::temp_dir().join(format!("{prefix}dir"));
        std::fs::create_dir_all(&dir).expect("lab directory");
        let lab = BridgeLab {
            prefix,
            dir,
            daemons: Vec::new(),
            hosts: Vec::new(),
        };
        let (o, t, s) = (lab.ns("o"), lab.ns("t"), lab.ns("s"));
        for ns in [&o, &t, &s] {
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&["-n", &s, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &s, "link", "set", "br0", "up"]);
        for (ns, port, host) in [(&o, "po", 1), (&t, "pt", 2)] {
            ip(&[
                "-n", &s, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
            ]);
            ip(&["-n", &s, "link", "set", port, "master", "br0", "up"]);
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("{net}.{host}/24"),
                "dev",
                "eth0",
            ]);
            ip(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        lab
    }

    /// Adds a host `h` (e.g. a client) on the bridge: namespace `PREFIXh` whose `eth0` has
    /// `addrs` (CIDR, IPv4 or IPv6, IPv6 without DAD). Removed with the lab.
    pub fn add_host(&mut self, h: &str, addrs: &[&str]) {
        let (ns, s) = (self.ns(h), self.ns("s"));
        ip(&["netns", "add", &ns]);
        self.hosts.push(ns.clone());
        ip(&["-n", &ns, "link", "set", "lo", "up"]);
        let port = format!("p{h}");
        ip(&[
            "-n", &s, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns,
        ]);
        ip(&["-n", &s, "link", "set", &port, "master", "br0", "up"]);
        for a in addrs {
            self.add_address(h, a);
        }
        ip(&["-n", &ns, "link", "set", "eth0", "up"]);
    }

    /// Adds `cidr` to `eth0` of router or host `r` (IPv6 without DAD).
    pub fn add_address(&self, r: &str, cidr: &str) {
        let ns = self.ns(r);
        if cidr.contains(':') {
            ip(&["-n", &ns, "addr", "add", cidr, "dev", "eth0", "nodad"]);
        } else {
            ip(&["-n", &ns, "addr", "add", cidr, "dev", "eth0"]);
        }
    }

    /// The name of router `r`'s namespace.
    pub fn ns(&self, r: &str) -> String {
        format!("{}{r}", self.prefix)
    }

    /// The lab's scratch directory (configs, logs, pid files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads `rules` (nft syntax) in router `r`'s namespace.
    pub fn nft(&self, r: &str, rules: &str) {
        let path = self.dir.join(format!("{r}.nft"));
        std::fs::write(&path, rules).expect("nft rules written");
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns(r), "nft", "-f"])
            .arg(&path)
            .output()
            .expect("nft runs");
        assert!(
            out.status.success(),
            "nft: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `binary -n -l -P -f CONF -p PID -r PID` (keepalived's flags) in router `r`'s
    /// namespace, logging to `r.log`.
    pub fn start(&mut self, r: &str, binary: &str, conf: &str) {
        self.start_with(r, binary, conf, &[]);
    }

    /// Like [`BridgeLab::start`], with `extra` arguments after keepalived's flags.
    pub fn start_with(&mut self, r: &str, binary: &str, conf: &str, extra: &[&str]) {
        let path = self.dir.join(format!("{r}.conf"));
        std::fs::write(&path, conf).expect("config written");
        let log = std::fs::File::create(self.dir.join(format!("{r}.log"))).expect("log file");
        let pid = |n: &str| format!("{}", self.dir.join(format!("{r}.{n}.pid")).display());
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(r), binary, "-n", "-l", "-P", "-f"])
            .arg(&path)
            .args(["-p", &pid("main"), "-r", &pid("vrrp")])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("daemon starts");
        self.daemons.push((r.to_owned(), child));
    }

    /// Runs `program ARGS` in router `r`'s namespace (stderr and stdout to `LOG.log` in the
    /// lab directory), stopped on drop like the daemons.
    pub fn spawn(&mut self, r: &str, log: &str, program: &str, args: &[&str]) {
        let out = std::fs::File::create(self.dir.join(format!("{log}.log"))).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(r), program])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("program starts");
        self.daemons.push((r.to_owned(), child));
    }

    /// Runs FRR's bfdd in router (or host) `r`'s namespace on `conf` (bfdd's configuration
    /// text), with a private configuration, vty socket, control socket and pid file under
    /// `frr-R/` in the lab directory; its output goes to `R.log`.
    pub fn spawn_bfdd(&mut self, r: &str, conf: &str) {
        let dir = self.dir.join(format!("frr-{r}"));
        std::fs::create_dir_all(&dir).expect("bfdd directory");
        // bfdd drops to the frr user: it must be able to write its sockets here.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod bfdd directory");
        std::fs::write(dir.join("bfdd.conf"), conf).expect("bfdd.conf");
        let d = |n: &str| dir.join(n).display().to_string();
        let args = [
            "-f".to_owned(),
            d("bfdd.conf"),
            "-i".to_owned(),
            d("bfdd.pid"),
            "--vty_socket".to_owned(),
            d(""),
            "--bfdctl".to_owned(),
            d("bfdd.sock"),
            "--log".to_owned(),
            "stdout".to_owned(),
            "-P".to_owned(),
            "0".to_owned(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.spawn(r, r, BFDD, &args);
    }

    /// The pid in router `r`'s pid file `which` ("main" for -p, "vrrp" for -r).
    pub fn pid(&self, r: &str, which: &str) -> Option<i32> {
        let text = std::fs::read_to_string(self.dir.join(format!("{r}.{which}.pid"))).ok()?;
        text.trim().parse().ok()
    }

    /// Sends `signal` (a `kill -s` name: HUP, KILL, USR1...) to the process in router `r`'s
    /// pid file `which`.
    pub fn signal(&self, r: &str, which: &str, signal: &str) {
        let pid = self
            .pid(r, which)
            .unwrap_or_else(|| panic!("no {which} pid file for {r}\n{}", self.logs()));
        let ok = Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -s {signal} {pid} failed");
    }

    /// Replaces router `r`'s configuration file (for a reload).
    pub fn rewrite(&self, r: &str, conf: &str) {
        std::fs::write(self.dir.join(format!("{r}.conf")), conf).expect("config written");
    }

    /// Sends SIGTERM to the daemon started last in router `r`.
    pub fn terminate(&self, r: &str) {
        if let Some((_, d)) = self.daemons.iter().rev().find(|(n, _)| n == r) {
            let _ = Command::new("kill").arg(d.id().to_string()).status();
        }
    }

    /// Waits up to `limit` for the daemon started last in router `r` to exit, and reaps it
    /// (a zombie would still look alive to a pid-file check); true if it exited.
    pub fn wait_exit(&mut self, r: &str, limit: Duration) -> bool {
        let Some((_, d)) = self.daemons.iter_mut().rev().find(|(n, _)| n == r) else {
            return true;
        };
        let start = Instant::now();
        while start.elapsed() < limit {
            if !matches!(d.try_wait(), Ok(None)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Whether router `r` holds `vip` on any interface (with use_vmac it is on the VMAC).
    pub fn holds(&self, r: &str, vip: &str) -> bool {
        ip(&["-n", &self.ns(r), "-o", "addr", "show"]).contains(&format!(" {vip}/"))
    }

    /// Every log and the addresses of both routers, for failure messages.
    pub fn logs(&self) -> String {
        ["o", "t"]
            .iter()
            .map(|r| {
                let path = self.dir.join(format!("{r}.log"));
                let text = std::fs::read_to_string(path).unwrap_or_default();
                // Every interface: with use_vmac the VIPs are on the VMAC.
                let addrs = Command::new("ip")
                    .args(["-n", &self.ns(r), "-o", "addr", "show"])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                format!("--- {r} ---\n{text}--- {r} addresses ---\n{addrs}")
            })
            .collect()
    }

    /// Waits up to `limit` for `cond`; panics with the logs otherwise, or as soon as `gone`
    /// says a daemon died.
    pub fn wait(
        &self,
        what: &str,
        limit: Duration,
        cond: impl Fn() -> bool,
        gone: impl Fn() -> Option<String>,
    ) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if cond() {
                return;
            }
            if let Some(why) = gone() {
                panic!("{why} while waiting for {what}\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}\n{}", self.logs());
    }

    /// Checks that `cond` holds for the whole of `span` (no flapping).
    pub fn stays(&self, what: &str, span: Duration, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while start.elapsed() < span {
            assert!(cond(), "{what} did not hold\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// An executable `NAME.sh` in the lab directory that appends its arguments, one line per
    /// call, to `NAME.log` (a notify script); returns the script's path and the log's.
    pub fn recording_script(&self, name: &str) -> (String, PathBuf) {
        let log = self.dir.join(format!("{name}.log"));
        let script = self.dir.join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display()),
        )
        .expect("recording script");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod recording script");
        (script.display().to_string(), log)
    }
}

impl Drop for BridgeLab {
    fn drop(&mut self) {
        // Only the daemons still running: a test may have stopped and reaped some.
        for (_, d) in &mut self.daemons {
            if matches!(d.try_wait(), Ok(None)) {
                let _ = Command::new("kill").arg(d.id().to_string()).status();
            }
        }
        for (_, d) in &mut self.daemons {
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(d.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = d.kill();
            let _ = d.wait();
        }
        // keepalived forks children that `ip netns exec` does not wait for.
        for pidfile in [
            "t.main.pid",
            "t.vrrp.pid",
            "o.vrrp.pid",
            "t.bfd.pid",
            "t.checkers.pid",
        ] {
            if let Ok(pid) = std::fs::read_to_string(self.dir.join(pidfile)) {
                // Best effort: most are gone already ("No such process" is not news).
                let _ = Command::new("kill")
                    .args(["-9", pid.trim()])
                    .stderr(std::process::Stdio::null())
                    .status();
            }
        }
        for r in ["o", "t", "s"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(r)])
                .status();
        }
        for ns in &self.hosts {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The receive buffers of the rtnl sockets in namespace `ns` (netlink's sock_diag lists a
/// namespace's own: the daemon's here): (subscribed to groups, rb bytes), sorted.
pub fn rtnl_buffers(ns: &str) -> Vec<(bool, u64)> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "ss", "-f", "netlink", "-m", "-e"])
        .output()
        .expect("ss");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Vec<(bool, u64)> = text
        .lines()
        .filter(|l| l.contains("rtnl:") && !l.contains("rtnl:kernel"))
        .filter_map(|l| {
            let groups = l.split("groups=0x").nth(1)?.get(..8)?;
            let rb = l.split(",rb").nth(1)?.split(',').next()?.parse().ok()?;
            Some((groups != "00000000", rb))
        })
        .collect();
    v.sort_unstable();
    v
}

/// The lines of a file written by a [`BridgeLab::recording_script`] (none if it does not exist).
pub fn recorded_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `GET path` from inside namespace `ns` (a thread that entered it) to `addr`, with `extra`
/// header lines: (status, head, body), or `None` when nothing answers yet.
pub fn http_get(ns: &str, addr: &str, path: &str, extra: &str) -> Option<(u16, String, String)> {
    let ns_file = format!("/var/run/netns/{ns}");
    let (addr, path, extra) = (addr.to_owned(), path.to_owned(), extra.to_owned());
    std::thread::spawn(move || {
        let f = std::fs::File::open(&ns_file).ok()?;
        // SAFETY: setns on this thread only, with a namespace file we hold open.
        if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return None;
        }
        let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(2)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let req =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
        s.write_all(req.as_bytes()).ok()?;
        let mut raw = String::new();
        s.read_to_string(&mut raw).ok()?;
        let (head, body) = raw.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, head.to_owned(), body.to_owned()))
    })
    .join()
    .ok()
    .flatten()
}
