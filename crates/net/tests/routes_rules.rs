//! virtual_routes / virtual_rules against a real kernel.

mod common;

use std::net::IpAddr;

use common::{have_root, Netns};
use keepalived_net::{Netlink, RouteKind, RouteSpec, RuleAction, RuleSpec, Scope};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn routes_add_remove_idempotent() {
    if !have_root("routes_add_remove_idempotent") {
        return;
    }
    let ns = Netns::new("route", "a");
    ns.local_link("r0", true);
    ns.ip(&["addr", "add", "10.21.0.1/24", "dev", "r0"]);
    ns.ip(&["addr", "add", "fd00:21::1/64", "dev", "r0", "nodad"]);
    let oif = ns.ifindex("r0");

    let mut via = RouteSpec::new(ip("10.21.5.0"), 24);
    via.via = Some(ip("10.21.0.254"));
    via.oif = Some(oif);
    via.metric = Some(77);
    via.table = Some(100);
    via.src = Some(ip("10.21.0.1"));
    via.protocol = Some(18);
    let mut link = RouteSpec::new(ip("10.21.6.0"), 24);
    link.oif = Some(oif);
    link.table = Some(1000);
    let mut hole = RouteSpec::new(ip("10.21.7.0"), 24);
    hole.kind = RouteKind::Blackhole;
    let mut unreach = RouteSpec::new(ip("10.21.8.0"), 24);
    unreach.kind = RouteKind::Unreachable;
    let mut prohibit = RouteSpec::new(ip("10.21.9.0"), 24);
    prohibit.kind = RouteKind::Prohibit;
    let mut v6 = RouteSpec::new(ip("fd00:21:1::"), 48);
    v6.via = Some(ip("fd00:21::fe"));
    v6.oif = Some(oif);
    let mut host = RouteSpec::new(ip("10.21.10.1"), 32);
    host.oif = Some(oif);
    host.scope = Some(Scope::Host);
    let all = vec![via, link, hole, unreach, prohibit, v6, host];

    let specs = all.clone();
    ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        for r in &specs {
            nl.add_route(r)
                .await
                .unwrap_or_else(|e| panic!("add {r:?}: {e}"));
            nl.add_route(r)
                .await
                .unwrap_or_else(|e| panic!("re-add {r:?}: {e}"));
        }
    });
    let t100 = ns.ip(&["route", "show", "table", "100"]);
    assert!(
        t100.contains(
            "10.21.5.0/24 via 10.21.0.254 dev r0 proto keepalived src 10.21.0.1 metric 77"
        ),
        "{t100}"
    );
    let t1000 = ns.ip(&["route", "show", "table", "1000"]);
    assert!(t1000.contains("10.21.6.0/24 dev r0 scope link"), "{t1000}");
    let main = ns.ip(&["route", "show"]);
    assert!(main.contains("blackhole 10.21.7.0/24"), "{main}");
    assert!(main.contains("unreachable 10.21.8.0/24"), "{main}");
    assert!(main.contains("prohibit 10.21.9.0/24"), "{main}");
    assert!(main.contains("10.21.10.1 dev r0 scope host"), "{main}");
    let v6main = ns.ip(&["-6", "route", "show"]);
    assert!(
        v6main.contains("fd00:21:1::/48 via fd00:21::fe dev r0"),
        "{v6main}"
    );

    let specs = all.clone();
    ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        for r in &specs {
            nl.remove_route(r)
                .await
                .unwrap_or_else(|e| panic!("del {r:?}: {e}"));
            nl.remove_route(r)
                .await
                .unwrap_or_else(|e| panic!("re-del {r:?}: {e}"));
        }
    });
    let after = ns.ip(&["route", "show", "table", "all"]);
    for gone in [
        "10.21.5.0",
        "10.21.6.0",
        "10.21.7.0",
        "10.21.8.0",
        "10.21.9.0",
        "10.21.10.1",
        "fd00:21:1::",
    ] {
        assert!(!after.contains(gone), "{gone} still there: {after}");
    }
}

#[test]
fn rules_add_remove_idempotent() {
    if !have_root("rules_add_remove_idempotent") {
        return;
    }
    let ns = Netns::new("rule", "a");
    ns.local_link("u0", true);

    let mut from = RuleSpec::new(false);
    from.from = Some((ip("10.22.0.0"), 16));
    from.table = Some(100);
    from.priority = Some(1000);
    let mut to = RuleSpec::new(false);
    to.to = Some((ip("10.22.1.0"), 24));
    to.table = Some(200);
    to.priority = Some(1001);
    to.iif = Some("u0".into());
    let mut mark = RuleSpec::new(false);
    mark.fwmark = Some(7);
    mark.fwmask = Some(0xff);
    mark.table = Some(300);
    mark.priority = Some(1002);
    mark.oif = Some("u0".into());
    let mut hole = RuleSpec::new(false);
    hole.from = Some((ip("10.22.9.9"), 32));
    hole.action = RuleAction::Blackhole;
    hole.priority = Some(1003);
    let mut v6 = RuleSpec::new(true);
    v6.from = Some((ip("fd00:22::"), 64));
    v6.table = Some(400);
    v6.priority = Some(1004);
    let all = vec![from, to, mark, hole, v6];

    let specs = all.clone();
    ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        for r in &specs {
            nl.add_rule(r)
                .await
                .unwrap_or_else(|e| panic!("add {r:?}: {e}"));
            nl.add_rule(r)
                .await
                .unwrap_or_else(|e| panic!("re-add {r:?}: {e}"));
        }
    });
    let rules = ns.ip(&["rule", "show"]);
    for want in [
        "1000:\tfrom 10.22.0.0/16 lookup 100",
        "1001:\tfrom all to 10.22.1.0/24 iif u0 lookup 200",
        "1002:\tfrom all fwmark 0x7/0xff oif u0 lookup 300",
        "1003:\tfrom 10.22.9.9 blackhole",
    ] {
        assert!(rules.contains(want), "missing {want:?} in {rules}");
    }
    assert_eq!(
        rules.matches("lookup 100").count(),
        1,
        "duplicate rule: {rules}"
    );
    let rules6 = ns.ip(&["-6", "rule", "show"]);
    assert!(
        rules6.contains("1004:\tfrom fd00:22::/64 lookup 400"),
        "{rules6}"
    );

    let specs = all.clone();
    ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        for r in &specs {
            nl.remove_rule(r)
                .await
                .unwrap_or_else(|e| panic!("del {r:?}: {e}"));
            nl.remove_rule(r)
                .await
                .unwrap_or_else(|e| panic!("re-del {r:?}: {e}"));
        }
    });
    let after = format!(
        "{}{}",
        ns.ip(&["rule", "show"]),
        ns.ip(&["-6", "rule", "show"])
    );
    for gone in ["100", "1001", "1002", "1003", "1004"] {
        assert!(
            !after.contains(&format!("{gone}:")),
            "{gone} still there: {after}"
        );
    }
}
