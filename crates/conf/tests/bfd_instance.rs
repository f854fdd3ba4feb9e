//! `bfd_instance`.

mod common;
use common::*;

use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf::ErrorClass;

#[test]
fn defaults() {
    let l = load("bfd_instance B1 {\n neighbor_ip 10.0.0.1\n}\nbfd_instance B6 {\n neighbour_ip fd00::1\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let b = &l.config.bfd[0];
    assert_eq!(b.name, "B1");
    assert_eq!(b.neighbor, "10.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(b.source, None);
    assert_eq!(
        (b.min_rx, b.min_tx, b.idle_tx),
        (
            Duration::from_millis(10),
            Duration::from_millis(10),
            Duration::from_secs(1)
        )
    );
    assert_eq!(
        (b.multiplier, b.passive, b.max_hops, b.weight),
        (5, false, 0, 0)
    );
    assert_eq!(b.effective_ttl(), 255);
    assert!(b.notifies_vrrp() && b.notifies_checker());
    assert_eq!(b.loc.line, 1);
    assert_eq!(l.config.bfd[1].effective_ttl(), 64);
}

#[test]
fn every_keyword() {
    let l = load("bfd_instance B1 {\n neighbor_ip 10.0.0.1\n source_ip 10.0.0.2\n min_rx 3.312\n min_tx 1001\n idle_tx 2000\n multiplier 255\n passive\n ttl 7\n max_hops 5\n weight -253 reverse\n vrrp\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let b = &l.config.bfd[0];
    assert_eq!(b.source, Some("10.0.0.2".parse().unwrap()));
    assert_eq!(b.min_rx, Duration::from_micros(3312));
    assert_eq!(b.min_tx, Duration::from_millis(1001));
    assert_eq!(b.idle_tx, Duration::from_secs(2));
    assert_eq!(
        (b.multiplier, b.passive, b.ttl, b.max_hops),
        (255, true, Some(7), 5)
    );
    assert_eq!((b.weight, b.weight_reverse), (-253, true));
    assert!(b.notifies_vrrp() && !b.notifies_checker());
}

#[test]
fn range_errors() {
    let l = load("bfd_instance B1 {\n neighbor_ip 10.0.0.1\n min_rx 0\n idle_tx 0\n multiplier 0\n ttl 0\n hoplimit 256\n max_hops 300\n weight 254\n disabled\n}\n");
    assert!(error_at(&l, 3, "number '0' outside range [1, 4294967]"));
    assert!(error_at(
        &l,
        3,
        "BFD instance B1 min_rx value 0 is not valid (must be in range [1-4294967]), ignoring"
    ));
    assert!(error_at(
        &l,
        4,
        "idle_tx value 0 is not valid (must be in range [1000-4294967])"
    ));
    assert!(error_at(
        &l,
        5,
        "BFD instance B1 multiplier value 0 not valid (must be in range [1-255]), ignoring"
    ));
    assert!(error_at(&l, 6, "ttl/hoplimit value 0 not valid"));
    assert!(error_at(&l, 7, "ttl/hoplimit value 256 not valid"));
    assert!(error_at(
        &l,
        8,
        "max_hops value 300 not valid (must be in range [-1-255])"
    ));
    assert!(error_at(
        &l,
        9,
        "weight value 254 not valid (must be in range [-253-253])"
    ));
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.class == ErrorClass::UnknownKeyword && d.message.contains("disabled")));
    let b = &l.config.bfd[0];
    assert_eq!(
        (b.min_rx, b.multiplier, b.ttl, b.weight),
        (Duration::from_millis(10), 5, None, 0)
    );
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn instances_that_are_dropped() {
    let l = load("bfd_instance B1 {\n neighbor_ip 10.0.0.1\n}\nbfd_instance B2 {\n neighbour_ip bad\n}\nbfd_instance B3 {\n source_ip 10.0.0.2\n}\nbfd_instance B1 {\n neighbor_ip 10.0.0.3\n}\nbfd_instance B4 {\n neighbor_ip fd00::1\n source_ip 10.0.0.1\n}\nbfd_instance B5 {\n neighbor_ip 10.0.0.1\n}\n");
    assert!(error_at(
        &l,
        5,
        "BFD instance B2 has malformed neighbor address bad, ignoring instance"
    ));
    assert!(error_at(
        &l,
        9,
        "BFD instance B3 has no neighbor address set, disabling instance"
    ));
    assert!(error_at(
        &l,
        10,
        "BFD instance B1 already configured - ignoring"
    ));
    assert!(error_at(
        &l,
        16,
        "are not of the same family, disabling instance"
    ));
    assert!(error_at(
        &l,
        19,
        "BFD instance B5 has duplicate neighbor address 10.0.0.1, ignoring instance"
    ));
    let names: Vec<&str> = l.config.bfd.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["B1"]);
}

#[test]
fn missing_block_and_name() {
    // keepalived 2.2.7 segfaults here; we report an ordinary error.
    let l = load("bfd_instance\n");
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message == "bfd_instance must have a name - skipping"));
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
    let l = load("bfd_instance B1\nfoo\n");
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.class == ErrorClass::MissingBob));
}

#[test]
fn max_hops_cannot_exceed_the_ttl() {
    let l = load("bfd_instance B1 {\n neighbor_ip 10.0.0.1\n ttl 64\n max_hops 255\n}\nbfd_instance B2 {\n neighbor_ip fd00::1\n max_hops 100\n}\n");
    assert!(error_at(
        &l,
        5,
        "BFD instance B1: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit"
    ));
    assert!(error_at(
        &l,
        9,
        "BFD instance B2: max_hops exceeds ttl/hoplimit"
    ));
    assert_eq!(l.config.bfd[0].max_hops, 64);
    assert_eq!(l.config.bfd[1].max_hops, 64);
}
