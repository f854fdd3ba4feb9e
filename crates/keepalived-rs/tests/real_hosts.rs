//! Real host conditions, ours (router `o`) beside keepalived 2.2.7 (router `t`) on one bridge:
//! a link down or an interface missing or without an address at start, an interface deleted
//! and created again, a VIP removed by someone else, unicast without `unicast_src_ip`,
//! use_vmac on both sides, a reload with an unknown keyword. In each case ours ends where
//! keepalived ends (checked beside it by hand with the same timeline; the differential suite
//! in scenarios.rs compares them systematically). Needs root and /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
/// Master_Down_Interval at advert_int 1 is ~3.6 s: give every election three of them.
const ELECTION: Duration = Duration::from_secs(12);

/// One instance VI_1 (VRID `vrid`) on `iface` with the VIP `vip`, plus `extra` lines.
fn config(name: &str, priority: u8, vrid: u8, iface: &str, vip: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n    dynamic_interfaces\n}}\n\
         vrrp_instance VI_1 {{\n    interface {iface}\n    virtual_router_id {vrid}\n    \
         priority {priority}\n    advert_int 1\n{extra}\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

fn lab(name: &str, net: &str) -> Option<BridgeLab> {
    runnable(name).then(|| BridgeLab::new("rh", name, net))
}

/// keepalived (100) on `t`'s eth0 and ours (150) on `o`'s `iface`, VRID `vrid`, VIP `spec`.
fn start_pair(lab: &mut BridgeLab, vrid: u8, iface: &str, spec: &str) {
    lab.start("t", KEEPALIVED, &config("ka", 100, vrid, "eth0", spec, ""));
    lab.start("o", OURS, &config("ours", 150, vrid, iface, spec, ""));
}

/// A new veth `ifname` (address `addr`) in router `o`, its peer `port` on the bridge.
fn plug(lab: &BridgeLab, port: &str, ifname: &str, addr: &str) {
    let (o, s) = (lab.ns("o"), lab.ns("s"));
    ip(&[
        "-n", &s, "link", "add", port, "type", "veth", "peer", "name", ifname, "netns", &o,
    ]);
    ip(&["-n", &s, "link", "set", port, "master", "br0", "up"]);
    ip(&["-n", &o, "addr", "add", addr, "dev", ifname]);
    ip(&["-n", &o, "link", "set", ifname, "up"]);
}

/// Ours MASTER (150) against keepalived (100), both holding only what they should.
fn ours_becomes_master(lab: &BridgeLab, vip: &str, what: &str) {
    lab.wait(
        what,
        ELECTION,
        || lab.holds("o", vip) && !lab.holds("t", vip),
        || None,
    );
}

#[test]
fn a_link_down_at_start_is_fault_until_it_comes_up() {
    let Some(mut lab) = lab("linkdown", "10.70.1") else {
        return;
    };
    let vip = "10.70.1.100";
    ip(&["-n", &lab.ns("s"), "link", "set", "po", "down"]);
    start_pair(&mut lab, 61, "eth0", "10.70.1.100/24");
    lab.wait(
        "keepalived MASTER",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    lab.stays(
        "ours keeps no VIP on a dead link",
        Duration::from_secs(2),
        || !lab.holds("o", vip),
    );
    ip(&["-n", &lab.ns("s"), "link", "set", "po", "up"]);
    ours_becomes_master(&lab, vip, "ours MASTER once its link is up");
}

#[test]
fn an_interface_missing_at_start_starts_its_instance_when_it_appears() {
    let Some(mut lab) = lab("missing", "10.70.2") else {
        return;
    };
    let vip = "10.70.2.100";
    start_pair(&mut lab, 62, "eth1", "10.70.2.100/24");
    lab.wait(
        "keepalived MASTER",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    plug(&lab, "po1", "eth1", "10.70.2.11/24");
    ours_becomes_master(&lab, vip, "ours MASTER on the new interface");
}

#[test]
fn an_interface_deleted_and_created_again_recovers() {
    let Some(mut lab) = lab("recreate", "10.70.3") else {
        return;
    };
    let vip = "10.70.3.100";
    start_pair(&mut lab, 63, "eth0", "10.70.3.100/24");
    ours_becomes_master(&lab, vip, "ours MASTER");
    ip(&["-n", &lab.ns("s"), "link", "del", "po"]);
    lab.wait(
        "keepalived takes over",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    plug(&lab, "po", "eth0", "10.70.3.1/24");
    ours_becomes_master(&lab, vip, "ours MASTER again on the new eth0");
}

#[test]
fn no_address_at_start_waits_for_one() {
    let Some(mut lab) = lab("noaddr", "10.70.4") else {
        return;
    };
    let vip = "10.70.4.100";
    let o = lab.ns("o");
    ip(&["-n", &o, "addr", "flush", "dev", "eth0"]);
    start_pair(&mut lab, 64, "eth0", "10.70.4.100/24");
    lab.wait(
        "keepalived MASTER",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    lab.stays(
        "ours does not take over from 0.0.0.0",
        Duration::from_secs(2),
        || !lab.holds("o", vip),
    );
    ip(&["-n", &o, "addr", "add", "10.70.4.1/24", "dev", "eth0"]);
    ours_becomes_master(&lab, vip, "ours MASTER once it has an address");
}

#[test]
fn a_vip_removed_by_someone_else_is_put_back() {
    let Some(mut lab) = lab("vipdel", "10.70.5") else {
        return;
    };
    let vip = "10.70.5.100";
    start_pair(&mut lab, 65, "eth0", "10.70.5.100/24");
    ours_becomes_master(&lab, vip, "ours MASTER");
    ip(&[
        "-n",
        &lab.ns("o"),
        "addr",
        "del",
        "10.70.5.100/24",
        "dev",
        "eth0",
    ]);
    ours_becomes_master(&lab, vip, "ours puts the VIP back");
    assert!(
        lab.logs().contains("was removed from the interface"),
        "{}",
        lab.logs()
    );
}

/// Ours at 100 as BACKUP beside keepalived at 150: ours must hear keepalived's adverts and
/// never hold the VIP.
fn ours_stays_backup(test: &str, net: &str, vrid: u8, vip: &str, extra_o: &str, extra_t: &str) {
    let Some(mut lab) = lab(test, net) else {
        return;
    };
    let cidr = if vip.contains(':') { "/64" } else { "/24" };
    let spec = format!("{vip}{cidr}");
    lab.start(
        "t",
        KEEPALIVED,
        &config("ka", 150, vrid, "eth0", &spec, extra_t),
    );
    lab.start(
        "o",
        OURS,
        &config("ours", 100, vrid, "eth0", &spec, extra_o),
    );
    lab.wait(
        "keepalived MASTER",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    lab.stays(
        "ours stays BACKUP (it hears the MASTER)",
        Duration::from_secs(6),
        || !lab.holds("o", vip) && lab.holds("t", vip),
    );
}

#[test]
fn unicast_without_unicast_src_ip_hears_the_master() {
    ours_stays_backup(
        "unicast",
        "10.70.6",
        66,
        "10.70.6.100",
        "    unicast_peer {\n        10.70.6.2\n    }",
        "    unicast_peer {\n        10.70.6.1\n    }",
    );
}

#[test]
fn use_vmac_backup_hears_a_vmac_master() {
    ours_stays_backup(
        "vmac4",
        "10.70.7",
        67,
        "10.70.7.100",
        "use_vmac",
        "use_vmac",
    );
}

#[test]
fn use_vmac_v3_ipv6_backup_hears_a_vmac_master() {
    let v3 = "    version 3\n    use_vmac";
    ours_stays_backup("vmac6", "10.70.8", 68, "fd70:8::100", v3, v3);
}

#[test]
fn a_reload_with_an_unknown_keyword_is_applied() {
    let Some(mut lab) = lab("reloadkw", "10.70.9") else {
        return;
    };
    let (a, b) = ("10.70.9.100", "10.70.9.101");
    let one = "10.70.9.100/24";
    let both = "10.70.9.100/24\n        10.70.9.101/24";
    lab.start("t", KEEPALIVED, &config("ka", 100, 69, "eth0", both, ""));
    lab.start("o", OURS, &config("ours", 150, 69, "eth0", one, ""));
    ours_becomes_master(&lab, a, "ours MASTER");
    lab.rewrite(
        "o",
        &config("ours", 150, 69, "eth0", both, "    no_such_keyword 1"),
    );
    lab.signal("o", "main", "HUP");
    lab.wait(
        "the reload adds the second VIP",
        ELECTION,
        || lab.holds("o", b),
        || None,
    );
}

#[test]
fn a_static_address_removed_by_someone_else_is_reinstated() {
    let Some(mut lab) = lab("static", "10.70.10") else {
        return;
    };
    let statics = "static_ipaddress {\n    10.70.10.50/24 dev eth0\n}\n";
    let conf = config("ours", 150, 70, "eth0", "10.70.10.100/24", "");
    lab.start("o", OURS, &format!("{statics}{conf}"));
    lab.wait(
        "the static address",
        ELECTION,
        || lab.holds("o", "10.70.10.50"),
        || None,
    );
    ip(&[
        "-n",
        &lab.ns("o"),
        "addr",
        "del",
        "10.70.10.50/24",
        "dev",
        "eth0",
    ]);
    lab.wait(
        "the static address is back",
        ELECTION,
        || lab.holds("o", "10.70.10.50"),
        || None,
    );
}

#[test]
fn vrrp_mcast_group4_backup_hears_keepalived_on_that_group() {
    let Some(mut lab) = lab("mcgroup", "10.70.11") else {
        return;
    };
    let vip = "10.70.11.100";
    let with_group = |c: String| {
        c.replace(
            "dynamic_interfaces\n",
            "dynamic_interfaces\n    vrrp_mcast_group4 224.0.0.99\n",
        )
    };
    let spec = "10.70.11.100/24";
    lab.start(
        "t",
        KEEPALIVED,
        &with_group(config("ka", 150, 71, "eth0", spec, "")),
    );
    lab.start(
        "o",
        OURS,
        &with_group(config("ours", 100, 71, "eth0", spec, "")),
    );
    lab.wait(
        "keepalived MASTER",
        ELECTION,
        || lab.holds("t", vip),
        || None,
    );
    lab.stays("ours stays BACKUP", Duration::from_secs(6), || {
        !lab.holds("o", vip) && lab.holds("t", vip)
    });
}

#[test]
fn mcast_dst_ip_master_is_heard_by_keepalived() {
    let Some(mut lab) = lab("mcdst", "10.70.12") else {
        return;
    };
    let extra = "    mcast_dst_ip 224.0.0.99";
    let spec = "10.70.12.100/24";
    lab.start("t", KEEPALIVED, &config("ka", 100, 72, "eth0", spec, extra));
    lab.start("o", OURS, &config("ours", 150, 72, "eth0", spec, extra));
    ours_becomes_master(&lab, "10.70.12.100", "ours MASTER");
    lab.stays("keepalived stays BACKUP", Duration::from_secs(6), || {
        lab.holds("o", "10.70.12.100") && !lab.holds("t", "10.70.12.100")
    });
}
