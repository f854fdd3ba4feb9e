//! mehdy/keepalived-exporter (v1.3.0, vendored in tests/exporter and built there with
//! Debian's Go) reads keepalived-rs as it reads keepalived 2.2.7. One configuration (a v4
//! instance tracking a good script, a v4 instance whose script fails so it is FAULT, a v6
//! instance, one BACKUP to a keepalived peer on the bridge, one on a VMAC, a unicast one
//! tracking a script still in its first run, VIPs with `brd`, `label`, no prefix, `scope
//! host`) runs under
//! keepalived, then under ours, in the same lab; for each, the exporter runs in text mode,
//! then in JSON mode (`-ka.json`), with only the daemon under test as `keepalived` on its
//! PATH (what the .deb's `keepalived` alternative gives), and its /metrics must show the same
//! `keepalived_*` series, labels and values, `keepalived_up 1` and no error in its log.
//!
//! The dumps are keepalived's fixed paths (/tmp/keepalived.data, .stats, .json), which other
//! test binaries write too: this binary holds one test only, and cargo runs test binaries one
//! after another (the scenarios binary and packaging/test-deb.sh, which run beside them,
//! never signal for dumps).
//! Needs root, /usr/sbin/keepalived, Go (golang-go) and the -dev packages in
//! tests/exporter/README.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keepalived_labs::{http_get, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const LIMIT: Duration = Duration::from_secs(30);
const LISTEN: &str = "127.0.0.1:9165";
/// Ours' own /metrics (`--metrics-address`), which says it has the exporter's series.
const OWN_METRICS: &str = "127.0.0.1:9166";
const DUMPS: [&str; 3] = [
    "/tmp/keepalived.data",
    "/tmp/keepalived.stats",
    "/tmp/keepalived.json",
];

/// Series whose values depend on when the scrape happens, compared by name and labels only:
/// adverts are sent (by the MASTERs) and received (by VI_3 from the peer) every second, so two
/// daemons started at different times and scraped some seconds later count different numbers.
const TIMING_DEPENDENT: [&str; 2] = [
    "keepalived_advertisements_sent_total",
    "keepalived_advertisements_received_total",
];

fn go_available() -> bool {
    let found = Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: needs go (golang-go)");
    }
    found
}

/// Builds the vendored exporter (cached beside the test binaries, keyed by its source tag).
fn exporter() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/exporter/build.sh");
    let out = Path::new(OURS)
        .parent()
        .expect("target directory")
        .join("keepalived-exporter-v1.3.0");
    let start = Instant::now();
    let run = Command::new("bash")
        .arg(&script)
        .arg(&out)
        .output()
        .expect("build.sh runs");
    assert!(
        run.status.success(),
        "building keepalived-exporter failed (needs golang-go \
         golang-github-prometheus-client-golang-dev golang-github-sirupsen-logrus-dev \
         golang-github-hashicorp-go-version-dev golang-github-cenkalti-backoff-dev \
         golang-github-docker-docker-dev):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("keepalived-exporter ready in {:?}", start.elapsed());
    PathBuf::from(String::from_utf8_lossy(&run.stdout).trim())
}

fn conf() -> String {
    "global_defs {\n    router_id exporter\n}\n\
     vrrp_script chk_good {\n    script \"/bin/true\"\n    interval 30\n}\n\
     vrrp_script chk_bad {\n    script \"/bin/false\"\n    interval 30\n}\n\
     vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    \
     advert_int 1\n    garp_master_delay 3\n    track_script {\n        chk_good\n    }\n    \
     virtual_ipaddress {\n        10.214.0.100/24\n        \
     10.214.0.105/24 brd 10.214.0.255 dev eth0 label eth0:5\n    }\n}\n\
     vrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 52\n    priority 100\n    \
     advert_int 1\n    track_script {\n        chk_bad\n    }\n    virtual_ipaddress {\n        \
     10.214.0.101/24\n        10.214.0.102/24\n    }\n}\n\
     vrrp_instance VI_6 {\n    interface eth0\n    virtual_router_id 53\n    priority 100\n    \
     advert_int 1\n    virtual_ipaddress {\n        fd14:214::100/64\n    }\n}\n\
     vrrp_instance VI_3 {\n    interface eth0\n    virtual_router_id 54\n    priority 100\n    \
     advert_int 1\n    virtual_ipaddress {\n        10.214.0.103/24\n    }\n}\n\
     vrrp_instance VI_4 {\n    interface eth0\n    use_vmac\n    virtual_router_id 55\n    \
     priority 100\n    advert_int 1\n    version 3\n    virtual_ipaddress {\n        \
     10.214.0.104/24\n    }\n}\n\
     vrrp_script chk_slow {\n    script \"/bin/sleep 40\"\n    interval 60\n    timeout 50\n    weight 10\n}\n\
     vrrp_instance VI_5 {\n    interface eth0\n    virtual_router_id 56\n    priority 100\n    \
     advert_int 1\n    unicast_peer {\n        10.214.0.3\n    }\n    track_script {\n        chk_slow\n    }\n    \
     virtual_ipaddress {\n        10.214.0.106\n        10.214.0.107/24 scope host\n    }\n}\n"
        .to_owned()
}

/// The peer's configuration: VI_3 at a higher priority, so the daemon under test is its
/// BACKUP, receiving its adverts.
fn peer_conf() -> String {
    "global_defs {\n    router_id peer\n}\n\
     vrrp_instance VI_3 {\n    interface eth0\n    virtual_router_id 54\n    priority 200\n    \
     advert_int 1\n    virtual_ipaddress {\n        10.214.0.103/24\n    }\n}\n"
        .to_owned()
}

/// The exporter in a router's namespace, its log in the lab directory; stopped on drop.
struct Exporter {
    child: Child,
    log: PathBuf,
}

impl Exporter {
    /// Starts `exporter -web.listen-address LISTEN -ka.pid-path PID [-ka.json]` with an
    /// environment holding only `PATH=BIN_DIR:/usr/bin:/bin`, BIN_DIR's `keepalived` being the
    /// daemon under test.
    fn start(lab: &BridgeLab, r: &str, exporter: &Path, bin_dir: &Path, json: bool) -> Exporter {
        let log = ex_log_path(lab, r, json);
        let out = std::fs::File::create(&log).expect("exporter log");
        let err = out.try_clone().expect("exporter log");
        let pid = lab.dir().join(format!("{r}.main.pid"));
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &lab.ns(r), "env", "-i"])
            .arg(format!("PATH={}:/usr/bin:/bin", bin_dir.display()))
            .arg(exporter)
            .args(["-web.listen-address", LISTEN, "-ka.pid-path"])
            .arg(&pid);
        if json {
            cmd.arg("-ka.json");
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("exporter starts");
        Exporter { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `keepalived_*` samples of a Prometheus text page: `name{labels}` to value.
fn series(page: &str) -> BTreeMap<String, String> {
    page.lines()
        .filter(|l| l.starts_with("keepalived_"))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The series with timing-dependent values blanked.
fn comparable(s: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    s.iter()
        .map(|(k, v)| {
            let timed = TIMING_DEPENDENT
                .iter()
                .any(|t| k.starts_with(&format!("{t}{{")));
            (k.clone(), if timed { "*".to_owned() } else { v.clone() })
        })
        .collect()
}

/// The series in `a` or `b` whose values differ: "series: left, right".
fn differences(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: {:?}, {:?}", a.get(k), b.get(k)))
        .collect()
}

/// `name{b="2",a="1"}` as `name{a="1",b="2"}` (the exporter's client sorts label names; ours
/// keeps the exporter's declaration order: the same series for Prometheus).
fn sorted_labels(key: &str) -> String {
    let Some((name, rest)) = key.split_once('{') else {
        return key.to_owned();
    };
    let mut labels = Vec::new();
    let mut rest = rest.strip_suffix('}').unwrap_or(rest);
    while let Some((label, after)) = rest.split_once("=\"") {
        // Values here hold no quotes or backslashes (names, interfaces, addresses).
        let (value, after) = after.split_once('"').unwrap_or((after, ""));
        labels.push(format!("{label}=\"{value}\""));
        rest = after.strip_prefix(',').unwrap_or(after);
    }
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

/// The series ours /metrics has for the exporter's `key` (reading ours): the same, with the
/// labels sorted, except for two labels the exporter takes from words of keepalived's dump
/// where ours gives the interface: an instance on a VMAC is `intf="vrrp.55, vmac on eth0"`
/// for the exporter (the whole `Interface =` value), `vrrp.55` for ours; a VIP with `brd` is
/// `intf="10.214.0.255"` for the exporter (word 2 of `10.214.0.105/24 brd 10.214.0.255 dev
/// eth0 ...`), `eth0` for ours.
fn own_metrics_key(key: &str) -> String {
    sorted_labels(key)
        .replace(", vmac on eth0\"", "\"")
        .replace("intf=\"10.214.0.255\"", "intf=\"eth0\"")
}

/// The body of a `Transfer-Encoding: chunked` response (Go's net/http sends /metrics so):
/// the chunks' data without their size lines.
fn dechunk(raw: &str) -> String {
    let mut body = String::new();
    let mut rest = raw;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16);
        let Ok(size) = size else { break };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").unwrap_or(&after[size..]);
    }
    body
}

/// Two scrapes of the exporter's /metrics, a second apart, once it answers.
fn scrape(lab: &BridgeLab, r: &str, exporter: &mut Exporter) -> [BTreeMap<String, String>; 2] {
    let ns = lab.ns(r);
    let get = || {
        http_get(&ns, LISTEN, "/metrics", "")
            .filter(|(status, _, _)| *status == 200)
            .map(|(_, head, body)| {
                if head
                    .to_ascii_lowercase()
                    .contains("transfer-encoding: chunked")
                {
                    dechunk(&body)
                } else {
                    body
                }
            })
    };
    let start = Instant::now();
    let first = loop {
        if let Some(body) = get() {
            break body;
        }
        if let Ok(Some(status)) = exporter.child.try_wait() {
            panic!("the exporter exited ({status}):\n{}", exporter.log());
        }
        assert!(
            start.elapsed() < LIMIT,
            "the exporter never answered:\n{}",
            exporter.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_secs(1));
    let second = get().unwrap_or_else(|| panic!("second scrape failed:\n{}", exporter.log()));
    [series(&first), series(&second)]
}

/// What one daemon gives through the exporter: the text-mode and the JSON-mode series, and
/// the text-mode series after the peer gave VI_3 up and took it back.
struct Seen {
    text: BTreeMap<String, String>,
    json: BTreeMap<String, String>,
    after_failover: BTreeMap<String, String>,
    /// Ours only: its own `--metrics-address` /metrics, read right after the text mode.
    own_metrics: Option<BTreeMap<String, String>>,
}

/// Starts the peer (keepalived 2.2.7 in host `p`) and waits until it is VI_3's MASTER.
fn start_peer(lab: &mut BridgeLab) {
    let pid = |n: &str| lab.dir().join(format!("p.{n}.pid")).display().to_string();
    let (chk, bfd) = (pid("checkers"), pid("bfd"));
    lab.start_with("p", KEEPALIVED, &peer_conf(), &["-c", &chk, "-b", &bfd]);
    lab.wait(
        "the peer MASTER of VI_3",
        LIMIT,
        || lab.holds("p", "10.214.0.103"),
        || None,
    );
}

/// Runs the exporter (text or JSON mode) in router `r` and scrapes it twice; checks each
/// scrape has `keepalived_up 1`, the exporter logged no warning or error, the two scrapes
/// have the same series and the counters did not go backwards. Returns the second scrape.
///
/// keepalived 2.2.7 writes its dumps in place (fopen "w", then the lines), and the exporter
/// opens the file as soon as it has signalled, so it can read one of keepalived's dumps
/// half-written: keepalived's view gets `tries` attempts, each after removing the old dumps.
/// Ours writes them through a rename (dump::write_atomically) and gets one.
fn exporter_view(
    lab: &BridgeLab,
    r: &str,
    exporter: &Path,
    bin_dir: &Path,
    json: bool,
    tries: usize,
) -> BTreeMap<String, String> {
    let mut attempt = 1;
    loop {
        for dump in DUMPS {
            let _ = std::fs::remove_file(dump);
        }
        match one_view(lab, r, exporter, bin_dir, json) {
            Ok(view) => return view,
            Err(why) if attempt < tries => {
                eprintln!("{r}: attempt {attempt} read a torn dump? scraping again:\n{why}");
                attempt += 1;
            }
            Err(why) => panic!("{why}"),
        }
    }
}

/// One run of the exporter for [`exporter_view`]: the second scrape, or what was wrong.
fn one_view(
    lab: &BridgeLab,
    r: &str,
    exporter: &Path,
    bin_dir: &Path,
    json: bool,
) -> Result<BTreeMap<String, String>, String> {
    let mut ex = Exporter::start(lab, r, exporter, bin_dir, json);
    let [first, second] = scrape(lab, r, &mut ex);
    drop(ex);
    let mode = if json { "JSON" } else { "text" };
    let exlog = std::fs::read_to_string(ex_log_path(lab, r, json)).unwrap_or_default();
    for s in [&first, &second] {
        if s.get("keepalived_up").map(String::as_str) != Some("1") {
            return Err(format!("{r} {mode} mode: scrape error\n{s:#?}\n{exlog}"));
        }
    }
    if exlog.contains("level=error")
        || exlog.contains("level=warning")
        || exlog.contains("level=fatal")
    {
        return Err(format!(
            "{r} {mode} mode: the exporter complained:\n{exlog}"
        ));
    }
    if !first.keys().eq(second.keys()) {
        return Err(format!(
            "{r} {mode} mode: the two scrapes have different series\n{first:#?}\n{second:#?}"
        ));
    }
    for (k, v) in &first {
        let later = second.get(k).and_then(|v| v.parse::<f64>().ok());
        let now = v.parse::<f64>().ok();
        if !(k.contains("_total{") && later >= now || !k.contains("_total{") && later.is_some()) {
            return Err(format!(
                "{r} {mode} mode: {k} {v} then {:?}\n{second:#?}\n{exlog}",
                second.get(k)
            ));
        }
    }
    Ok(second)
}

/// The exporter's log in the lab directory: `exporter-R-{text,json}.log`.
fn ex_log_path(lab: &BridgeLab, r: &str, json: bool) -> PathBuf {
    let mode = if json { "json" } else { "text" };
    lab.dir().join(format!("exporter-{r}-{mode}.log"))
}

/// Runs `binary` in router `r` on [`conf`], waits for VI_1, VI_4 and VI_6 MASTER (VI_2 is
/// FAULT, VI_3 BACKUP), then reads it through the exporter in both modes; then stops the
/// peer (priority 0: `r` takes VI_3 over) and starts it again (it takes VI_3 back) and reads
/// it once more in text mode.
fn run(lab: &mut BridgeLab, r: &str, binary: &str, exporter: &Path, own: bool) -> Seen {
    for dump in DUMPS {
        let _ = std::fs::remove_file(dump);
    }
    // `keepalived` on the exporter's PATH is the daemon under test, nothing else.
    let bin_dir = lab.dir().join(format!("bin-{r}"));
    std::fs::create_dir_all(&bin_dir).expect("bin directory");
    std::os::unix::fs::symlink(binary, bin_dir.join("keepalived")).expect("keepalived link");
    let found = Command::new("env")
        .arg("-i")
        .arg(format!("PATH={}:/usr/bin:/bin", bin_dir.display()))
        .args(["bash", "-c", "command -v keepalived"])
        .output()
        .expect("bash runs");
    assert_eq!(
        String::from_utf8_lossy(&found.stdout).trim(),
        bin_dir.join("keepalived").display().to_string(),
        "the exporter's PATH must find only the daemon under test"
    );
    // Own checker and BFD pid files: another keepalived on the host must not make keepalived
    // think it already runs.
    let pid = |n: &str| lab.dir().join(format!("{r}.{n}.pid")).display().to_string();
    let (chk, bfd) = (pid("checkers"), pid("bfd"));
    let mut extra = vec!["-c", &chk, "-b", &bfd];
    if own {
        extra.extend(["--metrics-address", OWN_METRICS]);
    }
    lab.start_with(r, binary, &conf(), &extra);
    // VI_2's script failed at start, seconds before the others' Master_Down timers fire
    // (keepalived logs no state for it: it starts in FAULT).
    lab.wait(
        "VI_1, VI_4 and VI_6 MASTER",
        LIMIT,
        || {
            lab.holds(r, "10.214.0.100")
                && lab.holds(r, "fd14:214::100")
                && lab.holds(r, "10.214.0.104")
        },
        || None,
    );
    let tries = if own { 1 } else { 3 };
    let text = exporter_view(lab, r, exporter, &bin_dir, false, tries);
    let own_metrics = own.then(|| {
        let (status, _, body) =
            http_get(&lab.ns(r), OWN_METRICS, "/metrics", "").expect("ours /metrics answers");
        assert_eq!(status, 200, "ours /metrics");
        series(&body)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("keepalived_rs_"))
            .collect()
    });
    let json = exporter_view(lab, r, exporter, &bin_dir, true, tries);
    lab.terminate("p");
    assert!(lab.wait_exit("p", LIMIT), "the peer did not stop");
    lab.wait(
        "VI_3 taken over from the stopped peer",
        LIMIT,
        || lab.holds(r, "10.214.0.103"),
        || None,
    );
    start_peer(lab);
    lab.wait(
        "VI_3 given back to the peer",
        LIMIT,
        || !lab.holds(r, "10.214.0.103"),
        || None,
    );
    let after_failover = exporter_view(lab, r, exporter, &bin_dir, false, tries);
    lab.terminate(r);
    assert!(lab.wait_exit(r, LIMIT), "{binary} did not stop");
    Seen {
        text,
        json,
        after_failover,
        own_metrics,
    }
}

/// keepalived 2.2.7's values for the series this configuration must have (the states, the
/// scripts): the comparison alone would pass if both daemons were wrong the same way.
fn expected(text: bool, failover: bool) -> Vec<(String, &'static str)> {
    let state = |i: &str, vrid: u8, ip: &str| {
        format!("keepalived_vrrp_state{{iname=\"{i}\",intf=\"eth0\",ip_address=\"{ip}\",vrid=\"{vrid}\"}}")
    };
    let mut v = vec![
        ("keepalived_up".to_owned(), "1"),
        (state("VI_1", 51, "10.214.0.100/24"), "2"),
        (state("VI_2", 52, "10.214.0.101/24"), "3"),
        (state("VI_2", 52, "10.214.0.102/24"), "3"),
        (state("VI_6", 53, "fd14:214::100/64"), "2"),
        (state("VI_3", 54, "10.214.0.103/24"), "1"),
        (
            "keepalived_gratuitous_arp_delay_total{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\"}"
                .to_owned(),
            "3",
        ),
    ];
    let vi3 = |name: &str| format!("{name}{{iname=\"VI_3\",intf=\"eth0\",vrid=\"54\"}}");
    // VI_3: MASTER once, while the peer was away (its priority 0 advert heard), then BACKUP.
    let n = if failover { "1" } else { "0" };
    v.push((vi3("keepalived_become_master_total"), n));
    v.push((vi3("keepalived_release_master_total"), n));
    v.push((vi3("keepalived_priority_zero_received_total"), n));
    if text {
        // keepalived_script_* come from the text dump only (the JSON dump has no scripts).
        v.push(("keepalived_script_status{name=\"chk_bad\"}".to_owned(), "0"));
        v.push((
            "keepalived_script_status{name=\"chk_good\"}".to_owned(),
            "1",
        ));
        v.push(("keepalived_script_state{name=\"chk_bad\"}".to_owned(), "0"));
        v.push(("keepalived_script_state{name=\"chk_good\"}".to_owned(), "0"));
        // Its first run (40 s) is still under way: running, and not yet good.
        v.push((
            "keepalived_script_status{name=\"chk_slow\"}".to_owned(),
            "0",
        ));
        v.push(("keepalived_script_state{name=\"chk_slow\"}".to_owned(), "1"));
    }
    v
}

#[test]
fn keepalived_exporter_reads_ours_as_keepalived() {
    if !runnable("exporter") || !go_available() {
        return;
    }
    let start = Instant::now();
    let exporter = exporter();
    let mut lab = BridgeLab::prefixed("kx", "exporter", "10.214.0");
    lab.add_address("t", "fd14:214::2/64");
    lab.add_address("o", "fd14:214::1/64");
    // The peer (keepalived 2.2.7, both runs) is VI_3's MASTER before either daemon starts.
    lab.add_host("p", &["10.214.0.3/24"]);
    start_peer(&mut lab);
    let theirs = run(&mut lab, "t", KEEPALIVED, &exporter, false);
    let ours = run(&mut lab, "o", OURS, &exporter, true);
    for (mode, t, o, text, failover) in [
        ("text", &theirs.text, &ours.text, true, false),
        ("JSON", &theirs.json, &ours.json, false, false),
        (
            "text, after the failover,",
            &theirs.after_failover,
            &ours.after_failover,
            true,
            true,
        ),
    ] {
        for (name, value) in expected(text, failover) {
            assert_eq!(
                t.get(&name).map(String::as_str),
                Some(value),
                "keepalived, {mode} mode: {name}\n{t:#?}"
            );
        }
        let (t, o) = (comparable(t), comparable(o));
        let differ = differences(&t, &o);
        assert!(
            differ.is_empty(),
            "{mode} mode: keepalived and ours differ (series: keepalived, ours):\n{}",
            differ.join("\n")
        );
        eprintln!("{mode} mode: the same {} keepalived_* series", t.len());
    }
    // Ours' own /metrics has the exporter's series for ours, but for two labels the
    // exporter takes from keepalived's dump words (see own_metrics_key).
    let via_exporter: BTreeMap<String, String> = comparable(&ours.text)
        .into_iter()
        .map(|(k, v)| (own_metrics_key(&k), v))
        .collect();
    let own: BTreeMap<String, String> = comparable(ours.own_metrics.as_ref().expect("ours"))
        .into_iter()
        .map(|(k, v)| (sorted_labels(&k), v))
        .collect();
    assert_eq!(
        differences(&via_exporter, &own),
        Vec::<String>::new(),
        "ours /metrics (right) and the exporter reading ours (left) differ"
    );
    for d in DUMPS {
        let _ = std::fs::remove_file(d);
    }
    eprintln!("exporter test: {:?} in all", start.elapsed());
}
