//! Notify scripts: run without blocking the event loop, reaped, never zombies.

use keepalived_conf::model::Script;
use tokio::process::Command;

use crate::log;

/// Runs `script` with `extra` arguments appended, in the background.
pub fn spawn(script: &Script, extra: &[String]) {
    let Some((prog, args)) = script.argv.split_first() else {
        return;
    };
    let mut cmd = Command::new(prog);
    cmd.args(args).args(extra).kill_on_drop(false);
    match cmd.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => log::info(format!(
            "Failed to exec script {}: {e}",
            script.command_line()
        )),
    }
}
