//! Splitting a logical line into words, as keepalived 2.2.7's `alloc_strvec_r()`.
//!
//! Only double quotes group words, and only when the word starts with one; single quotes and
//! backslashes are ordinary characters (the man page describes a later parser with shell-like
//! escapes; 2.2.7, the version we are compatible with, does not have it).

/// Why a line could not be split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordsError {
    /// A `"` that is never closed.
    MissingQuote(char),
}

/// Splits `line` into words: blanks and `"` end a word; a word starting with `"` runs to
/// the next `"` (quotes removed, blanks kept).
pub fn split_words(line: &str) -> Result<Vec<String>, WordsError> {
    let mut words = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(is_blank);
        if rest.is_empty() {
            break;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').ok_or(WordsError::MissingQuote('"'))?;
            words.push(quoted[..end].to_owned());
            rest = &quoted[end + 1..];
        } else {
            let end = rest
                .find(|c: char| is_blank(c) || c == '"')
                .unwrap_or(rest.len());
            words.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    Ok(words)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_separate_words() {
        assert_eq!(split_words("  a\tb  c ").unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn double_quotes_group_words() {
        assert_eq!(
            split_words(r#"abcd "efg h jkl" mnop"#).unwrap(),
            ["abcd", "efg h jkl", "mnop"]
        );
        assert_eq!(split_words(r#""a b"c"#).unwrap(), ["a b", "c"]);
        assert_eq!(split_words(r#"ab"c d""#).unwrap(), ["ab", "c d"]);
    }

    #[test]
    fn single_quotes_and_backslashes_are_ordinary() {
        assert_eq!(split_words("'100' a\\tb").unwrap(), ["'100'", "a\\tb"]);
    }

    #[test]
    fn an_open_quote_is_an_error() {
        assert_eq!(split_words("\"abc"), Err(WordsError::MissingQuote('"')));
    }
}
