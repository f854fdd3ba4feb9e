//! `vrrp_sync_group NAME { group { ... } ... }`.

use super::tracking::{
    notify_script, opt_bool, parse_track_interfaces, parse_track_refs, TrackKind,
};
use crate::model::{Config, SyncGroup, SyncMember};
use crate::parse::Ctx;
use crate::tree::Node;

/// Parses a sync group; a second group of the same name is skipped with an error.
pub(super) fn parse_sync_group(node: &Node, ctx: &mut Ctx<'_>, cfg: &Config) -> Option<SyncGroup> {
    let Some(name) = node.arg(0) else {
        ctx.invalid(node, "vrrp_sync_group must have a name - skipping");
        return None;
    };
    let block = ctx.block(node)?;
    if cfg.vrrp.sync_groups.iter().any(|g| g.name == name) {
        ctx.invalid(node, format!("vrrp sync group {name} already defined"));
        return None;
    }
    let dynamic = cfg.global.dynamic_interfaces;
    let mut g = SyncGroup::new(name.to_owned(), node.loc.clone());
    let mut have_group = false;
    for c in block {
        match c.keyword.as_str() {
            "group" => {
                if have_group {
                    ctx.invalid(
                        c,
                        format!("Group list already specified for sync group {name}"),
                    );
                    continue;
                }
                have_group = true;
                g.members = c
                    .block_words()
                    .map(|(w, n)| SyncMember {
                        name: w.to_owned(),
                        loc: n.loc.clone(),
                    })
                    .collect();
            }
            "track_interface" => {
                let t = parse_track_interfaces(c, ctx, name, dynamic);
                g.track_interfaces.extend(t);
            }
            "track_script" => {
                let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Script);
                g.track_scripts.extend(t);
            }
            "track_file" => {
                let t = parse_track_refs(c, ctx, cfg, name, TrackKind::File);
                g.track_files.extend(t);
            }
            "track_process" => {
                let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Process);
                g.track_processes.extend(t);
            }
            "track_bfd" => {
                let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Bfd);
                g.track_bfds.extend(t);
            }
            kw
            @ ("notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify") => {
                let slot = match kw {
                    "notify_master" => &mut g.notify.master,
                    "notify_backup" => &mut g.notify.backup,
                    "notify_fault" => &mut g.notify.fault,
                    "notify_stop" => &mut g.notify.stop,
                    _ => &mut g.notify.notify,
                };
                if slot.is_some() {
                    ctx.invalid(
                        c,
                        format!("vrrp group {name}: {kw} script already specified - ignoring"),
                    );
                    continue;
                }
                *slot = notify_script(c, ctx);
            }
            "notify_priority_changes" => {
                g.notify_priority_changes = opt_bool(c, ctx, |s| {
                    format!("Invalid vrrp_group notify_priority_changes parameter {s}")
                });
            }
            "smtp_alert" => {
                if let Some(b) = opt_bool(c, ctx, |s| {
                    format!("Invalid vrrp_group smtp_alert parameter {s}")
                }) {
                    g.smtp_alert = Some(b);
                }
            }
            "global_tracking" => {
                ctx.invalid(
                    c,
                    format!("({name}) global_tracking is deprecated. Use track_interface/script/file on the sync group"),
                )
                .class(crate::ErrorClass::Deprecated);
                g.tracking_weight = true;
            }
            "sync_group_tracking_weight" => g.tracking_weight = true,
            _ => ctx.unknown(c),
        }
    }
    Some(g)
}
