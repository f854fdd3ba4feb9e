//! Interface keywords beside keepalived 2.2.7: each case runs keepalived in one lab and ours in
//! another (in parallel) on the same configuration, and compares what a user sees on the host
//! (interface names, sysctls) while the daemon runs and after it stops. Needs root and
//! /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// What the host shows: one line per item, sorted.
type Observed = Vec<String>;

/// A fresh lab (`o` also has fd79::1/64) with `binary` running `conf` on `o`, once `ready`.
fn started(
    name: &str,
    net: &str,
    binary: &str,
    conf: &str,
    ready: impl Fn(&BridgeLab) -> bool,
) -> BridgeLab {
    let mut lab = BridgeLab::new("ik", name, net);
    let o = lab.ns("o");
    ip(&[
        "-n",
        &o,
        "addr",
        "add",
        "fd79::1/64",
        "dev",
        "eth0",
        "nodad",
    ]);
    lab.start("o", binary, conf);
    lab.wait(
        &format!("{binary} ready"),
        Duration::from_secs(15),
        || ready(&lab),
        || None,
    );
    lab
}

/// Runs `conf` with `binary` on router `o` of a fresh lab; `running` is observed once `ready`
/// holds, `stopped` after SIGTERM and exit.
fn observe(
    name: &str,
    net: &str,
    binary: &str,
    conf: &str,
    ready: impl Fn(&BridgeLab) -> bool,
    look: impl Fn(&BridgeLab) -> Observed,
) -> (Observed, Observed) {
    let mut lab = started(name, net, binary, conf, ready);
    let running = look(&lab);
    lab.terminate("o");
    assert!(
        lab.wait_exit("o", Duration::from_secs(10)),
        "{binary} did not stop"
    );
    let stopped = look(&lab);
    (running, stopped)
}

/// The same case with keepalived and with ours, in parallel labs (`net` and `net`+1).
fn beside_keepalived(
    name: &str,
    net: (&str, &str),
    conf: &str,
    ready: fn(&BridgeLab) -> bool,
    look: fn(&BridgeLab) -> Observed,
) -> ((Observed, Observed), (Observed, Observed)) {
    std::thread::scope(|s| {
        let ka = s.spawn(|| observe(&format!("{name}k"), net.0, KEEPALIVED, conf, ready, look));
        let ours = s.spawn(|| observe(&format!("{name}o"), net.1, OURS, conf, ready, look));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    })
}

/// Name and MAC of every macvlan in router `o`.
fn macvlans(lab: &BridgeLab) -> Observed {
    let out = ip(&["-n", &lab.ns("o"), "-o", "link", "show", "type", "macvlan"]);
    let mut v: Vec<String> = out
        .lines()
        .filter_map(|l| {
            let name = l.split(": ").nth(1)?.split('@').next()?;
            let mac = l.split("link/ether ").nth(1)?.split(' ').next()?;
            Some(format!("{name} {mac}"))
        })
        .collect();
    v.sort();
    v
}

fn sysctl(lab: &BridgeLab, key: &str) -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &lab.ns("o"), "cat", key])
        .output()
        .expect("ip netns exec");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn vmac_names_follow_keepalived_for_both_families_and_vmac_prefix() {
    if !runnable("vmac_names_follow_keepalived_for_both_families_and_vmac_prefix") {
        return;
    }
    // VRID 5 in both families on one interface: keepalived names the IPv6 VMAC vrrp6.5;
    // vmac_prefix names the automatic VMACs of every instance.
    let conf = &dual_vmac_conf();
    let ready = |lab: &BridgeLab| macvlans(lab).len() == 2;
    let (ka, ours) = beside_keepalived("names", ("10.79.1", "10.79.2"), conf, ready, macvlans);
    assert_eq!(ours, ka, "VMAC names: ours vs keepalived");
    assert!(ka.0.iter().any(|l| l.starts_with("vrrp6.5 ")), "{ka:?}");

    let prefixed = conf.replace("router_id names", "router_id names\n    vmac_prefix kv");
    let (ka, ours) =
        beside_keepalived("prefix", ("10.79.3", "10.79.4"), &prefixed, ready, macvlans);
    assert_eq!(ours, ka, "VMAC names with vmac_prefix: ours vs keepalived");
    assert!(ka.0.iter().any(|l| l.starts_with("kv.5 ")), "{ka:?}");
}

/// The dual-stack VMAC configuration of the names test.
fn dual_vmac_conf() -> String {
    "global_defs {\n    router_id names\n}\n\
        vrrp_instance V4 {\n    interface eth0\n    virtual_router_id 5\n    priority 100\n    \
        advert_int 1\n    use_vmac\n    kernel_rx_buf_size 100000\n    \
        virtual_ipaddress {\n        10.79.1.100/24\n    }\n}\n\
        vrrp_instance V6 {\n    interface eth0\n    virtual_router_id 5\n    priority 100\n    \
        advert_int 1\n    use_vmac\n    virtual_ipaddress {\n        fd79::100/64\n    }\n}\n"
        .to_owned()
}

/// The VMAC lines of `binary`'s /tmp/keepalived.data (SIGUSR1) once both VMACs are up.
fn vmac_dump_lines(name: &str, net: &str, binary: &str) -> Vec<String> {
    let lab = started(name, net, binary, &dual_vmac_conf(), |lab| {
        macvlans(lab).len() == 2
    });
    // The sockets are open once the instances leave INIT (a second is plenty).
    std::thread::sleep(Duration::from_secs(1));
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("o", "main", "USR1");
    let path = "/tmp/keepalived.data";
    lab.wait(
        "the dump",
        Duration::from_secs(5),
        || {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
                && std::fs::read_to_string(path).is_ok_and(|d| d.contains("Use VMAC"))
        },
        || None,
    );
    let dump = std::fs::read_to_string(path).unwrap_or_default();
    dump.lines()
        .filter(|l| {
            ["   Use VMAC", "   Interface = ", "   Rx buf size"]
                .iter()
                .any(|p| l.starts_with(p))
                || (l.starts_with("     V") && l.contains(" vrid "))
        })
        .map(|l| l.replace("is_up = false", "is_up = true"))
        .collect()
}

/// The dump shows the VMAC as keepalived does ("Use VMAC, i/f name vrrp6.5", "Interface =
/// vrrp6.5, vmac on eth0"), and the socket pool with each socket's interface, instances and
/// receive buffer (`kernel_rx_buf_size`). Reads the fixed /tmp/keepalived.data: keepalived,
/// then ours.
#[test]
fn the_dump_shows_the_vmac_as_keepalived() {
    if !runnable("the_dump_shows_the_vmac_as_keepalived") {
        return;
    }
    let ka = vmac_dump_lines("dumpk", "10.79.7", KEEPALIVED);
    let ours = vmac_dump_lines("dumpo", "10.79.8", OURS);
    assert_eq!(ours, ka, "VMAC dump lines: ours vs keepalived");
    assert!(
        ka.iter().any(|l| l.contains("vrrp6.5, vmac on eth0")),
        "{ka:?}"
    );
    assert!(ka.iter().any(|l| l == "   Rx buf size = 100000"), "{ka:?}");
}

#[test]
fn promote_secondaries_is_set_while_running_and_reset_at_stop() {
    if !runnable("promote_secondaries_is_set_while_running_and_reset_at_stop") {
        return;
    }
    let conf = "global_defs {\n    router_id promote\n}\n\
        vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 7\n    priority 100\n    \
        advert_int 1\n    promote_secondaries\n    virtual_ipaddress {\n        10.79.5.100/24\n    }\n}\n";
    let look = |lab: &BridgeLab| {
        vec![sysctl(
            lab,
            "/proc/sys/net/ipv4/conf/eth0/promote_secondaries",
        )]
    };
    // Ready once the instance is MASTER (its VIP is up): the sysctl is set long before.
    let ready = |lab: &BridgeLab| lab.holds("o", "10.79.5.100") || lab.holds("o", "10.79.6.100");
    let conf_o = conf.replace("10.79.5.100", "10.79.6.100");
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| observe("promk", "10.79.5", KEEPALIVED, conf, ready, look));
        let ours = s.spawn(|| observe("promo", "10.79.6", OURS, &conf_o, ready, look));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(
        ours, ka,
        "promote_secondaries (running, stopped): ours vs keepalived"
    );
    assert_eq!(ka.0, ["1"], "keepalived sets it while running");
}

fn notify_script(lab: &BridgeLab) -> (String, std::path::PathBuf) {
    lab.recording_script("notify")
}

fn notify_lines(log: &std::path::Path) -> Vec<String> {
    keepalived_labs::recorded_lines(log)
}

/// Router `o` runs `binary` with `o_conf` (its `NOTIFY` replaced by a notify script), `t` runs
/// keepalived with `t_conf`; `timeline` acts on the lab and returns once the case is over.
/// Returns `o`'s notify lines.
fn pair_notify_lines(
    name: &str,
    net: &str,
    binary: &str,
    o_conf: &str,
    t_conf: &str,
    timeline: impl Fn(&BridgeLab, &str),
) -> Vec<String> {
    let mut lab = BridgeLab::new("ik", name, net);
    let (script, log) = notify_script(&lab);
    lab.start("t", KEEPALIVED, &t_conf.replace("NET", net));
    lab.start(
        "o",
        binary,
        &o_conf.replace("NET", net).replace("NOTIFY", &script),
    );
    timeline(&lab, net);
    notify_lines(&log)
}

fn instance_conf(priority: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id r{priority}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 71\n    \
         priority {priority}\n    advert_int 1\n{extra}\n    virtual_ipaddress {{\n        \
         NET.100/24\n    }}\n}}\n"
    )
}

/// `unicast_fault_no_peer` without any peer: keepalived's permanent configuration fault
/// ("Cannot use unicast without any peers - going to fault state"); the peer takes the VIP.
#[test]
fn unicast_fault_no_peer_without_peers_is_fault() {
    if !runnable("unicast_fault_no_peer_without_peers_is_fault") {
        return;
    }
    let o = instance_conf(150, "    unicast_fault_no_peer\n    notify NOTIFY");
    let t = instance_conf(100, "");
    let timeline = |lab: &BridgeLab, net: &str| {
        let vip = format!("{net}.100");
        lab.wait(
            "the peer MASTER",
            Duration::from_secs(12),
            || lab.holds("t", &vip),
            || None,
        );
        lab.stays("o holds no VIP", Duration::from_secs(2), || {
            !lab.holds("o", &vip)
        });
    };
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| pair_notify_lines("nopeerk", "10.79.9", KEEPALIVED, &o, &t, timeline));
        let ours = s.spawn(|| pair_notify_lines("nopeero", "10.79.10", OURS, &o, &t, timeline));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(ours, ka, "notify lines of o: ours vs keepalived");
    assert_eq!(ka, ["INSTANCE VI_1 FAULT 150"], "keepalived: FAULT only");
}

/// `track_src_ip` ("if the configured src_ip doesn't exist or is removed put the instance
/// into fault state", keepalived.conf(5)): the BACKUP's unicast_src_ip removed means FAULT;
/// added back, BACKUP again. keepalived 2.2.7 compares the removed address with the start of
/// a sockaddr (keepalived_netlink.c) and never downs the instance: it times out and becomes
/// MASTER. A deliberate difference (docs/notes/real-hosts.md): this test asserts ours and
/// prints keepalived's lines beside them.
#[test]
fn track_src_ip_faults_while_the_source_address_is_missing() {
    if !runnable("track_src_ip_faults_while_the_source_address_is_missing") {
        return;
    }
    let o = instance_conf(
        100,
        "    unicast_src_ip NET.1\n    unicast_peer {\n        NET.2\n    }\n    track_src_ip\n    \
         notify NOTIFY",
    );
    let t = instance_conf(
        150,
        "    unicast_src_ip NET.2\n    unicast_peer {\n        NET.1\n    }",
    );
    let timeline = |lab: &BridgeLab, net: &str| {
        let vip = format!("{net}.100");
        lab.wait(
            "t MASTER",
            Duration::from_secs(12),
            || lab.holds("t", &vip),
            || None,
        );
        std::thread::sleep(Duration::from_secs(1));
        let src = format!("{net}.1/24");
        ip(&["-n", &lab.ns("o"), "addr", "del", &src, "dev", "eth0"]);
        std::thread::sleep(Duration::from_secs(4));
        ip(&["-n", &lab.ns("o"), "addr", "add", &src, "dev", "eth0"]);
        lab.wait(
            "t alone MASTER",
            Duration::from_secs(12),
            || lab.holds("t", &vip) && !lab.holds("o", &vip),
            || None,
        );
        std::thread::sleep(Duration::from_secs(1));
    };
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| pair_notify_lines("srck", "10.79.11", KEEPALIVED, &o, &t, timeline));
        let ours = s.spawn(|| pair_notify_lines("srco", "10.79.12", OURS, &o, &t, timeline));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    eprintln!("keepalived 2.2.7 (track_src_ip has no effect there): {ka:?}");
    assert_eq!(
        ours,
        [
            "INSTANCE VI_1 BACKUP 100",
            "INSTANCE VI_1 FAULT 100",
            "INSTANCE VI_1 BACKUP 100"
        ],
        "ours: FAULT while the source address is missing"
    );
}

/// `disable_local_igmp`: net.ipv4.igmp_link_local_mcast_reports is 0 while the daemon runs
/// and 1 again after it stops.
#[test]
fn disable_local_igmp_while_running() {
    if !runnable("disable_local_igmp_while_running") {
        return;
    }
    let conf = "global_defs {\n    router_id igmp\n    disable_local_igmp\n}\n\
        vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 8\n    priority 100\n    \
        advert_int 1\n    virtual_ipaddress {\n        10.79.14.100/24\n    }\n}\n";
    let look = |lab: &BridgeLab| {
        vec![sysctl(
            lab,
            "/proc/sys/net/ipv4/igmp_link_local_mcast_reports",
        )]
    };
    let ready = |lab: &BridgeLab| lab.holds("o", "10.79.14.100");
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| observe("igmpk", "10.79.14", KEEPALIVED, conf, ready, look));
        let ours = s.spawn(|| observe("igmpo", "10.79.15", OURS, conf, ready, look));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(ours, ka, "igmp_link_local_mcast_reports (running, stopped)");
    assert_eq!(ka, (vec!["0".to_owned()], vec!["1".to_owned()]));
}

/// `fifo_write_vrrp_states_on_reload`: a SIGHUP writes the state of every instance that kept
/// its state to the notify FIFO, except a MASTER's (keepalived's vrrp_init_state).
#[test]
fn fifo_write_vrrp_states_on_reload_writes_kept_states() {
    if !runnable("fifo_write_vrrp_states_on_reload_writes_kept_states") {
        return;
    }
    let run = |name: &str, net: &str, binary: &str| {
        let mut lab = BridgeLab::new("ik", name, net);
        let fifo = lab.dir().join("notify.fifo");
        let log = lab.dir().join("fifo.log");
        let reader = lab.dir().join("reader.sh");
        let tf = lab.dir().join("track");
        std::fs::write(&tf, "1\n").expect("track file");
        std::fs::write(
            &reader,
            format!("#!/bin/sh\ncat \"$1\" >> {}\n", log.display()),
        )
        .expect("reader");
        std::fs::set_permissions(&reader, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let conf = format!(
            "global_defs {{\n    router_id fifo\n    notify_fifo {}\n    notify_fifo_script {}\n    \
             fifo_write_vrrp_states_on_reload\n}}\n\
             vrrp_track_file down {{\n    file {tf}\n    weight 0\n}}\n\
             vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 9\n    priority 120\n    \
             advert_int 1\n    virtual_ipaddress {{\n        {net}.100/24\n    }}\n}}\n\
             vrrp_instance VI_2 {{\n    interface eth0\n    virtual_router_id 10\n    priority 120\n    \
             advert_int 1\n    track_file {{\n        down\n    }}\n    virtual_ipaddress {{\n        \
             {net}.101/24\n    }}\n}}\n",
            fifo.display(),
            reader.display(),
            tf = tf.display(),
        );
        lab.start("o", binary, &conf);
        let vip = format!("{net}.100");
        lab.wait(
            "MASTER",
            Duration::from_secs(12),
            || lab.holds("o", &vip),
            || None,
        );
        std::thread::sleep(Duration::from_millis(500));
        lab.signal("o", "main", "HUP");
        std::thread::sleep(Duration::from_secs(2));
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| run("fifok", "10.79.16", KEEPALIVED));
        let ours = s.spawn(|| run("fifoo", "10.79.17", OURS));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    // In order per instance (the order between instances at start is not kept).
    let per_instance = |lines: &[String]| {
        let mut v = lines.to_vec();
        v.sort_by_key(|l| l.split(' ').nth(1).map(str::to_owned));
        v
    };
    assert_eq!(
        per_instance(&ours),
        per_instance(&ka),
        "FIFO lines: ours vs keepalived"
    );
    assert_eq!(
        ka.iter().filter(|l| l.contains("VI_2\" FAULT")).count(),
        2,
        "keepalived writes the FAULT state again at the reload: {ka:?}"
    );
}

/// `interface_up_down_delays { eth0 2 }`: a carrier loss shorter than 2 s changes nothing; a
/// longer one is FAULT 2 s after it began (the peer takes over); carrier back (no up delay)
/// and the instance preempts again.
#[test]
fn interface_up_down_delays_debounce_a_short_carrier_loss() {
    if !runnable("interface_up_down_delays_debounce_a_short_carrier_loss") {
        return;
    }
    let o = format!(
        "interface_up_down_delays {{\n    eth0 2\n}}\n{}",
        instance_conf(150, "    notify NOTIFY")
    );
    let t = instance_conf(100, "");
    let timeline = |lab: &BridgeLab, net: &str| {
        let vip = format!("{net}.100");
        let s = lab.ns("s");
        let o_master = || lab.holds("o", &vip) && !lab.holds("t", &vip);
        lab.wait("o MASTER", Duration::from_secs(12), o_master, || None);
        std::thread::sleep(Duration::from_secs(1));
        ip(&["-n", &s, "link", "set", "po", "down"]);
        std::thread::sleep(Duration::from_millis(500));
        ip(&["-n", &s, "link", "set", "po", "up"]);
        lab.stays(
            "o stays MASTER through a short flap",
            Duration::from_secs(3),
            || lab.holds("o", &vip),
        );
        ip(&["-n", &s, "link", "set", "po", "down"]);
        lab.wait(
            "t takes over",
            Duration::from_secs(12),
            || lab.holds("t", &vip),
            || None,
        );
        ip(&["-n", &s, "link", "set", "po", "up"]);
        lab.wait("o MASTER again", Duration::from_secs(12), o_master, || None);
        std::thread::sleep(Duration::from_millis(500));
    };
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| pair_notify_lines("debk", "10.79.19", KEEPALIVED, &o, &t, timeline));
        let ours = s.spawn(|| pair_notify_lines("debo", "10.79.20", OURS, &o, &t, timeline));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(ours, ka, "notify lines of o: ours vs keepalived");
    assert_eq!(
        ka.iter().filter(|l| l.contains("FAULT")).count(),
        1,
        "{ka:?}"
    );
}

/// VIP options `peer`, `mngtmpaddr` and `autojoin` reach the kernel as keepalived sets them
/// (`ip addr` shows the same lines while running, none after the stop).
#[test]
fn vip_options_peer_mngtmpaddr_autojoin_as_keepalived() {
    if !runnable("vip_options_peer_mngtmpaddr_autojoin_as_keepalived") {
        return;
    }
    let conf = "global_defs {\n    router_id vipopts\n}\n\
        vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 11\n    priority 100\n    \
        advert_int 1\n    virtual_ipaddress {\n        NET.100 peer NET.200\n        \
        NET.101/24\n    }\n    virtual_ipaddress_excluded {\n        \
        fd79::100/64 mngtmpaddr\n        239.1.2.3/32 autojoin\n    }\n}\n";
    let look = |lab: &BridgeLab| {
        let out = ip(&["-n", &lab.ns("o"), "-o", "addr", "show", "dev", "eth0"]);
        let mut v: Vec<String> = out
            .lines()
            .filter(|l| {
                [".100", ".101", "fd79::100", "239.1.2.3"]
                    .iter()
                    .any(|a| l.contains(a))
            })
            .map(|l| {
                // Keep the address part ("inet A peer P/L scope ... flags"), not the lifetimes;
                // the labs' own subnets differ.
                let l = l.split('\\').next().unwrap_or(l);
                l.split_whitespace()
                    .skip(2)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace("10.79.22.", "NET.")
                    .replace("10.79.23.", "NET.")
            })
            .collect();
        v.sort();
        v
    };
    let ready = |lab: &BridgeLab| lab.holds("o", "10.79.22.101") || lab.holds("o", "10.79.23.101");
    let (ka_conf, ours_conf) = (
        conf.replace("NET", "10.79.22"),
        conf.replace("NET", "10.79.23"),
    );
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| observe("vipk", "10.79.22", KEEPALIVED, &ka_conf, ready, look));
        let ours = s.spawn(|| observe("vipo", "10.79.23", OURS, &ours_conf, ready, look));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    assert_eq!(ours.0, ka.0, "VIP lines while running: ours vs keepalived");
    assert!(ka.0.iter().any(|l| l.contains("peer NET.200/32")), "{ka:?}");
    // keepalived 2.2.7 deletes an address by IFA_ADDRESS = its own address, which a peer
    // address does not match: the peer VIP stays behind after its stop. Ours removes it, a
    // deliberate difference (docs/notes/real-hosts.md).
    eprintln!("keepalived leaves behind: {:?}", ka.1);
    assert!(
        ours.1.is_empty(),
        "no VIP left after ours stops: {:?}",
        ours.1
    );
    assert!(ka.0.iter().any(|l| l.contains("mngtmpaddr")), "{ka:?}");
    assert!(ka.0.iter().any(|l| l.contains("autojoin")), "{ka:?}");
}
