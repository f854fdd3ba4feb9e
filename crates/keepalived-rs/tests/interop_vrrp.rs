//! keepalived-rs and the real keepalived 2.2.7 in one virtual router: ours at priority 150,
//! keepalived at 100, on one bridge in network namespaces. Ours becomes MASTER and only ours
//! holds the VIP; when ours' link is cut keepalived takes over; when it returns ours preempts
//! and keepalived releases the VIP. Needs root and /usr/sbin/keepalived.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
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

struct Lab {
    prefix: String,
    dir: PathBuf,
    daemons: Vec<Child>,
}

impl Lab {
    fn ns(&self, r: &str) -> String {
        format!("{}{r}", self.prefix)
    }

    fn new(name: &str, subnet: u8) -> Lab {
        let prefix = format!("kr-iop-{name}-{}-", std::process::id() % 100_000);
        let dir = std::env::temp_dir().join(format!("{prefix}dir"));
        std::fs::create_dir_all(&dir).unwrap();
        let lab = Lab {
            prefix,
            dir,
            daemons: Vec::new(),
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
                &format!("10.98.{subnet}.{host}/24"),
                "dev",
                "eth0",
            ]);
            ip(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        lab
    }

    fn start(&mut self, router: &str, binary: &str, conf: &str) {
        let path = self.dir.join(format!("{router}.conf"));
        std::fs::write(&path, conf).unwrap();
        let log = std::fs::File::create(self.dir.join(format!("{router}.log"))).unwrap();
        let pid = |n: &str| format!("{}", self.dir.join(format!("{router}.{n}.pid")).display());
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns(router),
                binary,
                "-n",
                "-l",
                "-P",
                "-f",
            ])
            .arg(&path)
            .args(["-p", &pid("main"), "-r", &pid("vrrp")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.daemons.push(child);
    }

    fn holds(&self, router: &str, vip: &str) -> bool {
        // Any interface: with use_vmac the VIP is on the VMAC, not on eth0.
        ip(&["-n", &self.ns(router), "-o", "addr", "show"]).contains(&format!(" {vip}/"))
    }

    fn logs(&self) -> String {
        ["o", "t"]
            .iter()
            .map(|r| {
                let text =
                    std::fs::read_to_string(self.dir.join(format!("{r}.log"))).unwrap_or_default();
                let addrs = Command::new("ip")
                    .args(["-n", &self.ns(r), "-o", "addr", "show", "dev", "eth0"])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                format!("--- {r} ---\n{text}--- {r} addresses ---\n{addrs}")
            })
            .collect()
    }

    fn wait(&self, what: &str, limit: Duration, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if cond() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}\n{}", self.logs());
    }

    /// Holds `cond` for `span` (no flapping).
    fn stays(&self, what: &str, span: Duration, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while start.elapsed() < span {
            assert!(cond(), "{what} did not hold\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for d in &mut self.daemons {
            let _ = Command::new("kill").arg(d.id().to_string()).status();
        }
        for d in &mut self.daemons {
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

fn config(name: &str, priority: u8, vrid: u8, subnet: u8, host: u8, extra: &str) -> String {
    let vip = format!("10.98.{subnet}.100/24");
    config_vip(name, priority, vrid, subnet, host, extra, &vip)
}

fn config_vip(
    name: &str,
    priority: u8,
    vrid: u8,
    subnet: u8,
    host: u8,
    extra: &str,
    vip: &str,
) -> String {
    let extra = extra
        .replace("@SELF@", &format!("10.98.{subnet}.{host}"))
        .replace("@PEER@", &format!("10.98.{subnet}.{}", 3 - host));
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {priority}\n{extra}\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

fn runnable(test: &str) -> bool {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: {test} needs root (network namespaces)");
        return false;
    }
    if !Path::new(KEEPALIVED).exists() {
        eprintln!("skipped: {test} needs {KEEPALIVED} (apt-get install keepalived)");
        return false;
    }
    true
}

/// Election, takeover on link cut, and preemption back, ours vs keepalived.
fn election_takeover_preemption(
    test: &str,
    subnet: u8,
    vrid: u8,
    extra: &str,
    master_down: Duration,
) {
    let vip = format!("10.98.{subnet}.100/24");
    election_takeover_preemption_vip(test, subnet, vrid, extra, master_down, &vip);
}

fn election_takeover_preemption_vip(
    test: &str,
    subnet: u8,
    vrid: u8,
    extra: &str,
    master_down: Duration,
    vip_spec: &str,
) {
    if !runnable(test) {
        return;
    }
    let mut lab = Lab::new(test, subnet);
    let vip = vip_spec.split('/').next().unwrap_or(vip_spec).to_owned();
    let theirs = config_vip("keepalived", 100, vrid, subnet, 2, extra, vip_spec);
    lab.start("t", KEEPALIVED, &theirs);
    lab.start(
        "o",
        OURS,
        &config_vip("ours", 150, vrid, subnet, 1, extra, vip_spec),
    );
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
}

#[test]
fn vrrpv2_with_keepalived() {
    election_takeover_preemption("v2", 11, 61, "    advert_int 1", Duration::from_secs(4));
}

#[test]
fn vrrpv3_advert_int_half_second_with_keepalived() {
    election_takeover_preemption(
        "v3",
        12,
        62,
        "    version 3\n    advert_int 0.5",
        Duration::from_secs(2),
    );
}

#[test]
fn vrrpv3_ipv6_with_keepalived() {
    election_takeover_preemption_vip(
        "v6",
        17,
        67,
        "    version 3\n    advert_int 1",
        Duration::from_secs(4),
        "fd98:17::100/64",
    );
}

#[test]
fn vrrpv2_use_vmac_with_keepalived() {
    election_takeover_preemption(
        "vmac",
        18,
        68,
        "    advert_int 1\n    use_vmac",
        Duration::from_secs(4),
    );
}

#[test]
fn vrrpv2_pass_authentication_with_keepalived() {
    election_takeover_preemption(
        "pass",
        13,
        63,
        "    advert_int 1\n    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }",
        Duration::from_secs(4),
    );
}

#[test]
fn vrrpv2_ah_authentication_with_keepalived() {
    election_takeover_preemption(
        "ah",
        14,
        64,
        "    advert_int 1\n    authentication {\n        auth_type AH\n        auth_pass s3cret\n    }",
        Duration::from_secs(4),
    );
}

#[test]
fn vrrpv2_unicast_with_keepalived() {
    election_takeover_preemption(
        "uni",
        15,
        65,
        "    advert_int 1\n    unicast_src_ip @SELF@\n    unicast_peer {\n        @PEER@\n    }",
        Duration::from_secs(4),
    );
}

/// Hundreds of malformed or invalid adverts (garbage, truncated, bad checksum, wrong TTL,
/// version, type, auth, address-count lies, all claiming priority 254) leave ours MASTER with no
/// VIP gap; a valid higher-priority advert (keepalived at 200) makes ours release the VIP within
/// one advert interval; when keepalived stops, ours takes the VIP back.
#[test]
fn bad_adverts_do_not_move_the_vip_but_a_valid_higher_priority_one_does() {
    let test = "bad";
    if !runnable(test) {
        return;
    }
    let sender = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/labs/send-bad-adverts.py");
    let (subnet, vrid) = (16, 66);
    let mut lab = Lab::new(test, subnet);
    let vip = format!("10.98.{subnet}.100");
    lab.start(
        "o",
        OURS,
        &config("ours", 150, vrid, subnet, 1, "    advert_int 1"),
    );
    lab.wait("ours MASTER", Duration::from_secs(10), || {
        lab.holds("o", &vip)
    });

    let ns = lab.ns("t");
    let flood = std::thread::spawn(move || {
        let mut sent = 0;
        for _ in 0..20 {
            let ok = Command::new("ip")
                .args(["netns", "exec", &ns, "python3"])
                .arg(&sender)
                .args([
                    &format!("10.98.{subnet}.2"),
                    &vrid.to_string(),
                    &format!("10.98.{subnet}.100"),
                    "60",
                ])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "the bad-advert sender failed");
            sent += 60;
            std::thread::sleep(Duration::from_millis(200));
        }
        sent
    });
    lab.stays(
        "ours keeps the VIP under a flood of bad adverts",
        Duration::from_secs(5),
        || lab.holds("o", &vip),
    );
    let sent = flood.join().expect("flood thread");
    assert!(sent >= 1200);

    lab.start(
        "t",
        KEEPALIVED,
        &config("keepalived", 200, vrid, subnet, 2, "    advert_int 1"),
    );
    lab.wait(
        "keepalived (200) takes the VIP",
        Duration::from_secs(10),
        || lab.holds("t", &vip),
    );
    lab.wait(
        "ours releases within one advert interval",
        Duration::from_millis(1200),
        || !lab.holds("o", &vip),
    );

    let keepalived = lab.daemons.pop().expect("keepalived runs");
    let _ = Command::new("kill")
        .arg(keepalived.id().to_string())
        .status();
    lab.daemons.push(keepalived);
    lab.wait("ours takes the VIP back", Duration::from_secs(6), || {
        lab.holds("o", &vip)
    });
}
