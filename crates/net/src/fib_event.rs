//! Route and rule deletions reported by the kernel (groups RTNLGRP_IPV4_ROUTE, IPV6_ROUTE,
//! IPV4_RULE, IPV6_RULE), as keepalived's netlink_route_filter / netlink_rule_filter read
//! them: only routes and rules of protocol `keepalived` (RTPROT_KEEPALIVED, 18) are ours, and
//! they are matched against the configured ones with keepalived's route_is_ours /
//! rule_is_ours criteria.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage};
use rtnetlink::packet_route::rule::{RuleAction as NlRuleAction, RuleAttribute, RuleMessage};
use rtnetlink::packet_route::AddressFamily;

use crate::{NetError, Result, RouteSpec, RuleAction, RuleSpec};

/// `RTPROT_KEEPALIVED`: the routing protocol number keepalived (since 2.0.19 with Linux
/// 5.8's name) installs its routes and rules with; `ip route` shows `proto keepalived`.
pub const RTPROT_KEEPALIVED: u8 = 18;

const RTNLGRP_IPV4_ROUTE: u32 = 7;
const RTNLGRP_IPV4_RULE: u32 = 8;
const RTNLGRP_IPV6_ROUTE: u32 = 11;
const RTNLGRP_IPV6_RULE: u32 = 19;

/// A route of protocol `keepalived` that the kernel reported deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// Destination (the unspecified address for a default route).
    pub dest: IpAddr,
    /// Destination prefix length.
    pub dest_prefix: u8,
    /// Routing table.
    pub table: u32,
    /// TOS.
    pub tos: u8,
    /// Metric (`RTA_PRIORITY`, 0 when absent).
    pub metric: u32,
    /// Output interface.
    pub oif: Option<u32>,
}

impl RouteEntry {
    pub(crate) fn from_message(m: &RouteMessage) -> Option<RouteEntry> {
        if u8::from(m.header.protocol) != RTPROT_KEEPALIVED {
            return None;
        }
        let v6 = match m.header.address_family {
            AddressFamily::Inet => false,
            AddressFamily::Inet6 => true,
            _ => return None,
        };
        let mut e = RouteEntry {
            dest: if v6 {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            },
            dest_prefix: m.header.destination_prefix_length,
            table: u32::from(m.header.table),
            tos: m.header.tos,
            metric: 0,
            oif: None,
        };
        for a in &m.attributes {
            match a {
                RouteAttribute::Table(t) => e.table = *t,
                RouteAttribute::Priority(p) => e.metric = *p,
                RouteAttribute::Oif(i) => e.oif = Some(*i),
                RouteAttribute::Destination(RouteAddress::Inet(a)) => e.dest = IpAddr::V4(*a),
                RouteAttribute::Destination(RouteAddress::Inet6(a)) => e.dest = IpAddr::V6(*a),
                _ => {}
            }
        }
        Some(e)
    }
}

impl RouteSpec {
    /// keepalived's `route_is_ours`: table, family, prefix, TOS and destination; for a
    /// `virtual_routes` entry (`instance_route`) also the metric and the `dev`.
    pub fn matches(&self, e: &RouteEntry, instance_route: bool) -> bool {
        let same = self.table.unwrap_or(254) == e.table
            && self.dest.is_ipv6() == e.dest.is_ipv6()
            && self.dest_prefix == e.dest_prefix
            && self.tos.unwrap_or(0) == e.tos
            && self.dest == e.dest;
        if !same || !instance_route {
            return same;
        }
        self.metric.unwrap_or(0) == e.metric && self.oif.map_or(true, |o| e.oif == Some(o))
    }
}

impl RuleSpec {
    /// The rule a kernel message describes; `None` for another family, an action this
    /// crate does not install, or a protocol other than `keepalived` (keepalived's
    /// netlink_rule_filter ignores those).
    pub(crate) fn from_message(m: &RuleMessage) -> Option<RuleSpec> {
        let ipv6 = match m.header.family {
            AddressFamily::Inet => false,
            AddressFamily::Inet6 => true,
            _ => return None,
        };
        let mut e = RuleSpec::new(ipv6);
        e.table = Some(u32::from(m.header.table));
        let mut goto = 0;
        for a in &m.attributes {
            match a {
                RuleAttribute::Protocol(p) if u8::from(*p) != RTPROT_KEEPALIVED => return None,
                RuleAttribute::Protocol(p) => e.protocol = Some(u8::from(*p)),
                RuleAttribute::Source(a) => e.from = Some((*a, m.header.src_len)),
                RuleAttribute::Destination(a) => e.to = Some((*a, m.header.dst_len)),
                RuleAttribute::Table(t) => e.table = Some(*t),
                RuleAttribute::Priority(p) => e.priority = Some(*p),
                RuleAttribute::FwMark(v) => e.fwmark = Some(*v),
                RuleAttribute::FwMask(v) => e.fwmask = Some(*v),
                RuleAttribute::Iifname(n) => e.iif = Some(n.clone()),
                RuleAttribute::Oifname(n) => e.oif = Some(n.clone()),
                RuleAttribute::Goto(g) => goto = *g,
                _ => {}
            }
        }
        e.action = match m.header.action {
            NlRuleAction::ToTable => RuleAction::Table,
            NlRuleAction::Goto => RuleAction::Goto(goto),
            NlRuleAction::Blackhole => RuleAction::Blackhole,
            NlRuleAction::Unreachable => RuleAction::Unreachable,
            NlRuleAction::Prohibit => RuleAction::Prohibit,
            _ => return None,
        };
        Some(e)
    }

    /// keepalived's `compare_rule` over the selectors this crate installs: whether the
    /// deleted rule `e` (from the kernel) is this one.
    pub fn matches(&self, e: &RuleSpec) -> bool {
        let fwmask = |m: Option<u32>| m.unwrap_or(u32::MAX);
        self.ipv6 == e.ipv6
            && self.priority.is_some()
            && self.priority == e.priority
            && self.action == e.action
            && (self.action != RuleAction::Table || self.table == e.table)
            && self.from == e.from
            && self.to == e.to
            && self.fwmark == e.fwmark
            && (self.fwmark.is_none() || fwmask(self.fwmask) == fwmask(e.fwmask))
            && self.iif == e.iif
            && self.oif == e.oif
    }
}

/// Which route and rule groups the monitor listens to (keepalived's
/// set_extra_netlink_monitoring: only the families it has tracked routes/rules of).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FibGroups {
    /// RTNLGRP_IPV4_ROUTE.
    pub ipv4_routes: bool,
    /// RTNLGRP_IPV6_ROUTE.
    pub ipv6_routes: bool,
    /// RTNLGRP_IPV4_RULE.
    pub ipv4_rules: bool,
    /// RTNLGRP_IPV6_RULE.
    pub ipv6_rules: bool,
}

/// Changes the monitor socket's route and rule memberships (a duplicate of its descriptor,
/// so it stays valid whoever drops first).
#[derive(Debug)]
pub struct FibMembership {
    fd: OwnedFd,
}

impl FibMembership {
    pub(crate) fn new(fd: RawFd) -> Result<FibMembership> {
        // SAFETY: `fd` is the monitor's open netlink socket; dup returns a new descriptor
        // that we own (or -1).
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(NetError::io("dup netlink monitor socket")(
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: `dup` is a fresh descriptor nobody else owns.
        Ok(FibMembership {
            fd: unsafe { OwnedFd::from_raw_fd(dup) },
        })
    }

    /// Joins the groups set in `groups` and leaves the others.
    pub fn set(&self, groups: FibGroups) -> Result<()> {
        for (group, on) in [
            (RTNLGRP_IPV4_ROUTE, groups.ipv4_routes),
            (RTNLGRP_IPV6_ROUTE, groups.ipv6_routes),
            (RTNLGRP_IPV4_RULE, groups.ipv4_rules),
            (RTNLGRP_IPV6_RULE, groups.ipv6_rules),
        ] {
            let opt = if on {
                libc::NETLINK_ADD_MEMBERSHIP
            } else {
                libc::NETLINK_DROP_MEMBERSHIP
            };
            crate::vrrp_socket::set_int_opt(
                self.fd.as_raw_fd(),
                libc::SOL_NETLINK,
                opt,
                group as libc::c_int,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RouteEntry {
        RouteEntry {
            dest: "192.0.2.0".parse().unwrap(),
            dest_prefix: 24,
            table: 254,
            tos: 0,
            metric: 0,
            oif: Some(2),
        }
    }

    #[test]
    fn an_instance_route_also_matches_metric_and_dev() {
        let mut spec = RouteSpec::new("192.0.2.0".parse().unwrap(), 24);
        spec.oif = Some(2);
        assert!(spec.matches(&entry(), true));
        spec.oif = Some(3);
        assert!(!spec.matches(&entry(), true));
        // A static route: keepalived ignores the interface and the metric.
        assert!(spec.matches(&entry(), false));
        spec.oif = Some(2);
        spec.metric = Some(10);
        assert!(!spec.matches(&entry(), true));
        spec.table = Some(100);
        assert!(!spec.matches(&entry(), false));
    }

    #[test]
    fn a_rule_matches_on_priority_action_and_selectors() {
        let mut spec = RuleSpec::new(false);
        spec.from = Some(("203.0.113.0".parse().unwrap(), 24));
        spec.table = Some(100);
        spec.priority = Some(200);
        let e = RuleSpec {
            protocol: Some(RTPROT_KEEPALIVED),
            ..spec.clone()
        };
        assert!(spec.matches(&e));
        assert!(!spec.matches(&RuleSpec {
            priority: Some(201),
            ..e.clone()
        }));
        assert!(!spec.matches(&RuleSpec {
            table: Some(101),
            ..e
        }));
    }
}
