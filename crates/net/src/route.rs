//! `virtual_routes`: add/remove routes (idempotent).

use std::net::IpAddr;

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::{BatchReport, NetError, Netlink, Result, Scope};

/// Route type (`ip route add TYPE ...`), the common subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RouteKind {
    /// `unicast` (default).
    #[default]
    Unicast,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// One `virtual_routes` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Destination network address.
    pub dest: IpAddr,
    /// Destination prefix length.
    pub dest_prefix: u8,
    /// Route type.
    pub kind: RouteKind,
    /// `table` (None: main, 254).
    pub table: Option<u32>,
    /// `metric` / `preference`.
    pub metric: Option<u32>,
    /// `src` (preferred source address).
    pub src: Option<IpAddr>,
    /// `via` (gateway, same family as `dest`).
    pub via: Option<IpAddr>,
    /// `dev` ifindex.
    pub oif: Option<u32>,
    /// `scope`; `None` picks iproute2's default (link for a unicast route without
    /// gateway, global otherwise).
    pub scope: Option<Scope>,
    /// `proto` number (None: `boot`, 3, as iproute2).
    pub protocol: Option<u8>,
    /// `tos`.
    pub tos: Option<u8>,
}

impl RouteSpec {
    /// A unicast route to `dest/prefix` in the main table with no other option.
    pub fn new(dest: IpAddr, dest_prefix: u8) -> RouteSpec {
        RouteSpec {
            dest,
            dest_prefix,
            kind: RouteKind::Unicast,
            table: None,
            metric: None,
            src: None,
            via: None,
            oif: None,
            scope: None,
            protocol: None,
            tos: None,
        }
    }

    fn validate(&self) -> Result<()> {
        let max = if self.dest.is_ipv4() { 32 } else { 128 };
        if self.dest_prefix > max {
            return Err(NetError::Invalid(format!(
                "bad prefix /{}",
                self.dest_prefix
            )));
        }
        for other in [self.src, self.via].into_iter().flatten() {
            if other.is_ipv4() != self.dest.is_ipv4() {
                return Err(NetError::Invalid(format!(
                    "route {} mixes address families ({other})",
                    self.dest
                )));
            }
        }
        Ok(())
    }

    fn message(&self, for_add: bool) -> RouteMessage {
        let mut msg = RouteMessage::default();
        msg.header.address_family = match self.dest {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        msg.header.destination_prefix_length = self.dest_prefix;
        msg.header.tos = self.tos.unwrap_or(0);
        let table = self.table.unwrap_or(254);
        // Tables above 255 only fit in RTA_TABLE; the header then says RT_TABLE_COMPAT.
        msg.header.table = u8::try_from(table).unwrap_or(252);
        msg.attributes.push(RouteAttribute::Table(table));
        msg.header.kind = match self.kind {
            RouteKind::Unicast => RouteType::Unicast,
            RouteKind::Blackhole => RouteType::BlackHole,
            RouteKind::Unreachable => RouteType::Unreachable,
            RouteKind::Prohibit => RouteType::Prohibit,
        };
        if for_add {
            msg.header.protocol = RouteProtocol::from(self.protocol.unwrap_or(3));
            let scope =
                self.scope
                    .unwrap_or(if self.kind == RouteKind::Unicast && self.via.is_none() {
                        Scope::Link
                    } else {
                        Scope::Global
                    });
            msg.header.scope = RouteScope::from(scope.as_u8());
        } else {
            // RT_SCOPE_NOWHERE on delete matches any scope, as iproute2 does.
            msg.header.scope = RouteScope::from(self.scope.map_or(255, Scope::as_u8));
            if let Some(p) = self.protocol {
                msg.header.protocol = RouteProtocol::from(p);
            }
        }
        if self.dest_prefix > 0 || !self.dest.is_unspecified() {
            msg.attributes
                .push(RouteAttribute::Destination(RouteAddress::from(self.dest)));
        }
        if let Some(src) = self.src {
            msg.attributes
                .push(RouteAttribute::PrefSource(RouteAddress::from(src)));
        }
        if let Some(via) = self.via {
            msg.attributes
                .push(RouteAttribute::Gateway(RouteAddress::from(via)));
        }
        if let Some(oif) = self.oif {
            msg.attributes.push(RouteAttribute::Oif(oif));
        }
        if let Some(metric) = self.metric {
            msg.attributes.push(RouteAttribute::Priority(metric));
        }
        msg
    }
}

const ADD_ALREADY: &[i32] = &[libc::EEXIST];
const DEL_ALREADY: &[i32] = &[libc::ESRCH, libc::ENOENT];

impl Netlink {
    /// Adds a route; an identical route already present is not an error.
    pub async fn add_route(&self, spec: &RouteSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::NewRoute(spec.message(true));
        self.ack("add route", msg, NLM_F_CREATE | NLM_F_EXCL, ADD_ALREADY)
            .await
            .map(drop)
    }

    /// Removes a route; a missing route is not an error.
    pub async fn remove_route(&self, spec: &RouteSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::DelRoute(spec.message(false));
        self.ack("remove route", msg, 0, DEL_ALREADY)
            .await
            .map(drop)
    }

    /// Adds many routes, pipelined.
    pub async fn add_routes(&self, specs: &[RouteSpec]) -> Result<BatchReport> {
        specs.iter().try_for_each(RouteSpec::validate)?;
        let msgs = specs
            .iter()
            .map(|s| RouteNetlinkMessage::NewRoute(s.message(true)));
        self.ack_batch("add route", msgs, NLM_F_CREATE | NLM_F_EXCL, ADD_ALREADY)
            .await
    }

    /// Removes many routes, pipelined.
    pub async fn remove_routes(&self, specs: &[RouteSpec]) -> Result<BatchReport> {
        specs.iter().try_for_each(RouteSpec::validate)?;
        let msgs = specs
            .iter()
            .map(|s| RouteNetlinkMessage::DelRoute(s.message(false)));
        self.ack_batch("remove route", msgs, 0, DEL_ALREADY).await
    }
}
