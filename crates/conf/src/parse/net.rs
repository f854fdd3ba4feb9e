//! Addresses, routes and rules: the root keywords `static_ipaddress`, `static_routes`,
//! `static_rules`, and the line parsers the VRRP instance blocks share.

mod address;
mod route;
pub(crate) mod rt_names;
mod rule;
pub(crate) mod words;

pub(crate) use address::{parse_address, AddressKind};
pub(crate) use route::parse_route;
pub(crate) use rule::parse_rule;

use super::Ctx;
use crate::diag::Location;
use crate::model::Config;
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    let dynamic = cfg.global.dynamic_interfaces;
    match node.keyword.as_str() {
        "static_ipaddress" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(mut a) = parse_address(line, ctx, AddressKind::Static, dynamic) {
                    known_group(&mut a.track_group, &a.loc, cfg, ctx);
                    cfg.vrrp.static_addresses.push(a);
                }
            }
        }
        "static_routes" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(mut r) = parse_route(line, ctx, true, dynamic) {
                    known_group(&mut r.track_group, &r.loc, cfg, ctx);
                    cfg.vrrp.static_routes.push(r);
                }
            }
        }
        "static_rules" => {
            for line in ctx.block(node).unwrap_or(&[]) {
                if let Some(mut r) = parse_rule(line, ctx, true, dynamic) {
                    known_group(&mut r.track_group, &r.loc, cfg, ctx);
                    cfg.vrrp.static_rules.push(r);
                }
            }
        }
        _ => return false,
    }
    true
}

/// keepalived's `static_track_group_find` while it reads the line: a `track_group` must be
/// defined before the static address, route or rule naming it; otherwise "track_group G not
/// found" and the line is not tracked.
fn known_group(group: &mut Option<String>, loc: &Location, cfg: &Config, ctx: &mut Ctx<'_>) {
    if let Some(g) = group {
        if !cfg.vrrp.track_groups.iter().any(|t| &t.name == g) {
            ctx.error_at(
                Some(loc),
                Some("track_group"),
                crate::ErrorClass::General,
                format!("track_group {g} not found"),
            );
            *group = None;
        }
    }
}
