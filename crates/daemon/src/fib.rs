//! Configured addresses, routes and rules (conf model) -> netlink requests (net specs).
//! Interface names are resolved through a name -> ifindex map read at start-up.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use keepalived_conf::model::VrrpConfig;
use keepalived_conf::model::{
    Broadcast, IpAddressSpec, IpFamily, PreferredLifetime, Route, RouteType, Rule,
    RuleAction as ConfRuleAction,
};
use keepalived_net::{
    AddressSpec, FibGroups, RouteEntry, RouteKind, RouteSpec, RuleAction, RuleSpec, Scope,
    RTPROT_KEEPALIVED,
};

/// Interface name -> ifindex.
pub type Ifindexes = HashMap<String, u32>;

pub use crate::error::FibError;

fn ifindex(names: &Ifindexes, name: &str) -> Result<u32, FibError> {
    names
        .get(name)
        .copied()
        .ok_or_else(|| FibError::NoInterface(name.to_owned()))
}

fn broadcast(addr: IpAddr, len: u8, b: Broadcast) -> Option<Ipv4Addr> {
    let IpAddr::V4(a) = addr else {
        return None;
    };
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    };
    Some(match b {
        Broadcast::Addr(x) => x,
        Broadcast::HostBitsSet => Ipv4Addr::from(u32::from(a) | !mask),
        Broadcast::HostBitsCleared => Ipv4Addr::from(u32::from(a) & mask),
    })
}

/// The netlink request for an address line; `default_if` is the instance's interface (or,
/// for static addresses, the interface keepalived would use).
pub fn address(
    v: &IpAddressSpec,
    names: &Ifindexes,
    default_if: u32,
) -> Result<AddressSpec, FibError> {
    let index = match &v.dev {
        Some(d) => ifindex(names, d)?,
        None => default_if,
    };
    let mut spec = AddressSpec::new(index, v.prefix.addr, v.prefix.len);
    spec.label = v.label.clone();
    spec.broadcast = v
        .broadcast
        .and_then(|b| broadcast(v.prefix.addr, v.prefix.len, b));
    if let Some(s) = v.scope {
        spec.scope = Scope::from_u8(s.value());
    }
    spec.preferred_lft = match v.preferred_lft {
        Some(PreferredLifetime::Secs(s)) => Some(s),
        Some(PreferredLifetime::Forever) | None => None,
    };
    spec.home = v.home;
    spec.noprefixroute = v.noprefixroute;
    spec.peer = v.peer.map(|p| p.addr);
    spec.mngtmpaddr = v.mngtmpaddr;
    spec.autojoin = v.autojoin;
    // A VIP must be usable at once: no duplicate address detection (as keepalived).
    spec.nodad = v.nodad || v.prefix.addr.is_ipv6();
    Ok(spec)
}

/// The netlink request for a `virtual_routes` / `static_routes` line.
pub fn route(r: &Route, names: &Ifindexes) -> Result<RouteSpec, FibError> {
    let v6 = r.family == IpFamily::V6;
    let dst = r.dst.map(|p| (p.addr, p.len)).unwrap_or(if v6 {
        (IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0)
    } else {
        (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
    });
    let mut spec = RouteSpec::new(dst.0, dst.1);
    spec.kind = match r.route_type {
        RouteType::Unicast => RouteKind::Unicast,
        RouteType::Blackhole => RouteKind::Blackhole,
        RouteType::Unreachable => RouteKind::Unreachable,
        RouteType::Prohibit => RouteKind::Prohibit,
        other => return Err(FibError::RouteType(format!("{other:?}"))),
    };
    if !r.nexthops.is_empty() {
        return Err(FibError::Multipath);
    }
    spec.table = r.table;
    spec.metric = r.metric;
    spec.src = r.src;
    spec.via = r.via;
    spec.oif = r.dev.as_deref().map(|d| ifindex(names, d)).transpose()?;
    // keepalived's netlink_route adds with RT_SCOPE_UNIVERSE unless `scope` is given (not
    // iproute2's link scope for a route without a gateway).
    spec.scope = Some(
        r.scope
            .map(|s| Scope::from_u8(s.value()))
            .unwrap_or(Scope::Global),
    );
    spec.tos = r.tos;
    // keepalived's netlink_route: RTPROT_KEEPALIVED unless `protocol` is given, and a
    // tracked route (not `no_track`) is reset to RTPROT_KEEPALIVED whatever was given.
    spec.protocol = Some(match r.protocol {
        Some(p) if r.no_track => p,
        _ => RTPROT_KEEPALIVED,
    });
    Ok(spec)
}

/// Whether keepalived watches `r` for deletion: not `no_track`, and with a `dev` (keepalived:
/// "cannot track route ... with no interface specified, not tracking").
pub fn route_tracked(r: &Route) -> bool {
    !r.no_track && r.dev.is_some()
}

/// keepalived's `route_is_ours` over one list: the first route of `routes` the deleted
/// `removed` is (for `virtual_routes`, `instance` also compares the metric and the `dev`).
pub fn matching_route<'a>(
    routes: &'a [Route],
    names: &Ifindexes,
    removed: &RouteEntry,
    instance: bool,
) -> Option<&'a Route> {
    routes.iter().find(|r| {
        route(r, names)
            .map(|s| s.matches(removed, instance))
            .unwrap_or(false)
    })
}

/// keepalived's `rule_is_ours` over one list (a `no_track` rule never matches).
pub fn matching_rule<'a>(rules: &'a [Rule], removed: &RuleSpec) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| !r.no_track)
        .find(|r| rule(r).map(|s| s.matches(removed)).unwrap_or(false))
}

/// The route and rule groups keepalived's VRRP process joins (vrrp_complete_instance and
/// process_static_entries, then set_extra_netlink_monitoring): a family's routes when an
/// instance has a tracked route of it or a static route has a `track_group`; the same for
/// rules.
pub fn watched_groups(v: &VrrpConfig) -> FibGroups {
    let mut g = FibGroups::default();
    let mut route = |family: IpFamily| match family {
        IpFamily::V6 => g.ipv6_routes = true,
        IpFamily::V4 => g.ipv4_routes = true,
    };
    for i in &v.instances {
        i.virtual_routes
            .iter()
            .filter(|r| route_tracked(r))
            .for_each(|r| route(r.family));
    }
    v.static_routes
        .iter()
        .filter(|r| r.track_group.is_some())
        .for_each(|r| route(r.family));
    let mut rule = |family: IpFamily| match family {
        IpFamily::V6 => g.ipv6_rules = true,
        IpFamily::V4 => g.ipv4_rules = true,
    };
    for i in &v.instances {
        i.virtual_rules
            .iter()
            .filter(|r| !r.no_track)
            .for_each(|r| rule(r.family));
    }
    v.static_rules
        .iter()
        .filter(|r| r.track_group.is_some())
        .for_each(|r| rule(r.family));
    g
}

/// The netlink request for a `virtual_rules` / `static_rules` line.
pub fn rule(r: &Rule) -> Result<RuleSpec, FibError> {
    let mut spec = RuleSpec::new(r.family == IpFamily::V6);
    spec.from = r.from.map(|p| (p.addr, p.len));
    spec.to = r.to.map(|p| (p.addr, p.len));
    // keepalived uses 16384 for a rule configured without a priority (and warns).
    spec.priority = Some(r.priority.unwrap_or(16384));
    if let Some((mark, mask)) = r.fwmark {
        spec.fwmark = Some(mark);
        spec.fwmask = mask;
    }
    spec.iif = r.iif.clone();
    spec.oif = r.oif.clone();
    // keepalived sends FRA_PROTOCOL only for a tracked rule (RTPROT_KEEPALIVED) or a given
    // `protocol`.
    spec.protocol = if r.no_track {
        r.protocol
    } else {
        Some(RTPROT_KEEPALIVED)
    };
    spec.action = match r.action {
        Some(ConfRuleAction::Table(t)) => {
            spec.table = Some(t);
            RuleAction::Table
        }
        Some(ConfRuleAction::Goto(p)) => RuleAction::Goto(p),
        Some(ConfRuleAction::Blackhole) => RuleAction::Blackhole,
        Some(ConfRuleAction::Unreachable) => RuleAction::Unreachable,
        Some(ConfRuleAction::Prohibit) => RuleAction::Prohibit,
        Some(other) => return Err(FibError::RuleAction(format!("{other:?}"))),
        None => return Err(FibError::NoRuleAction),
    };
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_plus_and_minus() {
        let a: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(
            broadcast(a, 24, Broadcast::HostBitsSet),
            Some("10.1.2.255".parse().unwrap())
        );
        assert_eq!(
            broadcast(a, 24, Broadcast::HostBitsCleared),
            Some("10.1.2.0".parse().unwrap())
        );
        assert_eq!(
            broadcast(a, 0, Broadcast::HostBitsSet),
            Some(Ipv4Addr::BROADCAST)
        );
    }
}
