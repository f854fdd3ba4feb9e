//! Keywords whose effect had no test (issue 13), shown at run time beside the real
//! keepalived 2.2.7 in network namespaces (prefix kvu, 10.233.0.0/16): each lab starts once
//! and makes several observations. Needs root, /usr/sbin/keepalived and nft.

use std::path::{Path, PathBuf};
use std::time::Duration;

use keepalived_labs::{proc_view, recorded_lines, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// Whether nft is there (the labs drop chosen adverts with it); says why not otherwise.
fn has_nft(test: &str) -> bool {
    if Path::new("/usr/sbin/nft").exists() {
        return true;
    }
    eprintln!("skipped: {test} needs nft (apt-get install nftables)");
    false
}

/// Drops the incoming VRRP adverts of virtual router `vrid` (the VRRP header's second byte).
fn drop_vrid(lab: &BridgeLab, r: &str, vrid: u8) {
    lab.nft(
        r,
        &format!(
            "table ip kvu {{\n chain in {{\n  type filter hook input priority -300;\n  \
             ip protocol 112 @th,8,8 {vrid} drop\n }}\n}}\n"
        ),
    );
}

/// An executable `NAME.sh` that appends each line read from the FIFO given as its argument
/// to `NAME.log` (a `notify_fifo_script`).
fn fifo_reader(dir: &Path, name: &str) -> (String, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let script = dir.join(format!("{name}.sh"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nwhile read -r l; do echo \"$l\" >> {}; done < \"$1\"\n",
            log.display()
        ),
    )
    .expect("fifo script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod fifo script");
    (script.display().to_string(), log)
}

/// VI_1 (VRID 131) and VI_2 (VRID 132) with priorities `p1` and `p2`, each with
/// `notify_master_rx_lower_pri "SCRIPT rx VI_n"`, and a `notify_fifo` read by
/// `notify_fifo_script`.
fn rx_lower_config(name: &str, dir: &Path, p1: u8, p2: u8, notify: &str, reader: &str) -> String {
    let inst = |n: u8, prio: u8| {
        format!(
            "vrrp_instance VI_{n} {{\n    interface eth0\n    virtual_router_id {}\n    \
             priority {prio}\n    advert_int 1\n    \
             notify_master_rx_lower_pri \"{notify} rx VI_{n}\"\n    \
             virtual_ipaddress {{\n        10.233.1.{}/24\n    }}\n}}\n",
            130 + n,
            100 + n
        )
    };
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 0\n    \
         notify_fifo {}/{name}.fifo\n    notify_fifo_script {reader}\n}}\n{}{}",
        dir.display(),
        inst(1, p1),
        inst(2, p2)
    )
}

/// `notify_master_rx_lower_pri` and `notify_fifo_script`: each daemon drops the adverts of
/// the instance where it has the lower priority, so it stays MASTER there and its adverts
/// reach the higher priority MASTER, which runs its `notify_master_rx_lower_pri` script (no
/// arguments added) and writes `INSTANCE "VI_n" MASTER_RX_LOWER_PRI prio` to its notify
/// FIFO, read by the `notify_fifo_script` keepalived started with the FIFO's path: ours on
/// VI_1 (150 over keepalived's 100), keepalived on VI_2 (150 over ours' 100).
#[test]
fn notify_master_rx_lower_pri_and_notify_fifo_script_beside_keepalived() {
    let test = "notify_master_rx_lower_pri_and_notify_fifo_script_beside_keepalived";
    if !runnable(test) || !has_nft(test) {
        return;
    }
    let mut lab = BridgeLab::prefixed("kvu", "rxlow", "10.233.1");
    drop_vrid(&lab, "t", 131);
    drop_vrid(&lab, "o", 132);
    let dir = lab.dir().to_owned();
    let (o_notify, o_log) = lab.recording_script("o-notify");
    let (t_notify, t_log) = lab.recording_script("t-notify");
    let (o_reader, o_fifo) = fifo_reader(&dir, "o-fifo");
    let (t_reader, t_fifo) = fifo_reader(&dir, "t-fifo");
    lab.start(
        "t",
        KEEPALIVED,
        &rx_lower_config("t", &dir, 100, 150, &t_notify, &t_reader),
    );
    lab.start(
        "o",
        OURS,
        &rx_lower_config("o", &dir, 150, 100, &o_notify, &o_reader),
    );
    let fifo_has = |log: &Path, line: &str| recorded_lines(log).iter().any(|l| l == line);
    let seen = || {
        recorded_lines(&o_log).len() >= 2
            && recorded_lines(&t_log).len() >= 2
            && fifo_has(&o_fifo, "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 150")
            && fifo_has(&t_fifo, "INSTANCE \"VI_2\" MASTER_RX_LOWER_PRI 150")
    };
    lab.wait(
        "both daemons notified a lower priority advert",
        Duration::from_secs(15),
        seen,
        || None,
    );
    // Every advert from the lower priority MASTER runs the script again.
    for (log, vi) in [(&o_log, "VI_1"), (&t_log, "VI_2")] {
        let lines = recorded_lines(log);
        assert!(
            lines.iter().all(|l| l == &format!("rx {vi}")),
            "{lines:?}\n{}",
            lab.logs()
        );
    }
    // The FIFO lines of ours are keepalived's, with the instances' roles swapped.
    let events = |log: &Path, vi: &str| {
        let mut v: Vec<String> = recorded_lines(log)
            .into_iter()
            .filter(|l| l.starts_with(&format!("INSTANCE \"{vi}\"")))
            .map(|l| l.replace(vi, "VI"))
            .collect();
        v.dedup();
        v
    };
    eprintln!(
        "ours' FIFO: {:?}\nkeepalived's FIFO: {:?}",
        recorded_lines(&o_fifo),
        recorded_lines(&t_fifo)
    );
    assert_eq!(
        events(&o_fifo, "VI_1"),
        events(&t_fifo, "VI_2"),
        "ours' higher priority instance vs keepalived's\n{}",
        lab.logs()
    );
    assert_eq!(
        events(&o_fifo, "VI_2"),
        events(&t_fifo, "VI_1"),
        "ours' lower priority instance vs keepalived's\n{}",
        lab.logs()
    );
}

/// The tracked processes of [`track_process_matching_quorum_max_and_weight_as_keepalived_decides`], one per
/// instance VI_n (VRID `base + n`), by `vrrp_track_process` body; `exe` is the full path of
/// the tracked program, `comm` its name.
fn track_process_config(name: &str, base: u8, exe: &str, comm: &str, notify: &str) -> String {
    let procs = [
        // Parameters: the whole command line, exactly (argv[0] is the path).
        format!("process {exe} 600"),
        // partial: the first parameters; quorum 2 (both processes).
        format!("process {exe} 600\n    param_match partial\n    quorum 2"),
        // initial: the last parameter a prefix ("60" of "600"): two processes, over quorum_max.
        format!("process {exe} 60\n    param_match initial\n    quorum_max 1"),
        // full_command with the path: both processes, weight 20 added.
        format!("process {exe}\n    full_command\n    weight 20"),
        // full_command with the name alone: argv[0] is the path, no match: weight -30.
        format!("process {comm}\n    full_command\n    weight -30"),
        // param_match (exact) without parameters: the processes have some, no match.
        format!("process {exe}\n    param_match"),
    ];
    let mut conf =
        format!("global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 0\n}}\n");
    for (i, body) in procs.iter().enumerate() {
        let n = i + 1;
        conf += &format!("vrrp_track_process P{n} {{\n    {body}\n}}\n");
        conf += &format!(
            "vrrp_instance VI_{n} {{\n    interface eth0\n    virtual_router_id {}\n    \
             priority 100\n    version 3\n    advert_int 0.5\n    notify {notify}\n    \
             track_process {{\n        P{n}\n    }}\n    \
             virtual_ipaddress {{\n        10.233.2.{}/24\n    }}\n}}\n",
            usize::from(base) + n,
            usize::from(base) + n
        );
    }
    conf
}

/// `vrrp_track_process` matching (`process` with parameters, `param_match` exact, partial
/// and initial, `full_command`), `quorum_max` and `weight`: each instance, alone on its
/// VRID, ends MASTER with its priority or FAULT as keepalived 2.2.7's core/track_process.c
/// and vrrp_parser.c decide (parameters or `param_match` mean the whole command line is
/// matched; an exact match without parameters wants none). keepalived itself cannot be the
/// reference here: in a network namespace its process connector fails ("errno 111") and it
/// never scans /proc, so every process is missing for it (docs/process.md); the VM test
/// track_process_vm.rs runs it in the initial namespace.
#[test]
fn track_process_matching_quorum_max_and_weight_as_keepalived_decides() {
    let test = "track_process_matching_quorum_max_and_weight_as_keepalived_decides";
    if !runnable(test) {
        return;
    }
    let mut lab = BridgeLab::prefixed("kvu", "tproc", "10.233.2");
    let comm = format!("kvu{}", std::process::id() % 100_000);
    let exe = lab.dir().join(&comm);
    std::fs::copy("/bin/sleep", &exe).expect("copy of sleep");
    let exe_s = exe.display().to_string();
    let mut procs: Vec<std::process::Child> = [&["600"][..], &["600", "7"][..]]
        .iter()
        .map(|args| {
            std::process::Command::new(&exe)
                .args(*args)
                .spawn()
                .expect("tracked process")
        })
        .collect();
    let (o_notify, o_log) = lab.recording_script("o-notify");
    lab.start(
        "o",
        OURS,
        &track_process_config("o", 140, &exe_s, &comm, &o_notify),
    );
    let last = |log: &Path| {
        let mut by: std::collections::BTreeMap<String, String> = Default::default();
        for l in recorded_lines(log) {
            let f: Vec<&str> = l.split(' ').collect();
            if let [_, i, state, prio] = f[..] {
                by.insert(i.to_owned(), format!("{state} {prio}"));
            }
        }
        by
    };
    let settled = |log: &Path| {
        let by = last(log);
        by.len() == 6
            && by
                .values()
                .all(|v| v.starts_with("MASTER") || v.starts_with("FAULT"))
    };
    lab.wait(
        "every instance MASTER or FAULT",
        Duration::from_secs(15),
        || settled(&o_log),
        || None,
    );
    // Nothing moves afterwards.
    std::thread::sleep(Duration::from_secs(1));
    for p in &mut procs {
        let _ = p.kill();
        let _ = p.wait();
    }
    let ours = last(&o_log);
    let want: Vec<&str> = vec![
        "MASTER 100",
        "MASTER 100",
        "FAULT 100",
        "MASTER 120",
        "MASTER 70",
        "FAULT 100",
    ];
    assert_eq!(ours.values().collect::<Vec<_>>(), want, "{}", lab.logs());
}

/// Router `r`'s configuration for [`garp_group_and_vrrp_gna_interval_pace_as_keepalived`]:
/// eth0 is in a `garp_group` with a `garp_interval` and no `gna_interval`; eth2 (a veth pair
/// of its own) in one with `interface` and a `gna_interval` of 0.2 s; eth1 (likewise) is in
/// none, so the global `vrrp_gna_interval` paces it. Addresses from `k`.
fn garp_config(r: &str, k: u8) -> String {
    let vips = |fmt: &dyn Fn(u8) -> String| -> String {
        (0..6)
            .map(|i| format!("        {}\n", fmt(k + i)))
            .collect()
    };
    let inst = |n: u8, ifname: &str, body: String| {
        format!(
            "vrrp_instance VI_{n} {{\n    interface {ifname}\n    virtual_router_id {}\n    \
             priority 100\n    version 3\n    advert_int 1\n    \
             virtual_ipaddress {{\n{body}    }}\n}}\n",
            u16::from(k) + u16::from(n)
        )
    };
    format!(
        "global_defs {{\n    router_id {r}\n    vrrp_garp_master_delay 0\n    \
         vrrp_garp_interval 0.2\n    vrrp_gna_interval 0.05\n}}\n\
         garp_group {{\n    garp_interval 0.05\n    interfaces {{\n        eth0\n    }}\n}}\n\
         garp_group {{\n    gna_interval 0.2\n    interface eth2\n}}\n{}{}{}{}",
        inst(1, "eth0", vips(&|i| format!("10.233.3.{i}/24"))),
        inst(2, "eth0", vips(&|i| format!("fd33:3::{i}/64"))),
        inst(3, "eth1", vips(&|i| format!("fd33:4::{i}/64"))),
        inst(4, "eth2", vips(&|i| format!("fd33:5::{i}/64"))),
    )
}

/// Starts tcpdump on `ifname` in `ns`, writing the frames `filter` keeps to `pcap`.
fn capture(ns: &str, ifname: &str, pcap: &Path, filter: &str) -> std::process::Child {
    std::process::Command::new("ip")
        .args([
            "netns", "exec", ns, "tcpdump", "-i", ifname, "-nn", "-U", "-w",
        ])
        .arg(pcap)
        .arg(filter)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tcpdump runs")
}

/// The times of the frames in `pcap` whose tcpdump line contains `what`.
fn frame_times(pcap: &Path, what: &str) -> Vec<f64> {
    let out = std::process::Command::new("tcpdump")
        .args(["-nn", "-tt", "-r"])
        .arg(pcap)
        .output()
        .expect("tcpdump reads");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(what))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

/// (frames, whether every gap is at least 40 ms, whether every gap is under 150 ms) of one
/// takeover's GARPs or NAs: (n, true, true) is a 0.05 s pacing, (n, true, false) 0.2 s.
fn paced(times: &[f64]) -> (usize, bool, bool) {
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    (
        times.len(),
        gaps.iter().all(|g| *g >= 0.04),
        gaps.iter().all(|g| *g < 0.15),
    )
}

/// `garp_group` (`garp_interval`, `interfaces`, and no `gna_interval`) and the global
/// `vrrp_gna_interval`: ours and keepalived, each MASTER alone, put the same number of
/// gratuitous ARPs and unsolicited NAs on the wire, paced the same way: the group's
/// garp_interval (not the global vrrp_garp_interval) spaces eth0's ARPs, eth0's NAs go
/// unpaced (a group without gna_interval has none, the global one is only for interfaces
/// outside every group), eth1's NAs are spaced by vrrp_gna_interval, eth2's by its group's
/// gna_interval.
#[test]
fn garp_group_and_vrrp_gna_interval_pace_as_keepalived() {
    let test = "garp_group_and_vrrp_gna_interval_pace_as_keepalived";
    if !runnable(test) {
        return;
    }
    if std::process::Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: {test} needs tcpdump");
        return;
    }
    let mut lab = BridgeLab::prefixed("kvu", "garp", "10.233.3");
    let mut dumps = Vec::new();
    for r in ["o", "t"] {
        let ns = lab.ns(r);
        for i in ["eth1", "eth2"] {
            let peer = format!("{i}p");
            keepalived_labs::ip(&[
                "-n", &ns, "link", "add", i, "type", "veth", "peer", "name", &peer,
            ]);
            keepalived_labs::ip(&["-n", &ns, "link", "set", i, "up"]);
            keepalived_labs::ip(&["-n", &ns, "link", "set", &peer, "up"]);
        }
        for i in ["eth0", "eth1", "eth2"] {
            dumps.push(capture(
                &ns,
                i,
                &lab.dir().join(format!("{r}-{i}.pcap")),
                "arp or icmp6",
            ));
        }
    }
    std::thread::sleep(Duration::from_millis(700));
    lab.start("t", KEEPALIVED, &garp_config("t", 120));
    lab.start("o", OURS, &garp_config("o", 100));
    let up = || {
        lab.holds("o", "10.233.3.100")
            && lab.holds("t", "10.233.3.120")
            && lab.holds("o", "fd33:4::100")
            && lab.holds("t", "fd33:4::120")
            && lab.holds("o", "fd33:3::100")
            && lab.holds("t", "fd33:3::120")
            && lab.holds("o", "fd33:5::100")
            && lab.holds("t", "fd33:5::120")
    };
    lab.wait("every instance MASTER", Duration::from_secs(15), up, || {
        None
    });
    // The bursts: 5 rounds of 6 addresses, paced at most 0.2 s apart, with room to spare.
    std::thread::sleep(Duration::from_secs(3));
    for d in &mut dumps {
        let _ = std::process::Command::new("kill")
            .arg(d.id().to_string())
            .status();
        let _ = d.wait();
    }
    let seen = |r: &str, i: &str, what: &str| {
        paced(&frame_times(&lab.dir().join(format!("{r}-{i}.pcap")), what))
    };
    // eth0 also sees the other daemon's frames: only the router's own addresses count
    // (ours' from .100/::100, keepalived's from .120/::120).
    let kinds = |k: u8| {
        [
            ("eth0", format!("who-has 10.233.3.{}", k / 10)),
            ("eth0", format!("tgt is fd33:3::{}", k / 10)),
            ("eth1", format!("tgt is fd33:4::{}", k / 10)),
            ("eth2", format!("tgt is fd33:5::{}", k / 10)),
        ]
    };
    let ours: Vec<_> = kinds(100).iter().map(|(i, w)| seen("o", i, w)).collect();
    let theirs: Vec<_> = kinds(120).iter().map(|(i, w)| seen("t", i, w)).collect();
    eprintln!("(frames, spaced) ours {ours:?}\nkeepalived {theirs:?}");
    assert!(
        theirs.iter().all(|(n, ..)| *n >= 6),
        "keepalived: {theirs:?}"
    );
    assert_eq!(ours, theirs, "{}", lab.logs());
}

/// The child process settings of the VRRP and BFD children: `vrrp_no_swap`,
/// `vrrp_rlimit_rttime`, `vrrp_priority` (not applied with `vrrp_rt_priority`, as
/// keepalived's set_process_priorities), `bfd_priority`, `bfd_rt_priority`,
/// `bfd_rlimit_rttime`, `bfd_cpu_affinity`, `bfd_no_swap` and `bfd_process_name`: /proc
/// shows the same of ours' children as of keepalived's, in two labs.
#[test]
fn vrrp_and_bfd_child_settings_show_in_proc_as_keepalived() {
    let test = "vrrp_and_bfd_child_settings_show_in_proc_as_keepalived";
    if !runnable(test) {
        return;
    }
    // The VRRP child realtime and the BFD child not, then the other way round.
    let vrrp_rt = "    vrrp_priority -5\n    vrrp_rt_priority 10\n    vrrp_no_swap\n    \
                   vrrp_rlimit_rttime 20000\n    bfd_priority -4\n    bfd_cpu_affinity 0\n    \
                   bfd_no_swap\n    bfd_process_name kvu_bfd\n";
    let bfd_rt = "    vrrp_priority -5\n    bfd_priority -4\n    bfd_rt_priority 12\n    \
                  bfd_rlimit_rttime 40000\n";
    child_settings_beside_keepalived("procs", vrrp_rt);
    child_settings_beside_keepalived("procs2", bfd_rt);
}

/// Ours and keepalived with `settings` in global_defs: /proc shows the same of their VRRP
/// and BFD children.
fn child_settings_beside_keepalived(name: &str, settings: &str) {
    let mut lab = BridgeLab::prefixed("kvu", name, "10.233.5");
    let conf = |r: &str, vrid: u8| {
        format!(
            "global_defs {{\n    router_id {r}\n{settings}}}\n\
             bfd_instance B1 {{\n    neighbor_ip 10.233.5.9\n}}\n\
             vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             priority 100\n    advert_int 1\n    track_bfd {{\n        B1 weight -10\n    }}\n    \
             virtual_ipaddress {{\n        10.233.5.{vrid}/24\n    }}\n}}\n"
        )
    };
    let dir = lab.dir().to_owned();
    for (r, binary, vrid) in [("t", KEEPALIVED, 52), ("o", OURS, 51)] {
        let path = dir.join(format!("{r}.conf"));
        std::fs::write(&path, conf(r, vrid)).expect("config written");
        let p = |n: &str| dir.join(format!("{r}.{n}.pid")).display().to_string();
        let conf = path.display().to_string();
        let (main, vrrp, bfd) = (p("main"), p("vrrp"), p("bfd"));
        let args = [
            "-n", "-l", "-P", "-f", &conf, "-p", &main, "-r", &vrrp, "-b", &bfd,
        ];
        // -P: no checker child (IPVS is not on this host); the BFD child runs anyway, for the
        // bfd_instance (keepalived's too).
        lab.spawn(r, r, binary, &args);
    }
    let pid = |r: &str, which: &str| {
        std::fs::read_to_string(dir.join(format!("{r}.{which}.pid")))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    let all = || {
        ["o", "t"]
            .iter()
            .all(|r| pid(r, "vrrp").is_some() && pid(r, "bfd").is_some())
    };
    lab.wait(
        "both daemons' children",
        Duration::from_secs(10),
        all,
        || None,
    );
    // The children set themselves up as they start.
    std::thread::sleep(Duration::from_secs(1));
    for which in ["vrrp", "bfd"] {
        let view = |r: &str| pid(r, which).map(proc_view).unwrap_or_default();
        let (ours, theirs) = (view("o"), view("t"));
        eprintln!("{which}: ours {ours:?}\n{which}: keepalived {theirs:?}");
        assert_eq!(ours, theirs, "the {which} child\n{}", lab.logs());
    }
}

/// Reads SO_RCVBUF of every raw socket of protocol 112 held by the process given as argv[1]
/// (pidfd_getfd duplicates each into this one: no raw_diag needed for `ss -m`).
const RCVBUF_PY: &str = r#"
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
pidfd = libc.syscall(434, pid, 0)
out = []
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
            continue
    except OSError:
        continue
    mine = libc.syscall(438, pidfd, int(fd), 0)
    if mine < 0:
        continue
    s = socket.socket(fileno=mine)
    try:
        if s.type == socket.SOCK_RAW and s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) == 112:
            out.append(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    finally:
        s.close()
print(" ".join(str(v) for v in sorted(out)))
"#;

/// The receive buffers (SO_RCVBUF) of the raw VRRP sockets of process `pid`, sorted (the
/// receive socket and the send socket).
fn vrrp_socket_buffers(pid: i32) -> Vec<u64> {
    let out = std::process::Command::new("python3")
        .args(["-c", RCVBUF_PY, &pid.to_string()])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// `vrrp_rx_bufs_policy ADVERT` with `vrrp_rx_bufs_multiplier`: the receive socket of two
/// instances on eth0 gets multiplier x (both adverts' lengths), which the kernel doubles, as
/// keepalived's (read with pidfd_getfd: this kernel has no raw_diag for `ss -m`).
#[test]
fn vrrp_rx_bufs_policy_and_multiplier_size_the_socket_as_keepalived() {
    let test = "vrrp_rx_bufs_policy_and_multiplier_size_the_socket_as_keepalived";
    if !runnable(test) {
        return;
    }
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: {test} needs python3");
        return;
    }
    let mut lab = BridgeLab::prefixed("kvu", "rxbuf", "10.233.6");
    let conf = |r: &str, base: u16| {
        let inst = |n: u16, vips: u16| {
            let list: String = (0..vips)
                .map(|i| format!("        10.233.6.{}/24\n", base + 10 * n + i))
                .collect();
            format!(
                "vrrp_instance VI_{n} {{\n    interface eth0\n    virtual_router_id {}\n    \
                 priority 100\n    advert_int 1\n    virtual_ipaddress {{\n{list}    }}\n}}\n",
                base + n
            )
        };
        format!(
            "global_defs {{\n    router_id {r}\n    vrrp_rx_bufs_policy ADVERT\n    \
             vrrp_rx_bufs_multiplier 50\n}}\n{}{}",
            inst(1, 3),
            inst(2, 5)
        )
    };
    lab.start("t", KEEPALIVED, &conf("t", 150));
    lab.start("o", OURS, &conf("o", 100));
    let bufs = |r: &str| {
        lab.pid(r, "vrrp")
            .map(vrrp_socket_buffers)
            .unwrap_or_default()
    };
    let ready = || !bufs("o").is_empty() && !bufs("t").is_empty();
    lab.wait("both VRRP sockets", Duration::from_secs(10), ready, || None);
    // Both MASTER: the buffers are set once the instances run.
    std::thread::sleep(Duration::from_secs(4));
    let (ours, theirs) = (bufs("o"), bufs("t"));
    eprintln!("rb: ours {ours:?}, keepalived {theirs:?}");
    // The receive socket has the largest (ours' send sockets are not keepalived's: only
    // the receive buffer is sized by these keywords).
    let (o, t) = (ours.last().copied(), theirs.last().copied());
    assert_eq!(o, t, "receive buffer\n{}", lab.logs());
    // 50 x (48 + 56 bytes of adverts), doubled by the kernel.
    assert_eq!(t, Some(10_400), "keepalived");
}

/// `native_ipv6`: the instance is IPv6 (VRRPv3) before its addresses are read, so an IPv4
/// address listed first in `virtual_ipaddress` is ignored ("address family must match")
/// and the IPv6 one after it is the instance's, as keepalived's vrrp_data.c; its adverts go
/// to ff02::12.
#[test]
fn native_ipv6_sends_ipv6_adverts_as_keepalived() {
    let test = "native_ipv6_sends_ipv6_adverts_as_keepalived";
    if !runnable(test) {
        return;
    }
    if std::process::Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: {test} needs tcpdump");
        return;
    }
    let mut lab = BridgeLab::prefixed("kvu", "nat6", "10.233.7");
    let conf = |r: &str, vrid: u8| {
        format!(
            "global_defs {{\n    router_id {r}\n}}\n\
             vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             native_ipv6\n    priority 100\n    advert_int 1\n    \
             virtual_ipaddress {{\n        10.233.7.{vrid}/24\n        fd33:7::{vrid}/64\n    \
             }}\n}}\n"
        )
    };
    let pcap = lab.dir().join("nat6.pcap");
    let mut dump = capture(&lab.ns("s"), "br0", &pcap, "ip6");
    std::thread::sleep(Duration::from_millis(700));
    lab.start("t", KEEPALIVED, &conf("t", 72));
    lab.start("o", OURS, &conf("o", 71));
    let both = || lab.holds("o", "fd33:7::71") && lab.holds("t", "fd33:7::72");
    lab.wait("both MASTER", Duration::from_secs(15), both, || None);
    std::thread::sleep(Duration::from_secs(2));
    assert!(!lab.holds("t", "10.233.7.72"), "keepalived\n{}", lab.logs());
    assert!(!lab.holds("o", "10.233.7.71"), "ours\n{}", lab.logs());
    let _ = std::process::Command::new("kill")
        .arg(dump.id().to_string())
        .status();
    let _ = dump.wait();
    let out = std::process::Command::new("tcpdump")
        .args(["-nn", "-r"])
        .arg(&pcap)
        .arg("ip6 and ip6[6] == 112")
        .output()
        .expect("tcpdump reads");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let adverts = |vrid: u8| {
        text.lines()
            .filter(|l| l.contains("> ff02::12") && l.contains(&format!("vrid {vrid},")))
            .count()
    };
    eprintln!(
        "IPv6 adverts: ours {}, keepalived {}",
        adverts(71),
        adverts(72)
    );
    assert!(adverts(72) > 0, "keepalived\n{text}");
    assert!(adverts(71) > 0, "ours\n{text}\n{}", lab.logs());
}
