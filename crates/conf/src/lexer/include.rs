//! Expanding the file name of an `include` line: relative to the including file, csh-style
//! `{a,b}` braces, then glob wildcards, sorted as glob(3) sorts them.

use std::path::{Path, PathBuf};

/// The include keywords and whether a missing match is a configuration error.
///
/// `include` keeps keepalived's old behaviour (nothing matched is only logged); the checked
/// variants (`includer`, `includem`, `includew`, `includeb`, `includea`) report it.
pub fn include_keyword(word: &str) -> Option<bool> {
    match word {
        "include" => Some(false),
        "includer" | "includem" | "includew" | "includeb" | "includea" => Some(true),
        _ => None,
    }
}

/// The files an include pattern names, relative to `dir`. Directories are skipped.
pub fn expand(pattern: &str, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for alt in expand_braces(pattern, 0) {
        let full = if Path::new(&alt).is_absolute() {
            PathBuf::from(&alt)
        } else {
            dir.join(&alt)
        };
        let Some(full_str) = full.to_str() else {
            continue;
        };
        let mut matches: Vec<PathBuf> = match glob::glob(full_str) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        matches.sort();
        out.extend(matches.into_iter().filter(|p| !p.is_dir()));
    }
    out
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
        assert_eq!(include_keyword("include"), Some(false));
        assert_eq!(include_keyword("includea"), Some(true));
        assert_eq!(include_keyword("included"), None);
    }
}
