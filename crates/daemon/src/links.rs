//! Interfaces the instances run on: advert senders, receive sockets (one per interface,
//! family and IP protocol, shared by every instance there), VMACs.

use std::collections::HashSet;
use std::sync::Arc;

use keepalived_conf::model::{GlobalDefs, Vmac, VrrpInstance};
use keepalived_net::announce::Announcer;
use keepalived_net::vrrp_socket::{VrrpRecvV4, VrrpRecvV6, VrrpSendV4, VrrpSendV6};
use keepalived_net::{LinkInfo, Netlink, VmacSpec};
use keepalived_vrrp::wire;
use tokio::sync::mpsc;

use crate::garp_pacing::Pacing;
use crate::instance::Link;
use crate::log;
use crate::vrrp::{setup, DaemonError};

/// A received packet and where it came from. Its buffer goes back to the [`BufferPool`]
/// once handled, so steady-state receiving allocates nothing.
pub struct Packet {
    /// Interface it arrived on.
    pub ifindex: u32,
    /// The buffer; the packet is `buf[..len]`.
    pub buf: Vec<u8>,
    /// Bytes received.
    pub len: usize,
    /// For IPv6: source, destination and hop limit from the ancillary data.
    pub v6: Option<V6Meta>,
}

impl Packet {
    /// The IP packet (IPv4) or VRRP payload (IPv6).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len.min(self.buf.len())]
    }
}

/// Receive buffers handed back and forth between the receive tasks and the event loop.
#[derive(Debug, Clone, Default)]
pub struct BufferPool {
    free: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

/// Big enough for any VRRP packet on an Ethernet MTU (and jumbo-less links).
const BUF_SIZE: usize = 2048;

impl BufferPool {
    fn get(&self) -> Vec<u8> {
        let reused = self.free.lock().ok().and_then(|mut f| f.pop());
        reused.unwrap_or_else(|| vec![0u8; BUF_SIZE])
    }

    /// Returns a packet's buffer for reuse.
    pub fn put(&self, buf: Vec<u8>) {
        if let Ok(mut f) = self.free.lock() {
            // The channel holds at most 1024 packets; more buffers are never needed.
            if f.len() < 1100 {
                f.push(buf);
            }
        }
    }
}

/// Opens the senders of interface `name`.
pub async fn open_link(
    netlink: &Netlink,
    config: &keepalived_conf::Config,
    name: &str,
) -> Result<Link, DaemonError> {
    let info = netlink
        .link_by_name(name)
        .await
        .map_err(setup("interface lookup"))?
        .ok_or_else(|| DaemonError::NoInterface(name.to_owned()))?;
    let primary = netlink
        .primary_ipv4(info.index)
        .await
        .map_err(setup("address lookup"))?
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
    let link_local = netlink
        .link_local_ipv6(info.index)
        .await
        .map_err(setup("address lookup"))?;
    let sender = VrrpSendV4::new(info.index, name).map_err(setup("VRRP send socket"))?;
    let up = info.is_up();
    // IPv6 may be disabled on the interface: then only IPv4 instances can run there.
    let sender6 = VrrpSendV6::new(info.index, name).ok().map(Arc::new);
    let announcer =
        Announcer::new(info.index, info.mac.unwrap_or_default()).map_err(setup("ARP socket"))?;
    Ok(Link {
        name: name.to_owned(),
        ifindex: info.index,
        mtu: info.mtu,
        up,
        primary,
        link_local,
        sender: Some(Arc::new(sender)),
        sender6,
        announcer: Arc::new(announcer),
        pacing: Arc::new(Pacing::for_interface(config, name)),
    })
}

/// The MTU keepalived assumes for an instance without interface (DEFAULT_MTU).
const DEFAULT_MTU: u32 = 1500;

/// The senders of a unicast instance without `interface` (keepalived 2.2.8+): bound to its
/// `vrf` device when given, else to none (keepalived's open_vrrp_send_socket without ifp),
/// so the kernel routes each advert to its peer. The link's ifindex is the VRF's (0 without
/// one): its adverts are received under it. Gratuitous ARPs go out on the VIPs' `dev`s.
pub async fn open_unbound(netlink: &Netlink, vrf: Option<&str>) -> Result<Link, DaemonError> {
    let (ifindex, mtu, up) = match vrf {
        Some(name) => {
            let info = netlink
                .link_by_name(name)
                .await
                .map_err(setup("interface lookup"))?
                .ok_or_else(|| DaemonError::NoInterface(name.to_owned()))?;
            (info.index, info.mtu, info.is_up())
        }
        None => (0, DEFAULT_MTU, true),
    };
    let sender = VrrpSendV4::unbound(vrf).map_err(setup("VRRP send socket"))?;
    let sender6 = VrrpSendV6::unbound(vrf).ok().map(Arc::new);
    Ok(Link {
        name: vrf.unwrap_or_default().to_owned(),
        ifindex,
        mtu,
        up,
        primary: std::net::Ipv4Addr::UNSPECIFIED,
        link_local: None,
        sender: Some(Arc::new(sender)),
        sender6,
        announcer: Arc::new(Announcer::new(0, [0; 6]).map_err(setup("ARP socket"))?),
        pacing: Arc::default(),
    })
}

impl Link {
    /// The stand-in for an interface that does not exist (yet), or whose sockets could not
    /// be opened: its instances wait in FAULT and are built again when it appears
    /// (keepalived runs the other instances meanwhile).
    pub fn absent(name: &str) -> Result<Link, DaemonError> {
        Ok(Link {
            name: name.to_owned(),
            ifindex: 0,
            mtu: 0,
            up: false,
            primary: std::net::Ipv4Addr::UNSPECIFIED,
            link_local: None,
            sender: None,
            sender6: None,
            announcer: Arc::new(Announcer::new(0, [0; 6]).map_err(setup("ARP socket"))?),
            pacing: Arc::default(),
        })
    }
}

/// `use_vmac`: a macvlan with the virtual router MAC on the base interface. VIPs and gratuitous
/// ARPs go on it; adverts leave from it (from the base interface with `vmac_xmit_base`) with
/// the base interface's address as source, and are received on it (the daemon's `rx_link`).
pub async fn open_vmac(
    netlink: &Netlink,
    config: &keepalived_conf::Config,
    conf: &VrrpInstance,
    vm: &Vmac,
    base: &Arc<Link>,
    taken: &HashSet<String>,
) -> Result<(Arc<Link>, u32), DaemonError> {
    let ipv6 = conf
        .virtual_ipaddresses
        .first()
        .is_some_and(|v| v.prefix.addr.is_ipv6());
    let mut spec = VmacSpec::new(base.ifindex, conf.vrid.unwrap_or(0), ipv6);
    spec.vrf = netlink.vrf_master(base.ifindex).await.ok().flatten();
    let links = netlink.links().await.map_err(setup("listing interfaces"))?;
    spec.name = vmac_name(&config.global, conf, vm, &spec, &links, taken);
    let info = netlink
        .create_vmac(&spec)
        .await
        .map_err(setup("use_vmac"))?;
    prepare_vmac(netlink, &conf.name, &info, base, ipv6, vm.xmit_base).await;
    let vlink = open_link(netlink, config, &info.name).await?;
    let (sender, sender6) = if vm.xmit_base {
        (base.sender.clone(), base.sender6.clone())
    } else {
        (vlink.sender, vlink.sender6)
    };
    let link = Link {
        name: info.name.clone(),
        ifindex: info.index,
        mtu: vlink.mtu,
        up: vlink.up,
        primary: base.primary,
        link_local: base.link_local,
        sender,
        sender6,
        announcer: vlink.announcer,
        pacing: vlink.pacing,
    };
    Ok((Arc::new(link), info.index))
}

/// `use_ipvlan`: an L2 ipvlan on the base interface (keepalived's netlink_link_add_ipvlan),
/// named as a VMAC is (its name, else `vmac_prefix`.VRID or the next free one, an ipvlan
/// of ours already on the base reused); IPv6 off on it for an IPv4 instance without eVIPs of
/// the other family; its address added. Adverts leave from it and arrive on it.
pub async fn open_ipvlan(
    netlink: &Netlink,
    config: &keepalived_conf::Config,
    conf: &VrrpInstance,
    ipv: &keepalived_conf::model::Ipvlan,
    base: &Arc<Link>,
    taken: &HashSet<String>,
) -> Result<(Arc<Link>, u32), DaemonError> {
    use keepalived_conf::model::IpvlanMode;
    let ipv6 = crate::instance::is_ipv6(conf);
    let links = netlink.links().await.map_err(setup("listing interfaces"))?;
    let name = match &ipv.ifname {
        Some(n) => n.clone(),
        None => {
            let ours = |l: &&LinkInfo| {
                l.kind.as_deref() == Some("ipvlan")
                    && l.parent == Some(base.ifindex)
                    && !taken.contains(&l.name)
            };
            match links.iter().find(ours) {
                Some(l) => l.name.clone(),
                None => {
                    let prefix = config.global.vmac_prefix.as_deref().unwrap_or("vrrp");
                    let vrid = conf.vrid.unwrap_or(0);
                    keepalived_net::vmac_name_candidates(prefix, vrid, ipv6)
                        .find(|n| !taken.contains(n) && !links.iter().any(|l| &l.name == n))
                        .unwrap_or_else(|| keepalived_net::default_vmac_name(vrid))
                }
            }
        }
    };
    let spec = keepalived_net::IpvlanSpec {
        name,
        parent: base.ifindex,
        flags: match ipv.mode {
            IpvlanMode::Bridge => keepalived_net::IpvlanFlags::Bridge,
            IpvlanMode::Private => keepalived_net::IpvlanFlags::Private,
            IpvlanMode::Vepa => keepalived_net::IpvlanFlags::Vepa,
        },
        vrf: netlink.vrf_master(base.ifindex).await.ok().flatten(),
    };
    let info = netlink
        .create_ipvlan(&spec)
        .await
        .map_err(setup("use_ipvlan"))?;
    let other_family_evip = conf
        .excluded_ipaddresses
        .iter()
        .any(|a| a.prefix.addr.is_ipv6() != ipv6);
    let off = i64::from(!ipv6 && !other_family_evip);
    if let Err(e) = keepalived_net::sysctl::write_conf(true, &info.name, "disable_ipv6", off) {
        log::info(format!("({}) ipvlan disable_ipv6: {e}", conf.name));
    }
    if let Some(a) = ipv.addr {
        let spec = keepalived_net::AddressSpec::new(info.index, a.addr, a.len);
        if let Err(e) = netlink.add_address(&spec).await {
            log::info(format!(
                "{}: Failed to add interface address to {}: {e}",
                conf.name, info.name
            ));
        }
    }
    let link = open_link(netlink, config, &info.name).await?;
    Ok((Arc::new(link), info.index))
}

/// What keepalived's netlink_link_add_vmac sets on a VMAC once created: the macvlan sysctls
/// (IPv4), IPv6 off on an IPv4 VMAC, no router advertisements taken on an IPv6 one, and the
/// base interface's link-local address (IPv6, unless adverts leave from the base).
async fn prepare_vmac(
    netlink: &Netlink,
    instance: &str,
    info: &LinkInfo,
    base: &Link,
    ipv6: bool,
    xmit_base: bool,
) {
    if let Err(e) = keepalived_net::sysctl::apply_vmac_sysctls(&info.name, &base.name) {
        log::info(format!("({instance}) VMAC sysctls: {e}"));
    }
    if !ipv6 {
        // keepalived's link_set_ipv6(false): an IPv4 VMAC sends no RS/MLD from the VMAC.
        if let Err(e) = keepalived_net::sysctl::write_conf(true, &info.name, "disable_ipv6", 1) {
            log::info(format!("({instance}) VMAC disable_ipv6: {e}"));
        }
    } else {
        // No SLAAC on an IPv6 VMAC: a router advertisement (FRR's MASTER has zebra send
        // them) would give every router's VMAC the same EUI-64 address of the virtual MAC,
        // and DAD would fail on all but one. keepalived 2.2.7 leaves accept_ra alone (a
        // deliberate difference, docs/interop.md).
        if let Err(e) = keepalived_net::sysctl::write_conf(true, &info.name, "accept_ra", 0) {
            log::info(format!("({instance}) VMAC accept_ra: {e}"));
        }
    }
    if ipv6 && !xmit_base {
        // keepalived's set_link_local_address: adverts leave the VMAC from the parent's
        // link-local address (the VMAC generates none of its own). Without DAD, as
        // keepalived adds every IPv6 address (IFA_F_NODAD): the parent already owns it, and
        // while it were tentative a MASTER's adverts would fail (EINVAL) and a peer would
        // take over for a moment.
        if let Some(ll) = base.link_local {
            let spec = keepalived_net::AddressSpec {
                scope: keepalived_net::Scope::Link,
                nodad: true,
                ..keepalived_net::AddressSpec::new(info.index, std::net::IpAddr::V6(ll), 64)
            };
            let present = netlink
                .list_addresses(info.index)
                .await
                .is_ok_and(|a| a.iter().any(|e| e.addr == spec.addr));
            if !present {
                if let Err(e) = netlink.add_address(&spec).await {
                    log::info(format!(
                        "({instance}) adding link-local address to {} failed: {e}",
                        info.name
                    ));
                }
            }
        }
    }
}

/// `use_vmac_addr` (or an address's `use_vmac`): the VMAC of `vrid` and family `ipv6` on
/// `base` that carries the instance's addresses there (vrrp_complete_instance): a macvlan
/// with that MAC already on `base` is reused, else one is created, named from
/// `vmac_addr_prefix` (default `vmac_prefix`, then "vrrp") as keepalived's create_vmac_name.
pub async fn open_extra_vmac(
    netlink: &Netlink,
    config: &keepalived_conf::Config,
    (instance, vrid): (&str, u8),
    base: &Arc<Link>,
    ipv6: bool,
    taken: &HashSet<String>,
) -> Result<Arc<Link>, DaemonError> {
    let mut spec = VmacSpec::new(base.ifindex, vrid, ipv6);
    spec.vrf = netlink.vrf_master(base.ifindex).await.ok().flatten();
    let links = netlink.links().await.map_err(setup("listing interfaces"))?;
    let reused = links.iter().find(|l| {
        l.kind.as_deref() == Some("macvlan")
            && l.parent == Some(base.ifindex)
            && l.mac == Some(spec.mac())
    });
    let g = &config.global;
    let prefix = (g.vmac_addr_prefix.as_deref())
        .or(g.vmac_prefix.as_deref())
        .unwrap_or("vrrp");
    spec.name = match reused {
        Some(l) => l.name.clone(),
        None => keepalived_net::vmac_name_candidates(prefix, vrid, ipv6)
            .find(|n| !taken.contains(n) && !links.iter().any(|l| &l.name == n))
            .unwrap_or_else(|| keepalived_net::default_vmac_name(vrid)),
    };
    let info = netlink
        .create_vmac(&spec)
        .await
        .map_err(setup("use_vmac_addr"))?;
    prepare_vmac(netlink, instance, &info, base, ipv6, false).await;
    Ok(Arc::new(open_link(netlink, config, &info.name).await?))
}

/// keepalived's choice of a VMAC's name (vrrp_complete_instance): the configured name unless a
/// non-macvlan interface has it; else a VMAC of this VRID and family already on the base
/// interface (left by an earlier run: reused); else the first of
/// [`keepalived_net::vmac_name_candidates`] (`vmac_prefix`, default "vrrp") that no other
/// instance's VMAC (`taken`) and no interface uses.
fn vmac_name(
    global: &GlobalDefs,
    conf: &VrrpInstance,
    vm: &Vmac,
    spec: &VmacSpec,
    links: &[LinkInfo],
    taken: &HashSet<String>,
) -> String {
    let existing = |name: &str| links.iter().find(|l| l.name == name);
    let is_macvlan = |l: &LinkInfo| matches!(l.kind.as_deref(), Some("macvlan" | "ipvlan"));
    if let Some(name) = &vm.ifname {
        match existing(name) {
            Some(l) if !is_macvlan(l) => log::info(format!(
                "({}) vmac interface name {name} already exists as a non vmac interface. \
                 ignoring configured name",
                conf.name
            )),
            _ => return name.clone(),
        }
    }
    let ours = |l: &&LinkInfo| {
        l.kind.as_deref() == Some("macvlan")
            && l.parent == Some(spec.parent)
            && l.mac == Some(spec.mac())
            && !taken.contains(&l.name)
    };
    if let Some(l) = links.iter().find(ours) {
        return l.name.clone();
    }
    let prefix = global.vmac_prefix.as_deref().unwrap_or("vrrp");
    keepalived_net::vmac_name_candidates(prefix, spec.vrid, spec.ipv6)
        .find(|n| !taken.contains(n) && existing(n).is_none())
        .unwrap_or_else(|| keepalived_net::default_vmac_name(spec.vrid))
}

/// The VMAC names `conf` may not take: those the other instances configure, and those the
/// daemon already gave to the other instances (`vmacs`: instance -> (ifindex, name)).
pub fn taken_vmac_names(
    config: &keepalived_conf::Config,
    conf: &VrrpInstance,
    vmacs: &std::collections::HashMap<String, (u32, String)>,
) -> HashSet<String> {
    let configured = config
        .vrrp
        .instances
        .iter()
        .filter(|i| i.name != conf.name)
        .filter_map(|i| {
            (i.vmac.as_ref().and_then(|m| m.ifname.clone()))
                .or_else(|| i.ipvlan.as_ref()?.ifname.clone())
        });
    let given = vmacs
        .iter()
        .filter(|(instance, _)| **instance != conf.name)
        .map(|(_, (_, name))| name.clone());
    configured.chain(given).collect()
}

/// A receive socket of either family.
pub enum RecvSocket {
    /// IPv4.
    V4(VrrpRecvV4),
    /// IPv6.
    V6(VrrpRecvV6),
}

impl std::os::fd::AsRawFd for RecvSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        match self {
            RecvSocket::V4(s) => s.as_raw_fd(),
            RecvSocket::V6(s) => s.as_raw_fd(),
        }
    }
}

impl RecvSocket {
    /// One packet into `buf`: its length and, for IPv6, source, destination and hop limit.
    async fn recv(&self, buf: &mut [u8]) -> std::io::Result<(usize, Option<V6Meta>)> {
        match self {
            RecvSocket::V4(s) => s.recv(buf).await.map(|r| (r.len, None)),
            RecvSocket::V6(s) => s.recv(buf).await.map(|r| {
                let dst = r.dst.unwrap_or(wire::MCAST_GROUP6);
                (r.len, Some((r.src, dst, r.hop_limit)))
            }),
        }
    }
}

/// Source, destination and hop limit of an IPv6 packet (from its ancillary data).
pub type V6Meta = (std::net::Ipv6Addr, std::net::Ipv6Addr, Option<u8>);

/// Reads `sock` for ever (until aborted: the interface went away), forwarding packets to the
/// event loop.
pub fn spawn_receiver(
    sock: RecvSocket,
    ifindex: u32,
    tx: mpsc::Sender<Packet>,
    pool: BufferPool,
) -> tokio::task::AbortHandle {
    let task = tokio::spawn(async move {
        loop {
            let mut buf = pool.get();
            match sock.recv(&mut buf).await {
                Ok((len, v6)) => {
                    let pkt = Packet {
                        ifindex,
                        buf,
                        len,
                        v6,
                    };
                    if tx.send(pkt).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    pool.put(buf);
                    log::info(format!("receive error: {e}"));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    });
    task.abort_handle()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{FixedHost, ReadOptions};
    use std::path::Path;

    fn names(text: &str) -> Vec<String> {
        let config = keepalived_conf::load_str(
            text,
            Path::new("t.conf"),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config;
        // The daemon builds the instances in file order, each taking the first free name.
        let mut given = std::collections::HashMap::new();
        let mut out = Vec::new();
        for i in &config.vrrp.instances {
            let vm = i.vmac.as_ref().expect("use_vmac");
            let ipv6 = i.virtual_ipaddresses[0].prefix.addr.is_ipv6();
            let spec = VmacSpec::new(1, i.vrid.unwrap_or(0), ipv6);
            let taken = taken_vmac_names(&config, i, &given);
            let name = vmac_name(&config.global, i, vm, &spec, &[], &taken);
            given.insert(i.name.clone(), (0, name.clone()));
            out.push(name);
        }
        out
    }

    fn instance(name: &str, vrid: u8, vmac: &str, vip: &str) -> String {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n version 3\n \
             {vmac}\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n"
        )
    }

    #[test]
    fn an_ipv6_vmac_beside_an_ipv4_one_with_the_same_vrid_is_vrrp6() {
        let text = instance("V4", 5, "use_vmac", "10.0.0.100/24")
            + &instance("V6", 5, "use_vmac", "fd00::100/64")
            + &instance("B4", 5, "use_vmac", "10.0.1.100/24")
            + &instance("O", 6, "use_vmac", "10.0.2.100/24");
        assert_eq!(names(&text), ["vrrp.5", "vrrp6.5", "vrrp1.5", "vrrp.6"]);
    }

    #[test]
    fn a_configured_vmac_name_is_skipped_by_the_default_ones() {
        let text = instance("A", 5, "use_vmac", "10.0.0.100/24")
            + &instance("B", 5, "use_vmac vrrp.5", "10.0.1.100/24");
        assert_eq!(names(&text), ["vrrp1.5", "vrrp.5"]);
    }
}
