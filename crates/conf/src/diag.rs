//! Diagnostics: every problem found while reading a configuration, with where it is.
//!
//! keepalived classifies each configuration problem (`config_err_t` in its `lib/parser.h`)
//! and `keepalived -t` exits with a code derived from the classes it saw. We keep the same
//! classes so that our verdict matches, and add what keepalived leaves out of its messages:
//! the file, the line, the keyword and what would have been accepted.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// keepalived reports it but carries on with the rest of the configuration.
    Warning,
    /// keepalived reports it as a configuration error.
    Error,
}

/// keepalived's classes of configuration problem (`config_err_t`), which decide the exit code
/// of `-t`. Declared in keepalived's order: decreasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// The configuration file (not an include) does not exist.
    FileNotFound,
    /// An interface named in the configuration does not exist.
    BadInterface,
    /// keepalived cannot run this configuration.
    Fatal,
    /// More than one file matches the main configuration file name.
    MultipleFiles,
    /// A keyword keepalived does not know in this block.
    UnknownKeyword,
    /// A `{` where none was expected.
    UnexpectedBob,
    /// A block keyword not followed by `{`.
    MissingBob,
    /// A `}` with no open block.
    UnexpectedEob,
    /// End of input with blocks still open.
    MissingEob,
    /// A quote that is never closed.
    UnmatchedQuote,
    /// A keyword without the parameter it needs.
    MissingParameter,
    /// A number that does not parse or is out of range.
    InvalidNumber,
    /// Any other configuration error.
    General,
    /// A warning that keepalived still counts for `-t`.
    Warning,
    /// A deprecated keyword.
    Deprecated,
    /// Scripts configured while script security is not enabled.
    Security,
    /// With `-e`/`--all-config`, an include that names no readable file.
    IncludeMissing,
}

impl ErrorClass {
    /// Whether keepalived refuses to run a configuration with this problem at all.
    pub fn prevents_running(self) -> bool {
        matches!(
            self,
            ErrorClass::FileNotFound | ErrorClass::BadInterface | ErrorClass::Fatal
        )
    }
}

/// A file the configuration was read from, and the include line that pulled it in.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The path as it was opened.
    pub path: PathBuf,
    /// Where the `include` that opened this file stands; `None` for the main file.
    pub included_from: Option<Location>,
}

/// A place in the configuration: a file and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file.
    pub file: Arc<SourceFile>,
    /// 1-based line number of the physical line the logical line started on.
    pub line: u32,
}

impl Location {
    /// A location in a file that was not included from anywhere (used by tests and tools).
    pub fn new(path: impl Into<PathBuf>, line: u32) -> Self {
        Location {
            file: Arc::new(SourceFile {
                path: path.into(),
                included_from: None,
            }),
            line,
        }
    }

    /// The path of the file.
    pub fn path(&self) -> &Path {
        &self.file.path
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.path.display(), self.line)
    }
}

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// keepalived's class of the problem, for the exit code.
    pub class: ErrorClass,
    /// Where it is, when it belongs to a line.
    pub location: Option<Location>,
    /// The keyword concerned, when there is one.
    pub keyword: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would have been accepted, when that can be said.
    pub accepted: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        match self.severity {
            Severity::Error => f.write_str("error: ")?,
            Severity::Warning => f.write_str("warning: ")?,
        }
        if let Some(kw) = &self.keyword {
            write!(f, "{kw}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(acc) = &self.accepted {
            write!(f, " (accepted: {acc})")?;
        }
        let mut from = self
            .location
            .as_ref()
            .and_then(|l| l.file.included_from.clone());
        while let Some(loc) = from {
            write!(f, "\n    included from {loc}")?;
            from = loc.file.included_from.clone();
        }
        Ok(())
    }
}

/// Every problem found, in the order found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Where problems past [`MAX_DIAGNOSTICS`] go: counted, not kept.
    overflow: Option<Box<Diagnostic>>,
    suppressed: usize,
}

/// Most problems kept: hostile input can produce millions, and nobody reads past this.
pub const MAX_DIAGNOSTICS: usize = 1000;

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        *self.slot() = d;
    }

    /// Where the next problem goes: the list, or past the limit the overflow scratch.
    fn slot(&mut self) -> &mut Diagnostic {
        let blank = Diagnostic {
            severity: Severity::Warning,
            class: ErrorClass::Warning,
            location: None,
            keyword: None,
            message: String::new(),
            accepted: None,
        };
        if self.items.len() < MAX_DIAGNOSTICS {
            self.items.push(blank);
            let last = self.items.len() - 1;
            return &mut self.items[last];
        }
        self.suppressed += 1;
        if self.items.len() == MAX_DIAGNOSTICS {
            // A note, not a problem of its own: the verdict is already made by those kept.
            self.items.push(Diagnostic {
                severity: Severity::Warning,
                class: ErrorClass::Warning,
                location: None,
                keyword: None,
                message: format!("too many problems: only the first {MAX_DIAGNOSTICS} are shown"),
                accepted: None,
            });
        }
        self.overflow.insert(Box::new(blank))
    }

    /// How many problems were past the limit and not kept.
    pub fn suppressed(&self) -> usize {
        self.suppressed
    }

    /// Records an error of `class` at `loc`.
    pub fn error(
        &mut self,
        class: ErrorClass,
        loc: Option<&Location>,
        keyword: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.add(Severity::Error, class, loc, keyword, message)
    }

    /// Records a warning at `loc` (keepalived's `CONFIG_WARNING` class unless changed).
    pub fn warning(
        &mut self,
        loc: Option<&Location>,
        keyword: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.add(
            Severity::Warning,
            ErrorClass::Warning,
            loc,
            keyword,
            message,
        )
    }

    fn add(
        &mut self,
        severity: Severity,
        class: ErrorClass,
        loc: Option<&Location>,
        keyword: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.slot();
        *d = Diagnostic {
            severity,
            class,
            location: loc.cloned(),
            keyword: keyword.map(str::to_owned),
            message: message.into(),
            accepted: None,
        };
        d
    }

    /// All problems, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Moves every problem of `other` to the end of this list.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
        self.suppressed += other.suppressed;
    }

    /// The exit code keepalived 2.2.7's `-t` gives for these problems (observed with the real
    /// binary, see docs/notes/keepalived-config-test.md; it differs from its man page):
    /// 2 when a keyword lacks its value (keepalived stops there), 4 when the main file is
    /// missing under `-e`, 6 for a script-security violation or a missing include under `-e`,
    /// 5 for any other reported problem, 0 when nothing is reported. Warnings (what keepalived
    /// only logs, outside `-t`) do not count.
    pub fn config_test_exit_code(&self) -> i32 {
        let errors: Vec<ErrorClass> = self
            .items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.class)
            .collect();
        let any = |f: &dyn Fn(ErrorClass) -> bool| errors.iter().any(|c| f(*c));
        if any(&|c| c == ErrorClass::MissingParameter) {
            2
        } else if any(&|c| c == ErrorClass::FileNotFound) {
            4
        } else if any(&|c| matches!(c, ErrorClass::Security | ErrorClass::IncludeMissing)) {
            6
        } else if errors.is_empty() {
            0
        } else {
            5
        }
    }
}

impl Diagnostic {
    /// Adds what would have been accepted.
    pub fn accepted(&mut self, accepted: impl Into<String>) -> &mut Self {
        self.accepted = Some(accepted.into());
        self
    }

    /// Changes the class of the problem.
    pub fn class(&mut self, class: ErrorClass) -> &mut Self {
        self.class = class;
        self
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
