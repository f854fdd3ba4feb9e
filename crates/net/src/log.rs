//! Where this crate's log lines go: the process's log (the daemon's, in keepalived's words),
//! set once by [`set_sink`]. Until then, and in programs that never set one, they are
//! dropped.

use std::sync::OnceLock;

static SINK: OnceLock<fn(&str)> = OnceLock::new();

/// Sends the crate's log lines to `sink` (once per process; later calls are ignored).
pub fn set_sink(sink: fn(&str)) {
    let _ = SINK.set(sink);
}

/// Writes one line to the sink, if there is one.
pub(crate) fn info(line: &str) {
    if let Some(sink) = SINK.get() {
        sink(line);
    }
}

/// The C library's text for an error, as keepalived's `%m` prints it (std appends
/// " (os error N)" to it).
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
