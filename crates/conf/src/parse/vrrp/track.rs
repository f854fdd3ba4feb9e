//! Tracking objects: `vrrp_script`, `track_file`, `vrrp_track_process`, and the small
//! `garp_group` and `track_group` blocks.

use std::time::Duration;

use crate::model::{
    Config, GarpGroup, InterfaceDelays, ParamMatch, Script, TrackFile, TrackFileInit, TrackGroup,
    TrackProcess, VrrpScript,
};
use crate::parse::Ctx;
use crate::tree::Node;

/// The name of a named root block, or an error.
fn block_name<'n>(node: &'n Node, ctx: &mut Ctx<'_>) -> Option<&'n str> {
    let name = node.arg(0);
    if name.is_none() {
        ctx.invalid(
            node,
            format!("{} must have a name - skipping", node.keyword),
        );
    }
    name
}

/// `vrrp_script NAME { ... }`; dropped (with an error) when it has no `script`.
pub(super) fn parse_script(node: &Node, ctx: &mut Ctx<'_>) -> Option<VrrpScript> {
    let name = block_name(node, ctx)?.to_owned();
    let block = ctx.block(node)?;
    let mut script: Option<Script> = None;
    let mut user: Option<(String, Option<String>)> = None;
    let mut s = VrrpScript {
        name: name.clone(),
        loc: node.loc.clone(),
        script: Script {
            argv: Vec::new(),
            user: None,
            group: None,
            keyword: "script".into(),
            loc: node.loc.clone(),
        },
        interval: Duration::from_secs(1),
        timeout: None,
        weight: 0,
        weight_reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
    };
    for c in block {
        match c.keyword.as_str() {
            "script" => {
                if ctx.arg(c, 0).is_some() {
                    script = Script::from_words(&c.args, "script", &c.loc);
                }
            }
            "interval" | "timeout" => {
                let kw = c.keyword.as_str();
                let Some(v) = ctx.arg(c, 0) else { continue };
                let secs = match v.parse::<u32>() {
                    Ok(0) => {
                        ctx.invalid(
                            c,
                            format!(
                                "({name}): vrrp script {kw} must be greater than 0, setting to 1"
                            ),
                        )
                        .accepted("1..4294");
                        Some(1)
                    }
                    Ok(n) if n <= 4294 => Some(n),
                    _ => {
                        let msg = if kw == "interval" {
                            format!("({name}): vrrp script interval '{v}' must be between 1 and 4294 - ignoring")
                        } else {
                            format!("({name}): vrrp script timeout '{v}' invalid - ignoring")
                        };
                        ctx.error(c, crate::ErrorClass::InvalidNumber, msg)
                            .accepted("1..4294");
                        None
                    }
                };
                if let Some(n) = secs {
                    let d = Duration::from_secs(u64::from(n));
                    if kw == "interval" {
                        s.interval = d;
                    } else {
                        s.timeout = Some(d);
                    }
                }
            }
            "weight" => {
                if let Some(w) = ctx.int(c, 0, -253, 253) {
                    s.weight = w;
                }
                match c.arg(1) {
                    None => {}
                    Some("reverse") => s.weight_reverse = true,
                    Some(o) => {
                        ctx.invalid(c, format!("({name}) unknown weight option {o}"))
                            .accepted("reverse");
                    }
                }
            }
            "rise" | "fall" => {
                let kw = c.keyword.as_str();
                match ctx.unsigned(c, 0, 1, i32::MAX as u32) {
                    Some(v) if kw == "rise" => s.rise = v,
                    Some(v) => s.fall = v,
                    None => {}
                }
            }
            "user" => {
                if let Some(u) = ctx.arg(c, 0) {
                    user = Some((u.to_owned(), c.arg(1).map(str::to_owned)));
                }
            }
            "init_fail" => s.init_fail = true,
            _ => ctx.unknown(c),
        }
    }
    let Some(mut script) = script else {
        ctx.invalid(
            node,
            format!("No script set for vrrp_script {name} - removing"),
        );
        return None;
    };
    if let Some((u, g)) = user {
        script.user = Some(u);
        script.group = g;
    }
    ctx.register_script(&script);
    s.script = script;
    Some(s)
}

/// `track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] }`.
pub(super) fn parse_track_file(node: &Node, ctx: &mut Ctx<'_>) -> Option<TrackFile> {
    let name = block_name(node, ctx)?.to_owned();
    let block = ctx.block(node)?;
    let mut f = TrackFile {
        name: name.clone(),
        loc: node.loc.clone(),
        file: String::new(),
        weight: 1,
        weight_reverse: false,
        init: None,
    };
    for c in block {
        match c.keyword.as_str() {
            "file" => {
                if let Some(p) = ctx.arg(c, 0) {
                    f.file = p.to_owned();
                }
            }
            "weight" => {
                if let Some(w) = ctx.int(c, 0, -254, 254) {
                    f.weight = w;
                }
                match c.arg(1) {
                    None => {}
                    Some("reverse") => f.weight_reverse = true,
                    Some(o) => {
                        ctx.invalid(c, format!("({name}) unknown weight option {o}"))
                            .accepted("reverse");
                    }
                }
            }
            "init_file" => {
                let mut init = TrackFileInit {
                    value: 0,
                    overwrite: false,
                };
                for a in &c.args {
                    if a == "overwrite" {
                        init.overwrite = true;
                    } else if let Ok(v) = a.parse::<i64>() {
                        init.value = v;
                    } else {
                        ctx.invalid(c, format!("Unknown track file init option {a}"))
                            .accepted("[VALUE] [overwrite]");
                    }
                }
                f.init = Some(init);
            }
            _ => ctx.unknown(c),
        }
    }
    if f.file.is_empty() {
        ctx.invalid(
            node,
            format!("No file set for track_file {name} - ignoring"),
        );
        return None;
    }
    Some(f)
}

/// `vrrp_track_process NAME { process ...; weight; quorum; ... }`.
pub(super) fn parse_track_process(node: &Node, ctx: &mut Ctx<'_>) -> Option<TrackProcess> {
    let name = block_name(node, ctx)?.to_owned();
    let block = ctx.block(node)?;
    let mut p = TrackProcess {
        name: name.clone(),
        loc: node.loc.clone(),
        process: Vec::new(),
        param_match: None,
        // keepalived's alloc_vrrp_process leaves it 0: a missing process is FAULT.
        weight: 0,
        weight_reverse: false,
        quorum: 1,
        quorum_max: None,
        fork_delay: Duration::ZERO,
        terminate_delay: Duration::ZERO,
        full_command: false,
    };
    for c in block {
        match c.keyword.as_str() {
            "process" => {
                if ctx.arg(c, 0).is_some() {
                    p.process = c.args.clone();
                    // keepalived: parameters mean the whole command line is matched.
                    if c.args.len() > 1 {
                        p.full_command = true;
                    }
                }
            }
            // keepalived: param_match also means the whole command line is matched.
            "param_match" => match c.arg(0) {
                Some("partial") => {
                    (p.param_match, p.full_command) = (Some(ParamMatch::Partial), true)
                }
                Some("initial") => {
                    (p.param_match, p.full_command) = (Some(ParamMatch::Initial), true)
                }
                None => (p.param_match, p.full_command) = (Some(ParamMatch::Full), true),
                Some(o) => {
                    ctx.invalid(c, format!("Invalid param_match type {o} - ignoring"))
                        .accepted("initial|partial");
                }
            },
            "weight" => {
                match c.arg(0).map(|s| s.parse::<i32>()) {
                    Some(Ok(w)) if (-254..=254).contains(&w) => p.weight = w,
                    Some(_) => {
                        let v = c.arg(0).unwrap_or_default();
                        ctx.error(
                            c,
                            crate::ErrorClass::InvalidNumber,
                            format!("Weight ({v}) for vrrp_track_process {name} must be between [-254..254] inclusive. Ignoring..."),
                        )
                        .accepted("-254..254");
                    }
                    None => {
                        ctx.arg(c, 0);
                    }
                }
                if c.arg(1) == Some("reverse") {
                    p.weight_reverse = true;
                }
            }
            "quorum" | "quorum_max" => {
                let kw = c.keyword.as_str();
                let min = if kw == "quorum" { 1 } else { 0 };
                let Some(v) = ctx.arg(c, 0) else { continue };
                match v.parse::<u32>() {
                    Ok(n) if (min..=65535).contains(&n) => {
                        if kw == "quorum" {
                            p.quorum = n;
                        } else if n < p.quorum {
                            ctx.invalid(c, "quorum_max is less than quorum - ignoring");
                        } else {
                            p.quorum_max = Some(n);
                        }
                    }
                    _ => {
                        let what = if kw == "quorum" {
                            "Quorum"
                        } else {
                            "Quorum max"
                        };
                        ctx.error(
                            c,
                            crate::ErrorClass::InvalidNumber,
                            format!("{what} ({v}) for vrrp_track_process {name} must be between [{min}..65535] inclusive. Ignoring..."),
                        )
                        .accepted(format!("{min}..65535"));
                    }
                }
            }
            "fork_delay" | "terminate_delay" | "delay" => {
                if let Some(d) = ctx.timer(c, 0, 0.0, 4294.0) {
                    match c.keyword.as_str() {
                        "fork_delay" => p.fork_delay = d,
                        "terminate_delay" => p.terminate_delay = d,
                        _ => {
                            p.fork_delay = d;
                            p.terminate_delay = d;
                        }
                    }
                }
            }
            "full_command" => p.full_command = true,
            _ => ctx.unknown(c),
        }
    }
    if p.process.is_empty() {
        ctx.invalid(
            node,
            format!("track process '{name}' process name not specified"),
        );
        return None;
    }
    Some(p)
}

/// `garp_group { garp_interval; gna_interval; interface; interfaces { } }`.
pub(super) fn parse_garp_group(node: &Node, ctx: &mut Ctx<'_>, dynamic: bool) -> Option<GarpGroup> {
    let block = ctx.block(node)?;
    let mut g = GarpGroup {
        loc: node.loc.clone(),
        garp_interval: None,
        gna_interval: None,
        interfaces: Vec::new(),
    };
    let add_if = |ctx: &mut Ctx<'_>, n: &Node, name: &str, g: &mut GarpGroup| {
        if !dynamic && !ctx.host.interface_exists(name) {
            ctx.error(
                n,
                crate::ErrorClass::BadInterface,
                format!("WARNING - interface {name} specified for garp_group doesn't exist"),
            );
        }
        g.interfaces.push(name.to_owned());
    };
    for c in block {
        match c.keyword.as_str() {
            "garp_interval" => g.garp_interval = ctx.timer(c, 0, 0.000001, 4294.967295),
            "gna_interval" => g.gna_interval = ctx.timer(c, 0, 0.000001, 4294.967295),
            "interface" => {
                if let Some(i) = ctx.arg(c, 0) {
                    add_if(ctx, c, i, &mut g);
                }
            }
            "interfaces" => {
                for (w, n) in c.block_words() {
                    add_if(ctx, n, w, &mut g);
                }
            }
            _ => ctx.unknown(c),
        }
    }
    Some(g)
}

/// `track_group NAME { group { INSTANCE ... } }`.
pub(super) fn parse_track_group(node: &Node, ctx: &mut Ctx<'_>) -> Option<TrackGroup> {
    let name = block_name(node, ctx)?.to_owned();
    let block = ctx.block(node)?;
    let mut g = TrackGroup {
        name,
        loc: node.loc.clone(),
        members: Vec::new(),
    };
    for c in block {
        match c.keyword.as_str() {
            "group" => g.members.extend(c.block_words().map(|(w, _)| w.to_owned())),
            _ => ctx.unknown(c),
        }
    }
    Some(g)
}

/// `interface_up_down_delays { IFNAME DOWN [UP] ... }`: seconds in [0, 255].
pub(super) fn parse_interface_delays(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) {
    let dynamic = cfg.global.dynamic_interfaces;
    for line in ctx.block(node).unwrap_or(&[]) {
        let name = &line.keyword;
        if !dynamic && !ctx.host.interface_exists(name) {
            ctx.error(
                line,
                crate::ErrorClass::BadInterface,
                format!("unknown interface {name} specified for up/down delay"),
            );
            continue;
        }
        let Some(down) = ctx.timer(line, 0, 0.0, 255.0) else {
            continue;
        };
        let up = if line.arg(1).is_some() {
            match ctx.timer(line, 1, 0.0, 255.0) {
                Some(u) => u,
                None => continue,
            }
        } else {
            // keepalived's alloc_if_up_down_delay sets 0 here (its man page says "the same
            // as the down delay"; the code is what runs).
            Duration::ZERO
        };
        cfg.vrrp.interface_delays.push(InterfaceDelays {
            ifname: name.clone(),
            down,
            up,
        });
    }
}
