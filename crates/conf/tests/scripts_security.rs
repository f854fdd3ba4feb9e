//! Script security: which configured scripts make keepalived report a violation, an insecure
//! or missing script, or a missing script user. Uses real files in a temporary directory.

mod common;
use common::*;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use keepalived_conf::{ErrorClass, Host, Loaded, SystemHost};

/// A temporary directory (mode 0755) removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("kr-cg2-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        TempDir(p)
    }

    /// A shell script of this name and mode.
    fn script(&self, name: &str, mode: u32) -> String {
        let p = self.0.join(name);
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Whether files created here are root's (the checks about root scripts need that).
    fn as_root(&self) -> bool {
        let root = fs::metadata(&self.0).map(|m| m.uid() == 0).unwrap_or(false);
        if !root {
            eprintln!("skipped: needs root");
        }
        root
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// global_defs with `global`, a vrrp_script running `script`, and an instance tracking it
/// (with `extra` in the instance).
fn config(global: &str, script: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n{global}\n}}\nvrrp_script chk {{\n script \"{script}\"\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 5\n priority 100\n virtual_ipaddress {{\n  10.0.0.5/24\n }}\n track_script {{\n  chk\n }}\n{extra}\n}}\n"
    )
}

const SECURE: &str = " enable_script_security\n script_user root";

fn messages(l: &Loaded) -> Vec<String> {
    l.diagnostics.iter().map(|d| d.to_string()).collect()
}

fn has(l: &Loaded, class: ErrorClass, text: &str) -> bool {
    l.diagnostics
        .iter()
        .any(|d| d.class == class && d.message == text)
}

#[test]
fn existing_script_without_security_is_a_violation() {
    let t = TempDir::new("viol");
    let s = t.script("ok.sh", 0o755);
    let l = load(&config("", &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::Security,
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
        ),
        "{:?}",
        messages(&l)
    );
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.class == ErrorClass::Security)
            .count(),
        1
    );
    // keepalived names no line; we point at the first script.
    let v = l
        .diagnostics
        .iter()
        .find(|d| d.class == ErrorClass::Security)
        .unwrap();
    assert_eq!(v.location.as_ref().map(|x| x.line), Some(5));
    assert_eq!(l.diagnostics.config_test_exit_code(), 6);
}

#[test]
fn insecure_script_without_security_says_so() {
    let t = TempDir::new("violins");
    if !t.as_root() {
        return;
    }
    let s = t.script("bad.sh", 0o777);
    let l = load(&config("", &s, ""));
    assert!(has(&l, ErrorClass::Security, "SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts."), "{:?}", messages(&l));
}

#[test]
fn missing_notify_script_does_not_count() {
    let l = load(&config(
        " script_user root",
        "/bin/true",
        " notify_master /nonexistent/kr-cg2.sh",
    ));
    // /bin/true exists: one violation, and nothing about the missing notify script.
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.severity == keepalived_conf::Severity::Error)
            .count(),
        1,
        "{:?}",
        messages(&l)
    );
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n priority 100\n virtual_ipaddress {\n  10.0.0.5/24\n }\n notify_master /nonexistent/kr-cg2.sh\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
    assert_eq!(l.diagnostics.config_test_exit_code(), 0);
}

#[test]
fn secure_script_with_security_is_clean() {
    let t = TempDir::new("secure");
    if !t.as_root() {
        return;
    }
    let s = t.script("ok.sh", 0o755);
    let l = load(&config(SECURE, &s, ""));
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
}

#[test]
fn world_writable_track_script_is_disabled() {
    let t = TempDir::new("w777");
    if !t.as_root() {
        return;
    }
    let s = t.script("bad.sh", 0o777);
    let l = load(&config(SECURE, &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk due to insecure"
        ),
        "{:?}",
        messages(&l)
    );
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("insecure"))
        .unwrap();
    assert_eq!(d.location.as_ref().unwrap().line, 6);
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn writable_directory_makes_a_script_insecure_but_sticky_does_not() {
    let t = TempDir::new("dir");
    if !t.as_root() {
        return;
    }
    let s = t.script("open/x.sh", 0o755);
    fs::set_permissions(t.0.join("open"), fs::Permissions::from_mode(0o777)).unwrap();
    let l = load(&config(SECURE, &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk due to insecure"
        ),
        "{:?}",
        messages(&l)
    );
    fs::set_permissions(t.0.join("open"), fs::Permissions::from_mode(0o1777)).unwrap();
    let l = load(&config(SECURE, &s, ""));
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
}

#[test]
fn insecure_notify_script_with_security_is_only_logged() {
    let t = TempDir::new("notify");
    if !t.as_root() {
        return;
    }
    let ok = t.script("ok.sh", 0o755);
    let bad = t.script("bad.sh", 0o777);
    let l = load(&config(SECURE, &ok, &format!(" notify_master {bad}")));
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
}

#[test]
fn missing_track_script_is_disabled() {
    let l = load(&config(SECURE, "/nonexistent/kr-cg2-missing.sh", ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk since not found/accessible"
        ),
        "{:?}",
        messages(&l)
    );
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
    // Without security too, and then nothing counts as a violation.
    let l = load(&config("", "kr-cg2-no-such-program", ""));
    assert!(has(
        &l,
        ErrorClass::General,
        "Disabling track script chk since not found/accessible"
    ));
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn programs_without_a_slash_are_searched_in_path() {
    let l = load(&config("", "true", ""));
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.class == ErrorClass::Security),
        "{:?}",
        messages(&l)
    );
}

#[test]
fn vrrp_scripts_are_not_checked_without_instances() {
    let l = load("vrrp_script chk {\n script \"/nonexistent/kr-cg2.sh\"\n}\nvrrp_script chk2 {\n script /bin/true\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
}

#[test]
fn security_without_any_script_user() {
    if SystemHost.user("keepalived_script").is_some() {
        eprintln!("skipped: a keepalived_script user exists here");
        return;
    }
    let t = TempDir::new("nouser");
    let s = t.script("ok.sh", 0o755);
    let l = load(&config(" enable_script_security", &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Unable to set default user keepalived_script for script"
        ),
        "{:?}",
        messages(&l)
    );
    assert!(has(
        &l,
        ErrorClass::General,
        "Unable to set default user for vrrp script chk - removing"
    ));
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
    // A script given its own user needs no default.
    let l = load(&format!("global_defs {{\n enable_script_security\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 5\n priority 100\n virtual_ipaddress {{\n  10.0.0.5/24\n }}\n notify_master \"{s} x\" root\n}}\n"));
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
}

#[test]
fn script_user_must_exist() {
    let l = load(&config(" script_user kr-cg2-nosuchuser", "/bin/true", ""));
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message == "Error setting global script uid/gid")
        .unwrap();
    assert_eq!(d.location.as_ref().unwrap().line, 2);
    assert_eq!(l.config.global.script_user, None);
    let l = load("global_defs {\n script_user root root\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
    assert_eq!(
        l.config.global.script_user,
        Some(("root".into(), Some("root".into())))
    );
}

#[test]
fn startup_script_has_its_own_violation() {
    let l = load(
        "global_defs {\n startup_script /bin/true\n shutdown_script \"/bin/true x\" root\n}\n",
    );
    assert!(has(&l, ErrorClass::Security, "SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled."), "{:?}", messages(&l));
    let g = &l.config.global;
    assert_eq!(g.startup_script.as_ref().unwrap().argv, ["/bin/true"]);
    assert_eq!(
        g.shutdown_script.as_ref().unwrap().user.as_deref(),
        Some("root")
    );
}

#[test]
fn group_writable_by_root_group_is_secure_but_other_groups_are_not() {
    let t = TempDir::new("grp");
    if !t.as_root() {
        return;
    }
    let s = t.script("g.sh", 0o775);
    let l = load(&config(SECURE, &s, ""));
    assert!(l.diagnostics.is_empty(), "{:?}", messages(&l));
    let Some(gid) = SystemHost
        .group("nogroup")
        .or_else(|| SystemHost.group("nobody"))
    else {
        eprintln!("skipped: no nogroup/nobody group");
        return;
    };
    std::os::unix::fs::chown(&s, None, Some(gid)).unwrap();
    let l = load(&config(SECURE, &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk due to insecure"
        ),
        "{:?}",
        messages(&l)
    );
}

#[test]
fn script_owned_by_another_user_is_insecure() {
    let t = TempDir::new("owner");
    if !t.as_root() {
        return;
    }
    let s = t.script("o.sh", 0o755);
    let Some(nobody) = SystemHost.user("nobody") else {
        eprintln!("skipped: no nobody user");
        return;
    };
    std::os::unix::fs::chown(&s, Some(nobody.uid), None).unwrap();
    let l = load(&config(SECURE, &s, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk due to insecure"
        ),
        "{:?}",
        messages(&l)
    );
}

#[test]
fn a_directory_given_as_script_is_insecure() {
    let t = TempDir::new("isdir");
    if !t.as_root() {
        return;
    }
    let dir = t.0.to_string_lossy().into_owned();
    let l = load(&config(SECURE, &dir, ""));
    assert!(
        has(
            &l,
            ErrorClass::General,
            "Disabling track script chk due to insecure"
        ),
        "{:?}",
        messages(&l)
    );
}

#[test]
fn disabled_vrrp_scripts_are_not_in_the_model() {
    let t = TempDir::new("prune");
    if !t.as_root() {
        return;
    }
    let good = t.script("good.sh", 0o755);
    let l = load(&config(SECURE, &good, ""));
    assert_eq!(l.config.vrrp.scripts.len(), 1, "{:?}", messages(&l));
    // Missing: keepalived disables it.
    let l = load(&config("", &t.0.join("missing.sh").to_string_lossy(), ""));
    assert!(l.config.vrrp.scripts.is_empty());
    // Insecure with script security on: disabled too.
    let bad = t.script("bad.sh", 0o777);
    let l = load(&config(SECURE, &bad, ""));
    assert!(l.config.vrrp.scripts.is_empty(), "{:?}", messages(&l));
    // The same insecure script without script security still runs (keepalived warns).
    let l = load(&config("", &bad, ""));
    assert_eq!(l.config.vrrp.scripts.len(), 1);
}
