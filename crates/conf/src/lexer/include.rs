//! Expanding the file name of an `include` line: relative to the including file, csh-style
//! `{a,b}` braces, then glob wildcards, sorted as glob(3) sorts them, with what keepalived's
//! include checks need to know (names missing, wildcards used). Not modelled: a wildcard in
//! a directory component followed by a fixed name missing in some of the directories
//! matched (glob(3) counts each as a missing file).

use std::path::{Path, PathBuf};

/// keepalived's include checks (lib/parser.c include_t), as bits of [`IncludeCheck`].
pub mod check {
    /// An entry that is a directory, not a regular non-executable file, or unreadable.
    pub const READ: u8 = 0x01;
    /// No file matches a name without wildcards.
    pub const MATCH: u8 = 0x02;
    /// No file matches, wildcards or not.
    pub const WILDCARD: u8 = 0x04;
    /// A `{a,b}` alternative matches no file.
    pub const BRACE: u8 = 0x08;
    /// Every check (`includea`, a bare `include_check`, `-e`).
    pub const ALL: u8 = READ | MATCH | WILDCARD | BRACE;
}

/// The include keywords and the checks each adds to `include_check`'s (keepalived's
/// check_include): `include` none, `includer` read, `includem` read+match, `includew`
/// read+match+wildcard_match, `includeb` read+brace_match, `includea` all of them.
pub fn include_keyword(word: &str) -> Option<u8> {
    use check::*;
    match word {
        "include" => Some(0),
        "includer" => Some(READ),
        "includem" => Some(READ | MATCH),
        "includew" => Some(READ | MATCH | WILDCARD),
        "includeb" => Some(READ | BRACE),
        "includea" => Some(ALL),
        _ => None,
    }
}

/// What glob(3) with keepalived's GLOB_BRACE | GLOB_MARK | GLOB_ALTDIRFUNC hooks makes of
/// an include pattern.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The matches, each alternative's sorted: (the path to read, the name as glob(3)
    /// returns it: as written, relative or not, a directory with a trailing `/`).
    pub paths: Vec<(PathBuf, String)>,
    /// Names without wildcards that are not there plus wildcard directories that cannot
    /// be opened (keepalived's missing_files + missing_directories).
    pub missing: usize,
    /// A directory was read for a wildcard (keepalived's have_wildcards).
    pub wildcards: bool,
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The files an include pattern names, relative to `dir`.
pub fn expand(pattern: &str, dir: &Path) -> Expansion {
    let mut out = Expansion::default();
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    for alt in expand_braces(pattern, 0) {
        let full = if Path::new(&alt).is_absolute() {
            PathBuf::from(&alt)
        } else {
            dir.join(&alt)
        };
        let shown = |p: &Path| -> String {
            let rel = if Path::new(&alt).is_absolute() {
                p
            } else {
                p.strip_prefix(dir).unwrap_or(p)
            };
            let mut s = rel.to_string_lossy().into_owned();
            if p.is_dir() && !s.ends_with('/') {
                s.push('/');
            }
            s
        };
        if !has_wildcard(&alt) {
            if std::fs::symlink_metadata(&full).is_ok() {
                let name = shown(&full);
                out.paths.push((full, name));
            } else {
                out.missing += 1;
            }
            continue;
        }
        // glob(3) opens the directory before the first component with a wildcard.
        out.wildcards = true;
        let fixed: PathBuf = full
            .components()
            .take_while(|c| !has_wildcard(&c.as_os_str().to_string_lossy()))
            .collect();
        if std::fs::read_dir(&fixed).is_err() {
            out.missing += 1;
            continue;
        }
        let Some(full_str) = full.to_str() else {
            continue;
        };
        let mut matches: Vec<PathBuf> = match glob::glob_with(full_str, options) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        matches.sort();
        for m in matches {
            let name = shown(&m);
            out.paths.push((m, name));
        }
    }
    out
}

/// Whether `pattern` has a `{` not escaped by `\` (keepalived's have_brace).
pub fn has_brace(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '{' {
            return true;
        }
    }
    false
}

/// `a{b,c}d` gives `abd`, `acd`; braces nest. Unbalanced braces are left as they are.
fn expand_braces(s: &str, depth: usize) -> Vec<String> {
    if depth > 8 {
        return vec![s.to_owned()];
    }
    let Some(open) = s.find('{') else {
        return vec![s.to_owned()];
    };
    let mut level = 0;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            ',' if level == 1 => commas.push(open + i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![s.to_owned()];
    };
    let (prefix, suffix) = (&s[..open], &s[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let alt = &s[w[0] + 1..w[1]];
        for tail in expand_braces(&format!("{prefix}{alt}{suffix}"), depth + 1) {
            out.push(tail);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_like_csh() {
        assert_eq!(expand_braces("a{b,c}d", 0), ["abd", "acd"]);
        assert_eq!(
            expand_braces("{foo/{,cat,dog},bar}", 0),
            ["foo/", "foo/cat", "foo/dog", "bar"]
        );
        assert_eq!(expand_braces("x{y", 0), ["x{y"]);
    }

    #[test]
    fn keywords() {
        assert_eq!(include_keyword("include"), Some(0));
        assert_eq!(include_keyword("includea"), Some(check::ALL));
        assert_eq!(
            include_keyword("includeb"),
            Some(check::READ | check::BRACE)
        );
        assert_eq!(include_keyword("included"), None);
    }
}
