//! `bfd_instance NAME { ... }` (keepalived's bfd/bfd_parser.c).

use std::net::IpAddr;
use std::time::Duration;

use super::Ctx;
use crate::diag::{ErrorClass, Location};
use crate::model::{BfdInstance, Config};
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    if node.keyword != "bfd_instance" {
        return false;
    }
    if let Some(b) = parse_instance(node, ctx, &cfg.bfd) {
        cfg.bfd.push(b);
    }
    true
}

/// Semantic checks once the whole configuration is read.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let _ = (cfg, ctx);
}

/// The values read from a block before the neighbor is known.
struct Draft {
    neighbor: Option<IpAddr>,
    bad_neighbor: bool,
    source: Option<IpAddr>,
    min_rx: Duration,
    min_tx: Duration,
    idle_tx: Duration,
    multiplier: u8,
    passive: bool,
    multihop: bool,
    ttl: Option<u8>,
    max_hops: i32,
    weight: i32,
    weight_reverse: bool,
    vrrp: bool,
    checker: bool,
}

fn parse_instance(node: &Node, ctx: &mut Ctx<'_>, existing: &[BfdInstance]) -> Option<BfdInstance> {
    // keepalived 2.2.7 crashes on a nameless bfd_instance; we report it instead.
    let Some(name) = node.arg(0).map(str::to_owned) else {
        ctx.invalid(node, "bfd_instance must have a name - skipping");
        return None;
    };
    let block = ctx.block(node)?;
    let mut d = Draft {
        neighbor: None,
        bad_neighbor: false,
        source: None,
        min_rx: Duration::from_millis(10),
        min_tx: Duration::from_millis(10),
        idle_tx: Duration::from_millis(1000),
        multiplier: 5,
        passive: false,
        multihop: false,
        ttl: None,
        max_hops: 0,
        weight: 0,
        weight_reverse: false,
        vrrp: false,
        checker: false,
    };
    let err = |what: &str| format!("Configuration error: BFD instance {name} {what}");
    for c in block {
        match c.keyword.as_str() {
            "neighbor_ip" | "neighbour_ip" => {
                let Some(a) = ctx.arg(c, 0) else { continue };
                match a.parse::<IpAddr>() {
                    Ok(ip) => d.neighbor = Some(ip),
                    Err(_) => {
                        ctx.invalid(
                            c,
                            err(&format!(
                                "has malformed neighbor address {a}, ignoring instance"
                            )),
                        )
                        .accepted("an IPv4 or IPv6 address");
                        d.bad_neighbor = true;
                    }
                }
            }
            "source_ip" => {
                let Some(a) = ctx.arg(c, 0) else { continue };
                match a.parse::<IpAddr>() {
                    Ok(ip) => d.source = Some(ip),
                    Err(_) => {
                        ctx.invalid(c, err(&format!("malformed source address {a}, ignoring")))
                            .accepted("an IPv4 or IPv6 address");
                    }
                }
            }
            kw @ ("min_rx" | "min_tx" | "idle_tx") => {
                let min = if kw == "idle_tx" { 1000.0 } else { 1.0 };
                match ctx.double(c, 0, min, 4_294_967.0) {
                    Some(ms) => {
                        let v = Duration::from_micros((ms * 1000.0).round() as u64);
                        match kw {
                            "min_rx" => d.min_rx = v,
                            "min_tx" => d.min_tx = v,
                            _ => d.idle_tx = v,
                        }
                    }
                    None => {
                        if let Some(a) = c.arg(0) {
                            ctx.invalid(c, err(&format!("{kw} value {a} is not valid (must be in range [{min}-4294967]), ignoring")));
                        }
                    }
                }
            }
            "multiplier" => match ctx.unsigned(c, 0, 1, 255) {
                Some(v) => d.multiplier = v as u8,
                None => bad_value(ctx, c, &err, "multiplier", "[1-255]"),
            },
            "passive" => d.passive = true,
            "ttl" | "hoplimit" => match ctx.unsigned(c, 0, 1, 255) {
                Some(v) => d.ttl = Some(v as u8),
                None => bad_value(ctx, c, &err, "ttl/hoplimit", "[1-255]"),
            },
            "max_hops" => match ctx.int(c, 0, -1, 255) {
                Some(v) => d.max_hops = v,
                None => bad_value(ctx, c, &err, "max_hops", "[-1-255]"),
            },
            "weight" => {
                match ctx.int(c, 0, -253, 253) {
                    Some(v) => d.weight = v,
                    None => bad_value(ctx, c, &err, "weight", "[-253-253]"),
                }
                match c.arg(1) {
                    None => {}
                    Some("reverse") => d.weight_reverse = true,
                    Some(o) => {
                        ctx.invalid(c, err(&format!("unknown weight option {o}")))
                            .accepted("reverse");
                    }
                }
            }
            "vrrp" => d.vrrp = true,
            "checker" => d.checker = true,
            // keepalived 2.2.8+ (RFC 5883): `multihop [true|false]`.
            "multihop" => {
                if let Some(v) = ctx.flag(c) {
                    d.multihop = v;
                }
            }
            _ => ctx.unknown(c),
        }
    }
    if existing.iter().any(|b| b.name == name) {
        ctx.invalid(node, err("already configured - ignoring"));
        return None;
    }
    if d.bad_neighbor {
        return None;
    }
    // keepalived checks these when the block closes: point at its `}` (the line after the
    // last keyword in the usual layout).
    let end = block_end(node);
    let Some(neighbor) = d.neighbor else {
        ctx.error_at(
            Some(&end),
            Some(&node.keyword),
            ErrorClass::General,
            err("has no neighbor address set, disabling instance"),
        );
        return None;
    };
    if let Some(src) = d.source {
        if src.is_ipv4() != neighbor.is_ipv4() {
            ctx.error_at(Some(&end), Some(&node.keyword), ErrorClass::General,
                err(&format!("source address {src} and neighbor address {neighbor} are not of the same family, disabling instance")),
            );
            return None;
        }
    }
    // keepalived 2.2.8+ tells a multihop session from a single-hop one to the same neighbor.
    if existing
        .iter()
        .any(|b| b.neighbor == neighbor && b.multihop == d.multihop)
    {
        ctx.error_at(
            Some(&end),
            Some(&node.keyword),
            ErrorClass::General,
            err(&format!(
                "has duplicate neighbor address {neighbor}, ignoring instance"
            )),
        );
        return None;
    }
    let ttl = d
        .ttl
        .map_or(if neighbor.is_ipv4() { 255 } else { 64 }, i32::from);
    if d.max_hops > ttl {
        ctx.error_at(
            Some(&end),
            Some(&node.keyword),
            ErrorClass::General,
            format!("BFD instance {name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit"),
        );
        d.max_hops = ttl;
    }
    Some(BfdInstance {
        name,
        neighbor,
        source: d.source,
        min_rx: d.min_rx,
        min_tx: d.min_tx,
        idle_tx: d.idle_tx,
        multiplier: d.multiplier,
        passive: d.passive,
        multihop: d.multihop,
        ttl: d.ttl,
        max_hops: d.max_hops,
        weight: d.weight,
        weight_reverse: d.weight_reverse,
        vrrp: d.vrrp,
        checker: d.checker,
        loc: node.loc.clone(),
    })
}

/// keepalived's follow-up message after a number it rejects (none when the value is missing).
fn bad_value(ctx: &mut Ctx<'_>, c: &Node, err: &dyn Fn(&str) -> String, what: &str, range: &str) {
    if let Some(a) = c.arg(0) {
        ctx.invalid(
            c,
            err(&format!(
                "{what} value {a} not valid (must be in range {range}), ignoring"
            )),
        );
    }
}

/// Where a block's closing `}` usually is: the line after its last keyword (the header's line
/// for an empty block).
fn block_end(node: &Node) -> Location {
    let mut loc = node.loc.clone();
    if let Some(last) = node.children().last() {
        loc.line = last.loc.line.saturating_add(1);
    }
    loc
}
