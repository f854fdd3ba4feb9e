//! `startup_script` / `shutdown_script` (and their `_timeout`), as keepalived's parent runs
//! them: the startup script before any child starts (the children start when it ends or is
//! stopped), the shutdown script once the children have stopped (the parent exits when it
//! ends). A script still running at its timeout gets SIGTERM ("startup script timed out"),
//! then SIGKILL 2 s later, its process group SIGKILL after that; a non-zero exit is logged
//! with keepalived's words ("startup script script failed, status 1").

use std::time::Duration;

use keepalived_conf::model::{GlobalDefs, Script};
use keepalived_daemon::log;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// keepalived's grace between SIGTERM and SIGKILL for these scripts.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Which of the two scripts (keepalived's `type` string in its messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `startup_script`.
    Startup,
    /// `shutdown_script`.
    Shutdown,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Startup => "startup script",
            Kind::Shutdown => "shutdown script",
        }
    }
}

/// Runs `script` to its end or to `timeout`, as keepalived's system_call_script and
/// startup_shutdown_script_completed.
pub async fn run(kind: Kind, script: &Script, global: &GlobalDefs, timeout: Duration) {
    let what = kind.what();
    if log::detail() {
        let label = match kind {
            Kind::Startup => "Running startup script",
            Kind::Shutdown => "Running shutdown script",
        };
        log::info(format!("{label} {}", script.path()));
    }
    let Some(mut cmd) = keepalived_daemon::script_command(script, global) else {
        return;
    };
    cmd.stdin(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(false);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(_) => {
            let label = match kind {
                Kind::Startup => "Call of startup script",
                Kind::Shutdown => "Call of shutdown script",
            };
            log::info(format!("{label} {} failed", script.path()));
            return;
        }
    };
    let group = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(Pid::from_raw);
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(s) => s,
        Err(_) => {
            log::info(format!("{what} timed out"));
            if let Some(g) = group {
                let _ = killpg(g, Signal::SIGTERM);
            }
            match tokio::time::timeout(KILL_GRACE, child.wait()).await {
                Ok(s) => {
                    if let Some(g) = group {
                        let _ = killpg(g, Signal::SIGKILL);
                    }
                    s
                }
                Err(_) => {
                    if let Some(g) = group {
                        let _ = killpg(g, Signal::SIGKILL);
                    }
                    child.wait().await
                }
            }
        }
    };
    if let Ok(s) = status {
        match s.code() {
            Some(0) if log::detail() => log::info(format!("{what} script succeeded")),
            Some(0) | None => {}
            Some(c) => log::info(format!("{what} script failed, status {c}")),
        }
    }
}
