//! VIP add/remove/list against a real kernel, in private namespaces.

mod common;

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use common::{have_root, Netns};
use keepalived_net::{AddressSpec, Netlink, Scope};

fn thousand_vips(ifindex: u32) -> Vec<AddressSpec> {
    (0..1000u32)
        .map(|i| {
            let ip = Ipv4Addr::new(10, 11, (i / 250) as u8, (i % 250 + 1) as u8);
            AddressSpec::new(ifindex, IpAddr::V4(ip), 32)
        })
        .collect()
}

fn listed_v4(ns: &Netns, dev: &str) -> HashSet<String> {
    ns.ip(&["-4", "-o", "addr", "show", "dev", dev])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_string))
        .collect()
}

#[test]
fn thousand_vips_add_list_remove() {
    if !have_root("thousand_vips_add_list_remove") {
        return;
    }
    let ns = Netns::new("addr1k", "a");
    ns.local_link("d0", true);
    let ifindex = ns.ifindex("d0");
    let specs = thousand_vips(ifindex);

    let specs2 = specs.clone();
    let (report, listed, add_time) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let t = Instant::now();
        let report = nl.add_addresses(&specs2).await.expect("batch");
        let add_time = t.elapsed();
        let listed = nl.list_addresses(ifindex).await.expect("list");
        (report, listed, add_time)
    });
    eprintln!("add 1000 IPv4 VIPs (pipelined): {add_time:?}");
    assert_eq!(report.applied, 1000, "{:?}", report.failed.first());
    assert!(report.failed.is_empty());
    assert_eq!(listed.iter().filter(|a| a.addr.is_ipv4()).count(), 1000);

    // Cross-check with iproute2's view.
    let ip_view = listed_v4(&ns, "d0");
    for s in &specs {
        assert!(
            ip_view.contains(&format!("{}/32", s.addr)),
            "{} missing",
            s.addr
        );
    }

    // Idempotence: adding again is not an error and changes nothing.
    let specs3 = specs.clone();
    let again = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        nl.add_addresses(&specs3).await.expect("batch")
    });
    assert_eq!((again.applied, again.already), (0, 1000));

    let specs4 = specs.clone();
    let (removed, remove_time, removed_again) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let t = Instant::now();
        let r = nl.remove_addresses(&specs4).await.expect("batch");
        let remove_time = t.elapsed();
        let r2 = nl.remove_addresses(&specs4).await.expect("batch");
        (r, remove_time, r2)
    });
    eprintln!("remove 1000 IPv4 VIPs (pipelined): {remove_time:?}");
    assert_eq!(removed.applied, 1000);
    assert_eq!((removed_again.applied, removed_again.already), (0, 1000));
    assert!(listed_v4(&ns, "d0").is_empty());

    // For comparison: one request at a time, waiting for each ack.
    let specs5 = specs.clone();
    let serial = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let t = Instant::now();
        for s in &specs5 {
            nl.add_address(s).await.expect("add");
        }
        let serial = t.elapsed();
        nl.remove_addresses(&specs5).await.expect("cleanup");
        serial
    });
    eprintln!("add 1000 IPv4 VIPs (serial, one ack at a time): {serial:?}");
}

#[test]
fn address_options_and_single_idempotence() {
    if !have_root("address_options_and_single_idempotence") {
        return;
    }
    let ns = Netns::new("addropt", "a");
    ns.local_link("d1", true);
    let ifindex = ns.ifindex("d1");

    let mut v4 = AddressSpec::new(ifindex, "10.12.0.10".parse().expect("ip"), 24);
    v4.broadcast = Some(Ipv4Addr::new(10, 12, 0, 255));
    v4.label = Some("d1:vip".into());
    v4.scope = Scope::Site;
    v4.preferred_lft = Some(0);
    v4.noprefixroute = true;
    let mut v6 = AddressSpec::new(ifindex, "fd00:12::10".parse().expect("ip"), 64);
    v6.nodad = true;
    v6.home = true;

    let (a, b) = (v4.clone(), v6.clone());
    let entries = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        nl.add_address(&a).await.expect("add v4");
        nl.add_address(&a).await.expect("add v4 twice is fine");
        nl.add_address(&b).await.expect("add v6");
        nl.add_address(&b).await.expect("add v6 twice is fine");
        nl.list_addresses(ifindex).await.expect("list")
    });
    let e4 = entries
        .iter()
        .find(|e| e.addr == v4.addr)
        .expect("v4 listed");
    assert_eq!(e4.prefix_len, 24);
    assert_eq!(e4.label.as_deref(), Some("d1:vip"));
    assert_eq!(e4.scope, Scope::Site);
    assert!(
        e4.flags & 0x20 != 0,
        "deprecated flag expected: {:#x}",
        e4.flags
    );
    assert!(
        e4.flags & 0x200 != 0,
        "noprefixroute expected: {:#x}",
        e4.flags
    );
    let e6 = entries
        .iter()
        .find(|e| e.addr == v6.addr)
        .expect("v6 listed");
    assert!(
        e6.flags & 0x02 != 0 && e6.flags & 0x10 != 0,
        "nodad+home: {:#x}",
        e6.flags
    );

    let shown = ns.ip(&["addr", "show", "dev", "d1"]);
    assert!(
        shown.contains("inet 10.12.0.10/24 brd 10.12.0.255 scope site"),
        "{shown}"
    );
    assert!(shown.contains("d1:vip"), "{shown}");
    // noprefixroute: no connected route for 10.12.0.0/24.
    assert!(!ns.ip(&["route", "show"]).contains("10.12.0.0/24"));

    let (a, b) = (v4.clone(), v6.clone());
    let (ll, primary) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let primary = nl.primary_ipv4(ifindex).await.expect("primary");
        let ll = nl.link_local_ipv6(ifindex).await.expect("ll");
        nl.remove_address(&a).await.expect("remove v4");
        nl.remove_address(&a)
            .await
            .expect("remove v4 twice is fine");
        nl.remove_address(&b).await.expect("remove v6");
        nl.remove_address(&b)
            .await
            .expect("remove v6 twice is fine");
        (ll, primary)
    });
    assert_eq!(primary, Some(Ipv4Addr::new(10, 12, 0, 10)));
    assert!(
        ll.is_some_and(|a: Ipv6Addr| keepalived_net::ipv6_is_link_local(&a)),
        "{ll:?}"
    );
    assert!(!ns.ip(&["addr", "show", "dev", "d1"]).contains("10.12.0.10"));
}

#[test]
fn interface_lookup() {
    if !have_root("interface_lookup") {
        return;
    }
    let ns = Netns::new("iflookup", "a");
    ns.local_link("d2", false);
    ns.ip(&["link", "set", "d2", "mtu", "1400"]);
    let index = ns.ifindex("d2");
    let mac = ns.mac("d2");
    let (by_name, by_index, missing) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        (
            nl.link_by_name("d2").await.expect("by name"),
            nl.link_by_index(index).await.expect("by index"),
            nl.link_by_name("nope0").await.expect("missing is Ok(None)"),
        )
    });
    let l = by_name.expect("found");
    assert_eq!(by_index.as_ref(), Some(&l));
    assert_eq!(missing, None);
    assert_eq!(
        (l.index, l.name.as_str(), l.mtu, l.mac),
        (index, "d2", 1400, Some(mac))
    );
    assert_eq!(l.kind.as_deref(), Some("veth"));
    assert!(!l.admin_up);
}

/// A batch longer than one datagram whose 100th request names an interface that does not
/// exist: that request fails at its index, every other one is applied, and a second batch on
/// the same session still works.
#[test]
fn batch_reports_a_failed_request_at_its_index() {
    if !have_root("batch_reports_a_failed_request_at_its_index") {
        return;
    }
    let ns = Netns::new("addrfail", "a");
    ns.local_link("d2", true);
    let ifindex = ns.ifindex("d2");
    let mut specs: Vec<AddressSpec> = thousand_vips(ifindex).into_iter().take(300).collect();
    specs[99].ifindex = 9999;
    let (report, again) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let report = nl.add_addresses(&specs).await.expect("batch");
        let again = nl.remove_addresses(&specs).await.expect("batch");
        (report, again)
    });
    assert_eq!(report.applied, 299, "{:?}", report.failed);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, 99);
    assert!(
        report.failed[0].1.to_string().contains("No such device"),
        "{}",
        report.failed[0].1
    );
    assert_eq!((again.applied, again.failed.len()), (299, 1));
    assert!(listed_v4(&ns, "d2").is_empty());
}
