//! Root keywords of the lvs family: `virtual_server_group`, `virtual_server`, `SSL`.

mod checker;
mod checks;
mod values;

use std::net::{IpAddr, SocketAddr};

use super::Ctx;
use crate::model::{
    CheckTiming, Config, IpFamily, LbKind, RealServer, Scheduler, Script, SslConfig, VirtualServer,
    VirtualServerGroup, VsAddress, VsgEntry,
};
use crate::tree::Node;

pub(crate) use checks::check;
use values::{lb_kind, port, protocol, scheduler, timing_keyword};

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    match node.keyword.as_str() {
        "virtual_server_group" => {
            if let Some(g) = parse_group(node, ctx) {
                cfg.lvs.groups.push(g);
            }
        }
        "virtual_server" => {
            if let Some(vs) = parse_vs(node, ctx) {
                cfg.lvs.virtual_servers.push(vs);
            }
        }
        "SSL" => cfg.lvs.ssl = Some(parse_ssl(node, ctx)),
        _ => return false,
    }
    true
}

fn parse_ssl(node: &Node, ctx: &mut Ctx<'_>) -> SslConfig {
    let mut ssl = SslConfig::default();
    for c in ctx.block(node).unwrap_or_default() {
        let (slot, what) = match c.keyword.as_str() {
            "password" => (&mut ssl.password, "password"),
            "ca" => (&mut ssl.ca, "cafile"),
            "certificate" => (&mut ssl.certificate, "certfile"),
            "key" => (&mut ssl.key, "keyfile"),
            _ => {
                ctx.unknown(c);
                continue;
            }
        };
        match c.arg(0) {
            Some(v) => *slot = Some(v.to_owned()),
            None => {
                ctx.invalid(c, format!("SSL {what} missing"));
            }
        }
    }
    ssl
}

fn parse_group(node: &Node, ctx: &mut Ctx<'_>) -> Option<VirtualServerGroup> {
    let name = ctx.arg(node, 0)?.to_owned();
    let mut g = VirtualServerGroup {
        name,
        entries: Vec::new(),
        loc: node.loc.clone(),
    };
    for c in ctx.block(node)? {
        if c.keyword == "fwmark" {
            if let Some(m) = ctx.unsigned(c, 0, 0, u32::MAX) {
                g.entries.push(VsgEntry::Fwmark(m));
            }
            continue;
        }
        let addr = c
            .keyword
            .split_once('-')
            .map_or(c.keyword.as_str(), |(a, _)| a);
        if addr.parse::<IpAddr>().is_err() {
            let pw = c.arg(0).unwrap_or_default();
            ctx.invalid(
                c,
                format!("Invalid virtual server group IP address {addr} /port/{pw} - skipping"),
            );
            continue;
        }
        let Some((first, last)) = ip_range(&c.keyword) else {
            ctx.invalid(
                c,
                format!(
                    "Address range end is not greater than address range start - {} - skipping",
                    c.keyword
                ),
            );
            continue;
        };
        let p = match c.args.first() {
            Some(_) => match port(ctx, c, 0) {
                Some(p) => p,
                None => continue,
            },
            None => 0,
        };
        g.entries.push(VsgEntry::Range {
            first,
            last,
            port: p,
        });
    }
    Some(g)
}

/// `IP` or `IP-LAST` where LAST replaces the last byte (IPv4) or group (IPv6, hex).
fn ip_range(s: &str) -> Option<(IpAddr, IpAddr)> {
    let (addr, end) = match s.split_once('-') {
        Some((a, e)) => (a, Some(e)),
        None => (s, None),
    };
    let first: IpAddr = addr.parse().ok()?;
    let Some(end) = end else {
        return Some((first, first));
    };
    let last = match first {
        IpAddr::V4(v4) => {
            let e: u8 = end.parse().ok()?;
            let mut o = v4.octets();
            if e <= o[3] {
                return None;
            }
            o[3] = e;
            IpAddr::from(o)
        }
        IpAddr::V6(v6) => {
            let e = u16::from_str_radix(end, 16).ok()?;
            let mut s = v6.segments();
            if e <= s[7] {
                return None;
            }
            s[7] = e;
            IpAddr::from(s)
        }
    };
    Some((first, last))
}

fn parse_vs(node: &Node, ctx: &mut Ctx<'_>) -> Option<VirtualServer> {
    let first = ctx.arg(node, 0)?;
    let address = match first {
        // keepalived 2.2.7 crashes on a bare `fwmark`/`group`; we report it as an error.
        "fwmark" | "group" if node.arg(1).is_none() => {
            ctx.invalid(
                node,
                format!("virtual_server {first} needs a value - skipping"),
            )
            .accepted("fwmark N | group NAME");
            return None;
        }
        "fwmark" => VsAddress::Fwmark(ctx.unsigned(node, 1, 1, u32::MAX)?),
        "group" => VsAddress::Group(ctx.arg(node, 1)?.to_owned()),
        ip => {
            let Ok(addr) = ip.parse::<IpAddr>() else {
                let pw = node.arg(1).unwrap_or_default();
                ctx.invalid(
                    node,
                    format!("Invalid virtual server IP address/port {ip}/{pw} - skipping"),
                )
                .accepted("IP PORT | fwmark N | group NAME");
                // keepalived skips the whole block.
                return None;
            };
            let p = match node.arg(1) {
                None | Some("0") => 0,
                Some(pw) => match ctx.unsigned(node, 1, 1, 65535) {
                    Some(p) => p as u16,
                    None => {
                        ctx.invalid(
                            node,
                            format!("Invalid virtual server IP address/port {ip}/{pw} - skipping"),
                        );
                        return None;
                    }
                },
            };
            VsAddress::Socket(SocketAddr::new(addr, p))
        }
    };
    let mut vs = VirtualServer::new(address, node.loc.clone());
    // The real servers without a weight of their own.
    let mut inherit_weight: Vec<usize> = Vec::new();
    for c in ctx.block(node)? {
        if c.keyword == "retry" {
            server_retry(c, ctx, &mut vs.timing);
            continue;
        }
        if timing_keyword(c, ctx, &mut vs.timing) {
            continue;
        }
        match c.keyword.as_str() {
            "lvs_sched" | "lb_algo" => {
                if let Some(s) = scheduler(c, ctx) {
                    vs.scheduler = Some(s);
                }
            }
            "lvs_method" | "lb_kind" => {
                if let Some(k) = lb_kind(c, ctx) {
                    vs.lb_kind = Some(k);
                }
            }
            "protocol" => {
                if let Some(p) = protocol(c, ctx) {
                    vs.protocol = Some(p);
                }
            }
            "persistence_timeout" => {
                // keepalived: alone means the IPVS default (360 s); else 1..=LVS_MAX_TIMEOUT.
                if c.args.is_empty() {
                    vs.persistence_timeout = Some(360);
                } else if let Some(t) = ctx.unsigned(c, 0, 1, 86400 * 31) {
                    vs.persistence_timeout = Some(t);
                }
            }
            "weight" => match ctx.unsigned(c, 0, 1, i32::MAX as u32) {
                Some(w) => vs.weight = w,
                None if c.arg(0).is_some() => {
                    let w = c.arg(0).unwrap_or_default();
                    ctx.invalid(
                        c,
                        format!("Virtual server weight {w} is outside range 1-{}", i32::MAX),
                    );
                }
                None => {}
            },
            "persistence_engine" => {
                if let Some(e) = ctx.arg(c, 0) {
                    // IP_VS_PENAME_MAXLEN is 16 with the NUL.
                    let short: String = e.chars().take(15).collect();
                    if short.len() < e.len() {
                        ctx.invalid(c, format!("persistence_name too long, truncating - {e}"));
                    }
                    vs.persistence_engine = Some(short);
                }
            }
            "persistence_granularity" => {
                if let Some(a) = granularity(c, ctx, &vs.address) {
                    vs.persistence_granularity = Some(a);
                }
            }
            "ha_suspend" => vs.ha_suspend = true,
            "ops" => vs.ops = true,
            "virtualhost" => match c.arg(0) {
                Some(v) => vs.virtualhost = Some(v.to_owned()),
                None => {
                    ctx.invalid(c, "virtual server virtualhost missing");
                }
            },
            "sh-fallback" | "mh-fallback" | "sh-port" | "mh-port" => {
                // keepalived checks the scheduler already set when it reads the flag.
                let want = if c.keyword.starts_with("sh") {
                    Scheduler::Sh
                } else {
                    Scheduler::Mh
                };
                if vs.scheduler == Some(want) {
                    if c.keyword.ends_with("port") {
                        vs.sched_flags.flag2 = true;
                    } else {
                        vs.sched_flags.flag1 = true;
                    }
                } else {
                    // sic: keepalived 2.2.7 says "sh" for the mh flags too.
                    ctx.invalid(
                        c,
                        format!("{} only applies to sh scheduler - ignoring", c.keyword),
                    );
                }
            }
            "flag-1" => vs.sched_flags.flag1 = true,
            "flag-2" => vs.sched_flags.flag2 = true,
            "flag-3" => vs.sched_flags.flag3 = true,
            "omega" => vs.omega = true,
            "quorum" => {
                if let Some(q) = ctx.unsigned(c, 0, 1, u32::MAX) {
                    vs.quorum = q;
                }
            }
            "quorum_up" => vs.quorum_up = script(c, ctx),
            "quorum_down" => vs.quorum_down = script(c, ctx),
            "hysteresis" => {
                if let Some(h) = ctx.unsigned(c, 0, 0, u32::MAX) {
                    vs.hysteresis = h;
                }
            }
            "inhibit_on_failure" => {
                if let Some(b) = ctx.flag(c) {
                    vs.inhibit_on_failure = b;
                }
            }
            "sorry_server" => {
                if let Some(ip) = ctx.ip(c, 0) {
                    let p = if c.args.len() > 1 {
                        port(ctx, c, 1)
                    } else {
                        Some(0)
                    };
                    if let Some(p) = p {
                        vs.sorry_server = Some(SocketAddr::new(ip, p));
                        // keepalived copies the forwarding method set so far.
                        vs.sorry_server_lb_kind = vs.lb_kind;
                    }
                }
            }
            "sorry_server_inhibit" if vs.sorry_server.is_none() => {
                ctx.invalid(
                    c,
                    "Ignoring sorry_server inhibit used before or without sorry_server",
                );
            }
            "sorry_server_inhibit" => {
                if let Some(b) = ctx.flag(c) {
                    vs.sorry_server_inhibit = b;
                }
            }
            "sorry_server_lvs_method" if vs.sorry_server.is_none() => {
                ctx.invalid(c, "sorry_server forwarding used without sorry_server");
            }
            "sorry_server_lvs_method" => {
                if let Some(k) = lb_kind(c, ctx) {
                    vs.sorry_server_lb_kind = Some(k);
                }
            }
            "ip_family" => {
                match ctx.arg(c, 0) {
                    Some(f @ ("inet" | "inet6")) => {
                        let fam = if f == "inet" {
                            IpFamily::V4
                        } else {
                            IpFamily::V6
                        };
                        let conflict = match &vs.address {
                            VsAddress::Socket(s) => s.is_ipv4() != (fam == IpFamily::V4),
                            _ => false,
                        };
                        if conflict {
                            ctx.invalid(
                            c,
                            format!("Virtual server specified family {f} conflicts with server family"),
                        );
                        } else {
                            vs.ip_family = Some(fam);
                        }
                    }
                    Some(f) => {
                        ctx.invalid(c, format!("unknown address family {f}"))
                            .accepted("inet|inet6");
                    }
                    None => {}
                }
            }
            "smtp_alert" => vs.smtp_alert = ctx.flag(c),
            "real_server" => {
                if let Some((rs, weight_given)) = parse_rs(c, ctx) {
                    let tunnelled = matches!(rs.lb_kind.or(vs.lb_kind), Some(LbKind::Tun(_)));
                    let mismatch = match &vs.address {
                        VsAddress::Socket(s) => s.is_ipv4() != rs.address.is_ipv4(),
                        _ => false,
                    };
                    if mismatch && !tunnelled {
                        ctx.invalid(c, format!("Address family of virtual server and real server {} don't match - skipping real server.", rs.address.ip()));
                    } else {
                        if !weight_given {
                            inherit_weight.push(vs.real_servers.len());
                        }
                        vs.real_servers.push(rs);
                    }
                }
            }
            "snmp_name" => vs.snmp_name = snmp_name(c, ctx, "virtual server"),
            // keepalived 2.3.4's `hashed` (lbflags_handler): it sets no flag at all (the
            // handler never tests for "hashed"), and is reported unless the scheduler
            // already set is sh or mh.
            "hashed" => {
                if !matches!(vs.scheduler, Some(Scheduler::Sh | Scheduler::Mh)) {
                    ctx.invalid(c, "hashed only applies to sh scheduler - ignoring");
                }
            }
            _ => ctx.unknown(c),
        }
    }
    if let (Some(s), VsAddress::Socket(a)) = (vs.sorry_server, &vs.address) {
        if s.is_ipv4() != a.is_ipv4() {
            ctx.error_at(
                Some(&node.loc),
                Some("sorry_server"),
                crate::diag::ErrorClass::General,
                format!("Address family of virtual server and sorry server {} don't match - skipping sorry server.", s.ip()),
            );
            vs.sorry_server = None;
        }
    }
    for n in inherit_weight {
        vs.real_servers[n].weight = i32::try_from(vs.weight).unwrap_or(i32::MAX);
    }
    // The configuration stays resident in the checker child: no growth slack (a real
    // server's one checker sat in room for four, 1.4 KiB per real server).
    vs.real_servers.shrink_to_fit();
    for rs in &mut vs.real_servers {
        rs.checkers.shrink_to_fit();
    }
    Some(vs)
}

/// A script keyword (`notify_up`, `quorum_up`...), registered for the security check.
pub(super) fn script(node: &Node, ctx: &mut Ctx<'_>) -> Option<Script> {
    ctx.arg(node, 0)?;
    let s = Script::from_words(&node.args, &node.keyword, &node.loc)?;
    ctx.register_script(&s);
    Some(s)
}

/// A real server, and whether it set its own weight (keepalived gives the others the
/// virtual server's `weight` once the virtual server is read: check_data.c).
fn parse_rs(node: &Node, ctx: &mut Ctx<'_>) -> Option<(RealServer, bool)> {
    let ipw = ctx.arg(node, 0)?;
    let Ok(ip) = ipw.parse::<IpAddr>() else {
        ctx.invalid(
            node,
            format!("Invalid real server ip address/port {ipw} - skipping"),
        );
        return None;
    };
    // keepalived accepts port 0 (used under fwmark) but reports other values as [1, 65535].
    let p = if node.args.len() > 1 && node.arg(1) != Some("0") {
        match ctx.unsigned(node, 1, 1, 65535) {
            Some(p) => p as u16,
            None => {
                let pw = node.arg(1).unwrap_or_default();
                ctx.invalid(
                    node,
                    format!("Invalid real server ip address/port {ipw}/{pw} - skipping"),
                );
                return None;
            }
        }
    } else {
        0
    };
    let mut weight_given = false;
    let mut rs = RealServer {
        address: SocketAddr::new(ip, p),
        loc: node.loc.clone(),
        weight: 1,
        lb_kind: None,
        inhibit_on_failure: None,
        notify_up: None,
        notify_down: None,
        uthreshold: 0,
        lthreshold: 0,
        timing: Default::default(),
        omega: None,
        smtp_alert: None,
        virtualhost: None,
        snmp_name: None,
        checkers: Vec::new(),
    };
    for c in ctx.block(node).unwrap_or_default() {
        if c.keyword == "retry" {
            server_retry(c, ctx, &mut rs.timing);
            continue;
        }
        if timing_keyword(c, ctx, &mut rs.timing) {
            continue;
        }
        if let Some(k) = checker::parse(c, ctx) {
            if let Some(k) = k {
                rs.checkers.push(k);
            }
            continue;
        }
        match c.keyword.as_str() {
            "weight" => {
                // keepalived 2.2.7 accepts 0..=INT_MAX here (observed with `-t`).
                match ctx.int(c, 0, 0, i32::MAX) {
                    Some(w) => {
                        rs.weight = w;
                        weight_given = true;
                    }
                    None if c.arg(0).is_some() => {
                        let w = c.arg(0).unwrap_or_default();
                        ctx.invalid(
                            c,
                            format!("Real server weight {w} is outside range 0-2147483647"),
                        );
                    }
                    None => {}
                }
            }
            "lvs_method" => rs.lb_kind = lb_kind(c, ctx).or(rs.lb_kind),
            "inhibit_on_failure" => rs.inhibit_on_failure = ctx.flag(c),
            "notify_up" => rs.notify_up = script(c, ctx),
            "notify_down" => rs.notify_down = script(c, ctx),
            "uthreshold" => rs.uthreshold = ctx.unsigned(c, 0, 0, u32::MAX).unwrap_or(0),
            "lthreshold" => rs.lthreshold = ctx.unsigned(c, 0, 0, u32::MAX).unwrap_or(0),
            "smtp_alert" => rs.smtp_alert = ctx.flag(c),
            "virtualhost" => match c.arg(0) {
                Some(v) => rs.virtualhost = Some(v.to_owned()),
                None => {
                    ctx.invalid(c, "real server virtualhost missing");
                }
            },
            "snmp_name" => rs.snmp_name = snmp_name(c, ctx, "real server"),
            _ => ctx.unknown(c),
        }
    }
    Some((rs, weight_given))
}

/// `snmp_name NAME` of a virtual or real server (exactly one word, as keepalived).
fn snmp_name(node: &Node, ctx: &mut Ctx<'_>, what: &str) -> Option<String> {
    if node.args.len() != 1 {
        ctx.invalid(
            node,
            format!("{what} snmp_name missing or extra parameters"),
        );
        return None;
    }
    node.args.first().cloned()
}

/// `persistence_granularity`: an IPv4 netmask, or an IPv6 prefix length (kept as the mask).
fn granularity(node: &Node, ctx: &mut Ctx<'_>, address: &VsAddress) -> Option<IpAddr> {
    let w = ctx.arg(node, 0)?;
    let v6 = match address {
        VsAddress::Socket(s) => s.is_ipv6(),
        _ => !w.contains('.'),
    };
    if v6 {
        let Some(len) = ctx.unsigned(node, 0, 1, 128) else {
            ctx.invalid(
                node,
                format!("Invalid IPv6 persistence_granularity specified - {w}"),
            );
            return None;
        };
        let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
        return Some(IpAddr::from(std::net::Ipv6Addr::from(mask)));
    }
    // keepalived uses getaddrinfo(AI_NUMERICHOST), which also takes a bare number.
    let parsed = w
        .parse::<std::net::Ipv4Addr>()
        .ok()
        .or_else(|| w.parse::<u32>().ok().map(std::net::Ipv4Addr::from));
    if parsed.is_none() {
        ctx.invalid(
            node,
            format!("Invalid IPv4 persistence_granularity specified - {w}"),
        );
    }
    parsed.map(IpAddr::from)
}

/// `retry` of a virtual or real server: 1 or more (checkers also take 0).
fn server_retry(node: &Node, ctx: &mut Ctx<'_>, t: &mut CheckTiming) {
    match ctx.unsigned(node, 0, 1, u32::MAX) {
        Some(r) => t.retry = Some(r),
        None if node.arg(0).is_some() => {
            let v = node.arg(0).unwrap_or_default();
            ctx.invalid(node, format!("retry value invalid - {v}"));
        }
        None => {}
    }
}
