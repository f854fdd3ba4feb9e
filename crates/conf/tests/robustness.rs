//! Hostile and mutated configurations never panic, hang or fail without saying why.

use std::path::Path;

use keepalived_conf::{load_str, FixedHost, ReadOptions, Severity};
use proptest::prelude::*;

const RICH: &str = include_str!("data/rich.conf");

/// Characters that matter to the lexer, plus a few ordinary ones.
const PALETTE: &[&str] = &[
    "{",
    "}",
    "\"",
    "'",
    "#",
    "!",
    "$",
    "@",
    "~",
    "\\",
    "\n",
    " ",
    "\t",
    "${",
    "$X=",
    "~SEQ(",
    "~LST(",
    ")",
    ",",
    "@main ",
    "@^",
    "include ",
    "0",
    "-1",
    "256",
    "99999999999",
    "::",
    "/",
    "vrrp_instance",
    "virtual_ipaddress",
    "priority",
    "real_server",
    "\u{0}",
    "é",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, what: usize },
    DuplicateLine { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 0..PALETTE.len()).prop_map(|(at, what)| Edit::Insert { at, what }),
        any::<usize>().prop_map(|at| Edit::DuplicateLine { at }),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for e in edits {
        match *e {
            Edit::Delete { at, len } if !s.is_empty() => {
                let at = at % s.len();
                let end = (at + len).min(s.len());
                s.drain(at..end);
            }
            Edit::Insert { at, what } => {
                let at = if s.is_empty() { 0 } else { at % (s.len() + 1) };
                let ins: Vec<char> = PALETTE[what].chars().collect();
                s.splice(at..at, ins);
            }
            Edit::DuplicateLine { at } => {
                let text: String = s.iter().collect();
                let lines: Vec<&str> = text.split('\n').collect();
                let i = at % lines.len();
                let mut out = lines.clone();
                out.insert(i, lines[i]);
                s = out.join("\n").chars().collect();
            }
            Edit::Delete { .. } => {}
        }
    }
    s.into_iter().collect()
}

fn check_never_silent(text: &str) {
    let opts = ReadOptions {
        config_id: Some("main".into()),
        ..ReadOptions::default()
    };
    let loaded = load_str(
        text,
        Path::new("/nonexistent/mutated.conf"),
        &opts,
        &FixedHost::lab(),
    );
    for d in &loaded.diagnostics {
        assert!(
            !d.message.is_empty(),
            "a diagnostic without a message: {d:?}"
        );
        if d.severity == Severity::Error {
            assert!(d.location.is_some(), "an error without a location: {d}");
        }
    }
    // The exit code is always one keepalived can give.
    assert!([0, 2, 4, 5, 6].contains(&loaded.diagnostics.config_test_exit_code()));
}

#[test]
fn the_rich_sample_reads_as_a_tree() {
    let opts = ReadOptions {
        config_id: Some("main".into()),
        ..ReadOptions::default()
    };
    let mut diags = keepalived_conf::Diagnostics::new();
    let lines = keepalived_conf::lexer::read_str(RICH, Path::new("rich.conf"), &opts, &mut diags);
    let tree = keepalived_conf::tree::build(lines, &opts.limits, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let names: Vec<String> = tree
        .iter()
        .map(|n| format!("{} {}", n.keyword, n.args.join(" ")))
        .collect();
    assert_eq!(
        names,
        [
            "global_defs ",
            "vrrp_script chk_haproxy",
            "vrrp_instance VI_1",
            "vrrp_instance VI_2",
            "vrrp_instance VI_3",
            "vrrp_instance VI_9",
            "virtual_server 10.10.10.2 1358",
        ]
    );
    let vi2 = &tree[3];
    let vip = vi2
        .children()
        .iter()
        .find(|n| n.keyword == "virtual_ipaddress")
        .unwrap();
    assert_eq!(vip.children()[0].keyword, "10.20.1.2/24");
    assert_eq!(vip.children()[0].args, ["dev", "eth0", "label", "eth0:2"]);
    let prio = vi2
        .children()
        .iter()
        .find(|n| n.keyword == "priority")
        .unwrap();
    assert_eq!(prio.args, ["150"]);
    let vs = &tree[6];
    let rs: Vec<String> = vs
        .children()
        .iter()
        .filter(|n| n.keyword == "real_server")
        .map(|n| {
            format!(
                "{} {:?}",
                n.args.join(" "),
                n.children().first().map(|c| c.args.clone())
            )
        })
        .collect();
    assert_eq!(rs[0], "192.168.200.1 1358 Some([\"1\"])");
    assert_eq!(rs[1], "192.168.200.2 1358 Some([\"3\"])");
}

#[test]
fn pathological_inputs_are_bounded() {
    let cases = [
        "$A=$A$A\nx $A\n".to_owned(),
        "$A=${A}x\nx ${A}\n".to_owned(),
        "~SEQ(I, 1, 1, 2000000000) a ${I}\n".to_owned(),
        "~SEQ(A,1,2000) ~SEQ(B,1,2000) ~SEQ(C,1,2000) x\n".to_owned(),
        "{".repeat(100_000),
        "}".repeat(100_000),
        "a {\n".repeat(10_000),
        "x".repeat(1_000_000),
        format!("a {}\n", "y".repeat(1023)),
        "\"".repeat(1001),
        "$M= \\\n$M \\\nq\n$M\n".to_owned(),
        // Found by the config_parse fuzz target: a multi-line definition that uses itself
        // took 32 s and millions of diagnostics before expansion depth became fatal.
        String::from_utf8_lossy(include_bytes!("data/fuzz-slow-expansion.conf")).into_owned(),
    ];
    for c in &cases {
        check_never_silent(c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn mutated_configs_never_panic_and_always_explain(edits in prop::collection::vec(edit(), 1..12)) {
        check_never_silent(&apply(RICH, &edits));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_never_silent(&text);
    }
}
