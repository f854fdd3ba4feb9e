//! global_defs `nftables_ipvs` on a real IPVS table and nf_tables, beside keepalived 2.2.7,
//! in the QEMU VM (tests/vm/run.sh): tests/vm/nftables-ipvs.sh runs a virtual_server_group
//! of an address and a range (TCP, IPv4) and one of an IPv6 address (UDP) under keepalived
//! and then ours. Ours' `nft list ruleset` (handles and counters left out) and `ipvsadm -Ln`
//! must equal keepalived's once started and after a reload that changes the group's
//! members; a TCP connect to a group address reaches the real server through the fwmark
//! service; both leave no table and no service at stop. Skips, visibly, without QEMU, the
//! Debian kernel, busybox-static, cpio, ipvsadm, nft or keepalived.

use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

#[test]
fn nftables_ipvs_marks_group_members_like_keepalived() {
    let test = "nftables_ipvs_marks_group_members_like_keepalived";
    let tools = ["/usr/sbin/ipvsadm", "/usr/sbin/nft", "/usr/sbin/keepalived"];
    if let Some(why) = vm::missing(&tools) {
        vm::skip(test, &why);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vm::run_script(&repo, "nftables-ipvs.sh", Path::new(OURS), &[], 300);
    let text = out.text;
    let s = vm::sections(&text);
    assert!(s.contains_key("end"), "{text}");
    // The VM console interleaves the daemons' own log lines.
    let section = |k: &str| -> Vec<String> {
        s.get(k)
            .unwrap_or_else(|| panic!("no section {k} (rc {:?}):\n{text}", out.code))
            .iter()
            .filter(|l| !l.starts_with("Keepalived") && !l.trim().is_empty())
            .cloned()
            .collect()
    };
    for who in ["keepalived", "ours"] {
        let nft = section(&format!("{who} start nft")).join("\n");
        assert!(nft.contains("table ip keepalived_ipvs"), "{who}:\n{text}");
        assert!(
            nft.contains("10.213.0.110-10.213.0.119 . 8080 : 0x00000bb8"),
            "{who}:\n{text}"
        );
        assert!(nft.contains("priority -50"), "{who}:\n{text}");
        let ipvs = section(&format!("{who} start ipvs")).join("\n");
        assert!(ipvs.contains("FWM  3000 rr"), "{who}:\n{text}");
        assert!(ipvs.contains("FWM  3001 IPv6 wrr"), "{who}:\n{text}");
        assert_eq!(
            section(&format!("{who} connect")),
            ["connected"],
            "{who}:\n{text}"
        );
        let reload = section(&format!("{who} reload nft")).join("\n");
        assert!(
            reload.contains("10.213.0.101 . 80 : 0x00000bb8"),
            "{who}:\n{text}"
        );
        assert!(!reload.contains("10.213.0.110"), "{who}:\n{text}");
        assert!(
            section(&format!("{who} after stop")).is_empty(),
            "{who}:\n{text}"
        );
    }
    for step in ["start nft", "reload nft"] {
        assert_eq!(
            section(&format!("ours {step}")),
            section(&format!("keepalived {step}")),
            "ours differs from keepalived at {step}:\n{text}"
        );
    }
    // The connection counters may differ (connections of the keepalived round linger in
    // the kernel's table); the services, real servers, methods and weights may not.
    let services = |k: &str| -> Vec<String> {
        section(k)
            .iter()
            .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
            .collect()
    };
    for step in ["start ipvs", "reload ipvs"] {
        assert_eq!(
            services(&format!("ours {step}")),
            services(&format!("keepalived {step}")),
            "ours differs from keepalived at {step}:\n{text}"
        );
    }
}
