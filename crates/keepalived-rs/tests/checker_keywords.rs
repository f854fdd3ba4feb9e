//! The checker-side keywords whose effect had no test (issue 13), shown at run time in
//! network namespaces (prefix kc, 10.215.0.0/24): the checker child's process settings and
//! name, `child_wait_time`, and the connection checkers' `bind_if` and `fwmark`. Needs root
//! and /usr/sbin/keepalived (the labs' condition); the checker child runs with `--no-ipvs`
//! (this host has no IPVS: keepalived's own checker child exits at ipvs_start here, before
//! it sets its priorities, so ours is held to keepalived's documented meaning, and to the
//! VRRP and BFD children's settings that acting_keywords.rs compares with keepalived's).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use keepalived_labs::{proc_view, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// A virtual server whose real server 10.215.0.2:`port` (router `t`) has a TCP_CHECK.
fn tcp_service(port: u16, check_extra: &str) -> String {
    format!(
        "virtual_server 10.215.0.100 {port} {{\n    delay_loop 1\n    lb_algo rr\n    \
         lb_kind DR\n    protocol TCP\n    real_server 10.215.0.2 {port} {{\n        \
         weight 1\n        TCP_CHECK {{\n            connect_timeout 1\n{check_extra}        \
         }}\n    }}\n}}\n"
    )
}

/// Ours with `global` in global_defs and a checker child only (`-C --no-ipvs`): what /proc
/// shows of that child once it runs.
fn checker_child_view(name: &str, global: &str) -> Vec<String> {
    let mut lab = BridgeLab::prefixed("kc", name, "10.215.0");
    let conf = format!(
        "global_defs {{\n    router_id {name}\n{global}}}\n{}",
        tcp_service(8080, "")
    );
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with("o", OURS, &conf, &["-C", "--no-ipvs", "-c", &pid_file]);
    lab.wait(
        "the checker child",
        Duration::from_secs(10),
        || lab.pid("o", "checkers").is_some(),
        || None,
    );
    // The child sets itself up before it writes its pid file; the view is read after it.
    std::thread::sleep(Duration::from_millis(300));
    let view = lab.pid("o", "checkers").map(proc_view).unwrap_or_default();
    eprintln!("{name}: {view:?}\n{}", lab.logs());
    view
}

/// `checker_priority`, `checker_cpu_affinity`, `checker_no_swap`, `checker_rt_priority`,
/// `checker_rlimit_rttime` / `checker_rlimit_rtime`, `checker_process_name` /
/// `lvs_process_name` (and `process_names`): the checker child's nice value, CPUs, locked
/// memory, realtime policy (SCHED_RR, where keepalived's set_process_priorities leaves the
/// nice value alone), RLIMIT_RTTIME and comm, as keepalived documents them (and as ours'
/// VRRP and BFD children, which acting_keywords.rs compares with keepalived's, do).
#[test]
fn checker_child_settings_and_name_show_in_proc() {
    if !runnable("checker_child_settings_and_name_show_in_proc") {
        return;
    }
    let view = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    // Names longer than 15 bytes are truncated as keepalived's save_process_name.
    let nice = checker_child_view(
        "nice",
        "    process_names\n    checker_process_name kc-checker-process\n    \
         checker_priority -5\n    checker_cpu_affinity 0\n    checker_no_swap\n",
    );
    let unlimited = nice.last().cloned().unwrap_or_default();
    assert_eq!(
        nice,
        view(&[
            "comm kc-checker-proc",
            "nice -5",
            "rt_priority 0",
            "policy 0",
            "cpus 0",
            "locked true",
            &unlimited,
        ])
    );
    assert_eq!(unlimited, "rttime hard unlimited");
    let realtime = checker_child_view(
        "rt",
        "    lvs_process_name kc_lvs\n    checker_priority -5\n    \
         checker_rt_priority 10\n    checker_rlimit_rtime 20000\n",
    );
    let cpus = realtime.get(4).cloned().unwrap_or_default();
    assert_eq!(
        realtime,
        view(&[
            "comm kc_lvs",
            "nice 0",
            "rt_priority 10",
            "policy 2",
            &cpus,
            "locked false",
            "rttime hard 20000",
        ])
    );
    // keepalived's default RLIMIT_RTTIME once realtime (10 ms), and process_names' name.
    let default_rt = checker_child_view("rtd", "    process_names\n    checker_rt_priority 5\n");
    assert_eq!(
        default_rt.first().map(String::as_str),
        Some("comm keepalived_lvs")
    );
    assert_eq!(
        default_rt.last().map(String::as_str),
        Some("rttime hard 10000")
    );
}

/// The state letter of process `pid` (R, S, T, Z...), None once it is gone.
fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Sends `sig` to `pid` (never to a group).
fn kill(pid: i32, sig: &str) {
    assert!(pid > 0, "no pid to signal");
    let _ = Command::new("kill")
        .args(["-s", sig, &pid.to_string()])
        .status();
}

/// What a stop with a stopped (SIGSTOP) VRRP child shows.
#[derive(Debug, PartialEq)]
struct HungStop {
    /// Whether the parent was still running `wait` after its SIGTERM, and the child's state.
    waiting: (bool, Option<char>),
    /// Whether the parent exited (within 15 s of its SIGTERM, SIGCONT given after `wait`).
    exited: bool,
    /// "vrrp process failed to die - forcing termination" logged.
    forced: bool,
    /// The child afterwards: gone (or a zombie nobody reaped yet).
    child_dead: bool,
    /// Whether the VIP is still there (a killed child leaves its addresses).
    vip_left: bool,
}

/// `child_wait_time SECS` in router `r` of `lab` running `binary`: its VRRP child is stopped
/// with SIGSTOP, the parent gets SIGTERM; after `wait` the child is continued (SIGCONT).
fn hung_child_stop(lab: &mut BridgeLab, r: &str, vrid: u8, wait: Duration) -> HungStop {
    let vip = format!("10.215.0.{vrid}");
    let main = lab.pid(r, "main").expect("main pid");
    let child = lab.pid(r, "vrrp").expect("vrrp pid");
    kill(child, "STOP");
    lab.wait(
        "the VRRP child stopped",
        Duration::from_secs(5),
        || proc_state(child) == Some('T'),
        || None,
    );
    kill(main, "TERM");
    std::thread::sleep(wait);
    // A zombie is dead: keepalived's parent does not reap the child it killed.
    let alive = |pid: i32| proc_state(pid).filter(|s| *s != 'Z');
    let waiting = (alive(main).is_some(), alive(child));
    kill_if_alive(child, "CONT");
    let exited = lab.wait_exit(r, Duration::from_secs(15));
    let log = std::fs::read_to_string(lab.dir().join(format!("{r}.log"))).unwrap_or_default();
    HungStop {
        waiting,
        exited,
        forced: log.contains("vrrp process failed to die - forcing termination"),
        child_dead: {
            // SIGKILL (or SIGCONT, then the pending SIGTERM) ends it; give the kernel a moment.
            let start = std::time::Instant::now();
            while start.elapsed() < Duration::from_secs(5)
                && proc_state(child).is_some_and(|s| s != 'Z')
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            !matches!(proc_state(child), Some(s) if s != 'Z')
        },
        vip_left: lab.holds(r, &vip),
    }
}

/// SIGCONT to `pid` if it still exists.
fn kill_if_alive(pid: i32, sig: &str) {
    if proc_state(pid).is_some() {
        kill(pid, sig);
    }
}

/// Ours and keepalived, each MASTER of its own VRID with `child_wait_time SECS`, stopped
/// with a hung VRRP child (`hung_child_stop`).
fn child_wait_beside_keepalived(name: &str, secs: u32, wait: Duration) -> (HungStop, HungStop) {
    let mut lab = BridgeLab::prefixed("kc", name, "10.215.0");
    let conf = |r: &str, vrid: u8| {
        format!(
            "child_wait_time {secs}\nglobal_defs {{\n    router_id {r}\n}}\n\
             vrrp_instance VI_1 {{\n    interface eth0\n    state MASTER\n    \
             virtual_router_id {vrid}\n    priority 150\n    advert_int 1\n    \
             virtual_ipaddress {{\n        10.215.0.{vrid}/24\n    }}\n}}\n"
        )
    };
    lab.start("t", KEEPALIVED, &conf("t", 62));
    lab.start("o", OURS, &conf("o", 61));
    lab.wait(
        "both MASTER",
        Duration::from_secs(15),
        || lab.holds("o", "10.215.0.61") && lab.holds("t", "10.215.0.62"),
        || None,
    );
    let theirs = hung_child_stop(&mut lab, "t", 62, wait);
    let ours = hung_child_stop(&mut lab, "o", 61, wait);
    eprintln!(
        "{name}: ours {ours:?}\nkeepalived {theirs:?}\n{}",
        lab.logs()
    );
    (ours, theirs)
}

/// `child_wait_time`: at stop, a child that does not exit within child_wait_time (here a
/// VRRP child held with SIGSTOP) is killed ("vrrp process failed to die - forcing
/// termination", SIGKILL: its VIP stays) and the parent exits; with a long child_wait_time
/// the parent keeps waiting (the child is not killed), and a child that then goes on exits
/// by itself (its VIP removed) with no forced termination. Beside keepalived.
#[test]
fn child_wait_time_kills_a_hung_child_as_keepalived() {
    if !runnable("child_wait_time_kills_a_hung_child_as_keepalived") {
        return;
    }
    let ((short_ours, short_theirs), (long_ours, long_theirs)) = std::thread::scope(|s| {
        // 1 s: the parent has given up waiting well before the 3 s look.
        let short = s.spawn(|| child_wait_beside_keepalived("cws", 1, Duration::from_secs(3)));
        // 60 s: the parent still waits at the 3 s look.
        let long = s.spawn(|| child_wait_beside_keepalived("cwl", 60, Duration::from_secs(3)));
        (short.join().expect("short"), long.join().expect("long"))
    });
    assert_eq!(
        short_ours,
        HungStop {
            waiting: (false, None),
            exited: true,
            forced: true,
            child_dead: true,
            vip_left: true,
        }
    );
    assert_eq!(
        long_ours,
        HungStop {
            waiting: (true, Some('T')),
            exited: true,
            forced: false,
            child_dead: true,
            vip_left: false,
        }
    );
    assert_eq!(short_ours, short_theirs, "ours vs keepalived, short wait");
    assert_eq!(long_ours, long_theirs, "ours vs keepalived, long wait");
}

/// Accepts (and closes) TCP connections on the ports given as arguments, address argv[1].
const LISTENER_PY: &str = r#"
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in sys.argv[2:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(port)))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()
"#;

/// The packet count of the nft rule with `comment` in router `r`'s table `ip kc`.
fn nft_count(lab: &BridgeLab, r: &str, comment: &str) -> Option<u64> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns(r),
            "nft",
            "list",
            "table",
            "ip",
            "kc",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains(&format!("\"{comment}\"")))?;
    line.split("packets ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `bind_if` and `fwmark` of a connection checker: the probe's socket is bound to the
/// interface (SO_BINDTODEVICE), so a TCP_CHECK of a real server reachable only through
/// eth0 succeeds with `bind_if eth0` and fails with `bind_if kcx` (another link: its real
/// server goes DOWN); the probe's packets carry the `fwmark` (SO_MARK), which an nftables
/// rule counting `meta mark 7` sees for the checker with `fwmark 7` and not for the one
/// without.
#[test]
fn bind_if_and_fwmark_mark_and_bind_the_probe_socket() {
    let test = "bind_if_and_fwmark_mark_and_bind_the_probe_socket";
    if !runnable(test) {
        return;
    }
    if !Path::new("/usr/sbin/nft").exists() || Command::new("python3").arg("-V").output().is_err() {
        eprintln!("skipped: {test} needs nft and python3");
        return;
    }
    let mut lab = BridgeLab::prefixed("kc", "bind", "10.215.0");
    let o = lab.ns("o");
    // A second link in o, up, that does not lead to t.
    keepalived_labs::ip(&[
        "-n", &o, "link", "add", "kcx", "type", "veth", "peer", "name", "kcy",
    ]);
    keepalived_labs::ip(&["-n", &o, "link", "set", "kcx", "up"]);
    keepalived_labs::ip(&["-n", &o, "link", "set", "kcy", "up"]);
    lab.nft(
        "o",
        "table ip kc {\n chain out {\n  type filter hook output priority 0;\n  \
         tcp dport 8083 meta mark 7 counter comment \"marked\"\n  \
         tcp dport 8084 meta mark 7 counter comment \"unmarked\"\n }\n}\n",
    );
    lab.spawn(
        "t",
        "listener",
        "python3",
        &[
            "-c",
            LISTENER_PY,
            "10.215.0.2",
            "8081",
            "8082",
            "8083",
            "8084",
        ],
    );
    let (notify, log) = lab.recording_script("notify");
    let rs = |port: u16, tag: &str, extra: &str| {
        format!(
            "    real_server 10.215.0.2 {port} {{\n        weight 1\n        \
             notify_up \"{notify} {tag} UP\"\n        notify_down \"{notify} {tag} DOWN\"\n        \
             TCP_CHECK {{\n            connect_timeout 1\n            retry 0\n{extra}        \
             }}\n    }}\n"
        )
    };
    let conf = format!(
        "global_defs {{\n    router_id bind\n}}\n\
         virtual_server 10.215.0.100 80 {{\n    delay_loop 1\n    alpha\n    lb_algo rr\n    \
         lb_kind DR\n    protocol TCP\n{}{}{}{}}}\n",
        rs(8081, "eth0", "            bind_if eth0\n"),
        rs(8082, "kcx", "            bind_if kcx\n"),
        rs(8083, "marked", "            fwmark 7\n"),
        rs(8084, "unmarked", ""),
    );
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with("o", OURS, &conf, &["-C", "--no-ipvs", "-c", &pid_file]);
    // alpha: each real server starts DOWN and goes UP at its first successful check.
    let lines = || keepalived_labs::recorded_lines(&log);
    let up = |tag: &str| lines().iter().any(|l| l == &format!("{tag} UP"));
    lab.wait(
        "the real servers reachable through eth0 UP",
        Duration::from_secs(10),
        || up("eth0") && up("marked") && up("unmarked"),
        || None,
    );
    // Three more checks of each (delay_loop 1, connect_timeout 1): kcx never connects.
    std::thread::sleep(Duration::from_secs(3));
    assert!(!up("kcx"), "{:?}\n{}", lines(), lab.logs());
    let (marked, unmarked) = (
        nft_count(&lab, "o", "marked"),
        nft_count(&lab, "o", "unmarked"),
    );
    assert!(marked.is_some_and(|n| n > 0), "marked {marked:?}");
    assert_eq!(unmarked, Some(0));
}

/// The root `SSL` block's setup at the checker's start (keepalived's init_ssl_ctx): with an
/// SSL_GET, a `ca` file without a certificate stops the checker child with keepalived's
/// lines, and the daemon with it ("exited with permanent error FATAL. Terminating", exit
/// code 1); without an SSL_GET the same block is not even loaded and the daemon runs.
#[test]
fn a_bad_ssl_block_stops_the_checker_child_as_keepalived() {
    let test = "a_bad_ssl_block_stops_the_checker_child_as_keepalived";
    if !runnable(test) {
        return;
    }
    let lab = BridgeLab::prefixed("kc", "sslbad", "10.215.0");
    let dir = lab.dir().to_path_buf();
    let not_a_cert = dir.join("not-a-cert.pem");
    std::fs::write(&not_a_cert, "no certificate here\n").expect("file");
    let run = |tag: &str, checker: &str| -> (Option<i32>, String) {
        let conf = dir.join(format!("{tag}.conf"));
        std::fs::write(
            &conf,
            format!(
                "SSL {{\n    ca {}\n}}\n\
                 virtual_server 10.215.0.100 443 {{\n    delay_loop 1\n    lb_algo rr\n    \
                 lb_kind DR\n    protocol TCP\n    real_server 10.215.0.2 443 {{\n        \
                 {checker} {{\n            connect_timeout 1\n{}        }}\n    }}\n}}\n",
                not_a_cert.display(),
                if checker == "SSL_GET" {
                    "            url {\n                path /\n            }\n"
                } else {
                    ""
                }
            ),
        )
        .expect("config");
        let p = |n: &str| dir.join(format!("{tag}.{n}.pid")).display().to_string();
        let out = Command::new("timeout")
            .args(["4", "ip", "netns", "exec", &lab.ns("o"), OURS])
            .args(["-n", "-l", "-C", "--no-ipvs", "-f"])
            .arg(&conf)
            .args(["-p", &p("main"), "-c", &p("checkers")])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), text)
    };
    let (code, text) = run("ssl", "SSL_GET");
    assert_eq!(code, Some(1), "{text}");
    for line in [
        "SSL error : Cant load CA file...",
        "Error Initialize SSL, ctx Instance",
        "Terminate...",
        "exited with permanent error FATAL. Terminating",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
    // A TCP_CHECK only: runs until timeout stops it (124).
    let (code, text) = run("tcp", "TCP_CHECK");
    assert_eq!(code, Some(124), "{text}");
    assert!(!text.contains("Cant load CA file"), "{text}");
}
