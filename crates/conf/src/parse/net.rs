//! Addresses, routes and rules: the root keywords `static_ipaddress`, `static_routes`,
//! `static_rules`, and the line parsers the VRRP instance blocks share.

mod address;
mod route;
mod rule;
mod words;

pub(crate) use address::{parse_address, AddressKind};
pub(crate) use route::parse_route;
pub(crate) use rule::parse_rule;

use super::Ctx;
use crate::model::Config;
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    let dynamic = cfg.global.dynamic_interfaces;
    match node.keyword.as_str() {
        "static_ipaddress" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(a) = parse_address(line, ctx, AddressKind::Static, dynamic) {
                    cfg.vrrp.static_addresses.push(a);
                }
            }
        }
        "static_routes" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(r) = parse_route(line, ctx, true, dynamic) {
                    cfg.vrrp.static_routes.push(r);
                }
            }
        }
        "static_rules" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(r) = parse_rule(line, ctx, true, dynamic) {
                    cfg.vrrp.static_rules.push(r);
                }
            }
        }
        _ => return false,
    }
    true
}

/// Semantic checks once the whole configuration is read: `track_group` references.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let groups = &cfg.vrrp.track_groups;
    let refs = cfg
        .vrrp
        .static_addresses
        .iter()
        .map(|a| (&a.track_group, &a.loc))
        .chain(
            cfg.vrrp
                .static_routes
                .iter()
                .map(|r| (&r.track_group, &r.loc)),
        )
        .chain(
            cfg.vrrp
                .static_rules
                .iter()
                .map(|r| (&r.track_group, &r.loc)),
        );
    for (group, loc) in refs {
        if let Some(g) = group {
            if !groups.iter().any(|t| &t.name == g) {
                ctx.error_at(
                    Some(loc),
                    Some("track_group"),
                    crate::ErrorClass::General,
                    format!("track_group {g} not found"),
                );
            }
        }
    }
}
