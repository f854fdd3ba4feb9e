//! keepalived's socket pool (vrrp_scheduler.c vrrp_create_sockpool): one receive socket per
//! (interface, family, protocol, multicast group or unicast source), shared by the instances
//! there, each with its receive buffer size (`kernel_rx_buf_size`, else `vrrp_rx_bufs_policy`
//! with `vrrp_rx_bufs_multiplier`, summed over the socket's instances; 0 leaves the kernel's
//! default). Ours opens these same sockets, plus, for unicast instances, the multicast
//! group's (to hear peers that still use multicast); keepalived has none of those, so the dump
//! and the sizing leave them out.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use keepalived_conf::model::{GlobalDefs, RcvBufs, RxBufsPolicy};
use keepalived_net::vrid_filter::VrrpLayout;
use keepalived_net::RxBuf;
use keepalived_vrrp::Version;

use crate::instance::Instance;

/// Which receive sockets are open on an interface.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum RxKind {
    /// A multicast group (`vrrp_mcast_group4/6`, `mcast_dst_ip`).
    Multicast(IpAddr),
    /// AH adverts to an IPv4 multicast group.
    Ah(std::net::Ipv4Addr),
    /// Adverts to a unicast source address.
    Unicast(IpAddr),
}

/// One socket of keepalived's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PoolEntry {
    /// The interface it is bound to and what it receives.
    pub key: (String, RxKind),
    /// Its instances: (name, VRID), by VRID.
    pub instances: Vec<(String, u8)>,
    /// The receive buffer size keepalived would set (0: none).
    pub rx_buf_size: u32,
}

/// The interface `inst` receives on: the VMAC with use_vmac, unless vmac_xmit_base.
/// keepalived's IF_DEFAULT_BUFSIZE: what `vrrp_netlink_*_rcv_bufs 0` (or `_force` alone) asks for.
const NETLINK_DEFAULT_BUF: u32 = 64 * 1024;

/// The receive buffer of a netlink socket from `vrrp_netlink_{cmd,monitor}_rcv_bufs[_force]`.
/// Neither keyword: None, the kernel's default (net.core.rmem_default, 208 KiB here), larger
/// than the 64 KiB keepalived always sets (a deliberate difference, docs/PERFORMANCE.md).
pub(crate) fn netlink_rx_buf(b: &RcvBufs) -> Option<RxBuf> {
    if b.size.is_none() && !b.force {
        return None;
    }
    Some(RxBuf {
        size: b.size.filter(|s| *s > 0).unwrap_or(NETLINK_DEFAULT_BUF),
        force: b.force,
    })
}

pub(crate) fn rx_interface(inst: &Instance) -> String {
    match &inst.conf.vmac {
        Some(vm) if !vm.xmit_base && inst.sockets_ready => inst.link.name.clone(),
        None if inst.conf.ipvlan.is_some() && inst.sockets_ready => inst.link.name.clone(),
        // Without interface: its VRF, else no device ("").
        _ => match &inst.conf.interface {
            Some(i) => i.clone(),
            None => inst.conf.vrf.clone().unwrap_or_default(),
        },
    }
}

/// Whether `inst` authenticates with AH.
pub(crate) fn uses_ah(inst: &Instance) -> bool {
    inst.settings.auth == keepalived_vrrp::wire::Auth::Ah
}

/// The socket keepalived receives `inst`'s adverts on.
pub(crate) fn rx_kind(inst: &Instance) -> RxKind {
    match (inst.conf.unicast_peers.is_empty(), inst.mcast_group()) {
        (false, _) => RxKind::Unicast(inst.source()),
        (true, IpAddr::V4(g)) if uses_ah(inst) => RxKind::Ah(g),
        (true, g) => RxKind::Multicast(g),
    }
}

/// keepalived's vrrp_adv_len: the advert with its IPv4 header (and AH).
fn advert_len(inst: &Instance) -> u32 {
    let vips = u32::try_from(inst.conf.virtual_ipaddresses.len()).unwrap_or(u32::MAX);
    if inst.is_ipv6() {
        8 + 16 * vips
    } else {
        let auth = if inst.settings.version == Version::V2 {
            8
        } else {
            0
        };
        let ah = if uses_ah(inst) { 24 } else { 0 };
        8 + auth + 4 * vips + 20 + ah
    }
}

/// What `inst` adds to its socket's receive buffer.
fn rx_buf_share(inst: &Instance, global: &GlobalDefs) -> u32 {
    let mult = global.vrrp_rx_bufs_multiplier;
    match (inst.conf.kernel_rx_buf_size, global.vrrp_rx_bufs_policy) {
        (Some(n), _) => n,
        (None, Some(RxBufsPolicy::Size(n))) => n,
        (None, Some(RxBufsPolicy::Advert)) => mult.saturating_mul(advert_len(inst)),
        (None, Some(RxBufsPolicy::Mtu)) if inst.sockets_ready => mult.saturating_mul(inst.link.mtu),
        _ => 0,
    }
}

/// The pool, in the order keepalived builds it (the instances' order).
pub(crate) fn pool(instances: &[Instance], global: &GlobalDefs) -> Vec<PoolEntry> {
    let mut out: Vec<PoolEntry> = Vec::new();
    for inst in instances {
        let key = (rx_interface(inst), rx_kind(inst));
        let vrid = inst.conf.vrid.unwrap_or(0);
        let share = rx_buf_share(inst, global);
        match out.iter_mut().find(|e| e.key == key) {
            Some(e) => {
                e.instances.push((inst.conf.name.clone(), vrid));
                e.rx_buf_size = e.rx_buf_size.saturating_add(share);
            }
            None => out.push(PoolEntry {
                key,
                instances: vec![(inst.conf.name.clone(), vrid)],
                rx_buf_size: share,
            }),
        }
    }
    for e in &mut out {
        e.instances.sort_by_key(|(_, vrid)| *vrid);
    }
    out
}

impl crate::vrrp::Daemon {
    /// After the instances are built, rebuilt or reloaded: each receive socket's buffer as
    /// keepalived sizes it, and its VRID filter.
    pub(crate) fn tune_receive_sockets(&self) {
        self.filter_receive_sockets();
        for e in pool(&self.instances, &self.config.global) {
            if e.rx_buf_size == 0 {
                continue;
            }
            if let Some((_, fd)) = self.rx.get(&e.key) {
                let bytes = usize::try_from(e.rx_buf_size).unwrap_or(usize::MAX);
                if let Err(err) = keepalived_net::vrrp_socket::set_receive_buffer(*fd, bytes) {
                    crate::log::info(format!("vrrp set receive socket buffer size error {err}"));
                }
            }
        }
    }

    /// Attaches to every receive socket a BPF filter that keeps the adverts of the VRIDs
    /// served on its interface and family only ([`keepalived_net::vrid_filter`]); not with
    /// `log_unknown_vrids`, which wants to see the others.
    fn filter_receive_sockets(&self) {
        if self.config.global.log_unknown_vrids {
            return;
        }
        for ((ifname, kind), (_, fd)) in &self.rx {
            let (v6, layout) = match kind {
                RxKind::Ah(_) => (false, VrrpLayout::Ipv4Ah),
                RxKind::Multicast(IpAddr::V6(_)) | RxKind::Unicast(IpAddr::V6(_)) => {
                    (true, VrrpLayout::Ipv6)
                }
                _ => (false, VrrpLayout::Ipv4),
            };
            let vrids: Vec<u8> = self
                .instances
                .iter()
                .filter(|i| i.is_ipv6() == v6 && rx_interface(i) == *ifname)
                .filter_map(|i| i.conf.vrid)
                .collect();
            if let Err(e) = keepalived_net::vrid_filter::set_vrid_filter(*fd, layout, &vrids) {
                crate::log::info(format!("{ifname}: VRID filter: {e}"));
            }
        }
    }

    /// The `------< VRRP Sockpool >------` section.
    pub(crate) fn sockpool_dump(&self) -> Vec<crate::dump::SocketDump> {
        pool(&self.instances, &self.config.global)
            .into_iter()
            .map(|e| {
                let first = self
                    .instances
                    .iter()
                    .find(|i| i.conf.name == e.instances[0].0);
                let fd_out = first.map_or(-1, |i| {
                    if i.is_ipv6() {
                        i.link.sender6.as_ref().map_or(-1, |s| s.as_raw_fd())
                    } else {
                        i.link.sender.as_ref().map_or(-1, |s| s.as_raw_fd())
                    }
                });
                let (interface, kind) = e.key.clone();
                crate::dump::SocketDump {
                    fd_in: self.rx.get(&e.key).map_or(-1, |(_, fd)| *fd),
                    fd_out,
                    vrf: first
                        .filter(|i| i.conf.interface.is_none())
                        .and_then(|i| i.conf.vrf.clone()),
                    interface: if first.is_some_and(|i| i.conf.interface.is_none()) {
                        String::new()
                    } else {
                        interface
                    },
                    ipv6: first.is_some_and(|i| i.is_ipv6()),
                    ah: matches!(kind, RxKind::Ah(_)),
                    unicast_src: match kind {
                        RxKind::Unicast(a) => Some(a),
                        _ => None,
                    },
                    rx_buf_size: i32::try_from(e.rx_buf_size).unwrap_or(i32::MAX),
                    instances: e.instances,
                }
            })
            .collect()
    }
}
