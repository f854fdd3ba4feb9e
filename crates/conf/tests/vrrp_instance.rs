//! vrrp_instance keywords: defaults, values, ranges and keepalived's messages.

mod common;
use common::*;

use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf::model::{AuthType, InitialState, IpFamily, VrrpInstance};
use keepalived_conf::{ErrorClass, Loaded};

/// An instance with the given lines inside, plus interface/VRID/VIP unless overridden.
fn inst(body: &str) -> String {
    format!("vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n virtual_ipaddress {{\n  10.0.0.5/24\n }}\n}}\n")
}

fn only(l: &Loaded) -> &VrrpInstance {
    assert_eq!(l.config.vrrp.instances.len(), 1, "{:?}", problems(l));
    &l.config.vrrp.instances[0]
}

#[test]
fn a_minimal_instance_has_keepalived_defaults() {
    let l = load(&inst(""));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    let g = &l.config.global;
    assert_eq!(v.name, "VI_1");
    assert_eq!(v.state, InitialState::Backup);
    assert_eq!(v.interface.as_deref(), Some("eth0"));
    assert_eq!(v.vrid, Some(51));
    assert_eq!(v.priority, 100);
    assert_eq!(v.family, IpFamily::V4);
    assert_eq!(v.version(g), keepalived_vrrp::Version::V2);
    assert_eq!(v.advert_int(g), Duration::from_secs(1));
    assert!(v.preempt);
    assert_eq!(v.preempt_delay, Duration::ZERO);
    assert_eq!(v.unicast_ttl, 255);
    assert_eq!(v.down_timer_adverts, 3);
    assert!(v.accept_mode(g));
    assert!(!v.strict(g));
    assert_eq!(v.virtual_ipaddresses.len(), 1);
    assert_eq!(v.loc.line, 1);
}

#[test]
fn state_master_without_priority_is_the_address_owner() {
    let l = load(&inst(" state MASTER"));
    let v = only(&l);
    assert_eq!(v.state, InitialState::Master);
    assert_eq!(v.priority, 255);
    assert!(v.is_address_owner());
}

#[test]
fn an_unknown_state_defaults_to_backup_with_an_error() {
    let l = load(&inst(" state master"));
    assert_eq!(only(&l).state, InitialState::Backup);
    assert!(error_located(
        &l,
        Some(4),
        "(VI_1) unknown state 'master', defaulting to BACKUP"
    ));
}

#[test]
fn backup_after_master_is_ignored() {
    let l = load(&inst(" state MASTER\n state BACKUP"));
    assert_eq!(only(&l).state, InitialState::Master);
    assert!(error_located(
        &l,
        Some(5),
        "state previously set as MASTER - ignoring BACKUP"
    ));
}

#[test]
fn priority_range_is_1_to_255() {
    for (p, ok) in [
        ("1", true),
        ("255", true),
        ("0", false),
        ("256", false),
        ("-1", false),
        ("abc", false),
    ] {
        let l = load(&inst(&format!(" priority {p}")));
        let v = only(&l);
        if ok {
            assert_eq!(v.priority.to_string(), p);
            assert!(problems(&l).is_empty());
        } else {
            assert_eq!(v.priority, 100, "priority {p} keeps the default");
            let d = l.diagnostics.iter().next().unwrap();
            assert_eq!(d.class, ErrorClass::InvalidNumber);
            assert_eq!(d.location.as_ref().unwrap().line, 4);
            assert_eq!(d.accepted.as_deref(), Some("1..255"));
        }
    }
}

#[test]
fn virtual_router_id_range_and_absence() {
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 256\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n");
    assert!(error_located(
        &l,
        Some(3),
        "number '256' outside range [1, 255]"
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) the virtual router id must be set"
    ));
    assert_eq!(only(&l).vrid, None);
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n");
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) the virtual router id must be set"
    ));
}

#[test]
fn missing_and_unknown_and_loopback_interfaces() {
    let l = load(
        "vrrp_instance VI_1 {\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n",
    );
    assert!(error_located(&l, Some(1), "(VI_1) Unknown interface!"));
    let l = load(&inst(" interface eth9"));
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("eth9"))
        .unwrap();
    assert_eq!(d.class, ErrorClass::BadInterface);
    assert!(d
        .message
        .contains("WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist"));
    let l = load("vrrp_instance VI_1 {\n interface lo\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n");
    assert!(error_located(
        &l,
        Some(2),
        "cannot use a loopback interface (lo) for vrrp - ignoring"
    ));
    assert!(error_located(&l, Some(1), "(VI_1) Unknown interface!"));
    assert_eq!(only(&l).interface, None);
}

#[test]
fn no_vip_is_sensible_for_vrrpv2_and_required_for_vrrpv3_and_strict_mode() {
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n}\n");
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) No VIP specified; at least one is sensible"
    ));
    assert_eq!(only(&l).unstartable(&l.config.global), None);
    // keepalived's vrrp_complete_instance refuses these: its VRRP process exits (CONFIG).
    let required = "(VI_1) No VIP specified; at least one is required";
    for extra in [" native_ipv6", " version 3", " strict_mode on"] {
        let l = load(&format!(
            "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 5\n{extra}\n}}\n"
        ));
        assert!(
            error_located(&l, Some(1), required),
            "{extra}: {:?}",
            problems(&l)
        );
        assert_eq!(
            only(&l).unstartable(&l.config.global).as_deref(),
            Some(required),
            "{extra}"
        );
    }
    // keepalived 2.3's no_virtual_ipaddress: none is meant (outside strict mode).
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n version 3\n no_virtual_ipaddress\n}\n");
    assert_eq!(only(&l).unstartable(&l.config.global), None);
}

#[test]
fn the_family_comes_from_the_first_address_and_others_are_dropped() {
    let l = load(&inst(" virtual_ipaddress {\n  fd00::5/64\n }"));
    // fd00::5 (line 5) came first: the instance is IPv6 and the later IPv4 VIP is dropped.
    let v = only(&l);
    assert_eq!(v.family, IpFamily::V6);
    assert_eq!(v.version(&l.config.global), keepalived_vrrp::Version::V3);
    assert_eq!(v.virtual_ipaddresses.len(), 1);
    assert!(error_located(
        &l,
        Some(8),
        "(VI_1): address family must match VRRP instance [10.0.0.5/24] - ignoring"
    ));
    // unicast_src_ip sets the family too.
    let l = load(&inst(" unicast_src_ip fd00::1"));
    assert_eq!(only(&l).family, IpFamily::V6);
    assert!(only(&l).virtual_ipaddresses.is_empty());
}

#[test]
fn excluded_addresses_may_be_of_either_family() {
    let l = load(&inst(
        " virtual_ipaddress_excluded {\n  fd00::9/64\n  10.0.0.9\n }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(only(&l).excluded_ipaddresses.len(), 2);
}

#[test]
fn native_ipv6_after_ipv4_addresses_is_refused() {
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n mcast_src_ip 10.0.0.1\n native_ipv6\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n");
    assert!(error_located(
        &l,
        Some(5),
        "Cannot specify native_ipv6 with IPv4 addresses"
    ));
    assert_eq!(only(&l).family, IpFamily::V4);
}

#[test]
fn advert_int_range_and_rounding() {
    let l = load(&inst(" advert_int 0"));
    assert!(error_located(&l, Some(4), "outside range"));
    let l = load(&inst(" advert_int 256"));
    assert!(error_located(&l, Some(4), "outside range"));
    // VRRPv2: whole seconds, rounded, reported.
    let l = load(&inst(" advert_int 1.5"));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding"
    ));
    let v = only(&l);
    assert_eq!(v.advert_int_configured, Duration::from_millis(1500));
    assert_eq!(v.advert_int(&l.config.global), Duration::from_secs(2));
    let l = load(&inst(" advert_int 0.01"));
    assert_eq!(
        only(&l).advert_int(&l.config.global),
        Duration::from_secs(1)
    );
    // VRRPv3: centiseconds up to 40.95 s.
    let l = load(&inst(" version 3\n advert_int 0.05"));
    assert!(problems(&l).is_empty());
    assert_eq!(
        only(&l).advert_int(&l.config.global),
        Duration::from_millis(50)
    );
    let l = load(&inst(" version 3\n advert_int 41"));
    assert!(error_located(&l, Some(1), "VRRPv3 advertisement interval 41.00s is out of range. Must be less than 40.96s. Setting to 40.95s"));
    assert_eq!(
        only(&l).advert_int(&l.config.global),
        Duration::from_millis(40950)
    );
    let l = load(&inst(" version 3\n advert_int 0.015"));
    assert!(error_located(
        &l,
        Some(1),
        "must be in units of 10ms - rounding"
    ));
}

#[test]
fn version_is_2_or_3() {
    let l = load(&inst(" version 3"));
    assert_eq!(
        only(&l).version(&l.config.global),
        keepalived_vrrp::Version::V3
    );
    let l = load(&inst(" version 4"));
    assert!(error_located(
        &l,
        Some(4),
        "number '4' outside range [2, 3]"
    ));
    assert_eq!(
        only(&l).version(&l.config.global),
        keepalived_vrrp::Version::V2
    );
}

#[test]
fn authentication_pass_and_ah() {
    let l = load(&inst(
        " authentication {\n  auth_type PASS\n  auth_pass secret\n }",
    ));
    assert!(problems(&l).is_empty());
    let v = only(&l);
    let a = v.effective_authentication(&l.config.global).unwrap();
    assert_eq!(a.auth_type, Some(AuthType::Pass));
    assert_eq!(a.password, b"secret");
    let l = load(&inst(
        " authentication {\n  auth_type AH\n  auth_pass x\n }",
    ));
    assert!(problems(&l).is_empty());
    assert_eq!(
        only(&l).authentication.as_ref().unwrap().auth_type,
        Some(AuthType::Ah)
    );
}

#[test]
fn a_long_auth_pass_is_truncated_to_8_characters() {
    let l = load(&inst(
        " authentication {\n  auth_type PASS\n  auth_pass 1234567890\n }",
    ));
    assert!(error_located(
        &l,
        Some(6),
        "Truncating auth_pass to 8 characters"
    ));
    assert_eq!(
        only(&l).authentication.as_ref().unwrap().password,
        b"12345678"
    );
}

#[test]
fn an_unknown_auth_type_is_an_error() {
    let l = load(&inst(" authentication {\n  auth_type MD5\n }"));
    assert!(error_located(
        &l,
        Some(5),
        "(VI_1) unknown authentication type 'MD5'"
    ));
}

#[test]
fn authentication_is_ignored_with_vrrpv3_and_strict_mode() {
    let l = load(&inst(
        " version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) VRRP version 3 does not support authentication. Ignoring."
    ));
    assert!(only(&l)
        .effective_authentication(&l.config.global)
        .is_none());
    let l = load(&inst(
        " strict_mode\n authentication {\n  auth_type PASS\n  auth_pass x\n }",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) Strict mode does not support authentication. Ignoring."
    ));
    assert!(only(&l)
        .effective_authentication(&l.config.global)
        .is_none());
}

#[test]
fn master_with_ah_is_cleared_to_backup() {
    let l = load(&inst(
        " state MASTER\n priority 100\n authentication {\n  auth_type AH\n  auth_pass x\n }",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) Initial state master is incompatible with AH authentication - clearing"
    ));
    assert_eq!(only(&l).state, InitialState::Backup);
}

#[test]
fn nopreempt_and_preempt_delay_rules() {
    let l = load(&inst(" nopreempt\n preempt_delay 4.5"));
    assert!(problems(&l).is_empty());
    let v = only(&l);
    assert!(!v.preempt);
    assert_eq!(v.preempt_delay, Duration::from_millis(4500));
    // Owner priority (explicit, or implied by state MASTER).
    let l = load(&inst(" priority 255\n nopreempt"));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt"
    ));
    assert!(only(&l).preempt);
    let l = load(&inst(" state MASTER\n priority 100\n nopreempt"));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"
    ));
    assert!(only(&l).preempt);
    let l = load(&inst(" state MASTER\n priority 100\n preempt_delay 10"));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing"
    ));
    assert_eq!(only(&l).preempt_delay, Duration::ZERO);
    let l = load(&inst(" preempt_delay 1001"));
    assert!(error_located(&l, Some(4), "outside range"));
}

#[test]
fn priority_255_with_backup_is_accepted() {
    let l = load(&inst(" state BACKUP\n priority 255"));
    assert!(problems(&l).is_empty());
    assert_eq!(only(&l).priority, 255);
}

#[test]
fn strict_mode_and_accept() {
    let l = load(&inst(" strict_mode\n no_accept"));
    assert!(problems(&l).is_empty());
    let v = only(&l);
    assert!(v.strict(&l.config.global));
    assert!(!v.accept_mode(&l.config.global));
    let l = load(&inst(" strict_mode off\n accept"));
    assert!(only(&l).accept_mode(&l.config.global));
    let l = load(&inst(" strict_mode\n accept"));
    assert!(error_located(
        &l,
        Some(1),
        "accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
    ));
    assert!(!only(&l).accept_mode(&l.config.global));
    let l = load(&inst(" strict_mode maybe"));
    assert!(error_located(
        &l,
        Some(4),
        "(VI_1) invalid strict_mode maybe specified"
    ));
}

#[test]
fn unicast_peers_with_ttl_limits() {
    let l = load(&inst(" unicast_src_ip 10.0.0.1\n unicast_ttl 10\n unicast_peer {\n  10.0.0.2\n  10.0.0.3 min_ttl 5 max_ttl 200\n }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    assert!(v.is_unicast());
    assert_eq!(v.src_ip, Some("10.0.0.1".parse::<IpAddr>().unwrap()));
    assert_eq!(v.unicast_ttl, 10);
    assert_eq!(v.unicast_peers.len(), 2);
    assert_eq!(v.unicast_peers[1].min_ttl, Some(5));
    assert_eq!(v.unicast_peers[1].max_ttl, Some(200));
    assert!(
        v.check_unicast_src,
        "min_ttl/max_ttl turn on check_unicast_src"
    );
}

#[test]
fn bad_unicast_peers_are_skipped() {
    let l = load(&inst(
        " unicast_src_ip 10.0.0.1\n unicast_peer {\n  bad\n  fd00::2\n  10.0.0.3 max_ttl 300\n }",
    ));
    assert!(error_located(
        &l,
        Some(6),
        "Configuration error: VRRP instance[VI_1] malformed unicast peer address[bad]. Skipping..."
    ));
    assert!(error_located(&l, Some(7), "Configuration error: VRRP instance[VI_1] and unicast peer address[fd00::2] MUST be of the same family !!! Skipping..."));
    assert!(error_located(
        &l,
        Some(8),
        "number '300' outside range [0, 255]"
    ));
    assert_eq!(only(&l).unicast_peers.len(), 1);
}

#[test]
fn src_ip_errors() {
    let l = load(&inst(" mcast_src_ip 10.0.0.999"));
    assert!(error_located(
        &l,
        Some(4),
        "Configuration error: VRRP instance[VI_1] malformed src address[10.0.0.999]. Skipping..."
    ));
    let l = load(&inst(
        " unicast_peer {\n 10.0.0.2\n }\n unicast_src_ip fd00::1",
    ));
    assert!(error_located(&l, Some(7), "MUST be of the same family"));
    assert_eq!(only(&l).src_ip, None);
}

#[test]
fn use_vmac_with_name_mac_and_xmit_base() {
    let l = load(&inst(
        " use_vmac vrrp.51 02:00:00:00:00:01\n vmac_xmit_base",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let vm = only(&l).vmac.clone().unwrap();
    assert_eq!(vm.ifname.as_deref(), Some("vrrp.51"));
    assert_eq!(vm.mac, Some(vec![2, 0, 0, 0, 0, 1]));
    assert!(vm.xmit_base);
    let l = load(&inst(" use_vmac 00:00:5e:00:01"));
    assert!(error_located(
        &l,
        Some(4),
        "VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01) - ignoring"
    ));
}

#[test]
fn use_vmac_with_unicast_forces_xmit_base() {
    let l = load(&inst(" use_vmac\n unicast_peer {\n  10.0.0.2\n }"));
    assert!(error_located(
        &l,
        Some(5),
        "(VI_1) unicast with use_vmac requires vmac_xmit_base - setting"
    ));
    assert!(only(&l).vmac.as_ref().unwrap().xmit_base);
}

#[test]
fn garp_settings_and_their_limits() {
    let l = load(&inst(" garp_master_delay 5\n garp_master_repeat 3\n garp_lower_prio_delay 2\n garp_lower_prio_repeat 0\n garp_master_refresh 60\n garp_master_refresh_repeat 2\n garp_extra_if all 30"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let g = &only(&l).garp;
    assert_eq!(g.master_delay, Some(Duration::from_secs(5)));
    assert_eq!(g.master_repeat, Some(3));
    assert_eq!(g.lower_prio_delay, Some(Duration::from_secs(2)));
    assert_eq!(g.lower_prio_repeat, Some(0));
    assert_eq!(g.master_refresh, Some(Duration::from_secs(60)));
    assert_eq!(g.master_refresh_repeat, Some(2));
    assert_eq!(g.extra_if, Some((Duration::from_secs(30), true)));
    let l = load(&inst(" garp_master_repeat 0"));
    assert!(error_located(
        &l,
        Some(4),
        "(VI_1): garp_master_repeat must be greater than 0, setting to 1"
    ));
    assert_eq!(only(&l).garp.master_repeat, Some(1));
    let l = load(&inst(" garp_master_refresh -1"));
    assert!(error_located(
        &l,
        Some(4),
        "(VI_1): Invalid garp_master_refresh '-1' - ignoring"
    ));
}

#[test]
fn other_flags_and_numbers() {
    let l = load(&inst(" dont_track_primary\n track_src_ip\n check_unicast_src\n unicast_fault_no_peer\n lower_prio_no_advert\n higher_prio_send_advert off\n kernel_rx_buf_size 65536\n smtp_alert\n notify_priority_changes yes\n skip_check_adv_addr\n debug 2\n promote_secondaries\n down_timer_adverts 5\n use_vmac_addr\n mcast_dst_ip 224.0.0.19"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    assert!(
        v.dont_track_primary && v.track_src_ip && v.check_unicast_src && v.unicast_fault_no_peer
    );
    assert_eq!(v.lower_prio_no_advert, Some(true));
    assert_eq!(v.higher_prio_send_advert, Some(false));
    assert_eq!(v.kernel_rx_buf_size, Some(65536));
    assert_eq!(v.smtp_alert, Some(true));
    assert_eq!(v.notify_priority_changes, Some(true));
    assert_eq!(v.skip_check_adv_addr, Some(true));
    assert_eq!(v.debug, 2);
    assert!(v.promote_secondaries && v.use_vmac_addr);
    assert_eq!(v.down_timer_adverts, 5);
    assert_eq!(
        v.mcast_dst_ip,
        Some("224.0.0.19".parse::<IpAddr>().unwrap())
    );
    let l = load(&inst(" debug 5"));
    assert!(error_located(
        &l,
        Some(4),
        "number '5' outside range [0, 4]"
    ));
    let l = load(&inst(" down_timer_adverts 101"));
    assert!(error_located(
        &l,
        Some(4),
        "number '101' outside range [1, 100]"
    ));
    let l = load(&inst(" unicast_ttl 256"));
    assert!(error_located(
        &l,
        Some(4),
        "number '256' outside range [0, 255]"
    ));
}

#[test]
fn notify_scripts_take_user_and_group() {
    let l = load(&inst(" notify_master \"/bin/echo master 'a b'\" root root\n notify_backup /bin/echo\n notify /bin/echo\n notify_fault /bin/echo\n notify_stop /bin/echo\n notify_deleted\n notify_master_rx_lower_pri /bin/echo"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let n = &only(&l).notify;
    let m = n.master.as_ref().unwrap();
    assert_eq!(m.argv, ["/bin/echo", "master", "a b"]);
    assert_eq!(m.user.as_deref(), Some("root"));
    assert_eq!(m.group.as_deref(), Some("root"));
    assert_eq!(n.backup.as_ref().unwrap().path(), "/bin/echo");
    assert!(n.notify.is_some() && n.fault.is_some() && n.stop.is_some());
    assert_eq!(n.deleted, Some(None));
    assert!(n.master_rx_lower_pri.is_some());
}

#[test]
fn an_instance_defined_twice_is_skipped() {
    let text = inst("") + &inst("");
    let l = load(&text);
    assert_eq!(l.config.vrrp.instances.len(), 1);
    assert!(error_located(
        &l,
        Some(9),
        "vrrp instance VI_1 already defined"
    ));
}

#[test]
fn unknown_keywords_are_reported_at_their_line() {
    let l = load(&inst(" virtual_router_ip 5"));
    let d = l.diagnostics.iter().next().unwrap();
    assert_eq!(d.class, ErrorClass::UnknownKeyword);
    assert_eq!(d.location.as_ref().unwrap().line, 4);
}

#[test]
fn linkbeat_use_polling_is_deprecated() {
    let l = load(&inst(" linkbeat_use_polling"));
    let msg =
        "(VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block";
    assert!(error_located(&l, Some(4), msg));
    assert!(only(&l).linkbeat_use_polling);
}

#[test]
fn strict_mode_resets_what_it_does_not_allow() {
    let l = load(&inst(
        " strict_mode\n garp_lower_prio_delay 2\n down_timer_adverts 5\n use_vmac 02:00:00:00:00:01\n vmac_xmit_base",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) Strict mode requires no repeat garp delay. resetting"
    ));
    let msg = "(VI_1) down_timer_adverts is incompatible with strict mode - resetting";
    assert!(error_located(&l, Some(1), msg));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) xmit_base is incompatible with strict mode - resetting"
    ));
    let msg = "(VI_1): cannot specify MAC address with strict mode - clearing";
    assert!(error_located(&l, Some(1), msg));
    // What strict mode accepts.
    let l = load(&inst(
        " strict_mode\n garp_master_delay 5\n garp_master_repeat 3\n down_timer_adverts 3\n unicast_peer {\n  10.0.0.2\n }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn multicast_destination_with_unicast_and_promote_secondaries_with_vmac() {
    let l = load(&inst(
        " mcast_dst_ip 224.0.0.19\n unicast_peer {\n  10.0.0.2\n }",
    ));
    let msg = "(VI_1) multicast destination specified with unicast - ignoring";
    assert!(error_located(&l, Some(1), msg));
    let l = load(&inst(" use_vmac\n promote_secondaries"));
    let msg = "(VI_1) promote_secondaries is automatically set for vmacs - ignoring";
    assert!(error_located(&l, Some(1), msg));
}

#[test]
fn value_errors_follow_keepalived() {
    let l = load(&inst(
        " notify_master /bin/a\n notify_master /bin/b\n notify_backup /bin/a root root extra\n use_vmac averyverylongvmacname\n mcast_dst_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2 min_ttl 20 max_ttl 10\n  10.0.0.3 bogus\n }",
    ));
    let msg = "(VI_1) notify_master script already specified - ignoring /bin/b";
    assert!(error_located(&l, Some(5), msg));
    let msg =
        "VMAC interface name 'averyverylongvmacname' too long or invalid characters - ignoring";
    assert!(error_located(&l, Some(7), msg));
    assert!(error_located(
        &l,
        Some(8),
        "(VI_1) mcast_dst_ip 10.0.0.1 not multicast. Skipping..."
    ));
    let msg = "(VI_1) min_ttl 20 > max_ttl 10 - all packets will be discarded";
    assert!(error_located(&l, Some(10), msg));
    assert!(error_located(
        &l,
        Some(11),
        "(VI_1) bogus is missing a value"
    ));
    let v = only(&l);
    assert_eq!(v.notify.master.as_ref().unwrap().path(), "/bin/a");
    assert_eq!(
        v.notify.backup.as_ref().unwrap().user.as_deref(),
        Some("root")
    );
    assert_eq!(v.mcast_dst_ip, None);
    assert_eq!(v.vmac.as_ref().unwrap().ifname, None);
}

#[test]
fn unnamed_instances_and_sync_groups_are_skipped() {
    let l =
        load("vrrp_instance {\n interface eth0\n}\nvrrp_sync_group {\n group {\n  VI_1\n }\n}\n");
    assert!(error_located(&l, Some(1), "vrrp_instance must have a name"));
    assert!(error_located(
        &l,
        Some(4),
        "vrrp_sync_group must have a name - skipping"
    ));
    assert!(l.config.vrrp.instances.is_empty());
    assert!(l.config.vrrp.sync_groups.is_empty());
}

/// keepalived 2.3's VRRP options: values, the global defaults an instance takes, and
/// 2.3.4's checks (`vrrp_complete_instance`).
#[test]
fn keepalived_2_3_vrrp_options_and_their_global_defaults() {
    let g = "global_defs {\n v3_checksum_as_v2\n vrrp_owner_ignore_adverts\n \
             vrrp_down_timer_adverts 5\n json_version 2\n state_dump_file /run/k/s.data\n}\n";
    let l = load(&format!("{g}{}", inst(" priority 255\n state MASTER")));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = only(&l);
    let gl = &l.config.global;
    assert!(v.v3_checksum_as_v2 && v.owner_ignores_adverts(gl));
    assert_eq!(v.down_timer_adverts, 5);
    assert_eq!(gl.json_version, 2);
    assert_eq!(gl.state_dump_file.as_deref(), Some("/run/k/s.data"));

    // Instance keywords override; strict mode forces owner_ignore_adverts on an owner.
    let l = load(&inst(
        " priority 255\n v3_checksum_as_v2 false\n owner_ignore_adverts off",
    ));
    let v = only(&l);
    assert!(!v.v3_checksum_as_v2 && !v.owner_ignores_adverts(&l.config.global));
    let l = load(&inst(
        " priority 255\n strict_mode\n owner_ignore_adverts off",
    ));
    assert!(only(&l).owner_ignores_adverts(&l.config.global));
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("strict_mode with priority 255 requires owner_ignore_adverts")));

    let l = load(&inst(" owner_ignore_adverts"));
    assert!(!only(&l).owner_ignores_adverts(&l.config.global));
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("ignoring owner_ignore_adverts since priority is not 255")));

    // timer_expired_backup: 254 alone, needs nopreempt; thread_timer_expired is its old name.
    let l = load(&inst(" nopreempt\n timer_expired_backup"));
    assert_eq!(only(&l).timer_expired_backup(), Some(254));
    let l = load(&inst(" nopreempt\n thread_timer_expired 200"));
    assert_eq!(only(&l).timer_expired_backup(), Some(200));
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("please replace with keyword 'timer_expired_backup'")));
    let l = load(&inst(" timer_expired_backup 100"));
    assert_eq!(only(&l).timer_expired_backup(), None);
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("expired_timer_backup requires nopreempt - resetting")));
    let l = load(&inst(" nopreempt\n timer_expired_backup 255"));
    assert!(problems(&l)
        .iter()
        .any(|p| p.contains("must be between 1 & 254")));
}

/// A unicast instance without `interface` (keepalived 2.2.8+; 2.2.7 refuses every one).
fn no_if(body: &str) -> String {
    format!("vrrp_instance VI_1 {{\n virtual_router_id 51\n{body}\n}}\n")
}

#[test]
fn unicast_instances_run_without_interface_with_a_configured_source() {
    let l = load(&no_if(
        " unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }\n virtual_ipaddress {\n  10.0.0.5/24 dev eth0\n  10.0.0.6\n }\n virtual_ipaddress_excluded {\n  10.0.1.6/32\n }",
    ));
    let v = only(&l);
    assert!(!problems(&l).iter().any(|p| p.contains("Unknown interface")));
    assert!(
        v.unstartable(&l.config.global).is_none(),
        "{:?}",
        v.unstartable(&l.config.global)
    );
    // A VIP without `dev` has nowhere to go.
    assert!(error_located(
        &l,
        Some(9),
        "(VI_1): no interface for vip 10.0.0.6 - removing"
    ));
    assert!(error_located(
        &l,
        Some(12),
        "(VI_1): no interface for evip 10.0.1.6 - removing"
    ));
    assert_eq!(v.virtual_ipaddresses.len(), 1);
    assert!(v.excluded_ipaddresses.is_empty());
}

#[test]
fn without_interface_unicast_needs_a_source_not_link_local() {
    let l = load(&no_if(" unicast_peer {\n  10.0.0.2\n }"));
    let msg = "(VI_1): Unicast instances must have unicast_src_ip or interface";
    assert!(error_located(&l, Some(1), msg), "{:?}", problems(&l));
    assert_eq!(only(&l).unstartable(&l.config.global).as_deref(), Some(msg));
    let l = load(&no_if(
        " unicast_src_ip fe80::1\n unicast_peer {\n  fe80::2\n }\n virtual_ipaddress {\n  fd00::5/64 dev eth0\n }",
    ));
    let msg = "(VI_1) Non link-local address required if interface omitted";
    assert!(error_located(&l, Some(1), msg), "{:?}", problems(&l));
    assert_eq!(only(&l).unstartable(&l.config.global).as_deref(), Some(msg));
    // No unicast keyword: keepalived's "Unknown interface!".
    let l = load(&no_if(" virtual_ipaddress {\n  10.0.0.5/24 dev eth0\n }"));
    assert_eq!(
        only(&l).unstartable(&l.config.global).as_deref(),
        Some("(VI_1) Unknown interface!")
    );
}

#[test]
fn use_vmac_and_use_ipvlan_are_cleared_without_interface() {
    let l = load(&no_if(
        " use_vmac\n use_ipvlan\n unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }\n virtual_ipaddress {\n  10.0.0.5/24 dev eth0\n }",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac"
    ));
    let v = only(&l);
    assert!(v.vmac.is_none() && v.ipvlan.is_none());
}

#[test]
fn vrf_only_with_unicast_and_without_interface() {
    let ok = " unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }\n virtual_ipaddress {\n  10.0.0.5/24 dev eth0\n }";
    let l = load(&no_if(&format!(" vrf eth3\n{ok}")));
    assert_eq!(only(&l).vrf.as_deref(), Some("eth3"), "{:?}", problems(&l));
    // After `interface`: refused where it is read.
    let l = load(&inst(" vrf eth3"));
    assert!(error_at(
        &l,
        4,
        "(VI_1) Cannot specify VRF interface and interface - ignoring"
    ));
    assert_eq!(only(&l).vrf, None);
    // Before `interface`, or without unicast: cleared at the end.
    let l = load(&no_if(
        " vrf eth3\n interface eth0\n virtual_ipaddress {\n  10.0.0.5/24\n }",
    ));
    assert!(error_located(
        &l,
        Some(1),
        "(VI_1) vrf can only be specified without interface - clearing"
    ));
    assert_eq!(only(&l).vrf, None);
    let l = load(&no_if(
        " vrf eth3\n unicast_src_ip 10.0.0.1\n virtual_ipaddress {\n  10.0.0.5/24 dev eth0\n }",
    ));
    assert!(
        error_located(
            &l,
            Some(1),
            "(VI_1) vrf can only be specified with unicast - clearing"
        ),
        "{:?}",
        problems(&l)
    );
    // Twice, on a loopback, or absent (then not kept: a second one is taken).
    let l = load(&no_if(&format!(" vrf eth3\n vrf eth2\n{ok}")));
    assert!(error_at(
        &l,
        4,
        "(VI_1) VRF interface already specified as 'eth3' - ignoring"
    ));
    assert_eq!(only(&l).vrf.as_deref(), Some("eth3"));
    let l = load(&no_if(&format!(" vrf lo\n vrf nosuch\n vrf eth2\n{ok}")));
    assert!(error_at(
        &l,
        3,
        "(VI_1) cannot use a loopback interface (lo) for VRF - ignoring"
    ));
    assert!(error_at(
        &l,
        4,
        "(VI_1) WARNING - VRF interface nosuch doesn't exist"
    ));
    assert_eq!(only(&l).vrf.as_deref(), Some("eth2"));
}
