//! Where log lines go: keepalived's words, one line each.

use std::sync::Arc;

/// A sink for log lines (keepalived's messages, without the process prefix).
#[derive(Clone)]
pub struct Logger(Arc<dyn Fn(&str) + Send + Sync>);

impl Logger {
    /// Lines handed to `f`.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Logger {
        Logger(Arc::new(f))
    }

    /// Lines written to stderr as `Keepalived_healthcheckers[PID]: LINE`, the way the
    /// daemon writes its VRRP lines.
    pub fn stderr() -> Logger {
        Logger::new(|line| eprintln!("Keepalived_healthcheckers[{}]: {line}", std::process::id()))
    }

    /// Writes one line.
    pub fn info(&self, line: impl AsRef<str>) {
        (self.0)(line.as_ref());
    }
}

impl Default for Logger {
    fn default() -> Self {
        Logger::stderr()
    }
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logger")
    }
}
