//! `use_vmac`: macvlan interfaces carrying the VRRP virtual MAC.

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, LinkAttribute, LinkFlags, LinkMessage, MacVlanMode,
};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::LinkMacVlan;

use crate::{LinkInfo, NetError, Netlink, Result};

/// The VRRP virtual MAC (RFC 5798 §7.3): 00:00:5e:00:01:VRID for IPv4,
/// 00:00:5e:00:02:VRID for IPv6.
pub fn vmac_mac(vrid: u8, ipv6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if ipv6 { 0x02 } else { 0x01 }, vrid]
}

/// keepalived's default VMAC interface name: `vrrp.VRID` (when another instance has it,
/// the next of [`vmac_name_candidates`]).
pub fn default_vmac_name(vrid: u8) -> String {
    format!("vrrp.{vrid}")
}

/// The names keepalived tries, in order, for a VMAC of `vrid` when none is configured
/// (vrrp.c create_vmac_name): `PREFIX.VRID`, then `PREFIXn.VRID` for n = 1, 2, ... (IPv6:
/// `PREFIX6.VRID` first, then 1-5, 7, ...), the prefix cut so that a name fits IFNAMSIZ.
/// The caller takes the first one that no other VMAC of the daemon and no interface uses.
pub fn vmac_name_candidates(prefix: &str, vrid: u8, ipv6: bool) -> impl Iterator<Item = String> {
    let prefix = prefix.to_owned();
    // keepalived's `num` sequence: none, then 1, 2, ... (IPv6: 6, 1, 2, 3, 4, 5, 7, 8, ...).
    let numbers = (0u32..=u32::from(u16::MAX)).map(move |k| match (k, ipv6) {
        (0, _) => None,
        (1, true) => Some(6),
        (2..=6, true) => Some(k - 1),
        _ => Some(k),
    });
    numbers.map(move |n| {
        let tail = match n {
            Some(n) => format!("{n}.{vrid}"),
            None => format!(".{vrid}"),
        };
        // IFNAMSIZ is 16 with the NUL: keep 15 bytes, cutting the prefix.
        let room = 15usize.saturating_sub(tail.len());
        let cut = prefix
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|end| *end <= room)
            .last()
            .unwrap_or(0);
        format!("{}{tail}", &prefix[..cut])
    })
}

/// A VMAC interface to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacSpec {
    /// Interface name (max 15 bytes), e.g. [`default_vmac_name`] or the configured one.
    pub name: String,
    /// ifindex of the parent interface.
    pub parent: u32,
    /// VRID.
    pub vrid: u8,
    /// IPv6 instance (changes the MAC).
    pub ipv6: bool,
    /// The VRF the parent is enslaved to: the VMAC joins it too (keepalived's
    /// netlink_link_add_vmac sets IFLA_MASTER to the parent's VRF master).
    pub vrf: Option<u32>,
}

impl VmacSpec {
    /// A VMAC named `vrrp.VRID` on `parent`.
    pub fn new(parent: u32, vrid: u8, ipv6: bool) -> VmacSpec {
        VmacSpec {
            name: default_vmac_name(vrid),
            parent,
            vrid,
            ipv6,
            vrf: None,
        }
    }

    /// The MAC this VMAC carries.
    pub fn mac(&self) -> [u8; 6] {
        vmac_mac(self.vrid, self.ipv6)
    }
}

impl Netlink {
    /// Creates the macvlan (mode private, as keepalived) with the VRRP MAC and
    /// brings it up. If an interface of that name already exists as a macvlan
    /// with the same MAC on the same parent, it is reused. Returns its details.
    pub async fn create_vmac(&self, spec: &VmacSpec) -> Result<LinkInfo> {
        if spec.name.is_empty() || spec.name.len() > 15 {
            return Err(NetError::Invalid(format!(
                "bad interface name {:?}",
                spec.name
            )));
        }
        if let Some(existing) = self.link_by_name(&spec.name).await? {
            let ours = existing.kind.as_deref() == Some("macvlan")
                && existing.mac == Some(spec.mac())
                && existing.parent == Some(spec.parent);
            if !ours {
                return Err(NetError::Invalid(format!(
                    "interface {} exists and is not our VMAC",
                    spec.name
                )));
            }
        } else {
            let mut msg = LinkMacVlan::new(&spec.name, spec.parent, MacVlanMode::Private)
                .address(spec.mac().to_vec())
                .build();
            if let Some(vrf) = spec.vrf {
                msg.attributes.push(LinkAttribute::Controller(vrf));
            }
            self.ack(
                "create vmac",
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
        // RFC 5798 §7.4 and keepalived: no link-local address generated from the virtual
        // MAC (both routers would generate the same one: DAD fails). Set before the link
        // comes up, since the address is generated then.
        self.set_addr_gen_mode_none(link.index).await?;
        self.set_link_up(link.index, true).await?;
        self.link_by_index(link.index)
            .await?
            .ok_or_else(|| NetError::NotFound(spec.name.clone()))
    }

    /// The VRF device `ifindex` is enslaved to, if its master is one (`kind` "vrf").
    pub async fn vrf_master(&self, ifindex: u32) -> Result<Option<u32>> {
        let Some(master) = self.link_by_index(ifindex).await?.and_then(|l| l.master) else {
            return Ok(None);
        };
        let kind = self.link_by_index(master).await?.and_then(|l| l.kind);
        Ok((kind.as_deref() == Some("vrf")).then_some(master))
    }

    /// Deletes an interface (a VMAC) by ifindex; a missing one is not an error.
    pub async fn delete_link(&self, ifindex: u32) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = ifindex;
        self.ack(
            "delete link",
            RouteNetlinkMessage::DelLink(msg),
            0,
            &[libc::ENODEV],
        )
        .await
        .map(drop)
    }

    /// `addrgenmode none`: the kernel generates no IPv6 link-local address on the interface.
    pub async fn set_addr_gen_mode_none(&self, ifindex: u32) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = ifindex;
        msg.attributes
            .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
                vec![AfSpecInet6::AddrGenMode(In6AddrGenMode::None)],
            )]));
        self.ack("set addrgenmode", RouteNetlinkMessage::SetLink(msg), 0, &[])
            .await
            .map(drop)
    }

    /// Sets IFF_UP on or off.
    pub async fn set_link_up(&self, ifindex: u32, up: bool) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = ifindex;
        msg.header.change_mask = LinkFlags::Up;
        if up {
            msg.header.flags = LinkFlags::Up;
        }
        self.ack("set link", RouteNetlinkMessage::SetLink(msg), 0, &[])
            .await
            .map(drop)
    }

    /// Sets an interface's MAC address.
    pub async fn set_link_mac(&self, ifindex: u32, mac: [u8; 6]) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = ifindex;
        msg.attributes.push(LinkAttribute::Address(mac.to_vec()));
        self.ack("set link mac", RouteNetlinkMessage::SetLink(msg), 0, &[])
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod name_tests {
    use super::vmac_name_candidates;

    #[test]
    fn keepalived_order_of_vmac_names() {
        let v4: Vec<_> = vmac_name_candidates("vrrp", 5, false).take(3).collect();
        assert_eq!(v4, ["vrrp.5", "vrrp1.5", "vrrp2.5"]);
        let v6: Vec<_> = vmac_name_candidates("vrrp", 5, true).take(8).collect();
        assert_eq!(
            v6,
            [
                "vrrp.5", "vrrp6.5", "vrrp1.5", "vrrp2.5", "vrrp3.5", "vrrp4.5", "vrrp5.5",
                "vrrp7.5"
            ]
        );
    }

    #[test]
    fn a_long_prefix_is_cut_to_fit_ifnamsiz() {
        let mut names = vmac_name_candidates("averyveryverylongprefix", 255, false);
        assert_eq!(names.next().unwrap(), "averyveryve.255");
        assert_eq!(names.next().unwrap(), "averyveryv1.255");
        assert!(vmac_name_candidates("x", 1, true)
            .take(1000)
            .all(|n| n.len() <= 15));
    }
}
