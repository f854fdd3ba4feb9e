//! `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, v1, v2, ...)` replication
//! (keepalived.conf(5), "Sequence blocks" and "List blocks").

/// One replication head parsed from the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replication {
    /// The variable names set on each round (one for ~SEQ, one or more for ~LST).
    pub vars: Vec<String>,
    /// The values of each round, one per variable.
    pub rounds: Vec<Vec<String>>,
    /// The rest of the line after the closing `)`, processed once per round.
    pub rest: String,
}

/// Why a replication head is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeqError {
    /// The head does not have keepalived's syntax.
    Invalid(String),
    /// A step of 0 or one that moves away from the end.
    BadValues(String),
    /// `~SEQx` with a negative bound.
    NegativeHex(String),
    /// More rounds than the limit.
    TooManyRounds(u64),
}

/// Whether `line` starts a replication.
pub fn is_replication(line: &str) -> bool {
    line.starts_with("~SEQ") || line.starts_with("~LST")
}

/// Parses a `~SEQ`/`~SEQx`/`~LST` head at the start of `line`, whose parameters have already
/// had their `$` parameters substituted. At most `max_rounds` rounds are produced.
pub fn parse_replication(line: &str, max_rounds: u64) -> Result<Replication, SeqError> {
    if let Some(rest) = line.strip_prefix("~SEQ") {
        let (hex, rest) = match rest.strip_prefix('x') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        parse_seq(line, rest, hex, max_rounds)
    } else if let Some(rest) = line.strip_prefix("~LST") {
        parse_lst(line, rest, max_rounds)
    } else {
        Err(SeqError::Invalid(line.to_owned()))
    }
}

fn parse_seq(line: &str, rest: &str, hex: bool, max_rounds: u64) -> Result<Replication, SeqError> {
    let invalid = || SeqError::Invalid(line.to_owned());
    let rest = rest.trim_start_matches([' ', '\t']);
    let inner = rest.strip_prefix('(').ok_or_else(invalid)?;
    let close = inner.find(')').ok_or_else(invalid)?;
    let args: Vec<&str> = inner[..close].split(',').map(str::trim).collect();
    let var = args
        .first()
        .copied()
        .filter(|v| !v.is_empty())
        .ok_or_else(invalid)?;
    let nums = args[1..]
        .iter()
        .map(|n| parse_c_long(n).ok_or_else(invalid))
        .collect::<Result<Vec<i64>, _>>()?;
    let (start, step, end) = match nums[..] {
        [end] => (
            if end < 0 { -1 } else { 1 },
            if end < 1 { -1 } else { 1 },
            end,
        ),
        [start, end] => (start, if start <= end { 1 } else { -1 }, end),
        [start, step, end] => {
            if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
                return Err(SeqError::BadValues(line.to_owned()));
            }
            (start, step, end)
        }
        _ => return Err(invalid()),
    };
    if hex && (start < 0 || end < 0) {
        return Err(SeqError::NegativeHex(line.to_owned()));
    }
    let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
    if count > i128::from(max_rounds) {
        return Err(SeqError::TooManyRounds(max_rounds));
    }
    let mut rounds = Vec::new();
    let mut v = start;
    while (step > 0 && v <= end) || (step < 0 && v >= end) {
        rounds.push(vec![if hex { format!("{v:x}") } else { v.to_string() }]);
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(Replication {
        vars: vec![var.to_owned()],
        rounds,
        rest: inner[close + 1..]
            .trim_start_matches([' ', '\t'])
            .to_owned(),
    })
}

/// Parses an integer as C's `strtol(s, _, 0)`: decimal, `0x` hex or `0` octal, signed.
fn parse_c_long(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(h, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_lst(line: &str, rest: &str, max_rounds: u64) -> Result<Replication, SeqError> {
    let invalid = || SeqError::Invalid(line.to_owned());
    let rest = rest.trim_start_matches([' ', '\t']);
    let inner = rest.strip_prefix('(').ok_or_else(invalid)?;
    // Find the `)` closing the head, skipping `{...}` groups.
    let mut depth = 0i32;
    let mut close = None;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ')' if depth == 0 => {
                close = Some(i);
                break;
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(invalid)?;
    let items = split_top_level(&inner[..close]).ok_or_else(invalid)?;
    let (head, values) = items.split_first().ok_or_else(invalid)?;
    let vars = group_items(head).ok_or_else(invalid)?;
    if vars.is_empty() || values.is_empty() || vars.iter().any(|v| v.is_empty()) {
        return Err(invalid());
    }
    if values.len() as u64 > max_rounds {
        return Err(SeqError::TooManyRounds(max_rounds));
    }
    let mut rounds = Vec::with_capacity(values.len());
    for v in values {
        let vals = group_items(v).ok_or_else(invalid)?;
        if vals.len() != vars.len() {
            return Err(invalid());
        }
        rounds.push(vals);
    }
    Ok(Replication {
        vars,
        rounds,
        rest: inner[close + 1..]
            .trim_start_matches([' ', '\t'])
            .to_owned(),
    })
}

/// Splits on commas that are not inside `{...}`.
fn split_top_level(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    out.push(s[start..].trim());
    Some(out)
}

/// `{a, b}` gives `[a, b]`; a plain `a` gives `[a]`.
fn group_items(s: &str) -> Option<Vec<String>> {
    let s = s.trim();
    match s.strip_prefix('{') {
        Some(inner) => Some(
            inner
                .strip_suffix('}')?
                .split(',')
                .map(|x| x.trim().to_owned())
                .collect(),
        ),
        None => Some(vec![s.to_owned()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(r: &Replication) -> Vec<String> {
        r.rounds.iter().map(|v| v.join(",")).collect()
    }

    #[test]
    fn seq_counts_up_and_down() {
        let r = parse_replication("~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1", 100).unwrap();
        assert_eq!(r.vars, ["SUBNET"]);
        assert_eq!(values(&r), ["0", "1", "2", "3"]);
        assert_eq!(r.rest, "ip_address 10.0.${SUBNET}.1");
        let r = parse_replication("~SEQ(I, 3, 1) x", 100).unwrap();
        assert_eq!(values(&r), ["3", "2", "1"]);
        let r = parse_replication("~SEQ(I, 3) x", 100).unwrap();
        assert_eq!(values(&r), ["1", "2", "3"]);
    }

    #[test]
    fn seqx_formats_hex() {
        let r = parse_replication("~SEQx(S, 0x90, 0x10, 0xc0) fe80::20:${S}:1", 100).unwrap();
        assert_eq!(values(&r), ["90", "a0", "b0", "c0"]);
        let r = parse_replication("~SEQx(S, 144, 16, 192) x", 100).unwrap();
        assert_eq!(values(&r), ["90", "a0", "b0", "c0"]);
        assert!(matches!(
            parse_replication("~SEQx(S, -1, 3) x", 100),
            Err(SeqError::NegativeHex(_))
        ));
    }

    #[test]
    fn seq_rejects_bad_steps_and_huge_ranges() {
        assert!(matches!(
            parse_replication("~SEQ(I, 1, 0, 3) x", 100),
            Err(SeqError::BadValues(_))
        ));
        assert!(matches!(
            parse_replication("~SEQ(I, 1, -1, 3) x", 100),
            Err(SeqError::BadValues(_))
        ));
        assert!(matches!(
            parse_replication("~SEQ(I, 1, 1, 1000000000000) x", 1000),
            Err(SeqError::TooManyRounds(_))
        ));
        assert!(parse_replication("~SEQ I, 1) x", 100).is_err());
        assert!(parse_replication("~SEQ(I, a) x", 100).is_err());
    }

    #[test]
    fn lst_with_groups() {
        let r = parse_replication(
            "~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}",
            100,
        )
        .unwrap();
        assert_eq!(r.vars, ["IP", "IP1"]);
        assert_eq!(values(&r), ["10,1", "20,4", "5,6", "12,8"]);
        assert_eq!(r.rest, "192.168.${IP}.${IP1}");
        let r = parse_replication("~LST(IP, 1, 2, 3, 4) x", 100).unwrap();
        assert_eq!(values(&r), ["1", "2", "3", "4"]);
        assert!(parse_replication("~LST({A,B}, {1}) x", 100).is_err());
        assert!(parse_replication("~LST(A) x", 100).is_err());
    }
}
