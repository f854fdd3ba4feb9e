//! Route lines (`static_routes`, `virtual_routes`).

mod common;
use common::*;

use std::net::IpAddr;

use keepalived_conf::model::{
    IpFamily, Route, RouteMetric, RoutePref, RouteType, Scope, RTPROT_KEEPALIVED,
};
use keepalived_conf::{ErrorClass, Loaded};

/// `static_routes` with one route per line; `lines[i]` is on line i+2.
fn routes(lines: &[&str]) -> Loaded {
    load(&format!("static_routes {{\n{}\n}}\n", lines.join("\n")))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn only(l: &Loaded) -> &Route {
    assert_eq!(l.config.vrrp.static_routes.len(), 1, "{:?}", l.diagnostics);
    &l.config.vrrp.static_routes[0]
}

#[test]
fn a_simple_route() {
    let l = routes(&["192.168.2.0/24 via 10.0.2.254 dev eth2"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert_eq!(r.route_type, RouteType::Unicast);
    assert_eq!(r.family, IpFamily::V4);
    assert_eq!(r.dst.unwrap().to_string(), "192.168.2.0/24");
    assert_eq!(r.via, Some(ip("10.0.2.254")));
    assert_eq!(r.dev.as_deref(), Some("eth2"));
    assert!(!r.no_track);
    assert_eq!(r.loc.line, 2);
}

#[test]
fn the_options_of_ip_route_add() {
    let l = routes(&["src 10.0.2.1 to 192.168.3.0/24 via 10.0.2.254 dev eth2 table 100 metric 5 scope link tos 0x04 realms 1/2 mtu lock 1400 advmss 1300 hoplimit 5 initcwnd 10 features ecn congctl lock cubic onlink append ttl-propagate enabled vrf blue"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert_eq!(r.src, Some(ip("10.0.2.1")));
    assert_eq!(r.table, Some(100));
    assert_eq!(r.metric, Some(5));
    assert_eq!(r.scope, Some(Scope::Link));
    assert_eq!(r.tos, Some(4));
    assert_eq!(r.realms, Some((1, 2)));
    assert_eq!(r.metrics.len(), 4);
    assert_eq!(r.metrics[0].metric, RouteMetric::Mtu);
    assert_eq!((r.metrics[0].value, r.metrics[0].lock), (1400, true));
    assert!(r.features_ecn && r.onlink && r.append);
    assert_eq!(r.congctl, Some(("cubic".to_owned(), true)));
    assert_eq!(r.ttl_propagate, Some(true));
    assert_eq!(r.vrf.as_deref(), Some("blue"));
}

#[test]
fn ipv6_routes_with_source_prefix_and_pref() {
    let l = routes(&[
        "fd03::/64 from fd02::/64 via fd00:2::1 dev eth2 pref high expires 10 protocol keepalived",
    ]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert_eq!(r.family, IpFamily::V6);
    assert_eq!(r.from.unwrap().len, 64);
    assert_eq!(r.pref, Some(RoutePref::High));
    assert_eq!(r.expires, Some(10));
    assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
}

#[test]
fn route_types_and_default() {
    let l = routes(&[
        "blackhole 10.3.0.0/16 dev eth2",
        "default via 10.0.2.254 dev eth2 table main",
        "local 10.4.0.0/16 dev eth2 table local",
    ]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = &l.config.vrrp.static_routes;
    assert_eq!(r[0].route_type, RouteType::Blackhole);
    assert_eq!(r[1].dst.unwrap().len, 0);
    assert_eq!(r[1].table, Some(254));
    assert_eq!(r[2].route_type, RouteType::Local);
    assert_eq!(r[2].table, Some(255));
}

#[test]
fn multipath_nexthops() {
    let l = routes(&["10.6.0.0/16 table 6909 nexthop via 10.0.2.1 dev eth2 onlink weight 1 nexthop via 10.0.2.2 dev eth2 weight 2"]);
    let r = only(&l);
    assert_eq!(r.nexthops.len(), 2);
    assert_eq!(r.nexthops[0].via, Some(ip("10.0.2.1")));
    assert!(r.nexthops[0].onlink);
    assert_eq!(r.nexthops[1].weight, Some(2));
    let msg = "cannot track route 10.6.0.0/16 with no interface specified";
    assert!(error_at(&l, 2, msg));
    assert!(
        r.no_track,
        "nexthop devices do not count as the route's interface"
    );
}

#[test]
fn deprecated_gw_and_or() {
    let l = routes(&[
        "10.22.0.0/16 gw 10.0.2.254 dev eth2",
        "10.23.0.0/16 via 10.0.2.254 or 10.0.2.253 dev eth2",
    ]);
    assert!(error_at(
        &l,
        2,
        "\"gw\" for routes is deprecated. Please use \"via\""
    ));
    assert!(error_at(
        &l,
        3,
        "\"or\" for routes is deprecated. Please use \"nexthop\""
    ));
    let r = &l.config.vrrp.static_routes;
    assert_eq!(r[0].via, Some(ip("10.0.2.254")));
    assert_eq!(r[1].nexthops[0].via, Some(ip("10.0.2.253")));
}

#[test]
fn a_route_without_interface_cannot_be_tracked() {
    let l = routes(&[
        "default via 10.0.2.254",
        "prohibit 10.21.0.0/16",
        "10.1.0.0/16 via 10.0.2.254 no_track",
    ]);
    assert!(error_at(
        &l,
        2,
        "Warning - cannot track route default with no interface specified, not tracking"
    ));
    assert!(error_at(
        &l,
        3,
        "Warning - cannot track route 10.21.0.0/16 with no interface specified, not tracking"
    ));
    assert!(!l
        .diagnostics
        .iter()
        .any(|d| d.location.as_ref().unwrap().line == 4));
    assert!(l.config.vrrp.static_routes.iter().all(|r| r.no_track));
}

#[test]
fn a_foreign_protocol_cannot_be_tracked() {
    let l = routes(&[
        "10.1.0.0/16 dev eth2 protocol static",
        "10.2.0.0/16 dev eth2 protocol bird no_track",
    ]);
    assert!(error_at(
        &l,
        2,
        "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"
    ));
    let r = &l.config.vrrp.static_routes;
    assert_eq!(r[0].protocol, Some(RTPROT_KEEPALIVED));
    assert_eq!(r[1].protocol, Some(12));
}

#[test]
fn bad_lines_are_dropped() {
    let l = routes(&[
        "10.9.0.0/16 via 10.0.2.254 dev eth2 bogus",
        "10.11.0.0/16 dev eth2 metric -1",
        "10.12.0.0/16 dev eth2 type throw",
        "10.25.0.0/16 dev eth2 table nosuchtable",
        "10.8.0.0/33 dev eth2",
    ]);
    assert!(error_at(&l, 2, "unknown route keyword bogus"));
    assert!(error_at(&l, 3, "Invalid metric -1"));
    assert!(error_at(&l, 4, "unknown route keyword type"));
    assert!(error_at(
        &l,
        5,
        "Routing table nosuchtable not found for route"
    ));
    assert!(error_at(
        &l,
        6,
        "Invalid address prefix len 33 for address 10.8.0.0/33 - using 32"
    ));
    let r = &l.config.vrrp.static_routes;
    assert_eq!(r.len(), 1, "only the /33 route is kept, as a /32");
    assert_eq!(r[0].dst.unwrap().len, 32);
}

#[test]
fn mixed_families_and_missing_destinations_drop_the_route() {
    // `inet6` swallows the next word in keepalived 2.2.7, here `default`.
    let l = routes(&[
        "10.34.0.0/16 via fd00::1 dev eth2",
        "inet6 default via fd00:2::1 dev eth2",
        "10.30.0.0/16 dev eth2 proto boot",
    ]);
    assert!(error_at(
        &l,
        2,
        "Cannot mix IPv4 and IPv6 addresses for route"
    ));
    assert!(error_at(&l, 3, "Route must have a destination"));
    assert!(error_at(&l, 4, "unknown route keyword proto"));
    assert!(l.config.vrrp.static_routes.is_empty());
}

#[test]
fn expires_is_for_ipv6_only() {
    let l = routes(&["10.26.0.0/16 dev eth2 expires 10"]);
    assert!(error_at(&l, 2, "expires is only valid for IPv6"));
    assert_eq!(only(&l).expires, None);
}

#[test]
fn a_missing_device_is_a_bad_interface() {
    let l = routes(&["10.1.0.0/16 dev eth9"]);
    assert_eq!(
        l.diagnostics.iter().next().unwrap().class,
        ErrorClass::BadInterface
    );
}

#[test]
fn virtual_routes_belong_to_the_instance() {
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.5/24\n }\n virtual_routes {\n  10.1.0.0/16 via 10.0.0.254 dev eth0\n  src 10.0.0.1 to 10.2.0.0/16 via 10.0.0.254 dev eth0 track_group G\n }\n}\n");
    assert_eq!(l.config.vrrp.instances[0].virtual_routes.len(), 1);
    assert!(error_at(&l, 9, "unknown route keyword track_group"));
}

/// Names from iproute2's files (`iproute_etc_dir`, keepalived 2.3; /etc/iproute2 by
/// default): a route's and a rule's table, protocol, scope, realms, tos and
/// suppress_ifgroup, as keepalived's rttables.c reads them.
#[test]
fn iproute2_names_are_read_from_its_files() {
    let dir = std::env::temp_dir().join(format!("kr-iproute2-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("rt_tables.d")).unwrap();
    for (file, text) in [
        ("rt_tables", "100 isp1\n"),
        ("rt_tables.d/extra.conf", "0x66 isp2\n"),
        ("rt_protos", "42 myproto\n"),
        ("rt_scopes", "200 sitey\n"),
        ("rt_realms", "7 north\n8 south\n"),
        ("rt_dsfield", "0x10 lowdelay\n"),
        ("group", "5 uplinks\n"),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let d = dir.display();
    let l = load(&format!(
        "global_defs {{\n iproute_etc_dir {d}\n}}\n\
         static_routes {{\n 192.168.3.0/24 dev eth0 table isp1 protocol myproto scope sitey realms north/south tos lowdelay no_track\n}}\n\
         static_rules {{\n from 10.0.0.0/8 priority 100 table isp2 suppress_ifgroup uplinks\n}}\n"
    ));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = &l.config.vrrp.static_routes[0];
    assert_eq!(r.table, Some(100));
    assert_eq!(r.protocol, Some(42));
    assert_eq!(r.scope, Some(Scope::Site));
    assert_eq!(r.realms, Some((7, 8)));
    assert_eq!(r.tos, Some(0x10));
    let rule = &l.config.vrrp.static_rules[0];
    assert_eq!(
        rule.action,
        Some(keepalived_conf::model::RuleAction::Table(0x66))
    );
    assert_eq!(rule.suppress_ifgroup, Some(5));
    // A name no file has is refused as before.
    let bad = load("static_routes {\n 192.168.3.0/24 dev eth0 table nosuch\n}\n");
    assert!(bad.diagnostics.iter().any(|d| d
        .message
        .contains("Routing table nosuch not found for route")));
}
