//! The binary answers like keepalived 2.2.7 on the command line (compared live where
//! /usr/sbin/keepalived is installed).

use std::path::Path;
use std::process::{Command, Output};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const KEEPALIVED: &str = "/usr/sbin/keepalived";

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("binary runs")
}

fn keepalived() -> Option<&'static str> {
    if Path::new(KEEPALIVED).exists() {
        Some(KEEPALIVED)
    } else {
        eprintln!("note: {KEEPALIVED} not installed; checking our own answers only");
        None
    }
}

#[test]
fn signum_prints_keepalived_numbers() {
    let expected = [
        ("STOP", Some("15")),
        ("RELOAD", Some("1")),
        ("DATA", Some("10")),
        ("STATS", Some("12")),
        ("STATS_CLEAR", Some("63")),
        ("JSON", Some("36")),
        ("TDATA", None),
        ("FOO", None),
    ];
    for (name, want) in expected {
        let ours = run(OURS, &[&format!("--signum={name}")]);
        let stdout = String::from_utf8_lossy(&ours.stdout).trim().to_owned();
        match want {
            Some(n) => {
                assert_eq!(stdout, n, "--signum={name}");
                assert_eq!(ours.status.code(), Some(0));
            }
            None => {
                assert_eq!(ours.status.code(), Some(1), "--signum={name}");
                assert!(String::from_utf8_lossy(&ours.stderr).contains("Unknown sigfunc"));
            }
        }
        if let Some(k) = keepalived() {
            let theirs = run(k, &[&format!("--signum={name}")]);
            assert_eq!(ours.status.code(), theirs.status.code(), "--signum={name}");
            assert_eq!(ours.stdout, theirs.stdout, "--signum={name}");
        }
    }
}

#[test]
fn exit_codes_of_help_version_and_unknown_options_match() {
    for args in [
        &["-v"][..],
        &["--version"],
        &["-h"],
        &["--help"],
        &["--bogus"],
        &["-Z"],
    ] {
        let ours = run(OURS, args).status.code();
        let want = if args[0] == "--bogus" || args[0] == "-Z" {
            1
        } else {
            0
        };
        assert_eq!(ours, Some(want), "{args:?}");
        if let Some(k) = keepalived() {
            assert_eq!(ours, run(k, args).status.code(), "{args:?}");
        }
    }
}

#[test]
fn help_lists_every_keepalived_option() {
    let ours = String::from_utf8_lossy(&run(OURS, &["-h"]).stderr).into_owned();
    if let Some(k) = keepalived() {
        let theirs = String::from_utf8_lossy(&run(k, &["-h"]).stderr).into_owned();
        for line in theirs.lines().filter(|l| l.trim_start().starts_with('-')) {
            assert!(ours.contains(line), "missing help line: {line}");
        }
    }
    assert!(ours.contains("--vrrp_pid=FILE"));
}

#[test]
fn config_test_writes_to_the_named_log_file() {
    let dir = std::env::temp_dir().join(format!("kr-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(&conf, "global_defs {\n  no_such_keyword 1\n}\n").unwrap();
    let log = dir.join("t.log");
    let out = run(
        OURS,
        &[
            &format!("--config-test={}", log.display()),
            "-f",
            conf.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stderr.is_empty());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("k.conf:2: error: Unknown keyword 'no_such_keyword'"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
