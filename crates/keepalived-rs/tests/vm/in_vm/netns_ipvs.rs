//! `net_namespace_ipvs` beside keepalived 2.2.7, in the QEMU VM (tests/vm/netns-ipvs.sh):
//! the checker's IPVS services land in the named namespace, not in the daemon's; the same
//! run shows the checker child's process settings (`checker_*`, `checker_process_name`) of
//! both, which only here (with IPVS) keepalived's checker child lives to show. Skips,
//! visibly, without QEMU, the Debian kernel, busybox-static, cpio, ipvsadm or keepalived.
//! About 75 s alone on 2 idle cores (18 s of it the boot; the debug binary over 9p under TCG).

use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

/// `net_namespace_ipvs NAME`: keepalived's and ours' virtual server is in NAME's IPVS table
/// (and gone from it at stop), the daemon's own namespace's table stays empty; their checker
/// children show the same realtime policy, CPUs, locked memory, RLIMIT_RTTIME and name.
#[test]
fn net_namespace_ipvs_programs_the_named_namespace_as_keepalived() {
    let test = "net_namespace_ipvs_programs_the_named_namespace_as_keepalived";
    if let Some(why) = vm::missing(&["/usr/sbin/keepalived", "/usr/sbin/ipvsadm"]) {
        vm::skip(test, &why);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vm::run_script(&repo, "netns-ipvs.sh", Path::new(OURS), &[], 300);
    let text = out.text;
    let s = vm::sections(&text);
    assert!(s.contains_key("end"), "rc {:?}:\n{text}", out.code);
    assert!(!text.contains("timed out waiting"), "{text}");
    // Console lines of the daemons may fall into any section: only the table's lines.
    let get = |k: &str, starts: &[&str]| -> Vec<String> {
        s.get(k)
            .unwrap_or_else(|| panic!("no section {k}:\n{text}"))
            .iter()
            .filter(|l| starts.iter().any(|p| l.trim_start().starts_with(p)))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let table = ["TCP ", "-> "];
    let service = [
        "TCP 10.215.0.100:80 rr".to_owned(),
        "-> 10.215.0.2:80 Route 1 0 0".to_owned(),
    ];
    let fields = [
        "comm ",
        "nice ",
        "rt_priority ",
        "policy ",
        "cpus ",
        "locked ",
        "rttime ",
    ];
    for d in ["t", "o"] {
        assert_eq!(
            get(&format!("ipvs kcv {d}"), &table),
            service,
            "{d}:\n{text}"
        );
        assert!(
            get(&format!("ipvs own {d}"), &table).is_empty(),
            "{d}:\n{text}"
        );
        assert!(
            get(&format!("after {d}"), &table).is_empty(),
            "{d}:\n{text}"
        );
    }
    let proc_t = get("proc t", &fields);
    assert_eq!(
        proc_t,
        [
            "comm kc_check",
            "nice 0",
            "rt_priority 10",
            "policy 2",
            "cpus 1",
            "locked true",
            "rttime hard 2000000",
        ],
        "keepalived:\n{text}"
    );
    assert_eq!(
        get("proc o", &fields),
        proc_t,
        "ours vs keepalived:\n{text}"
    );
}
