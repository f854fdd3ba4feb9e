//! Interface lookup: ifindex, name, MAC, MTU, state, primary addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rtnetlink::packet_route::address::AddressFlags;
use rtnetlink::packet_route::link::{
    LinkAttribute, LinkFlags, LinkInfo as NlLinkInfo, LinkMessage,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use crate::{Netlink, Result, Scope};

/// What the kernel says about one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// ifindex.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// Hardware address when it is a 6-byte MAC.
    pub mac: Option<[u8; 6]>,
    /// MTU.
    pub mtu: u32,
    /// IFF_UP: administratively up.
    pub admin_up: bool,
    /// IFF_RUNNING: operationally up (carrier). keepalived treats an interface as
    /// up when both `admin_up` and `running` hold.
    pub running: bool,
    /// `IFLA_LINK`: the parent ifindex (macvlan, vlan, veth peer).
    pub parent: Option<u32>,
    /// `IFLA_INFO_KIND` ("macvlan", "veth", ...), if any.
    pub kind: Option<String>,
    /// `IFLA_MASTER`: the bridge, bond or VRF it is enslaved to.
    pub master: Option<u32>,
}

impl LinkInfo {
    /// keepalived's notion of "interface up": IFF_UP and IFF_RUNNING.
    pub fn is_up(&self) -> bool {
        self.admin_up && self.running
    }

    pub(crate) fn from_message(msg: &LinkMessage) -> LinkInfo {
        let mut info = LinkInfo {
            index: msg.header.index,
            name: String::new(),
            mac: None,
            mtu: 0,
            admin_up: msg.header.flags.contains(LinkFlags::Up),
            running: msg.header.flags.contains(LinkFlags::Running),
            parent: None,
            kind: None,
            master: None,
        };
        for attr in &msg.attributes {
            match attr {
                LinkAttribute::IfName(n) => info.name = n.clone(),
                LinkAttribute::Mtu(m) => info.mtu = *m,
                LinkAttribute::Address(a) => info.mac = <[u8; 6]>::try_from(a.as_slice()).ok(),
                LinkAttribute::Link(p) => info.parent = Some(*p),
                LinkAttribute::Controller(m) => info.master = Some(*m),
                LinkAttribute::LinkInfo(infos) => {
                    for i in infos {
                        if let NlLinkInfo::Kind(k) = i {
                            info.kind = Some(k.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        info
    }
}

impl Netlink {
    /// Looks an interface up by name; `Ok(None)` if there is none.
    pub async fn link_by_name(&self, name: &str) -> Result<Option<LinkInfo>> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        self.get_link(msg).await
    }

    /// Looks an interface up by ifindex; `Ok(None)` if there is none.
    pub async fn link_by_index(&self, index: u32) -> Result<Option<LinkInfo>> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        self.get_link(msg).await
    }

    /// Every interface of the namespace.
    pub async fn links(&self) -> Result<Vec<LinkInfo>> {
        let msgs = self
            .dump(
                "dump links",
                RouteNetlinkMessage::GetLink(LinkMessage::default()),
            )
            .await?;
        Ok(msgs
            .iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(LinkInfo::from_message(l)),
                _ => None,
            })
            .collect())
    }

    async fn get_link(&self, msg: LinkMessage) -> Result<Option<LinkInfo>> {
        let reply = self
            .get_one(
                "get link",
                RouteNetlinkMessage::GetLink(msg),
                &[libc::ENODEV],
            )
            .await?;
        Ok(match reply {
            Some(RouteNetlinkMessage::NewLink(l)) => Some(LinkInfo::from_message(&l)),
            _ => None,
        })
    }

    /// The primary (first non-secondary) IPv4 address of an interface, as
    /// keepalived picks the default source address of adverts.
    pub async fn primary_ipv4(&self, ifindex: u32) -> Result<Option<Ipv4Addr>> {
        let addrs = self.list_addresses(ifindex).await?;
        Ok(addrs.iter().find_map(|a| match a.addr {
            IpAddr::V4(v4) if a.flags & AddressFlags::Secondary.bits() == 0 => Some(v4),
            _ => None,
        }))
    }

    /// The link-local IPv6 address of an interface (the source of IPv6 adverts);
    /// a non-tentative one is preferred.
    pub async fn link_local_ipv6(&self, ifindex: u32) -> Result<Option<Ipv6Addr>> {
        let addrs = self.list_addresses(ifindex).await?;
        let mut candidates = addrs.iter().filter_map(|a| match a.addr {
            IpAddr::V6(v6) if a.scope == Scope::Link => Some((v6, a.flags)),
            _ => None,
        });
        let all: Vec<_> = candidates.by_ref().collect();
        let tentative = AddressFlags::Tentative.bits() | AddressFlags::Dadfailed.bits();
        Ok(all
            .iter()
            .find(|(_, f)| f & tentative == 0)
            .or(all.first())
            .map(|(a, _)| *a))
    }
}
