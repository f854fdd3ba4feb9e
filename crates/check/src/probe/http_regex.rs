//! HTTP_GET/SSL_GET `regex` with keepalived's `regex_options` (PCRE2 option names,
//! check_http.c's regex_options table). keepalived compiles the pattern with PCRE2; ours
//! with the regex crate, which has no backtracking: the options that change what matches
//! are mapped to its flags, those that only tune PCRE2's optimiser or callouts change
//! nothing, and those naming PCRE2 syntax the regex crate lacks are logged as not applied.

use regex::bytes::{Regex, RegexBuilder};

/// What the options of one url ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegexOptions {
    caseless: bool,
    dotall: bool,
    extended: bool,
    multiline: bool,
    ungreedy: bool,
    /// PCRE2_FIRSTLINE: the match must start at or before the first newline after the
    /// start offset.
    pub firstline: bool,
}

/// Options with no effect on whether a pattern matches (PCRE2's optimiser, callouts that
/// keepalived never sets, the offset limit it never sets, capture naming).
const NO_EFFECT: [&str; 7] = [
    "auto_callout",
    "dupnames",
    "no_auto_capture",
    "no_auto_possess",
    "no_dotstar_anchor",
    "no_start_optimize",
    "use_offset_limit",
];

/// PCRE2 syntax and modes the regex crate does not have (its patterns are always UTF-8
/// aware; `$` already matches only at the very end).
const NOT_APPLIED: [&str; 11] = [
    "allow_empty_class",
    "alt_bsux",
    "alt_circumflex",
    "alt_verbnames",
    "dollar_endonly",
    "match_unset_backref",
    "never_backslash_c",
    "never_ucp",
    "never_utf",
    "ucp",
    "utf",
];

impl RegexOptions {
    /// The options named by `regex_options` words; a word keepalived does not know is
    /// skipped, as keepalived skips it. Calls `not_applied` for each known option ours
    /// cannot apply.
    pub fn from_words<'a>(
        words: impl IntoIterator<Item = &'a str>,
        mut not_applied: impl FnMut(&str),
    ) -> RegexOptions {
        let mut o = RegexOptions::default();
        for w in words {
            match w {
                "caseless" => o.caseless = true,
                "dotall" => o.dotall = true,
                "extended" => o.extended = true,
                "multiline" => o.multiline = true,
                "ungreedy" => o.ungreedy = true,
                "firstline" => o.firstline = true,
                w if NOT_APPLIED.contains(&w) => not_applied(w),
                w if NO_EFFECT.contains(&w) => {}
                _ => {}
            }
        }
        o
    }

    /// `pattern` compiled with these options.
    pub fn compile(&self, pattern: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(pattern)
            .case_insensitive(self.caseless)
            .dot_matches_new_line(self.dotall)
            .ignore_whitespace(self.extended)
            .multi_line(self.multiline)
            .swap_greed(self.ungreedy)
            .build()
    }
}

/// Whether a match found at `start` (searching `body` from `from`) is allowed by
/// PCRE2_FIRSTLINE: it starts at or before the first newline at or after `from`.
pub fn within_first_line(body: &[u8], from: usize, start: usize) -> bool {
    let newline = body
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map(|n| from + n);
    newline.map_or(true, |n| start <= n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(words: &str) -> (RegexOptions, Vec<String>) {
        let mut skipped = Vec::new();
        let o = RegexOptions::from_words(words.split_whitespace(), |w| skipped.push(w.to_owned()));
        (o, skipped)
    }

    #[test]
    fn the_matching_options_change_what_matches() {
        let m = |words: &str, pattern: &str, body: &str| {
            options(words)
                .0
                .compile(pattern)
                .unwrap()
                .is_match(body.as_bytes())
        };
        assert!(!m("", "status: ok", "STATUS: OK"));
        assert!(m("caseless", "status: ok", "STATUS: OK"));
        assert!(!m("", "a.b", "a\nb"));
        assert!(m("dotall", "a.b", "a\nb"));
        assert!(m("extended", "a b # comment", "ab"));
        assert!(!m("", "^ok$", "x\nok\ny"));
        assert!(m("multiline", "^ok$", "x\nok\ny"));
        let ungreedy = options("ungreedy").0.compile("a.+b").unwrap();
        assert_eq!(ungreedy.find(b"a1b2b").map(|x| x.end()), Some(3));
    }

    #[test]
    fn unknown_words_are_skipped_and_pcre_syntax_options_named() {
        let (o, skipped) = options("caseless bogus no_start_optimize utf alt_bsux");
        assert_eq!(
            o,
            RegexOptions {
                caseless: true,
                ..Default::default()
            }
        );
        assert_eq!(skipped, ["utf", "alt_bsux"]);
    }

    #[test]
    fn firstline_bounds_where_a_match_starts() {
        let body = b"HTTP ok\nsecond ok\n";
        assert!(within_first_line(body, 0, 5));
        assert!(within_first_line(body, 0, 7));
        assert!(!within_first_line(body, 0, 15));
        // From an offset past the first newline, the next line is the first.
        assert!(within_first_line(body, 8, 15));
        assert!(within_first_line(b"no newline", 0, 9));
    }
}
