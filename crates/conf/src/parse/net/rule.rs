//! One rule line, as `ip rule add` takes it (without abbreviations).

use super::route::note;
use super::rt_names::RtFile;
use super::words::{
    check_interface, number, prefix, rt_number, rt_protocol, rt_realms, rt_table, unsigned, Words,
};
use crate::model::{
    IpFamily, IpPrefix, Range, Rule, RuleAction, RTPROT_KEEPALIVED, RULE_DEFAULT_PRIORITY,
};
use crate::parse::Ctx;
use crate::tree::Node;

/// Parses one rule line of `static_rules` (`is_static`) or `virtual_rules`.
pub(crate) fn parse_rule(
    node: &Node,
    ctx: &mut Ctx<'_>,
    is_static: bool,
    dynamic: bool,
) -> Option<Rule> {
    ctx.no_block(node);
    let mut w = Words::new(node);
    let mut r = Rule::new(node.loc.clone());
    let mut family: Option<IpFamily> = None;
    let mut all_from = false;
    let mut all_to = false;
    while let Some(opt) = w.next() {
        match opt {
            "not" => r.invert = true,
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
            "from" | "to" => {
                let v = w.value(ctx, opt)?;
                let p = if v == "all" {
                    if opt == "from" {
                        all_from = true;
                    } else {
                        all_to = true;
                    }
                    None
                } else {
                    match prefix(ctx, node, v) {
                        Some(p) if note(ctx, node, &mut family, &p.addr, "rule") => Some(p),
                        Some(_) => return None,
                        None => {
                            ctx.invalid(node, format!("Invalid rule {opt} address {v}"));
                            None
                        }
                    }
                };
                if opt == "from" {
                    r.from = p;
                } else {
                    r.to = p;
                }
            }
            "priority" | "preference" | "order" => {
                let v = w.value(ctx, opt)?;
                {
                    let n = unsigned(ctx, node, "rule preference", v, (0, u64::from(u32::MAX)))?;
                    r.priority = Some(n as u32);
                }
            }
            "table" | "lookup" => {
                let v = w.value(ctx, opt)?;
                match rt_table(ctx, v) {
                    Some(t) => set_action(ctx, node, &mut r, RuleAction::Table(t)),
                    None => {
                        ctx.invalid(node, format!("Routing table {v} not found for rule"));
                        return None;
                    }
                }
            }
            "goto" => {
                let v = w.value(ctx, opt)?;
                {
                    let n = unsigned(ctx, node, "goto target", v, (0, u64::from(u32::MAX)))?;
                    set_action(ctx, node, &mut r, RuleAction::Goto(n as u32));
                }
            }
            "blackhole" => set_action(ctx, node, &mut r, RuleAction::Blackhole),
            "unreachable" => set_action(ctx, node, &mut r, RuleAction::Unreachable),
            "prohibit" => set_action(ctx, node, &mut r, RuleAction::Prohibit),
            "nop" => set_action(ctx, node, &mut r, RuleAction::Nop),
            "l3mdev" => set_action(ctx, node, &mut r, RuleAction::L3mdev),
            "tos" | "dsfield" => {
                let v = w.value(ctx, opt)?;
                {
                    let v = rt_number(ctx, RtFile::Dsfield, v);
                    let n = unsigned(ctx, node, "tos", &v, (0, 255))?;
                    r.tos = Some(n as u8);
                }
            }
            "fwmark" => {
                let v = w.value(ctx, opt)?;
                let (m, mask) = match v.split_once('/') {
                    Some((m, k)) => (m, Some(k)),
                    None => (v, None),
                };
                let m = number(m).and_then(|x| u32::try_from(x).ok());
                let mask = mask.map(|k| number(k).and_then(|x| u32::try_from(x).ok()));
                match (m, mask) {
                    (Some(m), None) => r.fwmark = Some((m, None)),
                    (Some(m), Some(Some(k))) => r.fwmark = Some((m, Some(k))),
                    _ => {
                        ctx.invalid(node, format!("Invalid rule fwmark {v}"))
                            .accepted("MARK[/MASK]");
                        return None;
                    }
                }
            }
            "realms" => {
                let v = w.value(ctx, opt)?;
                match rt_realms(ctx, v) {
                    Some(x) => r.realms = Some(x),
                    None => {
                        ctx.invalid(node, format!("Invalid rule realms {v}"));
                        return None;
                    }
                }
            }
            "iif" | "dev" => {
                let d = w.value(ctx, opt)?;
                check_interface(ctx, node, d, "rule", dynamic);
                r.iif = Some(d.to_owned());
            }
            "oif" => {
                let d = w.value(ctx, opt)?;
                check_interface(ctx, node, d, "rule", dynamic);
                r.oif = Some(d.to_owned());
            }
            "suppress_prefixlength" => {
                let v = w.value(ctx, opt)?;
                {
                    let n = unsigned(ctx, node, "suppress_prefixlength", v, (0, 128))?;
                    r.suppress_prefixlen = Some(n as u32);
                }
            }
            "suppress_ifgroup" => {
                let v = w.value(ctx, opt)?;
                {
                    let v = rt_number(ctx, RtFile::Groups, v);
                    let n = unsigned(ctx, node, "suppress_ifgroup", &v, (0, u64::from(u32::MAX)))?;
                    r.suppress_ifgroup = Some(n as u32);
                }
            }
            "uidrange" => {
                let v = w.value(ctx, opt)?;
                match range(v) {
                    Some((a, b)) if a <= b && b <= u64::from(u32::MAX) => {
                        r.uidrange = Some(Range {
                            start: a as u32,
                            end: b as u32,
                        })
                    }
                    _ => {
                        ctx.invalid(node, "Invalid uidrange uidrange specified")
                            .accepted("UID-UID");
                        return None;
                    }
                }
            }
            "sport" | "dport" => {
                let v = w.value(ctx, opt)?;
                match range(v) {
                    Some((a, b)) if a <= b && b <= 65535 => {
                        let pr = Some(Range {
                            start: a as u16,
                            end: b as u16,
                        });
                        if opt == "sport" {
                            r.sport = pr;
                        } else {
                            r.dport = pr;
                        }
                    }
                    _ => {
                        ctx.invalid(node, format!("invalid {opt} range {v}"))
                            .accepted("PORT-PORT, 0..65535");
                        return None;
                    }
                }
            }
            "ipproto" => {
                let v = w.value(ctx, opt)?;
                match ip_protocol(v) {
                    Some(p) => r.ipproto = Some(p),
                    None => {
                        ctx.invalid(node, format!("Invalid ip_proto {v}"));
                        return None;
                    }
                }
            }
            "protocol" => {
                let v = w.value(ctx, opt)?;
                match rt_protocol(ctx, v) {
                    Some(p) => r.protocol = Some(p),
                    None => {
                        ctx.invalid(node, format!("Invalid rule protocol {v}"));
                        return None;
                    }
                }
            }
            "no_track" => r.no_track = true,
            "track_group" if is_static => r.track_group = Some(w.value(ctx, opt)?.to_owned()),
            _ => {
                ctx.invalid(node, format!("Unknown rule option {opt}"))
                    .accepted("ip rule add options");
                return None;
            }
        }
    }
    r.family = family.unwrap_or(IpFamily::V4);
    let all = IpPrefix {
        addr: r.family.unspecified(),
        len: 0,
    };
    if all_from && r.from.is_none() {
        r.from = Some(all);
    }
    if all_to && r.to.is_none() {
        r.to = Some(all);
    }
    let Some(action) = r.action else {
        ctx.invalid(node, "No action specified for rule - ignoring");
        return None;
    };
    let suppressors =
        r.realms.is_some() || r.suppress_prefixlen.is_some() || r.suppress_ifgroup.is_some();
    if suppressors && !matches!(action, RuleAction::Table(_)) {
        ctx.invalid(
            node,
            "suppressor/realm specified for non table action - skipping",
        );
        return None;
    }
    if let (RuleAction::Goto(target), Some(pref)) = (action, r.priority) {
        if pref >= target {
            ctx.invalid(
                node,
                format!("Invalid rule - preference {pref} >= goto target {target}"),
            );
        }
    }
    if r.priority.is_none() {
        ctx.invalid(
            node,
            format!("Rule has no preference specified - setting to {RULE_DEFAULT_PRIORITY}. This is probably not what you want."),
        );
    }
    if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) && !r.no_track {
        ctx.invalid(
            node,
            "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol",
        );
        r.protocol = Some(RTPROT_KEEPALIVED);
    }
    Some(r)
}

/// Sets the rule's action: `l3mdev` excludes any other.
fn set_action(ctx: &mut Ctx<'_>, node: &Node, r: &mut Rule, a: RuleAction) {
    match (r.action, a) {
        (Some(RuleAction::L3mdev), b) if b != RuleAction::L3mdev => {
            ctx.invalid(node, "Cannot specify l3mdev with other action");
        }
        (Some(b), RuleAction::L3mdev) if b != RuleAction::L3mdev => {
            ctx.invalid(node, "Cannot specify l3mdev with other action");
        }
        _ => r.action = Some(a),
    }
}

/// `A-B`: keepalived wants both ends even for a single port.
fn range(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once('-')?;
    Some((number(a)?, number(b)?))
}

fn ip_protocol(s: &str) -> Option<u8> {
    Some(match s.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "igmp" => 2,
        "tcp" => 6,
        "udp" => 17,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "ipv6-icmp" | "icmpv6" => 58,
        "sctp" => 132,
        "udplite" => 136,
        _ => u8::try_from(number(s)?).ok()?,
    })
}
