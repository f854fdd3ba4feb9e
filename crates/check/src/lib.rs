//! keepalived-rs check crate.
