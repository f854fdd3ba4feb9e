//! The README's main job: `keepalived-rs demo` (two routers, a MASTER, a takeover on link
//! loss, preemption when the link comes back) runs to the end and cleans up.

use std::process::Command;

use keepalived_labs::runnable;

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

#[test]
fn the_demo_takes_over_and_preempts() {
    if !runnable("the_demo_takes_over_and_preempts") {
        return;
    }
    let out = Command::new(OURS)
        .arg("demo")
        .output()
        .expect("run the demo");
    let text = String::from_utf8_lossy(&out.stdout);
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{text}{errors}");
    for step in [
        "MASTER: router a",
        "TAKEOVER: router b",
        "PREEMPT: router a",
        "Cleaned up",
    ] {
        assert!(text.contains(step), "no {step:?} in:\n{text}{errors}");
    }
}
