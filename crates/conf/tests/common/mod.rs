//! Helpers shared by the conf integration tests.
#![allow(dead_code)]

use std::path::Path;

use keepalived_conf::{load_str, ErrorClass, FixedHost, Loaded, ReadOptions, Severity};

/// Reads `text` as the file `t.conf` on the lab host (interfaces lo, eth0..eth3).
pub fn load(text: &str) -> Loaded {
    load_str(
        text,
        Path::new("t.conf"),
        &ReadOptions::default(),
        &FixedHost::lab(),
    )
}

/// Whether there is an error on `line` whose message contains `text`.
pub fn error_at(l: &Loaded, line: u32, text: &str) -> bool {
    error_located(l, Some(line), text)
}

/// Whether there is an error at `line` (`None`: without a location) containing `text`.
pub fn error_located(l: &Loaded, line: Option<u32>, text: &str) -> bool {
    l.diagnostics.iter().any(|d| {
        d.severity == Severity::Error
            && d.location.as_ref().map(|x| x.line) == line
            && d.message.contains(text)
    })
}

/// Every problem as printed, except script security (checked by its own tests).
pub fn problems(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.class != ErrorClass::Security)
        .map(|d| d.to_string())
        .collect()
}
