//! The checker's `nftables_ipvs` tables built over nf_tables netlink in a private namespace,
//! and `nft list ruleset` compared with what keepalived 2.2.7 builds for the same groups
//! (observed in the VM: tests/vm/nftables-ipvs.sh).

mod common;

use std::path::Path;

use common::{have_root, Netns};
use keepalived_net::firewall::{IpvsNftables, MarkedRange, NftConfig, L4};

/// keepalived 2.2.7 with `nftables_ipvs`, `nftables_ipvs_priority -50`,
/// `nftables_ipvs_start_fwmark 3000`: group GA (10.213.0.100 80, 10.213.0.110-119 8080) of a
/// TCP virtual server, group G6 (fd13:213::100 53) of a UDP one.
const KEEPALIVED_START: &str = "table ip keepalived_ipvs {
\tmap tcp_map {
\t\ttype ipv4_addr . inet_service : mark
\t\tflags interval
\t\telements = { 10.213.0.100 . 80 : 0x00000bb8,
\t\t\t     10.213.0.110-10.213.0.119 . 8080 : 0x00000bb8 }
\t}

\tchain in {
\t\ttype filter hook input priority -50; policy accept;
\t\tmeta mark set ip daddr . tcp dport map @tcp_map return
\t}
}
table ip6 keepalived_ipvs {
\tmap udp_map {
\t\ttype ipv6_addr . inet_service : mark
\t\tflags interval
\t\telements = { fd13:213::100 . 53 : 0x00000bb9 }
\t}

\tchain in {
\t\ttype filter hook input priority -50; policy accept;
\t\tmeta mark set ip6 daddr . udp dport map @udp_map return
\t}
}
";

fn member(l4: L4, first: &str, last: &str, port: u16, mark: u32) -> MarkedRange {
    MarkedRange {
        l4,
        first: first.parse().unwrap(),
        last: last.parse().unwrap(),
        port,
        mark,
    }
}

#[test]
fn ipvs_marks_built_changed_and_removed_as_keepalived() {
    let test = "ipvs_marks_built_changed_and_removed_as_keepalived";
    if !have_root(test) {
        return;
    }
    if !Path::new("/usr/sbin/nft").exists() {
        eprintln!("skipped: {test} needs nft (apt-get install nftables)");
        return;
    }
    let ns = Netns::with_prefix("kn", "nftipvs", "a");
    let start = vec![
        member(L4::Tcp, "10.213.0.100", "10.213.0.100", 80, 3000),
        member(L4::Tcp, "10.213.0.110", "10.213.0.119", 8080, 3000),
        member(L4::Udp, "fd13:213::100", "fd13:213::100", 53, 3001),
    ];
    let mut reloaded = start.clone();
    reloaded[1] = member(L4::Tcp, "10.213.0.101", "10.213.0.101", 80, 3000);
    let (tx, rx) = std::sync::mpsc::channel::<u8>();
    let (back_tx, back_rx) = std::sync::mpsc::channel::<()>();
    let path = format!("/run/netns/{}", ns.name);
    let handle = std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open netns");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let conf = NftConfig {
            table: "keepalived_ipvs".into(),
            priority: -50,
            counters: false,
        };
        let mut nft = IpvsNftables::open(conf).expect("nfnetlink");
        for step in rx {
            match step {
                0 => nft.sync(&start).expect("start"),
                1 => nft.sync(&reloaded).expect("reload"),
                _ => nft.cleanup().expect("cleanup"),
            }
            back_tx.send(()).unwrap();
        }
    });
    let step = |s| {
        tx.send(s).unwrap();
        back_rx.recv().expect("nftables thread alive");
    };
    let ruleset = || ns.exec(&["nft", "list", "ruleset"]);
    step(0);
    assert_eq!(ruleset(), KEEPALIVED_START);
    step(1);
    let want = KEEPALIVED_START.replace("10.213.0.110-10.213.0.119 . 8080", "10.213.0.101 . 80");
    assert_eq!(ruleset(), want);
    step(2);
    assert_eq!(ruleset(), "");
    drop(tx);
    handle.join().unwrap();
}

/// With `nftables_counters` keepalived adds a counter to the rule and to the map (its
/// elements count); the kernel takes both.
#[test]
fn ipvs_marks_with_counters() {
    let test = "ipvs_marks_with_counters";
    if !have_root(test) || !Path::new("/usr/sbin/nft").exists() {
        eprintln!("skipped: {test} needs root and nft");
        return;
    }
    let ns = Netns::with_prefix("kn", "nftipvsc", "a");
    let path = format!("/run/netns/{}", ns.name);
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open netns");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let conf = NftConfig {
            table: "kaipvs".into(),
            priority: -1,
            counters: true,
        };
        let mut nft = IpvsNftables::open(conf).expect("nfnetlink");
        let m = member(L4::Sctp, "10.213.0.1", "10.213.0.1", 9, 1000);
        nft.sync(&[m]).expect("with counters");
    })
    .join()
    .unwrap();
    let listed = ns.exec(&["nft", "list", "ruleset"]);
    assert!(listed.contains("map sctp_map"), "{listed}");
    assert!(listed.contains("counter"), "{listed}");
    assert!(
        listed.contains("sctp dport map @sctp_map counter"),
        "{listed}"
    );
    assert!(listed.contains("priority filter - 1"), "{listed}");
}
