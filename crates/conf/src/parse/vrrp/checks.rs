//! The checks keepalived makes once everything is read (`vrrp_complete_init`,
//! `vrrp_complete_instance`). keepalived's messages name no line; ours point at the
//! instance, group or tracker concerned.

use std::time::Duration;

use keepalived_vrrp::Version;

use crate::diag::{ErrorClass, Location};
use crate::model::{effective_advert_int, Config, SyncGroup, TrackRef, VrrpInstance};
use crate::parse::Ctx;

fn post(ctx: &mut Ctx<'_>, loc: &Location, msg: String) {
    ctx.error_at(Some(loc), None, ErrorClass::General, msg);
}

pub(super) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    for v in &cfg.vrrp.instances {
        instance(cfg, v, ctx);
    }
    duplicate_vrids(cfg, ctx);
    sync_groups(cfg, ctx);
}

/// An instance without `interface`: keepalived 2.2.8+ (and 2.3) run it with a unicast
/// keyword and a configured source address (not link-local); keepalived 2.2.7 refuses every
/// one ("Unknown interface!", its issue #2270, a deliberate difference, docs/process.md).
fn no_interface(v: &VrrpInstance, ctx: &mut Ctx<'_>) {
    let name = &v.name;
    if v.interface.is_none() {
        if !v.unicast_configured {
            post(ctx, &v.loc, format!("({name}) Unknown interface!"));
        } else if v.src_ip.is_none() {
            post(
                ctx,
                &v.loc,
                format!("({name}): Unicast instances must have unicast_src_ip or interface"),
            );
        } else if v.src_ip.is_some_and(|a| crate::model::is_link_local(&a)) {
            post(
                ctx,
                &v.loc,
                format!("({name}) Non link-local address required if interface omitted"),
            );
        }
    }
}

fn instance(cfg: &Config, v: &VrrpInstance, ctx: &mut Ctx<'_>) {
    let g = &cfg.global;
    let name = &v.name;
    no_interface(v, ctx);
    if v.vrid.is_none() {
        post(
            ctx,
            &v.loc,
            format!("({name}) the virtual router id must be set"),
        );
    }
    let version = v.version(g);
    let strict = v.strict(g);
    // keepalived 2.3: no_virtual_ipaddress says no VIPs is meant, unless in strict mode.
    let no_vips_meant = v.no_virtual_ipaddress && !strict;
    if v.no_virtual_ipaddress && strict {
        ctx.diags.warning(
            Some(&v.loc),
            None,
            format!("({name}) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress"),
        );
    }
    if v.virtual_ipaddresses.is_empty() && !no_vips_meant {
        let how = if v.no_vip_required(g) {
            "required"
        } else {
            "sensible"
        };
        post(
            ctx,
            &v.loc,
            format!("({name}) No VIP specified; at least one is {how}"),
        );
    }
    advert_int(ctx, &v.loc, name, v.advert_int_configured, version);
    if v.authentication.is_some() {
        if version == Version::V3 {
            post(
                ctx,
                &v.loc,
                format!("({name}) VRRP version 3 does not support authentication. Ignoring."),
            );
        } else if strict {
            post(
                ctx,
                &v.loc,
                format!("({name}) Strict mode does not support authentication. Ignoring."),
            );
        }
    }
    if v.is_address_owner() {
        address_owner_weights(cfg, v, ctx);
    }
    if strict {
        strict_mode(v, ctx);
    }
    if v.mcast_dst_ip.is_some() && v.is_unicast() {
        post(
            ctx,
            &v.loc,
            format!("({name}) multicast destination specified with unicast - ignoring"),
        );
    }
    if v.unicast_configured && v.unicast_peers.is_empty() && !v.unicast_fault_no_peer {
        ctx.error_at(
            Some(&v.loc),
            None,
            ErrorClass::Deprecated,
            format!(
                "({name}) A unicast keyword has been specified without any unicast peers. \
                 Defaulting to multicast. This usage is deprecated - please update your \
                 configuration."
            ),
        );
    }
    if (v.vmac.is_some() || v.ipvlan.is_some()) && v.promote_secondaries {
        post(
            ctx,
            &v.loc,
            format!("({name}) promote_secondaries is automatically set for vmacs - ignoring"),
        );
    }
    if strict && version == Version::V2 && v.accept == Some(true) {
        post(
            ctx,
            &v.loc,
            format!("({name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"),
        );
    }
    keepalived_23(v, strict, ctx);
}

/// keepalived 2.3.4's checks of its own options (`vrrp_complete_instance`).
fn keepalived_23(v: &VrrpInstance, strict: bool, ctx: &mut Ctx<'_>) {
    let name = &v.name;
    let owner = v.priority == crate::model::VRRP_PRIO_OWNER;
    match v.owner_ignore_adverts {
        Some(true) if !owner => post(
            ctx,
            &v.loc,
            format!("({name}) ignoring owner_ignore_adverts since priority is not 255"),
        ),
        // keepalived 2.3.4 forces it back on for every owner that turns it off; we do it
        // in strict mode only, which its message speaks of (docs/real-hosts.md).
        Some(false) if owner && strict => post(
            ctx,
            &v.loc,
            format!("({name}) strict_mode with priority 255 requires owner_ignore_adverts"),
        ),
        _ => {}
    }
    if v.highest_other_priority.is_some() && v.preempt {
        post(
            ctx,
            &v.loc,
            format!("({name}) expired_timer_backup requires nopreempt - resetting"),
        );
    }
}

/// Settings strict mode resets (the daemon applies the reset: see the model's docs).
fn strict_mode(v: &VrrpInstance, ctx: &mut Ctx<'_>) {
    let name = &v.name;
    if v.garp.lower_prio_delay.is_some() {
        post(
            ctx,
            &v.loc,
            format!("({name}) Strict mode requires no repeat garp delay. resetting"),
        );
    }
    if v.down_timer_adverts != 3 {
        post(
            ctx,
            &v.loc,
            format!("({name}) down_timer_adverts is incompatible with strict mode - resetting"),
        );
    }
    if let Some(vm) = &v.vmac {
        if vm.xmit_base {
            post(
                ctx,
                &v.loc,
                format!("({name}) xmit_base is incompatible with strict mode - resetting"),
            );
        }
        if vm.mac.is_some() {
            post(
                ctx,
                &v.loc,
                format!("({name}): cannot specify MAC address with strict mode - clearing"),
            );
        }
    }
}

/// The address owner's priority cannot change: keepalived ignores weighted trackers.
fn address_owner_weights(cfg: &Config, v: &VrrpInstance, ctx: &mut Ctx<'_>) {
    let name = &v.name;
    for t in v.track_interfaces.iter().filter(|t| t.weight != 0) {
        post(
            ctx,
            &t.loc,
            format!(
                "({name}) ignoring {} tracked interface due to address owner",
                t.name
            ),
        );
    }
    for t in &v.track_scripts {
        let w = t
            .weight
            .or_else(|| cfg.vrrp.script(&t.name).map(|s| s.weight));
        if w.is_some_and(|w| w != 0) {
            post(
                ctx,
                &t.loc,
                format!(
                    "({name}) ignoring tracked script {} with weights due to address_owner",
                    t.name
                ),
            );
        }
    }
    for t in &v.track_files {
        let w = t
            .weight
            .or_else(|| cfg.vrrp.track_file(&t.name).map(|s| s.weight));
        if let Some(w) = w.filter(|w| *w != 0) {
            post(
                ctx,
                &t.loc,
                format!(
                    "({name}) ignoring tracked file {} with weight {w} due to address_owner",
                    t.name
                ),
            );
        }
    }
}

/// keepalived rounds a VRRPv2 interval to whole seconds and a VRRPv3 one to centiseconds,
/// reporting each change.
fn advert_int(
    ctx: &mut Ctx<'_>,
    loc: &Location,
    name: &str,
    configured: Duration,
    version: Version,
) {
    let secs = configured.as_secs_f64();
    let us = configured.as_micros();
    let effective = effective_advert_int(configured, version);
    if version == Version::V2 {
        if us % 1_000_000 != 0 {
            post(
                ctx,
                loc,
                format!("({name}) VRRPv2 advertisement interval {secs:.6}s must be an integer. rounding"),
            );
        }
    } else if us >= 40_960_000 {
        post(
            ctx,
            loc,
            format!("({name}) VRRPv3 advertisement interval {secs:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s"),
        );
    } else if us % 10_000 != 0 {
        post(
            ctx,
            loc,
            format!("({name}) VRRPv3 advertisement interval {secs:.6}s must be in units of 10ms - rounding"),
        );
    }
    let _ = effective;
}

/// Two instances on one interface with one family and VRID share a socket: keepalived
/// refuses that unless they use unicast with disjoint peers or different multicast groups.
fn duplicate_vrids(cfg: &Config, ctx: &mut Ctx<'_>) {
    let list = &cfg.vrrp.instances;
    for (i, a) in list.iter().enumerate() {
        for b in list.iter().skip(i + 1) {
            let (Some(va), Some(vb)) = (a.vrid, b.vrid) else {
                continue;
            };
            let (Some(ia), Some(ib)) = (&a.interface, &b.interface) else {
                continue;
            };
            if va != vb || ia != ib || a.family != b.family {
                continue;
            }
            let clash = match (a.is_unicast(), b.is_unicast()) {
                (true, true) => a
                    .unicast_peers
                    .iter()
                    .any(|p| b.unicast_peers.iter().any(|q| q.addr == p.addr)),
                (false, false) => a.mcast_dst_ip == b.mcast_dst_ip,
                _ => false,
            };
            if clash {
                post(
                    ctx,
                    &b.loc,
                    format!(
                        "{} and {} both use VRID {va} with {} on interface {ia}",
                        a.name, b.name, a.family
                    ),
                );
            }
        }
    }
}

fn sync_groups(cfg: &Config, ctx: &mut Ctx<'_>) {
    let mut taken: Vec<&str> = Vec::new();
    for g in &cfg.vrrp.sync_groups {
        let mut found = 0usize;
        let mut seen_here: Vec<&str> = Vec::new();
        for m in &g.members {
            let Some(v) = cfg.vrrp.instance(&m.name) else {
                post(
                    ctx,
                    &m.loc,
                    format!(
                        "Virtual router {} specified in sync group {} doesn't exist - ignoring",
                        m.name, g.name
                    ),
                );
                continue;
            };
            if taken.contains(&v.name.as_str()) && !seen_here.contains(&v.name.as_str()) {
                post(
                    ctx,
                    &m.loc,
                    format!(
                        "Virtual router {} cannot exist in more than one sync group; ignoring {}",
                        v.name, g.name
                    ),
                );
                continue;
            }
            if seen_here.contains(&v.name.as_str()) {
                continue;
            }
            seen_here.push(&v.name);
            taken.push(&v.name);
            found += 1;
            if !g.tracking_weight {
                member_weights(cfg, g, v, ctx);
            }
        }
        if g.members.is_empty() {
            post(
                ctx,
                &g.loc,
                format!("Sync group {} has no virtual router(s). removing", g.name),
            );
        } else if found == 0 {
            post(
                ctx,
                &g.loc,
                format!("Sync group {}, no matching virtual router found in group declaration - removing", g.name),
            );
        } else if found == 1 {
            post(
                ctx,
                &g.loc,
                format!("Sync group {} has only {found} virtual router(s) - this probably isn't what you want", g.name),
            );
        }
    }
}

/// Members of a sync group run with tracking weights 0 unless the group sets
/// `sync_group_tracking_weight`; keepalived reports each weighted tracker it ignores.
fn member_weights(cfg: &Config, _g: &SyncGroup, v: &VrrpInstance, ctx: &mut Ctx<'_>) {
    let name = &v.name;
    for t in &v.track_interfaces {
        if t.weight != 0 {
            post(
                ctx,
                &t.loc,
                format!(
                    "({name}) ignoring tracked interface {} with weights due to SYNC group",
                    t.name
                ),
            );
        }
    }
    let vrrp = &cfg.vrrp;
    ignored_weights(ctx, name, "script", &v.track_scripts, |n| {
        vrrp.script(n).map(|s| s.weight)
    });
    ignored_weights(ctx, name, "file", &v.track_files, |n| {
        vrrp.track_file(n).map(|f| f.weight)
    });
    ignored_weights(ctx, name, "process", &v.track_processes, |n| {
        vrrp.track_process(n).map(|p| p.weight)
    });
}

/// Reports each tracker of a sync-group member whose weight (its own, else the tracked
/// object's) is not 0.
fn ignored_weights(
    ctx: &mut Ctx<'_>,
    instance: &str,
    kind: &str,
    refs: &[TrackRef],
    object_weight: impl Fn(&str) -> Option<i32>,
) {
    for t in refs {
        if t.weight.or_else(|| object_weight(&t.name)).unwrap_or(0) != 0 {
            post(
                ctx,
                &t.loc,
                format!(
                    "({instance}) ignoring tracked {kind} {} with weights due to SYNC group",
                    t.name
                ),
            );
        }
    }
}
