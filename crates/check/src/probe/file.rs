//! FILE_CHECK's tracked file: the number it holds.

/// How often a tracked file is read again (keepalived is told by inotify; we poll).
pub const POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// The value of `text` as keepalived reads a tracked file: a leading integer (decimal, or
/// 0x hex), blanks around it allowed; anything else, or nothing, is 0.
pub fn parse_value(text: &str) -> i64 {
    let t = text.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => (16, h),
        None => (10, t),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let v = i64::from_str_radix(digits.get(..end).unwrap_or_default(), radix).unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

/// The value of the file at `path`; 0 when it is missing or unreadable.
pub fn read_value(path: &str) -> i64 {
    std::fs::read_to_string(path).map_or(0, |t| parse_value(&t))
}

#[cfg(test)]
mod tests {
    use super::parse_value;

    #[test]
    fn a_tracked_file_holds_a_leading_integer() {
        assert_eq!(parse_value("5\n"), 5);
        assert_eq!(parse_value("  -12 trailing"), -12);
        assert_eq!(parse_value("0x10"), 16);
        assert_eq!(parse_value(""), 0);
        assert_eq!(parse_value("abc"), 0);
        assert_eq!(parse_value("99999999999999999999999"), 0);
    }
}
