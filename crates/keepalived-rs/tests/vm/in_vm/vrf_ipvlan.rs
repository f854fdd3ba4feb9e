//! `vrf` and `use_ipvlan` for real, in the QEMU VM of tests/vm (this host's kernel has neither
//! vrf nor ipvlan), in one boot: tests/vm/vrf-ipvlan.sh runs keepalived 2.2.7 and then ours
//! beside a keepalived 2.2.7 peer. Ours' unicast instance without interface in VRF blue
//! (keepalived 2.2.7 runs none, its issue #2270) becomes MASTER beside the peer and hands
//! over when stopped; ours' `use_ipvlan ipvl51 10.232.3.11/24 private` makes the same ipvlan
//! (`ip -d link`) and the same addresses (`ip addr`: the address on the ipvlan, the VIP on
//! the base interface) as keepalived's, its adverts keep the peer BACKUP, and the ipvlan is
//! gone after the stop. Skips, visibly, without QEMU, the Debian kernel, busybox-static,
//! cpio or keepalived.

use std::io::Write;
use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

#[test]
fn vrf_and_use_ipvlan_beside_keepalived_in_the_vm() {
    if let Some(why) = vm::missing(&["/usr/sbin/keepalived"]) {
        vm::skip("vrf_ipvlan_vm", &why);
        return;
    }
    let started = std::time::Instant::now();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vm::run_script(&repo, "vrf-ipvlan.sh", Path::new(OURS), &[], 300);
    let (text, rc) = (out.text, out.code);
    let s = vm::sections(&text);
    let get = |k: &str| -> Vec<String> {
        s.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no section {k} (rc {rc:?}):\n{text}"))
    };
    let has = |k: &str, line: &str| get(k).iter().any(|l| l.starts_with(line));
    let _ = writeln!(
        std::io::stderr(),
        "vrf_ipvlan_vm: {:.0?} in the VM; ours' sockets:\n{}",
        started.elapsed(),
        get("vrf sockets").join("\n")
    );
    assert!(
        has("keepalived", "ok: keepalived MASTER of the ipvlan instance"),
        "{text}"
    );
    assert!(
        has("keepalived", "ok: keepalived still the only MASTER"),
        "{text}"
    );
    assert!(
        has("ours", "ok: ours MASTER of both (VRF blue and ipvlan)"),
        "{text}"
    );
    assert!(has("ours", "ok: ours still the only MASTER"), "{text}");
    assert!(
        has("after keepalived stops", "ok: the peer takes over"),
        "{text}"
    );
    assert!(
        has("after ours stops", "ok: the peer takes both over"),
        "{text}"
    );

    let theirs = get("ipvlan links keepalived");
    assert!(
        theirs
            .iter()
            .any(|l| l.starts_with("ipvl51@vc:") && l.contains("ipvlan  mode l2 private")),
        "no ipvlan in keepalived's run:\n{text}"
    );
    assert_eq!(get("ipvlan links ours"), theirs, "{text}");
    let addrs = get("ipvlan addresses keepalived");
    for want in [
        "ipvl51 10.232.3.11/24 scope global ipvl51",
        "vc 10.232.3.100/24",
    ] {
        assert!(
            addrs.iter().any(|l| l.starts_with(want)),
            "{want:?} not in keepalived's addresses:\n{text}"
        );
    }
    assert_eq!(get("ipvlan addresses ours"), addrs, "{text}");
    // The data dumps: the same interface lines for the ipvlan instance; the VRF one has none.
    let dump = get("dump IPVLAN keepalived");
    assert!(
        dump.iter().any(|l| {
            l
            == "   Use IPVLAN, i/f ipvl51, is_up = true, i/f address = 10.232.3.11/24, type private"
        }),
        "{text}"
    );
    assert_eq!(get("dump IPVLAN ours"), dump, "{text}");
    let vrf = get("dump VRF ours");
    for want in [
        "   Interface = not configured",
        "   VRF = blue",
        "   State = MASTER",
    ] {
        assert!(
            vrf.iter().any(|l| l == want),
            "{want:?} not in ours' dump:\n{text}"
        );
    }
    for who in ["keepalived", "ours"] {
        let after = get(&format!("ipvlan links after {who} stops"));
        assert!(
            after.iter().all(|l| !l.starts_with("ipvl51")),
            "{who} left its ipvlan:\n{text}"
        );
    }
}
