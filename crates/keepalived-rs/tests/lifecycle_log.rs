//! What a log watcher sees of a start and a stop, beside keepalived 2.2.7: the parent's
//! "Starting ...", "Configuration file ...", "Starting VRRP child process, pid=N", "Startup
//! complete", "Stopping", each child's "Stopped" and the parent's "Stopped Keepalived ...",
//! and the instances' first states: "(VI_1) Entering BACKUP STATE (init)" and, for an
//! instance whose interface is down at start, "(VI_2): entering FAULT state (interface eth1
//! down)" then "(VI_2) entering FAULT state". Ours was silent on the lifecycle and logged
//! "Entering FAULT STATE" / "Entering STOP STATE" instead.

use std::process::Command;

use keepalived_labs::{ip, runnable, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

const CONF: &str = "global_defs {\n router_id lc\n}\n\
vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 100\n \
advert_int 1\n virtual_ipaddress {\n  10.96.64.100/24\n }\n}\n\
vrrp_instance VI_2 {\n state BACKUP\n interface eth1\n virtual_router_id 52\n priority 100\n \
advert_int 1\n virtual_ipaddress {\n  10.96.65.100/24\n }\n}\n";

/// The lines of `binary`'s run (4 s, then SIGTERM) that keepalived and ours share, without
/// timestamps, idents, pids and version strings, sorted (the parent's and the child's
/// lines interleave differently from run to run).
fn lifecycle(binary: &str, tag: &str) -> Vec<String> {
    let ns = format!("kr-lc{tag}-{}", std::process::id() % 100_000);
    let dir = std::env::temp_dir().join(&ns);
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(&conf, CONF).unwrap();
    ip(&["netns", "add", &ns]);
    for args in [
        "link set lo up",
        "link add eth0 type veth peer name p0",
        "link add eth1 type veth peer name p1",
        "addr add 10.96.64.1/24 dev eth0",
        "addr add 10.96.65.1/24 dev eth1",
        "link set eth0 up",
        "link set p0 up",
        // eth1 up, its peer down: no carrier, as a cable out at boot.
        "link set eth1 up",
    ] {
        let mut a = vec!["-n", &ns];
        a.extend(args.split(' '));
        ip(&a);
    }
    let pid = |n: &str| dir.join(n).display().to_string();
    let out = Command::new("timeout")
        .args(["-s", "TERM", "4", "ip", "netns", "exec", &ns, binary])
        .args(["-n", "-l", "-P", "-f"])
        .arg(&conf)
        .args([
            "-p",
            &pid("m"),
            "-r",
            &pid("v"),
            "-c",
            &pid("c"),
            "-b",
            &pid("b"),
        ])
        .output()
        .expect("runs");
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    let _ = std::fs::remove_dir_all(&dir);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let shared = [
        "Starting ",
        "Configuration file ",
        "Startup complete",
        "Stopping",
        "Stopped",
        "(VI_",
    ];
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            // keepalived -l: "Thu Dec  3 20:25:50 2026: line"; ours: "Keepalived_vrrp[N]: line".
            let l = l.split_once("2026: ").map_or(l, |(_, r)| r);
            let l = l.split_once("]: ").map_or(l, |(_, r)| r);
            l.to_owned()
        })
        .filter(|l| shared.iter().any(|s| l.starts_with(s)))
        .filter(|l| !l.starts_with("Starting VRRP with"))
        // VI_1's takeover after 3 s may or may not fall in the 4 s on a loaded host.
        .filter(|l| !l.ends_with("Entering MASTER STATE"))
        .map(|l| {
            let l = l.replace(", keepalived-rs v0.1.0", "");
            let l = l.replace(&dir.display().to_string(), "DIR");
            match l.split_once("pid=") {
                Some((a, _)) => format!("{a}pid=N"),
                None => l,
            }
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn start_and_stop_are_logged_as_keepalived_logs_them() {
    if !runnable("lifecycle_log") {
        return;
    }
    let theirs = lifecycle(KEEPALIVED, "k");
    let ours = lifecycle(OURS, "o");
    assert!(
        theirs.contains(&"(VI_1) Entering BACKUP STATE (init)".to_owned()),
        "{theirs:#?}"
    );
    assert_eq!(ours, theirs);
}
