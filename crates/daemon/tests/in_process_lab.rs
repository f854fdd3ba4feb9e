//! `keepalived_daemon::run_until` in-process (a thread that entered a network namespace with
//! setns) against the real keepalived 2.2.7: ours at priority 150, keepalived at 100, on one
//! bridge. Ours becomes MASTER and only ours holds the VIP; when ours' link is cut keepalived
//! takes over; when it returns ours preempts and keepalived releases. Needs root.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use keepalived_conf::{load_str, ReadOptions, SystemHost};
use tokio::sync::oneshot;

const KEEPALIVED: &str = "/usr/sbin/keepalived";

fn ip(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Our daemon's thread: the stop signal and what `run_until` returned.
type Ours = (oneshot::Sender<()>, JoinHandle<Result<(), String>>);

struct Lab {
    prefix: String,
    dir: PathBuf,
    keepalived: Option<Child>,
    ours: Option<Ours>,
}

impl Lab {
    fn ns(&self, r: &str) -> String {
        format!("{}{r}", self.prefix)
    }

    fn new(name: &str, subnet: u8) -> Lab {
        let prefix = format!("kr-daemon-{name}-{}-", std::process::id() % 100_000);
        let dir = std::env::temp_dir().join(format!("{prefix}dir"));
        std::fs::create_dir_all(&dir).unwrap();
        let lab = Lab {
            prefix,
            dir,
            keepalived: None,
            ours: None,
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
            let addr = format!("10.97.{subnet}.{host}/24");
            ip(&["-n", ns, "addr", "add", &addr, "dev", "eth0"]);
            ip(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        lab
    }

    fn start_keepalived(&mut self, conf: &str) {
        let path = self.dir.join("t.conf");
        std::fs::write(&path, conf).unwrap();
        let log = File::create(self.dir.join("t.log")).unwrap();
        let pid = |n: &str| format!("{}", self.dir.join(format!("t.{n}.pid")).display());
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns("t"), KEEPALIVED])
            .args(["-n", "-l", "-P", "-f"])
            .arg(&path)
            .args(["-p", &pid("main"), "-r", &pid("vrrp")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.keepalived = Some(child);
    }

    /// Runs our daemon in a thread that first moves itself into namespace `o`.
    fn start_ours(&mut self, conf: &str) {
        let loaded = load_str(
            conf,
            Path::new("ours.conf"),
            &ReadOptions::default(),
            &SystemHost,
        );
        let config = loaded.config;
        let netns = File::open(format!("/run/netns/{}", self.ns("o"))).unwrap();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let handle = std::thread::spawn(move || {
            // SAFETY: setns on a valid namespace fd affects only this thread.
            let rc = unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(format!("setns: {}", std::io::Error::last_os_error()));
            }
            keepalived_daemon::run_until(&config, async {
                let _ = stop_rx.await;
            })
            .map_err(|e| e.to_string())
        });
        self.ours = Some((stop_tx, handle));
    }

    fn holds(&self, router: &str, vip: &str) -> bool {
        ip(&["-n", &self.ns(router), "-o", "addr", "show"]).contains(&format!(" {vip}/"))
    }

    fn logs(&self) -> String {
        let theirs = std::fs::read_to_string(self.dir.join("t.log")).unwrap_or_default();
        let addrs = |r: &str| {
            Command::new("ip")
                .args(["-n", &self.ns(r), "-o", "addr", "show", "dev", "eth0"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        format!(
            "--- keepalived log ---\n{theirs}--- o addresses ---\n{}--- t addresses ---\n{}",
            addrs("o"),
            addrs("t")
        )
    }

    fn wait(&self, what: &str, limit: Duration, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if cond() {
                return;
            }
            if self.ours.as_ref().is_some_and(|(_, h)| h.is_finished()) {
                panic!(
                    "our daemon stopped while waiting for {what}\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}\n{}", self.logs());
    }

    fn stays(&self, what: &str, span: Duration, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while start.elapsed() < span {
            assert!(cond(), "{what} did not hold\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops our daemon the way SIGTERM does and returns what `run_until` returned.
    fn stop_ours(&mut self) -> Result<(), String> {
        let (stop, handle) = self.ours.take().expect("ours started");
        let _ = stop.send(());
        handle
            .join()
            .unwrap_or_else(|_| Err("daemon thread panicked".into()))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if self.ours.is_some() {
            let _ = self.stop_ours();
        }
        if let Some(mut d) = self.keepalived.take() {
            let _ = Command::new("kill").arg(d.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(d.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = d.kill();
            let _ = d.wait();
        }
        // keepalived forks children that `ip netns exec` does not wait for.
        for pidfile in ["t.main.pid", "t.vrrp.pid"] {
            if let Ok(pid) = std::fs::read_to_string(self.dir.join(pidfile)) {
                let _ = Command::new("kill").args(["-9", pid.trim()]).status();
            }
        }
        for r in ["o", "t", "s"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(r)])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn config(name: &str, priority: u8, subnet: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 61\n    \
         priority {priority}\n{extra}\n    virtual_ipaddress {{\n        10.97.{subnet}.100/24\n    }}\n}}\n"
    )
}

fn runnable(test: &str) -> bool {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: {test} needs root (network namespaces)");
        return false;
    }
    if !Path::new(KEEPALIVED).exists() {
        eprintln!("skipped: {test} needs {KEEPALIVED}");
        return false;
    }
    true
}

fn election_takeover_preemption(test: &str, subnet: u8, extra: &str, master_down: Duration) {
    if !runnable(test) {
        return;
    }
    let mut lab = Lab::new(test, subnet);
    let vip = format!("10.97.{subnet}.100");
    lab.start_keepalived(&config("keepalived", 100, subnet, extra));
    lab.start_ours(&config("ours", 150, subnet, extra));
    let limit = master_down * 3 + Duration::from_secs(5);
    lab.wait("ours MASTER with the VIP", limit, || {
        lab.holds("o", &vip) && !lab.holds("t", &vip)
    });
    lab.stays(
        "only ours holds the VIP",
        master_down + Duration::from_secs(1),
        || lab.holds("o", &vip) && !lab.holds("t", &vip),
    );

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait("keepalived takes over", limit, || lab.holds("t", &vip));

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait("ours preempts and keepalived releases", limit, || {
        lab.holds("o", &vip) && !lab.holds("t", &vip)
    });

    // Stopping ours (what SIGTERM does): priority-0 advert, VIP removed, keepalived takes over.
    let stopped = lab.stop_ours();
    assert_eq!(stopped, Ok(()), "{}", lab.logs());
    assert!(!lab.holds("o", &vip), "VIP left behind\n{}", lab.logs());
    lab.wait("keepalived takes over after our stop", limit, || {
        lab.holds("t", &vip)
    });
}

#[test]
fn in_process_vrrpv2_with_keepalived() {
    election_takeover_preemption("v2", 1, "    advert_int 1", Duration::from_millis(3610));
}

#[test]
fn in_process_vrrpv3_with_keepalived() {
    election_takeover_preemption(
        "v3",
        2,
        "    version 3\n    advert_int 1",
        Duration::from_millis(3610),
    );
}
