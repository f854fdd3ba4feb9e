//! keepalived-rs and the real keepalived 2.2.7 in one virtual router: ours at priority 150,
//! keepalived at 100, on one bridge in network namespaces. Ours becomes MASTER and only ours
//! holds the VIP; when ours' link is cut keepalived takes over; when it returns ours preempts
//! and keepalived releases the VIP. Needs root and /usr/sbin/keepalived.

use std::path::Path;
use std::process::{Command, Stdio};

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};
use std::time::Duration;

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

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
    let mut lab = BridgeLab::new("iop", test, &format!("10.98.{subnet}"));
    let vip = vip_spec.split('/').next().unwrap_or(vip_spec).to_owned();
    let theirs = config_vip("keepalived", 100, vrid, subnet, 2, extra, vip_spec);
    lab.start("t", KEEPALIVED, &theirs);
    lab.start(
        "o",
        OURS,
        &config_vip("ours", 150, vrid, subnet, 1, extra, vip_spec),
    );
    let limit = master_down * 3 + Duration::from_secs(5);
    lab.wait(
        "ours MASTER with the VIP",
        limit,
        || lab.holds("o", &vip) && !lab.holds("t", &vip),
        || None,
    );
    lab.stays(
        "only ours holds the VIP",
        master_down + Duration::from_secs(1),
        || lab.holds("o", &vip) && !lab.holds("t", &vip),
    );

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait(
        "keepalived takes over",
        limit,
        || lab.holds("t", &vip),
        || None,
    );

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait(
        "ours preempts and keepalived releases",
        limit,
        || lab.holds("o", &vip) && !lab.holds("t", &vip),
        || None,
    );
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
    let mut lab = BridgeLab::new("iop", test, &format!("10.98.{subnet}"));
    let vip = format!("10.98.{subnet}.100");
    lab.start(
        "o",
        OURS,
        &config("ours", 150, vrid, subnet, 1, "    advert_int 1"),
    );
    lab.wait(
        "ours MASTER",
        Duration::from_secs(10),
        || lab.holds("o", &vip),
        || None,
    );

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
        || None,
    );
    lab.wait(
        "ours releases within one advert interval",
        Duration::from_millis(1200),
        || !lab.holds("o", &vip),
        || None,
    );

    lab.terminate("t");
    lab.wait(
        "ours takes the VIP back",
        Duration::from_secs(6),
        || lab.holds("o", &vip),
        || None,
    );
}
