//! The configuration parser never panics, hangs or fails without a message, whatever the
//! text: lexer (comments, conditionals, definitions, ~SEQ/~LST), tree and typed parse.
#![no_main]

use std::path::Path;

use keepalived_conf::{load_str, FixedHost, ReadOptions, Severity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = ReadOptions {
        config_id: Some("main".into()),
        ..ReadOptions::default()
    };
    // A path in a directory that does not exist: includes match nothing, so the fuzzer
    // cannot read the machine's files.
    let loaded = load_str(&text, Path::new("/nonexistent/fuzz.conf"), &opts, &FixedHost::lab());
    for d in &loaded.diagnostics {
        assert!(!d.message.is_empty());
        if d.severity == Severity::Error {
            assert!(d.location.is_some(), "{d}");
        }
    }
});
