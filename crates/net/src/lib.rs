//! keepalived-rs net crate.
