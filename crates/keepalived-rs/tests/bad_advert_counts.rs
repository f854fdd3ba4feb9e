//! The same flood of malformed adverts (tests/labs/send-bad-adverts.py with a fixed seed: bad
//! length, checksum, TTL, version, type, auth type, address count, address list, garbage) sent
//! to keepalived 2.2.7 and to ours, each MASTER alone in its lab: the receive and error counters
//! of their /tmp/keepalived.stats (SIGUSR2) are the same. Needs root, python3 and
//! /usr/sbin/keepalived.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const VRID: u8 = 73;
/// Two of each of the sender's 12 kinds per burst; bursts 100 ms apart so that neither
/// daemon's socket buffer overflows (keepalived drops a few of a single 260-packet burst).
const BURST: usize = 12 * 2;
const BURSTS: usize = 10;

fn config(subnet: u8) -> String {
    format!(
        "global_defs {{\n    router_id counts\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {VRID}\n    \
         priority 150\n    advert_int 1\n    virtual_ipaddress {{\n        \
         10.73.{subnet}.100/24\n    }}\n}}\n"
    )
}

/// The stats lines that depend on what was received (not on how long the daemon ran).
fn receive_counts(stats: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section = "";
    for line in stats.lines() {
        let t = line.trim();
        if t.ends_with(':') {
            section = if t == "Advertisements:" || t == "Priority Zero:" {
                "sent-in-here"
            } else {
                ""
            };
            out.push(t.to_owned());
            continue;
        }
        if section == "sent-in-here" && t.starts_with("Sent:") {
            continue;
        }
        if t.starts_with("Became master") || t.starts_with("Released master") {
            continue;
        }
        out.push(t.to_owned());
    }
    out
}

fn flood_and_dump(binary: &str, name: &str, subnet: u8) -> Option<String> {
    let sender = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/labs/send-bad-adverts.py");
    let mut lab = BridgeLab::new("rt", name, &format!("10.73.{subnet}"));
    let vip = format!("10.73.{subnet}.100");
    lab.start("o", binary, &config(subnet));
    lab.wait(
        &format!("{name} MASTER"),
        // Generous: a loaded CI machine (3.6 s of Master_Down plus slow `ip` calls).
        Duration::from_secs(30),
        || lab.holds("o", &vip),
        || None,
    );
    for burst in 0..BURSTS {
        let ok = Command::new("ip")
            .args(["netns", "exec", &lab.ns("t"), "python3"])
            .arg(&sender)
            .args([
                &format!("10.73.{subnet}.2"),
                &VRID.to_string(),
                &vip,
                &BURST.to_string(),
            ])
            .env("BAD_ADVERT_SEED", burst.to_string())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "the bad-advert sender failed");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("o", "main", "USR2");
    let path = "/tmp/keepalived.stats";
    lab.wait(
        &format!("{name}: {path} written"),
        Duration::from_secs(15),
        || {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
                && std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
        },
        || None,
    );
    // Let the writer finish.
    std::thread::sleep(Duration::from_millis(200));
    std::fs::read_to_string(path).ok()
}

#[test]
fn malformed_flood_counts_like_keepalived() {
    if !runnable("bad_advert_counts") {
        return;
    }
    if Command::new("python3").arg("-V").output().is_err() {
        eprintln!("skipped: needs python3");
        return;
    }
    let theirs = flood_and_dump(KEEPALIVED, "cnt-k", 1).expect("keepalived's stats");
    let ours = flood_and_dump(OURS, "cnt-o", 2).expect("our stats");
    assert!(
        theirs.contains("VRRP Instance: VI_1"),
        "keepalived's stats:\n{theirs}"
    );
    assert_eq!(
        receive_counts(&ours),
        receive_counts(&theirs),
        "ours:\n{ours}\nkeepalived:\n{theirs}"
    );
}

/// The raw receive queue and drops of the namespace of `pid` (`/proc/PID/net/raw`), summed.
fn raw_queue_and_drops(pid: i32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/raw")).unwrap_or_default();
    text.lines().skip(1).fold((0, 0), |(q, d), line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let queue = f
            .get(4)
            .and_then(|x| x.split(':').nth(1))
            .and_then(|x| u64::from_str_radix(x, 16).ok())
            .unwrap_or(0);
        let drops = f.last().and_then(|x| x.parse().ok()).unwrap_or(0);
        (q + queue, d + drops)
    })
}

/// Ours BACKUP of VRID 10 (`extra_global` in global_defs), its VRRP child stopped, then
/// 0.5 s of tests/labs/flood.py from the other router (VRRPv2 adverts of VRIDs 200-250 to
/// 224.0.0.18, and mDNS/SSDP multicast): what the child's receive queues hold before it
/// reads anything, and the log once it is resumed.
fn foreign_flood(name: &str, subnet: u8, extra_global: &str) -> ((u64, u64), String) {
    let flood = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/labs/flood.py");
    let mut lab = BridgeLab::new("ff", name, &format!("10.86.{subnet}"));
    let conf = format!(
        "global_defs {{\n    router_id foreign\n{extra_global}}}\n\
         vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    \
         virtual_router_id 10\n    priority 100\n    advert_int 1\n    \
         virtual_ipaddress {{\n        10.86.{subnet}.100/24\n    }}\n}}\n"
    );
    lab.start("o", OURS, &conf);
    let log = lab.dir().join("o.log");
    let logged = |what: &str| std::fs::read_to_string(&log).is_ok_and(|l| l.contains(what));
    lab.wait(
        &format!("{name}: BACKUP"),
        Duration::from_secs(30),
        || logged("Entering BACKUP STATE"),
        || None,
    );
    let child = lab.pid("o", "vrrp").expect("VRRP child pid");
    lab.signal("o", "vrrp", "STOP");
    // The sender's multicast needs a route in its namespace.
    keepalived_labs::ip(&[
        "-n",
        &lab.ns("t"),
        "route",
        "add",
        "224.0.0.0/4",
        "dev",
        "eth0",
    ]);
    let ok = Command::new("ip")
        .args(["netns", "exec", &lab.ns("t"), "python3"])
        .arg(&flood)
        .args(["0.5", "200", "250"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "flood.py failed");
    let queued = raw_queue_and_drops(child);
    lab.signal("o", "vrrp", "CONT");
    std::thread::sleep(Duration::from_millis(500));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    (queued, text)
}

/// A flood of adverts for VRIDs no instance serves is dropped by the receive socket's BPF
/// filter: with the VRRP child stopped nothing is queued for it and nothing is dropped for a
/// full buffer (keepalived reads and discards each one, uncounted). With
/// `log_unknown_vrids` there is no filter, so the same flood is queued, read and logged as
/// keepalived logs it.
#[test]
fn a_foreign_vrid_flood_never_reaches_the_vrrp_child() {
    if !runnable("a_foreign_vrid_flood_never_reaches_the_vrrp_child") {
        return;
    }
    if Command::new("python3").arg("-V").output().is_err() {
        eprintln!("skipped: needs python3");
        return;
    }
    let filtered = std::thread::spawn(|| foreign_flood("flt", 1, ""));
    let ((queue, drops), llog) = foreign_flood("log", 2, "    log_unknown_vrids\n");
    let ((fqueue, fdrops), flog) = filtered.join().expect("filtered lab");
    assert_eq!(
        (fqueue, fdrops),
        (0, 0),
        "foreign adverts reached the socket\n{flog}"
    );
    assert!(
        queue > 0,
        "with log_unknown_vrids the flood is queued (queue {queue}, drops {drops})"
    );
    assert!(
        llog.contains("received on interface(eth0). ignoring...")
            && llog.contains("Unknown VRID(2"),
        "keepalived's log_unknown_vrids line:\n{llog}"
    );
    assert!(!flog.contains("Unknown VRID"), "{flog}");
}
