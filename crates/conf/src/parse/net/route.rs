//! One route line, as `ip route add` takes it (without abbreviations).

use std::net::IpAddr;

use super::rt_names::RtFile;
use super::words::{
    check_interface, prefix, rt_number, rt_protocol, rt_realms, rt_scope, rt_table, unsigned, Words,
};
use crate::diag::ErrorClass;
use crate::model::{
    IpFamily, IpPrefix, Nexthop, Route, RouteMetric, RouteMetricValue, RoutePref, RouteType,
    RTPROT_KEEPALIVED,
};
use crate::parse::Ctx;
use crate::tree::Node;

/// Parses one route line of `static_routes` (`is_static`) or `virtual_routes`.
pub(crate) fn parse_route(
    node: &Node,
    ctx: &mut Ctx<'_>,
    is_static: bool,
    dynamic: bool,
) -> Option<Route> {
    ctx.no_block(node);
    let mut w = Words::new(node);
    let mut r = Route::new(node.loc.clone());
    let mut family: Option<IpFamily> = None;
    if let Some(t) = w.peek().and_then(RouteType::from_word) {
        w.next();
        r.route_type = t;
    }
    while let Some(opt) = w.next() {
        match opt {
            // keepalived 2.2.7 quirk: `inet`/`inet6` also swallow the word after them.
            "inet" | "inet6" => {
                let f = if opt == "inet" {
                    IpFamily::V4
                } else {
                    IpFamily::V6
                };
                family = family.or(Some(f));
                w.next();
            }
            "src" => {
                let v = w.value(ctx, opt)?;
                match v.parse::<IpAddr>() {
                    Ok(a) if note(ctx, node, &mut family, &a, "route") => r.src = Some(a),
                    Ok(_) => return None,
                    Err(_) => {
                        ctx.invalid(node, format!("Invalid route src address {v}"));
                        return None;
                    }
                }
            }
            "from" => {
                let v = w.value(ctx, opt)?;
                match prefix(ctx, node, v) {
                    Some(p) if note(ctx, node, &mut family, &p.addr, "route") => r.from = Some(p),
                    Some(_) => return None,
                    None => {
                        ctx.invalid(node, format!("Invalid route from address {v}"));
                        return None;
                    }
                }
            }
            "via" | "gw" => {
                if opt == "gw" {
                    ctx.invalid(node, "\"gw\" for routes is deprecated. Please use \"via\"")
                        .class(ErrorClass::Deprecated);
                }
                let v = w.value(ctx, opt)?;
                let v = match v {
                    "inet" | "inet6" => w.value(ctx, opt)?,
                    v => v,
                };
                match v.parse::<IpAddr>() {
                    Ok(a) if note(ctx, node, &mut family, &a, "route") => r.via = Some(a),
                    Ok(_) => return None,
                    Err(_) => {
                        ctx.invalid(node, format!("Invalid route via address {v}"));
                        return None;
                    }
                }
            }
            "or" => {
                ctx.invalid(
                    node,
                    "\"or\" for routes is deprecated. Please use \"nexthop\"",
                )
                .class(ErrorClass::Deprecated);
                let v = w.value(ctx, opt)?;
                match v.parse::<IpAddr>() {
                    Ok(a) if note(ctx, node, &mut family, &a, "route") => {
                        r.nexthops.push(Nexthop {
                            via: Some(a),
                            ..Nexthop::default()
                        })
                    }
                    Ok(_) => return None,
                    Err(_) => {
                        ctx.invalid(node, format!("Invalid route or address {v}"));
                        return None;
                    }
                }
            }
            "dev" | "oif" => {
                let d = w.value(ctx, opt)?;
                check_interface(ctx, node, d, "route", dynamic);
                r.dev = Some(d.to_owned());
            }
            "table" => {
                let t = w.value(ctx, opt)?;
                match rt_table(ctx, t) {
                    Some(id) => r.table = Some(id),
                    None => {
                        ctx.invalid(node, format!("Routing table {t} not found for route"));
                        return None;
                    }
                }
            }
            "metric" | "priority" | "preference" => {
                let v = w.value(ctx, opt)?;
                {
                    let m = unsigned(ctx, node, "metric", v, (0, u64::from(u32::MAX)))?;
                    r.metric = Some(m as u32);
                }
            }
            "protocol" => {
                let v = w.value(ctx, opt)?;
                match rt_protocol(ctx, v) {
                    Some(p) => r.protocol = Some(p),
                    None => {
                        ctx.invalid(node, format!("Invalid protocol {v} specified for route"));
                        return None;
                    }
                }
            }
            "scope" => {
                let v = w.value(ctx, opt)?;
                match rt_scope(ctx, v) {
                    Some(s) => r.scope = Some(s),
                    None => {
                        ctx.invalid(node, format!("Invalid scope {v} specified for route"));
                        return None;
                    }
                }
            }
            "tos" | "dsfield" => {
                let v = w.value(ctx, opt)?;
                {
                    let v = rt_number(ctx, RtFile::Dsfield, v);
                    let t = unsigned(ctx, node, "tos", &v, (0, 255))?;
                    r.tos = Some(t as u8);
                }
            }
            "realms" => {
                let v = w.value(ctx, opt)?;
                match rt_realms(ctx, v) {
                    Some(x) => r.realms = Some(x),
                    None => {
                        ctx.invalid(node, format!("Invalid realms {v} for route"));
                        return None;
                    }
                }
            }
            "features" => {
                let v = w.value(ctx, opt)?;
                if v == "ecn" {
                    r.features_ecn = true;
                } else {
                    ctx.invalid(node, format!("Unknown route feature {v}"))
                        .accepted("ecn");
                    return None;
                }
            }
            "congctl" => {
                let mut v = w.value(ctx, opt)?;
                let lock = v == "lock";
                if lock {
                    v = w.value(ctx, opt)?;
                }
                r.congctl = Some((v.to_owned(), lock));
            }
            "pref" => {
                let v = w.value(ctx, opt)?;
                r.pref = match v {
                    "low" => Some(RoutePref::Low),
                    "medium" => Some(RoutePref::Medium),
                    "high" => Some(RoutePref::High),
                    _ => {
                        ctx.invalid(node, format!("Invalid pref {v} for route"))
                            .accepted("low|medium|high");
                        None
                    }
                };
            }
            "expires" => {
                let v = w.value(ctx, opt)?;
                {
                    let e = unsigned(ctx, node, "expires", v, (0, u64::from(u32::MAX)))?;
                    r.expires = Some(e as u32);
                }
            }
            "ttl-propagate" => {
                let v = w.value(ctx, opt)?;
                r.ttl_propagate = match v {
                    "enabled" => Some(true),
                    "disabled" => Some(false),
                    _ => {
                        ctx.invalid(node, format!("Invalid ttl-propagate {v}"))
                            .accepted("enabled|disabled");
                        None
                    }
                };
            }
            "onlink" => r.onlink = true,
            "append" => r.append = true,
            "no_track" => r.no_track = true,
            "vrf" => r.vrf = Some(w.value(ctx, opt)?.to_owned()),
            "track_group" if is_static => r.track_group = Some(w.value(ctx, opt)?.to_owned()),
            "nexthop" => {
                let nh = parse_nexthop(&mut w, ctx, node, dynamic)?;
                if let Some(a) = &nh.via {
                    if !note(ctx, node, &mut family, a, "route") {
                        return None;
                    }
                }
                r.nexthops.push(nh);
            }
            "to" => {
                let v = w.value(ctx, opt)?;
                if !set_dst(ctx, node, &mut r, v, &mut family) {
                    return None;
                }
            }
            _ => {
                if let Some(m) = RouteMetric::from_word(opt) {
                    let mut v = w.value(ctx, opt)?;
                    let lock = v == "lock";
                    if lock {
                        v = w.value(ctx, opt)?;
                    }
                    {
                        let n = unsigned(ctx, node, opt, v, (0, u64::from(u32::MAX)))?;
                        r.metrics.push(RouteMetricValue {
                            metric: m,
                            value: n as u32,
                            lock,
                        });
                    }
                } else if r.dst.is_none() && (opt == "default" || opt.contains(['.', ':'])) {
                    if !set_dst(ctx, node, &mut r, opt, &mut family) {
                        return None;
                    }
                } else {
                    ctx.invalid(node, format!("unknown route keyword {opt}"))
                        .accepted("ip route add options");
                    return None;
                }
            }
        }
    }
    r.family = family.unwrap_or(IpFamily::V4);
    if r.dst.is_none() {
        ctx.invalid(node, "Route must have a destination");
        return None;
    }
    if let Some(d) = &mut r.dst {
        if d.addr.is_unspecified() && d.len == 0 {
            d.addr = r.family.unspecified();
        }
    }
    if r.expires.is_some() && r.family != IpFamily::V6 {
        ctx.invalid(node, "expires is only valid for IPv6");
        r.expires = None;
    }
    if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) && !r.no_track {
        ctx.invalid(
            node,
            "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol",
        );
        r.protocol = Some(RTPROT_KEEPALIVED);
    }
    // Devices of nexthops do not count, as in keepalived.
    if r.dev.is_none() && !r.no_track {
        let dst = r.dst.map(|d| show_dst(&d)).unwrap_or_default();
        ctx.invalid(
            node,
            format!("Warning - cannot track route {dst} with no interface specified, not tracking"),
        );
        r.no_track = true;
    }
    Some(r)
}

/// Records the family of an address of the line; reports a mix of families.
pub(super) fn note(
    ctx: &mut Ctx<'_>,
    node: &Node,
    family: &mut Option<IpFamily>,
    a: &IpAddr,
    what: &str,
) -> bool {
    let f = IpFamily::of(a);
    match *family {
        None => {
            *family = Some(f);
            true
        }
        Some(g) if g == f => true,
        Some(_) => {
            ctx.invalid(
                node,
                format!("Cannot mix IPv4 and IPv6 addresses for {what}"),
            );
            false
        }
    }
}

fn show_dst(d: &IpPrefix) -> String {
    if d.len == 0 && d.addr.is_unspecified() {
        "default".into()
    } else {
        d.to_string()
    }
}

/// Sets the destination; false (after an error) when the line must be dropped.
fn set_dst(
    ctx: &mut Ctx<'_>,
    node: &Node,
    r: &mut Route,
    v: &str,
    family: &mut Option<IpFamily>,
) -> bool {
    if v == "default" || v == "all" {
        r.dst = Some(IpPrefix {
            addr: IpFamily::V4.unspecified(),
            len: 0,
        });
        return true;
    }
    match prefix(ctx, node, v) {
        Some(p) if note(ctx, node, family, &p.addr, "route") => {
            r.dst = Some(p);
            true
        }
        Some(_) => false,
        None => {
            ctx.invalid(node, format!("VRRP parsed invalid IP {v}. skipping IP..."));
            false
        }
    }
}

/// `nexthop [via ADDR] [dev IF] [weight N] [onlink] [realms R]`, up to the next word that is
/// not a nexthop option.
fn parse_nexthop(
    w: &mut Words<'_>,
    ctx: &mut Ctx<'_>,
    node: &Node,
    dynamic: bool,
) -> Option<Nexthop> {
    let mut nh = Nexthop::default();
    while let Some(opt) = w.peek() {
        match opt {
            "via" => {
                w.next();
                let v = w.value(ctx, opt)?;
                match v.parse::<IpAddr>() {
                    Ok(a) => nh.via = Some(a),
                    Err(_) => {
                        ctx.invalid(node, format!("Invalid nexthop via address {v}"));
                        return None;
                    }
                }
            }
            "dev" => {
                w.next();
                let d = w.value(ctx, opt)?;
                check_interface(ctx, node, d, "route", dynamic);
                nh.dev = Some(d.to_owned());
            }
            "weight" => {
                w.next();
                let v = w.value(ctx, opt)?;
                {
                    let n = unsigned(ctx, node, "nexthop weight", v, (1, 256))?;
                    nh.weight = Some(n as u16);
                }
            }
            "onlink" => {
                w.next();
                nh.onlink = true;
            }
            "realms" => {
                w.next();
                let v = w.value(ctx, opt)?;
                nh.realms = rt_realms(ctx, v);
                if nh.realms.is_none() {
                    ctx.error(
                        node,
                        ErrorClass::General,
                        format!("Invalid realms {v} for nexthop"),
                    );
                }
            }
            _ => break,
        }
    }
    Some(nh)
}
