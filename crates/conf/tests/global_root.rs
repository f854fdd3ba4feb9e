//! Root daemon keywords (`net_namespace`, `instance`, ...) and `linkbeat_interfaces`.

mod common;
use common::*;

use std::time::Duration;

use keepalived_conf::model::LinkbeatType;
use keepalived_conf::ErrorClass;

#[test]
fn root_daemon_keywords() {
    let l = load("net_namespace blue\nnet_namespace_ipvs\nnamespace_with_ipsets\ninstance i1\nuse_pid_dir\nlinkbeat_use_polling\nchild_wait_time 9\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let g = &l.config.global;
    assert_eq!(g.net_namespace.as_deref(), Some("blue"));
    assert_eq!(g.net_namespace_ipvs, Some(None));
    assert!(g.namespace_with_ipsets && g.use_pid_dir && g.linkbeat_use_polling);
    assert_eq!(g.instance.as_deref(), Some("i1"));
    assert_eq!(g.child_wait_time, Duration::from_secs(9));
}

#[test]
fn net_namespace_needs_a_name() {
    let l = load("net_namespace\ninstance\n");
    let msgs: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "net_namespace name missing - ignoring",
            "instance name missing - ignoring"
        ]
    );
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
    let l = load("child_wait_time\n");
    assert_eq!(l.diagnostics.config_test_exit_code(), 2);
}

#[test]
fn linkbeat_interfaces_block() {
    let l = load("linkbeat_interfaces {\n eth0\n eth1 ETHTOOL\n eth0\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.config.linkbeat_interfaces, ["eth0", "eth1"]);
    let types: Vec<_> = l.config.linkbeat_types.iter().collect();
    assert_eq!(types, [(&"eth1".to_string(), &LinkbeatType::Ethtool)]);
}

/// The last line for an interface sets its probe, as keepalived's alloc_linkbeat_interface.
#[test]
fn linkbeat_interfaces_last_line_sets_the_probe() {
    let l = load("linkbeat_interfaces {\n eth0 MII\n eth1 IOCTL\n eth1\n eth0 ETHTOOL\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let types: Vec<_> = l.config.linkbeat_types.into_iter().collect();
    assert_eq!(types, [("eth0".to_string(), LinkbeatType::Ethtool)]);
}

#[test]
fn linkbeat_interfaces_errors() {
    let l = load("linkbeat_interfaces {\n eth0 FOO\n eth9\n}\n");
    let at = |line: u32, text: &str| {
        l.diagnostics
            .iter()
            .any(|d| d.location.as_ref().map(|x| x.line) == Some(line) && d.message.contains(text))
    };
    assert!(at(2, "extra characters FOO in linkbeat interface"));
    let bad = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("eth9"))
        .unwrap();
    assert_eq!(bad.class, ErrorClass::BadInterface);
    assert_eq!(
        bad.message,
        "unknown interface eth9 specified for linkbeat interface"
    );
    assert_eq!(l.config.linkbeat_interfaces, ["eth0"]);
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn linkbeat_interfaces_with_dynamic_interfaces() {
    let l = load("global_defs {\n dynamic_interfaces\n}\nlinkbeat_interfaces {\n eth9\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.config.linkbeat_interfaces, ["eth9"]);
}
