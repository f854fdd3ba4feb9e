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
        Duration::from_secs(10),
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
        Duration::from_secs(5),
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
