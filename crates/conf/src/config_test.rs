//! `keepalived -t`: check a configuration, print every problem, return keepalived's exit code.

use std::io::Write;
use std::path::Path;

use crate::{load, Host, Loaded, ReadOptions};

/// Checks the configuration at `path`, writes every diagnostic (errors and warnings, in the
/// order found, each with file:line, keyword and what is accepted) and then every keyword
/// keepalived-rs does not support (warnings) to `out`, and returns the
/// exit code keepalived 2.2.7's `-t` gives for the same configuration.
pub fn run(path: &Path, opts: &ReadOptions, host: &dyn Host, out: &mut dyn Write) -> (i32, Loaded) {
    let loaded = load(path, opts, host);
    for d in &loaded.diagnostics {
        // A failed write (closed stderr) must not stop the check or change its verdict.
        let _ = writeln!(out, "{d}");
    }
    // What keepalived would act on and we do not: warnings, the verdict stays keepalived's.
    for u in loaded.config.unsupported_keywords() {
        let _ = writeln!(out, "{u}");
    }
    let mut code = loaded.diagnostics.config_test_exit_code();
    if let Some(ns) = &loaded.config.global.net_namespace {
        // keepalived 2.2.7 checks nothing when the configuration names a network namespace
        // (its -t exits 0 in silence); we keep its verdict but still show what we found.
        if code != 0 {
            let _ = writeln!(
                out,
                "note: net_namespace {ns} is set: keepalived 2.2.7 does not check such a \
                 configuration, so the problems above do not change the exit code"
            );
        }
        code = 0;
    }
    (code, loaded)
}
