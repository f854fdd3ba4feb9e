//! `use_ipvlan`: an L2 ipvlan on the instance's interface, as keepalived's
//! netlink_link_add_ipvlan creates it (mode l2, the configured flags, up, in the parent's VRF).

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::link::{IpVlanFlags, IpVlanMode, LinkAttribute};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::LinkIpVlan;

use crate::{LinkInfo, NetError, Netlink, Result};

/// The ipvlan flags (IFLA_IPVLAN_FLAGS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpvlanFlags {
    /// `bridge`: none.
    #[default]
    Bridge,
    /// `private`: IPVLAN_F_PRIVATE.
    Private,
    /// `vepa`: IPVLAN_F_VEPA.
    Vepa,
}

/// An ipvlan interface to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanSpec {
    /// Interface name (max 15 bytes).
    pub name: String,
    /// ifindex of the parent interface.
    pub parent: u32,
    /// Its flags.
    pub flags: IpvlanFlags,
    /// The VRF the parent is enslaved to: the ipvlan joins it too.
    pub vrf: Option<u32>,
}

impl Netlink {
    /// Creates the ipvlan (mode l2) and brings it up; an ipvlan of that name already on the
    /// same parent is reused (keepalived: "created by a previous instance"). Returns its
    /// details.
    pub async fn create_ipvlan(&self, spec: &IpvlanSpec) -> Result<LinkInfo> {
        if spec.name.is_empty() || spec.name.len() > 15 {
            return Err(NetError::Invalid(format!(
                "bad interface name {:?}",
                spec.name
            )));
        }
        if let Some(existing) = self.link_by_name(&spec.name).await? {
            let ours =
                existing.kind.as_deref() == Some("ipvlan") && existing.parent == Some(spec.parent);
            if !ours {
                return Err(NetError::Invalid(format!(
                    "interface {} exists and is not our ipvlan",
                    spec.name
                )));
            }
        } else {
            let flags = match spec.flags {
                IpvlanFlags::Bridge => IpVlanFlags::empty(),
                IpvlanFlags::Private => IpVlanFlags::Private,
                IpvlanFlags::Vepa => IpVlanFlags::Vepa,
            };
            let mut msg = LinkIpVlan::new(&spec.name, spec.parent, IpVlanMode::L2)
                .flag(flags)
                .up()
                .build();
            if let Some(vrf) = spec.vrf {
                msg.attributes.push(LinkAttribute::Controller(vrf));
            }
            self.ack(
                "create ipvlan",
                RouteNetlinkMessage::NewLink(msg),
                NLM_F_CREATE | NLM_F_EXCL,
                &[],
            )
            .await?;
        }
        let link = self
            .link_by_name(&spec.name)
            .await?
            .ok_or_else(|| NetError::NotFound(spec.name.clone()))?;
        if !link.admin_up {
            self.set_link_up(link.index, true).await?;
        }
        self.link_by_index(link.index)
            .await?
            .ok_or_else(|| NetError::NotFound(spec.name.clone()))
    }
}
