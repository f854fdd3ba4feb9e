//! keepalived-rs conf crate.
