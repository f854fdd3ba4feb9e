//! `vrrp_track_process` on the kernel's process events, beside keepalived 2.2.7: only the
//! initial network namespace gets them, so this runs in the QEMU VM (tests/vm/run.sh), where
//! tests/vm/track-process.sh gives each daemon a veth of its own. Both subscribe to the
//! process connector with `process_monitor_rcv_bufs 300000` and `_force` (the kernel doubles it; without _force
//! the VM's rmem_max would cap it), and
//! both go FAULT → BACKUP → MASTER when the tracked process starts and back to FAULT when it
//! is killed. Skips, visibly, without QEMU, the Debian kernel, busybox-static, cpio or
//! keepalived. (In the lab namespaces, where keepalived's track_process sees nothing, ours
//! rescans /proc: crates/keepalived-rs/tests/vrrp_keywords.rs.)

use std::io::Write;
use std::path::Path;

use keepalived_labs::vm;

use crate::OURS;

#[test]
fn track_process_follows_process_events_like_keepalived() {
    let test = "track_process_follows_process_events_like_keepalived";
    if let Some(why) = vm::missing(&["/usr/sbin/keepalived"]) {
        vm::skip(test, &why);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vm::run_script(&repo, "track-process.sh", Path::new(OURS), &[], 300);
    let text = out.text;
    let s = vm::sections(&text);
    let get = |k: &str| -> Vec<String> {
        s.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no section {k} (rc {:?}):\n{text}", out.code))
    };
    assert!(s.contains_key("end"), "{text}");
    let pick =
        |k: &str, p: fn(&String) -> bool| -> Vec<String> { get(k).into_iter().filter(p).collect() };
    let sockets = pick("sockets", |l| l.contains("connector:"));
    // keepalived 2.2.7's VRRP child and ours each hold one subscribed connector socket,
    // sized by process_monitor_rcv_bufs.
    for who in ["connector:keepalived/", "connector:keepalived-rs/"] {
        assert!(
            sockets.iter().any(|l| l.contains(who)
                && l.contains("groups=0x00000001")
                && l.contains("rb600000")),
            "{who}: {sockets:?}\n{text}"
        );
    }
    let expected = [
        "INSTANCE VI_1 FAULT 100",
        "INSTANCE VI_1 BACKUP 100",
        "INSTANCE VI_1 MASTER 100",
        "INSTANCE VI_1 FAULT 100",
    ];
    let notify = |k: &str| pick(k, |l| l.starts_with("INSTANCE "));
    assert_eq!(notify("notify t"), expected, "keepalived:\n{text}");
    assert_eq!(notify("notify o"), expected, "ours vs keepalived:\n{text}");
    let ours_log = get("log o").join("\n");
    for line in [
        "proc_events has confirmed it is configured",
        "Quorum gained for tracked process tp",
        "Quorum lost for tracked process tp",
    ] {
        assert!(ours_log.contains(line), "{line}:\n{text}");
    }
    let timing = s
        .keys()
        .find(|k| k.starts_with("VIP dropped"))
        .cloned()
        .unwrap_or_default();
    let _ = writeln!(std::io::stderr(), "track_process_vm: {timing}");
}
