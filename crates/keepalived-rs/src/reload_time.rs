//! The time in a `reload_time_file`, read as keepalived 2.2.7's parse_datetime
//! (core/reload_monitor.c): exactly `HH:MM:SS`, `YY-MM-DD HH:MM:SS` or
//! `YYYY-MM-DD HH:MM:SS`, local time unless followed by `Z` (UTC), parsed by glibc's
//! strptime rules and checked with mktime (a time that does not exist is refused). A time
//! without a date that has passed today is tomorrow's.

/// A reload time, or keepalived's reason for ignoring the line (its log line).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Seconds since the epoch, and whether the line had a date.
    At { time: i64, date: bool },
    /// keepalived's -1: a bad line, after the given log line.
    Invalid(String),
    /// keepalived's -2: a date and time that have passed, after the given log line.
    Past(String),
}

/// Parses the first line of the file (without its newline), `now` being time(NULL).
pub(crate) fn parse(text: &str, now: i64) -> Parsed {
    let utc = text.ends_with('Z');
    let len = text.len() - usize::from(utc);
    if len != 8 && len != 17 && len != 19 {
        return Parsed::Invalid(format!("Reload time {text} format is incorrect - ignoring"));
    }
    let mut tm = broken_down(now, utc);
    let format: &[u8] = match len {
        8 => b"%H:%M:%S",
        17 => b"%y-%m-%d %H:%M:%S",
        _ => b"%Y-%m-%d %H:%M:%S",
    };
    let rest = strptime(text.as_bytes(), format, &mut tm);
    let ends = rest.is_some_and(|r| r == if utc { &b"Z"[..] } else { &b""[..] });
    if !ends {
        return Parsed::Invalid(format!("Reload date/time {text} invalid - ignoring"));
    }
    tm.tm_isdst = -1;
    let mut tm1 = tm;
    // SAFETY: mktime reads and normalises a valid struct tm we own.
    let mut t = unsafe { libc::mktime(&mut tm1) };
    let same = (
        tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
    ) == (
        tm1.tm_year,
        tm1.tm_mon,
        tm1.tm_mday,
        tm1.tm_hour,
        tm1.tm_min,
        tm1.tm_sec,
    );
    if !same {
        return Parsed::Invalid(format!("Reload time {text} is not valid - ignoring"));
    }
    if utc {
        // SAFETY: as mktime.
        t = unsafe { libc::timegm(&mut tm1) };
    }
    if t <= now {
        if len == 8 {
            tm1.tm_mday += 1;
            // SAFETY: as above.
            t = unsafe {
                if utc {
                    libc::timegm(&mut tm1)
                } else {
                    libc::mktime(&mut tm1)
                }
            };
        } else {
            return Parsed::Past(format!("Reload time {text} is in the past - ignoring"));
        }
    }
    Parsed::At {
        time: t,
        date: len >= 17,
    }
}

/// keepalived's format_time_t: local time, `%Y-%m-%d %H:%M:%S`.
pub(crate) fn format_local(t: i64) -> String {
    let tm = broken_down(t, false);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

fn broken_down(t: i64, utc: bool) -> libc::tm {
    // SAFETY: an all-zero struct tm is valid; localtime_r/gmtime_r fill it from `t`.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let t: libc::time_t = t;
        if utc {
            libc::gmtime_r(&t, &mut tm);
        } else {
            libc::localtime_r(&t, &mut tm);
        }
        tm
    }
}

/// glibc's strptime for the conversions keepalived uses; the input left, or `None`.
fn strptime<'a>(mut input: &'a [u8], format: &[u8], tm: &mut libc::tm) -> Option<&'a [u8]> {
    let mut f = format.iter().copied();
    while let Some(c) = f.next() {
        if c.is_ascii_whitespace() {
            input = skip_space(input);
            continue;
        }
        if c != b'%' {
            let (&first, rest) = input.split_first()?;
            if first != c {
                return None;
            }
            input = rest;
            continue;
        }
        let letter = f.next()?;
        let (from, to, digits) = match letter {
            b'H' => (0, 23, 2),
            b'M' => (0, 59, 2),
            b'S' => (0, 61, 2),
            b'd' => (1, 31, 2),
            b'm' => (1, 12, 2),
            b'y' => (0, 99, 2),
            b'Y' => (0, 9999, 4),
            _ => return None,
        };
        let (val, rest) = get_number(input, from, to, digits)?;
        input = rest;
        match letter {
            b'H' => tm.tm_hour = val,
            b'M' => tm.tm_min = val,
            b'S' => tm.tm_sec = val,
            b'd' => tm.tm_mday = val,
            b'm' => tm.tm_mon = val - 1,
            // glibc: 69-99 are 1969-1999, 00-68 are 2000-2068.
            b'y' => tm.tm_year = if val >= 69 { val } else { val + 100 },
            _ => tm.tm_year = val - 1900,
        }
    }
    Some(input)
}

fn skip_space(mut input: &[u8]) -> &[u8] {
    while let Some((&c, rest)) = input.split_first() {
        if !c.is_ascii_whitespace() {
            break;
        }
        input = rest;
    }
    input
}

/// glibc's get_number: spaces skipped, then up to `digits` digits while the value can
/// still grow within `to`; the value must be in `from..=to`.
fn get_number(input: &[u8], from: i32, to: i32, digits: usize) -> Option<(i32, &[u8])> {
    let mut input = skip_space(input);
    let mut val: i32 = 0;
    let mut n = digits;
    loop {
        let (&c, rest) = input.split_first()?;
        if !c.is_ascii_digit() {
            return None;
        }
        val = val * 10 + i32::from(c - b'0');
        input = rest;
        n -= 1;
        let more = input.first().is_some_and(u8::is_ascii_digit);
        if n == 0 || val * 10 > to || !more {
            break;
        }
    }
    (from..=to).contains(&val).then_some((val, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc_parse(text: &str, now: i64) -> Parsed {
        parse(text, now)
    }

    #[test]
    fn the_three_formats_utc() {
        // 2026-12-03 10:00:00 UTC.
        let now = 1_796_292_000;
        assert_eq!(
            utc_parse("2026-12-03 10:00:05Z", now),
            Parsed::At {
                time: now + 5,
                date: true
            }
        );
        assert_eq!(
            utc_parse("26-12-03 10:00:05Z", now),
            Parsed::At {
                time: now + 5,
                date: true
            }
        );
        assert_eq!(
            utc_parse("10:00:05Z", now),
            Parsed::At {
                time: now + 5,
                date: false
            }
        );
        // Passed today without a date: tomorrow.
        assert_eq!(
            utc_parse("09:59:59Z", now),
            Parsed::At {
                time: now - 1 + 86_400,
                date: false
            }
        );
    }

    #[test]
    fn keepalived_refusals() {
        let now = 1_796_292_000;
        assert_eq!(
            utc_parse("10:00Z", now),
            Parsed::Invalid("Reload time 10:00Z format is incorrect - ignoring".into())
        );
        assert_eq!(
            utc_parse("10:00:xxZ", now),
            Parsed::Invalid("Reload date/time 10:00:xxZ invalid - ignoring".into())
        );
        assert_eq!(
            utc_parse("2026-02-30 10:00:00Z", now),
            Parsed::Invalid("Reload time 2026-02-30 10:00:00Z is not valid - ignoring".into())
        );
        assert_eq!(
            utc_parse("2026-12-03 09:00:00Z", now),
            Parsed::Past("Reload time 2026-12-03 09:00:00Z is in the past - ignoring".into())
        );
        assert_eq!(
            utc_parse("24:00:00Z", now),
            Parsed::Invalid("Reload date/time 24:00:00Z invalid - ignoring".into())
        );
    }
}
