//! VRRP keywords beside the real keepalived 2.2.7 in network namespaces (prefix k13v,
//! 10.83.0.0/16): keepalived 2.3's `v3_checksum_as_v2`, `owner_ignore_adverts` and
//! `timer_expired_backup` (what 2.3.4's code does, keepalived 2.2.7 as the peer), and
//! `max_auto_priority` / `state_dump_file` after a stall, `log_unknown_vrids`. Needs root and /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// One instance VI_1 on eth0 of router `host` (1: ours, 2: keepalived) in 10.83.`net`.0/24.
fn config(net: u8, host: u8, priority: u8, global: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id r{host}\n    vrrp_garp_master_delay 0\n{global}\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {}\n    \
         priority {priority}\n    version 3\n    advert_int 0.5\n{extra}\n    \
         virtual_ipaddress {{\n        10.83.{net}.100/24\n    }}\n}}\n",
        80 + net
    )
}

fn vip(net: u8) -> String {
    format!("10.83.{net}.100")
}

/// `(policy, rt_priority)` of process `pid` from /proc/PID/stat (fields 41 and 40).
fn sched(pid: i32) -> (u32, u32) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is f[0]: field N is f[N - 3].
    let num = |n: usize| f.get(n - 3).and_then(|v| v.parse().ok()).unwrap_or(0);
    (num(41), num(40))
}

const SCHED_RR: u32 = 2;

/// keepalived 2.3.4 with `v3_checksum_as_v2` sums the VRRPv3 message alone: keepalived 2.2.7
/// (RFC 5798's pseudo-header) rejects its adverts and stays MASTER too, while ours takes
/// keepalived's adverts (any checksum is accepted in that mode) and stays MASTER by priority.
#[test]
fn v3_checksum_as_v2_adverts_fail_keepalived_2_2_checksum() {
    if !runnable("v3_checksum_as_v2_adverts_fail_keepalived_2_2_checksum") {
        return;
    }
    let net = 1;
    let mut lab = BridgeLab::prefixed("k13v", "csum", &format!("10.83.{net}"));
    // keepalived also runs VRID 99, which ours does not know (log_unknown_vrids).
    let vi2 = "vrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 99\n    \
               version 3\n    advert_int 0.5\n    virtual_ipaddress {\n        \
               10.83.1.101/24\n    }\n}\n";
    lab.start("t", KEEPALIVED, &(config(net, 2, 100, "", "") + vi2));
    let global = "    v3_checksum_as_v2\n    log_unknown_vrids";
    lab.start("o", OURS, &config(net, 1, 200, global, ""));
    let both = || lab.holds("o", &vip(net)) && lab.holds("t", &vip(net));
    lab.wait("both MASTER", Duration::from_secs(8), both, || None);
    lab.stays("both stay MASTER", Duration::from_secs(2), both);
    let logs = std::fs::read_to_string(lab.dir().join("t.log")).unwrap_or_default();
    assert!(
        logs.contains("Invalid VRRPv3 checksum"),
        "keepalived rejects the checksum\n{}",
        lab.logs()
    );
    let ours = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    assert!(
        ours.contains("Unknown VRID(99) received on interface(eth0). ignoring..."),
        "ours logs the unknown VRID\n{}",
        lab.logs()
    );
}

/// Two address owners. keepalived 2.2.7 keeps advertising as MASTER because it rejects
/// ours' `v3_checksum_as_v2` adverts; ours, which takes any checksum in that mode, would
/// hear an owner with a higher address and give way (dropping to 254 as keepalived does),
/// but with `owner_ignore_adverts` it drops keepalived's adverts uncounted and stays MASTER.
#[test]
fn an_owner_with_owner_ignore_adverts_stays_master_beside_keepalived() {
    if !runnable("an_owner_with_owner_ignore_adverts_stays_master_beside_keepalived") {
        return;
    }
    let net = 2;
    let mut lab = BridgeLab::prefixed("k13v", "owner", &format!("10.83.{net}"));
    let master = "    state MASTER";
    lab.start("t", KEEPALIVED, &config(net, 2, 255, "", master));
    lab.wait(
        "keepalived MASTER",
        Duration::from_secs(5),
        || lab.holds("t", &vip(net)),
        || None,
    );
    // keepalived 2.2.7 restarts its advert timer on every advert it reads, even one it
    // rejects: ours at twice its interval keeps it advertising.
    let ours = config(
        net,
        1,
        255,
        "",
        &format!("{master}\n    owner_ignore_adverts\n    v3_checksum_as_v2"),
    )
    .replace("advert_int 0.5", "advert_int 1");
    lab.start("o", OURS, &ours);
    let both = || lab.holds("o", &vip(net)) && lab.holds("t", &vip(net));
    lab.wait("both MASTER", Duration::from_secs(5), both, || None);
    let dropped = || {
        std::fs::read_to_string(lab.dir().join("o.log"))
            .is_ok_and(|l| l.contains("from 10.83.2.2 since we are address owner"))
    };
    lab.wait(
        "ours drops keepalived's adverts",
        Duration::from_secs(8),
        dropped,
        || None,
    );
    lab.stays("ours stays MASTER", Duration::from_secs(2), both);
}

/// A MASTER with `timer_expired_backup` stopped (SIGSTOP) past keepalived's takeover goes to
/// BACKUP when it runs again instead of fighting the new MASTER back; the overdue wake-up
/// also raises it to SCHED_RR 1 with `max_auto_priority`, as the same stall does to
/// keepalived 2.2.7, and SIGUSR1 writes to `state_dump_file`.
#[test]
fn timer_expired_backup_and_max_auto_priority_after_a_stall_beside_keepalived() {
    if !runnable("timer_expired_backup_and_max_auto_priority_after_a_stall_beside_keepalived") {
        return;
    }
    let net = 3;
    let mut lab = BridgeLab::prefixed("k13v", "stall", &format!("10.83.{net}"));
    let dump = lab.dir().join("state.data");
    let ours_global = format!(
        "    max_auto_priority 5\n    state_dump_file {}",
        dump.display()
    );
    lab.start(
        "o",
        OURS,
        &config(
            net,
            1,
            200,
            &ours_global,
            "    nopreempt\n    timer_expired_backup 100",
        ),
    );
    lab.wait(
        "ours MASTER",
        Duration::from_secs(8),
        || lab.holds("o", &vip(net)),
        || None,
    );
    lab.start(
        "t",
        KEEPALIVED,
        &config(net, 2, 100, "    max_auto_priority 5", "    nopreempt"),
    );
    let ours_master = || lab.holds("o", &vip(net)) && !lab.holds("t", &vip(net));
    lab.stays("ours stays MASTER", Duration::from_secs(2), ours_master);
    // Stopped for longer than keepalived's Master_Down_Interval (1.5 s + skew).
    lab.signal("o", "vrrp", "STOP");
    lab.wait(
        "keepalived takes over",
        Duration::from_secs(6),
        || lab.holds("t", &vip(net)),
        || None,
    );
    std::thread::sleep(Duration::from_millis(1500));
    lab.signal("o", "vrrp", "CONT");
    let theirs_only = || lab.holds("t", &vip(net)) && !lab.holds("o", &vip(net));
    lab.wait(
        "ours steps down",
        Duration::from_secs(3),
        theirs_only,
        || None,
    );
    lab.stays(
        "keepalived stays MASTER",
        Duration::from_secs(2),
        theirs_only,
    );
    let ours_pid = lab.pid("o", "vrrp").expect("ours' vrrp pid");
    assert_eq!(
        sched(ours_pid),
        (SCHED_RR, 1),
        "ours raised\n{}",
        lab.logs()
    );
    // The same stall on keepalived: ours (nopreempt, BACKUP) takes over meanwhile.
    lab.signal("t", "vrrp", "STOP");
    lab.wait(
        "ours takes over",
        Duration::from_secs(6),
        || lab.holds("o", &vip(net)),
        || None,
    );
    // keepalived's earliest timer must be more than min_auto_priority_delay (1 s) late.
    std::thread::sleep(Duration::from_millis(1000));
    lab.signal("t", "vrrp", "CONT");
    let theirs_pid = lab.pid("t", "vrrp").expect("keepalived's vrrp pid");
    lab.wait(
        "keepalived raised to SCHED_RR 1",
        Duration::from_secs(3),
        || sched(theirs_pid) == (SCHED_RR, 1),
        || None,
    );
    let logs = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    for line in [
        "A thread timer expired",
        "VRRP thread timer expired",
        "Set realtime priority 1",
    ] {
        assert!(logs.contains(line), "ours logs {line:?}\n{}", lab.logs());
    }
    lab.signal("o", "vrrp", "USR1");
    lab.wait(
        "the data dump in state_dump_file",
        Duration::from_secs(3),
        || std::fs::read_to_string(&dump).is_ok_and(|d| d.contains("VI_1")),
        || None,
    );
}

/// `track_group`: the instances of a static address's track group track the address's
/// interface, so the interface going down puts them in FAULT. Ours and keepalived run the
/// same configuration: ours' eth1 down hands the VIP to keepalived and back when it is up;
/// keepalived's eth1 down puts keepalived in FAULT.
#[test]
fn a_static_address_track_group_faults_its_instances_beside_keepalived() {
    if !runnable("a_static_address_track_group_faults_its_instances_beside_keepalived") {
        return;
    }
    let net = 4;
    let mut lab = BridgeLab::prefixed("k13v", "tgrp", &format!("10.83.{net}"));
    for r in ["o", "t"] {
        let ns = lab.ns(r);
        keepalived_labs::ip(&[
            "-n", &ns, "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p",
        ]);
        keepalived_labs::ip(&["-n", &ns, "link", "set", "eth1p", "up"]);
        keepalived_labs::ip(&["-n", &ns, "link", "set", "eth1", "up"]);
    }
    // keepalived looks the group up as it reads the address: the group comes first.
    let statics = "track_group G1 {\n    group {\n        VI_1\n    }\n}\n\
                   static_ipaddress {\n    10.83.104.1/24 dev eth1 track_group G1\n}\n";
    lab.start("t", KEEPALIVED, &(config(net, 2, 100, "", "") + statics));
    lab.start("o", OURS, &(config(net, 1, 200, "", "") + statics));
    let ours_master = || lab.holds("o", &vip(net)) && !lab.holds("t", &vip(net));
    let theirs_master = || lab.holds("t", &vip(net)) && !lab.holds("o", &vip(net));
    lab.wait("ours MASTER", Duration::from_secs(8), ours_master, || None);
    let link = |r: &str, state: &str| {
        keepalived_labs::ip(&["-n", &lab.ns(r), "link", "set", "eth1", state]);
    };
    link("o", "down");
    lab.wait(
        "keepalived takes over",
        Duration::from_secs(5),
        theirs_master,
        || None,
    );
    link("o", "up");
    lab.wait(
        "ours MASTER again",
        Duration::from_secs(5),
        ours_master,
        || None,
    );
    link("t", "down");
    let fault = || {
        std::fs::read_to_string(lab.dir().join("t.log"))
            .is_ok_and(|l| l.contains("(VI_1) Entering FAULT STATE"))
    };
    lab.wait("keepalived in FAULT", Duration::from_secs(5), fault, || {
        None
    });
    let ours = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    assert!(
        ours.contains("(VI_1) Entering FAULT STATE"),
        "{}",
        lab.logs()
    );
}

/// Two instances of router `host` (1: ours, 2: keepalived) in 10.90.`net`.0/24 tracking
/// process `name`: VI_1 with the default quorum (1), VI_2 with `quorum 2`; both notify
/// `notify`.
fn track_process_config(net: u8, host: u8, name: &str, notify: &str) -> String {
    let vi = |i: u8, vrid: u8| {
        format!(
            "vrrp_instance VI_{i} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             priority 100\n    version 3\n    advert_int 0.5\n    notify {notify}\n    \
             track_process {{\n        tp{i}\n    }}\n    virtual_ipaddress {{\n        \
             10.90.{net}.{}/24\n    }}\n}}\n",
            100 + u16::from(host) * 10 + u16::from(i)
        )
    };
    format!(
        "global_defs {{\n    router_id r{host}\n    vrrp_garp_master_delay 0\n}}\n\
         vrrp_track_process tp1 {{\n    process {name}\n}}\n\
         vrrp_track_process tp2 {{\n    process {name}\n    quorum 2\n}}\n{}{}",
        vi(1, 90 + host * 2),
        vi(2, 91 + host * 2)
    )
}

/// `vrrp_track_process` (`process`, `quorum`) and `track_process`: an instance is in FAULT
/// while fewer than `quorum` processes of that name run (a copy of sleep under a name of this
/// run). keepalived (VRIDs 94/95, beside ours' 92/93) is the reference for the start-up
/// (FAULT without the process); after it, keepalived 2.2.7 in a network namespace cannot
/// listen to process events ("Failed to set/clear process event listen - errno 111": the
/// kernel's process connector serves the initial namespace only) and never sees a process
/// start or end, while ours rescans /proc every second wherever it runs (a deliberate
/// difference, docs/process.md).
#[test]
fn track_process_quorum_faults_the_instance_beside_keepalived() {
    if !runnable("track_process_quorum_faults_the_instance_beside_keepalived") {
        return;
    }
    let net = 1;
    let mut lab = BridgeLab::prefixed("k13t", "tproc", &format!("10.90.{net}"));
    let name = format!("k13tp{}", std::process::id() % 100_000);
    let exe = lab.dir().join(&name);
    std::fs::copy("/bin/sleep", &exe).expect("copy of sleep");
    let (o_script, o_log) = lab.recording_script("o-notify");
    let (t_script, t_log) = lab.recording_script("t-notify");
    lab.start(
        "t",
        KEEPALIVED,
        &track_process_config(net, 2, &name, &t_script),
    );
    lab.start("o", OURS, &track_process_config(net, 1, &name, &o_script));
    let ours = |i: u16| format!("10.90.{net}.{}", 110 + i);
    let holds = |i: u16| lab.holds("o", &ours(i));
    let lines = |log: &std::path::Path, i: &str| {
        keepalived_labs::recorded_lines(log)
            .into_iter()
            .filter(|l| l.split(' ').nth(1) == Some(i))
            .collect::<Vec<_>>()
    };
    let started = || {
        ["VI_1", "VI_2"]
            .iter()
            .all(|i| !lines(&o_log, i).is_empty() && !lines(&t_log, i).is_empty())
    };
    lab.wait(
        "both daemons notified",
        Duration::from_secs(8),
        started,
        || None,
    );
    lab.stays("no VIP without the process", Duration::from_secs(1), || {
        !holds(1) && !holds(2)
    });
    for i in ["VI_1", "VI_2"] {
        assert_eq!(
            lines(&o_log, i),
            lines(&t_log, i),
            "{i} at start: ours vs keepalived"
        );
        assert_eq!(
            lines(&t_log, i),
            [format!("INSTANCE {i} FAULT 100")],
            "keepalived"
        );
    }
    let spawn = || {
        std::process::Command::new(&exe)
            .arg("60")
            .spawn()
            .expect("tracked process")
    };
    let mut first = spawn();
    lab.wait(
        "VI_1 MASTER with one process",
        Duration::from_secs(8),
        || holds(1),
        || None,
    );
    lab.stays(
        "VI_2 (quorum 2) stays in FAULT",
        Duration::from_secs(1),
        || !holds(2),
    );
    let mut second = spawn();
    lab.wait(
        "VI_2 MASTER with two processes",
        Duration::from_secs(8),
        || holds(2),
        || None,
    );
    for p in [&mut first, &mut second] {
        let _ = p.kill();
        let _ = p.wait();
    }
    lab.wait(
        "both in FAULT once the processes end",
        Duration::from_secs(8),
        || !holds(1) && !holds(2),
        || None,
    );
    for i in ["VI_1", "VI_2"] {
        let want: Vec<String> = ["FAULT", "BACKUP", "MASTER", "FAULT"]
            .iter()
            .map(|s| format!("INSTANCE {i} {s} 100"))
            .collect();
        assert_eq!(lines(&o_log, i), want, "{i}\n{}", lab.logs());
    }
}
