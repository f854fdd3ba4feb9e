//! The checker child through the binary: `-C --no-ipvs` runs TCP_CHECK and HTTP_GET against a
//! web server on another namespace and reports real servers up and down through notify
//! scripts; without `--no-ipvs` on a kernel without IPVS it refuses to run, clearly.

use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn conf(notify: &str, port: u16) -> String {
    format!(
        "global_defs {{\n    router_id ours\n}}\n\
         virtual_server 10.96.7.100 {port} {{\n    delay_loop 1\n    alpha\n    lb_algo rr\n    lb_kind DR\n    \
         protocol TCP\n    real_server 10.96.7.2 {port} {{\n        weight 1\n        \
         notify_up \"{notify} tcp UP\"\n        notify_down \"{notify} tcp DOWN\"\n        \
         TCP_CHECK {{\n            connect_timeout 1\n            retry 1\n            \
         delay_before_retry 1\n        }}\n    }}\n}}\n\
         virtual_server 10.96.7.101 {port} {{\n    delay_loop 1\n    alpha\n    lb_algo rr\n    lb_kind DR\n    \
         protocol TCP\n    real_server 10.96.7.2 {port} {{\n        weight 1\n        \
         notify_up \"{notify} http UP\"\n        notify_down \"{notify} http DOWN\"\n        \
         HTTP_GET {{\n            url {{\n                path /\n                \
         status_code 200\n            }}\n            connect_timeout 1\n            retry 1\n            \
         delay_before_retry 1\n        }}\n    }}\n}}\n"
    )
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn checker_child_reports_real_servers_up_and_down() {
    if !runnable("checkers") || !std::path::Path::new("/usr/bin/python3").exists() {
        return;
    }
    let mut lab = BridgeLab::new("ops", "checkers", "10.96.7");
    let log = lab.dir().join("notify.log");
    let script = lab.dir().join("notify.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1 $2\" >> {}\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let backend = lab.ns("t");
    let web = || {
        Command::new("ip")
            .args(["netns", "exec", &backend, "python3", "-m", "http.server"])
            .args(["8080", "--bind", "10.96.7.2", "--directory", "/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("web server")
    };
    let mut server = web();
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with(
        "o",
        OURS,
        &conf(&script.display().to_string(), 8080),
        &["-C", "--no-ipvs", "-c", &pid_file],
    );
    let has = |want: &[&str]| {
        let l = lines(&log);
        want.iter().all(|w| l.iter().any(|x| x == w))
    };
    lab.wait(
        "both UP",
        Duration::from_secs(15),
        || has(&["tcp UP", "http UP"]),
        || None,
    );
    let child = lab.pid("o", "checkers").expect("checkers pid file");
    // The parent forwards the dump signals and SIGHUP to every child: the checker child
    // ignores the former and reloads on the latter, without flapping its real servers.
    let before = lines(&log);
    for sig in ["USR1", "USR2", "HUP"] {
        lab.signal("o", "main", sig);
    }
    lab.wait(
        "the reload",
        Duration::from_secs(10),
        || lab.logs().contains("Reloading"),
        || None,
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(lab.pid("o", "checkers"), Some(child), "{}", lab.logs());
    assert_eq!(lines(&log), before, "no notify from a reload");
    let _ = server.kill();
    let _ = server.wait();
    lab.wait(
        "both DOWN",
        Duration::from_secs(15),
        || has(&["tcp DOWN", "http DOWN"]),
        || None,
    );
    std::fs::write(&log, "").unwrap();
    let mut server = web();
    lab.wait(
        "both UP again",
        Duration::from_secs(15),
        || has(&["tcp UP", "http UP"]),
        || None,
    );
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn without_ipvs_the_checker_child_refuses_clearly() {
    if !runnable("noipvs") || std::path::Path::new("/proc/net/ip_vs").exists() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("kr-noipvs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.conf");
    std::fs::write(&path, conf("/bin/true", 8080)).unwrap();
    let ns = format!("kr-noipvs-{}", std::process::id() % 100_000);
    ip(&["netns", "add", &ns]);
    let out = Command::new("timeout")
        .args([
            "20", "ip", "netns", "exec", &ns, OURS, "-n", "-l", "-C", "-f",
        ])
        .arg(&path)
        .arg("-p")
        .arg(dir.join("main.pid"))
        .arg("-c")
        .arg(dir.join("checkers.pid"))
        .output()
        .expect("runs");
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    // keepalived 2.2.7 here: "pid N exited with permanent error FATAL. Terminating", exit 1.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("exited with permanent error FATAL. Terminating"),
        "{err}"
    );
    assert!(err.contains("the kernel has no IPVS"), "{err}");
    assert!(err.contains("--no-ipvs"), "{err}");
}

/// keepalived's checker raises RLIMIT_NOFILE to 17 + one per socket checker + one per
/// smtp_alert + 10 (set_checker_max_fds) and gives its scripts the original limit back.
/// 1,100 TCP_CHECKs started together (warmup 0) towards an address nobody answers hold
/// their sockets for the connect timeout: under a soft limit of 1,024 their socket() calls
/// failed ("TCP socket bind failed. Rescheduling.") until ours raised it too.
#[test]
fn the_open_file_limit_fits_the_checkers() {
    if !runnable("fdlimit") {
        return;
    }
    const N: usize = 1100;
    // The daemon inherits this test process's limit: a soft 1,024, as on most hosts.
    let (soft, hard) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let start_soft = soft.min(1024);
    nix::sys::resource::setrlimit(
        nix::sys::resource::Resource::RLIMIT_NOFILE,
        start_soft,
        hard,
    )
    .unwrap();
    let mut lab = BridgeLab::new("ops", "fdlimit", "10.96.63");
    let out = lab.dir().join("ulimit.out");
    let mut conf = String::from(
        "global_defs {\n    router_id ours\n}\nvirtual_server 10.96.63.100 80 {\n    \
         delay_loop 5\n    warmup 0\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n",
    );
    for i in 0..N {
        let notify = if i == 0 {
            format!(
                "        notify_down \"/bin/sh -c 'ulimit -n > {}'\"\n",
                out.display()
            )
        } else {
            String::new()
        };
        conf.push_str(&format!(
            "    real_server 10.96.63.200 {} {{\n{notify}        TCP_CHECK {{\n            \
             connect_timeout 4\n            retry 0\n        }}\n    }}\n",
            20000 + i
        ));
    }
    conf.push_str("}\n");
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with("o", OURS, &conf, &["-C", "--no-ipvs", "-c", &pid_file]);
    lab.wait(
        "the first real server down",
        Duration::from_secs(30),
        || std::fs::read_to_string(&out).is_ok_and(|s| !s.trim().is_empty()),
        || None,
    );
    let child = lab.pid("o", "checkers").expect("checkers pid file");
    let limits = std::fs::read_to_string(format!("/proc/{child}/limits")).unwrap();
    let line = (limits.lines())
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_owned();
    let raised: u64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(raised >= (17 + N + 10) as u64, "{line}");
    let logs = lab.logs();
    assert!(!logs.contains("socket bind failed"), "{logs}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().trim(),
        start_soft.to_string(),
        "the script gets the original limit"
    );
}
