//! IPVS for real, in a QEMU VM whose Debian kernel has ip_vs (the build machine's may not):
//! tests/vm/run.sh boots it over this machine's filesystem and tests/vm/ipvs-compare.sh
//! programs tests/vm/lvs.conf (TCP and UDP services, a firewall mark, rr/wlc/wrr/lc/sh with
//! flags, persistence, NAT/DR/TUN real servers with weights, inhibit_on_failure, a sorry
//! server, failing TCP_CHECKs, alpha) with keepalived 2.2.7 and then with ours. The tables
//! (`ipvsadm -Ln --tun-info`) must be identical; stopping ours must remove its services, -I
//! must keep them, and a start over a kept, drifted table must converge on the configuration
//! and leave a foreign service alone. Skips, visibly, without QEMU, the Debian kernel,
//! busybox-static, cpio, ipvsadm or keepalived.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

/// The table lines of each "=== NAME" section (not of the "log ..." ones).
fn sections(out: &str) -> BTreeMap<String, Vec<String>> {
    let is_table = |line: &String| {
        [
            "TCP ",
            "UDP ",
            "SCTP ",
            "FWM ",
            "  -> ",
            "master sync daemon",
            "backup sync daemon",
        ]
        .iter()
        .any(|p| line.starts_with(p))
    };
    vm::sections(out)
        .into_iter()
        .map(|(name, lines)| {
            let keep = if name.starts_with("log ") {
                Vec::new()
            } else {
                lines.into_iter().filter(is_table).collect()
            };
            (name, keep)
        })
        .collect()
}

#[test]
fn ours_programs_the_same_ipvs_table_as_keepalived() {
    if let Some(why) = vm::missing(&["/usr/sbin/ipvsadm", "/usr/sbin/keepalived"]) {
        vm::skip("ipvs_vm", &why);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let started = std::time::Instant::now();
    let out = vm::run_script(&repo, "ipvs-compare.sh", Path::new(OURS), &[], 600);
    let text = out.text;
    let s = sections(&text);
    let get = |k: &str| -> Vec<String> {
        s.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no section {k} (rc {:?}):\n{text}", out.code))
    };
    let theirs = get("keepalived");
    let _ = writeln!(
        std::io::stderr(),
        "ipvs_vm: {:.0?} in the VM; keepalived 2.2.7's table:\n{}\nours:\n{}",
        started.elapsed(),
        theirs.join("\n"),
        get("ours").join("\n")
    );
    // The configuration's features are there, so equality means something.
    let all = theirs.join("\n");
    for want in [
        "TCP  10.200.0.10:80 rr",
        "-> 10.201.0.3:8080              Masq    n/a           0", // inhibited
        "-> 10.201.0.9:8080",                                      // sorry server
        "wlc persistent 600 mask 255.255.255.0",
        "sh (sh-fallback,sh-port)",
        "gue:6080",
        "FWM  7 lc persistent 50",
        "-> 10.201.0.2:0                 Route",
    ] {
        assert!(
            all.contains(want),
            "{want:?} not in keepalived's table:\n{text}"
        );
    }
    assert!(!all.contains("10.201.0.4"), "failed server kept:\n{text}");
    assert_eq!(get("ours"), theirs, "ours differs from keepalived:\n{text}");
    assert!(get("keepalived after stop").is_empty(), "{text}");
    assert!(
        get("ours after stop").is_empty(),
        "ours left services:\n{text}"
    );
    assert_eq!(get("ours-I"), theirs, "{text}");
    assert_eq!(
        get("ours-I after stop"),
        theirs,
        "-I removed services:\n{text}"
    );
    let drifted = get("drifted");
    assert!(drifted.iter().any(|l| l.contains("10.201.0.99")), "{text}");
    let foreign: Vec<String> = drifted
        .iter()
        .filter(|l| l.starts_with("TCP  10.200.0.99:80"))
        .cloned()
        .collect();
    assert_eq!(foreign.len(), 1, "{text}");
    let mut expected: Vec<String> = theirs.clone();
    let at = expected
        .iter()
        .position(|l| l.starts_with("UDP") || l.starts_with("FWM"))
        .unwrap_or(expected.len());
    expected.insert(at, foreign[0].clone());
    assert_eq!(get("ours-over-kept"), expected, "did not converge:\n{text}");
    assert_eq!(get("ours-over-kept after stop"), foreign, "{text}");
    // lvs_sync_daemon: the same sync daemon (master once VI_1 is MASTER), stopped at exit.
    let syncd = get("syncd-keepalived");
    assert!(
        syncd
            .iter()
            .any(|l| l.starts_with("master sync daemon (mcast=lb, syncid=42")),
        "{text}"
    );
    assert_eq!(get("syncd-ours"), syncd, "{text}");
    assert!(get("syncd-ours after stop").is_empty(), "{text}");
    assert!(s.contains_key("end"), "{text}");
}
