//! Checks made once the whole LVS configuration is read; messages as printed by
//! keepalived 2.2.7 `-t` (observed on the real binary).

mod common;
use common::*;

use keepalived_conf::{ErrorClass, Severity};

const RS: &str = " real_server 10.0.0.2 80 {\n }\n";

#[test]
fn virtual_server_without_real_servers() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n}\n");
    assert!(error_at(
        &l,
        1,
        "Virtual server [10.0.0.1]:tcp:80 has no real servers - ignoring"
    ));
    assert_eq!(l.diagnostics.len(), 1, "{:?}", problems(&l));
    assert_ne!(l.diagnostics.config_test_exit_code(), 0);
}

#[test]
fn missing_forwarding_method_scheduler_and_protocol_are_reported() {
    let l = load(&format!("virtual_server 10.0.0.1 80 {{\n{RS}}}\n"));
    assert_eq!(
        problems(&l),
        vec![
            "t.conf:1: error: virtual_server: Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP",
            "t.conf:1: error: virtual_server: Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
            "t.conf:1: error: virtual_server: Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT",
        ]
    );
}

#[test]
fn fwmark_needs_no_protocol_but_one_given_is_counted() {
    let fw = " real_server 10.0.0.2 {\n }\n";
    let l = load(&format!(
        "virtual_server fwmark 3 {{\n lb_algo rr\n lb_kind DR\n{fw}}}\n"
    ));
    assert!(l.diagnostics.is_empty(), "{:?}", problems(&l));
    let l = load(&format!(
        "virtual_server fwmark 3 {{\n lb_algo rr\n lb_kind DR\n protocol TCP\n{fw}}}\n"
    ));
    let d = l.diagnostics.iter().next().expect("a diagnostic");
    assert_eq!(d.class, ErrorClass::Warning);
    assert!(d.message.contains(
        "Virtual server FWM 3: protocol specified for fwmark - protocol will be ignored"
    ));
}

#[test]
fn fwmark_real_server_with_port_is_reported() {
    let l = load(&format!(
        "virtual_server fwmark 3 {{\n lb_algo rr\n lb_kind DR\n{RS}}}\n"
    ));
    assert!(error_at(
        &l,
        4,
        "WARNING - fwmark virtual server FWM 3, real server [10.0.0.2]:none:80 has port specified - clearing"
    ));
}

#[test]
fn http_get_without_url_is_an_error() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  HTTP_GET {\n  }\n }\n}\n");
    // keepalived reports it at the end of the checker block (line 7, the closing brace).
    assert!(error_at(
        &l,
        7,
        "HTTP/SSL_GET checker has no urls specified"
    ));
    assert_ne!(l.diagnostics.config_test_exit_code(), 0);
}

#[test]
fn quorum_above_total_weight_is_reduced_and_reported() {
    let l = load(&format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n quorum 2\n{RS}}}\n"
    ));
    assert_eq!(
        problems(&l),
        vec!["t.conf:1: error: quorum: Warning - quorum 2 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 1, reducing quorum to 1"]
    );
}

#[test]
fn hysteresis_must_be_below_quorum() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n quorum 2\n hysteresis 2\n real_server 10.0.0.2 80 {\n  weight 3\n }\n}\n");
    assert!(error_at(
        &l,
        1,
        "Virtual server [10.0.0.1]:tcp:80: hysteresis 2 >= quorum 2; setting hysteresis to 1"
    ));
}

#[test]
fn quorum_zero_is_out_of_range() {
    let l = load(&format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n quorum 0\n{RS}}}\n"
    ));
    assert!(error_at(&l, 5, "outside range"));
}

#[test]
fn duplicate_real_server_is_reported_but_not_duplicate_virtual_server() {
    let vs = format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n{RS}{RS}}}\n"
    );
    let l = load(&format!("{vs}{vs}"));
    assert_eq!(
        problems(&l),
        vec![
            "t.conf:7: error: real_server: VS [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs",
            "t.conf:16: error: real_server: VS [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs",
        ]
    );
}

#[test]
fn real_server_without_port_is_accepted() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 {\n }\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", problems(&l));
}

#[test]
fn empty_group_is_removed() {
    let l = load("virtual_server_group G {\n}\n");
    assert!(error_at(
        &l,
        1,
        "virtual server group G has no entries - removing"
    ));
}

#[test]
fn bfd_check_must_name_a_configured_instance() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  BFD_CHECK {\n   name X\n  }\n }\n}\n");
    assert!(error_at(
        &l,
        6,
        "([10.0.0.2]:tcp:80) BFD_CHECK - BFD X not configured"
    ));
}

/// keepalived's checker process frees a bfd_instance whose events go to the VRRP process
/// only (`vrrp` without `checker`): BFD_CHECK cannot use it.
#[test]
fn bfd_check_cannot_use_a_vrrp_only_bfd_instance() {
    let rs = " real_server 10.0.0.2 80 {\n  BFD_CHECK {\n   name X\n  }\n }\n}\n";
    let vs = "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n";
    let bfd = |kw: &str| format!("bfd_instance X {{\n neighbor_ip 10.0.0.9\n{kw}}}\n{vs}{rs}");
    let l = load(&bfd(" vrrp\n"));
    assert!(error_at(
        &l,
        10,
        "([10.0.0.2]:tcp:80) BFD_CHECK - BFD X not configured"
    ));
    for kw in ["", " checker\n", " vrrp\n checker\n"] {
        let l = load(&bfd(kw));
        assert!(l.diagnostics.is_empty(), "{kw:?}: {:?}", problems(&l));
    }
}

#[test]
fn misc_check_without_script() {
    let l = load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  MISC_CHECK {\n  }\n }\n}\n");
    assert!(error_at(
        &l,
        6,
        "No script path has been specified for MISC_CHECKER - skipping"
    ));
    assert!(l.diagnostics.iter().all(|d| d.severity == Severity::Error));
}

/// keepalived 2.2.7 `-t`: "Virtual server FWM 3: cannot use ha_suspend with fwmarks -
/// clearing ha_suspend" (the checkers then always run: keepalived_check's suspend.rs).
#[test]
fn ha_suspend_with_a_fwmark_is_cleared() {
    let fw = " real_server 10.0.0.2 {\n }\n";
    let l = load(&format!(
        "virtual_server fwmark 3 {{\n lb_algo rr\n lb_kind DR\n ha_suspend\n{fw}}}\n"
    ));
    assert!(error_at(
        &l,
        1,
        "Virtual server FWM 3: cannot use ha_suspend with fwmarks - clearing ha_suspend"
    ));
    let l = load(&format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind DR\n protocol TCP\n ha_suspend\n{RS}}}\n"
    ));
    assert!(l.diagnostics.is_empty(), "{:?}", problems(&l));
}
