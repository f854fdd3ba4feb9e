//! Blocks shared by instances and sync groups: `track_interface`, `track_script`,
//! `track_file`, `track_process`, `track_bfd`, and the notify script keywords.

use crate::diag::ErrorClass;
use crate::model::{Config, Script, TrackRef, TrackedInterface};
use crate::parse::Ctx;
use crate::tree::Node;

/// Which kind of tracked object a `track_*` block names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TrackKind {
    Script,
    File,
    Process,
    Bfd,
}

impl TrackKind {
    fn what(self) -> &'static str {
        match self {
            TrackKind::Script => "script",
            TrackKind::File => "file",
            TrackKind::Process => "process",
            TrackKind::Bfd => "bfd",
        }
    }

    /// keepalived reads weights in [-254, 254]; scripts and BFD then refuse ±254.
    fn clamps_254(self) -> bool {
        matches!(self, TrackKind::Script | TrackKind::Bfd)
    }

    fn exists(self, cfg: &Config, name: &str) -> bool {
        match self {
            TrackKind::Script => cfg.vrrp.script(name).is_some(),
            TrackKind::File => cfg.vrrp.track_file(name).is_some(),
            TrackKind::Process => cfg.vrrp.track_process(name).is_some(),
            // keepalived's VRRP process frees a bfd_instance whose events go to the checker
            // process only (bfd_vrrp_end_handler): tracking it is "not found".
            TrackKind::Bfd => cfg.bfd.iter().any(|b| b.name == name && b.notifies_vrrp()),
        }
    }
}

/// Reads `weight W` at `args[i]` in [-254, 254]; with `clamp`, ±254 becomes ±253 with an error.
fn weight(ctx: &mut Ctx<'_>, line: &Node, i: usize, owner: &str, clamp: bool) -> Option<i32> {
    let w = ctx.int(line, i, -254, 254)?;
    if clamp && w.abs() == 254 {
        ctx.invalid(
            line,
            format!(
                "({owner}) weight for {} cannot be +/-254. Setting to +/-253",
                line.keyword
            ),
        )
        .accepted("-253..253");
        return Some(w.signum() * 253);
    }
    Some(w)
}

/// Reads `[weight W [reverse|noreverse]]` after a tracked name. `label` names the block in
/// keepalived's messages (`track_script`, `track_interface`, ...).
fn weight_options(
    ctx: &mut Ctx<'_>,
    line: &Node,
    owner: &str,
    kind: Option<TrackKind>,
) -> (Option<i32>, Option<bool>) {
    let name = &line.keyword;
    let Some(first) = line.arg(0) else {
        return (None, None);
    };
    if first != "weight" {
        let msg = match kind {
            Some(k) => format!(
                "({owner}) unknown track {} option {first} - ignoring",
                k.what()
            ),
            None => format!("({owner}) unknown track_interface {name} option {first} - ignoring"),
        };
        ctx.invalid(line, msg).accepted("weight W [reverse]");
        return (None, None);
    }
    let clamp = kind.map_or(true, TrackKind::clamps_254);
    let w = weight(ctx, line, 1, owner, clamp);
    let reverse = match line.arg(2) {
        None => None,
        Some("reverse") => Some(true),
        Some("noreverse") if kind.is_some() => Some(false),
        Some(o) => {
            // keepalived's own spelling of this message.
            let label = match kind {
                Some(k) => format!("track_{}", k.what()),
                None => "track_interace".to_owned(),
            };
            ctx.invalid(
                line,
                format!("({owner}) unknown {label} {name} weight option {o} - ignoring"),
            )
            .accepted("reverse|noreverse");
            None
        }
    };
    (w, reverse)
}

/// `track_script|file|process|bfd { NAME [weight W [reverse|noreverse]] ... }`. Objects must
/// be defined before the block that tracks them, as in keepalived.
pub(super) fn parse_track_refs(
    node: &Node,
    ctx: &mut Ctx<'_>,
    cfg: &Config,
    owner: &str,
    kind: TrackKind,
) -> Vec<TrackRef> {
    let mut out: Vec<TrackRef> = Vec::new();
    for line in ctx.block(node).unwrap_or(&[]) {
        let name = &line.keyword;
        if !kind.exists(cfg, name) {
            ctx.invalid(
                line,
                format!(
                    "({owner}) track {} {name} not found, ignoring...",
                    kind.what()
                ),
            );
            continue;
        }
        if out.iter().any(|r| &r.name == name) {
            ctx.invalid(
                line,
                format!(
                    "({owner}) duplicate track_{} {name} - ignoring",
                    kind.what()
                ),
            );
            continue;
        }
        let (weight, reverse) = weight_options(ctx, line, owner, Some(kind));
        out.push(TrackRef {
            name: name.clone(),
            weight,
            reverse,
            loc: line.loc.clone(),
        });
    }
    out
}

/// `track_interface { IFNAME [weight W [reverse]] ... }`.
pub(super) fn parse_track_interfaces(
    node: &Node,
    ctx: &mut Ctx<'_>,
    owner: &str,
    dynamic: bool,
) -> Vec<TrackedInterface> {
    let mut out: Vec<TrackedInterface> = Vec::new();
    for line in ctx.block(node).unwrap_or(&[]) {
        let name = &line.keyword;
        if !dynamic && !ctx.host.interface_exists(name) {
            ctx.error(
                line,
                ErrorClass::BadInterface,
                format!("({owner}) tracked interface {name} doesn't exist"),
            );
            continue;
        }
        if out.iter().any(|t| &t.name == name) {
            ctx.invalid(
                line,
                format!("({owner}) duplicate track_interface {name} - ignoring"),
            );
            continue;
        }
        let (weight, reverse) = weight_options(ctx, line, owner, None);
        out.push(TrackedInterface {
            name: name.clone(),
            weight: weight.unwrap_or(0),
            reverse: reverse.unwrap_or(false),
            loc: line.loc.clone(),
        });
    }
    out
}

/// `notify_* SCRIPT [USERNAME [GROUPNAME]]`: the script is the first word (quoted when it
/// has arguments), then optional user and group.
pub(super) fn notify_script(node: &Node, ctx: &mut Ctx<'_>) -> Option<Script> {
    ctx.no_block(node);
    let first = ctx.arg(node, 0)?;
    let mut s = Script::from_words(&[first.to_owned()], &node.keyword, &node.loc)?;
    s.user = node.arg(1).map(str::to_owned);
    s.group = node.arg(2).map(str::to_owned);
    ctx.register_script(&s);
    Some(s)
}

/// keepalived's optional `<BOOL>` after a keyword; `owner_msg` is its message on a bad word.
pub(super) fn opt_bool(
    node: &Node,
    ctx: &mut Ctx<'_>,
    bad_msg: impl FnOnce(&str) -> String,
) -> Option<bool> {
    match node.arg(0) {
        None => Some(true),
        Some(s) => match crate::parse::parse_bool(s) {
            Some(b) => Some(b),
            None => {
                ctx.invalid(node, bad_msg(s))
                    .accepted("on|off|true|false|yes|no");
                None
            }
        },
    }
}
