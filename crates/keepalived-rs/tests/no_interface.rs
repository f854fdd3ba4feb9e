//! A unicast instance without `interface` (keepalived 2.2.8+, issue 13) beside the real
//! keepalived 2.2.7, which needs the `interface` line (its issue #2270: 2.2.7 refuses every
//! instance without one). Ours: no `interface`, `unicast_src_ip`, the VIP with its `dev`.
//! Ours at 150 is MASTER alone (keepalived hears its adverts); ours stopped, keepalived takes
//! over; ours back at 50 stays BACKUP (it hears keepalived); keepalived stopped, ours takes
//! over; a reload keeps it MASTER; the VIP's `dev` down is FAULT, up again MASTER. The data
//! dump says "Interface = not configured". IPv6 too. Needs root and /usr/sbin/keepalived.
//! Namespaces kvi-*, 10.232.1.0/24 and 10.232.6.0/24 (fd32:6::/64).

use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const VIP: &str = "10.232.1.100";

fn ours(priority: u8, dump: &str) -> String {
    format!(
        "global_defs {{\n    router_id ours\n    vrrp_garp_master_delay 1\n    \
         state_dump_file {dump}\n}}\n\
         vrrp_instance VI_1 {{\n    virtual_router_id 81\n    priority {priority}\n    \
         advert_int 1\n    unicast_src_ip 10.232.1.1\n    unicast_peer {{\n        10.232.1.2\n    }}\n    \
         virtual_ipaddress {{\n        {VIP}/24 dev eth0\n    }}\n}}\n"
    )
}

fn theirs(priority: u8) -> String {
    format!(
        "global_defs {{\n    router_id keepalived\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 81\n    \
         priority {priority}\n    advert_int 1\n    unicast_src_ip 10.232.1.2\n    \
         unicast_peer {{\n        10.232.1.1\n    }}\n    \
         virtual_ipaddress {{\n        {VIP}/24 dev eth0\n    }}\n}}\n"
    )
}

fn limit() -> Duration {
    Duration::from_secs(20)
}

#[test]
fn unicast_without_interface_beside_keepalived() {
    if !runnable("unicast_without_interface") {
        return;
    }
    let mut lab = BridgeLab::prefixed("kvi", "uni", "10.232.1");
    let dump = lab.dir().join("o.data").display().to_string();
    lab.start("t", KEEPALIVED, &theirs(100));
    lab.start("o", OURS, &ours(150, &dump));
    lab.wait(
        "ours MASTER with the VIP",
        limit(),
        || lab.holds("o", VIP) && !lab.holds("t", VIP),
        || None,
    );
    lab.stays("only ours holds the VIP", Duration::from_secs(4), || {
        lab.holds("o", VIP) && !lab.holds("t", VIP)
    });

    let _ = std::fs::remove_file(&dump);
    lab.signal("o", "main", "USR1");
    lab.wait(
        "ours' data dump",
        Duration::from_secs(5),
        || std::fs::metadata(&dump).is_ok_and(|m| m.len() > 0),
        || None,
    );
    let data = std::fs::read_to_string(&dump).unwrap_or_default();
    for line in [
        "   State = MASTER",
        "   Interface = not configured",
        "   Using src_ip = 10.232.1.1 (from configuration)",
        "   Type = Unicast",
    ] {
        assert!(
            data.lines().any(|l| l == line),
            "{line:?} missing in\n{data}"
        );
    }

    lab.terminate("o");
    assert!(lab.wait_exit("o", Duration::from_secs(10)), "ours stops");
    lab.wait(
        "keepalived takes over when ours stops",
        limit(),
        || lab.holds("t", VIP) && !lab.holds("o", VIP),
        || None,
    );

    lab.start("o", OURS, &ours(50, &dump));
    lab.stays(
        "ours back at 50 stays BACKUP",
        Duration::from_secs(5),
        || lab.holds("t", VIP) && !lab.holds("o", VIP),
    );

    lab.terminate("t");
    assert!(
        lab.wait_exit("t", Duration::from_secs(10)),
        "keepalived stops"
    );
    lab.wait(
        "ours takes over when keepalived stops",
        limit(),
        || lab.holds("o", VIP) && !lab.holds("t", VIP),
        || None,
    );

    // A reload keeps it running.
    lab.signal("o", "main", "HUP");
    lab.stays(
        "ours MASTER through a reload",
        Duration::from_secs(3),
        || lab.holds("o", VIP),
    );

    // No interface to follow but the VIP's: its `dev` down is FAULT (the VIP goes), up again
    // MASTER.
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait(
        "ours in FAULT without the VIP",
        limit(),
        || !lab.holds("o", VIP),
        || None,
    );
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait(
        "ours MASTER again",
        limit(),
        || lab.holds("o", VIP),
        || None,
    );
}

/// IPv6 (VRRPv3): a global `unicast_src_ip` (link-local is refused without interface); ours at
/// 150 MASTER beside keepalived, keepalived taking over when ours stops.
#[test]
fn ipv6_unicast_without_interface_beside_keepalived() {
    if !runnable("ipv6_unicast_without_interface") {
        return;
    }
    let mut lab = BridgeLab::prefixed("kvi", "uni6", "10.232.6");
    lab.add_address("o", "fd32:6::1/64");
    lab.add_address("t", "fd32:6::2/64");
    let vip = "fd32:6::100";
    let conf = |name: &str, interface: &str, prio: u8, me: u8, peer: u8| {
        format!(
            "global_defs {{\n    router_id {name}\n}}\n\
             vrrp_instance VI_6 {{\n{interface}    virtual_router_id 86\n    priority {prio}\n    \
             advert_int 1\n    unicast_src_ip fd32:6::{me}\n    unicast_peer {{\n        \
             fd32:6::{peer}\n    }}\n    virtual_ipaddress {{\n        {vip}/64 dev eth0\n    }}\n}}\n"
        )
    };
    lab.start(
        "t",
        KEEPALIVED,
        &conf("keepalived", "    interface eth0\n", 100, 2, 1),
    );
    lab.start("o", OURS, &conf("ours", "", 150, 1, 2));
    lab.wait(
        "ours MASTER with the IPv6 VIP",
        limit(),
        || lab.holds("o", vip) && !lab.holds("t", vip),
        || None,
    );
    lab.stays("only ours holds it", Duration::from_secs(3), || {
        lab.holds("o", vip) && !lab.holds("t", vip)
    });
    lab.terminate("o");
    assert!(lab.wait_exit("o", Duration::from_secs(10)), "ours stops");
    lab.wait(
        "keepalived takes over",
        limit(),
        || lab.holds("t", vip) && !lab.holds("o", vip),
        || None,
    );
}
