//! `-m/--core-dump` and `-M/--core-dump-pattern[=PATN]`, as keepalived's core_dump_init: -M
//! writes PATN (default `core`) to /proc/sys/kernel/core_pattern and the parent puts the
//! original back when it exits; -m (implied by -M) raises RLIMIT_CORE to unlimited, which
//! the children inherit.

use keepalived_daemon::log;

/// The kernel's core pattern file.
const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

/// What to put back at exit.
#[derive(Debug, Default)]
pub struct CoreDump {
    original_pattern: Option<String>,
}

/// Applies -m/-M. `pattern` is `Some` with -M.
pub fn init(wanted: bool, pattern: Option<&str>) -> CoreDump {
    let mut state = CoreDump::default();
    if let Some(p) = pattern {
        match std::fs::read_to_string(CORE_PATTERN) {
            Ok(orig) if std::fs::write(CORE_PATTERN, p).is_ok() => {
                state.original_pattern = Some(orig.trim_end_matches('\n').to_owned());
            }
            _ => log::info("Unable to read/write core_pattern"),
        }
    }
    if wanted {
        use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};
        if getrlimit(Resource::RLIMIT_CORE).is_err() {
            log::info("Failed to get core file size");
        } else if setrlimit(Resource::RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY).is_err() {
            log::info("Failed to set core file size");
        }
    }
    state
}

impl CoreDump {
    /// Puts the original core_pattern back (keepalived does at exit).
    pub fn restore(self) {
        if let Some(orig) = self.original_pattern {
            if std::fs::write(CORE_PATTERN, orig).is_err() {
                log::info("Unable to read/write core_pattern");
            }
        }
    }
}
