//! The VRRP event loop: one current-thread runtime, one receive socket per interface, one
//! timer (the earliest wake-up of all machines), netlink link monitoring and signals.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use keepalived_conf::model::{AuthType, Vmac, VrrpInstance};
use keepalived_conf::Config;
use keepalived_net::announce::Announcer;
use keepalived_net::vrrp_socket::{
    VrrpRecvV4, VrrpRecvV6, VrrpSendV4, VrrpSendV6, IPPROTO_AH, IPPROTO_VRRP,
};
use keepalived_net::{NetEvent, NetMonitor, Netlink, VmacSpec};
use keepalived_vrrp::machine::Event;
use keepalived_vrrp::wire::{self, DecodeOptions};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::instance::{Instance, Link};
use crate::log;

/// Why the VRRP daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The runtime, a socket or netlink could not be set up.
    #[error("{0}")]
    Setup(String),
}

fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DaemonError + '_ {
    move |e| DaemonError::Setup(format!("{what}: {e}"))
}

/// Runs every `vrrp_instance` of `config` until SIGTERM or SIGINT, then stops them the way
/// keepalived does (priority-0 advert, VIPs removed).
pub fn run(config: &Config) -> Result<(), DaemonError> {
    run_until(config, std::future::pending())
}

/// Like [`run`], but also stops (the same way) when `stop` completes: for running the daemon
/// inside another program, e.g. in a thread that entered a network namespace.
pub fn run_until<F: Future<Output = ()>>(config: &Config, stop: F) -> Result<(), DaemonError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup("runtime"))?;
    rt.block_on(run_async(config, stop))
}

struct Packet {
    ifindex: u32,
    bytes: Vec<u8>,
    /// For IPv6: source, destination and hop limit from the ancillary data.
    v6: Option<V6Meta>,
}

async fn open_link(netlink: &Netlink, name: &str) -> Result<Link, DaemonError> {
    let info = netlink
        .link_by_name(name)
        .await
        .map_err(setup("interface lookup"))?
        .ok_or_else(|| DaemonError::Setup(format!("interface {name} does not exist")))?;
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
    // IPv6 may be disabled on the interface: then only IPv4 instances can run there.
    let sender6 = VrrpSendV6::new(info.index, name).ok().map(Arc::new);
    let announcer =
        Announcer::new(info.index, info.mac.unwrap_or_default()).map_err(setup("ARP socket"))?;
    Ok(Link {
        ifindex: info.index,
        primary,
        link_local,
        sender: Arc::new(sender),
        sender6,
        announcer: Arc::new(announcer),
    })
}

/// `use_vmac`: a macvlan with the virtual router MAC on the base interface. VIPs and gratuitous
/// ARPs go on it; adverts leave from it (from the base interface with `vmac_xmit_base`) with
/// the base interface's address as source, and are received on the base interface.
async fn open_vmac(
    netlink: &Netlink,
    conf: &VrrpInstance,
    vm: &Vmac,
    base: &Arc<Link>,
) -> Result<(Arc<Link>, u32), DaemonError> {
    let ipv6 = conf
        .virtual_ipaddresses
        .first()
        .is_some_and(|v| v.prefix.addr.is_ipv6());
    let mut spec = VmacSpec::new(base.ifindex, conf.vrid.unwrap_or(0), ipv6);
    if let Some(name) = &vm.ifname {
        spec.name = name.clone();
    }
    let info = netlink
        .create_vmac(&spec)
        .await
        .map_err(setup("use_vmac"))?;
    if let Some(base_name) = &conf.interface {
        if let Err(e) = keepalived_net::sysctl::apply_vmac_sysctls(&info.name, base_name) {
            log::info(format!("({}) VMAC sysctls: {e}", conf.name));
        }
    }
    let vlink = open_link(netlink, &info.name).await?;
    let (sender, sender6) = if vm.xmit_base {
        (base.sender.clone(), base.sender6.clone())
    } else {
        (vlink.sender, vlink.sender6)
    };
    let link = Link {
        ifindex: info.index,
        primary: base.primary,
        link_local: vlink.link_local.or(base.link_local),
        sender,
        sender6,
        announcer: vlink.announcer,
    };
    Ok((Arc::new(link), info.index))
}

/// A receive socket of either family.
enum RecvSocket {
    V4(VrrpRecvV4),
    V6(VrrpRecvV6),
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
type V6Meta = (std::net::Ipv6Addr, std::net::Ipv6Addr, Option<u8>);

fn spawn_receiver(sock: RecvSocket, ifindex: u32, tx: mpsc::Sender<Packet>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        loop {
            match sock.recv(&mut buf).await {
                Ok((len, v6)) => {
                    let pkt = Packet {
                        ifindex,
                        bytes: buf[..len.min(buf.len())].to_vec(),
                        v6,
                    };
                    if tx.send(pkt).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    log::info(format!("receive error: {e}"));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    });
}

async fn run_async<F: Future<Output = ()>>(config: &Config, stop: F) -> Result<(), DaemonError> {
    let mut stop = std::pin::pin!(stop);
    let netlink = Netlink::new().map_err(setup("netlink"))?;
    let mut monitor = NetMonitor::new().map_err(setup("netlink monitor"))?;
    let (tx, mut rx) = mpsc::channel::<Packet>(1024);
    let mut links: HashMap<String, Arc<Link>> = HashMap::new();
    let mut ah_links: std::collections::HashSet<String> = Default::default();
    let mut v6_links: std::collections::HashSet<String> = Default::default();
    let mut vmacs: Vec<u32> = Vec::new();
    let mut instances: Vec<Instance> = Vec::new();
    let now = Instant::now();
    for conf in &config.vrrp.instances {
        let Some(ifname) = conf.interface.clone() else {
            log::info(format!(
                "({}) no interface: instance not started",
                conf.name
            ));
            continue;
        };
        let link = match links.get(&ifname) {
            Some(l) => l.clone(),
            None => {
                let l = Arc::new(open_link(&netlink, &ifname).await?);
                let recv = VrrpRecvV4::multicast(l.ifindex, &ifname)
                    .map_err(setup("VRRP receive socket"))?;
                spawn_receiver(RecvSocket::V4(recv), l.ifindex, tx.clone());
                links.insert(ifname.clone(), l.clone());
                l
            }
        };
        // Adverts authenticated with AH have IP protocol 51: they need their own sockets.
        let uses_ah = conf
            .effective_authentication(&config.global)
            .is_some_and(|a| a.auth_type == Some(AuthType::Ah));
        let proto = if uses_ah { IPPROTO_AH } else { IPPROTO_VRRP };
        if uses_ah && ah_links.insert(ifname.clone()) {
            let recv = VrrpRecvV4::multicast_proto(link.ifindex, &ifname, IPPROTO_AH)
                .map_err(setup("AH receive socket"))?;
            spawn_receiver(RecvSocket::V4(recv), link.ifindex, tx.clone());
        }
        if let Some(IpAddr::V4(src)) = conf.src_ip {
            if !conf.unicast_peers.is_empty() {
                let recv = VrrpRecvV4::unicast_proto(src, Some(&ifname), proto)
                    .map_err(setup("VRRP unicast receive socket"))?;
                spawn_receiver(RecvSocket::V4(recv), link.ifindex, tx.clone());
            }
        }
        let (tx_link, vmac) = match &conf.vmac {
            Some(vm) => {
                let (l, index) = open_vmac(&netlink, conf, vm, &link).await?;
                (l, Some(index))
            }
            None => (link.clone(), None),
        };
        vmacs.extend(vmac);
        match Instance::new(conf, &config.global, tx_link, link.ifindex, now) {
            Ok(i) => {
                if i.is_ipv6() && v6_links.insert(ifname.clone()) {
                    let recv = VrrpRecvV6::multicast(link.ifindex, &ifname)
                        .map_err(setup("VRRP IPv6 receive socket"))?;
                    spawn_receiver(RecvSocket::V6(recv), link.ifindex, tx.clone());
                }
                instances.push(i)
            }
            Err(e) => log::info(format!("({}) not started: {e}", conf.name)),
        }
    }
    let mut sigterm = signal(SignalKind::terminate()).map_err(setup("signals"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(setup("signals"))?;
    let mut sighup = signal(SignalKind::hangup()).map_err(setup("signals"))?;
    let opts = DecodeOptions::default();
    log::info(format!(
        "Starting VRRP with {} instance(s)",
        instances.len()
    ));
    loop {
        for i in instances.iter_mut() {
            i.run_actions(&netlink).await;
        }
        let next = instances
            .iter()
            .filter_map(|i| i.machine.poll_timeout())
            .min();
        let sleep = async {
            match next {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => {
                let now = Instant::now();
                for i in instances.iter_mut() {
                    i.machine.handle_timeout(now);
                }
            }
            Some(pkt) = rx.recv() => {
                let now = Instant::now();
                let decoded = match pkt.v6 {
                    Some((src, dst, hop)) => wire::decode_ipv6(&pkt.bytes, src, dst, hop, &opts),
                    None => wire::decode_ipv4(&pkt.bytes, &opts),
                };
                if let Ok(advert) = decoded {
                    for i in instances.iter_mut().filter(|i| {
                        i.vrid() == advert.repr.vrid && i.rx_ifindex == pkt.ifindex
                    }) {
                        i.receive(&advert, now);
                    }
                }
            }
            Some(ev) = monitor.recv() => {
                let now = Instant::now();
                let (ifindex, event) = match ev {
                    NetEvent::LinkUp { ifindex, .. } => (ifindex, Event::InterfaceUp),
                    NetEvent::LinkDown { ifindex, .. } => (ifindex, Event::InterfaceDown),
                    NetEvent::LinkDeleted { ifindex } => (ifindex, Event::InterfaceDown),
                    _ => continue,
                };
                for i in instances.iter_mut().filter(|i| i.rx_ifindex == ifindex) {
                    i.machine.handle_event(now, event);
                }
            }
            _ = sighup.recv() => {
                log::info("Reload (SIGHUP) is not implemented yet; keeping the running configuration");
            }
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = &mut stop => break,
        }
    }
    log::info("Stopping");
    let now = Instant::now();
    for i in instances.iter_mut() {
        i.machine.handle_event(now, Event::Shutdown);
        i.run_actions(&netlink).await;
    }
    // keepalived removes the VMACs it created when it stops.
    for index in vmacs {
        let _ = netlink.delete_link(index).await;
    }
    Ok(())
}
