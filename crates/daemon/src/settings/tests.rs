//! Every instance setting with a global default: the instance's value wins, else the
//! global one, else keepalived's default.

use std::path::Path;

use keepalived_conf::{FixedHost, ReadOptions};

use super::{resolve, InstanceSettings};

fn settings(global: &str, instance: &str) -> InstanceSettings {
    let text = format!(
        "global_defs {{\n{global}\n}}\nvrrp_instance VI {{\n interface eth0\n \
         virtual_router_id 5\n priority 100\n{instance}\n virtual_ipaddress {{\n  10.71.1.100/24\n }}\n}}\n"
    );
    let loaded = keepalived_conf::load_str(
        &text,
        Path::new("t.conf"),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    let c = loaded.config;
    resolve(&c.vrrp.instances[0], &c.global)
}

/// keyword, global keyword, the setting read, then what it is with the instance keyword
/// (and the global one), with the global keyword alone, and with neither.
type Row = (
    &'static str,
    &'static str,
    fn(&InstanceSettings) -> String,
    [&'static str; 3],
);

fn rows() -> Vec<Row> {
    vec![
        (
            "version 3",
            "vrrp_version 3",
            |s| format!("{:?}", s.version),
            ["V3", "V3", "V2"],
        ),
        (
            "strict_mode true",
            "vrrp_strict",
            |s| s.strict.to_string(),
            ["true", "true", "false"],
        ),
        (
            "advert_int 2",
            "vrrp_version 2",
            |s| format!("{:?}", s.advert_int),
            ["2s", "1s", "1s"],
        ),
        (
            "no_accept",
            "vrrp_strict",
            |s| s.accept.to_string(),
            ["false", "false", "true"],
        ),
        (
            "higher_prio_send_advert true",
            "vrrp_higher_prio_send_advert false",
            |s| s.higher_prio_send_advert.to_string(),
            ["true", "false", "false"],
        ),
        (
            "lower_prio_no_advert false",
            "vrrp_lower_prio_no_advert true",
            |s| s.lower_prio_no_advert.to_string(),
            ["false", "true", "false"],
        ),
        (
            "garp_master_delay 2",
            "vrrp_garp_master_delay 3",
            |s| format!("{:?}", s.garp.master_delay),
            ["2s", "3s", "5s"],
        ),
        (
            "garp_master_repeat 2",
            "vrrp_garp_master_repeat 3",
            |s| s.garp.master_repeat.to_string(),
            ["2", "3", "5"],
        ),
        (
            "garp_master_refresh 20",
            "vrrp_garp_master_refresh 30",
            |s| format!("{:?}", s.garp.master_refresh),
            ["Some(20s)", "Some(30s)", "None"],
        ),
        (
            "garp_master_refresh_repeat 2",
            "vrrp_garp_master_refresh_repeat 3",
            |s| s.garp.master_refresh_repeat.to_string(),
            ["2", "3", "1"],
        ),
        (
            "garp_lower_prio_delay 2",
            "vrrp_garp_lower_prio_delay 3",
            |s| format!("{:?}", s.garp.lower_prio_delay),
            ["2s", "3s", "5s"],
        ),
        (
            "garp_lower_prio_repeat 2",
            "vrrp_garp_lower_prio_repeat 3",
            |s| s.garp.lower_prio_repeat.to_string(),
            ["2", "3", "5"],
        ),
        (
            "mcast_dst_ip 224.0.0.19",
            "vrrp_mcast_group4 224.0.0.20",
            |s| s.mcast_group4.to_string(),
            ["224.0.0.19", "224.0.0.20", "224.0.0.18"],
        ),
        (
            "mcast_dst_ip ff02::13",
            "vrrp_mcast_group6 ff02::14",
            |s| s.mcast_group6.to_string(),
            ["ff02::13", "ff02::14", "ff02::12"],
        ),
        (
            "skip_check_adv_addr on",
            "vrrp_skip_check_adv_addr",
            |s| s.skip_check_adv_addr.to_string(),
            ["true", "true", "false"],
        ),
        (
            "check_unicast_src",
            "vrrp_check_unicast_src",
            |s| s.check_unicast_src.to_string(),
            ["true", "true", "false"],
        ),
        (
            "notify_priority_changes false",
            "vrrp_notify_priority_changes true",
            |s| s.notify_priority_changes.to_string(),
            ["false", "true", "false"],
        ),
        (
            "",
            "vrrp_startup_delay 2",
            |s| format!("{:?}", s.startup_delay),
            ["2s", "2s", "0ns"],
        ),
    ]
}

#[test]
fn instance_setting_else_global_default_else_keepalived_default() {
    for (instance, global, read, [both, global_only, neither]) in rows() {
        let row = format!("{instance:?} / {global:?}");
        assert_eq!(read(&settings(global, instance)), both, "{row}: both");
        assert_eq!(read(&settings(global, "")), global_only, "{row}: global");
        assert_eq!(read(&settings("", "")), neither, "{row}: neither");
    }
}

#[test]
fn min_garp_overrides_delay_and_repeat() {
    let s = settings(
        "vrrp_min_garp",
        "garp_master_delay 2\n garp_master_repeat 4",
    );
    assert_eq!(s.garp.master_delay, std::time::Duration::ZERO);
    assert_eq!(s.garp.master_repeat, 1);
}

#[test]
fn authentication_is_dropped_under_v3_and_strict() {
    let auth = " authentication {\n  auth_type PASS\n  auth_pass secret\n }";
    let pass = keepalived_vrrp::wire::Auth::Pass(*b"secret\0\0");
    assert_eq!(settings("", auth).auth, pass);
    let none = keepalived_vrrp::wire::Auth::None;
    assert_eq!(settings("vrrp_version 3", auth).auth, none);
    assert_eq!(settings("vrrp_strict", auth).auth, none);
}

/// Every gratuitous burst of an address owner (MASTER at once) run with `s`'s GARP settings,
/// as (ms since start, messages), until `until_ms`; a lower-priority advert arrives at
/// `lower_ms`.
fn garp_bursts(s: &InstanceSettings, lower_ms: u64, until_ms: u64) -> Vec<(u128, u32)> {
    use keepalived_vrrp::machine::{Action, Advert, Event, InstanceConfig, Machine, PRIO_OWNER};
    use std::time::{Duration, Instant};
    let own = std::net::IpAddr::from([10, 71, 1, 1]);
    let mut mc = InstanceConfig::new("VI", s.version, own, PRIO_OWNER);
    mc.advert_interval = s.advert_int;
    mc.garp = s.garp.clone();
    let t0 = Instant::now();
    let mut m = Machine::new(mc, t0);
    let mut bursts = Vec::new();
    let mut record = |m: &mut Machine, at: Instant| {
        while let Some(a) = m.poll_action() {
            if let Action::SendGratuitous { count } = a {
                bursts.push(((at - t0).as_millis(), count));
            }
        }
    };
    m.handle_timeout(t0);
    record(&mut m, t0);
    let lower = t0 + Duration::from_millis(lower_ms);
    let until = t0 + Duration::from_millis(until_ms);
    let mut heard = false;
    while let Some(at) = m.poll_timeout() {
        if !heard && lower <= at {
            heard = true;
            let from = std::net::IpAddr::from([10, 71, 1, 2]);
            m.handle_event(
                lower,
                Event::Advert(Advert {
                    source: from,
                    priority: 50,
                    interval: Duration::from_secs(1),
                }),
            );
            record(&mut m, lower);
            continue;
        }
        if at > until {
            break;
        }
        m.handle_timeout(at);
        record(&mut m, at);
    }
    bursts
}

/// The `garp_*` keywords (and their `vrrp_garp_*` defaults) time what a MASTER sends: a burst
/// of `garp_master_repeat` on becoming MASTER and again after `garp_master_delay`, a
/// `garp_master_refresh_repeat` burst every `garp_master_refresh` (on the next advert), and
/// on a lower-priority advert a `garp_lower_prio_repeat` burst now and after
/// `garp_lower_prio_delay`.
#[test]
fn garp_keywords_time_the_master_s_gratuitous_bursts() {
    let keywords = "garp_master_delay 2\n garp_master_repeat 3\n garp_master_refresh 4\n \
                    garp_master_refresh_repeat 2\n garp_lower_prio_delay 1\n \
                    garp_lower_prio_repeat 4";
    // The refresh rides on the first advert strictly after each 4 s (keepalived's
    // timercmp(>) in vrrp_send_adv): 5 s and 10 s.
    let want = vec![
        (0, 3),
        (2000, 3),
        (5000, 2),
        (6500, 4),
        (7500, 4),
        (10000, 2),
    ];
    let instance = settings("", keywords);
    assert_eq!(
        garp_bursts(&instance, 6500, 10000),
        want,
        "instance keywords"
    );
    let global = settings(&keywords.replace("garp_", "vrrp_garp_"), "");
    assert_eq!(
        garp_bursts(&global, 6500, 10000),
        want,
        "global_defs keywords"
    );
    // keepalived's defaults: 5 messages now and after 5 s, no refresh; and a lower-priority
    // advert repeats the master burst (lower_prio_* default to master_*).
    let default = settings("", "");
    assert_eq!(
        garp_bursts(&default, 7500, 13000),
        vec![(0, 5), (5000, 5), (7500, 5), (12500, 5)]
    );
    // vrrp_min_garp: one message, no second burst.
    let min = settings("vrrp_min_garp", "");
    assert_eq!(garp_bursts(&min, 20000, 9500), vec![(0, 1)]);
}
