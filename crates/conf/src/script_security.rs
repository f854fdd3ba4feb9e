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
use crate::parse::scripts::{insecure, resolve};

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
    let default_user = default_user(cfg, host);
    let mut log = Vec::new();
    let check = |slot: &mut Option<Script>, log: &mut Vec<String>| {
        if let Some(s) = slot {
            if !runnable(s, security, default_user.as_deref(), host, log) {
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
                        let keep = runnable(s, security, default_user.as_deref(), host, &mut lines);
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

/// keepalived's check_script_secure for one script; false when it must not run.
fn runnable(
    s: &mut Script,
    security: bool,
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
}
