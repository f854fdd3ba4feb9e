//! Script security at run time, as each keepalived process applies it when it starts
//! (lib/notify.c `check_script_secure`, `check_notify_script_secure`,
//! check/check_misc.c `check_misc_script_security`, core/main.c
//! `check_start_stop_script_secure`):
//!
//! * a script that cannot be found is not run ("Cannot find script X in path - disabling");
//! * a script run as root that a non-root user could change is insecure: with
//!   `enable_script_security` it is not run ("Unsafe permissions found for script 'X' -
//!   disabling."; a MISC_CHECK also "Disabling misc script X due to insecure" and the
//!   checker is removed), without it it runs and the line ends "." only;
//! * a script without a user runs as `script_user`, else as `keepalived_script` when that
//!   user exists (keepalived's default), else as root.
//!
//! [`apply`] does this for one process family and returns keepalived's log lines.

use crate::host::Host;
use crate::model::CheckerKind;
use crate::model::{Config, NotifyScripts, Script};
use crate::parse::scripts::{insecure, resolve, run_path};

/// keepalived's default script user.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Which keepalived process is starting: each checks the scripts it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The parent: startup_script and shutdown_script.
    StartStop,
    /// The VRRP child: notify scripts of instances and sync groups, the notify FIFO scripts.
    Vrrp,
    /// The checker child: notify_up/down, quorum_up/down, MISC_CHECK, lvs_notify_fifo_script.
    Checker,
}

/// Checks every script `family` runs; disables the ones keepalived would not run and names
/// the default user on the others. Returns keepalived's log lines, in order.
pub fn apply(cfg: &mut Config, family: Family, host: &dyn Host) -> Vec<String> {
    let security = cfg.global.enable_script_security;
    let symlinks = cfg.global.use_symlink_paths;
    let default_user = default_user(cfg, host);
    let mut log = Vec::new();
    let check = |slot: &mut Option<Script>, log: &mut Vec<String>| {
        if let Some(s) = slot {
            if !runnable(s, security, symlinks, default_user.as_deref(), host, log) {
                *slot = None;
            }
        }
    };
    match family {
        Family::StartStop => {
            check(&mut cfg.global.startup_script, &mut log);
            check(&mut cfg.global.shutdown_script, &mut log);
        }
        Family::Vrrp => {
            // A sync group's notify scripts are the same set (it has no
            // master_rx_lower_pri or deleted: those stay None).
            let groups = cfg.vrrp.sync_groups.iter_mut().map(|g| &mut g.notify);
            for n in cfg
                .vrrp
                .instances
                .iter_mut()
                .map(|v| &mut v.notify)
                .chain(groups)
            {
                for slot in notify_slots(n) {
                    check(slot, &mut log);
                }
            }
            for fifo in [
                &mut cfg.global.notify_fifo,
                &mut cfg.global.vrrp_notify_fifo,
            ]
            .into_iter()
            .flatten()
            {
                check(&mut fifo.script, &mut log);
            }
            // vrrp_scripts: the insecure ones were removed when the configuration was read
            // (crate::parse::prune_disabled_scripts); the rest get their user.
            for vs in &mut cfg.vrrp.scripts {
                name_default_user(&mut vs.script, default_user.as_deref());
                if !symlinks {
                    resolve_path(&mut vs.script, host);
                }
            }
        }
        Family::Checker => {
            for vs in &mut cfg.lvs.virtual_servers {
                check(&mut vs.quorum_up, &mut log);
                check(&mut vs.quorum_down, &mut log);
                for rs in &mut vs.real_servers {
                    check(&mut rs.notify_up, &mut log);
                    check(&mut rs.notify_down, &mut log);
                    rs.checkers.retain_mut(|c| {
                        let CheckerKind::Misc(m) = &mut c.kind else {
                            return true;
                        };
                        let Some(s) = &mut m.script else {
                            return true;
                        };
                        let line = s.command_line();
                        let mut lines = Vec::new();
                        let keep = runnable(
                            s,
                            security,
                            symlinks,
                            default_user.as_deref(),
                            host,
                            &mut lines,
                        );
                        let inhibited = lines.iter().any(|l| l.ends_with(" - disabling."));
                        log.append(&mut lines);
                        if !keep && inhibited {
                            log.push(format!("Disabling misc script {line} due to insecure"));
                        } else if !keep {
                            log.push(format!(
                                "Disabling misc script {line} since not found/accessible"
                            ));
                        }
                        keep
                    });
                }
            }
            if let Some(fifo) = &mut cfg.global.lvs_notify_fifo {
                check(&mut fifo.script, &mut log);
            }
        }
    }
    log
}

/// Every notify script of an instance or a sync group.
fn notify_slots(n: &mut NotifyScripts) -> impl Iterator<Item = &mut Option<Script>> {
    let deleted = n.deleted.as_mut();
    [
        &mut n.backup,
        &mut n.master,
        &mut n.fault,
        &mut n.stop,
        &mut n.notify,
        &mut n.master_rx_lower_pri,
    ]
    .into_iter()
    .chain(deleted)
}

/// The user a script without its own runs as when `script_user` is not given:
/// keepalived_script when it exists. `None`: `script_user`, or root.
fn default_user(cfg: &Config, host: &dyn Host) -> Option<String> {
    if cfg.global.script_user.is_some() {
        return None;
    }
    host.user(DEFAULT_SCRIPT_USER)
        .map(|_| DEFAULT_SCRIPT_USER.to_owned())
}

fn name_default_user(s: &mut Script, default_user: Option<&str>) {
    if s.user.is_none() {
        s.user = default_user.map(str::to_owned);
    }
}

/// `argv[0]` becomes the path keepalived runs the script by (scripts::run_path).
fn resolve_path(s: &mut Script, host: &dyn Host) {
    if let (Some(p), Some(first)) = (run_path(s.path(), host), s.argv.first_mut()) {
        *first = p;
    }
}

/// keepalived's check_script_secure for one script; false when it must not run. Unless
/// `symlinks` (keepalived 2.3's use_symlink_paths), the script is then run by its resolved
/// path, as keepalived runs it.
fn runnable(
    s: &mut Script,
    security: bool,
    symlinks: bool,
    default_user: Option<&str>,
    host: &dyn Host,
    log: &mut Vec<String>,
) -> bool {
    name_default_user(s, default_user);
    let Some(path) = resolve(s.path(), host) else {
        if s.path().contains('/') {
            log.push(format!(
                "Script {} cannot be accessed - No such file or directory",
                s.path()
            ));
        } else {
            log.push(format!(
                "Cannot find script {} in path - disabling",
                s.path()
            ));
        }
        return false;
    };
    if !symlinks {
        resolve_path(s, host);
    }
    let as_root = match &s.user {
        Some(u) => host.user(u).is_some_and(|u| u.uid == 0),
        None => true,
    };
    if as_root && insecure(&path, host) {
        if security {
            log.push(format!(
                "Unsafe permissions found for script '{}' - disabling.",
                s.path()
            ));
            return false;
        }
        log.push(format!(
            "Unsafe permissions found for script '{}'.",
            s.path()
        ));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::host::FixedHost;

    fn script(path: &str) -> Option<Script> {
        Script::from_words(
            &[path.to_owned()],
            "startup_script",
            &Location::new("t.conf", 1),
        )
    }

    #[test]
    fn insecure_start_scripts_are_disabled_only_under_script_security() {
        let host = FixedHost::lab();
        let mut cfg = Config::default();
        // /tmp is world writable (sticky) and not a regular file: insecure.
        cfg.global.startup_script = script("/tmp");
        cfg.global.shutdown_script = script("/nonexistent/kr-13p");
        let log = apply(&mut cfg.clone(), Family::StartStop, &host);
        assert_eq!(
            log,
            [
                "Unsafe permissions found for script '/tmp'.",
                "Script /nonexistent/kr-13p cannot be accessed - No such file or directory"
            ]
        );
        cfg.global.enable_script_security = true;
        let log = apply(&mut cfg, Family::StartStop, &host);
        assert_eq!(
            log[0],
            "Unsafe permissions found for script '/tmp' - disabling."
        );
        assert!(cfg.global.startup_script.is_none() && cfg.global.shutdown_script.is_none());
    }

    /// keepalived runs a script by the path it resolved when it checked it (notify.c
    /// check_script_secure): symbolic links followed, a bare name found in PATH, the name
    /// written kept when the resolved directory has the same file under it; keepalived
    /// 2.3's `use_symlink_paths` keeps the path as written.
    #[test]
    fn scripts_run_by_the_path_keepalived_resolves() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("kr-scriptpath-{}", std::process::id()));
        let (real, links) = (dir.join("real"), dir.join("links"));
        std::fs::create_dir_all(&real).unwrap();
        std::fs::create_dir_all(&links).unwrap();
        let target = real.join("target.sh");
        std::fs::write(&target, "#!/bin/sh\n").unwrap();
        std::fs::write(real.join("same.sh"), "#!/bin/sh\n").unwrap();
        symlink(&target, links.join("alias.sh")).unwrap();
        symlink(real.join("same.sh"), links.join("same.sh")).unwrap();
        let host = FixedHost::lab();
        let run = |path: &str, symlinks: bool| {
            let mut cfg = Config::default();
            cfg.global.use_symlink_paths = symlinks;
            cfg.global.startup_script = script(path);
            apply(&mut cfg, Family::StartStop, &host);
            cfg.global.startup_script.map(|s| s.path().to_owned())
        };
        let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap();
        let alias = links.join("alias.sh").display().to_string();
        let same = links.join("same.sh").display().to_string();
        // Another name: no real/alias.sh, so the target's own path.
        assert_eq!(
            run(&alias, false),
            Some(canonical(&target).display().to_string())
        );
        // The same name: the resolved directory.
        let same_real = canonical(&real.join("same.sh")).display().to_string();
        assert_eq!(run(&same, false), Some(same_real));
        // A bare name: found in PATH, then resolved.
        let sh = run("sh", false).expect("sh in PATH");
        assert!(
            sh.starts_with('/') && std::path::Path::new(&sh).is_file(),
            "{sh}"
        );
        // use_symlink_paths: as written.
        assert_eq!(run(&alias, true), Some(alias.clone()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
