//! The reload keywords beside keepalived 2.2.7, one lab per implementation run at once
//! (namespaces `kvr-*`, 10.231.1.0/24 for keepalived, 10.231.2.0/24 for ours).
//!
//! `reload_file PATH`: a file left over is removed at start; a file touched before a plain
//! SIGHUP is removed once the parent has read the new configuration, and nothing creates
//! it; with `reload_check_config` the parent creates it before the `--config-test` child
//! and removes it when the child is done. What happens to the file is read with inotify
//! on its directory, so the order is the kernel's.

use std::path::Path;
use std::time::{Duration, Instant};

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn conf(net: &str, reload_file: &Path, check: Option<&Path>, vips: &[u8]) -> String {
    let vips: String = vips
        .iter()
        .map(|h| format!("        {net}.{h}/24\n"))
        .collect();
    let check = check
        .map(|c| format!("    reload_check_config {}\n", c.display()))
        .unwrap_or_default();
    format!(
        "global_defs {{\n    router_id rk\n    reload_file {}\n{check}}}\n\
         vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    virtual_router_id 61\n    \
         priority 200\n    advert_int 1\n    virtual_ipaddress {{\n{vips}    }}\n}}\n",
        reload_file.display()
    )
}

/// What inotify says happened to the file named `name` in the watched directory.
struct Watch {
    inotify: Inotify,
    name: String,
}

impl Watch {
    fn new(dir: &Path, name: &str) -> Watch {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK).expect("inotify");
        inotify
            .add_watch(
                dir,
                AddWatchFlags::IN_CREATE
                    | AddWatchFlags::IN_CLOSE_WRITE
                    | AddWatchFlags::IN_DELETE
                    | AddWatchFlags::IN_MODIFY,
            )
            .expect("watch");
        Watch {
            inotify,
            name: name.to_owned(),
        }
    }

    /// The events on the file until it is deleted (or `limit`), as words.
    fn until_deleted(&self, limit: Duration) -> Vec<&'static str> {
        let start = Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < limit {
            let events = self.inotify.read_events().unwrap_or_default();
            for e in events {
                if e.name.as_deref().and_then(|n| n.to_str()) != Some(self.name.as_str()) {
                    continue;
                }
                for (flag, word) in [
                    (AddWatchFlags::IN_CREATE, "create"),
                    (AddWatchFlags::IN_MODIFY, "modify"),
                    (AddWatchFlags::IN_CLOSE_WRITE, "close_write"),
                    (AddWatchFlags::IN_DELETE, "delete"),
                ] {
                    if e.mask.contains(flag) {
                        seen.push(word);
                    }
                }
            }
            if seen.last() == Some(&"delete") {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        seen
    }
}

/// What a user of `reload_file` sees.
#[derive(Debug, PartialEq, Eq)]
struct ReloadFileSeen {
    leftover_removed_at_start: bool,
    /// The file touched by the updater, then SIGHUP.
    plain_reload: Vec<&'static str>,
    /// The VIP the plain reload added is there.
    plain_reload_applied: bool,
    /// SIGHUP with reload_check_config, the file absent before.
    checked_reload: Vec<&'static str>,
    checked_reload_applied: bool,
}

fn reload_file_run(binary: &str, net: &str) -> ReloadFileSeen {
    let tag = net.rsplit('.').next().unwrap_or("x");
    let mut lab = BridgeLab::prefixed("kvr", &format!("rf{tag}"), net);
    let dir = lab.dir().join("reload");
    std::fs::create_dir_all(&dir).expect("reload dir");
    let file = dir.join("keepalived.reload");
    let check_log = lab.dir().join("check.log");
    let vip = |h: u8| format!("{net}.{h}");
    std::fs::write(&file, "left over").expect("leftover reload file");
    lab.start("o", binary, &conf(net, &file, None, &[100]));
    lab.wait(
        "MASTER",
        Duration::from_secs(15),
        || lab.holds("o", &vip(100)),
        || None,
    );
    let leftover_removed_at_start = !file.exists();

    let watch = Watch::new(&dir, "keepalived.reload");
    std::fs::write(&file, "updating").expect("touch reload file");
    let _ = watch.until_deleted(Duration::from_millis(200));
    lab.rewrite("o", &conf(net, &file, None, &[100, 101]));
    lab.signal("o", "main", "HUP");
    let plain_reload = watch.until_deleted(Duration::from_secs(5));
    let plain_reload_applied = wait_for(|| lab.holds("o", &vip(101)));

    // This reload reads reload_check_config; the next one runs the check.
    lab.rewrite("o", &conf(net, &file, Some(&check_log), &[100, 101]));
    lab.signal("o", "main", "HUP");
    std::thread::sleep(Duration::from_secs(1));
    let _ = std::fs::remove_file(&file);
    let _ = watch.until_deleted(Duration::from_millis(100));
    lab.rewrite("o", &conf(net, &file, Some(&check_log), &[100, 102]));
    lab.signal("o", "main", "HUP");
    let checked_reload = watch.until_deleted(Duration::from_secs(8));
    let checked_reload_applied = wait_for(|| lab.holds("o", &vip(102)));
    let seen = ReloadFileSeen {
        leftover_removed_at_start,
        plain_reload,
        plain_reload_applied,
        checked_reload,
        checked_reload_applied,
    };
    if !seen.checked_reload_applied || !seen.leftover_removed_at_start {
        eprintln!("{binary}: {seen:?}\n{}", lab.logs());
    }
    seen
}

/// Waits up to 10 s for `cond`.
fn wait_for(cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn reload_file_is_handled_like_keepalived() {
    if !runnable("reload_file_is_handled_like_keepalived") {
        return;
    }
    let (theirs, ours) = std::thread::scope(|s| {
        let theirs = s.spawn(|| reload_file_run(KEEPALIVED, "10.231.1"));
        let ours = s.spawn(|| reload_file_run(OURS, "10.231.2"));
        (
            theirs.join().expect("keepalived run"),
            ours.join().expect("ours run"),
        )
    });
    let expected = ReloadFileSeen {
        leftover_removed_at_start: true,
        plain_reload: vec!["delete"],
        plain_reload_applied: true,
        checked_reload: vec!["create", "close_write", "delete"],
        checked_reload_applied: true,
    };
    assert_eq!(theirs, expected, "keepalived");
    assert_eq!(ours, expected, "ours");
}

/// `include_check` and the include variants under `-t`, beside keepalived's `-t` on the
/// same files: the same exit status, and each line keepalived reports about an include
/// ("(Line N) TEXT") is in ours' output. No namespace needed (the instance's `lo` makes
/// both report the same two errors besides).
#[test]
fn include_checks_match_keepalived_config_test() {
    if !runnable("include_checks_match_keepalived_config_test") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("kvr-inc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("d/sub")).expect("include dirs");
    std::fs::write(dir.join("d/a.conf"), "").expect("d/a.conf");
    let base =
        "vrrp_instance VI_1 {\n    state BACKUP\n    interface lo\n    virtual_router_id 51\n    \
                priority 100\n    virtual_ipaddress {\n        10.231.3.100/24\n    }\n}\n";
    let settings = [
        "",
        "include_check",
        "include_check -wildcard_match",
        "include_check read",
        "include_check +brace_match",
        "include_check read match",
        "include_check bogus",
    ];
    let includes = [
        "include missing.conf",
        "include nodir/*.conf",
        "include d/*.none",
        "include d/{a,b}.conf",
        "include d/sub",
        "includer missing.conf",
        "includem missing.conf",
        "includew d/*.none",
        "includeb d/{a,b}.conf",
        "includea d/{a,b}.conf",
        "includer d/{a,b}.conf",
        "includea d/*.conf",
    ];
    let conf = dir.join("t.conf");
    let run = |binary: &str| {
        let out = std::process::Command::new(binary)
            .args(["-t", "-f"])
            .arg(&conf)
            .output()
            .expect("config test runs");
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        (out.status.code(), text)
    };
    let mut differences = Vec::new();
    for setting in settings {
        for include in includes {
            let text = format!("global_defs {{\n  {setting}\n}}\n{include}\n{base}");
            std::fs::write(&conf, text).expect("config written");
            let (their_code, theirs) = run(KEEPALIVED);
            let (our_code, ours) = run(OURS);
            if their_code != our_code {
                differences.push(format!(
                    "[{setting}] {include}: exit {their_code:?} (keepalived) vs {our_code:?}\n{theirs}\n{ours}"
                ));
            }
            for line in theirs.lines().filter(|l| l.starts_with("(Line ")) {
                let message = line.split_once(") ").map_or(line, |(_, m)| m);
                if !ours.contains(message) {
                    differences.push(format!(
                        "[{setting}] {include}: ours does not say {message:?}\n{ours}"
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
