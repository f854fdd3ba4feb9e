//! Comment removal, as keepalived's `decomment()` does it.

/// A physical line with its comment removed and leading/trailing blanks trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decommented {
    /// The remaining text. A trailing `\` (continuation of a multi-line definition) is kept,
    /// with the blanks before it removed.
    pub text: String,
    /// A `"` opened on this line was never closed.
    pub unterminated_quote: bool,
}

/// Removes a `#` or `!` comment (which may start anywhere outside double quotes), the
/// backslash of an escaped `\#`/`\!` outside quotes, and blanks at both ends.
pub fn decomment(line: &str) -> Decommented {
    let line = line.trim_start_matches([' ', '\t']);
    let mut out = String::with_capacity(line.len());
    let mut quote = false;
    let mut continuation = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                out.push(c);
            }
            '\\' => match chars.peek().copied() {
                None => {
                    continuation = true;
                    break;
                }
                Some(next @ ('#' | '!')) if !quote => {
                    out.push(next);
                    chars.next();
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                    chars.next();
                }
            },
            '#' | '!' if !quote => break,
            _ => out.push(c),
        }
    }
    let trimmed_len = out.trim_end_matches([' ', '\t']).len();
    out.truncate(trimmed_len);
    if continuation {
        out.push('\\');
    }
    Decommented {
        text: out,
        unterminated_quote: quote,
    }
}

#[cfg(test)]
mod tests {
    use super::decomment;

    #[test]
    fn hash_and_bang_start_comments_anywhere() {
        assert_eq!(decomment("  priority 100 # main").text, "priority 100");
        assert_eq!(decomment("priority 100! main").text, "priority 100");
        assert_eq!(decomment("# whole line").text, "");
    }

    #[test]
    fn comment_chars_inside_double_quotes_are_kept() {
        assert_eq!(
            decomment(r#"script "/bin/echo #1" # c"#).text,
            r#"script "/bin/echo #1""#
        );
    }

    #[test]
    fn escaped_comment_chars_lose_their_backslash() {
        assert_eq!(decomment(r"auth_pass ab\#cd").text, "auth_pass ab#cd");
    }

    #[test]
    fn trailing_backslash_is_kept_without_blanks_before_it() {
        assert_eq!(decomment("$X= a   \\").text, "$X= a\\");
    }

    #[test]
    fn unterminated_quote_is_reported() {
        assert!(decomment(r#"script "/bin/true"#).unterminated_quote);
    }
}
