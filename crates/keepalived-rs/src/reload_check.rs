//! `reload_check_config [LOG_FILE]`: before a SIGHUP reaches the children, the parent runs
//! this binary again with its own arguments and `--config-test=LOG_FILE` (keepalived's
//! start_validate_reload_conf_child, main.c); a configuration that fails the test is not
//! reloaded, and the test's lines are in LOG_FILE (/dev/null without one).

use std::path::{Path, PathBuf};
use std::time::Duration;

use keepalived_daemon::log;

/// keepalived gives the config-test child 5 seconds.
const TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The log file of `reload_check_config`, if configured.
pub(crate) fn log_file(setting: &Option<Option<PathBuf>>) -> Option<PathBuf> {
    setting
        .as_ref()
        .map(|f| f.clone().unwrap_or_else(|| PathBuf::from("/dev/null")))
}

/// Whether the configuration on disk passes `--config-test`, run as keepalived runs it.
pub(crate) async fn validates(log_file: &Path) -> bool {
    if let Err(e) = truncate(log_file) {
        log::info(format!(
            "truncate of config check log {} failed ({}) - {}",
            log_file.display(),
            e.raw_os_error().unwrap_or(0),
            crate::run::strerror(&e)
        ));
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            log::info(format!(
                "readlink(\"/proc/self/exe\" failed - {e} - config-test aborted"
            ));
            return false;
        }
    };
    let mut test = tokio::process::Command::new(exe);
    test.args(std::env::args_os().skip(1))
        .arg(format!("--config-test={}", log_file.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let status = match test.spawn() {
        Ok(mut child) => match tokio::time::timeout(TEST_TIMEOUT, child.wait()).await {
            Ok(s) => s.ok(),
            Err(_) => {
                log::info("Child (config check) timed out");
                return false;
            }
        },
        Err(_) => {
            log::info("Could not run config-test");
            return false;
        }
    };
    match status {
        Some(s) if s.success() => true,
        _ => {
            log::info(format!(
                "New config failed validation, see {} for details",
                log_file.display()
            ));
            false
        }
    }
}

/// keepalived's truncate(LOG_FILE, 0): a missing file is not an error.
fn truncate(path: &Path) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f.set_len(0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
