//! The differential scenario harness: every scenario of tests/scenarios runs with keepalived
//! on every router (the expectation, observed live), then with ours substituted on each
//! router in turn and on all; the checkpoints must match keepalived's, except for the
//! scenarios listed in PENDING (known bugs of ours) and DELIBERATE (ours is better: judged on
//! the scenario's stated expectations).

pub mod judge;
pub mod observe;
pub mod parse;
pub mod run;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use parse::{ParseError, Scenario};
use run::{RunResult, RunSpec};

/// How to run the suite.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory with the `.scn` files, PENDING and DELIBERATE.
    pub dir: PathBuf,
    /// Ours' binary.
    pub ours: String,
    /// Runs at once.
    pub jobs: usize,
    /// Only scenarios whose name contains one of these.
    pub only: Vec<String>,
}

/// The verdicts.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Scenarios whose every run matched.
    pub passed: Vec<String>,
    /// "PENDING: name: what differs" lines.
    pub pending: Vec<String>,
    /// Failures, each with its details.
    pub failures: Vec<String>,
    /// Seconds the whole suite took.
    pub seconds: f64,
}

/// `name: reason` lines of a list file.
pub fn read_list(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (n, r) = l.split_once(':')?;
            Some((n.trim().to_owned(), r.trim().to_owned()))
        })
        .collect()
}

/// Every scenario in `dir`, sorted by name, with its first net number.
pub fn load(dir: &Path) -> Result<Vec<(Scenario, u8)>, ParseError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ParseError {
            file: dir.display().to_string(),
            line: 0,
            msg: e.to_string(),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scn"))
        .collect();
    paths.sort();
    let mut next: u32 = 1;
    let mut out = Vec::new();
    for p in paths {
        let sc = parse::parse_file(&p)?;
        let n = next;
        next += u32::from(sc.nets.max(1));
        if next > 255 {
            return Err(ParseError {
                file: p.display().to_string(),
                line: 0,
                msg: "out of /24s in 10.77.0.0/16".into(),
            });
        }
        out.push((sc, n as u8));
    }
    Ok(out)
}

/// Runs the suite.
pub fn run_suite(opts: &Options) -> Result<Outcome, ParseError> {
    let started = Instant::now();
    let pending = read_list(&opts.dir.join("PENDING"));
    let deliberate = read_list(&opts.dir.join("DELIBERATE"));
    let all = load(&opts.dir)?;
    let mut outcome = Outcome::default();
    for name in pending.keys().chain(deliberate.keys()) {
        if !all.iter().any(|(s, _)| &s.name == name) {
            outcome
                .failures
                .push(format!("{name}: listed but there is no such scenario"));
        }
    }
    let chosen: Vec<(Arc<Scenario>, u8)> = all
        .into_iter()
        .filter(|(s, _)| opts.only.is_empty() || opts.only.iter().any(|o| s.name.contains(o)))
        .map(|(s, n)| (Arc::new(s), n))
        .collect();
    let results = run_all(&chosen, opts, started);
    let mut retry: Vec<(Arc<Scenario>, u8)> = Vec::new();
    for (sc, n) in &chosen {
        let runs = results.get(&sc.name).cloned().unwrap_or_default();
        let mut first = Outcome::default();
        judge_scenario(sc, &runs, &pending, &deliberate, &mut first);
        if first.failures.is_empty() {
            outcome.passed.extend(first.passed);
            outcome.pending.extend(first.pending);
        } else {
            eprintln!(
                "retrying {} (timing on a loaded machine): {}",
                sc.name,
                first
                    .failures
                    .join(" | ")
                    .lines()
                    .next()
                    .unwrap_or_default()
            );
            retry.push((Arc::clone(sc), *n));
        }
    }
    // A scenario is judged again, all its runs anew, when its first verdict fails: a real
    // divergence (or a fix of a PENDING one) shows twice, a scheduling hiccup does not.
    let again = run_all(&retry, opts, started);
    for (sc, _) in &retry {
        let runs = again.get(&sc.name).cloned().unwrap_or_default();
        judge_scenario(sc, &runs, &pending, &deliberate, &mut outcome);
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    Ok(outcome)
}

/// Every run of every scenario in `chosen`, on a pool of `opts.jobs` threads.
fn run_all(
    chosen: &[(Arc<Scenario>, u8)],
    opts: &Options,
    started: Instant,
) -> BTreeMap<String, Vec<RunResult>> {
    let mut specs = Vec::new();
    for (sc, n) in chosen {
        let mut labels: Vec<(String, Vec<String>)> = vec![("keepalived".into(), vec![])];
        if sc.routers.len() > 1 {
            for r in &sc.routers {
                labels.push((format!("ours@{r}"), vec![r.clone()]));
            }
        }
        labels.push(("ours".into(), sc.routers.clone()));
        for (index, (label, ours_on)) in labels.into_iter().enumerate() {
            specs.push(RunSpec {
                scenario: Arc::clone(sc),
                net: *n,
                index,
                label,
                ours_on,
                ours: opts.ours.clone(),
            });
        }
    }
    // Longest first, so that the pool ends together.
    specs.sort_by(|a, b| {
        let cost = |s: &RunSpec| s.scenario.end * (1.0 + s.scenario.routers.len() as f64 / 4.0);
        cost(b)
            .partial_cmp(&cost(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let total = specs.len();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let queue = Arc::new(Mutex::new(specs));
    let results: Arc<Mutex<BTreeMap<String, Vec<RunResult>>>> = Arc::default();
    let workers: Vec<_> = (0..opts.jobs.max(1))
        .map(|_| {
            let (q, res, done) = (Arc::clone(&queue), Arc::clone(&results), Arc::clone(&done));
            std::thread::spawn(move || loop {
                let Some(spec) = q
                    .lock()
                    .ok()
                    .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
                else {
                    return;
                };
                let name = spec.scenario.name.clone();
                let t = Instant::now();
                let r = run::run(spec);
                let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                // Every 25th run only: CI shows the head and the tail of a long log.
                if k % 25 == 0 || k == total {
                    eprintln!(
                        "[{k}/{total}] {name} {} ({:.0} s, suite {:.0} s)",
                        r.label,
                        t.elapsed().as_secs_f64(),
                        started.elapsed().as_secs_f64()
                    );
                }
                if let Ok(mut m) = res.lock() {
                    m.entry(name).or_default().push(r);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let results = results.lock().map(|m| m.clone()).unwrap_or_default();
    results
}

fn judge_scenario(
    sc: &Scenario,
    runs: &[RunResult],
    pending: &BTreeMap<String, String>,
    deliberate: &BTreeMap<String, String>,
    outcome: &mut Outcome,
) {
    let times: Vec<f64> = sc.checks.iter().map(|c| c.at).collect();
    let Some(reference) = runs.iter().find(|r| r.label == "keepalived") else {
        outcome
            .failures
            .push(format!("{}: no keepalived run", sc.name));
        return;
    };
    let is_deliberate = deliberate.contains_key(&sc.name);
    let mut broken = reference.errors.clone();
    if !is_deliberate {
        broken.extend(judge::expectations(&times, &reference.expects, reference));
    }
    if !broken.is_empty() {
        outcome.failures.push(format!(
            "{}: the scenario does not hold with keepalived itself:\n  {}\n{}",
            sc.name,
            broken.join("\n  "),
            reference.logs
        ));
        return;
    }
    let mut diffs = Vec::new();
    let mut logs = String::new();
    for r in runs.iter().filter(|r| r.label != "keepalived") {
        let mut d: Vec<String> = r
            .errors
            .iter()
            .map(|e| format!("{}: {e}", r.label))
            .collect();
        if is_deliberate {
            if r.label == "ours" {
                d.extend(judge::expectations(&times, &r.expects, r));
            }
        } else {
            d.extend(judge::compare(&times, reference, r));
        }
        if !d.is_empty() {
            logs.push_str(&format!("=== {} ===\n{}", r.label, r.logs));
        }
        diffs.extend(d);
    }
    if pending.contains_key(&sc.name) {
        if diffs.is_empty() && pending[&sc.name].contains("[timing]") {
            // Marked as depending on timing: matching is allowed, and said.
            outcome
                .passed
                .push(format!("{} (pending [timing], matched)", sc.name));
        } else if diffs.is_empty() {
            outcome
                .failures
                .push(format!("{}: now passes: remove it from PENDING", sc.name));
        } else {
            outcome
                .pending
                .push(format!("PENDING: {}: {}", sc.name, diffs.join("; ")));
        }
    } else if diffs.is_empty() {
        outcome.passed.push(sc.name.clone());
    } else {
        outcome.failures.push(format!(
            "{}: differs from keepalived:\n  {}\n=== keepalived ===\n{}{logs}",
            sc.name,
            diffs.join("\n  "),
            reference.logs
        ));
    }
}
