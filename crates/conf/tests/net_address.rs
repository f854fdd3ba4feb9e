//! Address lines (`static_ipaddress`, `virtual_ipaddress`, `virtual_ipaddress_excluded`).

mod common;
use common::*;

use std::net::{IpAddr, Ipv4Addr};

use keepalived_conf::model::{Broadcast, IpAddressSpec, IpFamily, PreferredLifetime, Scope};
use keepalived_conf::{ErrorClass, Loaded};

/// `static_ipaddress` with one address per line; line N of `lines` is line N+1 of the file.
fn statics(lines: &[&str]) -> Loaded {
    load(&format!("static_ipaddress {{\n{}\n}}\n", lines.join("\n")))
}

fn first(l: &Loaded) -> &IpAddressSpec {
    &l.config.vrrp.static_addresses[0]
}

#[test]
fn an_address_without_mask_is_a_host_address() {
    let l = statics(&["10.0.2.9", "fd00:2::9"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let a = &l.config.vrrp.static_addresses;
    assert_eq!(a[0].prefix.len, 32);
    assert_eq!(a[0].family(), IpFamily::V4);
    assert_eq!(a[1].prefix.len, 128);
    assert_eq!(a[1].family(), IpFamily::V6);
    assert_eq!(a[0].dev, None);
    assert_eq!(a[0].loc.line, 2);
}

#[test]
fn every_option() {
    let l = statics(&[
        "10.0.2.9/24 brd 10.0.2.255 dev eth2 scope link label eth2:1 home noprefixroute autojoin preferred_lft 0 no_track",
        "fd00:2::9/64 dev eth2 -nodad mngtmpaddr preferred_lft forever",
        "10.0.2.8 dev eth2 scope 200 peer 10.0.2.1",
        "10.0.2.10/24 broadcast + dev eth2",
        "10.0.2.11/24 brd - dev eth2",
    ]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let a = &l.config.vrrp.static_addresses;
    assert_eq!(a[0].prefix.addr, IpAddr::V4(Ipv4Addr::new(10, 0, 2, 9)));
    assert_eq!(a[0].prefix.len, 24);
    assert_eq!(
        a[0].broadcast,
        Some(Broadcast::Addr(Ipv4Addr::new(10, 0, 2, 255)))
    );
    assert_eq!(a[0].dev.as_deref(), Some("eth2"));
    assert_eq!(a[0].scope, Some(Scope::Link));
    assert_eq!(a[0].label.as_deref(), Some("eth2:1"));
    assert!(a[0].home && a[0].noprefixroute && a[0].autojoin && a[0].no_track);
    assert_eq!(a[0].preferred_lft, Some(PreferredLifetime::Secs(0)));
    assert!(a[1].nodad && a[1].mngtmpaddr);
    assert_eq!(a[1].preferred_lft, Some(PreferredLifetime::Forever));
    assert_eq!(a[2].scope, Some(Scope::Site));
    assert_eq!(a[2].peer.unwrap().len, 32);
    assert_eq!(a[3].broadcast, Some(Broadcast::HostBitsSet));
    assert_eq!(a[4].broadcast, Some(Broadcast::HostBitsCleared));
}

#[test]
fn an_invalid_address_is_skipped() {
    let l = statics(&["10.0.0.300", "notanip", "10.0.2.9"]);
    assert!(error_at(
        &l,
        2,
        "VRRP parsed invalid IP 10.0.0.300. skipping IP..."
    ));
    assert!(error_at(
        &l,
        3,
        "VRRP parsed invalid IP notanip. skipping IP..."
    ));
    assert_eq!(l.config.vrrp.static_addresses.len(), 1);
}

#[test]
fn a_prefix_too_long_is_reported_and_made_a_host_prefix() {
    let l = statics(&["10.0.0.6/33", "fd00::6/129"]);
    assert!(error_at(
        &l,
        2,
        "Invalid address prefix len 33 for address 10.0.0.6/33 - using 32"
    ));
    assert!(error_at(
        &l,
        3,
        "Invalid address prefix len 129 for address fd00::6/129 - using 128"
    ));
    let a = &l.config.vrrp.static_addresses;
    assert_eq!((a[0].prefix.len, a[1].prefix.len), (32, 128));
}

#[test]
fn unknown_words_are_reported_and_ignored() {
    // Two addresses on one line: the second is read as an option.
    let l = statics(&["10.0.0.5 10.0.0.6", "fd00::9 nodad"]);
    assert!(error_at(
        &l,
        2,
        "Unknown configuration entry '10.0.0.6' for ip address - ignoring"
    ));
    assert!(error_at(
        &l,
        3,
        "Unknown configuration entry 'nodad' for ip address - ignoring"
    ));
    assert_eq!(l.config.vrrp.static_addresses.len(), 2);
}

#[test]
fn a_missing_device_is_a_bad_interface() {
    let l = statics(&["10.0.2.9/24 dev eth9"]);
    let d = l.diagnostics.iter().next().unwrap();
    assert_eq!(d.class, ErrorClass::BadInterface);
    assert!(d
        .message
        .contains("WARNING - interface eth9 for ip address 10.0.2.9/24 doesn't exist"));
    assert_eq!(first(&l).dev.as_deref(), Some("eth9"));
}

#[test]
fn bad_scope_label_broadcast_and_lifetime() {
    let l = statics(&[
        "10.0.2.9/24 scope bogus",
        "10.0.2.10/24 label averyveryverylonglabel",
        "fd00::10 label x scope link",
        "10.0.2.11/24 preferred_lft soon",
        "fd00::11 brd 10.0.0.255",
    ]);
    assert!(error_at(
        &l,
        2,
        "Invalid scope 'bogus' specified for 10.0.2.9/24 - ignoring"
    ));
    let msg =
        "Address label averyveryverylonglabel is longer than maximum length 15 - removing address";
    assert!(error_at(&l, 3, msg));
    let msg = "Cannot specify label for IPv6 addresses (fd00::10) - ignoring label";
    assert!(error_at(&l, 4, msg));
    let msg = "Cannot specify scope for IPv6 addresses (fd00::10) - ignoring scope";
    assert!(error_at(&l, 4, msg));
    assert!(error_at(&l, 5, "preferred_lft soon is invalid"));
    let msg = "VRRP is trying to assign a broadcast brd to the IPv6 address fd00::11 !!?? WTF... skipping VIP...";
    assert!(error_at(&l, 6, msg));
    // The long label and the IPv6 broadcast drop their address.
    let kept: Vec<String> = l
        .config
        .vrrp
        .static_addresses
        .iter()
        .map(|a| a.prefix.to_string())
        .collect();
    assert_eq!(kept, ["10.0.2.9/24", "fd00::10/128", "10.0.2.11/24"]);
    assert_eq!(l.config.vrrp.static_addresses[1].label, None);
}

#[test]
fn peer_addresses() {
    let l = statics(&[
        "10.0.2.12/24 brd + peer 10.0.2.1 dev eth2",
        "10.0.2.13 peer 10.0.2.1/24 dev eth2",
    ]);
    let msg = "Cannot specify address prefix when specifying peer address - ignoring";
    assert!(error_at(&l, 2, msg));
    let msg = "Cannot specify broadcast and peer addresses - ignoring broadcast address";
    assert!(error_at(&l, 2, msg));
    assert!(error_at(&l, 3, "Invalid peer address 10.0.2.1/24"));
    let a = &l.config.vrrp.static_addresses;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].prefix.len, 32);
    assert_eq!(a[0].broadcast, None);
    assert_eq!(a[0].peer.unwrap().to_string(), "10.0.2.1/32");
}

#[test]
fn use_vmac_is_for_virtual_addresses_and_track_group_for_static_ones() {
    let l = statics(&["10.0.2.13/24 dev eth2 use_vmac"]);
    assert!(error_at(
        &l,
        2,
        "Unknown configuration entry 'use_vmac' for ip address - ignoring"
    ));
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.1.5/24 dev eth1 use_vmac\n  10.0.0.6 track_group G\n }\n}\n");
    assert!(l.config.vrrp.instances[0].virtual_ipaddresses[0].use_vmac);
    assert!(error_at(
        &l,
        6,
        "Unknown configuration entry 'track_group' for ip address - ignoring"
    ));
}

#[test]
fn an_option_without_its_value_is_reported() {
    let l = statics(&["10.0.2.9/24 dev"]);
    assert!(error_at(
        &l,
        2,
        "No dev parameter specified for 10.0.2.9/24"
    ));
}
