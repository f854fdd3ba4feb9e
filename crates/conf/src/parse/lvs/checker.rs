//! Health checker blocks inside `real_server`.

use crate::model::{
    CheckTiming, Checker, CheckerConn, CheckerKind, DnsCheck, DnsType, FileCheck, HttpCheck,
    HttpProtocol, MiscCheck, UdpCheck, Url,
};
use crate::parse::Ctx;
use crate::tree::Node;

use super::values::timing_keyword;

/// Parses `node` if it is a checker keyword: `None` when it is not one, `Some(None)` when it
/// is one but could not be read.
pub(super) fn parse(node: &Node, ctx: &mut Ctx<'_>) -> Option<Option<Checker>> {
    let kind = match node.keyword.as_str() {
        "TCP_CHECK" => CheckerKind::Tcp,
        "HTTP_GET" => CheckerKind::Http(http_default()),
        "SSL_GET" => CheckerKind::Ssl(http_default()),
        "SMTP_CHECK" => CheckerKind::Smtp {
            helo_name: None,
            hosts: Vec::new(),
        },
        // keepalived's DNS_DEFAULT_TYPE is SOA (check_dns.h).
        "DNS_CHECK" => CheckerKind::Dns(DnsCheck {
            qtype: DnsType::Soa,
            name: ".".to_owned(),
        }),
        "UDP_CHECK" => CheckerKind::Udp(UdpCheck::default()),
        "PING_CHECK" => CheckerKind::Ping,
        "MISC_CHECK" => CheckerKind::Misc(MiscCheck {
            script: None,
            timeout: None,
            dynamic: false,
        }),
        "FILE_CHECK" => CheckerKind::File(FileCheck {
            track_file: None,
            weight: 0,
            weight_given: false,
            reverse: false,
        }),
        "BFD_CHECK" => CheckerKind::Bfd {
            name: None,
            weight: 0,
        },
        _ => return None,
    };
    let Some(block) = ctx.block(node) else {
        return Some(None);
    };
    let mut ck = Checker {
        kind,
        conn: CheckerConn::default(),
        timing: Default::default(),
        log_all_failures: None,
        loc: node.loc.clone(),
        end_loc: node.block_end.clone().unwrap_or_else(|| node.loc.clone()),
    };
    let mut user = None;
    for c in block {
        if timing_keyword(c, ctx, &mut ck.timing) || conn_keyword(c, ctx, &mut ck.conn) {
            continue;
        }
        if c.keyword == "log_all_failures" {
            ck.log_all_failures = ctx.flag(c);
            continue;
        }
        let known = match &mut ck.kind {
            CheckerKind::Ssl(h) if c.keyword == "tls_compliant" => {
                h.tls_compliant = tls_compliant(c, ctx).unwrap_or(h.tls_compliant);
                true
            }
            CheckerKind::Http(h) | CheckerKind::Ssl(h) => http_keyword(c, ctx, h),
            CheckerKind::Smtp { helo_name, hosts } => match c.keyword.as_str() {
                "helo_name" => {
                    match c.arg(0) {
                        Some(h) => *helo_name = Some(h.to_owned()),
                        None => {
                            ctx.invalid(c, "SMTP_CHECK helo name missing");
                        }
                    }
                    true
                }
                "host" => {
                    if let Some(h) = smtp_host(c, ctx, &mut ck.timing, &mut ck.log_all_failures) {
                        hosts.push(h);
                    }
                    true
                }
                _ => false,
            },
            CheckerKind::Dns(d) => dns_keyword(c, ctx, d),
            CheckerKind::Udp(u) => udp_keyword(c, ctx, u),
            CheckerKind::Misc(m) => match c.keyword.as_str() {
                "misc_path" => {
                    // Without a path keepalived only reports the checker as script-less.
                    if !c.args.is_empty() {
                        m.script = super::script(c, ctx);
                    }
                    true
                }
                "misc_timeout" => {
                    m.timeout = ctx.timer(c, 0, 0.000_001, f64::from(u32::MAX));
                    true
                }
                "misc_dynamic" => {
                    m.dynamic = ctx.flag(c).unwrap_or(m.dynamic);
                    true
                }
                "user" => {
                    user = ctx
                        .arg(c, 0)
                        .map(|u| (u.to_owned(), c.arg(1).map(str::to_owned)));
                    true
                }
                _ => false,
            },
            CheckerKind::File(f) => match c.keyword.as_str() {
                "track_file" => {
                    f.track_file = ctx.arg(c, 0).map(str::to_owned);
                    true
                }
                "weight" => {
                    f.weight_given = true;
                    f.weight = ctx.int(c, 0, -254, 254).unwrap_or(f.weight);
                    if c.arg(1) == Some("reverse") {
                        f.reverse = true;
                    }
                    true
                }
                "reverse" => {
                    f.reverse = true;
                    true
                }
                _ => false,
            },
            CheckerKind::Bfd { name, weight } => match c.keyword.as_str() {
                "name" => {
                    if c.args.len() == 1 {
                        *name = c.arg(0).map(str::to_owned);
                    } else {
                        ctx.invalid(
                            c,
                            "BFD_CHECK - No or too many names specified - skipping checker",
                        );
                    }
                    true
                }
                "weight" => {
                    *weight = ctx.int(c, 0, -253, 253).unwrap_or(*weight);
                    true
                }
                _ => false,
            },
            CheckerKind::Tcp | CheckerKind::Ping => false,
        };
        if !known {
            ctx.unknown(c);
        }
    }
    if let (CheckerKind::Misc(m), Some((u, g))) = (&mut ck.kind, user) {
        if let Some(s) = &mut m.script {
            s.user = Some(u);
            s.group = g;
        }
    }
    if let CheckerKind::Udp(UdpCheck {
        min_reply_length: Some(min),
        max_reply_length: Some(max),
        ..
    }) = &ck.kind
    {
        if min > max {
            ctx.invalid(
                node,
                format!(
                    "UDP_CHECK min_reply length {min} > max_reply_length {max} - will always fail"
                ),
            );
        }
    }
    Some(Some(ck))
}

/// SMTP_CHECK's deprecated `host { }` block: connection options only.
/// A `host` block: its connection options (connect_timeout included) are the host's own;
/// the other checker keywords keepalived installs here set the SMTP checker's (the same
/// checker object in keepalived's parser: the last one written wins, in file order).
fn smtp_host(
    node: &Node,
    ctx: &mut Ctx<'_>,
    timing: &mut CheckTiming,
    log_all_failures: &mut Option<bool>,
) -> Option<CheckerConn> {
    let mut conn = CheckerConn::default();
    for c in ctx.block(node)? {
        if c.keyword == "connect_timeout" {
            let mut own = CheckTiming::default();
            timing_keyword(c, ctx, &mut own);
            conn.connect_timeout = own.connect_timeout.or(conn.connect_timeout);
            continue;
        }
        if c.keyword == "log_all_failures" {
            *log_all_failures = ctx.flag(c);
            continue;
        }
        if !timing_keyword(c, ctx, timing) && !conn_keyword(c, ctx, &mut conn) {
            ctx.unknown(c);
        }
    }
    Some(conn)
}

fn http_default() -> HttpCheck {
    HttpCheck {
        urls: Vec::new(),
        http_protocol: HttpProtocol::Http10,
        virtualhost: None,
        fast_recovery: false,
        enable_sni: false,
        tls_compliant: false,
    }
}

/// keepalived 2.3's `tls_compliant [BOOL]` (SSL_GET and its urls): no value is true.
fn tls_compliant(c: &Node, ctx: &mut Ctx<'_>) -> Option<bool> {
    match c.arg(0) {
        None => Some(true),
        Some(s) => crate::parse::ctx::parse_bool(s).or_else(|| {
            ctx.invalid(c, format!("Invalid tls_compliant option {s}"));
            None
        }),
    }
}

fn conn_keyword(c: &Node, ctx: &mut Ctx<'_>, conn: &mut CheckerConn) -> bool {
    match c.keyword.as_str() {
        "connect_ip" => conn.connect_ip = ctx.ip(c, 0).or(conn.connect_ip),
        "connect_port" => conn.connect_port = checker_port(ctx, c).or(conn.connect_port),
        "bindto" => conn.bindto = ctx.ip(c, 0).or(conn.bindto),
        "bind_port" => conn.bind_port = checker_port(ctx, c).or(conn.bind_port),
        "bind_if" => {
            if let Some(i) = ctx.arg(c, 0) {
                // keepalived 2.2.7 `-t` does not check the interface exists: only log it.
                if !ctx.host.interface_exists(i) {
                    ctx.warn(c, format!("Checker bind_if {i} does not exist"));
                }
                conn.bind_if = Some(i.to_owned());
            }
        }
        "fwmark" => conn.fwmark = ctx.unsigned(c, 0, 0, u32::MAX).or(conn.fwmark),
        _ => return false,
    }
    true
}

fn http_keyword(c: &Node, ctx: &mut Ctx<'_>, h: &mut HttpCheck) -> bool {
    match c.keyword.as_str() {
        "url" => {
            if let Some(u) = parse_url(c, ctx) {
                h.urls.push(u);
            }
        }
        "http_protocol" => match ctx.arg(c, 0) {
            Some("1.0") => h.http_protocol = HttpProtocol::Http10,
            Some("1.1") => h.http_protocol = HttpProtocol::Http11,
            Some("1.0C" | "1.0c") => h.http_protocol = HttpProtocol::Http10Close,
            Some(v) => {
                ctx.invalid(c, format!("Invalid http_protocol version {v}"))
                    .accepted("1.0|1.0C|1.1");
            }
            None => {}
        },
        "virtualhost" => h.virtualhost = ctx.arg(c, 0).map(str::to_owned),
        "fast_recovery" => h.fast_recovery = ctx.flag(c).unwrap_or(h.fast_recovery),
        "enable_sni" => h.enable_sni = ctx.flag(c).unwrap_or(h.enable_sni),
        _ => return false,
    }
    true
}

fn parse_url(node: &Node, ctx: &mut Ctx<'_>) -> Option<Url> {
    let mut u = Url {
        path: None,
        digest: None,
        status_codes: Vec::new(),
        virtualhost: None,
        regex: None,
        regex_no_match: false,
        regex_min_offset: None,
        regex_max_offset: None,
        regex_options: Vec::new(),
        tls_compliant: false,
        loc: node.loc.clone(),
    };
    for c in ctx.block(node)? {
        match c.keyword.as_str() {
            "path" => u.path = ctx.arg(c, 0).map(str::to_owned),
            "digest" => {
                if let Some(d) = ctx.arg(c, 0) {
                    match digest(d) {
                        Some(b) => u.digest = Some(b),
                        None => {
                            ctx.invalid(
                                c,
                                format!(
                                    "digest '{d}' character length should be 32 rather than {}",
                                    d.len()
                                ),
                            )
                            .accepted("32 hex digits");
                        }
                    }
                }
            }
            // keepalived ignores a status_code without values.
            "status_code" => {
                for w in &c.args {
                    match status_range(w) {
                        Some(r) => u.status_codes.push(r),
                        None => {
                            ctx.invalid(c, format!("Invalid HTTP_GET status code '{w}'"))
                                .accepted("100..999 or a range like 200-299");
                        }
                    }
                }
            }
            "virtualhost" => match c.arg(0) {
                Some(v) => u.virtualhost = Some(v.to_owned()),
                None => {
                    ctx.invalid(c, "Missing HTTP_GET virtualhost name");
                }
            },
            "regex" => u.regex = ctx.arg(c, 0).map(str::to_owned),
            "regex_no_match" => u.regex_no_match = true,
            "regex_min_offset" => u.regex_min_offset = ctx.unsigned(c, 0, 0, u32::MAX),
            "regex_max_offset" => u.regex_max_offset = ctx.unsigned(c, 0, 0, u32::MAX),
            "regex_options" => u.regex_options.extend(c.args.iter().cloned()),
            "tls_compliant" => u.tls_compliant = tls_compliant(c, ctx).unwrap_or(u.tls_compliant),
            // The PCRE2 JIT stack: accepted, reported by the registry as not supported.
            "regex_stack" => {}
            _ => ctx.unknown(c),
        }
    }
    Some(u)
}

fn digest(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn status_range(w: &str) -> Option<(u16, u16)> {
    let code = |s: &str| s.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
    match w.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (code(a)?, code(b)?);
            (a <= b).then_some((a, b))
        }
        None => code(w).map(|c| (c, c)),
    }
}

fn dns_keyword(c: &Node, ctx: &mut Ctx<'_>, d: &mut DnsCheck) -> bool {
    match c.keyword.as_str() {
        "type" => {
            // keepalived compares the type case-insensitively.
            let upper = c.arg(0).map(str::to_ascii_uppercase);
            d.qtype = match ctx.arg(c, 0).and(upper.as_deref()) {
                Some("A") => DnsType::A,
                Some("NS") => DnsType::Ns,
                Some("CNAME") => DnsType::Cname,
                Some("SOA") => DnsType::Soa,
                Some("MX") => DnsType::Mx,
                Some("TXT") => DnsType::Txt,
                Some("AAAA") => DnsType::Aaaa,
                Some(t) => {
                    ctx.invalid(c, format!("Unknown DNS check type {t} - ignoring"))
                        .accepted("A|NS|CNAME|SOA|MX|TXT|AAAA");
                    d.qtype
                }
                None => d.qtype,
            };
        }
        "name" => {
            if let Some(n) = ctx.arg(c, 0) {
                if d.name != "." {
                    ctx.invalid(c, "DNS_CHECK name already specified - ignoring");
                } else if dns_name_has_empty_label(n) {
                    ctx.invalid(
                        c,
                        format!("DNS_CHECK name '{n}' has empty label - ignoring"),
                    );
                } else {
                    d.name = n.to_owned();
                }
            }
        }
        _ => return false,
    }
    true
}

fn udp_keyword(c: &Node, ctx: &mut Ctx<'_>, u: &mut UdpCheck) -> bool {
    match c.keyword.as_str() {
        "payload" => {
            let Some(w) = c.arg(0) else {
                ctx.invalid(c, "UDP_CHECK payload requires a payload");
                return true;
            };
            match hex(w, false) {
                Some((b, _)) => u.payload = b,
                None => {
                    ctx.invalid(c, "Invalid hex string for UDP_CHECK payload")
                        .accepted("hex digits");
                }
            }
        }
        "require_reply" => {
            u.require_reply = true;
            let Some(w) = c.arg(0) else { return true };
            match hex(w, true) {
                Some(r) => u.reply_pattern = Some(r),
                None => {
                    ctx.invalid(c, "Invalid hex string for UDP_CHECK reply")
                        .accepted("hex digits, X for any nibble");
                }
            }
        }
        "min_reply_length" => u.min_reply_length = ctx.unsigned(c, 0, 0, 65535),
        "max_reply_length" => u.max_reply_length = ctx.unsigned(c, 0, 0, 65535),
        _ => return false,
    }
    true
}

/// Hex bytes (an odd count of digits gets a leading 0); with `wild`, `X` nibbles are 0 in
/// the mask. Returns (bytes, mask).
fn hex(w: &str, wild: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut nibbles: Vec<Option<u8>> = Vec::with_capacity(w.len() + 1);
    for ch in w.chars() {
        match ch {
            'x' | 'X' if wild => nibbles.push(None),
            _ => nibbles.push(Some(ch.to_digit(16)? as u8)),
        }
    }
    if nibbles.is_empty() {
        return None;
    }
    if nibbles.len() % 2 == 1 {
        nibbles.insert(0, Some(0));
    }
    let mut bytes = Vec::new();
    let mut mask = Vec::new();
    for pair in nibbles.chunks(2) {
        let (hi, lo) = match pair {
            [hi, lo] => (*hi, *lo),
            _ => return None,
        };
        bytes.push((hi.unwrap_or(0) << 4) | lo.unwrap_or(0));
        mask.push(if hi.is_some() { 0xf0 } else { 0 } | if lo.is_some() { 0x0f } else { 0 });
    }
    Some((bytes, mask))
}

/// `connect_port`/`bind_port` of a checker: keepalived wants 1..65535 there.
fn checker_port(ctx: &mut Ctx<'_>, c: &Node) -> Option<u16> {
    let p = ctx.unsigned(c, 0, 1, 65535).map(|p| p as u16);
    if p.is_none() && c.arg(0).is_some() {
        let w = c.arg(0).unwrap_or_default();
        ctx.invalid(c, format!("Invalid checker {} '{w}'", c.keyword));
    }
    p
}

/// keepalived's empty-label test, quirk included: it looks at the character after the start
/// of the name as well as after each dot, so a one-character first label (`a.b`) is refused.
fn dns_name_has_empty_label(n: &str) -> bool {
    let b = n.as_bytes();
    if b.first() == Some(&b'.') && b.len() > 1 {
        return true;
    }
    let starts = std::iter::once(0).chain(
        b.iter()
            .enumerate()
            .skip(1)
            .filter(|(_, c)| **c == b'.')
            .map(|(i, _)| i),
    );
    for i in starts {
        if b.get(i + 1) == Some(&b'.') {
            return true;
        }
    }
    false
}
