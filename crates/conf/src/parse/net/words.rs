//! Reading the words of one address/route/rule line, with keepalived's value syntaxes.

use std::net::IpAddr;
use std::str::FromStr;

use super::rt_names::RtFile;
use crate::diag::ErrorClass;
use crate::model::{IpFamily, IpPrefix, Scope};
use crate::parse::Ctx;
use crate::tree::Node;

/// The words of a value-block line (its keyword and arguments) with a cursor.
pub(crate) struct Words<'n> {
    pub node: &'n Node,
    words: Vec<&'n str>,
    pos: usize,
}

impl<'n> Words<'n> {
    pub fn new(node: &'n Node) -> Words<'n> {
        let words = std::iter::once(node.keyword.as_str())
            .chain(node.args.iter().map(String::as_str))
            .collect();
        Words {
            node,
            words,
            pos: 0,
        }
    }

    /// The next word, consumed.
    pub fn next(&mut self) -> Option<&'n str> {
        let w = self.words.get(self.pos).copied();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }

    /// The next word, not consumed.
    pub fn peek(&self) -> Option<&'n str> {
        self.words.get(self.pos).copied()
    }

    /// The value after option `opt`, or a missing-parameter error.
    pub fn value(&mut self, ctx: &mut Ctx<'_>, opt: &str) -> Option<&'n str> {
        let v = self.next();
        if v.is_none() {
            ctx.error(
                self.node,
                ErrorClass::General,
                format!("No {opt} parameter specified"),
            );
        }
        v
    }
}

/// An address with an optional `/len`; `None` when it is not one.
pub(crate) fn parse_prefix_str(s: &str) -> Option<(IpAddr, Option<&str>)> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    IpAddr::from_str(a).ok().map(|a| (a, len))
}

/// Reads `ADDR[/LEN]`: an invalid length is reported and replaced by the family's maximum,
/// as keepalived does.
pub(crate) fn prefix(ctx: &mut Ctx<'_>, node: &Node, s: &str) -> Option<IpPrefix> {
    let (addr, len) = parse_prefix_str(s)?;
    let max = IpFamily::of(&addr).max_prefix();
    let len = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(v) if v <= max => v,
            _ => {
                ctx.error(
                    node,
                    ErrorClass::InvalidNumber,
                    format!("Invalid address prefix len {l} for address {s} - using {max}"),
                )
                .accepted(format!("0..{max}"));
                max
            }
        },
    };
    Some(IpPrefix { addr, len })
}

/// An unsigned number in `[min, max]`, decimal or `0x` hex, as `strtoul(.., 0)` reads it.
pub(crate) fn number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse::<u64>().ok()
    }
}

/// Reads an unsigned value in `[min, max]` after option `opt`, reporting `what` on error.
pub(crate) fn unsigned(
    ctx: &mut Ctx<'_>,
    node: &Node,
    opt: &str,
    s: &str,
    (min, max): (u64, u64),
) -> Option<u64> {
    match number(s) {
        Some(v) if v >= min && v <= max => Some(v),
        _ => {
            ctx.error(
                node,
                ErrorClass::InvalidNumber,
                format!("Invalid {opt} {s} specified"),
            )
            .accepted(format!("{min}..{max}"));
            None
        }
    }
}

/// `scope` values: names from iproute2's rt_scopes, or a number.
pub(crate) fn scope(s: &str) -> Option<Scope> {
    Some(match s {
        "global" | "universe" => Scope::Global,
        "site" => Scope::Site,
        "link" => Scope::Link,
        "host" => Scope::Host,
        "nowhere" => Scope::Nowhere,
        _ => {
            let v = u8::try_from(number(s)?).ok()?;
            match v {
                0 => Scope::Global,
                200 => Scope::Site,
                253 => Scope::Link,
                254 => Scope::Host,
                255 => Scope::Nowhere,
                v => Scope::Other(v),
            }
        }
    })
}

/// Routing table: a number, or a name of iproute2's default rt_tables.
pub(crate) fn table(s: &str) -> Option<u32> {
    Some(match s {
        "unspec" => 0,
        "default" => 253,
        "main" => 254,
        "local" => 255,
        _ => u32::try_from(number(s)?).ok()?,
    })
}

/// Route protocol: a number, or a name of iproute2's default rt_protos.
pub(crate) fn protocol(s: &str) -> Option<u8> {
    Some(match s {
        "unspec" => 0,
        "redirect" => 1,
        "kernel" => 2,
        "boot" => 3,
        "static" => 4,
        "gated" => 8,
        "ra" => 9,
        "mrt" => 10,
        "zebra" => 11,
        "bird" => 12,
        "dnrouted" => 13,
        "xorp" => 14,
        "ntk" => 15,
        "dhcp" => 16,
        "keepalived" => 18,
        "babel" => 42,
        "bgp" => 186,
        "isis" => 187,
        "ospf" => 188,
        "rip" => 189,
        "eigrp" => 192,
        _ => u8::try_from(number(s)?).ok()?,
    })
}

/// `realms [FROM/]TO`: numbers (realm names other than `unknown` are not known here).
pub(crate) fn realms(s: &str) -> Option<(u16, u16)> {
    let one = |r: &str| -> Option<u16> {
        if r == "unknown" {
            Some(0)
        } else {
            u16::try_from(number(r)?).ok()
        }
    };
    match s.split_once('/') {
        Some((a, b)) => Some((one(a)?, one(b)?)),
        None => Some((0, one(s)?)),
    }
}

/// `table`: a name of iproute2's rt_tables files, else [`table`].
pub(crate) fn rt_table(ctx: &mut Ctx<'_>, s: &str) -> Option<u32> {
    ctx.rt_names.lookup(RtFile::Tables, s).or_else(|| table(s))
}

/// `protocol`: a name of iproute2's rt_protos files, else [`protocol`].
pub(crate) fn rt_protocol(ctx: &mut Ctx<'_>, s: &str) -> Option<u8> {
    match ctx.rt_names.lookup(RtFile::Protos, s) {
        Some(p) => u8::try_from(p).ok(),
        None => protocol(s),
    }
}

/// `scope`: a name of iproute2's rt_scopes file, else [`scope`].
pub(crate) fn rt_scope(ctx: &mut Ctx<'_>, s: &str) -> Option<Scope> {
    match ctx.rt_names.lookup(RtFile::Scopes, s) {
        Some(id) => scope(&id.to_string()),
        None => scope(s),
    }
}

/// `realms [FROM/]TO`: names of iproute2's rt_realms file, else [`realms`].
pub(crate) fn rt_realms(ctx: &mut Ctx<'_>, s: &str) -> Option<(u16, u16)> {
    let mut one = |r: &str| -> Option<String> {
        Some(match ctx.rt_names.lookup(RtFile::Realms, r) {
            Some(id) => id.to_string(),
            None => r.to_owned(),
        })
    };
    match s.split_once('/') {
        Some((a, b)) => realms(&format!("{}/{}", one(a)?, one(b)?)),
        None => realms(&one(s)?),
    }
}

/// A `tos`/`dsfield` or `suppress_ifgroup` value: a name of iproute2's `file` as its
/// number, else the word itself (read as a number by the caller).
pub(crate) fn rt_number(ctx: &mut Ctx<'_>, file: RtFile, s: &str) -> String {
    ctx.rt_names
        .lookup(file, s)
        .map_or_else(|| s.to_owned(), |id| id.to_string())
}

/// Checks that an interface exists, as keepalived does for `dev`, `iif`, `oif`.
pub(crate) fn check_interface(
    ctx: &mut Ctx<'_>,
    node: &Node,
    ifname: &str,
    what: &str,
    dynamic: bool,
) {
    if !dynamic && !ctx.host.interface_exists(ifname) {
        ctx.error(
            node,
            ErrorClass::BadInterface,
            format!("WARNING - interface {ifname} for {what} doesn't exist"),
        );
    }
}
