//! Script security: the checks keepalived makes on every configured script
//! (core/notify.c `check_script_secure`, `set_default_script_user`), as observed with
//! keepalived 2.2.7 `-t` (docs/notes/keepalived-config-test.md §3):
//!
//! * only scripts whose program exists count;
//! * without `enable_script_security`, any such script is a security violation (exit 6),
//!   one message per process family;
//! * with it, a script running as root that a non-root user could change (the file or a
//!   directory on its path owned by non-root, or group/other writable without the sticky bit)
//!   is insecure: a `vrrp_script` is then disabled (error); other scripts are only logged;
//! * a `vrrp_script` whose program is missing is disabled (error);
//! * with security on, scripts without a user need `script_user` or the `keepalived_script`
//!   user.
//!
//! The VRRP scripts are only checked when there is a `vrrp_instance` (keepalived starts no VRRP
//! process otherwise).

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::diag::ErrorClass;
use crate::host::{FileInfo, Host};
use crate::model::{Config, Script};

/// The PATH keepalived searches when a script is not given with a `/` and none is set.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// keepalived's default script user when `script_user` is not given.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Which keepalived process runs a script: each reports its own violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    StartShutdown,
    Vrrp,
    Checker,
}

impl Family {
    fn of(keyword: &str) -> Family {
        match keyword {
            "startup_script" | "shutdown_script" => Family::StartShutdown,
            "misc_path"
            | "notify_up"
            | "notify_down"
            | "quorum_up"
            | "quorum_down"
            | "lvs_notify_fifo_script" => Family::Checker,
            _ => Family::Vrrp,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Family::StartShutdown => "start/shutdown scripts",
            Family::Vrrp => "scripts",
            Family::Checker => "check scripts",
        }
    }
}

/// What the checks found out about one script.
struct Verdict {
    exists: bool,
    insecure: bool,
    /// No user could be found to run it as (security on, no script_user/keepalived_script).
    no_user: bool,
}

/// Checks every script registered while parsing against global_defs' script settings.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let has_vrrp = !cfg.vrrp.instances.is_empty();
    let security = cfg.global.enable_script_security;
    let default_uid = default_uid(cfg, ctx.host);
    let mut reported_default_user = false;

    // vrrp_script programs: missing, insecure or without a user -> disabled.
    if has_vrrp {
        for vs in &cfg.vrrp.scripts {
            let v = verdict(&vs.script, default_uid, ctx.host);
            if !v.exists {
                ctx.error_at(
                    Some(&vs.script.loc),
                    Some("script"),
                    ErrorClass::General,
                    format!(
                        "Disabling track script {} since not found/accessible",
                        vs.name
                    ),
                );
            } else if security && v.no_user {
                if !reported_default_user {
                    reported_default_user = true;
                    default_user_error(ctx, &vs.script);
                }
                ctx.error_at(
                    Some(&vs.script.loc),
                    Some("script"),
                    ErrorClass::General,
                    format!(
                        "Unable to set default user for vrrp script {} - removing",
                        vs.name
                    ),
                );
            } else if security && v.insecure {
                ctx.error_at(
                    Some(&vs.script.loc),
                    Some("script"),
                    ErrorClass::General,
                    format!("Disabling track script {} due to insecure", vs.name),
                );
            }
        }
    }

    // Per family: whether any script is insecure, and the first script (keepalived names no
    // line; we point at the first script so that the user sees where).
    let mut violations: Vec<(Family, bool, &Script)> = Vec::new();
    let scripts = ctx.scripts.clone();
    // Until the LVS model says whether there are virtual servers, a checker script of a real
    // server stands for them (lvs_notify_fifo_script alone starts no checker process).
    let has_checker = scripts.iter().any(|s| {
        Family::of(&s.keyword) == Family::Checker && s.keyword != "lvs_notify_fifo_script"
    });
    for s in &scripts {
        let family = Family::of(&s.keyword);
        if (family == Family::Vrrp && !has_vrrp) || (family == Family::Checker && !has_checker) {
            continue;
        }
        let v = verdict(s, default_uid, ctx.host);
        if !v.exists {
            continue;
        }
        if security {
            let is_vrrp_script = cfg.vrrp.scripts.iter().any(|vs| vs.script.loc == s.loc);
            if v.no_user && !is_vrrp_script && !reported_default_user {
                reported_default_user = true;
                default_user_error(ctx, s);
            }
            continue;
        }
        match violations.iter_mut().find(|(f, _, _)| *f == family) {
            Some((_, insecure, _)) => *insecure |= v.insecure,
            None => violations.push((family, v.insecure, s)),
        }
    }
    for (family, insecure, first) in violations {
        let tail = if insecure {
            " There are insecure scripts."
        } else {
            ""
        };
        ctx.error_at(
            Some(&first.loc),
            Some(&first.keyword),
            ErrorClass::Security,
            format!(
                "SECURITY VIOLATION - {} are being executed but script_security not enabled.{tail}",
                family.what()
            ),
        )
        .accepted("enable_script_security in global_defs");
    }
}

/// Removes the vrrp_scripts keepalived disables (missing, or with script security: insecure
/// or without a user to run as), as its checks do: instances tracking them then ignore them.
/// Returns their names.
pub(crate) fn prune_disabled(cfg: &mut Config, host: &dyn Host) -> Vec<String> {
    let security = cfg.global.enable_script_security;
    let default_uid = default_uid(cfg, host);
    let mut removed = Vec::new();
    cfg.vrrp.scripts.retain(|vs| {
        let v = verdict(&vs.script, default_uid, host);
        let keep = v.exists && !(security && (v.no_user || v.insecure));
        if !keep {
            removed.push(vs.name.clone());
        }
        keep
    });
    removed
}

fn default_user_error(ctx: &mut Ctx<'_>, s: &Script) {
    ctx.error_at(
        Some(&s.loc),
        Some(&s.keyword),
        ErrorClass::General,
        format!("Unable to set default user {DEFAULT_SCRIPT_USER} for script"),
    )
    .accepted("script_user in global_defs, a user after the script, or a keepalived_script user");
}

/// The uid scripts without their own user run as: `script_user`, else `keepalived_script`,
/// else (security off) root. `None`: no user can be found.
fn default_uid(cfg: &Config, host: &dyn Host) -> Option<u32> {
    if let Some((u, _)) = &cfg.global.script_user {
        return host.user(u).map(|u| u.uid);
    }
    match host.user(DEFAULT_SCRIPT_USER) {
        Some(u) => Some(u.uid),
        None if cfg.global.enable_script_security => None,
        None => Some(0),
    }
}

fn verdict(s: &Script, default_uid: Option<u32>, host: &dyn Host) -> Verdict {
    let Some(path) = resolve(s.path(), host) else {
        return Verdict {
            exists: false,
            insecure: false,
            no_user: false,
        };
    };
    let uid = match &s.user {
        Some(u) => host.user(u).map(|u| u.uid),
        None => default_uid,
    };
    Verdict {
        exists: true,
        insecure: uid == Some(0) && insecure(&path, host),
        no_user: uid.is_none(),
    }
}

/// The program's path as keepalived finds it: as given when it has a `/`, else the first
/// regular file of that name in PATH.
pub(crate) fn resolve(program: &str, host: &dyn Host) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    let is_file = |p: &Path| host.file_info(p).is_some_and(|f| f.is_file);
    if program.contains('/') {
        // Given with a path, anything there counts (a directory is then insecure).
        let p = PathBuf::from(program);
        return host.file_info(&p).is_some().then_some(p);
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.to_owned());
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(program))
        .find(|p| is_file(p))
}

/// The path keepalived runs a script by (notify.c check_script_secure, without keepalived
/// 2.3's `use_symlink_paths`): the program found (in PATH for a bare name) with its
/// symbolic links resolved, keeping the name written when the resolved directory has a
/// file of that name that is the same file (some programs act on the name they are
/// called by); `None` when it cannot be found.
pub(crate) fn run_path(program: &str, host: &dyn Host) -> Option<String> {
    let found = resolve(program, host)?;
    let Some(real) = host.canonical(&found) else {
        return Some(found.display().to_string());
    };
    if real == found {
        return Some(found.display().to_string());
    }
    let same_name = found.file_name() == real.file_name();
    let kept_name = (!same_name)
        .then(|| Some(real.parent()?.join(found.file_name()?)))
        .flatten()
        .filter(|c| host.canonical(c).as_ref() == Some(&real));
    Some(kept_name.unwrap_or(real).display().to_string())
}

/// Whether a non-root user could change what runs: the file or a directory on its (resolved)
/// path is owned by non-root, writable by a non-root group, or writable by others (directories
/// with the sticky bit excepted). Something that is not a regular file is not trusted either.
pub(crate) fn insecure(path: &Path, host: &dyn Host) -> bool {
    let real = host.canonical(path).unwrap_or_else(|| path.to_path_buf());
    let Some(file) = host.file_info(&real) else {
        return false;
    };
    let writable = |f: &FileInfo| f.mode & 0o002 != 0 || (f.mode & 0o020 != 0 && f.gid != 0);
    if !file.is_file || file.uid != 0 || writable(&file) {
        return true;
    }
    real.ancestors().skip(1).any(|dir| {
        host.file_info(dir)
            .is_some_and(|d| d.uid != 0 || (writable(&d) && d.mode & 0o1000 == 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, Location};
    use crate::host::FixedHost;

    fn run(keywords: &[&str]) -> Vec<String> {
        let mut diags = Diagnostics::new();
        let host = FixedHost::lab();
        let mut ctx = Ctx::new(&mut diags, &host);
        for kw in keywords {
            let loc = Location::new("t.conf", 1);
            let s = Script::from_words(&["/bin/true".to_owned()], kw, &loc).unwrap();
            ctx.register_script(&s);
        }
        check(&Config::default(), &mut ctx);
        diags
            .iter()
            .filter(|d| d.class == ErrorClass::Security)
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn checker_scripts_have_their_own_violation() {
        assert_eq!(
            run(&["misc_path", "notify_up"]),
            ["SECURITY VIOLATION - check scripts are being executed but script_security not enabled."]
        );
    }

    #[test]
    fn lvs_notify_fifo_script_alone_runs_no_checker() {
        assert!(run(&["lvs_notify_fifo_script"]).is_empty());
        assert_eq!(run(&["lvs_notify_fifo_script", "misc_path"]).len(), 1);
    }

    #[test]
    fn vrrp_scripts_need_an_instance() {
        assert!(run(&["notify_master", "notify_fifo_script"]).is_empty());
    }

    #[test]
    fn path_resolution() {
        let host = FixedHost::lab();
        assert!(resolve("sh", &host).is_some());
        assert!(resolve("/nonexistent/kr-cg2", &host).is_none());
        assert!(resolve("", &host).is_none());
        // A directory is not a program found in PATH, but given with a path it is there
        // (and insecure).
        assert!(resolve("tmp", &host).is_none());
        assert!(insecure(&resolve("/tmp", &host).unwrap(), &host));
    }
}
