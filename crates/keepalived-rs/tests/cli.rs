//! The binary answers like keepalived 2.2.7 on the command line (compared live where
//! /usr/sbin/keepalived is installed).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const KEEPALIVED: &str = "/usr/sbin/keepalived";

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("binary runs")
}

/// Runs with a guard: a binary that starts a daemon by mistake is killed, failing the test.
fn run_bounded(bin: &str, args: &[&str]) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    for _ in 0..200 {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    panic!(
        "{bin} {args:?} did not exit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// argv that keepalived reads to the end (or to an option that acts at once) without
/// starting: same exit code, same stdout and the same first stderr line. (No `-tFILE` here:
/// keepalived creates FILE while reading argv.)
#[test]
fn getopt_behaviour_matches_keepalived() {
    let cases: &[&[&str]] = &[
        &["--signum=STOP", "-v"],
        &["--sig=RELOAD"],
        &["--bogus", "--signum=DATA"],
        &["-nZ", "--signum=STOP"],
        &["-Z"],
        &["--v"],
        &["--vers"],
        &["--help=x"],
        &["--all=x"],
        &["-f"],
        &["-i"],
        &["--use-file=", "--signum=STOP"],
        &["-S", "local9", "--signum=STOP"],
        &["-S", "local07", "--signum=STOP"],
        &["-u", "0o22", "--signum=STOP"],
        &["-u", "0x1f", "--signum=STOP"],
        &["-g"],
        &["--log-file=/nonexistent/x"],
        &["--log", "--signum=STOP"],
        &["--perf"],
        &["--debug"],
        &["--no-mem-check"],
        &["-L"],
        &["--flush-log-file"],
        &["--config-fd=3", "--signum=STOP"],
        &["-M", "--signum=STOP"],
        &["-lnDDPCBGXVIRdaxmeG", "--signum=JSON"],
        &[
            "-f/x",
            "-p/p",
            "-r/r",
            "-c/c",
            "-b/b",
            "-A/a",
            "-s",
            "ns",
            "--signum=STATS",
        ],
        &["extra", "--signum=STOP"],
        &["extra", "--bogus"],
        &["-n", "-T", "-v"],
    ];
    let Some(k) = keepalived() else { return };
    for args in cases {
        let ours = run_bounded(OURS, args);
        let theirs = run_bounded(k, args);
        assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{args:?}"
        );
        if args == &["extra", "--bogus"] {
            // keepalived names the permuted operand there ("Unknown option extra"): its bug.
            continue;
        }
        let first = |o: &Output| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned()
        };
        // The version banner names us after keepalived's version; genhash mode is ours.
        let theirs_first = first(&theirs);
        if theirs_first.starts_with("Keepalived v") {
            assert!(first(&ours).starts_with(&theirs_first), "{args:?}");
        } else if !args.iter().any(|a| a.contains('T')) {
            assert_eq!(first(&ours), theirs_first, "{args:?}");
        }
    }
}

#[test]
fn invalid_umask_message_has_no_line_end_like_keepalived() {
    let ours = run_bounded(OURS, &["-u", "999", "--signum=STOP"]);
    assert_eq!(ours.stderr, b"Invalid --umask option 999");
    if let Some(k) = keepalived() {
        assert_eq!(
            ours.stderr,
            run_bounded(k, &["-u", "999", "--signum=STOP"]).stderr
        );
    }
}

#[test]
fn help_usage_line_names_the_program_as_invoked() {
    let ours = String::from_utf8_lossy(&run(OURS, &["--help"]).stderr).into_owned();
    assert!(
        ours.starts_with(&format!("Usage: {OURS} [OPTION...]\n")),
        "{ours}"
    );
    assert!(ours.contains("keepalived-rs options (not in keepalived):"));
    if let Some(k) = keepalived() {
        let theirs = String::from_utf8_lossy(&run(k, &["--help"]).stderr).into_owned();
        let ours_kept = ours.replacen(OURS, k, 1);
        assert!(
            ours_kept.starts_with(&theirs),
            "keepalived's text is a prefix of ours"
        );
    }
}

/// The labelled lines of a `-v` banner that tools read, in order.
fn banner_labels(text: &str) -> Vec<String> {
    const LABELS: [&str; 4] = [
        "Distro",
        "configure options",
        "Config options",
        "System options",
    ];
    text.lines()
        .filter_map(|l| l.split_once(": ").map(|(k, _)| k.to_owned()))
        .filter(|k| LABELS.contains(&k.as_str()))
        .collect()
}

#[test]
fn version_banner_names_us_and_keepalived() {
    for flag in ["-v", "--version"] {
        let ours = run(OURS, &[flag]);
        assert_eq!(ours.status.code(), Some(0));
        assert!(ours.stdout.is_empty(), "keepalived prints -v on stderr");
        let text = String::from_utf8_lossy(&ours.stderr).into_owned();
        let first = text.lines().next().unwrap_or("");
        assert_eq!(
            first,
            concat!(
                "Keepalived v2.2.7 (01/16,2022), keepalived-rs v",
                env!("CARGO_PKG_VERSION")
            )
        );
        // keepalived-exporter: the second word of the first line, without its `v`.
        assert_eq!(first.split(' ').nth(1), Some("v2.2.7"));
        let configure = text
            .lines()
            .find_map(|l| l.strip_prefix("configure options: "))
            .expect("configure options line");
        assert!(
            configure.split(' ').any(|o| o == "--enable-json"),
            "{configure}"
        );
        // Every switch of Debian's keepalived whose feature we have, in Debian's words.
        for present in [
            "--enable-snmp",
            "--enable-snmp-rfcv2",
            "--enable-snmp-rfcv3",
            "--enable-dbus",
            "--enable-json",
            "--enable-bfd",
        ] {
            assert!(configure.split(' ').any(|o| o == present), "{configure}");
        }
        assert!(
            !configure.split(' ').any(|o| o == "--enable-sha1"),
            "we do not claim --enable-sha1"
        );
        assert!(
            text.contains("\n\nConfig options:  NFTABLES LVS "),
            "{text}"
        );
        if let Some(k) = keepalived() {
            let theirs = String::from_utf8_lossy(&run(k, &[flag]).stderr).into_owned();
            let running = |t: &str| {
                t.lines()
                    .find(|l| l.starts_with("Running on "))
                    .map(str::to_owned)
            };
            assert_eq!(running(&text), running(&theirs));
            // The same lines in the same order (keepalived also has `System options`).
            let mut want = banner_labels(&theirs);
            want.retain(|k| k != "System options");
            assert_eq!(banner_labels(&text), want, "{text}\n---\n{theirs}");
            // Every feature we claim, keepalived's build has too.
            let config = |t: &str| {
                t.lines()
                    .find_map(|l| l.strip_prefix("Config options: "))
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            };
            let theirs_config = config(&theirs);
            for opt in config(&text) {
                assert!(theirs_config.contains(&opt), "{opt} not in keepalived's");
            }
        }
    }
}

#[test]
fn operands_are_reported_on_stdout_like_keepalived() {
    let ours = run_bounded(OURS, &["one", "-Z", "two"]);
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(ours.stdout, b"Unexpected argument(s): one two \n");
    if let Some(k) = keepalived() {
        let theirs = run_bounded(k, &["one", "-Z", "two"]);
        assert_eq!(ours.stdout, theirs.stdout);
        assert_eq!(ours.status.code(), theirs.status.code());
    }
}

#[test]
fn daemon_without_its_config_file_exits_6_like_keepalived() {
    let args = ["-n", "-f", "/nonexistent/kr-cli.conf"];
    let ours = run_bounded(OURS, &args);
    assert_eq!(ours.status.code(), Some(6));
    if let Some(k) = keepalived() {
        assert_eq!(run_bounded(k, &args).status.code(), Some(6));
    }
}

#[test]
fn unimplemented_flags_are_announced_one_line_each() {
    let dir = std::env::temp_dir().join(format!("kr-cli-u-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(&conf, "global_defs {\n  router_id r1\n}\n").unwrap();
    let out = run_bounded(
        OURS,
        &[
            "-t",
            "-a",
            "-x",
            "--config-fd=9",
            "-f",
            conf.to_str().unwrap(),
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let line = "keepalived-rs: --config-fd accepted but not implemented yet";
    assert_eq!(err.lines().filter(|l| *l == line).count(), 1, "{err}");
    // -x (the SNMP subagent) and -a (address monitoring) are implemented.
    assert!(!err.contains("-x/--snmp"), "{err}");
    assert!(!err.contains("-a/--address"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn genhash_without_server_prints_usage_with_keepalived_exit_code() {
    let ours = run_bounded(OURS, &["-T"]);
    assert_eq!(ours.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ours.stderr)
        .starts_with("Usage: keepalived --genhash COMMAND [OPTIONS]\n"));
    let late = run_bounded(OURS, &["-n", "--genhash"]);
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(
        err.starts_with(
            "Warning -- `genhash` not used as first option, previous options ignored\n"
        ),
        "{err}"
    );
    if let Some(k) = keepalived() {
        assert_eq!(ours.status.code(), run_bounded(k, &["-T"]).status.code());
        let theirs = run_bounded(k, &["-n", "--genhash"]);
        assert!(String::from_utf8_lossy(&theirs.stderr)
            .starts_with("Warning -- `genhash` not used as first option"));
    }
}
