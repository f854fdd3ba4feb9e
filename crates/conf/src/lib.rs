//! keepalived.conf, read the way keepalived reads it, into a typed model.
//!
//! Pure: no sockets, no processes. Reading goes in three steps:
//! 1. [`lexer`]: files to logical lines (comments, conditionals, definitions, `~SEQ`,
//!    includes, braces on lines of their own);
//! 2. [`tree`]: logical lines to a tree of keyword nodes and `{ }` blocks;
//! 3. [`parse`]: the tree to the typed [`model::Config`], with keepalived's defaults, ranges
//!    and semantic checks, every problem recorded in [`Diagnostics`].
//!
//! [`load`] does all three for a file.

pub mod config_test;
pub mod diag;
pub mod host;
pub mod lexer;
pub mod model;
pub mod parse;
pub mod registry;
pub mod script_security;
pub mod tree;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics, ErrorClass, Location, Severity};
pub use host::{FixedHost, Host, SystemHost};
pub use lexer::{Limits, ReadOptions};
pub use model::Config;

/// A configuration as read, with every problem found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration (what could be read of it).
    pub config: Config,
    /// Every problem, in the order found.
    pub diagnostics: Diagnostics,
}

/// Reads, parses and checks the configuration file `path` and its includes.
pub fn load(path: &Path, opts: &ReadOptions, host: &dyn Host) -> Loaded {
    with_configured_seed(opts, |opts| {
        let mut diagnostics = Diagnostics::new();
        let lines = lexer::read_config(path, opts, &mut diagnostics);
        finish(lines, opts, host, diagnostics)
    })
}

/// Reads, parses and checks configuration text as if it were the file `name`.
pub fn load_str(text: &str, name: &Path, opts: &ReadOptions, host: &dyn Host) -> Loaded {
    with_configured_seed(opts, |opts| {
        let mut diagnostics = Diagnostics::new();
        let lines = lexer::read_str(text, name, opts, &mut diagnostics);
        finish(lines, opts, host, diagnostics)
    })
}

/// `random_seed`: keepalived seeds `${_RANDOM}` with it for every later read (its children
/// read the configuration again, so the instances see the seeded values). Here the
/// configuration is read again with that seed when it names one.
fn with_configured_seed(opts: &ReadOptions, read: impl Fn(&ReadOptions) -> Loaded) -> Loaded {
    let loaded = read(opts);
    match loaded.config.global.random_seed.map(u64::from) {
        Some(seed) if seed != opts.random_seed => read(&ReadOptions {
            random_seed: seed,
            ..opts.clone()
        }),
        _ => loaded,
    }
}

fn finish(
    lines: Vec<lexer::LogicalLine>,
    opts: &ReadOptions,
    host: &dyn Host,
    mut diagnostics: Diagnostics,
) -> Loaded {
    let cached = host::Cached::new(host);
    let host: &dyn Host = &cached;
    let nodes = tree::build(lines, &opts.limits, &mut diagnostics);
    let mut ctx = parse::Ctx::new(&mut diagnostics, host);
    let mut config = parse::parse_tree(&nodes, &mut ctx);
    // No silent ignores: every accepted keyword that does nothing here is named (by -t and
    // the daemon's start-up log; kept apart from the diagnostics, which mirror keepalived's).
    // A keyword this build refuses (Unknown keyword, e.g. vrrp_ipsets) is reported once.
    config.unsupported = registry::unsupported_in(&nodes)
        .into_iter()
        .filter(|u| {
            !diagnostics.iter().any(|d| {
                d.class == ErrorClass::UnknownKeyword && d.location.as_ref() == Some(&u.location)
            })
        })
        .collect();
    // What the checks disabled is not run (they reported it).
    parse::prune_disabled_scripts(&mut config, host);
    Loaded {
        config,
        diagnostics,
    }
}
