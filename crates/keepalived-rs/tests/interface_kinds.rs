//! Interface kinds and interface-level keywords beside the real keepalived 2.2.7 in network
//! namespaces (prefix k13i, 10.85.0.0/16): `use_vmac_addr` with `vmac_addr_prefix` (a VMAC
//! of its own for an address on another interface), `garp_extra_if` (a MASTER's periodic
//! gratuitous ARP there, measured on the wire; its global default `vrrp_garp_extra_if` in
//! namespaces kv-*, 10.216.0.0/24), `old_unicast_checksum` (`vrf` and
//! `use_ipvlan`: tests/vm/in_vm/vrf_ipvlan.rs, in the VM). Needs root and /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// An instance on eth0 whose second VIP is on eth1; `use_vmac_addr` puts it on a VMAC of its
/// own there (named from `vmac_addr_prefix`), `garp_extra_if 2` refreshes it as MASTER;
/// with `nftables` keepalived lists that VMAC in its `vmac_map`.
fn extra_vmac_conf(net: &str, net1: &str) -> String {
    format!(
        "global_defs {{\n    router_id k13i\n    vmac_addr_prefix kx\n    nftables\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    state MASTER\n    \
         virtual_router_id 7\n    priority 150\n    advert_int 1\n    use_vmac_addr\n    \
         garp_extra_if 2\n    virtual_ipaddress {{\n        {net}.100/24\n        \
         {net1}.100/24 dev eth1\n    }}\n}}\n"
    )
}

/// What a user sees of one run: the interfaces and addresses while MASTER, the ARP frames on
/// eth1's wire (source MAC, what they announce, and the gaps in whole seconds between
/// rounds), whether the instance went to FAULT when the VMAC went down, and the interfaces
/// left after stop.
#[derive(Debug, PartialEq)]
struct ExtraVmacRun {
    running: Vec<String>,
    ruleset: Vec<String>,
    fault_when_vmac_down: bool,
    arps: Vec<String>,
    gaps: Vec<u64>,
    stopped: Vec<String>,
}

/// The macvlans of router `o` (name, MAC) and the addresses of each (IPv4).
fn macvlans_and_addresses(lab: &BridgeLab) -> Vec<String> {
    let ns = lab.ns("o");
    let links = ip(&["-n", &ns, "-o", "-d", "link", "show", "type", "macvlan"]);
    let mut out: Vec<String> = links
        .lines()
        .filter_map(|l| {
            let name = l.split(": ").nth(1)?.split('@').collect::<Vec<_>>();
            let mac = l.split("link/ether ").nth(1)?.split(' ').next()?;
            let mode = l.split("macvlan mode ").nth(1)?.split(' ').next()?;
            Some(format!("{}@{} {mac} {mode}", name[0], name.get(1)?))
        })
        .collect();
    let addrs = ip(&["-n", &ns, "-o", "-4", "addr", "show"]);
    out.extend(addrs.lines().filter_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let (dev, addr) = (f.get(1)?, f.get(3)?);
        (*dev != "lo").then(|| format!("{dev} {addr}"))
    }));
    out.sort();
    out
}

/// Runs `binary` on [`extra_vmac_conf`] in a fresh lab whose router `o` has a second
/// interface eth1 (its wire ends in `x1` of the switch namespace, where tcpdump listens).
fn extra_vmac_run(name: &str, net: &str, net1: &str, binary: &str) -> ExtraVmacRun {
    let mut lab = BridgeLab::prefixed("k13i", name, net);
    let (o, s) = (lab.ns("o"), lab.ns("s"));
    ip(&[
        "-n", &s, "link", "add", "x1", "type", "veth", "peer", "name", "eth1", "netns", &o,
    ]);
    ip(&["-n", &s, "link", "set", "x1", "up"]);
    ip(&[
        "-n",
        &o,
        "addr",
        "add",
        &format!("{net1}.1/24"),
        "dev",
        "eth1",
    ]);
    ip(&["-n", &o, "link", "set", "eth1", "up"]);
    let arp_log = capture_arp(&mut lab);
    let read = || std::fs::read_to_string(&arp_log).unwrap_or_default();
    lab.start("o", binary, &extra_vmac_conf(net, net1));
    let vip = format!("{net1}.100");
    lab.wait(
        "the first GARP on eth1",
        Duration::from_secs(10),
        || read().contains(&format!("tell {vip}")),
        || None,
    );
    // The burst, then the rounds of garp_extra_if at +2 s and +4 s (the second burst of
    // garp_master_delay comes at +5 s).
    std::thread::sleep(Duration::from_millis(4600));
    let running = macvlans_and_addresses(&lab);
    let nft = std::process::Command::new("ip")
        .args(["netns", "exec", &o, "nft", "list", "ruleset"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let ruleset = nft.lines().map(|l| l.trim().to_owned()).collect();
    // keepalived tracks the interface of each address (TRACK_ADDR): the VMAC down is FAULT.
    ip(&["-n", &o, "link", "set", "kx.7", "down"]);
    let own_vip = format!("{net}.100");
    lab.wait(
        "the VIPs released",
        Duration::from_secs(5),
        || !lab.holds("o", &own_vip),
        || None,
    );
    let log = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    let fault_when_vmac_down = log.contains("(VI_1) Entering FAULT STATE");
    lab.terminate("o");
    assert!(
        lab.wait_exit("o", Duration::from_secs(10)),
        "{binary} did not stop"
    );
    let stopped = macvlans_and_addresses(&lab);
    let (arps, gaps) = arp_rounds(&read(), None);
    ExtraVmacRun {
        running,
        ruleset,
        fault_when_vmac_down,
        arps,
        gaps,
        stopped,
    }
}

/// `use_vmac_addr`: keepalived puts the VIP that is on eth1 on a VMAC of its own there
/// (`kx.7` from `vmac_addr_prefix`, MAC 00:00:5e:00:01:07, mode private), announces it from
/// that MAC, refreshes it every 2 s as MASTER (`garp_extra_if 2`: one GARP per round) and
/// goes to FAULT when that VMAC goes down, and removes it at stop. Ours the same, on the
/// wire.
#[test]
fn use_vmac_addr_and_garp_extra_if_beside_keepalived() {
    if !runnable("use_vmac_addr_and_garp_extra_if_beside_keepalived") {
        return;
    }
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| extra_vmac_run("xk", "10.85.1", "10.85.2", KEEPALIVED));
        let ours = s.spawn(|| extra_vmac_run("xo", "10.85.3", "10.85.4", OURS));
        (
            ka.join().expect("keepalived lab"),
            ours.join().expect("ours lab"),
        )
    });
    // Ours ran in 10.85.3/10.85.4: the same lines in keepalived's subnets.
    let same = |v: &[String]| -> Vec<String> {
        let to_ka = |l: &String| {
            l.replace("10.85.3.", "10.85.1.")
                .replace("10.85.4.", "10.85.2.")
        };
        v.iter().map(to_ka).collect()
    };
    let ours_in_ka_terms = ExtraVmacRun {
        running: same(&ours.running),
        arps: same(&ours.arps),
        stopped: same(&ours.stopped),
        ..ours
    };
    assert_eq!(ours_in_ka_terms, ka, "ours vs keepalived");
    assert!(
        ka.running
            .iter()
            .any(|l| l == "kx.7@eth1 00:00:5e:00:01:07 private"),
        "{ka:?}"
    );
    assert!(
        ka.running.iter().any(|l| l == "kx.7 10.85.2.100/24"),
        "{ka:?}"
    );
    assert_eq!(
        ka.gaps,
        [2, 2],
        "keepalived: burst, then a GARP every 2 s: {ka:?}"
    );
    assert!(ka.fault_when_vmac_down, "{ka:?}");
    let listed = r#"elements = { "kx.7" : "eth1" }"#;
    assert!(ka.ruleset.iter().any(|l| l == listed), "{ka:?}");
    assert!(ka.stopped.iter().all(|l| !l.starts_with("kx.7")), "{ka:?}");
}

/// One unicast VRRPv3 instance on router `host` of 10.85.`net`.0/24 with the other router as
/// its peer.
fn unicast_conf(net: u8, host: u8, priority: u8, extra: &str) -> String {
    let peer = 3 - host;
    format!(
        "global_defs {{\n    router_id u{host}\n    vrrp_garp_master_delay 0\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 9\n    \
         priority {priority}\n    version 3\n    advert_int 0.5\n{extra}\n    \
         unicast_peer {{\n        10.85.{net}.{peer}\n    }}\n    \
         virtual_ipaddress {{\n        10.85.{net}.100/24\n    }}\n}}\n"
    )
}

/// `old_unicast_checksum`: the VRRPv3 checksum of unicast adverts covers the multicast group
/// as the pseudo-header's destination. keepalived without the keyword, hearing such adverts,
/// switches to that checksum ("Setting unicast VRRPv3 checksum to old version") and stays
/// BACKUP behind our MASTER; and ours without it behind keepalived's MASTER with it.
#[test]
fn old_unicast_checksum_is_taken_up_by_the_peer_beside_keepalived() {
    if !runnable("old_unicast_checksum_is_taken_up_by_the_peer_beside_keepalived") {
        return;
    }
    std::thread::scope(|s| {
        let a = s.spawn(|| old_checksum_case(5, OURS, KEEPALIVED));
        let b = s.spawn(|| old_checksum_case(6, KEEPALIVED, OURS));
        a.join().expect("ours with old_unicast_checksum");
        b.join().expect("keepalived with old_unicast_checksum");
    });
}

/// `master` (router t, priority 200, `old_unicast_checksum`) and `backup` (router o, 100,
/// without): the backup must stay BACKUP and must have switched.
fn old_checksum_case(net: u8, master: &str, backup: &str) {
    let mut lab = BridgeLab::prefixed("k13i", &format!("csum{net}"), &format!("10.85.{net}"));
    lab.start(
        "t",
        master,
        &unicast_conf(net, 2, 200, "    old_unicast_checksum"),
    );
    let vip = format!("10.85.{net}.100");
    lab.wait(
        "the MASTER",
        Duration::from_secs(8),
        || lab.holds("t", &vip),
        || None,
    );
    lab.start("o", backup, &unicast_conf(net, 1, 100, ""));
    let log = lab.dir().join("o.log");
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    lab.wait(
        "the backup's switch to the old checksum",
        Duration::from_secs(8),
        || said().contains("Setting unicast VRRPv3 checksum to old version"),
        || None,
    );
    lab.stays("the backup stays BACKUP", Duration::from_secs(2), || {
        !lab.holds("o", &vip) && lab.holds("t", &vip)
    });
}

/// Issue 13's GARP lab (namespaces `kv-*`, 10.216.0.0/24): router o's instance VI_1 on eth0
/// holds 10.216.0.100/24 there and 10.216.0.200/25 on eth1 (10.216.0.129/25; its wire ends
/// in `x1` of the switch namespace, where tcpdump listens), on a VMAC of its own with
/// `vmac`. `global` goes into global_defs, `inst` into the instance.
fn extra_if_conf(global: &str, inst: &str, vmac: bool) -> String {
    let vmac = if vmac { "    use_vmac_addr\n" } else { "" };
    format!(
        "global_defs {{\n    router_id kv\n    vmac_addr_prefix kx\n{global}\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    state MASTER\n    \
         virtual_router_id 7\n    priority 150\n    advert_int 1\n{vmac}{inst}\n    \
         virtual_ipaddress {{\n        10.216.0.100/24\n        \
         10.216.0.200/25 dev eth1\n    }}\n}}\n"
    )
}

/// What one run shows: the ARP frames on eth1's wire in the first 4.5 s as MASTER (the
/// source MAC, `eth1` for eth1's own, and what they announce), the gaps in whole seconds
/// between their rounds, and the global line of the `-d` dump.
type ExtraIfRun = (Vec<String>, Vec<u64>, String);

fn extra_if_rounds(name: &str, binary: &str, conf: &str) -> ExtraIfRun {
    let mut lab = BridgeLab::prefixed("kv", name, "10.216.0");
    let (o, s) = (lab.ns("o"), lab.ns("s"));
    ip(&[
        "-n", &s, "link", "add", "x1", "type", "veth", "peer", "name", "eth1", "netns", &o,
    ]);
    ip(&["-n", &s, "link", "set", "x1", "up"]);
    ip(&["-n", &o, "addr", "add", "10.216.0.129/25", "dev", "eth1"]);
    ip(&["-n", &o, "link", "set", "eth1", "up"]);
    let eth1 = ip(&["-n", &o, "-o", "link", "show", "eth1"]);
    let eth1_mac = eth1
        .split("link/ether ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or("?")
        .to_owned();
    let arp_log = capture_arp(&mut lab);
    let read = || std::fs::read_to_string(&arp_log).unwrap_or_default();
    lab.start_with("o", binary, conf, &["-d"]);
    lab.wait(
        "the first GARP on eth1",
        Duration::from_secs(10),
        || read().contains("tell 10.216.0.200"),
        || None,
    );
    let log = std::fs::read_to_string(lab.dir().join("o.log")).unwrap_or_default();
    let dumped = (log.lines())
        .find_map(|l| l.split_once(" Gratuitous ARP for each secondary"))
        .map_or_else(String::new, |(_, rest)| rest.to_owned());
    // The burst, then any rounds at +2 s and +4 s (the second burst of garp_master_delay
    // comes at +5 s).
    std::thread::sleep(Duration::from_millis(4600));
    lab.terminate("o");
    assert!(
        lab.wait_exit("o", Duration::from_secs(10)),
        "{binary} did not stop"
    );
    let (arps, gaps) = arp_rounds(&read(), Some(&eth1_mac));
    (arps, gaps, dumped)
}

/// Starts tcpdump on the bridge port x1 (eth1's wire) in namespace `s`; returns the path of
/// its output once it listens.
fn capture_arp(lab: &mut BridgeLab) -> std::path::PathBuf {
    lab.spawn(
        "s",
        "arp",
        "tcpdump",
        &["-l", "-n", "-e", "-tt", "-i", "x1", "arp"],
    );
    let arp_log = lab.dir().join("arp.log");
    let read = || std::fs::read_to_string(&arp_log).unwrap_or_default();
    lab.wait(
        "tcpdump",
        Duration::from_secs(10),
        || read().contains("listening on"),
        || None,
    );
    arp_log
}

/// From tcpdump's `-e` lines: the gratuitous ARPs of the first 4.5 s ("MAC who-has ...",
/// `eth1_mac` written `eth1`) and the gaps in seconds between their rounds (frames within
/// 50 ms belong to one burst).
fn arp_rounds(capture: &str, eth1_mac: Option<&str>) -> (Vec<String>, Vec<u64>) {
    let frames: Vec<(f64, String)> = capture
        .lines()
        .filter(|l| l.contains("who-has"))
        .filter_map(|l| {
            let t: f64 = l.split_whitespace().next()?.parse().ok()?;
            let mac = l.split_whitespace().nth(1)?;
            let mac = if Some(mac) == eth1_mac { "eth1" } else { mac };
            let what = l.split("Request ").nth(1)?.split(',').next()?;
            Some((t, format!("{mac} {what}")))
        })
        .collect();
    let first = frames.first().map_or(0.0, |f| f.0);
    let window: Vec<&(f64, String)> = frames.iter().filter(|f| f.0 < first + 4.5).collect();
    let mut rounds: Vec<f64> = Vec::new();
    for (t, _) in &window {
        if rounds.last().map_or(true, |r| t - r > 0.05) {
            rounds.push(*t);
        }
    }
    let gaps = rounds
        .windows(2)
        .map(|w| (w[1] - w[0]).round() as u64)
        .collect();
    (window.iter().map(|f| f.1.clone()).collect(), gaps)
}

/// global_defs `vrrp_garp_extra_if` and its deprecated name `vrrp_vmac_garp_intvl`: the
/// default of every instance's `garp_extra_if`. A MASTER whose address is on a VMAC of its
/// own (use_vmac_addr) refreshes it every 2 s with `vrrp_garp_extra_if 2`; the instance's
/// `garp_extra_if 2` wins over a global 1; without a VMAC only `all` sends the rounds on the
/// other interface (from its own MAC), and without `all` nothing follows the burst. Ours
/// beside keepalived 2.2.7, on the wire (rounds counted, gaps rounded to whole seconds).
#[test]
fn vrrp_garp_extra_if_is_the_default_of_garp_extra_if_beside_keepalived() {
    if !runnable("vrrp_garp_extra_if_is_the_default_of_garp_extra_if_beside_keepalived") {
        return;
    }
    let vmac_garp = "00:00:5e:00:01:07 who-has 10.216.0.200 (ff:ff:ff:ff:ff:ff) tell 10.216.0.200";
    let own_garp = "eth1 who-has 10.216.0.200 (ff:ff:ff:ff:ff:ff) tell 10.216.0.200";
    // (name, global_defs line, instance line, VMAC, the gaps keepalived shows, its frame)
    // (name, global_defs line, instance line, VMAC, the gaps keepalived shows, its frame,
    // its -d line)
    type Case<'a> = (&'a str, &'a str, &'a str, bool, &'a [u64], &'a str, &'a str);
    let cases: [Case; 4] = [
        (
            "g",
            "    vrrp_garp_extra_if 2",
            "",
            true,
            &[2, 2],
            vmac_garp,
            " VMAC = 2s",
        ),
        (
            "i",
            "    vrrp_garp_extra_if 1",
            "    garp_extra_if 2",
            true,
            &[2, 2],
            vmac_garp,
            " VMAC = 1s",
        ),
        (
            "a",
            "    vrrp_vmac_garp_intvl 2 all",
            "",
            false,
            &[2, 2],
            own_garp,
            " i/f = 2s",
        ),
        (
            "n",
            "    vrrp_garp_extra_if 2",
            "",
            false,
            &[],
            own_garp,
            " VMAC = 2s",
        ),
    ];
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(name, global, inst, vmac, ..)| {
                let conf = extra_if_conf(global, inst, *vmac);
                let c = conf.clone();
                let ka = s.spawn(move || extra_if_rounds(&format!("e{name}k"), KEEPALIVED, &c));
                let ours = s.spawn(move || extra_if_rounds(&format!("e{name}o"), OURS, &conf));
                (ka, ours)
            })
            .collect();
        (handles.into_iter())
            .map(|(ka, ours)| {
                (
                    ka.join().expect("keepalived lab"),
                    ours.join().expect("ours lab"),
                )
            })
            .collect()
    });
    for ((name, ..), (ka, ours)) in cases.iter().zip(&runs) {
        eprintln!("{name}: keepalived {ka:?}\n{name}: ours {ours:?}");
    }
    for ((name, global, inst, _, gaps, frame, dumped), (ka, ours)) in cases.iter().zip(&runs) {
        assert_eq!(ours, ka, "{global:?} {inst:?}: ours vs keepalived");
        assert_eq!(&ka.1[..], *gaps, "{global:?} {inst:?}: keepalived {ka:?}");
        assert!(ka.0.iter().all(|f| f == frame), "{name}: {ka:?}");
        assert_eq!(ka.2, *dumped, "{name}: keepalived's -d");
    }
}
