//! E-mail alerts beside the real keepalived 2.2.7: both routers mail the same SMTP server
//! (Debian's python3-aiosmtpd, in the lab's bridge namespace) on the same transitions, and
//! the mails match but for Date and the router_id; with the SMTP server black-holed, ours'
//! takeover is not held up by the mail. Needs root, /usr/sbin/keepalived and
//! python3-aiosmtpd.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const LIMIT: Duration = Duration::from_secs(30);

/// Debian's python3 (aiosmtpd is a Debian package, not in any other python on PATH).
const PYTHON: &str = "/usr/bin/python3";

fn aiosmtpd_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: needs python3-aiosmtpd (apt-get install python3-aiosmtpd)");
    }
    ok
}

/// `python3 -m aiosmtpd -n -l ADDR:PORT` in namespace `ns`, printing mails to `log`;
/// killed on drop.
struct SmtpServer(Child);

impl SmtpServer {
    fn start(ns: &str, listen: &str, log: &std::path::Path) -> SmtpServer {
        let out = std::fs::File::create(log).expect("smtp log");
        let child = Command::new("ip")
            .args([
                "netns", "exec", ns, PYTHON, "-u", "-m", "aiosmtpd", "-n", "-l", listen,
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        SmtpServer(child)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until aiosmtpd listens on port 2525 in the bridge namespace.
fn wait_listening(lab: &BridgeLab) {
    let listening = || {
        Command::new("ip")
            .args(["netns", "exec", &lab.ns("s"), "ss", "-ltnH"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(":2525 "))
    };
    lab.wait("aiosmtpd listening", LIMIT, listening, || None);
}

/// A lab whose bridge namespace has NET.9 and an aiosmtpd listening on NET.9:2525: the lab,
/// the server, its log and the `smtp_server` value.
fn mail_lab(name: &str, net: &str) -> (BridgeLab, SmtpServer, std::path::PathBuf, String) {
    let lab = BridgeLab::new("mgmt", name, net);
    let s = lab.ns("s");
    ip(&[
        "-n",
        &s,
        "addr",
        "add",
        &format!("{net}.9/24"),
        "dev",
        "br0",
    ]);
    let log = lab.dir().join("smtp.log");
    let server = SmtpServer::start(&s, &format!("{net}.9:2525"), &log);
    wait_listening(&lab);
    (lab, server, log, format!("{net}.9 2525"))
}

fn conf(router_id: &str, priority: u8, net: &str, smtp: &str) -> String {
    format!(
        "global_defs {{\n    router_id {router_id}\n    notification_email {{\n        ops@example.org\n        \
         noc@example.org\n    }}\n    notification_email_from ka@example.org\n    smtp_server {smtp}\n    \
         smtp_helo_name lab\n    smtp_connect_timeout 30\n    smtp_alert\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 75\n    priority {priority}\n    \
         advert_int 1\n    virtual_ipaddress {{\n        {net}.100/24\n    }}\n}}\n"
    )
}

/// One mail as aiosmtpd's Debugging handler prints it: the header lines (Date dropped,
/// router_id replaced by `RID`) and the body, keyed by the sender's address (X-Peer).
fn mails(log: &str, router_ids: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for block in log.split("---------- MESSAGE FOLLOWS ----------").skip(1) {
        let block = block
            .split("------------ END MESSAGE ------------")
            .next()
            .unwrap_or("");
        let mut peer = String::new();
        let mut lines = Vec::new();
        for line in block.lines().filter(|l| !l.is_empty()) {
            if let Some(p) = line.strip_prefix("X-Peer: ") {
                // ('10.75.1.2', 41234)
                peer = p.split('\'').nth(1).unwrap_or("").to_owned();
            } else if !line.starts_with("Date: ") && !line.starts_with("mail options") {
                let mut l = line.to_owned();
                for r in router_ids {
                    l = l.replace(&format!("[{r}]"), "[RID]");
                }
                lines.push(l);
            }
        }
        out.push((peer, lines));
    }
    out
}

/// keepalived (priority 100) starts and becomes MASTER of `vip`, then ours (150) takes over;
/// `conf(router_id, priority)`.
fn ours_takes_over(lab: &mut BridgeLab, vip: &str, conf: impl Fn(&str, u8) -> String) {
    lab.start("t", KEEPALIVED, &conf("theirs", 100));
    lab.wait("keepalived MASTER", LIMIT, || lab.holds("t", vip), || None);
    lab.start("o", OURS, &conf("ours", 150));
    lab.wait(
        "ours MASTER",
        LIMIT,
        || lab.holds("o", vip) && !lab.holds("t", vip),
        || None,
    );
}

/// The mails `peer` sent, as [`mails`] reads them.
fn by_peer(log: &str, peer: &str) -> Vec<Vec<String>> {
    mails(log, &["ours", "theirs"])
        .into_iter()
        .filter(|(p, _)| p == peer)
        .map(|(_, m)| m)
        .collect()
}

#[test]
fn transitions_mail_what_keepalived_mails() {
    if !runnable("smtp_alerts") || !aiosmtpd_available() {
        return;
    }
    let net = "10.75.1";
    // Both daemons mail as they start (BACKUP): the server listens first.
    let (mut lab, _server, smtp_log, smtp) = mail_lab("smtp", net);
    let vip = format!("{net}.100");
    // keepalived first: it becomes MASTER; ours (higher priority) then takes over, so each
    // router mails BACKUP (at start) and MASTER, and keepalived BACKUP again.
    ours_takes_over(&mut lab, &vip, |rid, prio| conf(rid, prio, net, &smtp));
    let read = || std::fs::read_to_string(&smtp_log).unwrap_or_default();
    let by = |peer: &str| by_peer(&read(), peer);
    let subject = |m: &Vec<String>| {
        m.iter()
            .find(|l| l.starts_with("Subject: "))
            .cloned()
            .unwrap_or_default()
    };
    let has = |peer: &str, state: &str| {
        by(peer)
            .iter()
            .any(|m| subject(m).ends_with(&format!("Entering {state} state")))
    };
    lab.wait(
        "both routers mailed MASTER and BACKUP",
        LIMIT,
        || {
            has(&format!("{net}.1"), "MASTER")
                && has(&format!("{net}.1"), "BACKUP")
                && has(&format!("{net}.2"), "MASTER")
                && has(&format!("{net}.2"), "BACKUP")
        },
        || None,
    );
    let ours = by(&format!("{net}.1"));
    let theirs = by(&format!("{net}.2"));
    eprintln!("ours: {ours:#?}\nkeepalived: {theirs:#?}");
    for state in ["MASTER", "BACKUP"] {
        let pick = |ms: &[Vec<String>]| {
            ms.iter()
                .find(|m| subject(m).ends_with(&format!("Entering {state} state")))
                .cloned()
        };
        assert_eq!(pick(&ours), pick(&theirs), "{state} mail\n{}", read());
    }
    let order = |ms: &[Vec<String>]| ms.iter().map(subject).take(2).collect::<Vec<_>>();
    assert_eq!(
        order(&ours),
        order(&theirs),
        "both mail BACKUP at start, then MASTER"
    );
    let master = ours
        .iter()
        .find(|m| subject(m).ends_with("MASTER state"))
        .unwrap();
    assert!(
        master.contains(&"Subject: [RID] VRRP Instance VI_1 - Entering MASTER state".to_owned())
    );
    assert!(master.contains(&"To: ops@example.org, noc@example.org".to_owned()));
}

/// Two instances in sync group G: only the group has `smtp_alert` (none globally).
fn group_conf(router_id: &str, priority: u8, net: &str, smtp: &str) -> String {
    let inst = |name: &str, vrid: u8, host: u8| {
        format!(
            "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             priority {priority}\n    advert_int 1\n    virtual_ipaddress {{\n        {net}.{host}/24\n    }}\n}}\n"
        )
    };
    format!(
        "global_defs {{\n    router_id {router_id}\n    notification_email {{\n        ops@example.org\n    }}\n    \
         notification_email_from ka@example.org\n    smtp_server {smtp}\n    smtp_helo_name lab\n}}\n\
         vrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_2\n    }}\n    smtp_alert\n}}\n{}{}",
        inst("VI_1", 76, 100),
        inst("VI_2", 77, 101)
    )
}

#[test]
fn a_sync_group_s_own_smtp_alert_mails_its_transitions_as_keepalived() {
    if !runnable("smtp_alerts") || !aiosmtpd_available() {
        return;
    }
    let net = "10.75.4";
    let (mut lab, _server, smtp_log, smtp) = mail_lab("smtpsg", net);
    let vip = format!("{net}.100");
    ours_takes_over(&mut lab, &vip, |rid, prio| {
        group_conf(rid, prio, net, &smtp)
    });
    let read = || std::fs::read_to_string(&smtp_log).unwrap_or_default();
    let subjects = |peer: &str| {
        by_peer(&read(), peer)
            .into_iter()
            .filter_map(|m| m.into_iter().find(|l| l.starts_with("Subject: ")))
            .collect::<Vec<_>>()
    };
    let (o, t) = (format!("{net}.1"), format!("{net}.2"));
    // keepalived: BACKUP, MASTER, BACKUP again; ours: BACKUP, MASTER.
    lab.wait(
        "the group mails",
        LIMIT,
        || subjects(&o).len() >= 2 && subjects(&t).len() >= 3,
        || None,
    );
    std::thread::sleep(Duration::from_millis(500));
    let group = |state: &str| format!("Subject: [RID] VRRP Group G - Entering {state} state");
    assert_eq!(
        subjects(&o),
        [group("BACKUP"), group("MASTER")],
        "{}",
        read()
    );
    assert_eq!(
        subjects(&t),
        [group("BACKUP"), group("MASTER"), group("BACKUP")],
        "{}",
        read()
    );
}

#[test]
fn a_black_holed_smtp_server_does_not_delay_the_takeover() {
    if !runnable("smtp_alerts") {
        return;
    }
    let net = "10.75.2";
    let mut lab = BridgeLab::new("mgmt", "smtpbh", net);
    // NET.8 is on the link but nobody has it: connect() waits for ARP until the 30 s
    // smtp_connect_timeout, far beyond Master_Down.
    let smtp = format!("{net}.8 25");
    let vip = format!("{net}.100");
    lab.start("t", KEEPALIVED, &conf("theirs", 200, net, &smtp));
    lab.wait("keepalived MASTER", LIMIT, || lab.holds("t", &vip), || None);
    lab.start("o", OURS, &conf("ours", 100, net, &smtp));
    // Ours is BACKUP and its BACKUP mail is stuck connecting.
    std::thread::sleep(Duration::from_secs(2));
    assert!(!lab.holds("o", &vip), "{}", lab.logs());
    let start = Instant::now();
    lab.terminate("t");
    lab.wait("ours took over", LIMIT, || lab.holds("o", &vip), || None);
    let took = start.elapsed();
    eprintln!("takeover with a black-holed SMTP server: {took:?}");
    // Master_Down is 3 * 1 s + skew; a mail sent on the loop would wait 30 s first.
    assert!(took < Duration::from_secs(10), "{took:?}\n{}", lab.logs());
}

/// keepalived's checker mail subject for a real server (smtp.c, SMTP_MSG_RS).
fn rs_subject(state: &str) -> String {
    format!(
        "Subject: [ours] Realserver [10.75.3.2]:tcp:8080 of virtual server [10.75.3.100]:tcp:8080 - {state}"
    )
}

#[test]
fn a_checker_up_and_down_mail_as_keepalived_writes_them() {
    // keepalived's checker child needs IPVS, which this kernel may lack: ours runs alone
    // (`-C --no-ipvs`) and its mails are held to keepalived's formats (check_tcp.c, smtp.c).
    if !runnable("smtp_alerts") || !aiosmtpd_available() {
        return;
    }
    let net = "10.75.3";
    let lab = &mut BridgeLab::new("mgmt", "smtpck", net);
    ip(&[
        "-n",
        &lab.ns("s"),
        "addr",
        "add",
        &format!("{net}.9/24"),
        "dev",
        "br0",
    ]);
    let smtp_log = lab.dir().join("smtp.log");
    let _server = SmtpServer::start(&lab.ns("s"), &format!("{net}.9:2525"), &smtp_log);
    wait_listening(lab);
    let mut web = Command::new("ip")
        .args(["netns", "exec", &lab.ns("t"), PYTHON, "-m", "http.server"])
        .args(["8080", "--bind", &format!("{net}.2"), "--directory", "/"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("web server");
    // lvs_notify_fifo too: its script copies the FIFO's lines into a file.
    let fifo = lab.dir().join("lvs.fifo");
    let fifo_out = lab.dir().join("lvs.fifo.out");
    let reader = lab.dir().join("fifo-reader.sh");
    std::fs::write(
        &reader,
        format!("#!/bin/sh\ncat \"$1\" >> {}\n", fifo_out.display()),
    )
    .unwrap();
    std::fs::set_permissions(&reader, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (fifo, reader) = (fifo.display(), reader.display());
    let conf = format!(
        "global_defs {{\n    router_id ours\n    notification_email {{\n        ops@example.org\n    }}\n    \
         notification_email_from ka@example.org\n    smtp_server {net}.9 2525\n    \
         lvs_notify_fifo {fifo}\n    lvs_notify_fifo_script {reader}\n}}\n\
         virtual_server {net}.100 8080 {{\n    delay_loop 1\n    alpha\n    lb_algo rr\n    lb_kind DR\n    \
         protocol TCP\n    real_server {net}.2 8080 {{\n        weight 1\n        \
         TCP_CHECK {{\n            connect_timeout 1\n            retry 1\n            \
         delay_before_retry 1\n        }}\n    }}\n}}\n"
    );
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with("o", OURS, &conf, &["-C", "--no-ipvs", "-c", &pid_file]);
    let fifo_lines = || std::fs::read_to_string(&fifo_out).unwrap_or_default();
    let read = || std::fs::read_to_string(&smtp_log).unwrap_or_default();
    let mailed = |subject: &str| {
        mails(&read(), &[])
            .into_iter()
            .find(|(_, m)| m.iter().any(|l| l == subject))
            .map(|(_, m)| m)
    };
    lab.wait(
        "UP mail",
        LIMIT,
        || mailed(&rs_subject("UP")).is_some(),
        || None,
    );
    let _ = web.kill();
    let _ = web.wait();
    lab.wait(
        "DOWN mail",
        LIMIT,
        || mailed(&rs_subject("DOWN")).is_some(),
        || None,
    );
    assert_eq!(
        mailed(&rs_subject("UP")).unwrap(),
        [
            "From: ka@example.org",
            &rs_subject("UP"),
            "X-Mailer: Keepalived",
            "To: ops@example.org",
            "=> TCP CHECK succeed on service <=",
        ]
    );
    assert_eq!(
        mailed(&rs_subject("DOWN"))
            .unwrap()
            .last()
            .map(String::as_str),
        Some("=> TCP CHECK failed on service <=")
    );
    // keepalived's ipwrapper.c notify_fifo_rs / notify_fifo_vs lines.
    let rs = format!("RS [{net}.2]:tcp:8080 [{net}.100]:tcp:8080");
    lab.wait(
        "RS and VS lines in lvs_notify_fifo",
        LIMIT,
        || {
            let l = fifo_lines();
            l.contains(&format!("{rs} UP\n"))
                && l.contains(&format!("{rs} DOWN\n"))
                && l.contains(&format!("VS [{net}.100]:tcp:8080 UP\n"))
        },
        || None,
    );
}
