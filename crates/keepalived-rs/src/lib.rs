//! keepalived-rs's command line as a library, for tools built from it: the man page and
//! shell completions ([`generate`], run by the `keepalived-rs-gen` binary at packaging time).
//!
//! The `keepalived-rs` binary itself is src/main.rs.

pub mod cli;
pub mod generate;
pub mod getopt;
pub mod help;
pub mod lifecycle;
