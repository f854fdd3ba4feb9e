//! `BFD_CHECK` on a real IPVS table, beside keepalived 2.2.7, in the QEMU VM (tests/vm/run.sh):
//! tests/vm/bfd-check.sh gives a virtual server a real server under BFD_CHECK, whose BFD
//! neighbour is keepalived's BFD child in a namespace, and one under TCP_CHECK. When the
//! neighbour's BFD child falls silent (SIGSTOP) its real server must leave the table and
//! come back when it speaks again; ours' tables must equal keepalived's at each step. Skips,
//! visibly, without QEMU, the Debian kernel, busybox-static, cpio, ipvsadm or keepalived.

use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

#[test]
fn bfd_check_takes_the_real_server_out_of_ipvs_like_keepalived() {
    let test = "bfd_check_takes_the_real_server_out_of_ipvs_like_keepalived";
    if let Some(why) = vm::missing(&["/usr/sbin/ipvsadm", "/usr/sbin/keepalived"]) {
        vm::skip(test, &why);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vm::run_script(&repo, "bfd-check.sh", Path::new(OURS), &[], 300);
    let text = out.text;
    let s = vm::sections(&text);
    assert!(s.contains_key("end"), "{text}");
    let table = |k: &str| -> Vec<String> {
        s.get(k)
            .unwrap_or_else(|| panic!("no section {k} (rc {:?}):\n{text}", out.code))
            .iter()
            .filter(|l| l.starts_with("TCP ") || l.starts_with("  -> "))
            .cloned()
            .collect()
    };
    let has = |k: &str, rs: &str| table(k).iter().any(|l| l.contains(rs));
    const BFD_RS: &str = "-> 10.202.0.2:80";
    const TCP_RS: &str = "-> 10.203.0.2:80";
    for who in ["keepalived", "ours"] {
        for step in ["up", "back"] {
            let k = format!("{who} {step}");
            assert!(has(&k, BFD_RS) && has(&k, TCP_RS), "{k}:\n{text}");
        }
        let down = format!("{who} down");
        assert!(!has(&down, BFD_RS) && has(&down, TCP_RS), "{down}:\n{text}");
        assert!(table(&format!("{who} after stop")).is_empty(), "{text}");
    }
    for step in ["up", "down", "back"] {
        assert_eq!(
            table(&format!("ours {step}")),
            table(&format!("keepalived {step}")),
            "ours differs from keepalived at {step}:\n{text}"
        );
    }
    let ours_log = s.get("log ours").map(|l| l.join("\n")).unwrap_or_default();
    assert!(
        ours_log.contains("BFD check of [RS1] RS([10.202.0.2]:tcp:80) is DOWN"),
        "{text}"
    );
}
