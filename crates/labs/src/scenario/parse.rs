//! The `.scn` format: a line-based description of routers, their configuration templates and
//! a timeline of host events and checkpoints. See tests/scenarios/README.md.

use std::collections::BTreeMap;
use std::path::Path;

/// A problem in a scenario file.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {msg}")]
pub struct ParseError {
    /// The file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

/// One scenario, as read from its file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file stem.
    pub name: String,
    /// The one-line description (`desc`).
    pub desc: String,
    /// Routers that run a daemon, in declaration order (host number = index + 1).
    pub routers: Vec<String>,
    /// Namespaces on the bridge that never run a daemon (`hosts`).
    pub hosts: Vec<String>,
    /// How many /24s the scenario uses (`nets`), consecutive from its base.
    pub nets: u8,
    /// Extra bridges: (bridge index k >= 1, routers with an `eth{k}` on it).
    pub bridges: Vec<(u8, Vec<String>)>,
    /// Seconds before a checkpoint during which it samples (`tolerance`).
    pub tolerance: f64,
    /// Run the checker child too (no `-P`).
    pub checkers: bool,
    /// Observe `ip rule` too.
    pub rules: bool,
    /// `var ROUTER NAME VALUE` (`*` for every router).
    pub vars: BTreeMap<(String, String), String>,
    /// Configuration templates: name -> (routers it applies to, text).
    pub configs: BTreeMap<String, Vec<(Vec<String>, String)>>,
    /// Files written into the run directory before the start: (name, mode, text).
    pub files: Vec<(String, u32, String)>,
    /// The timeline, sorted by time (stable).
    pub steps: Vec<Step>,
    /// Checkpoints, sorted by time.
    pub checks: Vec<Check>,
    /// When the run ends.
    pub end: f64,
}

/// A timed host event.
#[derive(Debug, Clone)]
pub struct Step {
    /// Seconds from the start.
    pub at: f64,
    /// The action words (templated at run time).
    pub words: Vec<String>,
    /// The source line, for messages.
    pub line: usize,
}

/// A checkpoint: an observation of everything, and the expectations stated for it.
#[derive(Debug, Clone)]
pub struct Check {
    /// Seconds from the start.
    pub at: f64,
    /// `expect` lines: words after `expect`.
    pub expects: Vec<Vec<String>>,
}

/// Reads and checks one scenario file.
pub fn parse_file(path: &Path) -> Result<Scenario, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|e| ParseError {
        file: path.display().to_string(),
        line: 0,
        msg: e.to_string(),
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&name, &text).map_err(|(line, msg)| ParseError {
        file: path.display().to_string(),
        line,
        msg,
    })
}

fn num(s: &str, line: usize) -> Result<f64, (usize, String)> {
    s.parse::<f64>()
        .map_err(|_| (line, format!("not a number: {s}")))
}

/// Parses scenario text; errors are (line, message).
pub fn parse(name: &str, text: &str) -> Result<Scenario, (usize, String)> {
    let mut sc = Scenario {
        name: name.to_owned(),
        desc: String::new(),
        routers: Vec::new(),
        hosts: Vec::new(),
        nets: 1,
        bridges: Vec::new(),
        tolerance: 1.0,
        checkers: false,
        rules: false,
        vars: BTreeMap::new(),
        configs: BTreeMap::new(),
        files: Vec::new(),
        steps: Vec::new(),
        checks: Vec::new(),
        end: 0.0,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let heredoc = |i: &mut usize, end: &str| -> Result<String, (usize, String)> {
        let start = *i;
        let mut body = String::new();
        loop {
            *i += 1;
            match lines.get(*i) {
                None => return Err((start + 1, format!("heredoc without {end}"))),
                Some(l) if l.trim() == end => return Ok(body),
                Some(l) => {
                    body.push_str(l);
                    body.push('\n');
                }
            }
        }
    };
    while i < lines.len() {
        let ln = i + 1;
        let raw = lines[i];
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        let w = |k: usize| words.get(k).map(String::as_str).unwrap_or("");
        match w(0) {
            "desc" => sc.desc = line[4..].trim().to_owned(),
            "routers" => sc.routers = words[1..].to_vec(),
            "hosts" => sc.hosts = words[1..].to_vec(),
            "nets" => sc.nets = num(w(1), ln)? as u8,
            "tolerance" => sc.tolerance = num(w(1), ln)?,
            "checkers" => sc.checkers = true,
            "rules" => sc.rules = true,
            "end" => sc.end = num(w(1), ln)?,
            "bridge" => {
                let k: u8 = w(1)
                    .strip_prefix("br")
                    .and_then(|k| k.parse().ok())
                    .filter(|k| *k >= 1)
                    .ok_or((ln, "bridge brK with K >= 1".to_owned()))?;
                sc.bridges.push((k, words[2..].to_vec()));
            }
            "var" => {
                if words.len() < 4 {
                    return Err((ln, "var ROUTER NAME VALUE".into()));
                }
                sc.vars
                    .insert((words[1].clone(), words[2].clone()), words[3..].join(" "));
            }
            "config" => {
                let end = words.last().and_then(|w| w.strip_prefix("<<"));
                let Some(end) = end.filter(|_| words.len() >= 4) else {
                    return Err((ln, "config NAME ROUTER... <<END".into()));
                };
                let routers = words[2..words.len() - 1].to_vec();
                let body = heredoc(&mut i, end)?;
                sc.configs
                    .entry(words[1].clone())
                    .or_default()
                    .push((routers, body));
            }
            "file" => {
                let Some(end) = w(3).strip_prefix("<<").filter(|_| words.len() == 4) else {
                    return Err((ln, "file NAME MODE <<END".into()));
                };
                let mode = u32::from_str_radix(w(2), 8).map_err(|_| (ln, "octal mode".into()))?;
                let body = heredoc(&mut i, end)?;
                sc.files.push((words[1].clone(), mode, body));
            }
            "at" => {
                let at = num(w(1), ln)?;
                match w(2) {
                    "check" => {
                        if !sc.checks.iter().any(|c| c.at == at) {
                            sc.checks.push(Check {
                                at,
                                expects: Vec::new(),
                            });
                        }
                    }
                    "expect" => {
                        let exp = words[3..].to_vec();
                        match sc.checks.iter_mut().find(|c| c.at == at) {
                            Some(c) => c.expects.push(exp),
                            None => sc.checks.push(Check {
                                at,
                                expects: vec![exp],
                            }),
                        }
                    }
                    "" => return Err((ln, "at T ACTION".into())),
                    _ => sc.steps.push(Step {
                        at,
                        words: words[2..].to_vec(),
                        line: ln,
                    }),
                }
            }
            other => return Err((ln, format!("unknown directive {other}"))),
        }
        i += 1;
    }
    validate(&mut sc)?;
    Ok(sc)
}

const ACTIONS: &[&str] = &[
    "start",
    "stop",
    "crash",
    "signal",
    "reload",
    "write",
    "rm",
    "ip",
    "carrier",
    "ifdel",
    "ifadd",
    "partition",
    "heal",
    "flood",
    "sleep",
];

fn validate(sc: &mut Scenario) -> Result<(), (usize, String)> {
    if sc.routers.is_empty() {
        return Err((0, "no routers".into()));
    }
    if sc.desc.is_empty() {
        return Err((0, "no desc".into()));
    }
    if !sc.configs.contains_key("main") {
        return Err((0, "no config main".into()));
    }
    sc.steps
        .sort_by(|a, b| a.at.partial_cmp(&b.at).unwrap_or(std::cmp::Ordering::Equal));
    sc.checks
        .sort_by(|a, b| a.at.partial_cmp(&b.at).unwrap_or(std::cmp::Ordering::Equal));
    for s in &sc.steps {
        if !ACTIONS.contains(&s.words[0].as_str()) {
            return Err((s.line, format!("unknown action {}", s.words[0])));
        }
        for c in &sc.checks {
            if s.at > c.at - sc.tolerance && s.at < c.at {
                return Err((
                    s.line,
                    format!(
                        "step at {} inside the window of the check at {}",
                        s.at, c.at
                    ),
                ));
            }
        }
    }
    if sc.checks.is_empty() {
        return Err((0, "no checkpoints".into()));
    }
    let last = sc
        .steps
        .iter()
        .map(|s| s.at)
        .chain(sc.checks.iter().map(|c| c.at))
        .fold(0.0, f64::max);
    if sc.end < last {
        sc.end = last;
    }
    Ok(())
}
