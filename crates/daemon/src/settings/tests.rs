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
