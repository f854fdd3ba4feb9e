//! `keepalived_daemon::bfd::run_bfd_until` in-process (a thread in the lab namespace `o`)
//! against keepalived 2.2.7's BFD child and against FRR's bfdd in `t`: the sessions come Up
//! over IPv4 and IPv6 (single hop), and go Down when the peer disappears. Needs root.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use keepalived_bfd::State;
use keepalived_conf::{load_str, ReadOptions, SystemHost};
use keepalived_daemon::bfd::{run_bfd_until, BfdOptions, BfdStatus};
use keepalived_labs::{runnable, BridgeLab, BFDD, KEEPALIVED};
use tokio::sync::oneshot;

/// Our BFD loop's thread: the stop signal and what `run_bfd_until` returned.
type Ours = (oneshot::Sender<()>, JoinHandle<Result<(), String>>);

struct Lab {
    net: BridgeLab,
    status: BfdStatus,
    ours: Option<Ours>,
    v6: String,
    events_tx: tokio::sync::mpsc::UnboundedSender<keepalived_daemon::bfd::BfdNotify>,
    events: tokio::sync::mpsc::UnboundedReceiver<keepalived_daemon::bfd::BfdNotify>,
}

impl Lab {
    fn new(name: &str, subnet: u8) -> Lab {
        let net = BridgeLab::new("bfd", name, &format!("10.76.{subnet}"));
        let v6 = format!("fd76:{subnet}::");
        for (r, h) in [("o", 1), ("t", 2)] {
            net.add_address(r, &format!("{v6}{h}/64"));
        }
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
        Lab {
            net,
            status: Arc::new(Mutex::new(Vec::new())),
            ours: None,
            v6,
            events_tx,
            events,
        }
    }

    fn start_ours(&mut self, conf: &str) {
        let loaded = load_str(
            conf,
            Path::new("ours.conf"),
            &ReadOptions::default(),
            &SystemHost,
        );
        let config = loaded.config;
        assert!(!config.bfd.is_empty(), "{:?}", loaded.diagnostics);
        let netns = File::open(format!("/run/netns/{}", self.net.ns("o"))).unwrap();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let opts = BfdOptions {
            status: Some(self.status.clone()),
            data_path: self.net.dir().join("o.bfd.data"),
            events: Some(self.events_tx.clone()),
            pipes: None,
        };
        let handle = std::thread::spawn(move || {
            // SAFETY: setns on an open namespace file moves only this thread, which owns it.
            let rc = unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(format!("setns: {}", std::io::Error::last_os_error()));
            }
            run_bfd_until(
                &config,
                async {
                    let _ = stop_rx.await;
                },
                opts,
            )
            .map_err(|e| e.to_string())
        });
        self.ours = Some((stop_tx, handle));
    }

    fn start_keepalived(&mut self, conf: &str) {
        let dir = self.net.dir().to_path_buf();
        let path = dir.join("t.conf");
        std::fs::write(&path, conf).unwrap();
        let p = |n: &str| dir.join(format!("t.{n}.pid")).display().to_string();
        let (main, vrrp, chk, bfd) = (p("main"), p("vrrp"), p("checkers"), p("bfd"));
        let conf = path.display().to_string();
        self.net.spawn(
            "t",
            "t",
            KEEPALIVED,
            &[
                "-D", "-n", "-l", "-f", &conf, "-p", &main, "-r", &vrrp, "-c", &chk, "-b", &bfd,
            ],
        );
    }

    fn start_frr(&mut self, peers: &[&str]) {
        let mut conf = String::from("bfd\n");
        for p in peers {
            conf += &format!(" peer {p}\n  receive-interval 100\n  transmit-interval 100\n !\n");
        }
        conf += "!\n";
        self.net.spawn_bfdd("t", &conf);
    }

    fn session(&self, name: &str) -> Option<(State, State, bool)> {
        let g = self.status.lock().unwrap();
        g.iter()
            .find(|s| s.name == name)
            .map(|s| (s.state, s.remote_state, s.up))
    }

    fn wait(&self, what: &str, limit: Duration, cond: impl Fn() -> bool) {
        let gone = || {
            self.ours
                .as_ref()
                .is_some_and(|(_, h)| h.is_finished())
                .then(|| "our BFD loop stopped".to_owned())
        };
        self.net.wait(what, limit, cond, gone);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.net.dir().join("t.log")).unwrap_or_default()
    }

    fn stop_ours(&mut self) -> Result<(), String> {
        let (tx, h) = self.ours.take().expect("ours running");
        let _ = tx.send(());
        h.join().expect("our thread")
    }
}

fn ours_conf(v4_peer: &str, v6_peer: &str, v6_hoplimit: Option<u8>) -> String {
    let hl = v6_hoplimit.map_or(String::new(), |h| format!("  hoplimit {h}\n"));
    format!(
        "bfd_instance B4 {{\n  neighbor_ip {v4_peer}\n  min_rx 100\n  min_tx 100\n}}\n\
         bfd_instance B6 {{\n  neighbor_ip {v6_peer}\n  min_rx 100\n  min_tx 100\n{hl}}}\n"
    )
}

#[test]
fn sessions_come_up_with_keepalived_and_fall_when_it_stops() {
    if !runnable("bfd_lab") {
        return;
    }
    let mut lab = Lab::new("ka", 20);
    let v6 = lab.v6.clone();
    lab.start_keepalived(&format!(
        "bfd_instance B4 {{\n  neighbor_ip 10.76.20.1\n  min_rx 100\n  min_tx 100\n}}\n\
         bfd_instance B6 {{\n  neighbor_ip {v6}1\n  min_rx 100\n  min_tx 100\n}}\n"
    ));
    lab.start_ours(&ours_conf("10.76.20.2", &format!("{v6}2"), None));
    let up = |n: &str| lab.session(n) == Some((State::Up, State::Up, true));
    lab.wait(
        "B4 and B6 Up on both sides",
        Duration::from_secs(20),
        || up("B4") && up("B6"),
    );
    lab.wait("keepalived logs both Up", Duration::from_secs(5), || {
        let l = lab.log();
        l.contains("(B4) Entering Up state") && l.contains("(B6) Entering Up state")
    });
    // Poll/Final brought both to min_tx: 100 ms, detection 5 x 100 ms.
    lab.wait("negotiated intervals", Duration::from_secs(5), || {
        let g = lab.status.lock().unwrap();
        g.iter().all(|s| {
            s.tx_interval == Duration::from_millis(100)
                && s.detection_time == Duration::from_millis(500)
        })
    });
    lab.net
        .stays("sessions stay Up", Duration::from_secs(2), || {
            up("B4") && up("B6")
        });
    compare_dumps(&lab);
    // keepalived goes away: our sessions expire.
    let pid = std::fs::read_to_string(lab.net.dir().join("t.main.pid")).unwrap();
    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    lab.wait("B4 and B6 Down", Duration::from_secs(10), || {
        lab.session("B4")
            .is_some_and(|s| s.0 == State::Down && !s.2)
            && lab
                .session("B6")
                .is_some_and(|s| s.0 == State::Down && !s.2)
    });
    lab.stop_ours().unwrap();
    // What the VRRP/checker children would have been told, in order, per instance.
    let mut seen = Vec::new();
    while let Ok(n) = lab.events.try_recv() {
        assert!(n.vrrp && n.checker);
        seen.push((n.name, n.up));
    }
    for i in ["B4", "B6"] {
        let v: Vec<bool> = seen
            .iter()
            .filter(|(n, _)| n == i)
            .map(|(_, u)| *u)
            .collect();
        assert_eq!(v, [false, true, false], "{i}");
    }
}

#[test]
fn sessions_come_up_with_frr_bfdd() {
    if !runnable("bfd_lab") {
        return;
    }
    if !Path::new(BFDD).exists() {
        eprintln!("skipped: sessions_come_up_with_frr_bfdd needs {BFDD} (apt-get install frr)");
        return;
    }
    let mut lab = Lab::new("frr", 21);
    let v6 = lab.v6.clone();
    lab.start_frr(&[
        "10.76.21.1 local-address 10.76.21.2",
        &format!("{v6}1 local-address {v6}2"),
    ]);
    // FRR wants hop limit 255 over IPv6 (RFC 5881 §5); keepalived's default is 64.
    lab.start_ours(&ours_conf("10.76.21.2", &format!("{v6}2"), Some(255)));
    let up = |n: &str| lab.session(n) == Some((State::Up, State::Up, true));
    lab.wait("B4 and B6 Up with bfdd", Duration::from_secs(20), || {
        up("B4") && up("B6")
    });
    lab.net
        .stays("sessions stay Up", Duration::from_secs(2), || {
            up("B4") && up("B6")
        });
    lab.stop_ours().unwrap();
}

/// Transmit intervals at min_tx 10 ms, ours against keepalived, from tcpdump timestamps in
/// our namespace. A measurement, not a test: `cargo test -p keepalived-daemon --test bfd_lab
/// -- --ignored --nocapture measure_tx_intervals`.
#[test]
#[ignore]
fn measure_tx_intervals() {
    if !runnable("bfd_lab") {
        return;
    }
    let mut lab = Lab::new("jit", 22);
    let v6 = lab.v6.clone();
    lab.start_keepalived(&format!(
        "bfd_instance B4 {{\n  neighbor_ip 10.76.22.1\n}}\nbfd_instance B6 {{\n  neighbor_ip {v6}1\n}}\n"
    ));
    lab.start_ours(&format!(
        "bfd_instance B4 {{\n  neighbor_ip 10.76.22.2\n}}\nbfd_instance B6 {{\n  neighbor_ip {v6}2\n}}\n"
    ));
    let up = |n: &str| lab.session(n) == Some((State::Up, State::Up, true));
    lab.wait("Up", Duration::from_secs(20), || up("B4") && up("B6"));
    std::thread::sleep(Duration::from_secs(1));
    let out = std::process::Command::new("timeout")
        .args([
            "5",
            "ip",
            "netns",
            "exec",
            &lab.net.ns("o"),
            "tcpdump",
            "-i",
            "eth0",
            "-n",
            "-tt",
            "udp port 3784",
        ])
        .output()
        .expect("tcpdump");
    let text = String::from_utf8_lossy(&out.stdout);
    for (who, src) in [("ours", "10.76.22.1."), ("keepalived", "10.76.22.2.")] {
        let times: Vec<f64> = text
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .nth(2)
                    .is_some_and(|s| s.starts_with(src))
            })
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        let mut gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) * 1000.0).collect();
        gaps.sort_by(|a, b| a.total_cmp(b));
        if gaps.is_empty() {
            eprintln!("{who}: no packets captured");
            continue;
        }
        let n = gaps.len();
        let mean = gaps.iter().sum::<f64>() / n as f64;
        let pct = |p: f64| gaps[((n - 1) as f64 * p) as usize];
        eprintln!(
            "{who}: {n} gaps (IPv4, ms): min {:.3} p50 {:.3} mean {mean:.3} p99 {:.3} max {:.3} (expected 7.5..9.0)",
            gaps[0],
            pct(0.5),
            pct(0.99),
            gaps[n - 1]
        );
    }
    lab.stop_ours().unwrap();
}

/// The BFD part of a dump: `(instance, key, value)` for every line after "BFD Data".
fn bfd_lines(text: &str) -> Vec<(String, String, String)> {
    let mut inst = String::new();
    let mut out = Vec::new();
    for l in text.lines().skip_while(|l| !l.contains("< BFD Data >")) {
        let (k, v) = match l.split_once(" = ") {
            Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
            None => {
                let t = l.trim();
                match t.rsplit_once(' ') {
                    Some((k, v)) if !t.contains("poll") => (k.to_owned(), v.to_owned()),
                    _ => (t.to_owned(), String::new()),
                }
            }
        };
        if k == "BFD Instance" {
            inst = v.clone();
        }
        out.push((inst.clone(), k, v));
    }
    out
}

/// SIGUSR1 to both BFD processes: the same lines in the same order, and each side's
/// discriminators mirror the other's.
fn compare_dumps(lab: &Lab) {
    let ours_path = lab.net.dir().join("o.bfd.data");
    // SAFETY: raising SIGUSR1 in this process, whose BFD loop installed a handler for it.
    unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
    let theirs_path = Path::new("/tmp/keepalived_bfd.data");
    let before = std::fs::metadata(theirs_path)
        .and_then(|m| m.modified())
        .ok();
    let pid = std::fs::read_to_string(lab.net.dir().join("t.bfd.pid")).unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-USR1", pid.trim()])
        .status();
    lab.wait("both dumps written", Duration::from_secs(5), || {
        ours_path.exists()
            && std::fs::metadata(theirs_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| Some(m) != before)
    });
    std::thread::sleep(Duration::from_millis(200));
    let ours = bfd_lines(&std::fs::read_to_string(&ours_path).unwrap());
    let theirs = bfd_lines(&std::fs::read_to_string(theirs_path).unwrap());
    let keys = |v: &[(String, String, String)]| {
        v.iter()
            .map(|(i, k, _)| format!("{i}/{k}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&ours), keys(&theirs), "dump layout");
    let get = |v: &[(String, String, String)], i: &str, k: &str| {
        v.iter()
            .find(|(a, b, _)| a == i && b == k)
            .map(|(_, _, c)| c.clone())
            .unwrap_or_default()
    };
    for i in ["B4", "B6"] {
        assert_eq!(get(&ours, i, "local state"), "Up");
        assert_eq!(get(&theirs, i, "local state"), "Up");
        assert_eq!(
            get(&ours, i, "remote discriminator"),
            get(&theirs, i, "local discriminator")
        );
        assert_eq!(
            get(&ours, i, "local discriminator"),
            get(&theirs, i, "remote discriminator")
        );
        for k in [
            "Required min RX interval",
            "Desired min TX interval",
            "Desired idle TX interval",
            "Detection multiplier",
            "max_hops",
            "local tx intv",
            "local detection time",
            "send event to VRRP process",
        ] {
            assert_eq!(get(&ours, i, k), get(&theirs, i, k), "{i} {k}");
        }
    }
}
