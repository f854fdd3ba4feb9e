//! Values shared by the LVS blocks: ports, schedulers, forwarding methods, timing keywords.

use crate::diag::ErrorClass;
use crate::model::{CheckTiming, LbKind, Protocol, Scheduler, TunnelCsum, TunnelType};
use crate::parse::Ctx;
use crate::tree::Node;

/// Largest timer keepalived accepts for most LVS timings (seconds): 2^64-2 µs.
const MAX_TIMER: f64 = (u64::MAX - 1) as f64 / 1_000_000.0;
/// Largest `connect_timeout` (seconds): UINT_MAX µs.
const MAX_CONNECT_TIMEOUT: f64 = u32::MAX as f64 / 1_000_000.0;
/// One microsecond: keepalived rejects zero for these timers.
const MIN_TIMER: f64 = 0.000_001;

/// A port argument 0..65535.
pub(super) fn port(ctx: &mut Ctx<'_>, node: &Node, i: usize) -> Option<u16> {
    ctx.unsigned(node, i, 0, 65535).map(|p| p as u16)
}

/// `lvs_sched`/`lb_algo`.
pub(super) fn scheduler(node: &Node, ctx: &mut Ctx<'_>) -> Option<Scheduler> {
    let s = ctx.arg(node, 0)?;
    let r = Scheduler::from_name(s);
    if r.is_none() {
        ctx.invalid(node, format!("Invalid lvs_scheduler '{s}' - ignoring"))
            .accepted("rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh");
    }
    r
}

/// `lvs_method`/`lb_kind` NAT|DR|TUN [type ipip|gue port N|gre].
pub(super) fn lb_kind(node: &Node, ctx: &mut Ctx<'_>) -> Option<LbKind> {
    let s = ctx.arg(node, 0)?;
    match s {
        "NAT" => Some(LbKind::Nat),
        "DR" => Some(LbKind::Dr),
        "TUN" => tunnel(node, ctx).map(LbKind::Tun),
        _ => {
            ctx.invalid(
                node,
                format!("PARSER : unknown [{s}] routing method for virtual server."),
            )
            .accepted("NAT|DR|TUN");
            None
        }
    }
}

fn tunnel(node: &Node, ctx: &mut Ctx<'_>) -> Option<TunnelType> {
    // keepalived's loop: `type ipip|gue|gre`, `port N`, `nocsum|csum|remcsum` in any order.
    let mut kind = "ipip";
    let mut port = 0u32;
    let mut csum = "nocsum";
    let mut i = 1;
    while let Some(w) = node.arg(i) {
        match w {
            "type" => {
                kind = ctx.choice(node, i + 1, &["ipip", "gue", "gre"])?;
                i += 1;
            }
            "port" => {
                port = ctx.unsigned(node, i + 1, 1, 65535)?;
                i += 1;
            }
            "nocsum" | "csum" | "remcsum" => csum = w,
            _ => {
                ctx.invalid(
                    node,
                    format!("Invalid tunnel option {w} for virtual server."),
                )
                .accepted("TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]");
                return None;
            }
        }
        i += 1;
    }
    if (kind == "gue") != (port != 0) {
        ctx.invalid(
            node,
            "gue tunnels require port, otherwise cannot have port.",
        );
        return None;
    }
    if kind == "ipip" && csum != "nocsum" {
        ctx.invalid(node, "ipip tunnels do not support checksum option.");
        return None;
    }
    if kind == "gre" && csum == "remcsum" {
        ctx.invalid(node, "gre tunnels do not support remote checksum option.");
        return None;
    }
    let csum = match csum {
        "csum" => TunnelCsum::Csum,
        "remcsum" => TunnelCsum::RemCsum,
        _ => TunnelCsum::NoCsum,
    };
    Some(match kind {
        "gue" => TunnelType::Gue {
            port: port as u16,
            csum,
        },
        "gre" => TunnelType::Gre { csum },
        _ => TunnelType::Ipip,
    })
}

/// `protocol TCP|UDP|SCTP`.
pub(super) fn protocol(node: &Node, ctx: &mut Ctx<'_>) -> Option<Protocol> {
    // keepalived uses strcasecmp here.
    let w = ctx.arg(node, 0)?;
    match w.to_ascii_uppercase().as_str() {
        "TCP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        "SCTP" => Some(Protocol::Sctp),
        _ => {
            let other = w;
            ctx.invalid(node, format!("Unknown protocol {other} - ignoring"))
                .accepted("TCP|UDP|SCTP");
            None
        }
    }
}

/// The timing keywords every level shares; returns whether `node` was one of them.
pub(super) fn timing_keyword(node: &Node, ctx: &mut Ctx<'_>, t: &mut CheckTiming) -> bool {
    match node.keyword.as_str() {
        "connect_timeout" => match ctx.timer(node, 0, MIN_TIMER, MAX_CONNECT_TIMEOUT) {
            Some(d) => t.connect_timeout = Some(d),
            None if node.arg(0).is_some() => {
                let v = node.arg(0).unwrap_or_default();
                ctx.invalid(node, format!("connect_timeout {v} invalid - ignoring"));
            }
            None => {}
        },
        "retry" => match ctx.unsigned(node, 0, 0, u32::MAX) {
            Some(r) => t.retry = Some(r),
            None if node.arg(0).is_some() => {
                let v = node.arg(0).unwrap_or_default();
                ctx.invalid(node, format!("Invalid retry connection value '{v}'"));
            }
            None => {}
        },
        "nb_get_retry" => {
            ctx.error(
                node,
                ErrorClass::Deprecated,
                "nb_get_retry is deprecated - please use 'retry'",
            );
            if let Some(r) = ctx.unsigned(node, 0, 0, u32::MAX) {
                t.retry = Some(r);
            }
        }
        "delay_before_retry" => {
            if let Some(d) = nonneg_timer(node, ctx) {
                t.delay_before_retry = Some(d);
            }
        }
        "warmup" => {
            if let Some(d) = nonneg_timer(node, ctx) {
                t.warmup = Some(d);
            }
        }
        "delay_loop" => match ctx.timer(node, 0, MIN_TIMER, MAX_TIMER) {
            Some(d) => t.delay_loop = Some(d),
            None if node.arg(0).is_some() => {
                let v = node.arg(0).unwrap_or_default();
                ctx.invalid(node, format!("delay loop '{v}' invalid - ignoring"));
            }
            None => {}
        },
        "alpha" => t.alpha = ctx.flag(node),
        _ => return false,
    }
    true
}

/// `warmup`/`delay_before_retry`: a timer of 0 or more; keepalived reports a negative value
/// as such, then the keyword's own message.
fn nonneg_timer(node: &Node, ctx: &mut Ctx<'_>) -> Option<std::time::Duration> {
    let v = node.arg(0);
    if let Some(v) = v.filter(|v| v.trim_start().starts_with('-')) {
        ctx.error(
            node,
            ErrorClass::InvalidNumber,
            format!("negative number '{v}'"),
        );
        ctx.invalid(
            node,
            format!("Invalid {} connection value '{v}'", node.keyword),
        );
        return None;
    }
    ctx.timer(node, 0, 0.0, MAX_TIMER)
}
