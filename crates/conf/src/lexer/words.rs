//! Splitting a logical line into words, as keepalived's `alloc_strvec_quoted_escaped()`.

/// Why a line could not be split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordsError {
    /// A `"` or `'` that is never closed.
    MissingQuote(char),
    /// A `\` at the very end of the line.
    TrailingBackslash,
}

/// Splits `line` into words: blanks separate words; `"…"` and `'…'` quote blanks and may
/// stand inside a word (`ab"c d"e` is the word `abc de`); backslash escapes as in the shell
/// (`\n`, `\t`, `\x41`, `\101`, `\cC`, and `\C` for any other C).
pub fn split_words(line: &str) -> Result<Vec<String>, WordsError> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| is_blank(*c)) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match (quote, c) {
                (_, '\\') => {
                    chars.next();
                    word.push(unescape(&mut chars)?);
                }
                (Some(q), c) if c == q => {
                    chars.next();
                    quote = None;
                }
                (None, '"' | '\'') => {
                    chars.next();
                    quote = Some(c);
                }
                (None, c) if is_blank(c) => break,
                (_, c) => {
                    chars.next();
                    word.push(c);
                }
            }
        }
        if let Some(q) = quote {
            return Err(WordsError::MissingQuote(q));
        }
        words.push(word);
    }
    Ok(words)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, WordsError> {
    let c = chars.next().ok_or(WordsError::TrailingBackslash)?;
    Ok(match c {
        'x' if chars.peek().is_some_and(|d| d.is_ascii_hexdigit()) => {
            let mut v: u32 = 0;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(16)) {
                v = (v << 4 | d) & 0xff;
                chars.next();
            }
            char::from(v as u8)
        }
        'c' if chars.peek().is_some() => {
            let n = chars.next().map_or(0, |c| c as u32) & 0x1f;
            char::from(n as u8)
        }
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.peek().and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        v = v << 3 | d;
                        chars.next();
                    }
                    None => break,
                }
            }
            char::from((v & 0xff) as u8)
        }
        'a' => '\x07',
        'b' => '\x08',
        'E' => '\x1b',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_separate_words() {
        assert_eq!(split_words("  a\tb  c ").unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn quotes_join_words_as_the_man_page_says() {
        assert_eq!(
            split_words(r#"abcd" efg h jkl "mnop"#).unwrap(),
            ["abcd efg h jkl mnop"]
        );
        assert_eq!(
            split_words(r#"abcd "efg h jkl" mnop"#).unwrap(),
            ["abcd", "efg h jkl", "mnop"]
        );
        assert_eq!(split_words("'a b' c").unwrap(), ["a b", "c"]);
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(split_words(r#""a\tb\x41\101\"""#).unwrap(), ["a\tbAA\""]);
        assert_eq!(split_words(r"\\").unwrap(), ["\\"]);
    }

    #[test]
    fn an_open_quote_is_an_error() {
        assert_eq!(split_words("\"abc"), Err(WordsError::MissingQuote('"')));
        assert_eq!(split_words("abc\\"), Err(WordsError::TrailingBackslash));
    }
}
