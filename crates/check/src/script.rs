//! Scripts: notify_up/down, quorum_up/down and MISC_CHECK's misc_path. Each runs in its own
//! process group, as the configured user (else global_defs `script_user`), without blocking
//! the loop; on timeout the group gets SIGTERM, then SIGKILL 2s later (keepalived's misc
//! checker). Every child is waited for, so none is left a zombie.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use keepalived_conf::model::Script;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use crate::pool::MiscResult;

/// keepalived's grace between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Who scripts run as when they name no user: `script_user` of global_defs.
#[derive(Debug, Clone, Default)]
pub struct ScriptUser(pub Option<(String, Option<String>)>);

fn command(script: &Script, default_user: &ScriptUser) -> Option<Command> {
    let (prog, args) = script.argv.split_first()?;
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(false);
    if let Some(limit) = crate::fd_limit::original() {
        // SAFETY: setrlimit is async-signal-safe, and `limit` was read before the fork.
        unsafe {
            cmd.pre_exec(move || {
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                Ok(())
            });
        }
    }
    let user = script
        .user
        .clone()
        .map(|u| (u, script.group.clone()))
        .or_else(|| default_user.0.clone());
    if let Some((user, group)) = user {
        let u = nix::unistd::User::from_name(&user).ok().flatten()?;
        let gid = group
            .and_then(|g| nix::unistd::Group::from_name(&g).ok().flatten())
            .map_or(u.gid, |g| g.gid);
        cmd.uid(u.uid.as_raw()).gid(gid.as_raw());
    }
    Some(cmd)
}

/// Waits for `child` up to `timeout`; then terminates its process group. Returns how it
/// ended.
async fn wait_bounded(mut child: Child, timeout: Option<Duration>) -> MiscResult {
    let pid = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(Pid::from_raw);
    let status = match timeout {
        None => child.wait().await,
        Some(t) => match tokio::time::timeout(t, child.wait()).await {
            Ok(s) => s,
            Err(_) => {
                if let Some(pg) = pid {
                    let _ = killpg(pg, Signal::SIGTERM);
                }
                match tokio::time::timeout(KILL_GRACE, child.wait()).await {
                    Ok(_) => {}
                    Err(_) => {
                        if let Some(pg) = pid {
                            let _ = killpg(pg, Signal::SIGKILL);
                        }
                        let _ = child.wait().await;
                    }
                }
                // Whatever the script left behind in its group goes too.
                if let Some(pg) = pid {
                    let _ = killpg(pg, Signal::SIGKILL);
                }
                return MiscResult::TimedOut;
            }
        },
    };
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(c), _) => MiscResult::Exited(c as u32),
            (None, Some(sig)) => MiscResult::Signaled(sig),
            (None, None) => MiscResult::Exited(1),
        },
        Err(_) => MiscResult::Exited(1),
    }
}

/// Runs `script` to its end (MISC_CHECK). A script that cannot be started counts as failed:
/// exit status 127 as from a shell, 1 when its user does not exist.
pub async fn run(script: &Script, user: &ScriptUser, timeout: Option<Duration>) -> MiscResult {
    let Some(mut cmd) = command(script, user) else {
        return MiscResult::Exited(1);
    };
    match cmd.spawn() {
        Ok(child) => {
            // If the checker is stopped mid-run (shutdown), the script's group goes with it.
            let mut guard = GroupGuard(
                child
                    .id()
                    .and_then(|p| i32::try_from(p).ok())
                    .map(Pid::from_raw),
            );
            let r = wait_bounded(child, timeout).await;
            guard.0 = None;
            r
        }
        Err(_) => MiscResult::Exited(127),
    }
}

/// Kills a process group when dropped while still armed.
struct GroupGuard(Option<Pid>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pg) = self.0 {
            let _ = killpg(pg, Signal::SIGKILL);
        }
    }
}

/// Starts `script` in the background (notify scripts); it is reaped by a task of its own,
/// killed after `timeout` when one is given. Returns whether it started.
pub fn spawn(script: &Script, user: &ScriptUser, timeout: Option<Duration>) -> bool {
    let Some(mut cmd) = command(script, user) else {
        return false;
    };
    match cmd.spawn() {
        Ok(child) => {
            tokio::spawn(wait_bounded(child, timeout));
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::Location;

    fn script(cmd: &str) -> Script {
        let words = vec![cmd.to_owned()];
        Script::from_words(&words, "misc_path", &Location::new("t.conf", 1)).unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn exit_status_signal_and_timeout_are_told_apart() {
        let u = ScriptUser::default();
        assert_eq!(
            run(&script("/bin/sh -c 'exit 3'"), &u, None).await,
            MiscResult::Exited(3)
        );
        assert_eq!(
            run(&script("/bin/sh -c 'kill -9 $$'"), &u, None).await,
            MiscResult::Signaled(9)
        );
        let t = Some(Duration::from_millis(200));
        assert_eq!(
            run(&script("/bin/sleep 5"), &u, t).await,
            MiscResult::TimedOut
        );
        assert_eq!(
            run(&script("/nonexistent/x"), &u, None).await,
            MiscResult::Exited(127)
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_spawned_script_runs_in_the_background() {
        let dir = std::env::temp_dir().join(format!("kck-script-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("ran");
        let s = script(&format!("/bin/sh -c 'echo x > {}'", f.display()));
        assert!(spawn(&s, &ScriptUser::default(), None));
        for _ in 0..50 {
            if f.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(f.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
