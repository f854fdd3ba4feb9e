//! Formatting helpers that reproduce keepalived 2.2.7's C formatting: `%g`, its time
//! strings, `cmd_str()` quoting, and the address/route/rule strings of its dumps.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::model::{Timeval, VipDump};

/// C's `printf("%g", v)` (precision 6).
pub fn c_g(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".to_string()
        } else if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    // Rounded to 6 significant digits, in scientific form, to learn the exponent.
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        strip_zeros(format!("{v:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip_zeros(mantissa), sign, exp.abs())
    }
}

fn strip_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0');
    t.trim_end_matches('.').to_string()
}

/// The broken-down local time of `sec` (libc `localtime_r`, so `TZ` applies as in C).
struct Tm {
    wday: usize,
    mon: usize,
    mday: i32,
    hour: i32,
    min: i32,
    sec: i32,
    year: i64,
}

fn local_tm(sec: i64) -> Option<Tm> {
    #[allow(clippy::useless_conversion)] // time_t is i64 here, narrower elsewhere
    let t: libc::time_t = sec.try_into().ok()?;
    // SAFETY: `tm` is a plain C struct for which all-zero bytes are a valid value, and
    // localtime_r only writes into the buffer we pass; both pointers are valid for the
    // duration of the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return None;
        }
        tm
    };
    Some(Tm {
        wday: usize::try_from(tm.tm_wday).ok()?,
        mon: usize::try_from(tm.tm_mon).ok()?,
        mday: tm.tm_mday,
        hour: tm.tm_hour,
        min: tm.tm_min,
        sec: tm.tm_sec,
        year: i64::from(tm.tm_year) + 1900,
    })
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ctime()` without its newline: `Wed Nov 25 09:20:33 2026`.
fn ctime24(sec: i64) -> (String, String) {
    match local_tm(sec) {
        Some(tm) => (
            format!(
                "{} {} {:2} {:02}:{:02}:{:02}",
                DAYS.get(tm.wday).copied().unwrap_or("???"),
                MONTHS.get(tm.mon).copied().unwrap_or("???"),
                tm.mday,
                tm.hour,
                tm.min,
                tm.sec
            ),
            format!("{}", tm.year),
        ),
        None => ("invalid time".to_string(), String::new()),
    }
}

/// keepalived's `Last transition`/`Read timeout` form:
/// `1795598433.883203 (Wed Nov 25 09:20:33.883203 2026)`.
pub fn timeval_with_date(tv: Timeval) -> String {
    let (day, year) = ctime24(tv.sec);
    format!(
        "{}.{:06} ({}.{:06} {})",
        tv.sec, tv.usec, day, tv.usec, year
    )
}

/// The interface dump's form, microseconds after the year:
/// `1795598540.241109 (Wed Nov 25 09:22:20 2026.241109)`.
pub fn timeval_with_date_usec_last(tv: Timeval) -> String {
    let (day, year) = ctime24(tv.sec);
    format!(
        "{}.{:06} ({} {}.{:06})",
        tv.sec, tv.usec, day, year, tv.usec
    )
}

/// keepalived's " reverse" after a tracked object's weight (empty when not reversed).
pub(super) fn reverse(b: bool) -> &'static str {
    if b {
        " reverse"
    } else {
        ""
    }
}

/// keepalived's `cmd_str()`: every word in single quotes, separated by spaces
/// (`'/tmp/notify.sh' 'a' 'master'`).
pub fn quote_command<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('\'');
        out.push_str(w.as_ref());
        out.push('\'');
    }
    out
}

fn full_len(addr: &IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn addr_prefix(addr: &IpAddr, prefix: u8) -> String {
    if prefix == full_len(addr) {
        addr.to_string()
    } else {
        format!("{addr}/{prefix}")
    }
}

/// keepalived's `format_ipaddress()`:
/// `10.93.0.101/24 brd 10.93.0.255 dev veth0 scope global label veth0:1 set`.
pub fn format_vip(vip: &VipDump) -> String {
    let mut s = addr_prefix(&vip.addr, vip.prefix);
    // keepalived prints a broadcast address when it has one that is not 0.0.0.0.
    if let Some(brd) = vip.brd.filter(|b| !b.is_unspecified()) {
        let _ = write!(s, " brd {brd}");
    }
    let _ = write!(s, " dev {} scope {}", vip.dev, vip.scope);
    if let Some(label) = &vip.label {
        let _ = write!(s, " label {label}");
    }
    if vip.addr.is_ipv6() {
        s.push_str(" preferred_lft forever");
    }
    if vip.set {
        s.push_str(" set");
    }
    s
}

/// keepalived's `format_iproute()` for the common case:
/// `prepend 10.94.0.0/24 via inet 10.93.0.254 dev veth0 proto 18 metric 5`.
pub fn format_route(
    dst: IpAddr,
    prefix: u8,
    via: Option<IpAddr>,
    dev: Option<&str>,
    metric: Option<u32>,
) -> String {
    let mut s = format!("prepend {dst}/{prefix}");
    if let Some(gw) = via {
        let fam = if gw.is_ipv4() { "inet" } else { "inet6" };
        let _ = write!(s, " via {fam} {gw}");
    }
    if let Some(dev) = dev {
        let _ = write!(s, " dev {dev}");
    }
    s.push_str(" proto 18");
    if let Some(m) = metric {
        let _ = write!(s, " metric {m}");
    }
    s
}

/// keepalived's `format_iprule()` for the common case:
/// `from all to 10.97.0.0/24 priority 50 tos 0x0 protocol 18 lookup 101`.
pub fn format_rule(
    from: Option<(IpAddr, u8)>,
    to: Option<(IpAddr, u8)>,
    priority: u32,
    table: u32,
) -> String {
    let mut s = String::from("from ");
    match from {
        Some((a, p)) => s.push_str(&addr_prefix(&a, p)),
        None => s.push_str("all"),
    }
    if let Some((a, p)) = to {
        let _ = write!(s, " to {}", addr_prefix(&a, p));
    }
    let _ = write!(s, " priority {priority} tos 0x0 protocol 18 lookup {table}");
    s
}

/// A MAC address as `c6:98:a5:4a:63:5f`.
pub fn format_mac(mac: &[u8]) -> String {
    let parts: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_matches_c() {
        assert_eq!(c_g(1.0), "1");
        assert_eq!(c_g(0.5), "0.5");
        assert_eq!(c_g(1.5), "1.5");
        assert_eq!(c_g(5.0), "5");
        assert_eq!(c_g(0.01), "0.01");
        assert_eq!(c_g(1234567.0), "1.23457e+06");
        assert_eq!(c_g(0.00001), "1e-05");
        assert_eq!(c_g(100000.0), "100000");
    }

    #[test]
    fn a_vip_s_broadcast_comes_before_its_device() {
        let mut vip = VipDump {
            addr: "10.0.0.5".parse().expect("v4"),
            prefix: 24,
            brd: Some("10.0.0.255".parse().expect("v4")),
            dev: "eth0".into(),
            scope: "global".into(),
            label: Some("eth0:5".into()),
            set: true,
        };
        // keepalived 2.2.7's words, which keepalived-exporter splits (word 2 is its `intf`).
        assert_eq!(
            format_vip(&vip),
            "10.0.0.5/24 brd 10.0.0.255 dev eth0 scope global label eth0:5 set"
        );
        vip.brd = Some(std::net::Ipv4Addr::UNSPECIFIED);
        assert_eq!(
            format_vip(&vip),
            "10.0.0.5/24 dev eth0 scope global label eth0:5 set"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_command(&["/bin/x", "a"]), "'/bin/x' 'a'");
    }
}
