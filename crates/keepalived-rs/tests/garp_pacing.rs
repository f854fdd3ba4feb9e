//! `vrrp_garp_interval`: the gratuitous ARPs of a takeover burst leave one interval apart
//! on the wire, and the burst's repeats coalesce while addresses wait, as keepalived 2.2.7
//! does: ours and keepalived each become MASTER alone on the same config, tcpdump on the
//! peer counts the frames and their gaps. Needs root, keepalived and tcpdump.

use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const VIPS: u8 = 20;
const INTERVAL: f64 = 0.05;

fn config(net: &str) -> String {
    let vips: String = (101..101 + VIPS)
        .map(|i| format!("        {net}.{i}/24\n"))
        .collect();
    format!(
        "global_defs {{\n    router_id pacing\n    vrrp_garp_interval {INTERVAL}\n    \
         vrrp_garp_master_delay 0\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 80\n    priority 150\n    \
         advert_int 1\n    virtual_ipaddress {{\n{vips}    }}\n}}\n"
    )
}

/// The arrival times of the gratuitous ARPs `binary` sends when it becomes MASTER.
fn garp_times(binary: &str, name: &str, net: &str) -> Vec<f64> {
    let mut lab = BridgeLab::new("garp", name, net);
    let pcap = lab.dir().join("garp.pcap");
    let mut dump = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns("t"),
            "tcpdump",
            "-i",
            "eth0",
            "-nn",
            "-U",
            "-w",
        ])
        .arg(&pcap)
        .arg("arp")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump runs");
    std::thread::sleep(Duration::from_millis(500));
    lab.start("o", binary, &config(net));
    let first = format!("{net}.101");
    lab.wait(
        "MASTER",
        Duration::from_secs(30),
        || lab.holds("o", &first),
        || None,
    );
    // One burst: 21 frames at 0.05 s, with room to spare.
    std::thread::sleep(Duration::from_secs(4));
    let _ = Command::new("kill").arg(dump.id().to_string()).status();
    let _ = dump.wait();
    let out = Command::new("tcpdump")
        .args(["-nn", "-tt", "-r"])
        .arg(&pcap)
        .output()
        .expect("tcpdump reads");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("who-has"))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

fn gaps(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn vrrp_garp_interval_spaces_a_burst_as_keepalived_does() {
    if !runnable("garp_pacing") {
        return;
    }
    if Command::new("tcpdump").arg("--version").output().is_err() {
        eprintln!("skipped: garp_pacing needs tcpdump");
        return;
    }
    let theirs = garp_times(KEEPALIVED, "ka", "10.70.20");
    let ours = garp_times(OURS, "ours", "10.70.21");
    eprintln!("keepalived gaps {:?}", gaps(&theirs));
    eprintln!("ours gaps {:?}", gaps(&ours));
    assert!(
        theirs.len() > usize::from(VIPS),
        "keepalived sent {theirs:?}"
    );
    assert_eq!(
        ours.len(),
        theirs.len(),
        "frames: ours {ours:?}, keepalived {theirs:?}"
    );
    for g in gaps(&ours) {
        assert!(g >= INTERVAL * 0.9, "a gap of {g} s is below the interval");
    }
}
