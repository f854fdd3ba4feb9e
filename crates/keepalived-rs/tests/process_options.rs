//! Process keywords and flags beside keepalived 2.2.7, same configuration, same timeline:
//! `net_namespace` / `-s` (the daemon enters the namespace, pid files under
//! /run/keepalived/NAME/), `instance`, `use_pid_dir`, `process_names` / `process_name`,
//! pid-file refusal of a second daemon, `startup_script` / `shutdown_script`, script
//! security at run time, `umask`, `-m` / `-M`, `-d`, `-a`, and ours' `--ignore-sigint`
//! (keepalived 2.3). Namespaces `k13p-*`, 10.80.0.0/16. Needs root and /usr/sbin/keepalived.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// /run/keepalived is the host's: one test at a time (ours and keepalived side by side
/// within a test only where their paths differ).
static RUN_KEEPALIVED: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    RUN_KEEPALIVED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// SIGTERM (or `sig`) to `pid`, never to a process group.
fn kill(pid: i32, sig: &str) {
    assert!(pid > 0, "no pid to signal");
    let _ = Command::new("kill")
        .args(["-s", sig, &pid.to_string()])
        .status();
}

/// Waits up to `limit` for `cond`.
fn wait_for(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn write_script(path: &Path, body: &str, mode: u32) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("script");
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
        .expect("chmod");
}

/// The pid in `file` and that process's /proc/PID/comm.
fn comm_of(file: &Path) -> Option<(i32, String)> {
    let pid: i32 = read(file).trim().parse().ok()?;
    let comm = read(Path::new(&format!("/proc/{pid}/comm")));
    Some((pid, comm.trim().to_owned()))
}

/// The file names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs `binary ARGS` in namespace `ns`, waiting for it to exit; its exit code and output.
fn run_once(ns: &str, binary: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, binary])
        .args(args)
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// What a user sees of one run of the first test.
#[derive(Debug, PartialEq)]
struct NsRun {
    pid_files: Vec<String>,
    parent_comm: String,
    vrrp_comm: String,
    vrrp_core_unlimited: bool,
    script_lines: Vec<String>,
    log_lines: Vec<&'static str>,
    second_start: (Option<i32>, bool),
    pid_dir_left: bool,
}

/// The log lines both daemons must write (-d, -a, script security, start/stop scripts).
const NS_LOG_LINES: &[&str] = &[
    "Changing syslog ident to Keepalived_",
    "------< Global definitions >------",
    " Instance name = k13pi",
    " Parent process name = k13p-parent",
    " VRRP process name = keepalived_vrrp",
    " LVS process name = keepalived_lvs",
    "------< VRRP Topology >------",
    " VRRP Instance = VI_1",
    "Unsafe permissions found for script '",
    "startup script script succeeded",
    "shutdown script script succeeded",
    ".1 added to eth0",
    ".7 added to eth0",
];

fn ns_run(name: &str, net: &str, binary: &str) -> NsRun {
    let mut lab = BridgeLab::prefixed("k13p", name, net);
    let dir = lab.dir().to_path_buf();
    let out = dir.join("scripts.out");
    let o = lab.ns("o");
    for (script, body, mode) in [
        (
            "start.sh",
            format!("echo start >> {}", out.display()),
            0o755,
        ),
        ("stop.sh", format!("echo stop >> {}", out.display()), 0o755),
        (
            "notify.sh",
            format!("echo \"$@\" >> {}", out.display()),
            0o755,
        ),
        // World-writable: insecure, so not run under enable_script_security.
        ("bad.sh", format!("echo bad >> {}", out.display()), 0o777),
    ] {
        write_script(&dir.join(script), &body, mode);
    }
    let d = dir.display();
    let conf = format!(
        "net_namespace {o}\ninstance k13pi\n\
         global_defs {{\n  process_names\n  process_name k13p-parent\n  \
         enable_script_security\n  script_user root\n  \
         startup_script \"{d}/start.sh\"\n  shutdown_script \"{d}/stop.sh\"\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  state MASTER\n  virtual_router_id 51\n  \
         priority 150\n  advert_int 1\n  virtual_ipaddress {{\n    {net}.100/24\n  }}\n  \
         notify_master {d}/bad.sh\n  notify {d}/notify.sh\n}}\n"
    );
    let conf_path = dir.join("ns.conf");
    std::fs::write(&conf_path, &conf).expect("config");
    let c = conf_path.display().to_string();
    let s = lab.ns("s");
    // Started from the bridge's namespace: only entering net_namespace finds eth0.
    lab.spawn(
        "s",
        "o",
        binary,
        &["-n", "-l", "-P", "-D", "-d", "-a", "-m", "-f", &c],
    );
    let pid_dir = PathBuf::from(format!("/run/keepalived/{o}"));
    let vip = format!("{net}.100");
    lab.wait(
        "MASTER in net_namespace",
        Duration::from_secs(15),
        || lab.holds("o", &vip) && listing(&pid_dir) == ["keepalived_k13pi.pid", "vrrp_k13pi.pid"],
        || None,
    );
    ip(&[
        "-n",
        &o,
        "addr",
        "add",
        &format!("{net}.7/24"),
        "dev",
        "eth0",
    ]);
    let main = comm_of(&pid_dir.join("keepalived_k13pi.pid")).unwrap_or_default();
    let vrrp = comm_of(&pid_dir.join("vrrp_k13pi.pid")).unwrap_or_default();
    let limits = read(Path::new(&format!("/proc/{}/limits", vrrp.0)));
    let core_unlimited = limits
        .lines()
        .any(|l| l.starts_with("Max core file size") && l.contains("unlimited"));
    let (code, text) = run_once(&s, binary, &["-n", "-l", "-P", "-f", &c]);
    let second_start = (code, text.contains("daemon is already running"));
    let log = dir.join("o.log");
    wait_for(Duration::from_secs(5), || {
        read(&log).contains(".7 added to eth0")
    });
    kill(main.0, "TERM");
    lab.wait_exit("s", Duration::from_secs(15));
    let text = read(&log);
    let log_lines = NS_LOG_LINES
        .iter()
        .copied()
        .filter(|l| text.contains(l))
        .collect();
    // Notify scripts run in the background: their order against each other is the
    // kernel's; the startup script's line comes first, then the set of lines.
    let mut script_lines: Vec<String> = read(&out).lines().map(str::to_owned).collect();
    let first = script_lines.first().cloned().unwrap_or_default();
    script_lines.sort();
    script_lines.insert(0, first);
    NsRun {
        pid_files: listing(&pid_dir),
        parent_comm: main.1,
        vrrp_comm: vrrp.1,
        vrrp_core_unlimited: core_unlimited,
        script_lines,
        log_lines,
        second_start,
        pid_dir_left: pid_dir.exists(),
    }
}

/// `net_namespace` + `instance`: started in another namespace, the daemon runs its
/// instance in the named one; pid files /run/keepalived/NAME/{keepalived,vrrp}_INSTANCE.pid
/// (removed with the directory at stop); `process_names` / `process_name` rename the
/// processes; a second daemon refuses to start; startup, notify and shutdown scripts run
/// (an insecure one does not under enable_script_security); -m, -d and -a log and act.
#[test]
fn net_namespace_instance_and_process_names_as_keepalived() {
    if !runnable("net_namespace_instance_and_process_names_as_keepalived") {
        return;
    }
    let _serial = serial();
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| ns_run("nk", "10.80.1", KEEPALIVED));
        let ours = s.spawn(|| ns_run("no", "10.80.2", OURS));
        (ka.join().expect("keepalived"), ours.join().expect("ours"))
    });
    assert_eq!(ours.parent_comm, "k13p-parent", "{ours:?}");
    assert_eq!(ours.vrrp_comm, "keepalived_vrrp", "{ours:?}");
    assert!(ours.vrrp_core_unlimited, "{ours:?}");
    let lines = &ours.script_lines;
    assert_eq!(lines.first().map(String::as_str), Some("start"), "{ours:?}");
    assert!(
        lines.iter().any(|l| l == "INSTANCE VI_1 MASTER 150"),
        "{ours:?}"
    );
    assert!(lines.iter().any(|l| l == "stop"), "{ours:?}");
    assert!(!lines.iter().any(|l| l == "bad"), "{ours:?}");
    assert_eq!(ours.log_lines, NS_LOG_LINES, "{ours:?}");
    assert!(ours.second_start.1, "{ours:?}");
    assert!(!ours.pid_dir_left, "{ours:?}");
    assert_eq!(ours, ka, "ours vs keepalived");
}

/// `use_pid_dir` (no namespace, no instance): /run/keepalived/{keepalived,vrrp}.pid; the
/// `umask` keyword is the scripts' umask; `-M=PATN` sets core_pattern while running and puts
/// the original back at exit. One daemon at a time: the paths are the host's.
#[test]
fn use_pid_dir_umask_and_core_pattern_as_keepalived() {
    if !runnable("use_pid_dir_umask_and_core_pattern_as_keepalived") {
        return;
    }
    let _serial = serial();
    let pattern_file = Path::new("/proc/sys/kernel/core_pattern");
    let original = read(pattern_file);
    if std::fs::write(pattern_file, original.trim_end()).is_err() {
        eprintln!("skipped: use_pid_dir_umask_and_core_pattern_as_keepalived needs a writable core_pattern");
        return;
    }
    let run = |name: &str, net: &str, binary: &str| {
        let mut lab = BridgeLab::prefixed("k13p", name, net);
        let dir = lab.dir().to_path_buf();
        let out = dir.join("umask.out");
        write_script(
            &dir.join("start.sh"),
            &format!("umask >> {}", out.display()),
            0o755,
        );
        let conf = format!(
            "use_pid_dir\nglobal_defs {{\n  umask 0027\n  script_user root\n  \
             startup_script \"{}/start.sh\"\n}}\n\
             vrrp_instance VI_1 {{\n  interface eth0\n  state MASTER\n  \
             virtual_router_id 52\n  priority 150\n  advert_int 1\n  \
             virtual_ipaddress {{\n    {net}.100/24\n  }}\n}}\n",
            dir.display()
        );
        let c = dir.join("u.conf");
        std::fs::write(&c, conf).expect("config");
        let c = c.display().to_string();
        let pattern = format!("--core-dump-pattern=/tmp/k13p-core-{name}.%p");
        lab.spawn("o", "o", binary, &["-n", "-l", "-P", &pattern, "-f", &c]);
        let vip = format!("{net}.100");
        let pid_dir = Path::new("/run/keepalived");
        lab.wait(
            "MASTER",
            Duration::from_secs(15),
            || lab.holds("o", &vip) && listing(pid_dir).len() == 2,
            || None,
        );
        let files = listing(pid_dir);
        let running_pattern = read(pattern_file).trim().to_owned();
        let main = comm_of(&pid_dir.join("keepalived.pid")).unwrap_or_default();
        kill(main.0, "TERM");
        lab.wait_exit("o", Duration::from_secs(15));
        (
            files,
            running_pattern.replace(name, "X"),
            read(pattern_file),
            read(&out).trim().to_owned(),
            pid_dir.exists(),
        )
    };
    let mut ka = run("uk", "10.80.3", KEEPALIVED);
    let ours = run("uo", "10.80.4", OURS);
    // Deliberate difference (docs/process.md): keepalived 2.2.7 and 2.3 read the original
    // pattern and then write the new one at the file offset the read left, which the
    // kernel ignores (sysctl_writes_strict): their -M never changes core_pattern.
    assert_eq!(ka.1, original.trim_end(), "keepalived's -M writes nothing");
    ka.1 = "/tmp/k13p-core-X.%p".to_owned();
    assert_eq!(
        ours,
        (
            vec!["keepalived.pid".to_owned(), "vrrp.pid".to_owned()],
            "/tmp/k13p-core-X.%p".to_owned(),
            original.clone(),
            "0027".to_owned(),
            false
        )
    );
    assert_eq!(ours, ka, "ours vs keepalived");
}

/// `-s NAME` wins over `net_namespace` (with keepalived's "Overriding" line); a startup
/// script past `startup_script_timeout` is stopped and the children start, a shutdown
/// script past `shutdown_script_timeout` is stopped and the daemon exits. Ours also takes
/// keepalived 2.3's `--ignore-sigint`: SIGINT leaves it running, SIGTERM stops it.
#[test]
fn namespace_flag_overrides_net_namespace_as_keepalived() {
    if !runnable("namespace_flag_overrides_net_namespace_as_keepalived") {
        return;
    }
    let run = |name: &str, net: &str, binary: &str, extra: &[&str]| {
        let mut lab = BridgeLab::prefixed("k13p", name, net);
        let o = lab.ns("o");
        // A startup script that outlives its timeout: stopped, then the children start.
        let conf = format!(
            "net_namespace k13p-nowhere\n\
             global_defs {{\n  enable_script_security\n  script_user root\n  \
             startup_script \"/bin/sleep 30\"\n  startup_script_timeout 1\n  \
             shutdown_script \"/bin/sleep 31\"\n  shutdown_script_timeout 1\n}}\n\
             vrrp_instance VI_1 {{\n  interface eth0\n  state MASTER\n  \
             virtual_router_id 53\n  priority 150\n  advert_int 1\n  \
             virtual_ipaddress {{\n    {net}.100/24\n  }}\n}}\n"
        );
        let c = lab.dir().join("s.conf");
        std::fs::write(&c, conf).expect("config");
        let c = c.display().to_string();
        let mut args = vec!["-n", "-l", "-P", "-s", o.as_str(), "-f", c.as_str()];
        args.extend_from_slice(extra);
        lab.spawn("s", "o", binary, &args);
        let vip = format!("{net}.100");
        let pid_dir = PathBuf::from(format!("/run/keepalived/{o}"));
        lab.wait(
            "MASTER in the -s namespace",
            Duration::from_secs(15),
            || lab.holds("o", &vip) && listing(&pid_dir).len() == 2,
            || None,
        );
        let files = listing(&pid_dir);
        let main = comm_of(&pid_dir.join("keepalived.pid")).unwrap_or_default();
        let mut survived_sigint = None;
        if !extra.is_empty() {
            kill(main.0, "INT");
            // Nothing to wait for when SIGINT is ignored: give a stop the time it takes.
            let stopped = lab.wait_exit("s", Duration::from_secs(2));
            survived_sigint = Some(!stopped && lab.holds("o", &vip));
        }
        kill(main.0, "TERM");
        lab.wait_exit("s", Duration::from_secs(15));
        let log = read(&lab.dir().join("o.log"));
        let overriding = format!(
            "Overriding config net_namespace 'k13p-nowhere' with command line namespace '{o}'"
        );
        let timed_out =
            log.contains("startup script timed out") && log.contains("shutdown script timed out");
        (files, log.contains(&overriding), timed_out, survived_sigint)
    };
    let _serial = serial();
    let (ka, ours, ours_sigint) = std::thread::scope(|s| {
        let ka = s.spawn(|| run("sk", "10.80.5", KEEPALIVED, &[]));
        let ours = s.spawn(|| run("so", "10.80.6", OURS, &[]));
        let sigint = s.spawn(|| run("si", "10.80.7", OURS, &["--ignore-sigint"]));
        (
            ka.join().expect("keepalived"),
            ours.join().expect("ours"),
            sigint.join().expect("ours --ignore-sigint"),
        )
    });
    let files = vec!["keepalived.pid".to_owned(), "vrrp.pid".to_owned()];
    assert_eq!(ours, (files, true, true, None));
    assert_eq!(ours, ka, "ours vs keepalived");
    assert_eq!(
        ours_sigint.3,
        Some(true),
        "--ignore-sigint: {ours_sigint:?}"
    );
}

/// `-t` enters the namespace (`-s` or `net_namespace`) before it checks, so the interfaces
/// checked are the namespace's; one that cannot be entered makes keepalived exit 0 having
/// checked nothing.
#[test]
fn config_test_checks_interfaces_in_the_namespace_as_keepalived() {
    if !runnable("config_test_checks_interfaces_in_the_namespace_as_keepalived") {
        return;
    }
    let lab = BridgeLab::prefixed("k13p", "t", "10.80.8");
    let (o, s) = (lab.ns("o"), lab.ns("s"));
    let conf = |ns: &str| {
        let path = lab.dir().join(format!("t-{ns}.conf"));
        std::fs::write(
            &path,
            format!(
                "net_namespace {ns}\nvrrp_instance VI_1 {{\n  interface eth0\n  \
                 virtual_router_id 54\n  priority 100\n  virtual_ipaddress {{\n    \
                 10.80.8.100/24\n  }}\n}}\n"
            ),
        )
        .expect("config");
        path.display().to_string()
    };
    // eth0 is in o, not in s (the bridge's namespace).
    let cases: Vec<Vec<String>> = vec![
        vec!["-t".into(), "-f".into(), conf(&o)],
        vec!["-t".into(), "-f".into(), conf(&s)],
        vec!["-t".into(), "-f".into(), conf("k13p-nowhere")],
        vec!["-t".into(), "-s".into(), o.clone(), "-f".into(), conf(&s)],
    ];
    let codes = |binary: &str| -> Vec<Option<i32>> {
        cases
            .iter()
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                // From the bridge's namespace, like the daemons above.
                run_once(&s, binary, &args).0
            })
            .collect()
    };
    let ours = codes(OURS);
    assert_eq!(ours, [Some(0), Some(5), Some(0), Some(0)]);
    assert_eq!(ours, codes(KEEPALIVED), "ours vs keepalived");
}

/// An instance keepalived's vrrp_complete_instance refuses (here VRRPv3 without a VIP, and
/// strict mode without one) stops the VRRP process with a configuration error, and the
/// parent with it: "exited with permanent error CONFIG. Terminating", exit code 2. A VRRPv2
/// instance without a VIP only gets a warning and runs.
#[test]
fn an_instance_keepalived_refuses_stops_the_daemon_with_a_config_error() {
    if !runnable("an_instance_keepalived_refuses_stops_the_daemon_with_a_config_error") {
        return;
    }
    let lab = BridgeLab::prefixed("k13p", "c", "10.80.9");
    let o = lab.ns("o");
    let dir = lab.dir().to_path_buf();
    let run = |binary: &str, tag: &str, extra: &str| -> (Option<i32>, String) {
        let conf = dir.join(format!("c-{tag}.conf"));
        std::fs::write(
            &conf,
            format!(
                "vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 55\n  \
                 priority 100\n  advert_int 1\n{extra}}}\n"
            ),
        )
        .expect("config");
        let pid = |p: &str| dir.join(format!("c-{tag}-{p}.pid")).display().to_string();
        let (main, vrrp, check, bfd) = (pid("m"), pid("v"), pid("c"), pid("b"));
        let args = [
            "-n",
            "-l",
            "-P",
            "-f",
            conf.to_str().expect("utf-8 path"),
            "-p",
            &main,
            "-r",
            &vrrp,
            "-c",
            &check,
            "-b",
            &bfd,
        ];
        let mut all = vec!["10", binary];
        all.extend(args);
        run_once(&o, "timeout", &all)
    };
    for (tag, extra) in [("v3", "  version 3\n"), ("strict", "  strict_mode on\n")] {
        let (code, text) = run(KEEPALIVED, &format!("k-{tag}"), extra);
        assert_eq!(code, Some(2), "keepalived, {tag}:\n{text}");
        let (ours, ours_text) = run(OURS, &format!("o-{tag}"), extra);
        assert_eq!(ours, code, "ours vs keepalived, {tag}:\n{ours_text}");
        for line in [
            "(VI_1) No VIP specified; at least one is required",
            "exited with permanent error CONFIG. Terminating",
        ] {
            assert!(text.contains(line), "keepalived, {tag}: {line}\n{text}");
            assert!(ours_text.contains(line), "ours, {tag}: {line}\n{ours_text}");
        }
    }
    // VRRPv2: a warning, and the daemon runs until timeout stops it (124).
    let (code, text) = run(OURS, "o-v2", "");
    assert_eq!(code, Some(124), "ours, v2:\n{text}");
    assert!(
        text.contains("(VI_1) No VIP specified; at least one is sensible"),
        "{text}"
    );
}
