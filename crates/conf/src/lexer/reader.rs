//! The line reader: files in, logical lines out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::decomment::decomment;
use super::defs::{parse_definition, Definitions, SubstError};
use super::include::{check, expand, has_brace, include_keyword};
use super::seq::{is_replication, parse_replication, SeqError};
use super::words::{split_words, WordsError};
use super::Limits;
use crate::diag::{Diagnostics, ErrorClass, Location, SourceFile};

/// A line as the keyword parser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// The words of the line, quotes and escapes resolved. `{` and `}` stand alone.
    pub words: Vec<String>,
    /// The text the words were split from (after substitution).
    pub raw: String,
    /// Where the line comes from.
    pub loc: Location,
}

/// How to read a configuration.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The configuration id that `@id` lines are compared with (`-i`; keepalived's default is
    /// the first part of the node name). `None` makes every `@id` line false.
    pub config_id: Option<String>,
    /// `-e`/`--all-config`: every include check on (keepalived's include_check_set(NULL)),
    /// and a missing main file is an error.
    pub all_config: bool,
    /// Resource bounds.
    pub limits: Limits,
    /// Seed for `${_RANDOM}` (glibc's srandom; keepalived seeds it with the time unless
    /// `random_seed` is configured, which then wins: see [`crate::load`]).
    pub random_seed: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            config_id: None,
            all_config: false,
            limits: Limits::default(),
            random_seed: 0x5eed,
        }
    }
}

/// Reads the configuration file `path` and everything it includes.
pub fn read_config(path: &Path, opts: &ReadOptions, diags: &mut Diagnostics) -> Vec<LogicalLine> {
    let mut r = Reader::new(opts, diags);
    let matches: Vec<PathBuf> = expand(&path.to_string_lossy(), Path::new("."))
        .paths
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.is_dir())
        .collect();
    match matches.as_slice() {
        [] => {
            let msg = format!("Config files missing '{}'.", path.display());
            if opts.all_config {
                r.diags.error(ErrorClass::FileNotFound, None, None, msg);
            } else {
                // keepalived 2.2.7 only logs this and checks nothing: `-t` exits 0.
                r.diags.warning(None, None, msg);
            }
        }
        [first, rest @ ..] => {
            if !rest.is_empty() {
                r.diags.error(
                    ErrorClass::MultipleFiles,
                    None,
                    None,
                    format!(
                        "WARNING, more than one file matches configuration file {}, using {}",
                        path.display(),
                        first.display()
                    ),
                );
            }
            r.read_file(first, None);
        }
    }
    r.out
}

/// keepalived's consolidated copy of the configuration (lib/parser.c conf_copy, what its
/// parent hands its children and `config_save_dir` saves as keepalived.conf.PID.N): for
/// each file read `# NAME`, then every physical line with its comment removed (an include
/// line, or a blank one, as an empty line, so line numbers hold), `!` at the end of the
/// file; a problem with an include as `#! MESSAGE`.
pub fn read_config_copy(path: &Path, opts: &ReadOptions) -> String {
    let mut diags = Diagnostics::new();
    let mut r = Reader::new(opts, &mut diags);
    r.copy = Some(String::new());
    let first = expand(&path.to_string_lossy(), Path::new("."))
        .paths
        .into_iter()
        .find(|(p, _)| !p.is_dir());
    if let Some((first, shown)) = first {
        r.shown = Some(shown);
        r.read_file(&first, None);
    }
    r.copy.take().unwrap_or_default()
}

/// Reads configuration text held in memory, as if it were the file `name`; includes are
/// resolved relative to the directory of `name`.
pub fn read_str(
    text: &str,
    name: &Path,
    opts: &ReadOptions,
    diags: &mut Diagnostics,
) -> Vec<LogicalLine> {
    let mut r = Reader::new(opts, diags);
    let source = Arc::new(SourceFile {
        path: name.to_owned(),
        included_from: None,
    });
    r.read_text(text, source, name.parent().unwrap_or(Path::new(".")));
    r.out
}

struct Reader<'a> {
    opts: &'a ReadOptions,
    limits: &'a Limits,
    diags: &'a mut Diagnostics,
    defs: Definitions,
    out: Vec<LogicalLine>,
    open_files: Vec<PathBuf>,
    files_read: usize,
    /// Lines processed so far, intermediate expansions included.
    steps: usize,
    stopped: bool,
    /// keepalived's include_check: the [`check`] bits every include adds to its own.
    include_check: u8,
    /// Block depth of the lines emitted so far, and the top-level block they are in.
    depth: usize,
    top_block: Option<String>,
    /// The first word of the last line emitted at depth 0 (the block a `{` opens).
    last_top: Option<String>,
    /// keepalived's conf_copy, when asked for ([`read_config_copy`]).
    copy: Option<String>,
    /// The name the next file read is shown by in the copy (as glob(3) returned it).
    shown: Option<String>,
}

/// What processing one line asks of the file reader.
enum Next {
    Continue,
    /// A multi-line definition was started: the following lines belong to it.
    CollectDefinition(String),
}

impl<'a> Reader<'a> {
    fn new(opts: &'a ReadOptions, diags: &'a mut Diagnostics) -> Self {
        Reader {
            opts,
            limits: &opts.limits,
            diags,
            defs: Definitions::new(opts.config_id.clone().unwrap_or_default(), opts.random_seed),
            out: Vec::new(),
            open_files: Vec::new(),
            files_read: 0,
            steps: 0,
            stopped: false,
            include_check: if opts.all_config { check::ALL } else { 0 },
            depth: 0,
            top_block: None,
            last_top: None,
            copy: None,
            shown: None,
        }
    }

    fn read_file(&mut self, path: &Path, included_from: Option<&Location>) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        if self.open_files.contains(&canonical) {
            self.diags.error(
                ErrorClass::General,
                included_from,
                Some("include"),
                format!("include loop: {} is already being read", path.display()),
            );
            return;
        }
        if self.open_files.len() >= self.limits.max_include_depth {
            self.diags
                .error(
                    ErrorClass::General,
                    included_from,
                    Some("include"),
                    format!("includes nested too deeply at {}", path.display()),
                )
                .accepted(format!("at most {} levels", self.limits.max_include_depth));
            return;
        }
        self.files_read += 1;
        if self.files_read > self.limits.max_files {
            self.diags.error(
                ErrorClass::General,
                included_from,
                Some("include"),
                format!(
                    "too many configuration files (more than {})",
                    self.limits.max_files
                ),
            );
            self.stopped = true;
            return;
        }
        let text = match read_regular_file(path) {
            Ok(t) => t,
            Err(why) => {
                // keepalived skips such a file with a log line; only a missing include under
                // `-e` is a configuration error.
                let msg = format!("Configuration file '{}' {why}", path.display());
                let missing = !path.exists();
                if missing && self.opts.all_config {
                    let class = if included_from.is_none() {
                        ErrorClass::FileNotFound
                    } else {
                        ErrorClass::IncludeMissing
                    };
                    self.diags.error(class, included_from, None, msg);
                } else {
                    self.diags.warning(included_from, None, msg);
                }
                return;
            }
        };
        let source = Arc::new(SourceFile {
            path: path.to_owned(),
            included_from: included_from.cloned(),
        });
        let dir = canonical.parent().unwrap_or(Path::new("/")).to_owned();
        let shown = self
            .shown
            .take()
            .unwrap_or_else(|| path.display().to_string());
        if let Some(c) = &mut self.copy {
            c.push_str(&format!("# {shown}\n"));
        }
        self.open_files.push(canonical);
        self.read_text(&text, source, &dir);
        self.open_files.pop();
        if let Some(c) = &mut self.copy {
            c.push_str("!\n");
        }
    }

    fn read_text(&mut self, text: &str, source: Arc<SourceFile>, dir: &Path) {
        let saved_pwd = std::mem::replace(&mut self.defs.pwd, dir.to_string_lossy().into_owned());
        let mut collecting: Option<String> = None;
        let segments = text.split('\n').count();
        for (idx, physical) in text.split('\n').enumerate() {
            if self.stopped {
                break;
            }
            let loc = Location {
                file: source.clone(),
                line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            };
            let physical = physical.trim_end_matches('\r');
            if physical.len() > self.limits.max_line_len {
                self.diags
                    .error(
                        ErrorClass::General,
                        Some(&loc),
                        None,
                        "line too long (keepalived reads at most 1023 bytes of a line)",
                    )
                    .accepted(format!("at most {} bytes", self.limits.max_line_len));
                continue;
            }
            let d = decomment(physical);
            // fgets sees no line after the last newline.
            let after_last = idx + 1 == segments && physical.is_empty();
            if let Some(c) = self.copy.as_mut().filter(|_| !after_last) {
                // keepalived's decomment also takes the leading blanks off.
                let text = d.text.trim_start_matches([' ', '\t']);
                if !is_include_line(text) {
                    c.push_str(text);
                }
                c.push('\n');
            }
            if d.unterminated_quote {
                self.diags.error(
                    ErrorClass::General,
                    Some(&loc),
                    None,
                    format!("Unterminated quote '{}'", d.text),
                );
            }
            if let Some(name) = collecting.take() {
                // keepalived ends a multi-line definition at the first line that does not
                // end with `\`, and at an empty (or comment-only) line.
                if d.text.is_empty() {
                    self.defs.finish_multiline(&name);
                    continue;
                }
                match d.text.strip_suffix('\\') {
                    Some(part) => {
                        let part = part.trim_end_matches([' ', '\t']);
                        if !part.is_empty() {
                            self.defs.append_line(&name, part);
                        }
                        collecting = Some(name);
                    }
                    None => {
                        self.defs.append_line(&name, &d.text);
                        self.defs.finish_multiline(&name);
                    }
                }
                continue;
            }
            if d.text.is_empty() {
                continue;
            }
            if let Next::CollectDefinition(name) = self.process(d.text, &loc, dir, 0) {
                collecting = Some(name);
            }
        }
        if let Some(name) = collecting {
            self.defs.finish_multiline(&name);
        }
        self.defs.pwd = saved_pwd;
    }

    /// Processes one line through conditionals, definitions, replication, substitution and
    /// includes, then emits what remains.
    fn process(&mut self, mut text: String, loc: &Location, dir: &Path, depth: usize) -> Next {
        if self.stopped {
            return Next::Continue;
        }
        self.steps += 1;
        if self.steps > self.limits.max_lines.saturating_mul(2) {
            self.too_large(loc);
            return Next::Continue;
        }
        if depth > self.limits.max_expansion_depth {
            // Fatal: a definition that expands to itself would otherwise fan out forever.
            self.stopped = true;
            self.diags
                .error(
                    ErrorClass::General,
                    Some(loc),
                    None,
                    "parameter/sequence expansion nested too deeply",
                )
                .accepted(format!(
                    "at most {} levels",
                    self.limits.max_expansion_depth
                ));
            return Next::Continue;
        }
        loop {
            if text.starts_with('@') {
                match self.conditional(&text) {
                    Some(rest) => text = rest,
                    None => return Next::Continue,
                }
            }
            if text.starts_with('$') {
                if let Some((name, value, multiline)) = parse_definition(&text) {
                    self.defs.set(name, value, multiline);
                    return if multiline {
                        Next::CollectDefinition(name.to_owned())
                    } else {
                        Next::Continue
                    };
                }
            }
            if is_replication(&text) {
                self.replicate(&text, loc, dir, depth);
                return Next::Continue;
            }
            if text.starts_with('~') || !text.contains('$') {
                break;
            }
            match self.defs.substitute(
                &text,
                self.limits.max_line_len,
                self.limits.max_substitutions,
            ) {
                Ok(None) => break,
                Ok(Some(s)) => {
                    if s.more_lines.is_empty() {
                        text = s.text;
                        continue;
                    }
                    self.process(s.text, loc, dir, depth + 1);
                    for line in s.more_lines {
                        self.process(line, loc, dir, depth + 1);
                    }
                    return Next::Continue;
                }
                Err(e) => {
                    let msg = match e {
                        SubstError::TooLong(n) => {
                            format!("Parameter substitution on line '{text}' would exceed maximum line length ({n})")
                        }
                        SubstError::TooManySteps(n) => {
                            format!("Parameter substitution on line '{text}' does not end (more than {n} replacements): a definition refers to itself")
                        }
                    };
                    self.diags.error(ErrorClass::General, Some(loc), None, msg);
                    return Next::Continue;
                }
            }
        }
        if self.include(&text, loc, dir) {
            return Next::Continue;
        }
        self.emit(&text, loc);
        Next::Continue
    }

    /// Stops reading: the expanded configuration is past [`Limits::max_lines`].
    fn too_large(&mut self, loc: &Location) {
        self.diags
            .error(
                ErrorClass::General,
                Some(loc),
                None,
                "configuration too large",
            )
            .accepted(format!(
                "at most {} lines after expansion",
                self.limits.max_lines
            ));
        self.stopped = true;
    }

    /// `@id rest` / `@^id rest`: the rest of the line when the condition holds.
    fn conditional(&self, text: &str) -> Option<String> {
        let (negate, body) = match text.strip_prefix("@^") {
            Some(b) => (true, b),
            None => (false, &text[1..]),
        };
        let blank = body.find([' ', '\t'])?;
        let id = &body[..blank];
        let matches = self.opts.config_id.as_deref() == Some(id);
        (matches != negate).then(|| body[blank..].trim_start_matches([' ', '\t']).to_owned())
    }

    fn replicate(&mut self, text: &str, loc: &Location, dir: &Path, depth: usize) {
        // The parameters of the head may themselves use definitions.
        let head_end = text.find(')').map_or(text.len(), |i| i + 1);
        let head = match self
            .defs
            .substitute(&text[..head_end], self.limits.max_line_len, 100)
        {
            Ok(Some(s)) => s.text,
            _ => text[..head_end].to_owned(),
        };
        let line = format!("{head}{}", &text[head_end..]);
        let rep = match parse_replication(&line, self.limits.max_rounds) {
            Ok(r) => r,
            Err(e) => {
                let (msg, acc) = match e {
                    SeqError::Invalid(l) => (
                        format!("Invalid ~SEQ/~LST specification '{l}'"),
                        Some(
                            "~SEQ(var, start, step, end), ~SEQx(...) or ~LST(var, v1, v2, ...)"
                                .to_owned(),
                        ),
                    ),
                    SeqError::BadValues(l) => (
                        format!("Invalid ~SEQ values '{l}'"),
                        Some("a non-zero step towards end".to_owned()),
                    ),
                    SeqError::NegativeHex(l) => (
                        format!("~SEQx is only valid for positive numbers '{l}'"),
                        None,
                    ),
                    SeqError::TooManyRounds(n) => (
                        format!("~SEQ/~LST produces too many lines '{line}'"),
                        Some(format!("at most {n} rounds")),
                    ),
                };
                let d = self.diags.error(ErrorClass::General, Some(loc), None, msg);
                if let Some(acc) = acc {
                    d.accepted(acc);
                }
                return;
            }
        };
        for round in &rep.rounds {
            if self.stopped {
                return;
            }
            for (var, val) in rep.vars.iter().zip(round) {
                self.defs.set(var, val.clone(), false);
            }
            self.process(rep.rest.clone(), loc, dir, depth + 1);
        }
    }

    /// Handles `include FILE` and its checked variants as keepalived's check_include and
    /// open_glob_file; returns whether the line was an include.
    fn include(&mut self, text: &str, loc: &Location, dir: &Path) -> bool {
        if !text.starts_with("include") {
            return false;
        }
        let Ok(words) = split_words(text) else {
            return false;
        };
        let [kw, pattern] = words.as_slice() else {
            return false;
        };
        let Some(kind) = include_keyword(kw) else {
            return false;
        };
        let checks = self.include_check | kind;
        let found = expand(pattern, dir);
        if found.paths.is_empty() {
            if found.missing > 0 {
                let bit = if has_brace(pattern) {
                    check::BRACE
                } else {
                    check::MATCH
                };
                let msg = format!("Config files missing '{pattern}'.");
                self.file_error(checks, bit, loc, kw, msg);
            } else if found.wildcards && checks & check::WILDCARD != 0 {
                let msg = format!("No config files matched '{pattern}'.");
                self.file_error(checks, check::WILDCARD, loc, kw, msg);
            }
            return true;
        }
        if found.missing > 0 {
            let msg = format!("Some config files missing: \"{pattern}\".");
            self.file_error(checks, check::BRACE, loc, kw, msg);
            if checks & check::BRACE != 0 {
                return true;
            }
        }
        // An included file cannot change the include checks of the file including it.
        let saved = self.include_check;
        for (f, shown) in found.paths {
            if self.stopped {
                break;
            }
            if let Err(why) = check_included(&f, &shown) {
                self.file_error(checks, check::READ, loc, kw, why);
                continue;
            }
            self.shown = Some(shown);
            self.read_file(&f, Some(loc));
            self.include_check = saved;
        }
        true
    }

    /// keepalived's file_config_error: a configuration error when one of the include's
    /// checks asks for `bit`, otherwise only logged.
    fn file_error(&mut self, checks: u8, bit: u8, loc: &Location, kw: &str, msg: String) {
        if let Some(c) = &mut self.copy {
            c.push_str(&format!("#! {msg}\n"));
        }
        if checks & bit != 0 {
            self.diags
                .error(ErrorClass::IncludeMissing, Some(loc), Some(kw), msg);
        } else {
            self.diags.warning(Some(loc), Some(kw), msg);
        }
    }

    /// keepalived's include_check_set, applied as keepalived applies it: when the
    /// global_defs line is read, to the includes that follow.
    fn include_check_set(&mut self, args: &[String], loc: &Location) {
        if args.is_empty() {
            self.include_check = check::ALL;
            return;
        }
        for (i, word) in args.iter().enumerate() {
            let (op, name) = match word.as_bytes().first() {
                Some(b'-') => (-1, &word[1..]),
                Some(b'+') => (1, &word[1..]),
                _ => {
                    if i == 0 {
                        self.include_check = 0;
                    } else {
                        self.diags.error(
                            ErrorClass::General,
                            Some(loc),
                            Some("include_check"),
                            format!("Duplicate include_check '{word}' specified - ignoring"),
                        );
                        continue;
                    }
                    (0, word.as_str())
                }
            };
            let bit = match name {
                "read" => check::READ,
                "match" => check::MATCH,
                "wildcard_match" => check::WILDCARD,
                "brace_match" => check::BRACE,
                _ => {
                    self.diags
                        .error(
                            ErrorClass::General,
                            Some(loc),
                            Some("include_check"),
                            format!("Unknown include_check type '{name}' - ignoring"),
                        )
                        .accepted("read, match, wildcard_match, brace_match, each with + or -");
                    continue;
                }
            };
            match op {
                0 => self.include_check = check::READ | bit,
                1 => self.include_check |= bit,
                _ => self.include_check &= !bit,
            }
        }
    }

    /// Follows the blocks of the lines emitted, to apply a global_defs `include_check`.
    fn track_blocks(&mut self, words: &[String], loc: &Location) {
        match words.first().map(String::as_str) {
            Some("{") => {
                if self.depth == 0 {
                    self.top_block = self.last_top.take();
                }
                self.depth += 1;
            }
            Some("}") => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.top_block = None;
                }
            }
            Some(first) => {
                if self.depth == 0 {
                    self.last_top = Some(first.to_owned());
                } else if self.depth == 1
                    && first == "include_check"
                    && self.top_block.as_deref() == Some("global_defs")
                {
                    self.include_check_set(&words[1..], loc);
                }
            }
            None => {}
        }
    }

    /// Splits the line at every `{` and `}` outside double quotes and records the pieces.
    fn emit(&mut self, text: &str, loc: &Location) {
        let mut rest = text;
        while !rest.is_empty() {
            let brace = find_brace(rest);
            let (piece, next) = match brace {
                Some(0) => rest.split_at(1),
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            self.emit_piece(piece.trim_matches([' ', '\t']), loc);
            rest = next.trim_start_matches([' ', '\t']);
        }
    }

    fn emit_piece(&mut self, piece: &str, loc: &Location) {
        if piece.is_empty() {
            return;
        }
        if self.out.len() >= self.limits.max_lines {
            self.too_large(loc);
            return;
        }
        let words = match split_words(piece) {
            Ok(w) => w,
            Err(WordsError::MissingQuote(q)) => {
                self.diags.error(
                    ErrorClass::UnmatchedQuote,
                    Some(loc),
                    None,
                    format!("Unmatched quote: '{piece}' (missing terminating {q})"),
                );
                return;
            }
        };
        if words.is_empty() {
            return;
        }
        self.track_blocks(&words, loc);
        self.out.push(LogicalLine {
            words,
            raw: piece.to_owned(),
            loc: loc.clone(),
        });
    }
}

/// The byte offset of the first `{` or `}` not inside double quotes.
fn find_brace(s: &str) -> Option<usize> {
    let mut quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quote = !quote,
            '{' | '}' if !quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// keepalived's is_include: `include` then a blank, or `includer`/`m`/`w`/`b`/`a` then one.
fn is_include_line(text: &str) -> bool {
    let b = text.as_bytes();
    if !text.starts_with("include") || b.len() < 8 {
        return false;
    }
    b[7].is_ascii_whitespace()
        || (b.len() > 8 && b[8].is_ascii_whitespace() && b"rmwba".contains(&b[7]))
}

/// keepalived's check_glob_file and fopen for an included file: its log line when it is
/// skipped. `shown` is the name as glob(3) returned it.
fn check_included(path: &Path, shown: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if shown.ends_with('/') {
        return Err(format!(
            "Configuration file '{shown}' is a directory - skipping"
        ));
    }
    let regular =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 == 0);
    if !regular {
        return Err(format!(
            "Configuration file '{shown}' is not a regular non-executable file - skipping"
        ));
    }
    if let Err(e) = std::fs::File::open(path) {
        let text = e.to_string();
        let text = text.split(" (os error ").next().unwrap_or_default();
        return Err(format!(
            "Configuration file '{shown}' open problem ({text}) - skipping"
        ));
    }
    Ok(())
}

fn read_regular_file(path: &Path) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("open problem ({e})"))?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 != 0 {
        return Err("is not a regular non-executable file".into());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("open problem ({e})"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, id: Option<&str>) -> (Vec<Vec<String>>, Diagnostics) {
        let opts = ReadOptions {
            config_id: id.map(str::to_owned),
            ..ReadOptions::default()
        };
        let mut diags = Diagnostics::new();
        let out = read_str(text, Path::new("/nonexistent/k.conf"), &opts, &mut diags);
        (out.into_iter().map(|l| l.words).collect(), diags)
    }

    fn flat(text: &str, id: Option<&str>) -> Vec<String> {
        lines(text, id).0.into_iter().map(|w| w.join(" ")).collect()
    }

    #[test]
    fn braces_stand_alone() {
        assert_eq!(
            flat(
                "vrrp_instance VI_1 {\n  virtual_ipaddress { 10.0.0.1 }\n}",
                None
            ),
            [
                "vrrp_instance VI_1",
                "{",
                "virtual_ipaddress",
                "{",
                "10.0.0.1",
                "}",
                "}"
            ]
        );
    }

    #[test]
    fn braces_in_quotes_do_not_split() {
        assert_eq!(flat(r#"script "echo {x}""#, None), ["script echo {x}"]);
    }

    #[test]
    fn conditionals_follow_the_config_id() {
        let text = "@main router_id a\n@backup router_id b\n@^main x 1\n@main\n";
        assert_eq!(flat(text, Some("main")), ["router_id a"]);
        assert_eq!(flat(text, Some("backup")), ["router_id b", "x 1"]);
        assert_eq!(flat(text, None), ["x 1"]);
    }

    #[test]
    fn definitions_and_conditionals_combine() {
        let text = "@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY\n$IF_MAIN=@main\n$IF_MAIN priority 7";
        assert_eq!(flat(text, Some("main")), ["priority 240", "priority 7"]);
        assert_eq!(flat(text, Some("backup")), ["priority 200"]);
    }

    #[test]
    fn multiline_definitions_expand_to_lines() {
        let text = "$INSTANCE= \\\nvrrp_instance VI_${NUM} { \\\n  interface eth${NUM} \\\n}\n$NUM=0\n$INSTANCE\n$NUM=1\n$INSTANCE\n";
        assert_eq!(
            flat(text, None),
            [
                "vrrp_instance VI_0",
                "{",
                "interface eth0",
                "}",
                "vrrp_instance VI_1",
                "{",
                "interface eth1",
                "}"
            ]
        );
    }

    #[test]
    fn seq_lines_replicate_with_nesting() {
        let text = "~SEQ(A, 1, 2) ~LST(B, x, y) v${A}${B}";
        assert_eq!(flat(text, None), ["v1x", "v1y", "v2x", "v2y"]);
    }

    #[test]
    fn seq_of_a_multiline_definition() {
        let text = "$VI= \\\nitem ${I} {\\\n}\n~SEQ(I, 1, 2) $VI";
        assert_eq!(flat(text, None), ["item 1", "{", "}", "item 2", "{", "}"]);
    }

    #[test]
    fn invalid_seq_is_reported_with_its_line() {
        let (_, diags) = lines("a 1\n~SEQ(I, 1, 0, 3) x", None);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.location.as_ref().unwrap().line, 2);
        assert!(d.message.contains("Invalid ~SEQ values"));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let (_, diags) = lines("$A=x$A\nkw $A", None);
        assert!(diags.has_errors());
        let (_, diags) = lines("$A=$B\n$B=$A\nkw $A", None);
        assert!(diags.has_errors());
        let (out, diags) = lines("~SEQ(I, 0, 1, 99999999999) x", None);
        assert!(out.is_empty() && diags.has_errors());
    }

    #[test]
    fn the_consolidated_copy_is_keepalived_s() {
        let dir = std::env::temp_dir().join(format!("kvr-lexer-copy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::fs::write(
            dir.join("main.conf"),
            "  a 1 # one\n\ninclude d/*.conf\nincludem nothere.conf\nz 26\n",
        )
        .unwrap();
        std::fs::write(dir.join("d/b.conf"), "! note\nb 2\n").unwrap();
        let copy = read_config_copy(&dir.join("main.conf"), &ReadOptions::default());
        let main = dir.join("main.conf");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            copy,
            format!(
                "# {}\na 1\n\n\n# d/b.conf\n\nb 2\n!\n\n#! Config files missing 'nothere.conf'.\nz 26\n!\n",
                main.display()
            )
        );
    }

    #[test]
    fn include_check_acts_from_its_line_on_and_an_include_cannot_change_the_includer() {
        let dir = std::env::temp_dir().join(format!("kvr-lexer-incchk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("main.conf"),
            "include before.conf\nglobal_defs {\n include_check\n}\ninclude sub.conf\ninclude after.conf\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("sub.conf"),
            "global_defs {\n include_check -match\n}\ninclude inner.conf\n",
        )
        .unwrap();
        let mut diags = Diagnostics::new();
        read_config(&dir.join("main.conf"), &ReadOptions::default(), &mut diags);
        let _ = std::fs::remove_dir_all(&dir);
        let level = |name: &str| {
            diags
                .iter()
                .find(|d| d.message.contains(name))
                .map(|d| d.severity)
        };
        use crate::diag::Severity;
        // Before include_check: only logged. Inside sub.conf, -match: logged. After sub.conf
        // the including file's checks again: an error.
        assert_eq!(level("before.conf"), Some(Severity::Warning));
        assert_eq!(level("inner.conf"), Some(Severity::Warning));
        assert_eq!(level("after.conf"), Some(Severity::Error));
    }

    #[test]
    fn includes_are_relative_to_the_including_file_and_detect_loops() {
        let dir = std::env::temp_dir().join(format!("kr-conf-inc-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(dir.join("main.conf"), "a 1\ninclude conf.d/*.conf\nz 26\n").unwrap();
        std::fs::write(dir.join("conf.d/b.conf"), "b 2\ninclude ../loop.conf\n").unwrap();
        std::fs::write(dir.join("conf.d/c.conf"), "c ${_PWD}\n").unwrap();
        std::fs::write(dir.join("loop.conf"), "include conf.d/b.conf\n").unwrap();
        let mut diags = Diagnostics::new();
        let out = read_config(&dir.join("main.conf"), &ReadOptions::default(), &mut diags);
        let words: Vec<String> = out.iter().map(|l| l.words.join(" ")).collect();
        let pwd = dir.canonicalize().unwrap().join("conf.d");
        assert_eq!(
            words,
            ["a 1", "b 2", &format!("c {}", pwd.display()), "z 26"]
        );
        let looped = diags
            .iter()
            .find(|d| d.message.contains("include loop"))
            .unwrap();
        assert!(looped.to_string().contains("included from"));
        assert_eq!(out[1].loc.path(), dir.join("conf.d/b.conf"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
