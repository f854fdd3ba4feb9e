//! The VRRP root keywords: `vrrp_instance`, `vrrp_sync_group`, `vrrp_script`, `track_file`
//! (`vrrp_track_file`), `vrrp_track_process`, `garp_group`, `track_group`.

mod checks;
mod instance;
mod sync;
mod track;
mod tracking;

use super::Ctx;
use crate::model::Config;
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
/// keepalived's vrrp_lvs_syncd_handler: an instance's (deprecated) `lvs_sync_daemon_interface
/// IF` is global_defs' `lvs_sync_daemon IF inst INSTANCE`, unless one is already set (a
/// global_defs before it, or an instance before it).
fn lvs_sync_daemon_interface(
    node: &Node,
    i: &crate::model::VrrpInstance,
    ctx: &mut Ctx<'_>,
    cfg: &mut Config,
) {
    let Some(interface) = &i.lvs_sync_daemon_interface else {
        return;
    };
    match &cfg.global.lvs_sync_daemon {
        Some(set) => {
            let at = node
                .children()
                .iter()
                .rev()
                .find(|c| c.keyword == "lvs_sync_daemon_interface")
                .unwrap_or(node);
            ctx.invalid(
                at,
                format!(
                    "({}) lvs_sync_daemon_interface has already been specified as {} - ignoring",
                    i.name, set.interface
                ),
            );
        }
        None => {
            cfg.global.lvs_sync_daemon = Some(crate::model::LvsSyncDaemon {
                interface: interface.clone(),
                instance: Some(i.name.clone()),
                syncid: None,
                maxlen: None,
                port: None,
                ttl: None,
                group: None,
            });
        }
    }
}

pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    match node.keyword.as_str() {
        "vrrp_instance" => {
            if let Some(i) = instance::parse_instance(node, ctx, cfg) {
                lvs_sync_daemon_interface(node, &i, ctx, cfg);
                cfg.vrrp.instances.push(i);
            }
        }
        "vrrp_sync_group" => {
            if let Some(g) = sync::parse_sync_group(node, ctx, cfg) {
                cfg.vrrp.sync_groups.push(g);
            }
        }
        "vrrp_script" => {
            if let Some(s) = track::parse_script(node, ctx) {
                cfg.vrrp.scripts.push(s);
            }
        }
        "track_file" | "vrrp_track_file" => {
            if let Some(f) = track::parse_track_file(node, ctx) {
                cfg.vrrp.track_files.push(f);
            }
        }
        "vrrp_track_process" => {
            if let Some(p) = track::parse_track_process(node, ctx) {
                cfg.vrrp.track_processes.push(p);
            }
        }
        "garp_group" => {
            if let Some(g) = track::parse_garp_group(node, ctx, cfg.global.dynamic_interfaces) {
                cfg.vrrp.garp_groups.push(g);
            }
        }
        // global_defs' parser may claim this first; this is the fallback.
        "linkbeat_interfaces" => {
            let dynamic = cfg.global.dynamic_interfaces;
            for (w, n) in node.block_words() {
                if !dynamic && !ctx.host.interface_exists(w) {
                    ctx.error(
                        n,
                        crate::ErrorClass::BadInterface,
                        format!("unknown interface {w} specified for linkbeat interface"),
                    );
                    continue;
                }
                cfg.linkbeat_interfaces.push(w.to_owned());
            }
        }
        "interface_up_down_delays" => track::parse_interface_delays(node, ctx, cfg),
        "track_group" => {
            if let Some(g) = track::parse_track_group(node, ctx) {
                cfg.vrrp.track_groups.push(g);
            }
        }
        _ => return false,
    }
    true
}

/// Semantic checks once the whole configuration is read (keepalived's
/// `vrrp_complete_init`/`vrrp_complete_instance`).
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    checks::check(cfg, ctx);
}

/// What keepalived's `vrrp_complete_instance` takes from an instance's sync group (an unset
/// `notify_priority_changes` is the group's, when the group sets it), and the interfaces its
/// track groups make it track.
pub(crate) fn apply_group_defaults(cfg: &mut Config) {
    let from_group: Vec<(String, bool)> = cfg
        .vrrp
        .instances
        .iter()
        .filter(|v| v.notify_priority_changes.is_none())
        .filter_map(|v| {
            let g = cfg.vrrp.sync_group_of(&v.name)?;
            Some((v.name.clone(), g.notify_priority_changes?))
        })
        .collect();
    for (name, value) in from_group {
        if let Some(v) = cfg.vrrp.instances.iter_mut().find(|v| v.name == name) {
            v.notify_priority_changes = Some(value);
        }
    }
    track_groups(cfg);
}

/// keepalived's `static_track_group_init`: the instances of a static address's, route's or
/// rule's `track_group` track its interface (the address's `dev`, else default_interface;
/// the route's `dev`; the rule's `iif`) as a weight-0 tracked interface, unless `no_track`.
fn track_groups(cfg: &mut Config) {
    let default_if = cfg
        .global
        .default_interface
        .clone()
        .unwrap_or_else(|| "eth0".to_owned());
    let v = &cfg.vrrp;
    let mut tracked: Vec<(String, String, crate::diag::Location)> = Vec::new();
    let addrs = v.static_addresses.iter().filter(|a| !a.no_track).map(|a| {
        let dev = a.dev.clone().unwrap_or_else(|| default_if.clone());
        (a.track_group.as_ref(), Some(dev), &a.loc)
    });
    let routes = v
        .static_routes
        .iter()
        .filter(|r| !r.no_track)
        .map(|r| (r.track_group.as_ref(), r.dev.clone(), &r.loc));
    let rules = v
        .static_rules
        .iter()
        .filter(|r| !r.no_track)
        .map(|r| (r.track_group.as_ref(), r.iif.clone(), &r.loc));
    for (group, dev, loc) in addrs.chain(routes).chain(rules) {
        let (Some(group), Some(dev)) = (group, dev) else {
            continue;
        };
        let Some(g) = v.track_groups.iter().find(|g| &g.name == group) else {
            continue;
        };
        for m in &g.members {
            tracked.push((m.clone(), dev.clone(), loc.clone()));
        }
    }
    for (inst, dev, loc) in tracked {
        let Some(i) = cfg.vrrp.instances.iter_mut().find(|i| i.name == inst) else {
            continue;
        };
        if !i.track_interfaces.iter().any(|t| t.name == dev) {
            i.track_interfaces.push(crate::model::TrackedInterface {
                name: dev,
                weight: 0,
                reverse: false,
                loc,
            });
        }
    }
}
