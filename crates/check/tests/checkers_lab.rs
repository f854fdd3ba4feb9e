//! Every checker against real services in a network-namespace lab: reported UP by
//! notify_up, DOWN by notify_down once the services stop (ICMP echo ignored, the MISC
//! script failing, the tracked file faulty), UP again once they return. Needs root.

mod lab;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keepalived_check::{run_until, CheckerOptions, Destination, Ipvs, IpvsError, Service};
use keepalived_conf::{load_str, FixedHost, ReadOptions};
use lab::services::{self, Services};
use lab::{Lab, Lines};

/// IPVS calls recorded as `add|edit|del ADDR WEIGHT`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
}

impl Ipvs for Recorder {
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.push(format!("add-svc {}", svc.key));
        Ok(())
    }
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.push(format!("del-svc {}", svc.key));
        Ok(())
    }
    fn add_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.push(format!("add {} {}", d.addr, d.weight));
        Ok(())
    }
    fn edit_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.push(format!("edit {} {}", d.addr, d.weight));
        Ok(())
    }
    fn del_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.push(format!("del {} {}", d.addr, d.weight));
        Ok(())
    }
}

/// The kinds checked, with the real server port and checker block of each.
fn kinds(lab: &Lab) -> Vec<(&'static str, String, u16, String)> {
    let b = lab.backend();
    let dir = lab.dir().display().to_string();
    vec![
        (
            "tcp",
            b.clone(),
            services::TCP,
            "TCP_CHECK {\n }".to_owned(),
        ),
        (
            "http",
            b.clone(),
            services::HTTP,
            "HTTP_GET {\n  url {\n   path /\n   digest 4b3a6f6ba4d42b6ea5e3f0a8e0bb6e0c\n  }\n }"
                .to_owned(),
        ),
        (
            "https",
            b.clone(),
            services::HTTPS,
            "SSL_GET {\n  url {\n   path /\n   status_code 200\n   regex \"from the l.b\"\n  }\n }"
                .to_owned(),
        ),
        (
            "smtp",
            b.clone(),
            services::SMTP,
            "SMTP_CHECK {\n  helo_name lab.checker\n }".to_owned(),
        ),
        (
            "dns",
            b.clone(),
            services::DNS,
            "DNS_CHECK {\n  type A\n  name lab.test\n  retry 0\n }".to_owned(),
        ),
        (
            "udp",
            b.clone(),
            services::UDP,
            "UDP_CHECK {\n  payload 6b6c6162\n  require_reply 6bXc\n  min_reply_length 4\n }"
                .to_owned(),
        ),
        ("ping", b.clone(), 1, "PING_CHECK {\n }".to_owned()),
        ("ping6", lab.backend6(), 2, "PING_CHECK {\n }".to_owned()),
        (
            "misc",
            b.clone(),
            3,
            format!("MISC_CHECK {{\n  misc_path {dir}/misc.sh\n  misc_timeout 2\n }}"),
        ),
        ("file", b, 4, "FILE_CHECK {\n  track_file tf\n }".to_owned()),
    ]
}

fn config(lab: &Lab, digest: &str) -> String {
    let dir = lab.dir().display().to_string();
    let mut c = format!(
        "global_defs {{\n rs_init_notifies\n}}\ntrack_file tf {{\n file {dir}/tf\n weight 0\n}}\n"
    );
    for (i, (name, addr, port, ck)) in kinds(lab).into_iter().enumerate() {
        let ck = ck.replace("4b3a6f6ba4d42b6ea5e3f0a8e0bb6e0c", digest);
        c.push_str(&format!(
            "virtual_server {vip} 80 {{\n lb_algo rr\n lb_kind NAT\n protocol {proto}\n delay_loop 1\n alpha\n delay_before_retry 1\n connect_timeout 1\n warmup 0\n real_server {addr} {port} {{\n  notify_up \"{dir}/notify.sh UP {name}\"\n  notify_down \"{dir}/notify.sh DOWN {name}\"\n  {ck}\n }}\n}}\n",
            proto = if matches!(name, "dns" | "udp") { "UDP" } else { "TCP" },
            vip = if name == "ping6" { format!("fd00:200::{i}") } else { format!("10.200.0.{i}") },
        ));
    }
    c
}

fn write_exec(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn notified(lab: &Lab) -> String {
    std::fs::read_to_string(lab.dir().join("notify.log")).unwrap_or_default()
}

fn count(log: &str, line: &str) -> usize {
    log.lines().filter(|l| *l == line).count()
}

#[test]
fn every_checker_reports_real_servers_up_down_and_up_again() {
    if !lab::runnable("every_checker_reports_real_servers_up_down_and_up_again") {
        return;
    }
    let lab = Lab::new(11);
    let dir = lab.dir().to_path_buf();
    write_exec(
        &dir.join("notify.sh"),
        &format!(
            "#!/bin/sh\necho \"$1 $2\" >> {}/notify.log\n",
            dir.display()
        ),
    );
    write_exec(
        &dir.join("misc.sh"),
        &format!("#!/bin/sh\n[ ! -e {}/misc-fail ]\n", dir.display()),
    );
    std::fs::write(dir.join("tf"), "0\n").unwrap();
    let digest = keepalived_check::probe::http_response::hex(&md5_of(services::BODY.as_bytes()));
    let text = config(&lab, &digest);
    let loaded = load_str(
        &text,
        "lab.conf".as_ref(),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    for d in loaded.diagnostics.iter() {
        eprintln!("config: {d:?}");
    }
    let svc = Services::start(&lab.b);

    let lines = Lines::default();
    let rec = Recorder::default();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let opts = CheckerOptions {
        log: lines.logger(),
        ..CheckerOptions::default()
    };
    let mut ipvs = rec.clone();
    let checker = lab::in_netns(&lab.c, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run_until(&loaded.config, opts, &mut ipvs, async {
            let _ = stop_rx.await;
        }))
        .map(|s| s.checkers)
    });

    let names: Vec<&str> = kinds(&lab).iter().map(|k| k.0).collect();
    let all = |state: &str, n: usize| {
        let log = notified(&lab);
        names
            .iter()
            .all(|k| count(&log, &format!("{state} {k}")) >= n)
    };
    let missing = |state: &str, n: usize| -> Vec<&str> {
        let log = notified(&lab);
        names
            .iter()
            .copied()
            .filter(|k| count(&log, &format!("{state} {k}")) < n)
            .collect()
    };
    let limit = Duration::from_secs(30);
    if std::panic::catch_unwind(|| lab::wait_for("all UP", limit, || all("UP", 1))).is_err() {
        panic!("UP missing for {:?}\n{}", missing("UP", 1), notified(&lab));
    }
    assert!(lines.has("TCP connection to [10.91.11.2]:tcp:7000 success."));
    assert!(lines.has("Adding service [10.91.11.2]:tcp:7000 to VS [10.200.0.0]:tcp:80"));
    assert!(lines.has("MD5 digest success to [10.91.11.2]:tcp:8080 url(/)"));
    assert!(lines.has("Regex match success to [10.91.11.2]:tcp:8443 url(/)"));

    svc.stop();
    lab.set_echo(false);
    std::fs::write(dir.join("misc-fail"), "").unwrap();
    std::fs::write(dir.join("tf"), "1\n").unwrap();
    let w = || all("DOWN", 1);
    if std::panic::catch_unwind(|| lab::wait_for("all DOWN", limit, w)).is_err() {
        panic!(
            "DOWN missing for {:?}\n{}",
            missing("DOWN", 1),
            notified(&lab)
        );
    }
    assert!(lines.has("Removing service [10.91.11.2]:tcp:7000 from VS [10.200.0.0]:tcp:80"));
    assert!(lines.has("Lost quorum 1-0=1 > 0 for VS [10.200.0.0]:tcp:80"));

    svc.resume();
    lab.set_echo(true);
    std::fs::remove_file(dir.join("misc-fail")).unwrap();
    std::fs::write(dir.join("tf"), "0\n").unwrap();
    if std::panic::catch_unwind(|| lab::wait_for("all UP again", limit, || all("UP", 2))).is_err() {
        panic!(
            "second UP missing for {:?}\n{}",
            missing("UP", 2),
            notified(&lab)
        );
    }

    let _ = stop_tx.send(());
    let n = checker.join().unwrap().unwrap();
    assert_eq!(n, names.len());
    let calls = rec.0.lock().unwrap().clone();
    let tcp_rs = "10.91.11.2:7000";
    let tcp_calls: Vec<&String> = calls.iter().filter(|c| c.contains(tcp_rs)).collect();
    assert_eq!(
        tcp_calls,
        [
            &format!("add {tcp_rs} 1"),
            &format!("del {tcp_rs} 1"),
            &format!("add {tcp_rs} 1"),
            &format!("del {tcp_rs} 1")
        ],
        "IPVS: up, down, up, shutdown"
    );
    assert!(calls.iter().any(|c| c == "del-svc [10.200.0.0]:tcp:80"));
}

fn md5_of(data: &[u8]) -> [u8; 16] {
    let mut r = keepalived_check::probe::http_response::Response::new();
    let mut msg = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
    msg.extend_from_slice(data);
    r.feed(&msg);
    r.digest()
}

#[test]
fn genhash_prints_the_digest_of_a_page_over_http_and_https() {
    if !lab::runnable("genhash_prints_the_digest_of_a_page_over_http_and_https") {
        return;
    }
    let lab = Lab::new(12);
    let svc = Services::start(&lab.b);
    let backend: std::net::IpAddr = lab.backend().parse().unwrap();
    let want = keepalived_check::probe::http_response::hex(&md5_of(services::BODY.as_bytes()));
    let got = lab::in_netns(&lab.c, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            // The services come up on their own thread: retry briefly.
            let mut plain = None;
            for _ in 0..50 {
                let o = keepalived_check::GenhashOptions::new(backend, services::HTTP, "/");
                match keepalived_check::genhash(&o).await {
                    Ok(d) => {
                        plain = Some(d.to_string());
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            let mut o = keepalived_check::GenhashOptions::new(backend, services::HTTPS, "/");
            o.ssl = true;
            o.sni = true;
            o.virtualhost = Some("lab.test".into());
            let tls = keepalived_check::genhash(&o).await.map(|d| d.to_string());
            let closed = keepalived_check::GenhashOptions::new(backend, 1, "/");
            let err = keepalived_check::genhash(&closed)
                .await
                .map(|d| d.to_string());
            (plain, tls, err)
        })
    })
    .join()
    .unwrap();
    drop(svc);
    assert_eq!(got.0.as_deref(), Some(want.as_str()));
    assert_eq!(got.1.as_deref(), Ok(want.as_str()));
    assert!(got.2.is_err());
}
