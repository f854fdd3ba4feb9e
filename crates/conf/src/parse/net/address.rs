//! One address line: `<IPADDR>[/<MASK>] [brd ..] [dev ..] [scope ..] [label ..] ...`.

use std::net::IpAddr;

use super::words::{check_interface, number, prefix, rt_scope, Words};
use crate::diag::ErrorClass;
use crate::model::{Broadcast, IpAddressSpec, IpFamily, PreferredLifetime};
use crate::parse::Ctx;
use crate::tree::Node;

/// Which block an address line is in: some options belong to one kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressKind {
    /// `static_ipaddress`: `track_group` allowed.
    Static,
    /// `virtual_ipaddress` / `virtual_ipaddress_excluded`: `use_vmac` allowed.
    Virtual,
}

/// Longest interface name/label (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

/// Parses one address line; `None` (after an error) when the address itself is invalid.
pub(crate) fn parse_address(
    node: &Node,
    ctx: &mut Ctx<'_>,
    kind: AddressKind,
    dynamic: bool,
) -> Option<IpAddressSpec> {
    ctx.no_block(node);
    let mut w = Words::new(node);
    let first = w.next()?;
    let Some(pfx) = prefix(ctx, node, first) else {
        ctx.invalid(
            node,
            format!("VRRP parsed invalid IP {first}. skipping IP..."),
        )
        .accepted("<IPADDR>[/<MASK>]");
        return None;
    };
    let mut a = IpAddressSpec::new(pfx, node.loc.clone());
    let v4 = a.family() == IpFamily::V4;
    let prefix_given = first.contains('/');
    while let Some(opt) = w.next() {
        if matches!(
            opt,
            "dev"
                | "scope"
                | "broadcast"
                | "brd"
                | "label"
                | "peer"
                | "preferred_lft"
                | "track_group"
        ) && w.peek().is_none()
        {
            ctx.invalid(node, format!("No {opt} parameter specified for {first}"));
            break;
        }
        match opt {
            "dev" => {
                let Some(d) = w.value(ctx, opt) else { break };
                check_interface(ctx, node, d, &format!("ip address {first}"), dynamic);
                a.dev = Some(d.to_owned());
            }
            "scope" => {
                let Some(s) = w.value(ctx, opt) else { break };
                match rt_scope(ctx, s) {
                    Some(_) if !v4 => {
                        ctx.invalid(
                            node,
                            format!("Cannot specify scope for IPv6 addresses ({first}) - ignoring scope"),
                        );
                    }
                    Some(sc) => a.scope = Some(sc),
                    None => {
                        ctx.invalid(
                            node,
                            format!("Invalid scope '{s}' specified for {first} - ignoring"),
                        )
                        .accepted("site|link|host|nowhere|global|0..255");
                    }
                }
            }
            "broadcast" | "brd" => {
                let Some(b) = w.value(ctx, opt) else { break };
                let parsed = match b {
                    "+" => Some(Broadcast::HostBitsSet),
                    "-" => Some(Broadcast::HostBitsCleared),
                    _ => match b.parse::<IpAddr>() {
                        Ok(IpAddr::V4(x)) => Some(Broadcast::Addr(x)),
                        _ => None,
                    },
                };
                match parsed {
                    Some(p) if v4 => a.broadcast = Some(p),
                    Some(_) => {
                        ctx.invalid(
                            node,
                            format!("VRRP is trying to assign a broadcast {opt} to the IPv6 address {first} !!?? WTF... skipping VIP..."),
                        );
                        return None;
                    }
                    None => {
                        ctx.invalid(node, format!("Invalid broadcast address {b} - ignoring"))
                            .accepted("an IPv4 address, + or -");
                    }
                }
            }
            "label" => {
                let Some(l) = w.value(ctx, opt) else { break };
                if l.len() > IFNAME_MAX {
                    ctx.invalid(
                        node,
                        format!("Address label {l} is longer than maximum length {IFNAME_MAX} - removing address"),
                    )
                    .accepted(format!("at most {IFNAME_MAX} characters"));
                    return None;
                } else if !v4 {
                    ctx.invalid(
                        node,
                        format!(
                            "Cannot specify label for IPv6 addresses ({first}) - ignoring label"
                        ),
                    );
                } else {
                    a.label = Some(l.to_owned());
                }
            }
            "peer" => {
                let Some(p) = w.value(ctx, opt) else { break };
                match p.parse::<IpAddr>() {
                    Ok(pa) if IpFamily::of(&pa) == a.family() => {
                        a.peer = Some(crate::model::IpPrefix::host(pa));
                    }
                    _ => {
                        ctx.invalid(node, format!("Invalid peer address {p}"));
                        ctx.invalid(node, format!("VRRP parsed invalid IP {p}. skipping IP..."));
                        return None;
                    }
                }
            }
            "home" => a.home = true,
            "-nodad" => a.nodad = true,
            "mngtmpaddr" => a.mngtmpaddr = true,
            "noprefixroute" => a.noprefixroute = true,
            "autojoin" => a.autojoin = true,
            "no_track" => a.no_track = true,
            "preferred_lft" => {
                let Some(p) = w.value(ctx, opt) else { break };
                if p == "forever" {
                    a.preferred_lft = Some(PreferredLifetime::Forever);
                } else {
                    match number(p).and_then(|n| u32::try_from(n).ok()) {
                        Some(n) => a.preferred_lft = Some(PreferredLifetime::Secs(n)),
                        None => {
                            ctx.error(
                                node,
                                ErrorClass::InvalidNumber,
                                format!("preferred_lft {p} is invalid"),
                            )
                            .accepted("forever|0..4294967295");
                        }
                    }
                }
            }
            "track_group" if kind == AddressKind::Static => {
                let Some(g) = w.value(ctx, opt) else { break };
                a.track_group = Some(g.to_owned());
            }
            "use_vmac" if kind == AddressKind::Virtual => a.use_vmac = true,
            _ => {
                ctx.invalid(
                    node,
                    format!("Unknown configuration entry '{opt}' for ip address - ignoring"),
                )
                .accepted("brd dev scope label peer home -nodad mngtmpaddr noprefixroute autojoin preferred_lft no_track track_group|use_vmac");
            }
        }
    }
    if a.peer.is_some() {
        if prefix_given {
            ctx.invalid(
                node,
                "Cannot specify address prefix when specifying peer address - ignoring",
            );
            a.prefix.len = a.family().max_prefix();
        }
        if a.broadcast.take().is_some() {
            ctx.invalid(
                node,
                "Cannot specify broadcast and peer addresses - ignoring broadcast address",
            );
        }
    }
    Some(a)
}
