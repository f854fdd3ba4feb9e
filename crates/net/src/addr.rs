//! Virtual IP addresses: add, remove (idempotent, pipelined) and list.

use std::net::{IpAddr, Ipv4Addr};

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope, CacheInfo,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::{BatchReport, NetError, Netlink, Result, Scope};

/// One address as keepalived's `virtual_ipaddress` line describes it:
/// `<IP>[/<prefix>] [brd <IP>] [dev <ifname>] [scope <scope>] [label <label>]
/// [preferred_lft 0|forever] [home] [nodad] [noprefixroute] [peer <IP>/<len>] [mngtmpaddr]
/// [autojoin]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    /// ifindex of `dev`.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (keepalived defaults to 32 / 128).
    pub prefix_len: u8,
    /// `brd` (IPv4 only). `None`: no broadcast attribute, like keepalived without `brd`.
    pub broadcast: Option<Ipv4Addr>,
    /// `scope`.
    pub scope: Scope,
    /// `label` (IPv4 only; the kernel wants it to start with the interface name).
    pub label: Option<String>,
    /// `preferred_lft`: `Some(0)` marks the address deprecated; `None` is forever.
    pub preferred_lft: Option<u32>,
    /// `home` (IFA_F_HOMEADDRESS, IPv6).
    pub home: bool,
    /// `nodad` (IFA_F_NODAD, IPv6).
    pub nodad: bool,
    /// `noprefixroute` (IFA_F_NOPREFIXROUTE).
    pub noprefixroute: bool,
    /// `peer ADDR/LEN`: a point-to-point address (IFA_ADDRESS = the peer, IFA_LOCAL = ours;
    /// `prefix_len` is then the peer's).
    pub peer: Option<IpAddr>,
    /// `mngtmpaddr` (IFA_F_MANAGETEMPADDR, IPv6).
    pub mngtmpaddr: bool,
    /// `autojoin` (IFA_F_MCAUTOJOIN: a multicast address joined on the interface).
    pub autojoin: bool,
}

impl AddressSpec {
    /// An address with keepalived's defaults (scope global, no options).
    pub fn new(ifindex: u32, addr: IpAddr, prefix_len: u8) -> AddressSpec {
        AddressSpec {
            ifindex,
            addr,
            prefix_len,
            broadcast: None,
            scope: Scope::Global,
            label: None,
            preferred_lft: None,
            home: false,
            nodad: false,
            noprefixroute: false,
            peer: None,
            mngtmpaddr: false,
            autojoin: false,
        }
    }

    fn validate(&self) -> Result<()> {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix_len > max {
            return Err(NetError::Invalid(format!(
                "prefix length {} too long for {}",
                self.prefix_len, self.addr
            )));
        }
        if self.ifindex == 0 {
            return Err(NetError::Invalid(format!("no interface for {}", self.addr)));
        }
        Ok(())
    }

    fn base_message(&self) -> AddressMessage {
        let mut msg = AddressMessage::default();
        msg.header.family = family_of(&self.addr);
        msg.header.prefix_len = self.prefix_len;
        msg.header.index = self.ifindex;
        msg.attributes.push(AddressAttribute::Local(self.addr));
        msg.attributes
            .push(AddressAttribute::Address(self.peer.unwrap_or(self.addr)));
        msg
    }

    fn add_message(&self) -> AddressMessage {
        let mut msg = self.base_message();
        msg.header.scope = AddressScope::from(self.scope.as_u8());
        if let (Some(brd), IpAddr::V4(_)) = (self.broadcast, self.addr) {
            msg.attributes.push(AddressAttribute::Broadcast(brd));
        }
        if let (Some(label), IpAddr::V4(_)) = (&self.label, self.addr) {
            msg.attributes.push(AddressAttribute::Label(label.clone()));
        }
        let mut flags = AddressFlags::empty();
        if self.home {
            flags |= AddressFlags::Homeaddress;
        }
        if self.nodad {
            flags |= AddressFlags::Nodad;
        }
        if self.noprefixroute {
            flags |= AddressFlags::Noprefixroute;
        }
        if self.mngtmpaddr {
            flags |= AddressFlags::Managetempaddr;
        }
        if self.autojoin {
            flags |= AddressFlags::Mcautojoin;
        }
        // The low 8 bits also go in the header, like iproute2 does, for old kernels.
        msg.header.flags = AddressHeaderFlags::from_bits_retain((flags.bits() & 0xff) as u8);
        if !flags.is_empty() {
            msg.attributes.push(AddressAttribute::Flags(flags));
        }
        if let Some(pref) = self.preferred_lft {
            let mut ci = CacheInfo::default();
            ci.ifa_preferred = pref;
            ci.ifa_valid = u32::MAX;
            msg.attributes.push(AddressAttribute::CacheInfo(ci));
        }
        msg
    }
}

/// An address found on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressEntry {
    /// ifindex.
    pub ifindex: u32,
    /// The (local) address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// Scope.
    pub scope: Scope,
    /// Label (IPv4).
    pub label: Option<String>,
    /// IFA_F_* flags (secondary 0x01, nodad 0x02, deprecated 0x20, tentative 0x40, ...).
    pub flags: u32,
}

fn family_of(addr: &IpAddr) -> AddressFamily {
    match addr {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// errnos meaning "the address is already there" on add.
const ADD_ALREADY: &[i32] = &[libc::EEXIST];
/// errnos meaning "the address is not there" on delete.
const DEL_ALREADY: &[i32] = &[libc::EADDRNOTAVAIL, libc::ENOENT, libc::ESRCH];

impl Netlink {
    /// Adds one address; an address already present is not an error.
    pub async fn add_address(&self, spec: &AddressSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::NewAddress(spec.add_message());
        self.ack("add address", msg, NLM_F_CREATE | NLM_F_EXCL, ADD_ALREADY)
            .await
            .map(drop)
    }

    /// Removes one address; a missing address is not an error. The kernel matches
    /// the address *and* prefix length (IPv4), so pass the ones used to add it.
    pub async fn remove_address(&self, spec: &AddressSpec) -> Result<()> {
        spec.validate()?;
        let msg = RouteNetlinkMessage::DelAddress(spec.base_message());
        self.ack("remove address", msg, 0, DEL_ALREADY)
            .await
            .map(drop)
    }

    /// Adds many addresses, pipelining the netlink requests. Per-address failures
    /// are reported in [`BatchReport::failed`]; addresses already present count as
    /// [`BatchReport::already`].
    pub async fn add_addresses(&self, specs: &[AddressSpec]) -> Result<BatchReport> {
        specs.iter().try_for_each(AddressSpec::validate)?;
        let msgs = specs
            .iter()
            .map(|s| RouteNetlinkMessage::NewAddress(s.add_message()));
        self.ack_batch("add address", msgs, NLM_F_CREATE | NLM_F_EXCL, ADD_ALREADY)
            .await
    }

    /// Removes many addresses, pipelining the netlink requests.
    pub async fn remove_addresses(&self, specs: &[AddressSpec]) -> Result<BatchReport> {
        specs.iter().try_for_each(AddressSpec::validate)?;
        let msgs = specs
            .iter()
            .map(|s| RouteNetlinkMessage::DelAddress(s.base_message()));
        self.ack_batch("remove address", msgs, 0, DEL_ALREADY).await
    }

    /// Every IPv4 and IPv6 address on an interface (to recover state after a restart).
    pub async fn list_addresses(&self, ifindex: u32) -> Result<Vec<AddressEntry>> {
        let mut out = Vec::new();
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut req = AddressMessage::default();
            req.header.family = family;
            req.header.index = ifindex;
            let msgs = self
                .dump("dump addresses", RouteNetlinkMessage::GetAddress(req))
                .await?;
            out.extend(msgs.iter().filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) if a.header.index == ifindex => address_entry(a),
                _ => None,
            }));
        }
        Ok(out)
    }
}

impl Netlink {
    /// Every IPv4 and IPv6 address of the namespace.
    pub async fn all_addresses(&self) -> Result<Vec<AddressEntry>> {
        let mut out = Vec::new();
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut req = AddressMessage::default();
            req.header.family = family;
            let msgs = self
                .dump("dump addresses", RouteNetlinkMessage::GetAddress(req))
                .await?;
            out.extend(msgs.iter().filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) => address_entry(a),
                _ => None,
            }));
        }
        Ok(out)
    }
}

pub(crate) fn address_entry(msg: &AddressMessage) -> Option<AddressEntry> {
    let mut local = None;
    let mut address = None;
    let mut label = None;
    let mut flags = u32::from(msg.header.flags.bits());
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Local(a) => local = Some(*a),
            AddressAttribute::Address(a) => address = Some(*a),
            AddressAttribute::Label(l) => label = Some(l.clone()),
            AddressAttribute::Flags(f) => flags = f.bits(),
            _ => {}
        }
    }
    Some(AddressEntry {
        ifindex: msg.header.index,
        addr: local.or(address)?,
        prefix_len: msg.header.prefix_len,
        scope: Scope::from_u8(u8::from(msg.header.scope)),
        label,
        flags,
    })
}
