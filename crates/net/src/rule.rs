//! `virtual_rules`: add/remove policy routing rules (idempotent).

use std::net::IpAddr;

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::route::RouteProtocol;
use rtnetlink::packet_route::rule::{RuleAction as NlRuleAction, RuleAttribute, RuleMessage};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::{NetError, Netlink, Result};

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleAction {
    /// `table N` / `lookup N` (the table is [`RuleSpec::table`]).
    #[default]
    Table,
    /// `goto PRIORITY`.
    Goto(u32),
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// One `virtual_rules` entry (the common subset of `ip rule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// true for IPv6 rules (needed when neither `from` nor `to` is given).
    pub ipv6: bool,
    /// `from ADDR/LEN`.
    pub from: Option<(IpAddr, u8)>,
    /// `to ADDR/LEN`.
    pub to: Option<(IpAddr, u8)>,
    /// `table N`.
    pub table: Option<u32>,
    /// `priority N` (`preference`).
    pub priority: Option<u32>,
    /// `fwmark N`.
    pub fwmark: Option<u32>,
    /// `/MASK` of `fwmark`.
    pub fwmask: Option<u32>,
    /// `iif NAME`.
    pub iif: Option<String>,
    /// `oif NAME`.
    pub oif: Option<String>,
    /// Action.
    pub action: RuleAction,
    /// `protocol` (`FRA_PROTOCOL`; None: not sent, the kernel records `unspec`).
    pub protocol: Option<u8>,
}

impl RuleSpec {
    /// An empty rule of the given family (`action` = table lookup).
    pub fn new(ipv6: bool) -> RuleSpec {
        RuleSpec {
            ipv6,
            from: None,
            to: None,
            table: None,
            priority: None,
            fwmark: None,
            fwmask: None,
            iif: None,
            oif: None,
            action: RuleAction::Table,
            protocol: None,
        }
    }

    fn validate(&self) -> Result<()> {
        for (a, len) in [self.from, self.to].into_iter().flatten() {
            let max = if a.is_ipv4() { 32 } else { 128 };
            if a.is_ipv6() != self.ipv6 || len > max {
                return Err(NetError::Invalid(format!("bad rule selector {a}/{len}")));
            }
        }
        if self.action == RuleAction::Table && self.table.is_none() {
            return Err(NetError::Invalid("rule without table or action".into()));
        }
        Ok(())
    }

    fn message(&self, for_add: bool) -> RuleMessage {
        let mut msg = RuleMessage::default();
        msg.header.family = if self.ipv6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        msg.header.action = match self.action {
            RuleAction::Table => NlRuleAction::ToTable,
            RuleAction::Goto(target) => {
                msg.attributes.push(RuleAttribute::Goto(target));
                NlRuleAction::Goto
            }
            RuleAction::Blackhole => NlRuleAction::Blackhole,
            RuleAction::Unreachable => NlRuleAction::Unreachable,
            RuleAction::Prohibit => NlRuleAction::Prohibit,
        };
        if let Some(table) = self.table {
            msg.header.table = u8::try_from(table).unwrap_or(252);
            msg.attributes.push(RuleAttribute::Table(table));
        }
        if let Some((a, len)) = self.from {
            msg.header.src_len = len;
            msg.attributes.push(RuleAttribute::Source(a));
        }
        if let Some((a, len)) = self.to {
            msg.header.dst_len = len;
            msg.attributes.push(RuleAttribute::Destination(a));
        }
        if let Some(p) = self.priority {
            msg.attributes.push(RuleAttribute::Priority(p));
        }
        if let Some(m) = self.fwmark {
            msg.attributes.push(RuleAttribute::FwMark(m));
            if let Some(mask) = self.fwmask {
                msg.attributes.push(RuleAttribute::FwMask(mask));
            } else if for_add {
                msg.attributes.push(RuleAttribute::FwMask(u32::MAX));
            }
        }
        if let Some(i) = &self.iif {
            msg.attributes.push(RuleAttribute::Iifname(i.clone()));
        }
        if let Some(o) = &self.oif {
            msg.attributes.push(RuleAttribute::Oifname(o.clone()));
        }
        if let Some(p) = self.protocol {
            msg.attributes
                .push(RuleAttribute::Protocol(RouteProtocol::from(p)));
        }
        msg
    }
}

impl Netlink {
    /// Adds a rule; an identical rule already present is not an error.
    pub async fn add_rule(&self, spec: &RuleSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::NewRule(spec.message(true));
        self.ack("add rule", msg, NLM_F_CREATE | NLM_F_EXCL, &[libc::EEXIST])
            .await
            .map(drop)
    }

    /// Removes a rule; a missing rule is not an error.
    pub async fn remove_rule(&self, spec: &RuleSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::DelRule(spec.message(false));
        self.ack("remove rule", msg, 0, &[libc::ENOENT, libc::ESRCH])
            .await
            .map(drop)
    }
}
