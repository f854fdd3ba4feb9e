//! virtual_server_group, virtual_server and real_server: defaults, values and keepalived's messages.

mod common;
use common::*;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepalived_conf::model::{
    LbKind, Protocol, Scheduler, TunnelType, VirtualServer, VsAddress, VsgEntry,
};
use keepalived_conf::{ErrorClass, Loaded};

/// A complete virtual server; `body` is one line (line 5), the real server is on line 6 and
/// `rs` on line 7.
fn vs(body: &str, rs: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n{body}\n real_server 10.0.0.2 80 {{\n{rs}\n }}\n}}\n"
    )
}

fn only(l: &Loaded) -> &VirtualServer {
    assert_eq!(l.config.lvs.virtual_servers.len(), 1, "{:?}", problems(l));
    &l.config.lvs.virtual_servers[0]
}

fn code(l: &Loaded) -> i32 {
    l.diagnostics.config_test_exit_code()
}

#[test]
fn a_complete_virtual_server_is_clean_with_defaults() {
    let l = load(&vs("", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    assert_eq!(
        v.address,
        VsAddress::Socket("10.0.0.1:80".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(v.scheduler, Some(Scheduler::Rr));
    assert_eq!(v.lb_kind, Some(LbKind::Nat));
    assert_eq!(v.protocol, Some(Protocol::Tcp));
    assert_eq!(v.delay_loop(), Duration::from_secs(60));
    assert!(!v.ha_suspend);
    assert_eq!(v.real_servers.len(), 1);
    let rs = &v.real_servers[0];
    assert_eq!(rs.address, "10.0.0.2:80".parse::<SocketAddr>().unwrap());
    assert_eq!(rs.weight, 1);
    assert!(rs.checkers.is_empty());
    assert_eq!(code(&l), 0);
}

#[test]
fn every_scheduler_name_is_accepted() {
    for (name, s) in [
        ("rr", Scheduler::Rr),
        ("wrr", Scheduler::Wrr),
        ("lc", Scheduler::Lc),
        ("wlc", Scheduler::Wlc),
        ("lblc", Scheduler::Lblc),
        ("lblcr", Scheduler::Lblcr),
        ("dh", Scheduler::Dh),
        ("sh", Scheduler::Sh),
        ("sed", Scheduler::Sed),
        ("nq", Scheduler::Nq),
        ("fo", Scheduler::Fo),
        ("ovf", Scheduler::Ovf),
        ("mh", Scheduler::Mh),
    ] {
        let l = load(&vs(&format!(" lvs_sched {name}"), ""));
        assert!(problems(&l).is_empty(), "{name}: {:?}", problems(&l));
        assert_eq!(only(&l).scheduler, Some(s));
    }
}

#[test]
fn an_unknown_scheduler_is_an_error_on_its_line() {
    let l = load(&vs(" lb_algo foo", ""));
    assert!(error_at(&l, 5, "Invalid lvs_scheduler 'foo' - ignoring"));
    assert_eq!(code(&l), 5);
}

#[test]
fn forwarding_methods_and_tunnel_types() {
    for (w, k) in [
        ("DR", LbKind::Dr),
        ("TUN", LbKind::Tun(TunnelType::Ipip)),
        (
            "TUN type gre",
            LbKind::Tun(TunnelType::Gre {
                csum: Default::default(),
            }),
        ),
        (
            "TUN type gue port 6080",
            LbKind::Tun(TunnelType::Gue {
                port: 6080,
                csum: Default::default(),
            }),
        ),
    ] {
        let l = load(&vs(&format!(" lvs_method {w}"), ""));
        assert!(problems(&l).is_empty(), "{w}: {:?}", problems(&l));
        assert_eq!(only(&l).lb_kind, Some(k));
    }
}

#[test]
fn an_unknown_routing_method_is_an_error() {
    let l = load(&vs(" lb_kind XX", ""));
    assert!(error_at(
        &l,
        5,
        "PARSER : unknown [XX] routing method for virtual server."
    ));
    assert_eq!(code(&l), 5);
}

#[test]
fn a_keyword_without_its_value_is_a_missing_parameter() {
    let l = load(&vs(" lb_algo", ""));
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.class == ErrorClass::MissingParameter
                && d.location.as_ref().map(|x| x.line) == Some(5)),
        "{:?}",
        problems(&l)
    );
}

#[test]
fn connect_timeout_zero_is_invalid() {
    let l = load(&vs(" connect_timeout 0", ""));
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.location.as_ref().map(|x| x.line) == Some(5)),
        "{:?}",
        problems(&l)
    );
    assert_eq!(code(&l), 5);
    let l = load(&vs(" connect_timeout 3", ""));
    assert_eq!(
        only(&l).timing.connect_timeout,
        Some(Duration::from_secs(3))
    );
}

#[test]
fn nb_get_retry_is_deprecated_but_read_as_retry() {
    let l = load(&vs(" nb_get_retry 4", ""));
    assert!(error_at(
        &l,
        5,
        "nb_get_retry is deprecated - please use 'retry'"
    ));
    assert_eq!(only(&l).timing.retry, Some(4));
    assert_eq!(code(&l), 5);
}

#[test]
fn an_invalid_real_server_address_is_skipped() {
    let l = load(
        "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.x 80 {\n }\n real_server 10.0.0.3 80 {\n }\n}\n",
    );
    assert!(error_at(&l, 5, "Invalid real server ip address/port"));
    assert_eq!(only(&l).real_servers.len(), 1);
    let l = load(&vs("", "").replace("10.0.0.2 80", "10.0.0.2 70000"));
    assert!(error_at(&l, 6, "Invalid real server ip address/port"));
}

#[test]
fn virtual_server_options_are_typed() {
    let text = "virtual_server 10.0.0.1 443 {\n lb_algo sh\n lb_kind DR\n protocol SCTP\n delay_loop 6\n persistence_timeout 300\n persistence_engine sip\n persistence_granularity 255.255.255.0\n ha_suspend\n virtualhost www.example.com\n sh-port\n sh-fallback\n alpha\n omega\n quorum 2\n hysteresis 1\n retry 3\n delay_before_retry 2\n warmup 5\n inhibit_on_failure\n sorry_server 10.0.0.9 8080\n sorry_server_inhibit\n sorry_server_lvs_method NAT\n ip_family inet\n smtp_alert\n real_server 10.0.0.2 443 {\n  weight 2\n }\n}\n";
    let l = load(text);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    assert_eq!(v.protocol, Some(Protocol::Sctp));
    assert_eq!(v.delay_loop(), Duration::from_secs(6));
    assert_eq!(v.persistence_timeout, Some(300));
    assert_eq!(v.persistence_engine.as_deref(), Some("sip"));
    assert_eq!(
        v.persistence_granularity,
        Some("255.255.255.0".parse::<IpAddr>().unwrap())
    );
    assert!(v.ha_suspend && v.omega && v.inhibit_on_failure && v.sorry_server_inhibit);
    assert_eq!(v.virtualhost.as_deref(), Some("www.example.com"));
    assert!(v.sched_flags.flag1 && v.sched_flags.flag2 && !v.sched_flags.flag3);
    assert_eq!(v.timing.alpha, Some(true));
    assert_eq!(v.quorum, 2);
    assert_eq!(v.hysteresis, 1);
    assert_eq!(v.timing.retry, Some(3));
    assert_eq!(v.timing.delay_before_retry, Some(Duration::from_secs(2)));
    assert_eq!(v.timing.warmup, Some(Duration::from_secs(5)));
    assert_eq!(
        v.sorry_server,
        Some("10.0.0.9:8080".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(v.sorry_server_lb_kind, Some(LbKind::Nat));
    assert_eq!(v.smtp_alert, Some(true));
}

#[test]
fn persistence_timeout_range_is_keepalived_s() {
    let l = load(&vs(" persistence_timeout 0", ""));
    assert!(error_at(&l, 5, "0"), "{:?}", problems(&l));
    assert_eq!(only(&l).persistence_timeout, None);
}

#[test]
fn quorum_scripts_are_registered_as_check_scripts() {
    let l = load(&vs(" quorum_up \"/bin/true up\"", ""));
    let v = only(&l);
    let s = v.quorum_up.as_ref().expect("quorum_up");
    assert_eq!(s.keyword, "quorum_up");
    assert!(v.quorum_down.is_none());
}

#[test]
fn real_server_options_are_typed() {
    let rs = "  weight 5\n  lvs_method DR\n  inhibit_on_failure\n  notify_up /bin/true\n  notify_down /bin/false\n  uthreshold 100\n  lthreshold 10\n  retry 2\n  delay_loop 3\n  virtualhost rs.example.com";
    let l = load(&vs("", rs));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let r = &only(&l).real_servers[0];
    assert_eq!(r.weight, 5);
    assert_eq!(r.lb_kind, Some(LbKind::Dr));
    assert_eq!(r.inhibit_on_failure, Some(true));
    assert!(r.notify_up.is_some() && r.notify_down.is_some());
    assert_eq!((r.uthreshold, r.lthreshold), (100, 10));
    assert_eq!(r.timing.retry, Some(2));
    assert_eq!(r.timing.delay_loop, Some(Duration::from_secs(3)));
    assert_eq!(r.virtualhost.as_deref(), Some("rs.example.com"));
}

#[test]
fn real_server_weight_range_is_keepalived_s() {
    let l = load(&vs("", "  weight -1"));
    assert!(error_at(&l, 7, "-1"), "{:?}", problems(&l));
    assert_eq!(only(&l).real_servers[0].weight, 1);
    let l = load(&vs("", "  weight 70000"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).real_servers[0].weight, 70000);
}

#[test]
fn groups_hold_addresses_ranges_and_fwmarks() {
    let text = "virtual_server_group G1 {\n 10.0.0.1 80\n 10.0.0.10-20 80\n fwmark 3\n}\nvirtual_server group G1 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}\n";
    let l = load(text);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let g = &l.config.lvs.groups[0];
    assert_eq!(g.name, "G1");
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(
        g.entries,
        vec![
            VsgEntry::Range {
                first: ip("10.0.0.1"),
                last: ip("10.0.0.1"),
                port: 80
            },
            VsgEntry::Range {
                first: ip("10.0.0.10"),
                last: ip("10.0.0.20"),
                port: 80
            },
            VsgEntry::Fwmark(3),
        ]
    );
    assert_eq!(only(&l).address, VsAddress::Group("G1".into()));
}

#[test]
fn an_undefined_group_does_not_fail_the_config_test() {
    // keepalived 2.2.7 `-t` exits 0 here: the virtual server is just never set up.
    let l = load(
        "virtual_server group NOPE {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}\n",
    );
    assert_eq!(only(&l).address, VsAddress::Group("NOPE".into()));
    assert_eq!(code(&l), 0, "{:?}", problems(&l));
}

#[test]
fn a_bad_group_entry_is_an_error_on_its_line() {
    let l = load("virtual_server_group G1 {\n 10.0.0.1 80\n bogus 80\n}\n");
    assert!(error_at(&l, 3, "bogus"), "{:?}", problems(&l));
    assert_eq!(l.config.lvs.groups[0].entries.len(), 1);
}

#[test]
fn the_ssl_block_is_read() {
    let l = load(
        "SSL {\n password secret\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n}\n",
    );
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let s = l.config.lvs.ssl.as_ref().expect("ssl");
    assert_eq!(s.password.as_deref(), Some("secret"));
    assert_eq!(s.ca.as_deref(), Some("/etc/ca.pem"));
    assert_eq!(s.certificate.as_deref(), Some("/etc/c.pem"));
    assert_eq!(s.key.as_deref(), Some("/etc/k.pem"));
}

#[test]
fn unknown_keywords_inside_a_virtual_server_are_reported() {
    let l = load(&vs(" frobnicate 1", ""));
    assert!(error_at(&l, 5, "Unknown keyword"), "{:?}", problems(&l));
}

#[test]
fn sh_and_mh_flags_need_their_scheduler_set_first() {
    let l = load(&vs(" sh-port", ""));
    assert!(error_at(
        &l,
        5,
        "sh-port only applies to sh scheduler - ignoring"
    ));
    assert!(!only(&l).sched_flags.flag2);
    let l = load(&vs(" mh-fallback", ""));
    assert!(error_at(&l, 5, "mh-fallback only applies to sh scheduler"));
    let l = load(&vs(" lb_algo mh\n mh-fallback", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert!(only(&l).sched_flags.flag1);
}

#[test]
fn persistence_timeout_alone_is_the_ipvs_default() {
    let l = load(&vs(" persistence_timeout", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).persistence_timeout, Some(360));
}

#[test]
fn persistence_granularity_takes_a_mask_or_a_v6_prefix() {
    let l = load(&vs(" persistence_granularity 255.255.0.0", ""));
    assert_eq!(
        only(&l).persistence_granularity,
        Some("255.255.0.0".parse::<IpAddr>().unwrap())
    );
    let l = load(
        "virtual_server 2001:db8::1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n persistence_granularity 64\n real_server 2001:db8::2 80 {\n }\n}\n",
    );
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(
        only(&l).persistence_granularity,
        Some("ffff:ffff:ffff:ffff::".parse::<IpAddr>().unwrap())
    );
    let l = load(&vs(" persistence_granularity a.b", ""));
    assert!(error_at(&l, 5, "Invalid IPv4 persistence_granularity"));
}

#[test]
fn virtualhost_without_a_name_is_a_general_error() {
    let l = load(&vs(" virtualhost", "  virtualhost"));
    assert!(error_at(&l, 5, "virtual server virtualhost missing"));
    assert!(error_at(&l, 7, "real server virtualhost missing"));
    assert_eq!(code(&l), 5);
}

#[test]
fn sorry_server_options_need_a_sorry_server_first() {
    let l = load(&vs(" sorry_server_lvs_method DR", ""));
    assert!(error_at(
        &l,
        5,
        "sorry_server forwarding used without sorry_server"
    ));
    let l = load(&vs(" sorry_server_inhibit", ""));
    assert!(error_at(
        &l,
        5,
        "sorry_server inhibit used before or without sorry_server"
    ));
}

#[test]
fn ip_family_must_match_the_address() {
    let l = load(&vs(" ip_family inet6", ""));
    assert!(error_at(
        &l,
        5,
        "Virtual server specified family inet6 conflicts with server family"
    ));
    assert_eq!(only(&l).ip_family, None);
}

#[test]
fn one_packet_scheduling_requires_udp() {
    let l = load(&vs(" ops", ""));
    assert!(error_at(
        &l,
        1,
        "one packet scheduling requires UDP - resetting"
    ));
    let l = load(&vs(" ops", "").replace("protocol TCP", "protocol UDP"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert!(only(&l).ops);
}

#[test]
fn tunnel_options_follow_keepalived_s_loop() {
    let l = load(&vs(" lb_kind TUN nocsum", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).lb_kind, Some(LbKind::Tun(TunnelType::Ipip)));
    let l = load(&vs(" lb_kind TUN type gue", ""));
    assert!(error_at(&l, 5, "gue tunnels require port"));
    let l = load(&vs(" lb_kind TUN bogus", ""));
    assert!(error_at(&l, 5, "Invalid tunnel option bogus"));
}

#[test]
fn protocol_is_case_insensitive() {
    let l = load(&vs("", "").replace("protocol TCP", "protocol sctp"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).protocol, Some(Protocol::Sctp));
    let l = load(&vs("", "").replace("protocol TCP", "protocol ICMP"));
    assert!(error_at(&l, 4, "Unknown protocol ICMP - ignoring"));
}

#[test]
fn server_retry_must_be_at_least_one() {
    let l = load(&vs(" retry 0", "  retry 0"));
    assert!(error_at(&l, 5, "retry value invalid - 0"));
    assert!(error_at(&l, 7, "retry value invalid - 0"));
    assert_eq!(only(&l).timing.retry, None);
}

#[test]
fn a_long_persistence_engine_is_truncated() {
    let l = load(&vs(" persistence_engine abcdefghijklmnopqrstuvwxyz", ""));
    assert!(error_at(&l, 5, "persistence_name too long, truncating"));
    assert_eq!(
        only(&l).persistence_engine.as_deref(),
        Some("abcdefghijklmno")
    );
}

#[test]
fn a_real_server_of_another_family_is_skipped_unless_tunnelled() {
    let l = load(&vs(" real_server 2001:db8::2 80 {\n }", ""));
    assert!(error_at(
        &l,
        5,
        "Address family of virtual server and real server 2001:db8::2 don't match"
    ));
    assert_eq!(only(&l).real_servers.len(), 1);
    let l = load(&vs(
        " real_server 2001:db8::2 80 {\n  lvs_method TUN\n }",
        "",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).real_servers.len(), 2);
}

#[test]
fn omega_is_not_a_real_server_keyword() {
    let l = load(&vs("", "  omega"));
    assert!(error_at(&l, 7, "Unknown keyword"), "{:?}", problems(&l));
}

#[test]
fn ssl_values_missing_are_general_errors() {
    let l = load("SSL {\n password\n ca\n certificate\n key\n}\n");
    assert!(error_at(&l, 2, "SSL password missing"));
    assert!(error_at(&l, 3, "SSL cafile missing"));
    assert!(error_at(&l, 4, "SSL certfile missing"));
    assert!(error_at(&l, 5, "SSL keyfile missing"));
    assert_eq!(code(&l), 5);
}

#[test]
fn a_bare_fwmark_or_group_virtual_server_is_an_error() {
    for w in ["fwmark", "group"] {
        let l = load(&vs("", "").replace("10.0.0.1 80 {", &format!("{w} {{")));
        assert!(error_at(&l, 1, "needs a value"), "{w}: {:?}", problems(&l));
        assert!(l.config.lvs.virtual_servers.is_empty());
        assert_eq!(code(&l), 5);
    }
}

#[test]
fn zero_port_needs_persistence() {
    let l = load(&vs("", "").replace("10.0.0.1 80 {", "10.0.0.1 0 {"));
    assert!(error_at(
        &l,
        1,
        "zero port only valid for persistent services"
    ));
    let l = load(&vs(" persistence_timeout 60", "").replace("10.0.0.1 80 {", "10.0.0.1 0 {"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn a_group_of_fwmarks_is_a_fwmark_virtual_server() {
    let l = load(
        "virtual_server_group G {\n fwmark 4\n}\nvirtual_server group G {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 10.0.0.2 {\n }\n}\n",
    );
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("protocol specified for fwmark")));
    assert_eq!(code(&l), 5);
}

#[test]
fn a_virtual_server_has_its_own_weight() {
    let l = load(&vs(" weight 3", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).weight, 3);
    let l = load(&vs(" weight 0", ""));
    assert!(error_at(&l, 5, "Virtual server weight 0 is outside range"));
    assert_eq!(only(&l).weight, 1);
}

#[test]
fn tunnel_checksum_options_depend_on_the_type() {
    let l = load(&vs(" lb_kind TUN type ipip csum", ""));
    assert!(error_at(
        &l,
        5,
        "ipip tunnels do not support checksum option."
    ));
    let l = load(&vs(" lb_kind TUN type gre remcsum", ""));
    assert!(error_at(
        &l,
        5,
        "gre tunnels do not support remote checksum option."
    ));
    let l = load(&vs(" lb_kind TUN type gue port 6080 csum", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn only_non_nat_real_servers_must_use_the_virtual_port() {
    let dr = vs("", "")
        .replace("lb_kind NAT", "lb_kind DR")
        .replace("10.0.0.2 80", "10.0.0.2 8080");
    let l = load(&dr);
    assert!(
        error_at(&l, 6, "ports don't match - resetting"),
        "{:?}",
        problems(&l)
    );
    let l = load(&vs("", "").replace("10.0.0.2 80", "10.0.0.2 8080"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let l = load(
        "virtual_server fwmark 1 {\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.2 80 {\n }\n}\n",
    );
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn a_non_nat_sorry_server_must_use_the_virtual_port() {
    let l = load(&vs(" sorry_server 10.0.0.9 8080", "").replace("lb_kind NAT", "lb_kind DR"));
    assert!(
        error_at(&l, 1, "and sorry server ports don't match"),
        "{:?}",
        problems(&l)
    );
    assert_eq!(only(&l).sorry_server_lb_kind, Some(LbKind::Dr));
    let l = load(&vs(" sorry_server 10.0.0.9 8080", ""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn a_sorry_server_of_another_family_is_dropped() {
    let l = load(&vs(" sorry_server 2001:db8::9 80", ""));
    assert!(error_at(
        &l,
        1,
        "Address family of virtual server and sorry server 2001:db8::9 don't match"
    ));
    assert_eq!(only(&l).sorry_server, None);
}

/// keepalived 2.3.4's lbflags_handler never tests for "hashed": no flag is set; with a
/// scheduler other than sh or mh (as set so far) it is reported.
#[test]
fn hashed_sets_no_flag_and_is_reported_outside_sh_and_mh() {
    let l = load(&vs(" hashed", ""));
    assert!(error_at(
        &l,
        5,
        "hashed only applies to sh scheduler - ignoring"
    ));
    let v = only(&l);
    assert_eq!(v.sched_flags, Default::default());
    assert!(!v.ops);
    for algo in ["sh", "mh"] {
        let l = load(&vs(&format!(" lb_algo {algo}\n hashed"), ""));
        assert!(problems(&l).is_empty(), "{algo}: {:?}", problems(&l));
        assert_eq!(only(&l).sched_flags, Default::default());
    }
}
