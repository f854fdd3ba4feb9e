//! `keepalived -t`: check a configuration, print every problem, return keepalived's exit code.

use std::io::Write;
use std::path::Path;

use crate::{load, Host, Loaded, ReadOptions};

/// The network namespace `-t` runs in (`-s` or `net_namespace`), as the caller found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    /// None named: the check runs where it is.
    None,
    /// Named and entered: the check (interfaces) is the namespace's.
    Entered,
    /// Named but it cannot be entered: keepalived 2.2.7 logs "Unable to set network
    /// namespace NAME - exiting" and exits 0 without checking.
    Unavailable(String),
}

/// Checks the configuration at `path`, writes every diagnostic (errors and warnings, in the
/// order found, each with file:line, keyword and what is accepted) and then every keyword
/// keepalived-rs does not support (warnings) to `out`, and returns the
/// exit code keepalived 2.2.7's `-t` gives for the same configuration.
pub fn run(
    path: &Path,
    opts: &ReadOptions,
    host: &dyn Host,
    out: &mut dyn Write,
    namespace: &Namespace,
) -> (i32, Loaded) {
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
    if let Namespace::Unavailable(ns) = namespace {
        // keepalived 2.2.7 enters the namespace before checking; when it cannot, it exits 0
        // having checked nothing. We keep its verdict but still show what we found.
        let _ = writeln!(out, "Unable to set network namespace {ns} - exiting");
        if code != 0 {
            let _ = writeln!(
                out,
                "note: keepalived 2.2.7 checks nothing when it cannot enter network namespace \
                 {ns}, so the problems above do not change the exit code"
            );
        }
        code = 0;
    }
    (code, loaded)
}
