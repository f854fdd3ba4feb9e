//! BFD through the binary: ours' BFD child (the parent's third child, `-b` pid file) beside
//! keepalived 2.2.7's BFD and FRR's bfdd, `track_bfd` moving a VIP when the upstream
//! neighbour's link is cut (ours and keepalived on the same configuration and timeline give
//! the same notify lines), and `BFD_CHECK` taking a real server out (`--no-ipvs`).
//!
//! Each lab: routers `o` and `t` on a bridge, and an upstream host `u` running FRR's bfdd
//! (namespaces `k15-NAME-PID-*`, 10.74.N.0/24 and fd74:N::/64). Cutting `u`'s bridge port
//! leaves the VRRP link between `o` and `t` up. Sessions to bfdd run at 50 ms (10 ms x 3
//! flaps on a loaded CI machine, for keepalived too; the bench runs 10 ms). The bfd_instance
//! keywords of issue 13 (`source_ip ttl max_hops passive idle_tx` read on the wire with
//! tshark, `vrrp`/`checker` seen in the tracking instances) run in namespaces `kv-*`,
//! 10.216.0.0/24, with keepalived as the peer or beside ours. Needs root,
//! /usr/sbin/keepalived and FRR (/usr/lib/frr/bfdd); says "skipped: needs X" otherwise.

use std::path::Path;
use std::time::Duration;

use keepalived_labs::{http_get, ip, recorded_lines, runnable, BridgeLab, BFDD, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn can_run(test: &str) -> bool {
    if !runnable(test) {
        return false;
    }
    if !Path::new(BFDD).exists() {
        eprintln!("skipped: {test} needs {BFDD} (apt-get install frr)");
        return false;
    }
    true
}

struct Lab {
    net: BridgeLab,
    /// The IPv4 /24 (`10.74.10`).
    v4: String,
    /// The IPv6 /64 (`fd74:10:`).
    v6: String,
}

impl Lab {
    /// Routers o (.1) and t (.2), upstream host u (.3), IPv4 and IPv6.
    fn new(name: &str, n: u8) -> Lab {
        Lab::in_space("k15", &format!("10.74.{n}"), &format!("fd74:{n}:"), name)
    }

    /// The same in namespaces `PREFIX-NAME-PID-*`, `V4.0/24` and `V6:/64` (V6 ends with
    /// `:`, e.g. `fd74:10:`).
    fn in_space(prefix: &str, v4: &str, v6: &str, name: &str) -> Lab {
        let mut net = BridgeLab::prefixed(prefix, name, v4);
        for (r, h) in [("o", 1), ("t", 2)] {
            net.add_address(r, &format!("{v6}:{h}/64"));
        }
        net.add_host("u", &[&format!("{v4}.3/24"), &format!("{v6}:3/64")]);
        Lab {
            net,
            v4: v4.to_owned(),
            v6: v6.to_owned(),
        }
    }

    fn v4(&self, h: u8) -> String {
        format!("{}.{h}", self.v4)
    }

    fn v6(&self, h: u8) -> String {
        format!("{}:{h}", self.v6)
    }

    /// `binary` (ours or keepalived) in router `r` with every pid file in the lab directory.
    fn start(&mut self, r: &str, binary: &str, conf: &str, extra: &[&str]) {
        let dir = self.net.dir().to_path_buf();
        let path = dir.join(format!("{r}.conf"));
        std::fs::write(&path, conf).unwrap();
        let p = |n: &str| dir.join(format!("{r}.{n}.pid")).display().to_string();
        let conf = path.display().to_string();
        let (main, vrrp, chk, bfd) = (p("main"), p("vrrp"), p("checkers"), p("bfd"));
        let mut args = vec![
            "-n", "-l", "-D", "-f", &conf, "-p", &main, "-r", &vrrp, "-c", &chk, "-b", &bfd,
        ];
        args.extend_from_slice(extra);
        self.net.spawn(r, r, binary, &args);
    }

    /// FRR's bfdd in host `u` with a session to each of `peers` (address, local address) at
    /// `ms` milliseconds x 3.
    fn start_bfdd(&mut self, peers: &[(String, String)], ms: u32) {
        let mut conf = String::from("bfd\n");
        for (p, l) in peers {
            conf += &format!(
                " peer {p} local-address {l}\n  receive-interval {ms}\n  transmit-interval {ms}\n  detect-multiplier 3\n !\n"
            );
        }
        conf += "!\n";
        self.net.spawn_bfdd("u", &conf);
    }

    /// Cuts (or restores) the upstream host's link: its bridge port goes down.
    fn cut_upstream(&self, down: bool) {
        let state = if down { "down" } else { "up" };
        ip(&["-n", &self.net.ns("s"), "link", "set", "pu", state]);
    }

    fn log(&self, r: &str) -> String {
        std::fs::read_to_string(self.net.dir().join(format!("{r}.log"))).unwrap_or_default()
    }

    fn logs(&self) -> String {
        format!("{}--- u ---\n{}", self.net.logs(), self.log("u"))
    }

    fn wait(&self, what: &str, limit: Duration, cond: impl Fn() -> bool) {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if cond() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}\n{}", self.logs());
    }
}

/// Ours' BFD child in `o` with sessions to keepalived 2.2.7 in `t` and to FRR's bfdd in `u`,
/// IPv4 and IPv6 each, and a multihop one (UDP 4784) to bfdd: all come Up on both sides; the `-b` pid file names the BFD child;
/// SIGUSR1 to the parent reaches it (/tmp/keepalived_bfd.data); BFD_CHECK follows the
/// session to `u`: the cut takes the real server out (notify_down), the repair puts it back.
#[test]
fn bfd_child_with_keepalived_and_frr_and_bfd_check() {
    if !can_run("bfd_child_with_keepalived_and_frr_and_bfd_check") {
        return;
    }
    let mut lab = Lab::new("child", 10);
    let (o4, t4, u4) = (lab.v4(1), lab.v4(2), lab.v4(3));
    let (o6, t6, u6) = (lab.v6(1), lab.v6(2), lab.v6(3));
    lab.start_bfdd(
        &[
            (o4.clone(), u4.clone()),
            (o6.clone(), u6.clone()),
            (format!("{o4} multihop"), u4.clone()),
        ],
        50,
    );
    lab.start(
        "t",
        KEEPALIVED,
        &format!(
            "bfd_instance K4 {{\n neighbor_ip {o4}\n min_rx 50\n min_tx 50\n}}\n\
             bfd_instance K6 {{\n neighbor_ip {o6}\n min_rx 50\n min_tx 50\n}}\n"
        ),
        &[],
    );
    let (up_script, up_log) = lab.net.recording_script("rs_up");
    let (down_script, down_log) = lab.net.recording_script("rs_down");
    lab.start(
        "o",
        OURS,
        &format!(
            "bfd_instance K4 {{\n neighbor_ip {t4}\n min_rx 50\n min_tx 50\n}}\n\
             bfd_instance K6 {{\n neighbor_ip {t6}\n min_rx 50\n min_tx 50\n}}\n\
             bfd_instance F4 {{\n neighbor_ip {u4}\n min_rx 50\n min_tx 50\n multiplier 3\n}}\n\
             bfd_instance F6 {{\n neighbor_ip {u6}\n hoplimit 255\n min_rx 50\n min_tx 50\n multiplier 3\n}}\n\
             bfd_instance M4 {{\n neighbor_ip {u4}\n multihop\n min_rx 50\n min_tx 50\n multiplier 3\n}}\n\
             virtual_server {o4} 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n\
             \n real_server {u4} 80 {{\n  notify_up \"{up_script} up\"\n  notify_down \"{down_script} down\"\n\
             \n  BFD_CHECK {{\n   name F4\n  }}\n }}\n}}\n"
        ),
        &["--no-ipvs"],
    );
    let all_up = |l: &str, names: &[&str]| {
        names
            .iter()
            .all(|n| l.contains(&format!("({n}) Entering Up state")))
    };
    lab.wait("ours: every session Up", Duration::from_secs(20), || {
        all_up(&lab.log("o"), &["K4", "K6", "F4", "F6", "M4"])
    });
    lab.wait(
        "keepalived: both sessions Up",
        Duration::from_secs(5),
        || all_up(&lab.log("t"), &["K4", "K6"]),
    );
    let bfd_pid = lab.net.pid("o", "bfd").expect("-b pid file written");
    let cmdline = std::fs::read(format!("/proc/{bfd_pid}/environ")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("KEEPALIVED_RS_CHILD=bfd"),
        "the -b pid file names the BFD child"
    );
    // The BFD child's first event (Down, at its start) took the real server out (alpha
    // off: it started in the pool), the session's Up puts it back.
    lab.wait("BFD_CHECK: real server up", Duration::from_secs(5), || {
        recorded_lines(&up_log).len() == 1 && recorded_lines(&down_log).len() == 1
    });
    // SIGUSR1 to the parent: the BFD child writes its dump.
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    lab.net.signal("o", "main", "USR1");
    let data = Path::new("/tmp/keepalived_bfd.data");
    lab.wait("the BFD dump", Duration::from_secs(5), || {
        std::fs::metadata(data)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m >= since)
            && std::fs::read_to_string(data).is_ok_and(|t| t.contains("BFD Instance = F6"))
    });
    lab.cut_upstream(true);
    lab.wait(
        "BFD_CHECK: real server down",
        Duration::from_secs(5),
        || recorded_lines(&down_log).len() == 2,
    );
    let o = lab.log("o");
    assert!(o.contains("(F4) Entering Down state"), "{o}");
    assert!(
        o.contains(&format!("BFD check of [F4] RS([{u4}]:tcp:80) is DOWN")),
        "{o}"
    );
    lab.cut_upstream(false);
    lab.wait(
        "BFD_CHECK: real server back",
        Duration::from_secs(10),
        || recorded_lines(&up_log).len() == 2,
    );
}

/// The notify lines `binary` in `o` gives over one timeline: o (priority 150) tracks the
/// upstream session with weight -100 in VI_1 (t, keepalived at 100, is its BACKUP) and with
/// weight 0 in VI_2; the session comes Up, o takes VI_1 over; the upstream link is cut: VI_1
/// goes to t, VI_2 to FAULT.
fn track_bfd_timeline(binary: &'static str, name: &str, n: u8) -> (Vec<String>, Vec<String>) {
    let mut lab = Lab::new(name, n);
    let (o4, u4) = (lab.v4(1), lab.v4(3));
    let vip = format!("10.74.{n}.100");
    // 50 ms x 5 rather than 10 ms x 3: on a loaded CI machine the faster session may flap
    // (keepalived's as well as ours), and the timelines would differ.
    lab.start_bfdd(&[(o4.clone(), u4.clone())], 50);
    let inst = |name: &str, vrid: u8, prio: u8, vip: &str, extra: &str, notify: &str| {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {prio}\n\
             advert_int 1\n{extra}{notify}\n virtual_ipaddress {{\n  {vip}/24\n }}\n}}\n"
        )
    };
    lab.start(
        "t",
        KEEPALIVED,
        &inst("VI_1", 70 + n, 100, &vip, "", ""),
        &["-P"],
    );
    let (script, record) = lab.net.recording_script("notify");
    let notify = format!(" notify \"{script}\"\n");
    let conf = format!(
        "bfd_instance UP {{\n neighbor_ip {u4}\n min_rx 50\n min_tx 50\n multiplier 5\n}}\n{}{}",
        inst(
            "VI_1",
            70 + n,
            150,
            &vip,
            " track_bfd {\n  UP weight -100\n }\n",
            &notify
        ),
        inst(
            "VI_2",
            90 + n,
            100,
            &format!("10.74.{n}.101"),
            " track_bfd {\n  UP\n }\n",
            &notify
        ),
    );
    let metrics = format!("{o4}:9166");
    let ours = binary == OURS;
    let extra: &[&str] = if ours {
        &["-P", "--metrics-address", &metrics]
    } else {
        &["-P"]
    };
    lab.start("o", binary, &conf, extra);
    lab.wait(
        "o takes VI_1 once the session is Up",
        Duration::from_secs(20),
        || lab.net.holds("o", &vip) && !lab.net.holds("t", &vip),
    );
    lab.wait("VI_2 MASTER", Duration::from_secs(8), || {
        recorded_lines(&record)
            .iter()
            .any(|l| l.contains("VI_2") && l.contains("MASTER"))
    });
    let o = lab.log("o");
    assert!(
        o.contains("VRRP_Instance(VI_1) Tracked BFD instance UP is UP"),
        "{o}"
    );
    lab.cut_upstream(true);
    lab.wait("t takes VI_1 over", Duration::from_secs(5), || {
        lab.net.holds("t", &vip) && !lab.net.holds("o", &vip)
    });
    lab.wait("VI_2 FAULT", Duration::from_secs(5), || {
        recorded_lines(&record)
            .iter()
            .rev()
            .any(|l| l.contains("VI_2") && l.contains("FAULT"))
    });
    std::thread::sleep(Duration::from_millis(300));
    let o = lab.log("o");
    assert!(
        o.contains("VRRP_Instance(VI_2) Tracked BFD instance UP is DOWN"),
        "{o}"
    );
    if ours {
        detection_in_metrics(&lab, &metrics);
    }
    (recorded_lines(&record), bfd_dump_lines(&lab))
}

/// Ours' /metrics after the cut: one detected Down of `UP`, after at least bfdd's detection
/// time (its multiplier 3 x the agreed 50 ms) of silence.
fn detection_in_metrics(lab: &Lab, addr: &str) {
    let (status, _, body) =
        http_get(&lab.net.ns("o"), addr, "/metrics", "").expect("ours' /metrics answers");
    assert_eq!(status, 200);
    let value = |series: &str| {
        body.lines().find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .parse::<f64>()
                .ok()
        })
    };
    let count = value("keepalived_rs_bfd_detection_seconds_count{name=\"UP\"}");
    let sum = value("keepalived_rs_bfd_detection_seconds_sum{name=\"UP\"}");
    assert_eq!(count, Some(1.0), "{body}");
    assert!(sum.is_some_and(|s| s >= 0.15), "{body}");
}

/// Both timelines' daemons write /tmp/keepalived.data: one SIGUSR1 at a time.
static DATA_FILE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// SIGUSR1 to `o`: the BFD lines of its /tmp/keepalived.data (the "VRRP Track BFDs"
/// section and each instance's "Tracked BFDs").
fn bfd_dump_lines(lab: &Lab) -> Vec<String> {
    let _one = DATA_FILE.lock().unwrap_or_else(|e| e.into_inner());
    let data = Path::new("/tmp/keepalived.data");
    let _ = std::fs::remove_file(data);
    lab.net.signal("o", "main", "USR1");
    lab.wait("o's data dump", Duration::from_secs(10), || {
        std::fs::metadata(data).is_ok_and(|m| m.len() > 0)
    });
    // keepalived writes the file in place: give it time to finish.
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(data).unwrap_or_default();
    let (mut out, mut section, mut tracked) = (Vec::new(), false, false);
    for l in text.lines() {
        if l.starts_with("------<") {
            section = l.contains("VRRP Track BFDs");
        }
        tracked = l == "   Tracked BFDs :" || (tracked && l.starts_with("     "));
        if section || tracked || l.starts_with(" VRRP Instance = ") {
            out.push(l.to_owned());
        }
    }
    out
}

/// track_bfd as keepalived: weight -100 lowers the MASTER below its BACKUP when the upstream
/// session goes Down, weight 0 means FAULT; ours and keepalived 2.2.7 run the same
/// configuration and timeline (in parallel labs) and write the same notify lines.
#[test]
fn track_bfd_moves_the_vip_like_keepalived() {
    if !can_run("track_bfd_moves_the_vip_like_keepalived") {
        return;
    }
    let theirs = std::thread::spawn(|| track_bfd_timeline(KEEPALIVED, "ka", 21));
    let ours = track_bfd_timeline(OURS, "ours", 20);
    let (ours, ours_dump) = ours;
    let (theirs, theirs_dump) = theirs.join().expect("keepalived's timeline");
    assert!(
        ours_dump.iter().any(|l| l == "   Bfd is down"),
        "{ours_dump:?}"
    );
    assert_eq!(
        ours_dump, theirs_dump,
        "the .data dump's BFD lines, ours vs keepalived"
    );
    // Per instance: the notify scripts of different instances run concurrently.
    for i in ["VI_1 ", "VI_2 "] {
        let of =
            |v: &[String]| -> Vec<String> { v.iter().filter(|l| l.contains(i)).cloned().collect() };
        assert_eq!(
            of(&ours),
            of(&theirs),
            "{i}notify lines, ours vs keepalived"
        );
    }
}

/// What `binary` in `o` does over reloads (issue 15): started with a vrrp_instance and no
/// bfd_instance (no BFD child, no `-b` pid file); a reload adding a first bfd_instance (to
/// bfdd in `u`) and a track_bfd on it starts the BFD child, whose session comes Up; a reload
/// removing it again leaves that child running (keepalived's BFD child stays with no
/// instance). Returns what was seen at each step.
fn bfd_reload_timeline(binary: &'static str, name: &str, n: u8) -> Vec<String> {
    // Its own address space (namespaces k14c-*, 10.87.N.0/24, fd00:87:N::/64).
    let v6 = format!("fd00:87:{n}:");
    let mut lab = Lab::in_space("k14c", &format!("10.87.{n}"), &v6, name);
    let (o4, u4) = (lab.v4(1), lab.v4(3));
    lab.start_bfdd(&[(o4, u4.clone())], 50);
    let inst = |extra: &str| {
        format!(
            "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {}\n priority 150\n\
             advert_int 1\n{extra} virtual_ipaddress {{\n  10.87.{n}.100/24\n }}\n}}\n",
            70 + n
        )
    };
    let bfd = format!("bfd_instance UP {{\n neighbor_ip {u4}\n min_rx 50\n min_tx 50\n}}\n");
    lab.start("o", binary, &inst(""), &[]);
    let mut seen = Vec::new();
    lab.wait("VI_1 MASTER", Duration::from_secs(15), || {
        lab.log("o").contains("(VI_1) Entering MASTER STATE")
    });
    seen.push(format!(
        "start: BFD child {}",
        lab.net.pid("o", "bfd").is_some()
    ));
    let conf = lab.net.dir().join("o.conf");
    std::fs::write(&conf, format!("{bfd}{}", inst(" track_bfd {\n  UP\n }\n"))).unwrap();
    lab.net.signal("o", "main", "HUP");
    lab.wait(
        "the session Up after the reload",
        Duration::from_secs(20),
        || lab.log("o").contains("(UP) Entering Up state"),
    );
    let child = lab.net.pid("o", "bfd");
    seen.push(format!("first bfd_instance: BFD child {}", child.is_some()));
    // The VRRP and the BFD child both log "Reloading"; then a stopping child gets time to go.
    let reloads = |l: &str| l.matches("Reloading").count();
    let before = reloads(&lab.log("o"));
    std::fs::write(&conf, inst("")).unwrap();
    lab.net.signal("o", "main", "HUP");
    lab.wait("the second reload", Duration::from_secs(10), || {
        reloads(&lab.log("o")) >= before + 2
    });
    std::thread::sleep(Duration::from_secs(2));
    let alive = child.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
    seen.push(format!("no bfd_instance: same BFD child running {alive}"));
    seen
}

#[test]
fn a_reload_starts_the_bfd_child_for_a_first_bfd_instance_like_keepalived() {
    if !can_run("a_reload_starts_the_bfd_child_for_a_first_bfd_instance_like_keepalived") {
        return;
    }
    let theirs = std::thread::spawn(|| bfd_reload_timeline(KEEPALIVED, "rka", 23));
    let ours = bfd_reload_timeline(OURS, "rours", 22);
    let theirs = theirs.join().expect("keepalived's timeline");
    assert_eq!(ours, theirs, "ours, then keepalived's");
    assert_eq!(
        ours,
        [
            "start: BFD child false",
            "first bfd_instance: BFD child true",
            "no bfd_instance: same BFD child running true",
        ]
    );
}

/// The wire keywords' lab (issue 13; namespaces `kv-NAME-PID-*`, 10.216.0.0/24): `binary`
/// in router o, keepalived 2.2.7 in t as the peer of every session, tshark on o's bridge
/// port. Router o's sessions:
/// - P to t's .2 from `source_ip` .11 with `ttl 250` (t accepts it with `max_hops 5`);
/// - Q to t's .12, which sends with `ttl 240`: o's default `max_hops 0` drops its packets;
/// - H to t's .13, which sends with `ttl 240` too, accepted by o's `max_hops 20`;
/// - R `passive` from .14 to t's .15: nothing before t speaks;
/// - S `idle_tx 2000` to .20, which runs no session: Down packets every 1.5-2 s.
const WIRE_O: &str = "bfd_instance P {\n neighbor_ip 10.216.0.2\n source_ip 10.216.0.11\n \
    ttl 250\n min_rx 100\n min_tx 100\n}\n\
    bfd_instance Q {\n neighbor_ip 10.216.0.12\n source_ip 10.216.0.1\n min_rx 100\n min_tx 100\n}\n\
    bfd_instance H {\n neighbor_ip 10.216.0.13\n source_ip 10.216.0.1\n max_hops 20\n \
    min_rx 100\n min_tx 100\n}\n\
    bfd_instance R {\n neighbor_ip 10.216.0.15\n source_ip 10.216.0.14\n passive\n \
    min_rx 100\n min_tx 100\n}\n\
    bfd_instance S {\n neighbor_ip 10.216.0.20\n idle_tx 2000\n}\n";

/// Router t's side (always keepalived 2.2.7).
const WIRE_T: &str = "bfd_instance P {\n neighbor_ip 10.216.0.11\n source_ip 10.216.0.2\n \
    max_hops 5\n min_rx 100\n min_tx 100\n}\n\
    bfd_instance Q {\n neighbor_ip 10.216.0.1\n source_ip 10.216.0.12\n ttl 240\n min_rx 100\n min_tx 100\n}\n\
    bfd_instance H {\n neighbor_ip 10.216.0.1\n source_ip 10.216.0.13\n ttl 240\n min_rx 100\n min_tx 100\n}\n\
    bfd_instance R {\n neighbor_ip 10.216.0.14\n source_ip 10.216.0.15\n min_rx 100\n min_tx 100\n}\n";

/// One BFD control packet on the wire, as tshark read it.
#[derive(Debug, Clone)]
struct Frame {
    time: f64,
    src: String,
    dst: String,
    ttl: u8,
    /// bfd.sta: 0 AdminDown, 1 Down, 2 Init, 3 Up.
    state: u8,
    /// bfd.desired_min_tx_interval (µs).
    desired_tx: u32,
}

fn number(field: &str) -> Option<u32> {
    let f = field.trim();
    match f.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => f.parse().ok(),
    }
}

fn frames(text: &str) -> Vec<Frame> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some(Frame {
                time: f.first()?.trim().parse().ok()?,
                src: f.get(1)?.to_string(),
                dst: f.get(2)?.to_string(),
                ttl: u8::try_from(number(f.get(3)?)?).ok()?,
                state: u8::try_from(number(f.get(4)?)?).ok()?,
                desired_tx: number(f.get(5)?)?,
            })
        })
        .collect()
}

/// What the wire shows of router o's sessions, in words (the same for ours and keepalived).
fn bfd_wire_run(binary: &'static str, name: &str) -> Vec<String> {
    let mut lab = Lab::in_space("kv", "10.216.0", "fd16:216:", name);
    for a in ["10.216.0.11/24", "10.216.0.14/24"] {
        lab.net.add_address("o", a);
    }
    for a in [
        "10.216.0.12/24",
        "10.216.0.13/24",
        "10.216.0.15/24",
        "10.216.0.20/24",
    ] {
        lab.net.add_address("t", a);
    }
    let fields = [
        "frame.time_epoch",
        "ip.src",
        "ip.dst",
        "ip.ttl",
        "bfd.sta",
        "bfd.desired_min_tx_interval",
    ];
    let mut args = vec![
        "-l",
        "-n",
        "-i",
        "po",
        "-f",
        "udp port 3784",
        "-T",
        "fields",
    ];
    for f in &fields {
        args.extend(["-e", f]);
    }
    lab.net.spawn("s", "wire", "tshark", &args);
    let wire = lab.net.dir().join("wire.log");
    let read = || std::fs::read_to_string(&wire).unwrap_or_default();
    lab.wait("tshark", Duration::from_secs(20), || {
        read().contains("Capturing on")
    });
    // t first: R's first packet is then t's, and o's passive R must wait for it.
    lab.start("t", KEEPALIVED, WIRE_T, &["-P"]);
    std::thread::sleep(Duration::from_millis(500));
    lab.start("o", binary, WIRE_O, &["-P"]);
    lab.wait("P and H Up on o", Duration::from_secs(20), || {
        let o = lab.log("o");
        o.contains("(P) Entering Up state") && o.contains("(H) Entering Up state")
    });
    // S's Down packets for a while (4 s: 3 of them at idle_tx 2000, 5 at the default 1 s).
    std::thread::sleep(Duration::from_secs(5));
    let all = frames(&read());
    let from = |src: &str, dst: &str| -> Vec<Frame> {
        (all.iter())
            .filter(|f| f.src == src && f.dst == dst)
            .cloned()
            .collect()
    };
    let mut seen = Vec::new();
    let ttls =
        |v: &[Frame]| -> std::collections::BTreeSet<u8> { v.iter().map(|f| f.ttl).collect() };
    let reached_up = |v: &[Frame]| v.iter().any(|f| f.state == 3);
    let p = from("10.216.0.11", "10.216.0.2");
    seen.push(format!(
        "P: sent from source_ip, TTLs {:?}, Up {}",
        ttls(&p),
        reached_up(&p)
    ));
    let q = from("10.216.0.1", "10.216.0.12");
    let q_in = from("10.216.0.12", "10.216.0.1");
    seen.push(format!(
        "Q: peer's TTLs {:?}, o reached Init or Up {}",
        ttls(&q_in),
        q.iter().any(|f| f.state >= 2)
    ));
    let h = from("10.216.0.1", "10.216.0.13");
    seen.push(format!("H: TTLs {:?}, Up {}", ttls(&h), reached_up(&h)));
    let r_out = from("10.216.0.14", "10.216.0.15");
    let r_in = from("10.216.0.15", "10.216.0.14");
    let first = |v: &[Frame]| v.first().map_or(f64::MAX, |f| f.time);
    seen.push(format!(
        "R: passive sends after the peer {}, Up {}",
        !r_in.is_empty() && first(&r_out) > first(&r_in),
        reached_up(&r_out)
    ));
    let s = from("10.216.0.1", "10.216.0.20");
    let t0 = first(&s);
    let in_window = s.iter().filter(|f| f.time < t0 + 4.2).count();
    seen.push(format!(
        "S: Down only {}, desired min tx {:?} us, 2 to 4 packets in 4.2 s {}",
        s.iter().all(|f| f.state == 1),
        s.iter()
            .map(|f| f.desired_tx)
            .collect::<std::collections::BTreeSet<_>>(),
        (2..=4).contains(&in_window)
    ));
    let o = lab.log("o");
    seen.push(format!(
        "Q never Up in o's log {}",
        !o.contains("(Q) Entering Up state")
    ));
    eprintln!("{name}: {seen:?} (S: {in_window} packets in the window)");
    seen
}

/// `source_ip`, `ttl`, `max_hops`, `passive` and `idle_tx` on the wire: ours in router o
/// beside keepalived 2.2.7 in o (two labs, keepalived as the peer in both) show the same
/// packets: the control packets leave from `source_ip` with the configured TTL (255
/// otherwise); a peer's packets with a TTL below `ttl - max_hops` are dropped (the session
/// never leaves Down) and accepted with a larger `max_hops`; a `passive` session speaks only
/// after the peer; while Down, packets carry `idle_tx` as their Desired Min TX Interval and
/// go out at that pace (counted in a window, generous bounds).
#[test]
fn bfd_wire_keywords_like_keepalived() {
    if !can_run("bfd_wire_keywords_like_keepalived") {
        return;
    }
    if !Path::new("/usr/bin/tshark").exists() {
        eprintln!("skipped: bfd_wire_keywords_like_keepalived needs tshark");
        return;
    }
    let theirs = std::thread::spawn(|| bfd_wire_run(KEEPALIVED, "wka"));
    let ours = bfd_wire_run(OURS, "wours");
    let theirs = theirs.join().expect("keepalived's lab");
    assert_eq!(ours, theirs, "ours, then keepalived's");
    assert_eq!(
        theirs,
        [
            "P: sent from source_ip, TTLs {250}, Up true",
            "Q: peer's TTLs {240}, o reached Init or Up false",
            "H: TTLs {255}, Up true",
            "R: passive sends after the peer true, Up true",
            "S: Down only true, desired min tx {2000000} us, 2 to 4 packets in 4.2 s true",
            "Q never Up in o's log true",
        ]
    );
}

/// Router o alone: `C` (`checker`) and `V` (`vrrp`) to neighbours that never answer, VI_1
/// tracking C and VI_2 tracking V (weight 0: Down is FAULT).
const ROUTING_CONF: &str = "bfd_instance C {\n neighbor_ip 10.216.0.9\n checker\n}\n\
    bfd_instance V {\n neighbor_ip 10.216.0.8\n vrrp\n}\n\
    vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 31\n priority 100\n advert_int 1\n \
    track_bfd {\n  C\n }\n virtual_ipaddress {\n  10.216.0.100/24\n }\n}\n\
    vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 32\n priority 100\n advert_int 1\n \
    track_bfd {\n  V\n }\n virtual_ipaddress {\n  10.216.0.101/24\n }\n}\n";

/// What `binary` on [`ROUTING_CONF`] shows: the log line for C, and each instance's state.
fn event_routing_run(binary: &'static str, name: &str) -> Vec<String> {
    let mut lab = Lab::in_space("kv", "10.216.0", "fd16:216:", name);
    lab.start("o", binary, ROUTING_CONF, &["-P"]);
    lab.wait("VI_1 MASTER or FAULT", Duration::from_secs(15), || {
        let o = lab.log("o");
        o.contains("(VI_1) Entering MASTER STATE") || o.contains("(VI_1) Entering FAULT STATE")
    });
    // VI_2's state is settled by then (FAULT at once, or MASTER after the same wait).
    std::thread::sleep(Duration::from_millis(1500));
    let o = lab.log("o");
    // keepalived logs an instance that starts in FAULT as "(VI_2) entering FAULT state".
    let lower = o.to_lowercase();
    let state = |i: &str| {
        ["MASTER", "BACKUP", "FAULT"]
            .iter()
            .filter_map(|s| {
                let line = format!("({}) entering {} state", i.to_lowercase(), s.to_lowercase());
                lower.rfind(&line).map(|at| (at, *s))
            })
            .max()
            .map_or("none", |(_, s)| s)
    };
    let seen = vec![
        format!(
            "C not tracked: {}",
            o.contains("(VI_1) track bfd C not found, ignoring...")
        ),
        format!("VI_1 {}", state("VI_1")),
        format!("VI_1 holds its VIP {}", lab.net.holds("o", "10.216.0.100")),
        format!("VI_2 {}", state("VI_2")),
        format!("VI_2 holds its VIP {}", lab.net.holds("o", "10.216.0.101")),
    ];
    eprintln!("{name}: {seen:?}");
    seen
}

/// bfd_instance `checker` / `vrrp`: the instance's events go to the named process only. A
/// `checker`-only instance is unknown to the VRRP process (keepalived frees it there: "track
/// bfd C not found, ignoring..."), so the vrrp_instance tracking it runs as if untracked
/// and becomes MASTER while the session is Down; the `vrrp` one is tracked (its Down is
/// FAULT). Ours beside keepalived 2.2.7 on the same configuration.
#[test]
fn bfd_instance_vrrp_and_checker_route_the_events_like_keepalived() {
    if !can_run("bfd_instance_vrrp_and_checker_route_the_events_like_keepalived") {
        return;
    }
    let theirs = std::thread::spawn(|| event_routing_run(KEEPALIVED, "eka"));
    let ours = event_routing_run(OURS, "eours");
    let theirs = theirs.join().expect("keepalived's lab");
    assert_eq!(ours, theirs, "ours, then keepalived's");
    assert_eq!(
        theirs,
        [
            "C not tracked: true",
            "VI_1 MASTER",
            "VI_1 holds its VIP true",
            "VI_2 FAULT",
            "VI_2 holds its VIP false",
        ]
    );
}
