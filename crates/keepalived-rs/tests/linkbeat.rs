//! `linkbeat_interfaces` / `linkbeat_use_polling` beside keepalived 2.2.7: the instance's
//! interface is polled (ETHTOOL_GLINK on a veth, which has no MII registers) instead of
//! followed through netlink. Each case runs keepalived in one lab and ours in another (in
//! parallel) and compares the notify lines and the linkbeat log lines. Needs root and
//! /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{ip, recorded_lines, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn instance_conf(priority: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id r{priority}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 72\n    \
         priority {priority}\n    advert_int 1\n{extra}\n    virtual_ipaddress {{\n        \
         NET.100/24\n    }}\n}}\n"
    )
}

/// The log lines about linkbeat and delayed link changes (without keepalived's time stamp).
fn linkbeat_log_lines(lab: &BridgeLab) -> Vec<String> {
    let text = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.contains("deprecated"))
        .filter(|l| {
            ["inkbeat", "NIC polling", "flags change", "Delay timer"]
                .iter()
                .any(|w| l.contains(w))
        })
        .map(|l| match l.find("Linkbeat").or_else(|| l.find("Using ")) {
            Some(at) => l[at..].to_owned(),
            None => l.split_once(": ").map_or(l, |x| x.1).to_owned(),
        })
        .collect()
}

/// Router `o` runs `binary` with `o_conf`, `t` keepalived with `t_conf`; `o`'s carrier is cut
/// (its switch port down) until `t` takes over, then restored until `o` is MASTER again.
/// Returns `o`'s notify lines and linkbeat log lines.
fn carrier_cut(name: &str, net: &str, binary: &str, o_conf: &str) -> (Vec<String>, Vec<String>) {
    let mut lab = BridgeLab::prefixed("kvl", name, net);
    let (script, log) = lab.recording_script("notify");
    lab.start("t", KEEPALIVED, &instance_conf(100, "").replace("NET", net));
    lab.start(
        "o",
        binary,
        &o_conf.replace("NET", net).replace("NOTIFY", &script),
    );
    let vip = format!("{net}.100");
    let s = lab.ns("s");
    let o_master = || lab.holds("o", &vip) && !lab.holds("t", &vip);
    lab.wait("o MASTER", Duration::from_secs(12), o_master, || None);
    ip(&["-n", &s, "link", "set", "po", "down"]);
    lab.wait(
        "t takes over",
        Duration::from_secs(12),
        || lab.holds("t", &vip),
        || None,
    );
    lab.wait(
        "o FAULT",
        Duration::from_secs(5),
        || recorded_lines(&log).iter().any(|l| l.contains("FAULT")),
        || None,
    );
    ip(&["-n", &s, "link", "set", "po", "up"]);
    lab.wait("o MASTER again", Duration::from_secs(12), o_master, || None);
    std::thread::sleep(Duration::from_millis(500));
    (recorded_lines(&log), linkbeat_log_lines(&lab))
}

/// Runs `o_conf` with keepalived and with ours (parallel labs `net`.1 and `net`.2 of
/// 10.234.`net`.0/24 and the next) through [`carrier_cut`]; both must agree.
fn beside_keepalived(name: &str, net: u8, o_conf: &str) -> (Vec<String>, Vec<String>) {
    let ((ka, ka_log), (ours, ours_log)) = std::thread::scope(|s| {
        let kn = format!("10.234.{net}");
        let on = format!("10.234.{}", net + 1);
        let ka = s.spawn(move || carrier_cut(&format!("{name}k"), &kn, KEEPALIVED, o_conf));
        let ours = s.spawn(move || carrier_cut(&format!("{name}o"), &on, OURS, o_conf));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(ours, ka, "notify lines of o: ours vs keepalived");
    assert_eq!(ours_log, ka_log, "linkbeat log lines: ours vs keepalived");
    assert_eq!(
        ka.iter().filter(|l| l.contains("FAULT")).count(),
        1,
        "{ka:?}"
    );
    assert!(
        ka_log.iter().any(|l| l == "Linkbeat reports eth0 down"),
        "{ka_log:?}"
    );
    (ka, ka_log)
}

/// `linkbeat_interfaces { eth0 MII; lo }` with `interface_up_down_delays { eth0 5 }`:
/// keepalived polls eth0 by ETHTOOL ("Configured linkbeat type MII not supported, using
/// ETHTOOL": a veth has no MII registers), turns lo off ("not used for tracking"), ignores
/// netlink's down (no 5 s delay is started: that is netlink's path), logs "Linkbeat reports
/// eth0 down" and goes FAULT, then MASTER again once the carrier is back. Ours the same.
#[test]
fn linkbeat_interfaces_poll_the_carrier_as_keepalived() {
    if !runnable("linkbeat_interfaces_poll_the_carrier_as_keepalived") {
        return;
    }
    let o = format!(
        "linkbeat_interfaces {{\n    eth0 MII\n    lo\n}}\n\
         interface_up_down_delays {{\n    eth0 5\n}}\n{}",
        instance_conf(150, "    notify NOTIFY")
    );
    let (_, log) = beside_keepalived("lb", 1, &o);
    for l in [
        "Turning off linkbeat for lo since not used for tracking",
        "(eth0): Configured linkbeat type MII not supported, using ETHTOOL",
    ] {
        assert!(log.iter().any(|g| g == l), "{l}: {log:?}");
    }
    assert!(!log.iter().any(|l| l.contains("flags change")), "{log:?}");
}

/// Root `linkbeat_use_polling`: every instance's interface is polled.
#[test]
fn linkbeat_use_polling_polls_the_instance_interface_as_keepalived() {
    if !runnable("linkbeat_use_polling_polls_the_instance_interface_as_keepalived") {
        return;
    }
    let o = format!(
        "linkbeat_use_polling\n{}",
        instance_conf(150, "    notify NOTIFY")
    );
    beside_keepalived("lp", 3, &o);
}

/// The (deprecated) instance `linkbeat_use_polling`: that instance's interface is polled.
#[test]
fn instance_linkbeat_use_polling_polls_as_keepalived() {
    if !runnable("instance_linkbeat_use_polling_polls_as_keepalived") {
        return;
    }
    let o = instance_conf(150, "    notify NOTIFY\n    linkbeat_use_polling");
    beside_keepalived("li", 5, &o);
}
