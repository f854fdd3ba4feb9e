//! keepalived's nftables firewall built over nf_tables netlink in a private namespace, and
//! `nft list ruleset` compared with what keepalived 2.2.7 builds for the same VIPs.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{have_root, Netns};
use keepalived_net::firewall::{Blocked, Family, NftConfig, Nftables, Vmac};

fn have_nft(test: &str) -> bool {
    if !have_root(test) {
        return false;
    }
    if !Path::new("/usr/sbin/nft").exists() {
        eprintln!("skipped: {test} needs nft (apt-get install nftables)");
        return false;
    }
    true
}

/// What keepalived 2.2.7 lists as MASTER of 10.72.1.100 (+ excluded 10.72.2.100),
/// fd72::100 and fe80::72:100 on eth0 with vrrp_strict (observed).
const KEEPALIVED_MASTER: &str = r#"table ip keepalived {
	set vips {
		type ipv4_addr
		elements = { 10.72.1.100, 10.72.2.100 }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		ip saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		ip daddr @vips drop
	}
}
table ip6 keepalived {
	set vips {
		type ipv6_addr
		elements = { fd72::100 }
	}

	set neighbor-discovery {
		type icmpv6_type
		flags constant
		elements = { nd-neighbor-solicit,
			     nd-neighbor-advert }
	}

	set vips_link_local {
		type ipv6_addr . iface_index
		elements = { fe80::72:100 . "eth0" }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 saddr fe80::/10 goto out_link_local
		ip6 saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 daddr fe80::/10 goto in_link_local
		ip6 daddr @vips drop
	}

	chain in_link_local {
		ip6 daddr . iif @vips_link_local drop
	}

	chain out_link_local {
		ip6 saddr . oif @vips_link_local drop
	}
}
"#;

fn ruleset(ns: &Netns) -> String {
    ns.exec(&["nft", "list", "ruleset"])
}

fn master_vips(ifindex: u32) -> BTreeSet<Blocked> {
    [
        Blocked::V4("10.72.1.100".parse().unwrap()),
        Blocked::V4("10.72.2.100".parse().unwrap()),
        Blocked::V6("fd72::100".parse().unwrap()),
        Blocked::V6LinkLocal {
            addr: "fe80::72:100".parse().unwrap(),
            ifindex,
        },
    ]
    .into_iter()
    .collect()
}

#[test]
fn keepalived_layout_built_and_removed() {
    if !have_nft("keepalived_layout_built_and_removed") {
        return;
    }
    let ns = Netns::with_prefix("kr-fw", "layout", "a");
    ns.local_link("eth0", true);
    let ifindex = ns.ifindex("eth0");
    // A table left over by an earlier run is replaced, as keepalived does.
    ns.exec(&["nft", "add", "table", "ip", "keepalived"]);
    ns.exec(&["nft", "add", "chain", "ip", "keepalived", "stale"]);
    let (tx, rx) = std::sync::mpsc::channel::<&'static str>();
    let (back_tx, back_rx) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn({
        let path = format!("/run/netns/{}", ns.name);
        move || {
            let file = std::fs::File::open(&path).expect("open netns");
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
            let mut fw = Nftables::open(NftConfig::default()).expect("nfnetlink");
            let all = master_vips(ifindex);
            for step in rx {
                match step {
                    "master" => fw.sync(&all).expect("add"),
                    "backup" => fw.sync(&BTreeSet::new()).expect("remove"),
                    "again" => fw
                        .add(&all.iter().cloned().collect::<Vec<_>>())
                        .expect("re-add"),
                    _ => fw.cleanup().expect("cleanup"),
                }
                back_tx.send(()).unwrap();
            }
        }
    });
    let step = |s| {
        tx.send(s).unwrap();
        back_rx.recv().expect("firewall thread alive");
    };
    step("master");
    assert_eq!(ruleset(&ns), KEEPALIVED_MASTER);
    step("backup");
    let backup = ruleset(&ns);
    assert!(!backup.contains("elements = { 10.72"), "{backup}");
    assert!(backup.contains("set vips_link_local {"), "{backup}");
    assert!(backup.contains("nd-neighbor-solicit"), "{backup}");
    step("again");
    assert_eq!(ruleset(&ns), KEEPALIVED_MASTER);
    step("stop");
    assert_eq!(ruleset(&ns), "");
    drop(tx);
    handle.join().unwrap();
}

#[test]
fn counters_priority_and_interface_names() {
    if !have_nft("counters_priority_and_interface_names") {
        return;
    }
    let ns = Netns::with_prefix("kr-fw", "opts", "a");
    ns.local_link("eth0", true);
    let name = ns.name.clone();
    let path = format!("/run/netns/{name}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open netns");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let conf = NftConfig {
            table: "kamy".into(),
            priority: -5,
            counters: true,
        };
        let mut fw = Nftables::open(conf).expect("nfnetlink");
        fw.add(&[
            Blocked::V4("10.72.1.100".parse().unwrap()),
            Blocked::V6LinkLocalName {
                addr: "fe80::72:100".parse().unwrap(),
                ifname: "eth0".into(),
            },
        ])
        .expect("add");
    })
    .join()
    .unwrap();
    let text = ruleset(&ns);
    // As keepalived 2.2.7 lists it with nftables kamy, nftables_priority -5,
    // nftables_counters and dont_track_primary.
    for want in [
        "table ip kamy {",
        "type filter hook input priority filter - 5; policy accept;",
        "ip daddr @vips counter packets 0 bytes 0 drop",
        "set vips_link_local_name {\n\t\ttype ipv6_addr . ifname\n\t\telements = { fe80::72:100 . \"eth0\" }",
        "ip6 daddr . iifname @vips_link_local_name counter packets 0 bytes 0 drop",
        "ip6 saddr . oifname @vips_link_local_name counter packets 0 bytes 0 drop",
        "icmpv6 type @neighbor-discovery counter packets 0 bytes 0 accept",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // The socket is gone with the thread: the tables stay until someone deletes them,
    // as keepalived's do after a crash.
    ns.exec(&["nft", "delete", "table", "ip", "kamy"]);
    ns.exec(&["nft", "delete", "table", "ip6", "kamy"]);
}

/// What keepalived 2.2.7 lists for `use_vmac` (VMAC vrrp.51 on eth0), accept mode.
const KEEPALIVED_VMAC: &str = r#"table ip keepalived {
	map vmac_map {
		type iface_index : iface_index
		elements = { "vrrp.51" : "eth0" }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop
	}
}
"#;

#[test]
fn vmac_map_as_keepalived() {
    if !have_nft("vmac_map_as_keepalived") {
        return;
    }
    let ns = Netns::with_prefix("kr-fw", "vmac", "a");
    ns.local_link("eth0", true);
    ns.ip(&[
        "link", "add", "link", "eth0", "name", "vrrp.51", "type", "macvlan", "mode", "private",
    ]);
    let (base, vmac) = (ns.ifindex("eth0"), ns.ifindex("vrrp.51"));
    let path = format!("/run/netns/{}", ns.name);
    let v4 = Vmac {
        family: Family::Ip,
        ifindex: vmac,
        base,
    };
    let v6 = Vmac {
        family: Family::Ip6,
        ..v4
    };
    let (tx, rx) = std::sync::mpsc::channel::<u8>();
    let (back_tx, back_rx) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open netns");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let mut fw = Nftables::open(NftConfig::default()).expect("nfnetlink");
        for step in rx {
            match step {
                0 => fw.sync_vmacs(&[v4].into()).expect("vmac"),
                1 => fw.sync_vmacs(&[v4, v6].into()).expect("vmac ip6"),
                2 => fw.sync_vmacs(&BTreeSet::new()).expect("vmac removed"),
                _ => fw.cleanup().expect("cleanup"),
            }
            back_tx.send(()).unwrap();
        }
    });
    let step = |s| {
        tx.send(s).unwrap();
        back_rx.recv().expect("firewall thread alive");
    };
    step(0);
    assert_eq!(ruleset(&ns), KEEPALIVED_VMAC);
    step(1);
    let text = ruleset(&ns);
    for want in [
        "set vmac_set {\n\t\ttype iface_index\n\t\telements = { \"vrrp.51\" }",
        "icmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map drop",
        "icmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set drop",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    step(2);
    assert!(!ruleset(&ns).contains("elements"));
    step(3);
    assert_eq!(ruleset(&ns), "");
    drop(tx);
    handle.join().unwrap();
}
