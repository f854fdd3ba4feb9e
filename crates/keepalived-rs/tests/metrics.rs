//! `--metrics-address` beside the real keepalived 2.2.7: ours (priority 150) serves
//! `/metrics` (keepalived-exporter's names), `/json` (keepalived's JSON dump) and `/healthz`
//! from its VRRP child; a link cut and restore shows in the counters and the takeover
//! histogram. Needs root and /usr/sbin/keepalived.

use std::io::Write;
use std::time::Duration;

use keepalived_labs::{http_get, ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const ADDR: &str = "10.95.1.1:9165";
const VIP: &str = "10.95.1.100";
const LIMIT: Duration = Duration::from_secs(20);

fn conf(name: &str, priority: u8) -> String {
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 95\n    \
         priority {priority}\n    advert_int 1\n    virtual_ipaddress {{\n        {VIP}/24\n    }}\n}}\n"
    )
}

/// `GET path` from inside namespace `ns` (a thread that entered it): (status, body), or
/// `None` when nothing answers yet.
fn get(ns: &str, path: &str) -> Option<(u16, String)> {
    get_with(ns, path, "").map(|(status, _, body)| (status, body))
}

/// `GET path` with `extra` header lines: (status, head, body).
fn get_with(ns: &str, path: &str, extra: &str) -> Option<(u16, String, String)> {
    http_get(ns, ADDR, path, extra)
}

/// The value of the sample `name{labels}` (labels written as the encoder does).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// `promtool check metrics` reports nothing on `text` (skipped visibly without promtool).
fn promtool_clean(text: &str) {
    use std::process::{Command, Stdio};
    let Ok(mut child) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("skipped: needs promtool (Debian package prometheus)");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.is_empty(),
        "promtool: {report}\n{text}"
    );
}

const LABELS: &str = "{iname=\"VI_1\",intf=\"eth0\",vrid=\"95\"}";

fn metrics(lab: &BridgeLab) -> String {
    let (status, body) = get(&lab.ns("o"), "/metrics").expect("/metrics answers");
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn metrics_json_and_healthz_follow_the_instance() {
    if !runnable("metrics") {
        return;
    }
    let mut lab = BridgeLab::new("metrics", "endpoint", "10.95.1");
    lab.start("t", KEEPALIVED, &conf("keepalived", 100));
    lab.start_with("o", OURS, &conf("ours", 150), &["--metrics-address", ADDR]);
    lab.wait(
        "ours MASTER with the VIP",
        LIMIT,
        || lab.holds("o", VIP) && !lab.holds("t", VIP),
        || None,
    );

    assert_eq!(
        get(&lab.ns("o"), "/healthz"),
        Some((200, "ok\n".to_owned()))
    );
    assert_eq!(get(&lab.ns("o"), "/nope").map(|r| r.0), Some(404));

    let state = format!(
        "keepalived_vrrp_state{{iname=\"VI_1\",intf=\"eth0\",vrid=\"95\",ip_address=\"{VIP}/24\"}}"
    );
    lab.wait(
        "MASTER in /metrics with adverts sent",
        LIMIT,
        || {
            let m = metrics(&lab);
            sample(&m, &state) == Some(2.0)
                && sample(&m, &format!("keepalived_advertisements_sent_total{LABELS}"))
                    .is_some_and(|n| n > 0.0)
        },
        || None,
    );
    let m = metrics(&lab);
    assert_eq!(sample(&m, "keepalived_up"), Some(1.0), "{m}");
    let became = sample(&m, &format!("keepalived_become_master_total{LABELS}")).expect("{m}");
    assert!(became >= 1.0, "{m}");
    let takeovers = sample(&m, "keepalived_rs_takeover_seconds_count").expect("{m}");
    assert!(takeovers >= 1.0, "{m}");
    // Every advert is sent from a timer wake-up, each one observed once.
    let wakeups = sample(&m, "keepalived_rs_advert_timer_lateness_seconds_count").expect("{m}");
    assert!(wakeups >= 1.0, "{m}");
    assert!(
        m.contains("keepalived_rs_advert_timer_lateness_seconds_bucket{le=\"0.00001\"}"),
        "{m}"
    );
    assert!(m.contains("keepalived_rs_last_transition_timestamp_seconds{iname=\"VI_1\"}"));
    assert!(!m.contains("# EOF"), "text format 0.0.4 by default: {m}");
    assert!(
        m.contains("# TYPE keepalived_become_master_total counter\n"),
        "{m}"
    );
    promtool_clean(&m);
    // What Prometheus sends: OpenMetrics.
    let accept = "Accept: application/openmetrics-text;version=1.0.0,\
                  application/openmetrics-text;version=0.0.1;q=0.75,\
                  text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n";
    let (status, head, om) = get_with(&lab.ns("o"), "/metrics", accept).expect("/metrics");
    assert_eq!(status, 200);
    assert!(
        head.contains("application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(
        om.contains("# TYPE keepalived_become_master counter\n"),
        "{om}"
    );
    let (_, head, text) = get_with(
        &lab.ns("o"),
        "/metrics",
        "Accept: text/plain;version=0.0.4\r\n",
    )
    .unwrap();
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    promtool_clean(&text);

    let (status, json) = get(&lab.ns("o"), "/json").expect("/json answers");
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let vi = &doc[0];
    assert_eq!(vi["data"]["iname"], "VI_1", "{json}");
    assert_eq!(vi["data"]["state"], 2, "{json}");
    assert_eq!(vi["data"]["vrid"], 95, "{json}");
    assert!(vi["stats"]["advert_sent"].as_u64() > Some(0), "{json}");

    // Cut ours off: keepalived takes over; back: ours preempts again.
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait(
        "keepalived took over",
        LIMIT,
        || lab.holds("t", VIP),
        || None,
    );
    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait(
        "ours MASTER again",
        LIMIT,
        || lab.holds("o", VIP) && !lab.holds("t", VIP),
        || None,
    );
    lab.wait(
        "become_master grew",
        LIMIT,
        || {
            let m = metrics(&lab);
            sample(&m, &format!("keepalived_become_master_total{LABELS}"))
                .is_some_and(|n| n > became)
                && sample(&m, &state) == Some(2.0)
        },
        || None,
    );
    let m = metrics(&lab);
    assert!(
        sample(&m, "keepalived_rs_takeover_seconds_count").is_some_and(|n| n > takeovers),
        "{m}"
    );
    assert!(
        sample(&m, &format!("keepalived_release_master_total{LABELS}")).is_some_and(|n| n >= 1.0),
        "{m}"
    );
}
