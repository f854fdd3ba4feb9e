//! What the [`super::Router`] needs to know about one instance: the machine's configuration
//! plus everything packets need (the run-time half of `vrrp_instance`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::machine::InstanceConfig;
use crate::wire::{Addresses, Auth, UnicastPeer, V3Checksum, MCAST_GROUP4, MCAST_GROUP6};
use crate::Family;

/// One instance as the router runs it.
#[derive(Debug, Clone)]
pub struct RouterInstance {
    /// The state machine's configuration. Its `primary_address` is the advert source
    /// (`unicast_src_ip`/`mcast_src_ip`, or the interface's address) and decides the family.
    pub machine: InstanceConfig,
    /// Interface adverts are received on (the base interface with `use_vmac`).
    pub ifindex: u32,
    /// Interface adverts are sent on (the VMAC with `use_vmac`).
    pub tx_ifindex: u32,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// VRRPv2 authentication; `Auth::Pass` holds the zero-padded password.
    pub auth: Auth,
    /// `auth_pass` of `auth_type AH`, zero-padded: the HMAC-MD5 key.
    pub ah_key: [u8; 8],
    /// The `virtual_ipaddress` entries that go in adverts (the instance's family).
    pub vips: Addresses,
    /// `unicast_peer` (empty: multicast).
    pub peers: Vec<UnicastPeer>,
    /// `unicast_ttl`: TTL / hop limit of unicast adverts.
    pub unicast_ttl: u8,
    /// `vrrp_mcast_group4`.
    pub mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6`.
    pub mcast_group6: Ipv6Addr,
    /// `skip_check_adv_addr`: the address list is only checked when the master changes.
    pub skip_check_adv_addr: bool,
    /// `check_unicast_src` / `vrrp_check_unicast_src`.
    pub check_unicast_src: bool,
    /// VRRPv3-over-IPv4 checksum form (`old_unicast_checksum`: [`V3Checksum::OldUnicast`]).
    pub v3_checksum: V3Checksum,
    /// keepalived's automatic switch to the old unicast checksum when a peer's advert only
    /// verifies that way (unicast instances without `old_unicast_checksum`).
    pub detect_old_unicast_checksum: bool,
    /// keepalived 2.3 `owner_ignore_adverts`: adverts are dropped, uncounted, while the
    /// instance's effective priority is 255.
    pub owner_ignore_adverts: bool,
}

impl RouterInstance {
    /// An instance with keepalived's defaults around `machine`: multicast, no authentication,
    /// the default groups, adverts received and sent on `ifindex`.
    pub fn new(machine: InstanceConfig, ifindex: u32, vrid: u8, vips: Addresses) -> Self {
        RouterInstance {
            machine,
            ifindex,
            tx_ifindex: ifindex,
            vrid,
            auth: Auth::None,
            ah_key: [0; 8],
            vips,
            peers: Vec::new(),
            unicast_ttl: crate::wire::VRRP_TTL,
            mcast_group4: MCAST_GROUP4,
            mcast_group6: MCAST_GROUP6,
            skip_check_adv_addr: false,
            check_unicast_src: false,
            v3_checksum: V3Checksum::PseudoHeader,
            detect_old_unicast_checksum: false,
            owner_ignore_adverts: false,
        }
    }

    /// The advert source address.
    pub fn src(&self) -> IpAddr {
        self.machine.primary_address
    }

    /// The instance's address family (that of its source address).
    pub fn family(&self) -> Family {
        match self.src() {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// Whether the instance has unicast peers.
    pub fn is_unicast(&self) -> bool {
        !self.peers.is_empty()
    }

    /// Where adverts go: the multicast group of the family, or every unicast peer.
    pub fn destinations(&self) -> Vec<IpAddr> {
        if self.is_unicast() {
            return self.peers.iter().map(|p| p.addr).collect();
        }
        vec![match self.family() {
            Family::Ipv4 => IpAddr::V4(self.mcast_group4),
            Family::Ipv6 => IpAddr::V6(self.mcast_group6),
        }]
    }
}
