//! keepalived-rs daemon crate.
