//! The keyword registry: for every keyword keepalived 2.2.7 and 2.3.4 register (their lists
//! are in `crates/conf/data/keywords-*.tsv`, extracted by `tools/extract-keywords.py`), what
//! keepalived-rs does with it. Nothing is silently ignored: a keyword that is read but has no
//! effect at run time is [`Status::NotSupported`], and `-t` and the daemon's start-up log name
//! every such keyword a configuration uses ([`unsupported_in`]).

mod table;

use crate::diag::{Diagnostic, ErrorClass, Location, Severity};
use crate::tree::Node;

/// What keepalived-rs does with a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It acts at run time; `test` (`path/to/file.rs::fn_name`, or a differential scenario
    /// `tests/scenarios/NAME.scn` run beside keepalived by `scenarios.rs`) shows the effect.
    Acts {
        /// The test that shows it, as `file::function` or `tests/scenarios/NAME.scn`.
        test: &'static str,
    },
    /// The run time reads it (`read_in`: `file::identifier` where it is read), but no test
    /// shows its effect yet.
    ActsUntested {
        /// Where the run time reads the parsed value, as `file::identifier`.
        read_in: &'static str,
    },
    /// keepalived itself does nothing observable with it either.
    Cosmetic {
        /// Why it has no effect.
        why: &'static str,
    },
    /// keepalived acts on it; keepalived-rs accepts it and does not.
    NotSupported {
        /// What is missing.
        why: &'static str,
    },
}

/// One rule of the table: a status for `keywords` in each of `sections`.
#[derive(Debug)]
pub struct Rule {
    /// Sections as in the data files: `root`, `global_defs`, `vrrp_instance`,
    /// `virtual_server/real_server/HTTP_GET/url`...
    pub sections: &'static [&'static str],
    /// Keywords, separated by spaces.
    pub keywords: &'static str,
    /// What keepalived-rs does with them.
    pub status: Status,
}

/// Every rule, in table order.
pub fn rules() -> &'static [Rule] {
    table::RULES
}

/// The status of `keyword` in `section`, when the registry knows it.
pub fn lookup(section: &str, keyword: &str) -> Option<Status> {
    rules()
        .iter()
        .find(|r| r.sections.contains(&section) && r.keywords.split(' ').any(|k| k == keyword))
        .map(|r| r.status)
}

/// Every `(section, keyword, status)` of the registry, in table order.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str, Status)> {
    rules().iter().flat_map(|r| {
        r.sections.iter().flat_map(move |s| {
            r.keywords
                .split(' ')
                .filter(|k| !k.is_empty())
                .map(move |k| (*s, k, r.status))
        })
    })
}

/// A keyword of the configuration that keepalived-rs accepts but does not act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The keyword.
    pub keyword: String,
    /// Its section (as in the registry).
    pub section: String,
    /// Where it is.
    pub location: Location,
    /// What is missing.
    pub why: &'static str,
}

impl Unsupported {
    /// As a warning (it never changes the verdict of `-t`).
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            class: ErrorClass::Warning,
            location: Some(self.location.clone()),
            keyword: Some(self.keyword.clone()),
            message: format!("not supported by keepalived-rs, ignored: {}", self.why),
            accepted: None,
        }
    }
}

/// `file:line: warning: keyword: not supported by keepalived-rs, ignored: why`, then the
/// include chain.
impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_diagnostic().fmt(f)
    }
}

/// Every keyword of `nodes` (the root of a configuration tree) that the registry marks
/// [`Status::NotSupported`], in file order. Only blocks whose contents are keywords are
/// walked (not `virtual_ipaddress` lines and the like).
pub fn unsupported_in(nodes: &[Node]) -> Vec<Unsupported> {
    let mut out = Vec::new();
    walk(nodes, "root", &mut out);
    out
}

fn is_section(section: &str) -> bool {
    rules().iter().any(|r| r.sections.contains(&section))
}

fn walk(nodes: &[Node], section: &str, out: &mut Vec<Unsupported>) {
    for node in nodes {
        if let Some(Status::NotSupported { why }) = lookup(section, &node.keyword) {
            out.push(Unsupported {
                keyword: node.keyword.clone(),
                section: section.to_owned(),
                location: node.loc.clone(),
                why,
            });
        }
        if let Some(block) = &node.block {
            let child = if section == "root" {
                node.keyword.clone()
            } else {
                format!("{section}/{}", node.keyword)
            };
            if is_section(&child) {
                walk(block, &child, out);
            }
        }
    }
}

/// The published table (docs/keywords.md): every keyword of `keepalived` (the `(section,
/// keyword)` pairs of its data file, with the versions that have each), and its status.
pub fn markdown(versions: &[(&str, Vec<(String, String)>)]) -> String {
    use std::fmt::Write;
    let mut all: Vec<(String, String)> = versions.iter().flat_map(|(_, v)| v.clone()).collect();
    all.sort();
    all.dedup();
    let mut s = String::new();
    s.push_str("# keepalived keywords in keepalived-rs\n\n");
    s.push_str(
        "Generated from `crates/conf/src/registry/table.rs` by\n\
         `UPDATE_KEYWORDS_DOC=1 cargo test -p keepalived-conf --test keyword_registry`;\n\
         the keyword lists are keepalived's own parser tables (`crates/conf/data/`,\n\
         extracted by `tools/extract-keywords.py`). **acts**: keepalived-rs acts on it (the\n\
         test that shows it; a `tests/scenarios/*.scn` is a differential scenario, run beside\n\
         keepalived 2.2.7 by `crates/keepalived-rs/tests/scenarios.rs`); **acts, untested**: the run time reads it (where), no test\n\
         shows it yet; **cosmetic**: keepalived does nothing observable with it either;\n\
         **not supported**: accepted, ignored, and `keepalived-rs -t` and the daemon's\n\
         start-up log say so with file:line.\n\n",
    );
    let count = |f: &dyn Fn(Status) -> bool| {
        all.iter()
            .filter(|(sec, kw)| lookup(sec, kw).is_some_and(f))
            .count()
    };
    let _ = writeln!(
        s,
        "{} (section, keyword) pairs: {} acts, {} acts untested, {} cosmetic, {} not supported.\n",
        all.len(),
        count(&|st| matches!(st, Status::Acts { .. })),
        count(&|st| matches!(st, Status::ActsUntested { .. })),
        count(&|st| matches!(st, Status::Cosmetic { .. })),
        count(&|st| matches!(st, Status::NotSupported { .. })),
    );
    let mut current = String::new();
    for (sec, kw) in &all {
        if *sec != current {
            let _ = writeln!(s, "\n## `{sec}`\n");
            s.push_str("| keyword | keepalived | status | evidence |\n|---|---|---|---|\n");
            current = sec.clone();
        }
        let vs: Vec<&str> = versions
            .iter()
            .filter(|(_, v)| v.iter().any(|(a, b)| a == sec && b == kw))
            .map(|(n, _)| *n)
            .collect();
        let (st, ev) = match lookup(sec, kw) {
            Some(Status::Acts { test }) => ("acts", format!("`{test}`")),
            Some(Status::ActsUntested { read_in }) => ("acts, untested", format!("`{read_in}`")),
            Some(Status::Cosmetic { why }) => ("cosmetic", why.to_owned()),
            Some(Status::NotSupported { why }) => ("**not supported**", why.to_owned()),
            None => ("?", String::new()),
        };
        let _ = writeln!(s, "| `{kw}` | {} | {st} | {ev} |", vs.join(", "));
    }
    s
}
