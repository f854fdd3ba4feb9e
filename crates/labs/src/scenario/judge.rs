//! Comparing a run with keepalived's, and a scenario's stated expectations.

use std::collections::BTreeSet;

use super::observe::Sample;
use super::run::RunResult;

/// The differences between keepalived's run `reference` and `run`, checkpoint by checkpoint.
/// A field matches when some sample of ours' window equals some sample of keepalived's
/// (the tolerance window); wire adverts must be the same set.
pub fn compare(times: &[f64], reference: &RunResult, run: &RunResult) -> Vec<String> {
    let mut diffs = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let (Some(rs), Some(os)) = (reference.samples.get(i), run.samples.get(i)) else {
            diffs.push(format!("t={t}: checkpoint missing"));
            continue;
        };
        let keys: BTreeSet<&String> = rs.iter().chain(os).flat_map(|s| s.fields.keys()).collect();
        for k in keys {
            let vals = |ss: &[Sample]| -> BTreeSet<String> {
                ss.iter()
                    .map(|s| s.fields.get(k).cloned().unwrap_or_default())
                    .collect()
            };
            let (rv, ov) = (vals(rs), vals(os));
            if rv.is_disjoint(&ov) {
                let last = |ss: &[Sample]| {
                    ss.last()
                        .and_then(|s| s.fields.get(k).cloned())
                        .unwrap_or_default()
                };
                diffs.push(format!(
                    "t={t} {k}: keepalived [{}] {} [{}]",
                    short(&last(rs)),
                    run.label,
                    short(&last(os))
                ));
            }
        }
        let (rw, ow) = (
            reference.wire.get(i).cloned().unwrap_or_default(),
            run.wire.get(i).cloned().unwrap_or_default(),
        );
        if rw != ow {
            let only_k: Vec<&String> = rw.difference(&ow).collect();
            let only_o: Vec<&String> = ow.difference(&rw).collect();
            diffs.push(format!(
                "t={t} wire: only keepalived {only_k:?}, only {} {only_o:?}",
                run.label
            ));
        }
    }
    diffs
}

fn short(s: &str) -> String {
    if s.len() > 300 {
        format!("{}... ({} bytes)", &s[..300], s.len())
    } else {
        s.to_owned()
    }
}

/// Checks a run against `expects` (per checkpoint: rendered expectation words).
pub fn expectations(times: &[f64], expects: &[Vec<Vec<String>>], run: &RunResult) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let samples = run.samples.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let wire = run.wire.get(i).cloned().unwrap_or_default();
        for e in expects.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            let ok = samples.iter().any(|s| holds(e, s, &wire));
            if !ok {
                let last = samples.last().map(|s| describe(e, s)).unwrap_or_default();
                out.push(format!(
                    "t={t} expected `{}` ({}: {last})",
                    e.join(" "),
                    run.label
                ));
            }
        }
    }
    out
}

fn field<'a>(s: &'a Sample, k: &str) -> &'a str {
    s.fields.get(k).map(String::as_str).unwrap_or("")
}

fn has_addr(list: &str, a: &str) -> bool {
    list.split(", ").any(|e| {
        e.split_whitespace()
            .nth(1)
            .and_then(|x| x.split('/').next())
            == Some(a)
    })
}

fn holds(e: &[String], s: &Sample, wire: &BTreeSet<String>) -> bool {
    let w = |k: usize| e.get(k).map(String::as_str).unwrap_or("");
    let adv = |x: &str| {
        wire.iter()
            .any(|l| l.starts_with(&format!("{x} ")) && !l.ends_with(" prio 0"))
    };
    match (w(0), w(1)) {
        ("adverts", _) => adv(w(1)),
        ("silent", _) => !adv(w(1)),
        (r, "vip") => has_addr(field(s, &format!("{r} addrs")), w(2)),
        (r, "novip") => !has_addr(field(s, &format!("{r} addrs")), w(2)),
        (r, "vipcount") => {
            let l = field(s, &format!("{r} addrs"));
            let n = if l.is_empty() {
                0
            } else {
                l.split(", ").count()
            };
            n.to_string() == w(2)
        }
        (r, "state") => {
            field(s, &format!("{r} INSTANCE {}", w(2)))
                .rsplit('>')
                .next()
                == Some(w(3))
        }
        (r, "gstate") => field(s, &format!("{r} GROUP {}", w(2))).rsplit('>').next() == Some(w(3)),
        (r, "notify") => field(s, &format!("{r} INSTANCE {}", w(2))) == w(3),
        (r, "route") => field(s, &format!("{r} routes")).contains(&e[2..].join(" ")),
        (r, "noroute") => !field(s, &format!("{r} routes")).contains(&e[2..].join(" ")),
        _ => false,
    }
}

fn describe(e: &[String], s: &Sample) -> String {
    let w = |k: usize| e.get(k).map(String::as_str).unwrap_or("");
    match w(1) {
        "vip" | "novip" | "vipcount" => short(field(s, &format!("{} addrs", w(0)))),
        "state" | "notify" => field(s, &format!("{} INSTANCE {}", w(0), w(2))).to_owned(),
        "gstate" => field(s, &format!("{} GROUP {}", w(0), w(2))).to_owned(),
        "route" | "noroute" => short(field(s, &format!("{} routes", w(0)))),
        _ => String::new(),
    }
}
