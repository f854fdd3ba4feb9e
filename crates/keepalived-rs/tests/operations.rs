//! Day-2 operations beside the real keepalived 2.2.7: notify arguments, reload (SIGHUP)
//! without a VIP gap, a killed VRRP child replaced by the parent while the VIP stays, sync
//! groups with vrrp_script and track_file. Ours at priority 150, keepalived at 100, on one
//! bridge in network namespaces. Needs root and /usr/sbin/keepalived.

use std::time::{Duration, Instant};

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const MASTER_DOWN: Duration = Duration::from_secs(4);

fn limit() -> Duration {
    MASTER_DOWN * 3 + Duration::from_secs(5)
}

/// One v2 instance VI_1 with `vips`, plus `extra` lines inside the instance block.
fn single(name: &str, priority: u8, vrid: u8, vips: &[&str], extra: &str) -> String {
    let vips: String = vips.iter().map(|v| format!("        {v}/24\n")).collect();
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {priority}\n    advert_int 1\n{extra}\n    virtual_ipaddress {{\n{vips}    }}\n}}\n"
    )
}

fn notify_script(lab: &BridgeLab) -> (String, std::path::PathBuf) {
    lab.recording_script("notify")
}

fn notify_lines(log: &std::path::Path) -> Vec<String> {
    keepalived_labs::recorded_lines(log)
}

#[test]
fn reload_adds_a_vip_while_the_old_one_never_leaves() {
    if !runnable("reload") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "reload", "10.96.1");
    let (script, notify_log) = notify_script(&lab);
    let a = "10.96.1.100".to_owned();
    let b = "10.96.1.101".to_owned();
    let notify = format!("    notify {script}");
    lab.start(
        "t",
        KEEPALIVED,
        &single("keepalived", 100, 71, &[a.as_str()], ""),
    );
    lab.start("o", OURS, &single("ours", 150, 71, &[a.as_str()], &notify));
    lab.wait(
        "ours MASTER with the VIP",
        limit(),
        || lab.holds("o", &a) && !lab.holds("t", &a),
        || None,
    );
    lab.wait(
        "the notify script ran",
        Duration::from_secs(5),
        || notify_lines(&notify_log).len() >= 2,
        || None,
    );
    // Like keepalived: BACKUP at start, then MASTER.
    let before = notify_lines(&notify_log);
    assert_eq!(
        before,
        ["INSTANCE VI_1 BACKUP 150", "INSTANCE VI_1 MASTER 150"]
    );

    // keepalived's peer needs the same VIP list (it checks the address list of adverts).
    lab.rewrite(
        "o",
        &single("ours", 150, 71, &[a.as_str(), b.as_str()], &notify),
    );
    lab.signal("o", "main", "HUP");
    let start = Instant::now();
    while !lab.holds("o", &b) {
        assert!(
            lab.holds("o", &a),
            "the old VIP left during reload\n{}",
            lab.logs()
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "B never appeared\n{}",
            lab.logs()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.stays("both VIPs stay with ours", Duration::from_secs(2), || {
        lab.holds("o", &a) && lab.holds("o", &b)
    });
    // No spurious transition: no new notification.
    assert_eq!(notify_lines(&notify_log), before);

    // A broken configuration is refused and the running one kept.
    lab.rewrite("o", "vrrp_instance VI_1 {\n    virtual_router_id 300\n}\n");
    lab.signal("o", "main", "HUP");
    lab.stays(
        "a bad reload keeps the VIPs",
        Duration::from_secs(2),
        || lab.holds("o", &a) && lab.holds("o", &b),
    );
    assert!(
        lab.logs().contains("keeping the running configuration"),
        "{}",
        lab.logs()
    );
}

#[test]
fn a_killed_vrrp_child_is_replaced_and_the_vip_stays() {
    if !runnable("respawn") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "respawn", "10.96.2");
    let a = "10.96.2.100".to_owned();
    lab.start(
        "t",
        KEEPALIVED,
        &single("keepalived", 100, 72, &[a.as_str()], ""),
    );
    lab.start("o", OURS, &single("ours", 150, 72, &[a.as_str()], ""));
    lab.wait(
        "ours MASTER with the VIP",
        limit(),
        || lab.holds("o", &a) && !lab.holds("t", &a),
        || None,
    );
    let first = lab.pid("o", "vrrp").expect("vrrp pid file");
    lab.signal("o", "vrrp", "KILL");
    lab.wait(
        "a new VRRP child",
        Duration::from_secs(5),
        || lab.pid("o", "vrrp").is_some_and(|p| p != first),
        || None,
    );
    lab.stays(
        "ours keeps the VIP and keepalived never takes it",
        MASTER_DOWN + Duration::from_secs(2),
        || lab.holds("o", &a) && !lab.holds("t", &a),
    );
}

#[test]
fn sigterm_hands_over_well_under_master_down() {
    if !runnable("handover") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "handover", "10.96.3");
    let a = "10.96.3.100".to_owned();
    let fifo = lab.dir().join("notify.fifo");
    let fifo_log = lab.dir().join("fifo.log");
    let reader = lab.dir().join("fifo.sh");
    std::fs::write(
        &reader,
        format!(
            "#!/bin/sh\nwhile read -r line; do echo \"$line\" >> {}; done < \"$1\"\n",
            fifo_log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&reader, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    lab.start(
        "t",
        KEEPALIVED,
        &single("keepalived", 100, 73, &[a.as_str()], ""),
    );
    let ours = single("ours", 150, 73, &[a.as_str()], "").replace(
        "global_defs {\n",
        &format!(
            "global_defs {{\n    vrrp_notify_fifo {}\n    vrrp_notify_fifo_script {}\n",
            fifo.display(),
            reader.display()
        ),
    );
    lab.start("o", OURS, &ours);
    lab.wait(
        "ours MASTER with the VIP",
        limit(),
        || lab.holds("o", &a) && !lab.holds("t", &a),
        || None,
    );
    let start = Instant::now();
    lab.signal("o", "main", "TERM");
    lab.wait(
        "keepalived takes over",
        MASTER_DOWN,
        || lab.holds("t", &a),
        || None,
    );
    let took = start.elapsed();
    // Priority 0 makes keepalived wait only its skew time (0.6 s at priority 100).
    assert!(took < Duration::from_millis(2500), "handover took {took:?}");
    eprintln!("handover after SIGTERM: {} ms", took.as_millis());
    // The notify FIFO saw every transition in keepalived's format.
    let want = [
        "INSTANCE \"VI_1\" BACKUP 150",
        "INSTANCE \"VI_1\" MASTER 150",
        "INSTANCE \"VI_1\" STOP 150",
    ];
    lab.wait(
        "the FIFO lines",
        Duration::from_secs(5),
        || notify_lines(&fifo_log) == want,
        || None,
    );
}

fn sync_config(name: &str, priority: u8, vips: &[String; 3], tracking: &str) -> String {
    let inst = |n: usize, vrid: u8, extra: &str| {
        format!(
            "vrrp_instance VI_{n} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             priority {priority}\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        \
             {}/24\n    }}\n}}\n",
            vips[n - 1]
        )
    };
    let (t1, t3) = tracking.split_once('|').unwrap_or(("", ""));
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n{}\
         vrrp_sync_group VG_1 {{\n    group {{\n        VI_1\n        VI_2\n    }}\n}}\n{}{}{}",
        if tracking.is_empty() { "" } else { "@DEFS@" },
        inst(1, 74, t1),
        inst(2, 75, ""),
        inst(3, 76, t3),
    )
}

#[test]
fn sync_group_with_script_and_track_file_beside_keepalived() {
    if !runnable("sync") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "sync", "10.96.4");
    let vips = ["10.96.4.101", "10.96.4.102", "10.96.4.103"].map(str::to_owned);
    let flag = lab.dir().join("fail");
    let check = lab.dir().join("check.sh");
    std::fs::write(&check, format!("#!/bin/sh\n[ ! -e {} ]\n", flag.display())).unwrap();
    std::fs::set_permissions(&check, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let value = lab.dir().join("prio");
    std::fs::write(&value, "0\n").unwrap();
    let defs = format!(
        "vrrp_script chk {{\n    script {}\n    interval 1\n    fall 1\n    rise 1\n}}\n\
         track_file tf {{\n    file {}\n    weight 1\n}}\n",
        check.display(),
        value.display()
    );
    let ours = sync_config(
        "ours",
        150,
        &vips,
        "    track_script {\n        chk\n    }\n|    track_file {\n        tf\n    }\n",
    )
    .replace("@DEFS@", &defs);
    lab.start("t", KEEPALIVED, &sync_config("keepalived", 100, &vips, ""));
    lab.start("o", OURS, &ours);
    let all = |r: &str| vips.iter().all(|v| lab.holds(r, v));
    let none = |r: &str| vips.iter().all(|v| !lab.holds(r, v));
    lab.wait(
        "ours holds all three",
        limit(),
        || all("o") && none("t"),
        || None,
    );

    // The script fails: the whole group faults, keepalived takes VI_1 and VI_2, ours keeps VI_3.
    std::fs::write(&flag, "").unwrap();
    let split = || {
        !lab.holds("o", &vips[0])
            && !lab.holds("o", &vips[1])
            && lab.holds("o", &vips[2])
            && lab.holds("t", &vips[0])
            && lab.holds("t", &vips[1])
            && !lab.holds("t", &vips[2])
    };
    lab.wait("the group moves to keepalived", limit(), split, || None);
    std::fs::remove_file(&flag).unwrap();
    lab.wait(
        "the group comes back",
        limit(),
        || all("o") && none("t"),
        || None,
    );

    // The track file lowers VI_3 to 50: keepalived (100) preempts it.
    std::fs::write(&value, "-100\n").unwrap();
    lab.wait(
        "keepalived preempts VI_3",
        limit(),
        || lab.holds("t", &vips[2]) && !lab.holds("o", &vips[2]),
        || None,
    );
    std::fs::write(&value, "0\n").unwrap();
    lab.wait(
        "VI_3 comes back",
        limit(),
        || all("o") && none("t"),
        || None,
    );

    // A link cut and restore ends with ours holding all three again.
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait("keepalived takes all three", limit(), || all("t"), || None);
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait(
        "ours holds all three again",
        limit(),
        || all("o") && none("t"),
        || None,
    );
}

/// Keys of a JSON value, recursively, as "a.b.c" paths (array elements share their parent's
/// path).
fn json_keys(v: &serde_json::Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                out.insert(p.clone());
                json_keys(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                json_keys(x, path, out);
            }
        }
        _ => {}
    }
}

/// Waits for `path` to be rewritten after `since` and returns its text.
fn fresh_file(lab: &BridgeLab, path: &str, since: std::time::SystemTime) -> String {
    lab.wait(
        &format!("{path} written"),
        Duration::from_secs(5),
        || {
            let newer = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since);
            newer && std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
        },
        || None,
    );
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn dump_signals_write_keepalived_files() {
    if !runnable("dumps") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "dumps", "10.96.5");
    let a = "10.96.5.100".to_owned();
    lab.start(
        "t",
        KEEPALIVED,
        &single("keepalived", 100, 77, &[a.as_str()], ""),
    );
    lab.start("o", OURS, &single("ours", 150, 77, &[a.as_str()], ""));
    lab.wait(
        "ours MASTER with the VIP",
        limit(),
        || lab.holds("o", &a) && !lab.holds("t", &a),
        || None,
    );
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("o", "main", "USR1");
    let data = fresh_file(&lab, "/tmp/keepalived.data", since);
    for line in [
        "------< VRRP Topology >------",
        " VRRP Instance = VI_1",
        "   State = MASTER",
        "   Virtual Router ID = 77",
    ] {
        assert!(
            data.lines().any(|l| l == line),
            "{line:?} missing in\n{data}"
        );
    }
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("o", "main", "USR2");
    let stats = fresh_file(&lab, "/tmp/keepalived.stats", since);
    assert!(stats.contains("VRRP Instance: VI_1"), "{stats}");

    // The JSON dump: ours and keepalived's have the same keys; ours says MASTER (2).
    let json_signal = (libc::SIGRTMIN() + 2).to_string();
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("o", "main", &json_signal);
    let ours: serde_json::Value =
        serde_json::from_str(&fresh_file(&lab, "/tmp/keepalived.json", since)).expect("JSON");
    assert_eq!(ours[0]["data"]["iname"], "VI_1");
    assert_eq!(ours[0]["data"]["state"], 2);
    assert!(ours[0]["stats"]["advert_sent"].as_u64().unwrap_or(0) > 0);
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.signal("t", "main", &json_signal);
    let theirs: serde_json::Value =
        serde_json::from_str(&fresh_file(&lab, "/tmp/keepalived.json", since)).expect("JSON");
    assert_eq!(theirs[0]["data"]["state"], 1);
    let (mut k1, mut k2) = (Default::default(), Default::default());
    json_keys(&ours, "", &mut k1);
    json_keys(&theirs, "", &mut k2);
    assert_eq!(k1, k2, "JSON keys differ");
}

#[test]
fn virtual_routes_rules_and_static_addresses_follow_the_instance() {
    if !runnable("routes") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "routes", "10.96.6");
    let conf = "global_defs {\n    router_id ours\n}\n\
        static_ipaddress {\n    10.96.60.1/24 dev eth0 label eth0:st\n}\n\
        static_routes {\n    10.96.61.0/24 via 10.96.6.254 dev eth0\n}\n\
        vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 78\n    \
        priority 150\n    advert_int 1\n    virtual_ipaddress {\n        \
        10.96.6.100/24 dev eth0 label eth0:vip\n    }\n    virtual_routes {\n        \
        10.96.62.0/24 via 10.96.6.254 dev eth0 table 100\n    }\n    virtual_rules {\n        \
        from 10.96.6.100 table 100 priority 100\n    }\n}\n";
    lab.start("o", OURS, conf);
    let ns = lab.ns("o");
    let table = || ip(&["-n", &ns, "route", "show", "table", "100"]);
    let rules = || ip(&["-n", &ns, "rule", "show"]);
    let main = || ip(&["-n", &ns, "route", "show"]);
    // Static ones come at start, whatever the state.
    lab.wait(
        "static address and route",
        Duration::from_secs(5),
        || lab.holds("o", "10.96.60.1") && main().contains("10.96.61.0/24 via 10.96.6.254"),
        || None,
    );
    lab.wait(
        "MASTER with VIP, virtual route and rule",
        limit(),
        || {
            lab.holds("o", "10.96.6.100")
                && table().contains("10.96.62.0/24 via 10.96.6.254")
                && rules().contains("100:\tfrom 10.96.6.100 lookup 100")
        },
        || None,
    );
    let addrs = ip(&["-n", &ns, "-o", "addr", "show", "dev", "eth0"]);
    assert!(
        addrs.contains("eth0:vip") && addrs.contains("eth0:st"),
        "{addrs}"
    );
    lab.signal("o", "main", "TERM");
    lab.wait(
        "everything removed on stop",
        Duration::from_secs(5),
        || {
            !lab.holds("o", "10.96.6.100")
                && !lab.holds("o", "10.96.60.1")
                && !table().contains("10.96.62.0")
                && !rules().contains("10.96.6.100")
                && !main().contains("10.96.61.0")
        },
        || None,
    );
}

#[test]
fn dont_release_vrrp_leaves_the_vips_at_stop() {
    if !runnable("keepvips") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "keepvips", "10.96.8");
    let a = "10.96.8.100";
    lab.start_with("o", OURS, &single("ours", 150, 79, &[a], ""), &["-V"]);
    lab.wait(
        "MASTER with the VIP",
        limit(),
        || lab.holds("o", a),
        || None,
    );
    lab.signal("o", "main", "TERM");
    // Each process removes its pid file as it exits: the child first, the parent last.
    lab.wait(
        "the daemon stopped",
        Duration::from_secs(10),
        || lab.pid("o", "main").is_none() && lab.pid("o", "vrrp").is_none(),
        || None,
    );
    assert!(lab.holds("o", a), "-V: the VIP must stay\n{}", lab.logs());
}

#[test]
fn vrrp_process_settings_are_applied_to_the_vrrp_child() {
    if !runnable("procset") {
        return;
    }
    let mut lab = BridgeLab::new("ops", "procset", "10.96.9");
    let conf = single("ours", 150, 80, &["10.96.9.100"], "").replace(
        "global_defs {\n",
        "global_defs {\n    vrrp_priority -5\n    vrrp_rt_priority 10\n    vrrp_cpu_affinity 0\n",
    );
    lab.start("o", OURS, &conf);
    lab.wait(
        "the VRRP child",
        Duration::from_secs(10),
        || lab.pid("o", "vrrp").is_some(),
        || None,
    );
    let pid = lab.pid("o", "vrrp").unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which ends with ')'): state is field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| fields.get(n - 3).copied().unwrap_or("");
    assert_eq!(field(40), "10", "rt_priority\n{stat}");
    assert_eq!(field(41), "2", "policy SCHED_RR\n{stat}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Cpus_allowed_list:") && l.ends_with("\t0")),
        "{status}"
    );
}

#[test]
fn systemd_gets_ready_and_stopping_from_the_parent() {
    if !runnable("sdnotify") {
        return;
    }
    let lab = BridgeLab::new("ops", "sdnotify", "10.96.10");
    let sock_path = lab.dir().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).expect("bind");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conf = lab.dir().join("o.conf");
    std::fs::write(&conf, single("ours", 150, 81, &["10.96.10.100"], "")).unwrap();
    /// Stops the daemon even when an assertion fails first.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill")
                .arg(self.0.id().to_string())
                .status();
            let _ = self.0.wait();
        }
    }
    let child = std::process::Command::new("ip")
        .args(["netns", "exec", &lab.ns("o"), OURS, "-n", "-l", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(lab.dir().join("sd.main.pid"))
        .arg("-r")
        .arg(lab.dir().join("sd.vrrp.pid"))
        .env("NOTIFY_SOCKET", &sock_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let child = Stop(child);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let has = |got: &[String], what: &str| got.iter().any(|m| m.contains(what));
    while !has(&got, "READY=1") || !has(&got, "STATUS=") {
        match sock.recv(&mut buf) {
            Ok(n) => got.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) => panic!("no READY=1 ({e}); got {got:?}"),
        }
    }
    // No WatchdogSec: no WATCHDOG=1.
    assert!(!has(&got, "WATCHDOG=1"), "{got:?}");
    let _ = std::process::Command::new("kill")
        .arg(child.0.id().to_string())
        .status();
    while !has(&got, "STOPPING=1") {
        match sock.recv(&mut buf) {
            Ok(n) => got.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) => panic!("no STOPPING=1 ({e}); got {got:?}"),
        }
    }
    drop(child);
}
