//! The results table (terminal and Markdown) and the machine notes.

use std::fmt::Write;
use std::process::Command;

/// One measured value.
#[derive(Clone, Debug)]
pub enum Cell {
    /// Measured.
    Value(f64),
    /// Not run (--ours-only).
    Skipped,
    /// Nothing measured: the run failed (the error was printed) or the log had no such line.
    Failed,
}

impl Cell {
    fn show(&self, decimals: usize) -> String {
        match self {
            Cell::Value(v) => format!("{v:.decimals$}"),
            Cell::Skipped => "-".into(),
            Cell::Failed => "n/a".into(),
        }
    }
}

/// One line of the table: keepalived's value, ours, and their ratio.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was measured, with its unit.
    pub name: String,
    /// keepalived 2.2.7.
    pub keepalived: Cell,
    /// keepalived-rs.
    pub ours: Cell,
    /// Decimals to print.
    pub decimals: usize,
    /// The protocol floor or another reference.
    pub note: String,
}

impl Row {
    /// A row; `note` may be empty.
    pub fn new(name: impl Into<String>, keepalived: Cell, ours: Cell, decimals: usize) -> Row {
        Row {
            name: name.into(),
            keepalived,
            ours,
            decimals,
            note: String::new(),
        }
    }

    /// The same row with a note.
    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }

    fn ratio(&self) -> String {
        match (&self.ours, &self.keepalived) {
            (Cell::Value(o), Cell::Value(k)) if *k > 0.0 && *o >= 0.0 => format!("{:.2}", o / k),
            _ => "-".into(),
        }
    }

    fn cells(&self) -> [String; 5] {
        [
            self.name.clone(),
            self.keepalived.show(self.decimals),
            self.ours.show(self.decimals),
            self.ratio(),
            self.note.clone(),
        ]
    }
}

const HEADER: [&str; 5] = ["benchmark", "keepalived", "ours", "ours/keepalived", "note"];

/// The table for a terminal, columns padded.
pub fn text(rows: &[Row]) -> String {
    let cells: Vec<[String; 5]> = rows.iter().map(Row::cells).collect();
    let mut width = HEADER.map(str::len);
    for c in &cells {
        for (w, s) in width.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let line = |c: [&str; 5]| {
        let mut s = format!("{:<w$}", c[0], w = width[0]);
        for i in 1..4 {
            let _ = write!(s, "  {:>w$}", c[i], w = width[i]);
        }
        let _ = write!(s, "  {}", c[4]);
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(HEADER);
    for c in &cells {
        out += &line([&c[0], &c[1], &c[2], &c[3], &c[4]]);
    }
    out
}

/// The table in Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|---|--:|--:|--:|---|\n", HEADER.join(" | "));
    for r in rows {
        let mut cells = r.cells();
        // A sub-row's indent would be lost in Markdown: mark it instead.
        if let Some(rest) = cells[0].strip_prefix("  ") {
            cells[0] = format!("↳ {rest}");
        }
        out += &format!("| {} |\n", cells.join(" | "));
    }
    out
}

fn first_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let text = [o.stdout, o.stderr].concat();
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|| "unknown".into())
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// What the machine is and how busy it was at `when` ("start", "end").
pub fn load(when: &str) -> String {
    format!("load average at {when}: {}", read("/proc/loadavg"))
}

/// The machine, the binaries and the source revision.
pub fn machine(ours: &str, keepalived: Option<&str>) -> Vec<String> {
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut v = vec![
        format!(
            "date: {}",
            first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
        ),
        format!("CPU: {cores} cores, {cpu}"),
        format!("kernel: {}", read("/proc/sys/kernel/osrelease")),
        format!("ours: {ours} ({})", first_line(ours, &["--version"])),
    ];
    if let Some(k) = keepalived {
        v.push(format!(
            "keepalived: {k} ({})",
            first_line(k, &["--version"])
        ));
    }
    let rev = first_line("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !first_line("git", &["status", "--porcelain"]).is_empty();
    v.push(format!(
        "source: git {rev}{}",
        if dirty {
            " with uncommitted changes"
        } else {
            ""
        }
    ));
    v
}
