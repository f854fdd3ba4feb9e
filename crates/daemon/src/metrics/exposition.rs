//! A [`Snapshot`] as OpenMetrics text, encoded by `prometheus-client`, or as the
//! Prometheus text format 0.0.4 ([`super::negotiate`]).
//!
//! The `keepalived_*` families are keepalived-exporter's (internal/collector/collector.go
//! of github.com/mehdy/keepalived-exporter), with its names, help texts and labels, so
//! existing dashboards and alerts keep working:
//! - `keepalived_up` (gauge, 1);
//! - `keepalived_vrrp_state{iname,intf,vrid,ip_address}`, one sample per VIP (`intf` is the
//!   VIP's device, `ip_address` the address as keepalived prints it), or one with an empty
//!   `ip_address` for an instance without VIPs; values 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT;
//! - `keepalived_vrrp_excluded_state{...}` likewise for `virtual_ipaddress_excluded`;
//! - the counters of keepalived's stats (`keepalived_advertisements_received_total`, ...)
//!   and `keepalived_gratuitous_arp_delay_total` (the instance's `garp_master_delay`, as the
//!   exporter reports it), all `{iname,intf,vrid}`;
//! - `keepalived_script_status{name}` (0 BAD, 1 GOOD; absent before the first result) and
//!   `keepalived_script_state{name}` (0 idle, 1 running).
//!
//! The exporter's `keepalived_check_script_status` comes from running its own `-cs` script
//! per VIP and has no counterpart here.
//!
//! Ours, under `keepalived_rs_*`: `keepalived_rs_last_transition_timestamp_seconds{iname}`,
//! the [`Recorder`] histograms `keepalived_rs_takeover_seconds`,
//! `keepalived_rs_vip_install_seconds` and `keepalived_rs_advert_timer_lateness_seconds`
//! (wake-up minus deadline of the loop's earliest VRRP timer, 10 µs .. 1 s), and per `bfd_instance` the VRRP child hears about
//! `keepalived_rs_bfd_session_state{name}` (1 Up, 0 Down),
//! `keepalived_rs_bfd_transitions_total{name}` and the histogram
//! `keepalived_rs_bfd_detection_seconds{name}` (neighbour's last packet to the VRRP child
//! reading the Down, for each Down the detection timer found).

use prometheus_client::encoding::text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::negotiate::{openmetrics_to_text004, Format};
use super::Recorder;
use crate::dump::{format_vip, InstanceDump, ScriptInitState, Snapshot, StatsDump, VipDump};

/// Label pairs, in the exporter's order.
type Labels = Vec<(&'static str, String)>;

/// One of keepalived-exporter's counters: name without `_total` (the encoder appends it),
/// help, and its value in keepalived's stats.
type CounterDef = (&'static str, &'static str, fn(&StatsDump) -> u64);

/// keepalived-exporter's per-instance counters, in its order.
const COUNTERS: [CounterDef; 14] = [
    (
        "keepalived_advertisements_received",
        "Advertisements received",
        |s| s.advert_rcvd,
    ),
    (
        "keepalived_advertisements_sent",
        "Advertisements sent",
        |s| s.advert_sent,
    ),
    ("keepalived_become_master", "Became master", |s| {
        s.become_master
    }),
    ("keepalived_release_master", "Released master", |s| {
        s.release_master
    }),
    (
        "keepalived_packet_length_errors",
        "Packet length errors",
        |s| s.packet_len_err,
    ),
    (
        "keepalived_advertisements_interval_errors",
        "Advertisement interval errors",
        |s| s.advert_interval_err,
    ),
    ("keepalived_ip_ttl_errors", "TTL errors", |s| s.ip_ttl_err),
    (
        "keepalived_invalid_type_received",
        "Invalid type errors",
        |s| s.invalid_type_rcvd,
    ),
    (
        "keepalived_address_list_errors",
        "Address list errors",
        |s| s.addr_list_err,
    ),
    (
        "keepalived_authentication_invalid",
        "Authentication invalid",
        |s| s.invalid_authtype,
    ),
    (
        "keepalived_authentication_mismatch",
        "Authentication mismatch",
        |s| s.authtype_mismatch,
    ),
    (
        "keepalived_authentication_failure",
        "Authentication failure",
        |s| s.auth_failure,
    ),
    (
        "keepalived_priority_zero_received",
        "Priority zero received",
        |s| s.pri_zero_rcvd,
    ),
    ("keepalived_priority_zero_sent", "Priority zero sent", |s| {
        s.pri_zero_sent
    }),
];

/// `{iname, intf, vrid}`.
fn common(i: &InstanceDump) -> Labels {
    vec![
        ("iname", i.name.clone()),
        ("intf", i.interface.clone()),
        ("vrid", i.vrid.to_string()),
    ]
}

/// `{iname, intf, vrid, ip_address}` for one VIP: the exporter splits keepalived's VIP
/// string (`10.0.0.1/24 dev eth0 scope global`) and takes words 0 and 2. For a VIP with
/// `brd` its word 2 is the broadcast address (`10.0.0.1/24 brd 10.0.0.255 dev eth0 ...`);
/// here `intf` stays the device.
fn per_vip(i: &InstanceDump, v: &VipDump) -> Labels {
    let text = format_vip(v);
    let address = text.split(' ').next().unwrap_or_default().to_owned();
    vec![
        ("iname", i.name.clone()),
        ("intf", v.dev.clone()),
        ("vrid", i.vrid.to_string()),
        ("ip_address", address),
    ]
}

/// The VRRP state gauges: per VIP, or one sample without an address.
fn states(snap: &Snapshot) -> (Family<Labels, Gauge>, Family<Labels, Gauge>) {
    let state = Family::<Labels, Gauge>::default();
    let excluded = Family::<Labels, Gauge>::default();
    for i in &snap.instances {
        let value = i64::from(i.state.number());
        for v in &i.vips {
            state.get_or_create(&per_vip(i, v)).set(value);
        }
        if i.vips.is_empty() {
            let mut labels = common(i);
            labels.push(("ip_address", String::new()));
            state.get_or_create(&labels).set(value);
        }
        for v in &i.evips {
            excluded.get_or_create(&per_vip(i, v)).set(value);
        }
    }
    (state, excluded)
}

/// The `vrrp_script` gauges, as the exporter reads them from keepalived's data dump.
fn scripts(snap: &Snapshot, reg: &mut Registry) {
    let status = Family::<Labels, Gauge>::default();
    let state = Family::<Labels, Gauge>::default();
    for s in &snap.scripts {
        let name = vec![("name", s.name.clone())];
        if s.init_state == ScriptInitState::Done {
            status
                .get_or_create(&name)
                .set(i64::from(s.result >= s.rise));
        }
        state.get_or_create(&name).set(i64::from(s.running));
    }
    reg.register("keepalived_script_status", "Tracker Script Status", status);
    reg.register("keepalived_script_state", "Tracker Script State", state);
}

/// Ours: when each instance last changed state, seconds since the epoch.
fn transitions(snap: &Snapshot) -> Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>> {
    let family = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    for i in &snap.instances {
        let t = &i.last_transition;
        #[allow(clippy::cast_precision_loss)] // seconds since the epoch fit an f64 exactly
        let secs = t.sec as f64 + t.usec as f64 / 1e6;
        family
            .get_or_create(&vec![("iname", i.name.clone())])
            .set(secs);
    }
    family
}

/// The registry of one scrape: every family filled from `snap`, plus the histograms.
fn registry(snap: &Snapshot, rec: &Recorder) -> Registry {
    let mut reg = Registry::default();
    let up = Gauge::<i64>::default();
    up.set(1);
    reg.register("keepalived_up", "Status", up);
    let (state, excluded) = states(snap);
    reg.register("keepalived_vrrp_state", "State of vrrp", state);
    reg.register(
        "keepalived_vrrp_excluded_state",
        "State of vrrp with excluded VIP",
        excluded,
    );
    let garp = Family::<Labels, Counter>::default();
    for i in &snap.instances {
        garp.get_or_create(&common(i))
            .inc_by(u64::from(i.garp_delay));
    }
    reg.register(
        "keepalived_gratuitous_arp_delay",
        "Gratuitous ARP delay",
        garp,
    );
    for (name, help, value) in COUNTERS {
        let family = Family::<Labels, Counter>::default();
        for i in &snap.instances {
            family.get_or_create(&common(i)).inc_by(value(&i.stats));
        }
        reg.register(name, help, family);
    }
    scripts(snap, &mut reg);
    reg.register(
        "keepalived_rs_last_transition_timestamp_seconds",
        "When the instance last changed state (keepalived-rs)",
        transitions(snap),
    );
    let bfd_state = Family::<Labels, Gauge>::default();
    let bfd_changes = Family::<Labels, Counter>::default();
    for b in &snap.bfd {
        let name = vec![("name", b.name.clone())];
        bfd_state.get_or_create(&name).set(i64::from(b.up));
        bfd_changes.get_or_create(&name).inc_by(b.transitions);
    }
    reg.register(
        "keepalived_rs_bfd_session_state",
        "BFD session state as the BFD child last reported it, 1 Up, 0 Down (keepalived-rs)",
        bfd_state,
    );
    reg.register(
        "keepalived_rs_bfd_transitions",
        "BFD session Up/Down changes reported by the BFD child (keepalived-rs)",
        bfd_changes,
    );
    reg.register(
        "keepalived_rs_bfd_detection_seconds",
        "From a BFD neighbour's last packet to the VRRP child learning the session is Down (keepalived-rs)",
        rec.bfd_detection.clone(),
    );
    reg.register(
        "keepalived_rs_takeover_seconds",
        "From the decision to become MASTER to its VIPs installed (keepalived-rs)",
        rec.takeover.clone(),
    );
    reg.register(
        "keepalived_rs_vip_install_seconds",
        "One netlink batch installing VIPs (keepalived-rs)",
        rec.vip_install.clone(),
    );
    reg.register(
        "keepalived_rs_advert_timer_lateness_seconds",
        "How late the VRRP loop woke up for its earliest advert or Master_Down timer (keepalived-rs)",
        rec.timer_lateness.clone(),
    );
    reg
}

/// `/metrics`: `snap` and the histograms of `rec` in `format`.
pub(super) fn render(snap: &Snapshot, rec: &Recorder, format: Format) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; an encoder error would leave a partial text.
    if text::encode(&mut out, &registry(snap, rec)).is_err() {
        out.clear();
    }
    match format {
        Format::OpenMetrics => out,
        Format::Text004 => openmetrics_to_text004(&out),
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::dump::{ScriptDump, VrrpState};

    fn instance() -> InstanceDump {
        InstanceDump {
            name: "VI_1".into(),
            interface: "eth0".into(),
            vrid: 51,
            state: VrrpState::Master,
            garp_delay: 5,
            vips: vec![VipDump {
                addr: "10.0.0.100".parse::<IpAddr>().unwrap(),
                prefix: 24,
                brd: None,
                dev: "eth0".into(),
                scope: "global".into(),
                label: None,
                set: true,
            }],
            stats: StatsDump {
                advert_sent: 7,
                become_master: 1,
                ..StatsDump::default()
            },
            ..InstanceDump::default()
        }
    }

    #[test]
    fn exporter_names_and_labels() {
        let snap = Snapshot {
            instances: vec![instance()],
            scripts: vec![ScriptDump {
                name: "chk".into(),
                rise: 2,
                result: 2,
                ..ScriptDump::default()
            }],
            bfd: vec![crate::dump::BfdTrackDump {
                name: "B1".into(),
                up: true,
                transitions: 3,
                ..Default::default()
            }],
            ..Snapshot::default()
        };
        let text = render(&snap, &Recorder::default(), Format::OpenMetrics);
        for line in [
            "keepalived_up 1",
            "keepalived_vrrp_state{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\",ip_address=\"10.0.0.100/24\"} 2",
            "keepalived_advertisements_sent_total{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\"} 7",
            "keepalived_become_master_total{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\"} 1",
            "keepalived_priority_zero_sent_total{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\"} 0",
            "keepalived_gratuitous_arp_delay_total{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\"} 5",
            "keepalived_script_status{name=\"chk\"} 1",
            "keepalived_script_state{name=\"chk\"} 0",
            "keepalived_rs_takeover_seconds_count 0",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.contains("keepalived_rs_last_transition_timestamp_seconds{iname=\"VI_1\"}"));
    }

    #[test]
    fn an_instance_without_vips_still_has_a_state() {
        let mut i = instance();
        i.vips.clear();
        i.state = VrrpState::Backup;
        let snap = Snapshot {
            instances: vec![i],
            ..Snapshot::default()
        };
        let text = render(&snap, &Recorder::default(), Format::OpenMetrics);
        assert!(text.contains(
            "keepalived_vrrp_state{iname=\"VI_1\",intf=\"eth0\",vrid=\"51\",ip_address=\"\"} 1"
        ));
    }

    /// `promtool check metrics` over `text`: its exit code and report, or `None` without it.
    fn promtool(text: &str) -> Option<(i32, String)> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(text.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        let report = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        Some((out.status.code().unwrap_or(-1), report))
    }

    fn full_snapshot() -> Snapshot {
        let mut other = instance();
        other.name = "VI_2".into();
        other.vips.clear();
        Snapshot {
            instances: vec![instance(), other],
            scripts: vec![ScriptDump {
                name: "chk".into(),
                rise: 2,
                result: 2,
                ..ScriptDump::default()
            }],
            bfd: vec![crate::dump::BfdTrackDump {
                name: "B1".into(),
                up: true,
                transitions: 3,
                ..Default::default()
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn bfd_sessions_as_the_vrrp_child_heard_them() {
        let text = render(&full_snapshot(), &Recorder::default(), Format::Text004);
        assert!(
            text.contains("keepalived_rs_bfd_session_state{name=\"B1\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("keepalived_rs_bfd_transitions_total{name=\"B1\"} 3\n"),
            "{text}"
        );
    }

    #[test]
    fn promtool_finds_the_text_format_clean() {
        let rec = Recorder::default();
        rec.takeover.observe(0.003);
        let text = render(&full_snapshot(), &rec, Format::Text004);
        let Some((code, report)) = promtool(&text) else {
            eprintln!("skipped: needs promtool (Debian package prometheus)");
            return;
        };
        assert_eq!((code, report.as_str()), (0, ""), "{text}");
    }

    /// promtool 2.42's `check metrics` parses only text 0.0.4, which reads an OpenMetrics
    /// counter family (`# TYPE x counter`, samples `x_total`) as an untyped `x_total`
    /// without help: that is all it may report on OpenMetrics (client_golang's OpenMetrics
    /// output gets the same). The structure is checked by Prometheus's own OpenMetrics parser
    /// (`promtool tsdb create-blocks-from openmetrics`, which wants timestamps).
    #[test]
    fn promtool_reads_the_openmetrics_format() {
        let text = render(&full_snapshot(), &Recorder::default(), Format::OpenMetrics);
        let Some((_, report)) = promtool(&text) else {
            eprintln!("skipped: needs promtool (Debian package prometheus)");
            return;
        };
        let counters: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
            .collect();
        for line in report.lines().filter(|l| !l.is_empty()) {
            let name = line.strip_suffix(" no help text").unwrap_or(line);
            let family = name.strip_suffix("_total").unwrap_or("");
            assert!(counters.contains(&family), "promtool: {line}\n{text}");
        }
        let dir = std::env::temp_dir().join(format!("kr-mgmt-om-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stamped: String = text
            .lines()
            .map(|l| {
                if l.starts_with('#') {
                    format!("{l}\n")
                } else {
                    format!("{l} 1700000000\n")
                }
            })
            .collect();
        let input = dir.join("in.om");
        std::fs::write(&input, stamped).unwrap();
        let out = std::process::Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(dir.join("blocks"))
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
