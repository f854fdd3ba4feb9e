//! From files to logical lines, as keepalived's `read_line()` makes them: comments removed,
//! `@id` conditional lines filtered, `$NAME=value` definitions recorded and substituted,
//! `~SEQ`/`~LST` lines replicated, `include` lines replaced by the files they name, and every
//! `{` and `}` outside double quotes put on a line of its own.

mod decomment;
mod defs;
mod glibc_random;
mod include;
mod reader;
mod seq;
mod words;

pub use decomment::{decomment, Decommented};
pub use defs::{parse_definition, Definitions, SubstError};
pub use reader::{read_config, read_config_copy, read_str, LogicalLine, ReadOptions};
pub use seq::{parse_replication, Replication, SeqError};
pub use words::{split_words, WordsError};

/// Bounds that keep hostile input from hanging the parser or eating memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest physical or substituted line, in bytes.
    pub max_line_len: usize,
    /// Deepest `include` nesting.
    pub max_include_depth: usize,
    /// Most logical lines produced in total (after replication and expansion).
    pub max_lines: usize,
    /// Deepest nesting of expansions (a definition that expands to a `~SEQ` line that expands
    /// to a definition ...).
    pub max_expansion_depth: usize,
    /// Most parameter replacements in one line.
    pub max_substitutions: usize,
    /// Most rounds of one `~SEQ`/`~LST`.
    pub max_rounds: u64,
    /// Deepest `{ }` block nesting.
    pub max_block_depth: usize,
    /// Most files read (through includes).
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // keepalived reads lines with a 1024-byte buffer (MAXBUF): longer lines are
            // split and misread, so we refuse them with a clear message instead.
            max_line_len: 1023,
            max_include_depth: 32,
            max_lines: 2_000_000,
            max_expansion_depth: 32,
            max_substitutions: 10_000,
            max_rounds: 1_000_000,
            max_block_depth: 32,
            max_files: 10_000,
        }
    }
}
