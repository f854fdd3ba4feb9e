//! What the checker process writes, against keepalived 2.2.7 (which needs IPVS, so its side
//! was captured in the IPVS VM, tests/vm/run.sh, by the same scripts; ours runs them here
//! with --no-ipvs). Both tests run in parallel, ~15 s.
//!
//! The data dump (SIGUSR1 -> /tmp/keepalived_check.data): tests/check_dump/capture.sh runs the checker process alone (-C) on
//! tests/check_dump/keepalived.conf (TCP_CHECKs up and down, MISC_CHECKs with and without
//! misc_dynamic, a failing HTTP_GET, a sorry server, quorum and hysteresis, alpha,
//! persistence) in netns k14c-chk and signals it 6 s after the start. The files must be
//! identical but for MISC_CHECK's `Last ran` times. The script's TMPDIR is private, so no
//! other test's dump is touched.
//!
//! The mails (tests/checker_mails/capture.sh, Debian's python3-aiosmtpd in netns k14c-mail):
//! the same subjects and bodies at start, none for a FILE_CHECK change (a value below the
//! fault weight written while running lowers the weight, keepalived's quirk, copied), `=> Removing <=` for
//! the live real server a reload drops (and no quorum mail for the kept virtual server),
//! none at the stop (keepalived queues its `=> Shutting down <=` mails but its loop ends
//! before they go).

use std::path::Path;
use std::process::Command;

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The dump with the `Last ran` times (wall clock) cut off.
fn normalise(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| match l.find("Last ran = ") {
            Some(i) => format!("{}Last ran = (TIME)", &l[..i]),
            None => l.to_owned(),
        })
        .collect()
}

#[test]
fn sigusr1_writes_keepalived_check_data_as_keepalived() {
    if !keepalived_labs::runnable("check_dump") {
        return;
    }
    if Command::new("python3").arg("-V").output().is_err() {
        eprintln!("skipped: check_dump needs python3 (the TCP listener)");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("k14c-chkdump-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let root = repo();
    let out = Command::new("bash")
        .arg(root.join("tests/check_dump/capture.sh"))
        .args([OURS, "--no-ipvs"])
        .env("TMPDIR", &tmp)
        .output()
        .expect("capture.sh");
    let _ = std::fs::remove_dir_all(&tmp);
    let text = String::from_utf8_lossy(&out.stdout);
    let (data, log) = text.split_once("=== LOG\n").unwrap_or((&text, ""));
    let reference = std::fs::read_to_string(root.join("tests/check_dump/keepalived_check.data"))
        .expect("reference");
    let (ours, theirs) = (normalise(data), normalise(&reference));
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(
            a,
            b,
            "line {} differs\n--- ours:\n{data}\n--- log:\n{log}",
            i + 1
        );
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{} lines ours, {} keepalived's\n--- ours:\n{data}\n--- log:\n{log}",
        ours.len(),
        theirs.len()
    );
}

#[test]
fn checker_mails_at_start_reload_and_stop_as_keepalived() {
    if !keepalived_labs::runnable("checker_mails") {
        return;
    }
    let aiosmtpd = Command::new("/usr/bin/python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !aiosmtpd {
        eprintln!(
            "skipped: checker_mails needs python3-aiosmtpd (apt-get install python3-aiosmtpd)"
        );
        return;
    }
    let root = repo();
    let out = Command::new("bash")
        .arg(root.join("tests/checker_mails/capture.sh"))
        .args([OURS, "--no-ipvs"])
        .output()
        .expect("capture.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    let (mails, log) = text.split_once("=== LOG\n").unwrap_or((&text, ""));
    let reference = std::fs::read_to_string(root.join("tests/checker_mails/keepalived.mails"))
        .expect("reference");
    assert_eq!(mails, reference, "--- log:\n{log}");
    // The file's -300 is below IPVS_WEIGHT_FAULT but, changed while running, only lowers
    // the weight (keepalived's line, seen in the VM); at start it would be a fault.
    let lowered = "Changing weight from 6 to 0 for active service [10.87.2.5]:tcp:8080 of VS [10.87.2.10]:tcp:80";
    assert!(log.contains(lowered), "{log}");
}
