//! `keepalived -t`: check a configuration, print every problem, return keepalived's exit code.

use std::io::Write;
use std::path::Path;

use crate::{load, Host, Loaded, ReadOptions};

/// Checks the configuration at `path`, writes every diagnostic (errors and warnings, in the
/// order found, each with file:line, keyword and what is accepted) to `out`, and returns the
/// exit code keepalived 2.2.7's `-t` gives for the same configuration.
pub fn run(path: &Path, opts: &ReadOptions, host: &dyn Host, out: &mut dyn Write) -> (i32, Loaded) {
    let loaded = load(path, opts, host);
    for d in &loaded.diagnostics {
        // A failed write (closed stderr) must not stop the check or change its verdict.
        let _ = writeln!(out, "{d}");
    }
    let code = loaded.diagnostics.config_test_exit_code();
    (code, loaded)
}
