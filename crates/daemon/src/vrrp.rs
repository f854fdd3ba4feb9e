//! The VRRP event loop: one current-thread runtime, one receive socket per interface, one
//! timer (the earliest wake-up of all machines), netlink link monitoring, tracked objects,
//! sync groups and signals (SIGHUP reload, SIGTERM/SIGINT stop).

mod extra_vmacs;
mod fib_watch;
mod late_rx;
mod pass;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalived_conf::model::{GlobalDefs, NotifyScripts, VrrpInstance};
use keepalived_conf::Config;
use keepalived_net::vrrp_socket::{VrrpRecvV4, VrrpRecvV6, IPPROTO_AH, IPPROTO_VRRP};
use keepalived_net::{NetEvent, NetMonitor, Netlink};
use keepalived_vrrp::machine::{Event, State, TrackValue};
use keepalived_vrrp::sync_group::SyncGroup;
use keepalived_vrrp::{InstanceId, Router};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::fib::Ifindexes;
use crate::instance::{Env, Instance, Link, Resume};
use crate::links::{open_link, open_vmac, spawn_receiver, BufferPool, Packet, RecvSocket};
use crate::notify::{self, Fifos, Subject};
use crate::precise_timer::PreciseTimer;
use crate::snapshot::{self, DumpRequest};
use crate::sockpool::RxKind;
use crate::tracking::{self, Current, TrackKey, TrackUpdate, Watchers};
use crate::{log, metrics, statics};

/// At most this many netlink events handled in one pass after the one that woke the loop.
const MONITOR_BURST: usize = 256;

/// SIGUSR1, SIGUSR2 and keepalived's JSON and STATS_CLEAR real-time signals.
struct DumpSignals {
    data: tokio::signal::unix::Signal,
    stats: tokio::signal::unix::Signal,
    json: tokio::signal::unix::Signal,
    clear: tokio::signal::unix::Signal,
}

impl DumpSignals {
    fn new() -> Result<DumpSignals, DaemonError> {
        let rt = libc::SIGRTMIN();
        let s = |n: i32| signal(SignalKind::from_raw(n)).map_err(setup("signals"));
        Ok(DumpSignals {
            data: s(libc::SIGUSR1)?,
            stats: s(libc::SIGUSR2)?,
            json: s(rt + 2)?,
            clear: s(rt + 29)?,
        })
    }

    async fn recv(&mut self) -> DumpRequest {
        tokio::select! {
            _ = self.data.recv() => DumpRequest::Data,
            _ = self.stats.recv() => DumpRequest::Stats,
            _ = self.json.recv() => DumpRequest::Json,
            _ = self.clear.recv() => DumpRequest::StatsClear,
        }
    }
}

pub(crate) use crate::error::setup;
pub use crate::error::DaemonError;

/// Reads the configuration again for a reload (SIGHUP): the new configuration, or every
/// problem found (the running configuration is then kept).
pub type Reloader<'a> = &'a dyn Fn() -> Result<Config, Vec<String>>;

/// Runs every `vrrp_instance` of `config` until SIGTERM or SIGINT, then stops them the way
/// keepalived does (priority-0 advert, VIPs removed).
pub fn run(config: &Config) -> Result<(), DaemonError> {
    run_with(config, None, std::future::pending())
}

/// Like [`run`], but also stops (the same way) when `stop` completes: for running the daemon
/// inside another program, e.g. in a thread that entered a network namespace.
pub fn run_until<F: Future<Output = ()>>(config: &Config, stop: F) -> Result<(), DaemonError> {
    run_with(config, None, stop)
}

/// Like [`run_until`], with SIGHUP reloading through `reload` (without one, SIGHUP keeps the
/// running configuration).
pub fn run_with<F: Future<Output = ()>>(
    config: &Config,
    reload: Option<Reloader<'_>>,
    stop: F,
) -> Result<(), DaemonError> {
    run_with_options(config.clone(), reload, stop, &RunOptions::default())
}

/// What the VRRP process runs besides its configuration (ours, not keepalived's).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `--metrics-address`: serve `/metrics`, `/json` and `/healthz` there (crate::metrics).
    pub metrics_address: Option<SocketAddr>,
    /// `-V` / `--dont-release-vrrp`: at stop, leave the VIPs, virtual routes and rules (and the
    /// static ones) in place; a MASTER still sends its priority-0 advert.
    pub dont_release_vrrp: bool,
    /// The read end of the BFD child's event pipe (`track_bfd`), when a BFD child runs.
    pub bfd_events: Option<Arc<std::sync::Mutex<Option<std::os::fd::OwnedFd>>>>,
    /// The checker process runs beside this one: with `enable_snmp_checker` it serves
    /// KEEPALIVED-MIB's global group, not this process (keepalived's vrrp_handles_global_oid).
    pub checker_running: bool,
    /// keepalived 2.3's `--ignore-sigint`: SIGINT does not stop the process.
    pub ignore_sigint: bool,
    /// `-a` / `--address-monitoring`: log every address change netlink reports, as
    /// keepalived ("Netlink reflector reports IP X added to IF").
    pub address_monitoring: bool,
    /// `-d` / `--dump-conf`: once started, log the configuration in keepalived's data-dump
    /// layout ("------< Global definitions >------", the VRRP topology, sync groups,
    /// scripts), line by line, as keepalived's dump_data_vrrp(NULL) does.
    pub dump_conf: bool,
}

/// Like [`run_with`], with `options`.
pub fn run_with_options<F: Future<Output = ()>>(
    config: Config,
    reload: Option<Reloader<'_>>,
    stop: F,
    options: &RunOptions,
) -> Result<(), DaemonError> {
    // keepalived_net's lines go to the daemon's log also without log::init (embedded runs).
    keepalived_net::log::set_sink(|line| log::info(line));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup("runtime"))?;
    rt.block_on(async {
        // Before anything is set up: a SIGTERM during start-up then stops the daemon cleanly
        // once start-up is done (VMACs and VIPs removed) instead of killing it half-way.
        let mut signals = Signals::new()?;
        signals.ignore_sigint = options.ignore_sigint;
        let mut d = Daemon::new(config).await?;
        d.address_monitoring = options.address_monitoring;
        if let Some(addr) = options.metrics_address {
            d.metrics.serve(addr);
        }
        d.snmp.start(&d.config.global, options.checker_running);
        d.start().await?;
        let bfd_fd = options
            .bfd_events
            .as_ref()
            .and_then(|m| m.lock().ok().and_then(|mut g| g.take()));
        // Lives as long as the loop (aborted when dropped with the runtime).
        let recorder = d.metrics.recorder.clone();
        let _bfd_reader =
            match bfd_fd.map(|fd| tracking::spawn_bfd_reader(fd, d.track_tx.clone(), recorder)) {
                Some(Err(e)) => {
                    log::info(format!("BFD event pipe: {e}"));
                    None
                }
                Some(Ok(h)) => Some(h),
                None => None,
            };
        d.log_addresses_at_start().await;
        if options.dump_conf {
            let text = crate::dump::render_data(&d.snapshot(&d.current));
            for line in text.lines() {
                log::info(line);
            }
        }
        // Settle the first actions, then drop what only start-up needed.
        d.settle(Instant::now()).await;
        // The bus comes up once the instances are built: VrrpStarted, then each instance's
        // state (dbus::service).
        let objects = d.dbus_objects();
        d.dbus.start(&d.config.global, objects);
        let result = d.run(reload, stop, signals).await;
        d.stop(!options.dont_release_vrrp).await;
        d.dbus.stop();
        d.snmp.stop();
        result
    })
}

/// The signals the VRRP process handles, registered before start-up.
struct Signals {
    sigterm: tokio::signal::unix::Signal,
    sigint: tokio::signal::unix::Signal,
    sighup: tokio::signal::unix::Signal,
    dumps: DumpSignals,
    /// `--ignore-sigint`: SIGINT is received and dropped.
    ignore_sigint: bool,
}

impl Signals {
    fn new() -> Result<Signals, DaemonError> {
        Ok(Signals {
            sigterm: signal(SignalKind::terminate()).map_err(setup("signals"))?,
            sigint: signal(SignalKind::interrupt()).map_err(setup("signals"))?,
            sighup: signal(SignalKind::hangup()).map_err(setup("signals"))?,
            dumps: DumpSignals::new()?,
            ignore_sigint: false,
        })
    }
}

/// A sync group at run time: its machine-level state and its members.
pub(crate) struct Group {
    pub(crate) sync: SyncGroup,
    pub(crate) members: Vec<InstanceId>,
    pub(crate) notify: NotifyScripts,
    /// The group's own `smtp_alert` (`None`: smtp_alert_vrrp, else the global smtp_alert).
    pub(crate) smtp_alert: Option<bool>,
}

/// Everything the VRRP process runs.
pub(crate) struct Daemon {
    netlink: Netlink,
    pub(crate) config: Config,
    global: Arc<GlobalDefs>,
    pub(crate) fifos: Arc<Fifos>,
    names: Ifindexes,
    links: HashMap<String, Arc<Link>>,
    /// Whether each interface (by ifindex) is up, as netlink last said.
    link_up: HashMap<u32, bool>,
    /// The receive sockets: their receiver task and fd.
    pub(crate) rx: HashMap<(String, RxKind), (tokio::task::AbortHandle, RawFd)>,
    /// The VMACs the daemon created: instance name -> (ifindex, interface name).
    vmacs: HashMap<String, (u32, String)>,
    /// The VMACs of `use_vmac_addr` (and addresses' `use_vmac`): instance name ->
    /// (ifindex, interface name) of each (vrrp/extra_vmacs.rs).
    extra_vmacs: HashMap<String, Vec<(u32, String)>>,
    /// Instances with `track_src_ip` whose configured source address is not on their
    /// interface (FAULT until it is back).
    missing_src: HashSet<String>,
    /// The addresses present when a start-up, reload or rebuild pass began (the pass's
    /// `now`): read once for the pass's instances, not once per instance (1000 instances
    /// beside 10,000 VIPs made a reload read 10 million addresses). Dropped after the pass.
    present_addrs: Option<(Instant, HashSet<(u32, std::net::IpAddr)>)>,
    /// The IPv4 and IPv6 link-local addresses of each interface as the events read so far
    /// tell them (seeded at start). Whether a lost source address was its interface's last
    /// one is decided here, not by the kernel's state now: keepalived downs the instance when
    /// the primary address goes with no other one, even when another is added right after.
    seen_addrs: HashMap<u32, HashSet<std::net::IpAddr>>,
    /// `promote_secondaries` turned on by the daemon (reset at stop).
    promoted: crate::promote::PromotedInterfaces,
    /// `disable_local_igmp` (restored at stop).
    local_igmp: crate::promote::LocalIgmp,
    pub(crate) instances: Vec<Instance>,
    /// Every instance's machine and packet side, the timer heap and the (ifindex, family,
    /// VRID) routing of received adverts: the sans-IO core the loop drives.
    pub(crate) router: Router,
    /// Router id -> index in `instances`.
    by_id: HashMap<InstanceId, usize>,
    pub(crate) groups: Vec<Group>,
    pool: BufferPool,
    lvs_sync: Option<crate::lvs_sync::LvsSync>,
    /// The latest value of every tracked object (for the dumps).
    pub(crate) current: Current,
    pub(crate) watchers: Option<Watchers>,
    /// Subscribed before anything is installed, so that no change made meanwhile is missed.
    monitor: Option<NetMonitor>,
    /// The monitor's route and rule groups (fib_watch.rs).
    fib_membership: Option<keepalived_net::FibMembership>,
    pkt_tx: mpsc::Sender<Packet>,
    pkt_rx: mpsc::Receiver<Packet>,
    track_tx: mpsc::Sender<TrackUpdate>,
    track_rx: mpsc::Receiver<TrackUpdate>,
    /// `--metrics-address`: snapshot requests and the takeover histograms.
    metrics: metrics::Hub,
    /// The no-accept drop rules (crate::firewall).
    firewall: crate::firewall::Firewall,
    /// The SNMP subagent's view requests (crate::snmp).
    pub(crate) snmp: crate::snmp::Hub,
    /// Up/Down changes of each `bfd_instance` heard on the BFD pipe (for /metrics).
    pub(crate) bfd_transitions: HashMap<String, u64>,
    /// `-a`: every address change is logged (RunOptions::address_monitoring).
    pub(crate) address_monitoring: bool,
    /// The DBus service's requests (crate::dbus).
    pub(crate) dbus: crate::dbus::Hub,
    /// `linkbeat_interfaces` / `linkbeat_use_polling`: the interfaces whose link state is
    /// polled (their netlink up/down is ignored).
    pub(crate) linkbeat: Option<crate::linkbeat::Linkbeat>,
}

impl Daemon {
    async fn new(config: Config) -> Result<Daemon, DaemonError> {
        let bufs = |b| crate::sockpool::netlink_rx_buf(b);
        let g = &config.global;
        let netlink =
            Netlink::with_rx_buf(bufs(&g.vrrp_netlink_cmd_rcv_bufs)).map_err(setup("netlink"))?;
        let mut monitor = NetMonitor::with_rx_buf(bufs(&g.vrrp_netlink_monitor_rcv_bufs))
            .map_err(setup("netlink monitor"))?;
        monitor.set_log(|line| crate::log::info(line));
        let (pkt_tx, pkt_rx) = mpsc::channel(1024);
        let (track_tx, track_rx) = mpsc::channel(256);
        let global = Arc::new(config.global.clone());
        let mut firewall = crate::firewall::Firewall::new(&global);
        firewall.set_in_use(crate::firewall::nftables_in_use(&config));
        Ok(Daemon {
            fib_membership: monitor.fib_membership(),
            netlink,
            fifos: Arc::new(Fifos::open(&global)),
            firewall,
            global,
            config,
            names: HashMap::new(),
            links: HashMap::new(),
            link_up: HashMap::new(),
            rx: HashMap::new(),
            vmacs: HashMap::new(),
            extra_vmacs: HashMap::new(),
            promoted: Default::default(),
            local_igmp: Default::default(),
            missing_src: HashSet::new(),
            present_addrs: None,
            seen_addrs: HashMap::new(),
            instances: Vec::new(),
            groups: Vec::new(),
            current: Current::default(),
            router: Router::default(),
            by_id: HashMap::new(),
            pool: BufferPool::default(),
            lvs_sync: None,
            watchers: None,
            monitor: Some(monitor),
            pkt_tx,
            pkt_rx,
            track_tx,
            track_rx,
            metrics: metrics::Hub::default(),
            snmp: crate::snmp::Hub::default(),
            bfd_transitions: HashMap::new(),
            address_monitoring: false,
            dbus: crate::dbus::Hub::default(),
            linkbeat: None,
        })
    }

    /// The index of interface `name`, as netlink last listed it.
    pub(crate) fn ifindex_of(&self, name: &str) -> Option<u32> {
        self.names.get(name).copied()
    }

    /// Interface names -> (ifindex, up).
    async fn read_links(&mut self) -> HashMap<String, bool> {
        let mut up = HashMap::new();
        self.names.clear();
        if let Ok(links) = self.netlink.links().await {
            for l in links {
                up.insert(l.name.clone(), l.is_up());
                self.link_up.insert(l.index, l.is_up());
                self.names.insert(l.name, l.index);
            }
        }
        // A polled interface is as its last poll found it.
        if let Some(lb) = &self.linkbeat {
            for (name, polled_up) in lb.states() {
                if let Some(ix) = self.names.get(name) {
                    self.link_up.insert(*ix, polled_up);
                    up.insert(name.to_owned(), polled_up);
                }
            }
        }
        up
    }

    /// (Re)starts linkbeat polling for the configuration now running.
    async fn start_linkbeat(&mut self) {
        let links = self.netlink.links().await.unwrap_or_default();
        self.linkbeat = crate::linkbeat::Linkbeat::start(&self.config, &links);
    }

    /// A linkbeat polling round: each polled interface whose state changed is handled as
    /// keepalived's process_if_status_change (no up/down delay).
    fn linkbeat_poll(&mut self, now: Instant) {
        let Some(lb) = &mut self.linkbeat else { return };
        let names = &self.names;
        let changed = lb.poll(|n| names.contains_key(n));
        for (name, up) in changed {
            if let Some(&ix) = self.names.get(&name) {
                self.link_up.insert(ix, up);
                self.refresh_usable(ix, now);
            }
            self.track_interface(name, up, now);
        }
    }

    async fn start(&mut self) -> Result<(), DaemonError> {
        if self.config.global.disable_local_igmp {
            self.local_igmp.disable();
        }
        self.start_linkbeat().await;
        let links_up = self.read_links().await;
        if let Ok(all) = self.netlink.all_addresses().await {
            for a in all {
                self.saw_address(a.ifindex, a.addr, true);
            }
        }
        self.watch_fib();
        statics::install(&self.netlink, &self.config, &self.names).await;
        let current = Current::read(&self.config.vrrp, &links_up, None);
        let now = Instant::now();
        let confs = self.config.vrrp.instances.clone();
        for conf in &confs {
            if let Some(i) = self.build_instance(conf, &current, now, None).await {
                self.instances.push(i);
            }
        }
        self.present_addrs = None;
        self.reindex();
        self.build_groups();
        self.spawn_watchers(&current);
        self.current = current;
        self.firewall
            .sync(&self.instances, &self.global, &self.names);
        self.tune_receive_sockets();
        self.start_lvs_sync();
        log::info(format!(
            "Starting VRRP with {} instance(s)",
            self.instances.len()
        ));
        Ok(())
    }

    fn spawn_watchers(&mut self, current: &Current) {
        let mut used: Vec<TrackKey> = self
            .instances
            .iter()
            .flat_map(|i| i.subscriptions().iter().map(|s| s.key.clone()))
            .collect();
        used.sort();
        used.dedup();
        // The old watchers stop when dropped.
        self.watchers = Some(tracking::spawn_watchers(
            &self.config.vrrp,
            &self.global,
            &used,
            current,
            self.track_tx.clone(),
        ));
    }

    fn build_groups(&mut self) {
        let mut old: HashMap<String, SyncGroup> = self
            .groups
            .drain(..)
            .map(|g| (g.sync.name().to_owned(), g.sync))
            .collect();
        for (g, members) in self.config.vrrp.effective_sync_groups() {
            let indices: Vec<InstanceId> = members
                .iter()
                .filter_map(|m| self.instances.iter().find(|i| i.conf.name == m.name))
                .map(|i| i.id)
                .collect();
            if indices.len() < 2 {
                // keepalived removes a group left with one member.
                continue;
            }
            self.groups.push(Group {
                sync: old
                    .remove(&g.name)
                    .unwrap_or_else(|| SyncGroup::new(g.name.clone())),
                members: indices,
                notify: g.notify.clone(),
                smtp_alert: g.smtp_alert,
            });
        }
    }

    async fn open_rx(
        &mut self,
        ifname: &str,
        kind: RxKind,
        link: &Link,
    ) -> Result<(), DaemonError> {
        let key = (ifname.to_owned(), kind);
        if self.rx.contains_key(&key) {
            return Ok(());
        }
        let sock = match key.1 {
            RxKind::Multicast(IpAddr::V4(group)) => RecvSocket::V4(
                VrrpRecvV4::multicast_group(link.ifindex, ifname, IPPROTO_VRRP, group)
                    .map_err(setup("VRRP receive socket"))?,
            ),
            RxKind::Multicast(IpAddr::V6(group)) => RecvSocket::V6(
                VrrpRecvV6::multicast_group(link.ifindex, ifname, group)
                    .map_err(setup("VRRP IPv6 receive socket"))?,
            ),
            RxKind::Ah(group) => RecvSocket::V4(
                VrrpRecvV4::multicast_group(link.ifindex, ifname, IPPROTO_AH, group)
                    .map_err(setup("AH receive socket"))?,
            ),
            // An instance without interface: bound to its VRF, or to no device.
            RxKind::Unicast(IpAddr::V4(src)) => RecvSocket::V4(
                VrrpRecvV4::unicast_proto(
                    src,
                    Some(ifname).filter(|n| !n.is_empty()),
                    IPPROTO_VRRP,
                )
                .map_err(setup("VRRP unicast receive socket"))?,
            ),
            RxKind::Unicast(IpAddr::V6(src)) => RecvSocket::V6(
                VrrpRecvV6::unicast(src, link.ifindex, Some(ifname).filter(|n| !n.is_empty()))
                    .map_err(setup("VRRP IPv6 unicast receive socket"))?,
            ),
        };
        let fd = sock.as_raw_fd();
        let task = spawn_receiver(sock, link.ifindex, self.pkt_tx.clone(), self.pool.clone());
        self.rx.insert(key, (task, fd));
        Ok(())
    }

    /// The interface `name`, opened once and shared by its instances; `None` when it does not
    /// exist (yet) or its sockets cannot be opened.
    async fn link(&mut self, instance: &str, name: &str) -> Option<Arc<Link>> {
        if let Some(l) = self.links.get(name) {
            return Some(l.clone());
        }
        match open_link(&self.netlink, &self.config, name).await {
            Ok(l) => {
                let l = Arc::new(l);
                self.link_up.entry(l.ifindex).or_insert(l.up);
                self.links.insert(name.to_owned(), l.clone());
                Some(l)
            }
            Err(e) => {
                log::info(format!(
                    "({instance}) {e}: in FAULT until interface {name} is usable"
                ));
                None
            }
        }
    }

    /// The receive sockets `inst` needs on `link`: its family's multicast group (unicast
    /// instances also hear peers that still use multicast), AH, and with unicast peers one
    /// bound to its source address (`unicast_src_ip`, else the interface's address, as
    /// keepalived binds it).
    async fn open_instance_rx(&mut self, inst: &Instance, link: &Link) -> Result<(), DaemonError> {
        let conf = &inst.conf;
        if conf.interface.is_none() {
            // keepalived's socket of a unicast instance without interface: its source
            // address only (no multicast group to join without an interface).
            return self
                .open_rx(&link.name, RxKind::Unicast(inst.source()), link)
                .await;
        }
        let uses_ah = crate::sockpool::uses_ah(inst);
        let group = inst.mcast_group();
        if let (true, IpAddr::V4(g)) = (uses_ah, group) {
            self.open_rx(&link.name, RxKind::Ah(g), link).await?;
        }
        if !conf.unicast_peers.is_empty() && inst.has_source() {
            self.open_rx(&link.name, RxKind::Unicast(inst.source()), link)
                .await?;
        }
        self.open_rx(&link.name, RxKind::Multicast(group), link)
            .await
    }

    /// Opens what `conf` needs (interface, sockets, VMAC) and builds its run-time instance
    /// (in the router: a new one, or `resume`'s carrying on).
    /// An instance whose interface is missing, down or without an address is built all the
    /// same and waits in FAULT (see [`Daemon::usable`]); `None`: it cannot run at all
    /// (logged), the others go on.
    /// `fresh`: nothing is carried over into it (start-up, an instance new to a reload), so
    /// VIPs found present make it resume as MASTER.
    async fn build_instance(
        &mut self,
        conf: &VrrpInstance,
        current: &Current,
        now: Instant,
        resume: Option<Resume>,
    ) -> Option<Instance> {
        let (base, mut ready) = match conf.interface.clone() {
            Some(ifname) => match self.link(&conf.name, &ifname).await {
                Some(l) => (l, true),
                None => (Arc::new(Link::absent(&ifname).ok()?), false),
            },
            // Unicast without interface (keepalived 2.2.8+): senders and receiver bound to
            // the `vrf` device, else to none.
            None => match crate::links::open_unbound(&self.netlink, conf.vrf.as_deref()).await {
                Ok(l) => (Arc::new(l), true),
                Err(e) => {
                    let vrf = conf.vrf.as_deref().unwrap_or_default();
                    log::info(format!(
                        "({}) {e}: in FAULT until VRF {vrf} is usable",
                        conf.name
                    ));
                    (Arc::new(Link::absent(vrf).ok()?), false)
                }
            },
        };
        let mut tx_link = base.clone();
        if let (Some(vm), true) = (&conf.vmac, ready) {
            let taken = crate::links::taken_vmac_names(&self.config, conf, &self.vmacs);
            match open_vmac(&self.netlink, &self.config, conf, vm, &base, &taken).await {
                Ok((l, index)) => {
                    self.vmacs
                        .insert(conf.name.clone(), (index, l.name.clone()));
                    self.link_up.entry(index).or_insert(l.up);
                    tx_link = l;
                }
                Err(e) => {
                    log::info(format!("({}) {e}", conf.name));
                    ready = false;
                }
            }
        }
        if let (Some(ipv), true) = (&conf.ipvlan, ready) {
            let taken = crate::links::taken_vmac_names(&self.config, conf, &self.vmacs);
            match crate::links::open_ipvlan(&self.netlink, &self.config, conf, ipv, &base, &taken)
                .await
            {
                Ok((l, index)) => {
                    self.vmacs
                        .insert(conf.name.clone(), (index, l.name.clone()));
                    self.link_up.entry(index).or_insert(l.up);
                    tx_link = l;
                }
                Err(e) => {
                    log::info(format!("({}) {e}", conf.name));
                    ready = false;
                }
            }
        }
        // With use_vmac, adverts are received on the VMAC: those from a peer's VMAC (the
        // same MAC as ours: FRR, keepalived without vmac_xmit_base) reach only our
        // macvlan (mode private), the others reach it too. Also with vmac_xmit_base, where
        // keepalived receives on the base interface and never hears a peer sending from
        // its VMAC (a deliberate difference, docs/interop.md).
        // With use_ipvlan, on the ipvlan.
        let rx_link = if ready && (conf.vmac.is_some() || conf.ipvlan.is_some()) {
            tx_link.clone()
        } else {
            base.clone()
        };
        let resume_master =
            resume.is_none() && ready && self.vips_present(conf, tx_link.ifindex, now).await;
        if resume_master {
            log::info(format!(
                "({}) VIPs already present: resuming as MASTER",
                conf.name
            ));
        }
        let (homes, extra) = self.extra_interfaces(conf, tx_link.ifindex, ready).await;
        let group = self.config.vrrp.sync_group_of(&conf.name);
        let env = Env {
            homes: &homes,
            resume_master,
            global: &self.global,
            names: &self.names,
            subs: tracking::subscriptions(
                &self.config.vrrp,
                &self.config.bfd,
                conf,
                group,
                current,
            ),
            sync_group: group.is_some(),
            fifos: &self.fifos,
        };
        let ifindexes = (rx_link.ifindex, base.ifindex);
        let router = (&mut self.router, resume);
        let mut inst = match Instance::new(conf, env, tx_link, ifindexes, router, now) {
            Ok(i) => i,
            Err(e) => {
                log::info(format!("({}) not started: {e}", conf.name));
                return None;
            }
        };
        if ready {
            if let Err(e) = self.open_instance_rx(&inst, &rx_link).await {
                log::info(format!("({}) {e}", conf.name));
                ready = false;
            }
        }
        inst.sockets_ready = ready;
        inst.attach_extra_ifs(extra);
        // keepalived follows a tracked source on the instance's interface only: none without.
        let track_src = conf.track_src_ip && conf.interface.is_some();
        if let (true, true, Some(src)) = (ready, track_src, conf.src_ip) {
            let present = self
                .netlink
                .list_addresses(base.ifindex)
                .await
                .is_ok_and(|a| a.iter().any(|e| e.addr == src));
            if present {
                self.missing_src.remove(&conf.name);
            } else {
                self.missing_src.insert(conf.name.clone());
            }
        }
        if conf.no_peers_fault() {
            log::info(format!(
                "({}) Cannot use unicast without any peers - going to fault state",
                conf.name
            ));
        }
        if ready
            && conf.promote_secondaries
            && conf.vmac.is_none()
            && conf.ipvlan.is_none()
            && conf.interface.is_some()
        {
            self.promoted.acquire(&base.name);
        }
        if ready && !inst.has_source() {
            log::info(format!(
                "({}) entering FAULT state (no IPv{} address for interface)",
                conf.name,
                if inst.is_ipv6() { 6 } else { 4 }
            ));
        }
        let usable = self.usable(&inst);
        inst.set_usable(&mut self.router, usable, now);
        Some(inst)
    }

    /// Whether `inst` can run: its interfaces exist and are up (IFF_UP and IFF_RUNNING), its
    /// sockets are open and it has a source address. Otherwise it is in FAULT.
    /// With `dont_track_primary` the interfaces only have to exist (keepalived adds them
    /// with VRRP_NOT_TRACK_IF: their up/down changes are ignored).
    fn usable(&self, inst: &Instance) -> bool {
        let up = |ix: u32| match self.link_up.get(&ix) {
            Some(up) => *up || inst.conf.dont_track_primary,
            None => false,
        };
        // The interfaces of its addresses elsewhere (a `dev`, a use_vmac_addr VMAC) count
        // whatever dont_track_primary says.
        let addr_up = |ix: u32| self.link_up.get(&ix).copied().unwrap_or(false);
        // Without interface (unicast, keepalived 2.2.8+) there is none to follow: only the
        // interfaces of its addresses.
        let own_up =
            inst.conf.interface.is_none() || (up(inst.base_ifindex) && up(inst.rx_ifindex));
        inst.sockets_ready
            && inst.has_source()
            && own_up
            && inst.address_interfaces().all(addr_up)
            && !inst.conf.config_fault()
            && !self.missing_src.contains(&inst.conf.name)
    }

    /// Builds the instances on interface `name` (or in VRF `name`) again (it appeared, was
    /// created again with a new ifindex, or its addresses changed): new sockets, the current
    /// address, while each instance keeps its machine, VIPs and counters.
    async fn rebuild_on(&mut self, name: &str, now: Instant) {
        // An instance without interface is on its VRF.
        let on = |c: &VrrpInstance| match &c.interface {
            Some(i) => i == name,
            None => c.vrf.as_deref() == Some(name),
        };
        let on_it: Vec<usize> = (0..self.instances.len())
            .filter(|&i| on(&self.instances[i].conf))
            .collect();
        if on_it.is_empty() {
            return;
        }
        let mut stale: HashSet<String> = HashSet::from([name.to_owned()]);
        stale.extend(on_it.iter().map(|&i| self.instances[i].link.name.clone()));
        self.links.retain(|n, _| !stale.contains(n));
        self.rx.retain(|(n, _), (task, _)| {
            let keep = !stale.contains(n);
            if !keep {
                task.abort();
            }
            keep
        });
        let current = self.current.clone();
        for i in on_it {
            let conf = self.instances[i].conf.clone();
            let resume = Resume {
                id: self.instances[i].id,
                link_usable: self.instances[i].link_usable,
            };
            let Some(fresh) = self
                .build_instance(&conf, &current, now, Some(resume))
                .await
            else {
                continue;
            };
            let old = std::mem::replace(&mut self.instances[i], fresh);
            crate::reload::carry_over(old, &mut self.instances[i], &self.netlink).await;
        }
        self.present_addrs = None;
        self.tune_receive_sockets();
    }

    /// Whether every VIP of `conf` is already on its interface (a crashed VRRP process left
    /// them): the instance then resumes as MASTER.
    async fn vips_present(&mut self, conf: &VrrpInstance, ifindex: u32, now: Instant) -> bool {
        if conf.virtual_ipaddresses.is_empty() {
            return false;
        }
        if self.present_addrs.as_ref().map(|(at, _)| *at) != Some(now) {
            let Ok(all) = self.netlink.all_addresses().await else {
                return false;
            };
            let set = all.into_iter().map(|a| (a.ifindex, a.addr)).collect();
            self.present_addrs = Some((now, set));
        }
        let Some((_, present)) = &self.present_addrs else {
            return false;
        };
        conf.virtual_ipaddresses.iter().all(|v| {
            let index = v
                .dev
                .as_ref()
                .and_then(|d| self.names.get(d).copied())
                .unwrap_or(ifindex);
            present.contains(&(index, v.prefix.addr))
        })
    }

    /// global_defs `lvs_sync_daemon`: the sync daemon follows its instance.
    fn start_lvs_sync(&mut self) {
        let Some(conf) = self.config.global.lvs_sync_daemon.clone() else {
            return;
        };
        let inst = conf
            .instance
            .as_deref()
            .and_then(|n| self.instances.iter().find(|i| i.conf.name == n));
        match inst {
            Some(i) => self.lvs_sync = crate::lvs_sync::LvsSync::start(&conf, i.vrid()),
            None => log::info("lvs_sync_daemon: its vrrp_instance is not running; not syncing"),
        }
    }

    /// Maps router ids to instances again after the instance list changed (start, reload).
    fn reindex(&mut self) {
        self.by_id = (self.instances.iter().enumerate())
            .map(|(n, i)| (i.id, n))
            .collect();
    }

    /// When the instances have settled after start-up: the longest of each instance's
    /// start-up delay, its Master_Down_Interval and its delayed gratuitous ARPs, plus a
    /// second (at most a minute).
    fn startup_settles_in(&self) -> Duration {
        let g = &self.config.global;
        let startup = g.vrrp_startup_delay.unwrap_or_default();
        let longest = (self.config.vrrp.instances.iter())
            .map(|i| {
                let adverts = u32::from(i.down_timer_adverts) + 1;
                let garp = i.garp.master_delay.unwrap_or(g.garp.master_delay);
                startup + i.advert_int(g) * adverts + garp
            })
            .max()
            .unwrap_or_default();
        (longest + Duration::from_secs(1)).min(Duration::from_secs(60))
    }

    async fn run<F: Future<Output = ()>>(
        &mut self,
        reload: Option<Reloader<'_>>,
        stop: F,
        signals: Signals,
    ) -> Result<(), DaemonError> {
        let mut stop = std::pin::pin!(stop);
        let monitor = self.monitor.take().ok_or(DaemonError::MonitorTaken)?;
        let known: Vec<(u32, bool)> = self.link_up.iter().map(|(i, up)| (*i, *up)).collect();
        let mut monitor =
            keepalived_net::debounce::Debounce::new(monitor, crate::debounce::delays(self), known);
        let Signals {
            mut sigterm,
            mut sigint,
            mut sighup,
            mut dumps,
            ignore_sigint,
        } = signals;
        let timer = PreciseTimer::new().map_err(setup("timerfd"))?;
        let mut overdue = crate::overdue::Overdue::new(&self.config.global);
        // What start-up touched (parser, set-up, the first elections and GARP bursts) is
        // given back once the instances have settled; released earlier, the code of the
        // first transitions was faulted back in at once.
        let release_at = tokio::time::sleep(self.startup_settles_in());
        tokio::pin!(release_at);
        let mut release_pending = true;
        let mut linkbeat_tick = tokio::time::interval(crate::linkbeat::POLLING_DELAY);
        linkbeat_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.settle(Instant::now()).await;
            let next = self.router.poll_timeout();
            let sleep = async {
                match next {
                    Some(t) => timer.sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = sleep => {
                    let mut now = Instant::now();
                    self.metrics.timer_fired(next);
                    self.metrics.recorder.timer_woke(next, now);
                    // keepalived's overdue handling sees the stall as it woke up
                    // (timer_expired_backup steps a MASTER down before any advert it
                    // would answer); then the adverts that arrived in time are read,
                    // then the timers fire.
                    overdue.check(next, now, &mut self.router);
                    if next.is_some_and(|t| now.saturating_duration_since(t) >= late_rx::LATE)
                        && self.read_pending().await > 0
                    {
                        now = Instant::now();
                    }
                    self.router.handle_timeout(now);
                }
                Some(pkt) = self.pkt_rx.recv() => {
                    let now = Instant::now();
                    // keepalived looks at its timers first, whatever woke it up.
                    overdue.check(next, now, &mut self.router);
                    self.rx_packet(pkt, now);
                }
                Some(update) = self.track_rx.recv() => self.track_update(update),
                _ = linkbeat_tick.tick(), if self.linkbeat.is_some() => {
                    self.linkbeat_poll(Instant::now());
                }
                Some(ev) = monitor.recv() => {
                    self.link_event(ev).await;
                    // The rest of a burst already read (unrelated address churn: thousands a
                    // second) in this pass, not one loop turn each.
                    for _ in 0..MONITOR_BURST {
                        let Some(ev) = monitor.try_recv() else { break };
                        self.link_event(ev).await;
                    }
                }
                _ = sighup.recv() => match reload {
                    Some(read) => self.reload(read).await,
                    None => log::info("Reload (SIGHUP) needs the configuration file; keeping the running configuration"),
                },
                req = dumps.recv() => self.dump(req),
                Some(reply) = self.metrics.requests.recv() => {
                    let _ = reply.send(self.snapshot(&self.current));
                }
                Some(req) = self.snmp.requests.recv() => self.snmp_answer(req),
                Some(req) = self.dbus.requests.recv() => self.dbus_answer(req),
                _ = &mut release_at, if release_pending => {
                    release_pending = false;
                    crate::memory::release_startup_memory();
                }
                _ = sigterm.recv() => break,
                _ = sigint.recv() => if !ignore_sigint { break },
                _ = &mut stop => break,
            }
        }
        Ok(())
    }

    /// A tracked object's new value, to every instance tracking it.
    fn track_update(&mut self, update: TrackUpdate) {
        let now = Instant::now();
        if let TrackKey::Bfd(name) = &update.key {
            // keepalived's vrrp_handle_bfd_event: a repeated state changes nothing.
            if self.current.get(&update.key) == update.value {
                return;
            }
            *self.bfd_transitions.entry(name.clone()).or_default() += 1;
            let word = if update.value == TrackValue::Up {
                "UP"
            } else {
                "DOWN"
            };
            for i in &self.instances {
                if i.subscriptions().iter().any(|s| s.key == update.key) {
                    log::info(format!(
                        "VRRP_Instance({}) Tracked BFD instance {name} is {word}",
                        i.conf.name
                    ));
                }
            }
        }
        self.current.set(update.key.clone(), update.value);
        for i in &self.instances {
            i.track(&mut self.router, &update.key, update.value, now);
        }
    }

    /// `log_unknown_vrids`: keepalived's dispatcher logs every advert for a VRID that no
    /// instance on the interface serves.
    fn log_unknown_vrid(&self, vrid: u8, ifindex: u32) {
        let name = self
            .names
            .iter()
            .find(|(_, i)| **i == ifindex)
            .map_or_else(|| ifindex.to_string(), |(n, _)| n.clone());
        log::info(format!(
            "Unknown VRID({vrid}) received on interface({name}). ignoring..."
        ));
    }

    async fn link_event(&mut self, ev: NetEvent) {
        let now = Instant::now();
        match ev {
            NetEvent::LinkUp { ifindex, name } => self.link_changed(ifindex, name, true, now).await,
            NetEvent::LinkDown { ifindex, name } => {
                self.link_changed(ifindex, name, false, now).await
            }
            NetEvent::LinkDeleted { ifindex } => {
                self.link_up.remove(&ifindex);
                let name = self
                    .names
                    .iter()
                    .find(|(_, i)| **i == ifindex)
                    .map(|(n, _)| n.clone());
                if let Some(n) = &name {
                    self.names.remove(n);
                }
                self.refresh_usable(ifindex, now);
                if let Some(n) = name {
                    self.track_interface(n, false, now);
                }
            }
            NetEvent::AddressAdded { ifindex, addr, .. } => {
                self.saw_address(ifindex, addr, true);
                self.log_address_change(ifindex, addr, true);
                self.track_source(ifindex, addr, true, now);
                // An instance waiting for an address on that interface can start now; so can
                // one whose unicast_src_ip could not be bound (IPv6 DAD still running at
                // start: the kernel reports the address again when DAD completes).
                // keepalived 2.2.7 stays in FAULT there for good (docs/notes/real-hosts.md).
                let waiting = self.instances.iter().find(|i| {
                    i.base_ifindex == ifindex
                        && ((!i.has_source()
                            && i.is_ipv6() == addr.is_ipv6()
                            && (addr.is_ipv4() || is_link_local(addr)))
                            || (!i.sockets_ready && i.conf.src_ip == Some(addr)))
                });
                if let Some(name) = waiting.and_then(|i| i.conf.interface.clone()) {
                    self.rebuild_on(&name, now).await;
                }
            }
            NetEvent::AddressRemoved { ifindex, addr, .. } => {
                self.saw_address(ifindex, addr, false);
                self.log_address_change(ifindex, addr, false);
                self.track_source(ifindex, addr, false, now);
                self.address_removed(ifindex, addr, now).await
            }
            NetEvent::RouteRemoved(r) => self.route_removed(r, now).await,
            NetEvent::RuleRemoved(r) => self.rule_removed(r, now).await,
        }
    }

    /// `-a`: keepalived's vrrp process reads every address at start through the same filter
    /// as the changes, so each is logged once as added (IPv4 first, as its dump).
    async fn log_addresses_at_start(&self) {
        if !self.address_monitoring {
            return;
        }
        let mut all = Vec::new();
        for &ifindex in self.names.values() {
            if let Ok(entries) = self.netlink.list_addresses(ifindex).await {
                all.extend(
                    entries
                        .into_iter()
                        .map(|e| (e.addr.is_ipv6(), ifindex, e.addr)),
                );
            }
        }
        all.sort();
        for (_, ifindex, addr) in all {
            self.log_address_change(ifindex, addr, true);
        }
    }

    /// Keeps `seen_addrs` (the addresses a source can be taken from) as the events say.
    fn saw_address(&mut self, ifindex: u32, addr: IpAddr, added: bool) {
        if !(addr.is_ipv4() || is_link_local(addr)) {
            return;
        }
        if added {
            self.seen_addrs.entry(ifindex).or_default().insert(addr);
        } else if let Some(set) = self.seen_addrs.get_mut(&ifindex) {
            set.remove(&addr);
        }
    }

    /// `-a`: keepalived's netlink_if_address_filter line for an address change.
    fn log_address_change(&self, ifindex: u32, addr: std::net::IpAddr, added: bool) {
        if !self.address_monitoring {
            return;
        }
        let Some(name) = self
            .names
            .iter()
            .find(|(_, i)| **i == ifindex)
            .map(|(n, _)| n)
        else {
            return;
        };
        let what = if added { "added to" } else { "removed from" };
        log::info(format!("Netlink reflector reports IP {addr} {what} {name}"));
    }

    /// An interface was seen up or down. A name seen with a new ifindex is an interface that
    /// appeared or was created again: its instances are built again on it.
    async fn link_changed(&mut self, ifindex: u32, name: String, up: bool, now: Instant) {
        // keepalived's netlink_if_link_filter: a known interface's link changes are ignored
        // when linkbeat polls it.
        let polled = self.linkbeat.as_ref().is_some_and(|l| l.is_polled(&name));
        if polled && self.names.get(&name) == Some(&ifindex) {
            return;
        }
        // Events may be stale (queued while start-up created VMACs): the kernel's current
        // state decides.
        let up = match self.netlink.link_by_index(ifindex).await {
            Ok(Some(l)) => l.is_up(),
            Ok(None) => false,
            Err(_) => up,
        };
        self.link_up.insert(ifindex, up);
        // Renamed: the old name is gone, its instances wait for it (keepalived: FAULT).
        let renamed: Vec<String> = self
            .names
            .iter()
            .filter(|(n, i)| **i == ifindex && **n != name)
            .map(|(n, _)| n.clone())
            .collect();
        for old in renamed {
            self.names.remove(&old);
            self.rebuild_on(&old, now).await;
        }
        let before = self.names.insert(name.clone(), ifindex);
        if before != Some(ifindex) {
            self.rebuild_on(&name, now).await;
        }
        self.refresh_usable(ifindex, now);
        self.track_interface(name, up, now);
    }

    /// Feeds the instances on `ifindex` whether they can run now.
    fn refresh_usable(&mut self, ifindex: u32, now: Instant) {
        for idx in 0..self.instances.len() {
            let i = &self.instances[idx];
            let on_it = i.base_ifindex == ifindex
                || i.rx_ifindex == ifindex
                || i.address_interfaces().any(|ix| ix == ifindex);
            if !on_it {
                continue;
            }
            let usable = self.usable(i);
            self.instances[idx].set_usable(&mut self.router, usable, now);
        }
    }

    /// `track_interface`: the tracked interface `name` changed.
    fn track_interface(&mut self, name: String, up: bool, now: Instant) {
        let value = if up {
            keepalived_vrrp::machine::TrackValue::Up
        } else {
            keepalived_vrrp::machine::TrackValue::Down
        };
        let key = TrackKey::Interface(name);
        for i in &self.instances {
            i.track(&mut self.router, &key, value, now);
        }
    }

    /// An address went away: the source address of instances that took it from the
    /// interface (they take the next one, or wait in FAULT), or a VIP of a MASTER removed by
    /// someone else (keepalived goes to BACKUP and takes over again at once, putting it back).
    /// `track_src_ip`: the configured source address `addr` came (`present`) or went on
    /// `ifindex`: the instance is in FAULT while it is missing, as keepalived's man page says.
    /// (keepalived 2.2.7-2.3.4 compares the address with the start of a sockaddr and so never
    /// downs the instance: a deliberate difference, docs/notes/real-hosts.md.)
    fn track_source(&mut self, ifindex: u32, addr: IpAddr, present: bool, now: Instant) {
        let tracking: Vec<String> = self
            .instances
            .iter()
            .filter(|i| {
                i.base_ifindex == ifindex && i.conf.track_src_ip && i.conf.src_ip == Some(addr)
            })
            .map(|i| i.conf.name.clone())
            .collect();
        if tracking.is_empty() {
            return;
        }
        for name in tracking {
            if present {
                self.missing_src.remove(&name);
            } else {
                self.missing_src.insert(name);
            }
        }
        self.refresh_usable(ifindex, now);
    }

    async fn address_removed(&mut self, ifindex: u32, addr: IpAddr, now: Instant) {
        // Instances that took `addr` from the interface as their source address.
        let took_it = |i: &Instance| {
            i.base_ifindex == ifindex
                && i.conf.src_ip.is_none()
                && i.has_source()
                && i.source() == addr
        };
        let lost_source = self.instances.iter().find(|i| took_it(i));
        if let Some(name) = lost_source.and_then(|i| i.conf.interface.clone()) {
            let another = self
                .seen_addrs
                .get(&ifindex)
                .is_some_and(|s| s.iter().any(|a| a.is_ipv6() == addr.is_ipv6()));
            if another {
                self.rebuild_on(&name, now).await;
            } else {
                // keepalived's down_instance: priority 0 if MASTER, then FAULT until an
                // address is added (AddressAdded builds it again).
                for i in self.instances.iter_mut().filter(|i| took_it(i)) {
                    i.lose_source();
                }
                self.refresh_usable(ifindex, now);
            }
        }
        statics::reinstate_address(&self.netlink, &self.config, &self.names, ifindex, addr).await;
        let router = &self.router;
        let owned = |i: &Instance| {
            let master = router.machine(i.id).map(|m| m.state()) == Some(State::Master);
            i.holds_vips && master && i.owns_vip(ifindex, addr)
        };
        if !self.instances.iter().any(owned) {
            return;
        }
        // The event may be stale: a reload that removed this VIP and the next one that put it
        // back are both done before their notifications are read. The kernel says whether
        // it is gone now.
        let back = self
            .netlink
            .list_addresses(ifindex)
            .await
            .is_ok_and(|a| a.iter().any(|e| e.addr == addr));
        if back {
            return;
        }
        let lost: Vec<(String, InstanceId)> = self
            .instances
            .iter()
            .filter(|i| owned(i))
            .map(|i| (i.conf.name.clone(), i.id))
            .collect();
        for (name, id) in lost {
            log::info(format!(
                "({name}) VIP {addr} was removed from the interface"
            ));
            self.router.handle_event(now, id, Event::VipRemoved);
        }
    }

    /// SIGHUP: read the configuration again; keep the running one if it has errors.
    async fn reload(&mut self, read: Reloader<'_>) {
        log::info("Reloading");
        crate::config_save::save(&self.global, "vrrp", false, || {
            crate::dump::render_data(&self.snapshot(&self.current))
        });
        let new = match read() {
            Ok(c) => c,
            Err(problems) => {
                for p in &problems {
                    log::info(p.clone());
                }
                log::info("Reload failed: the configuration has errors; keeping the running configuration");
                return;
            }
        };
        if let Err(e) = crate::reload::apply(self, new).await {
            log::info(format!("Reload failed: {e}"));
        }
        crate::config_save::save(&self.global, "vrrp", true, || {
            crate::dump::render_data(&self.snapshot(&self.current))
        });
        // The old configuration and instances are freed, and the parser's code ran: give the
        // pages back, so that RSS stays flat over many reloads instead of keeping the
        // allocator's high water.
        crate::memory::release_startup_memory();
    }

    /// Replaces the configuration: kept instances keep their state and VIPs, removed ones
    /// release theirs, added ones start.
    pub(crate) async fn replace_config(&mut self, new: Config) -> Result<(), DaemonError> {
        let now = Instant::now();
        let before = std::mem::replace(&mut self.config, new);
        self.firewall
            .set_in_use(crate::firewall::nftables_in_use(&self.config));
        if *self.global != self.config.global {
            self.global = Arc::new(self.config.global.clone());
        }
        self.snmp.reload(&self.global);
        let names_before = std::mem::take(&mut self.names);
        self.start_linkbeat().await;
        let links_up = self.read_links().await;
        self.watch_fib();
        let current = Current::read(&self.config.vrrp, &links_up, Some(&self.current));
        // Only the instances whose configuration (or surroundings) changed are built again;
        // the others carry on as they are (crate::reload::unchanged).
        let surroundings =
            names_before == self.names && crate::reload::same_surroundings(&before, &self.config);
        drop(before);
        let mut old: Vec<Option<Instance>> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(Some)
            .collect();
        let by_name: HashMap<String, usize> = (old.iter().enumerate())
            .filter_map(|(n, o)| o.as_ref().map(|o| (o.conf.name.clone(), n)))
            .collect();
        for k in 0..self.config.vrrp.instances.len() {
            let conf = &self.config.vrrp.instances[k];
            let slot = by_name.get(&conf.name).copied();
            let same = slot
                .and_then(|n| old[n].as_ref())
                .is_some_and(|o| surroundings && self.unchanged(o, conf));
            if same {
                if let Some(mut kept) = slot.and_then(|n| old[n].take()) {
                    self.router.reload_unchanged(kept.id, now);
                    // The links were just read again, as a rebuild would see them.
                    let usable = self.usable(&kept);
                    kept.set_usable(&mut self.router, usable, now);
                    if kept.holds_vips {
                        kept.reinstall_own_routes(&self.netlink).await;
                    }
                    self.instances.push(kept);
                }
                continue;
            }
            let conf = conf.clone();
            let kept = slot.filter(|&n| {
                old[n]
                    .as_ref()
                    .is_some_and(|o| crate::reload::compatible(&o.conf, &conf))
            });
            let resume = kept.and_then(|n| old[n].as_ref()).map(|o| Resume {
                id: o.id,
                link_usable: o.link_usable,
            });
            let Some(mut fresh) = self.build_instance(&conf, &current, now, resume).await else {
                continue;
            };
            if let Some(kept) = kept.and_then(|n| old[n].take()) {
                crate::reload::carry_over(kept, &mut fresh, &self.netlink).await;
            }
            self.instances.push(fresh);
        }
        let old: Vec<Instance> = old.into_iter().flatten().collect();
        self.present_addrs = None;
        // The removed ones stop as keepalived stops them (a MASTER sends priority 0 and
        // releases its VIPs; FAULT, or DELETED with notify_deleted), then leave the router.
        let first_gone = self.instances.len();
        for mut gone in old {
            log::info(format!("({}) removed by reload", gone.conf.name));
            gone.deleting = true;
            self.router.handle_event(now, gone.id, Event::Shutdown);
            self.instances.push(gone);
        }
        self.reindex();
        self.flush_alone(first_gone..self.instances.len()).await;
        for gone in self.instances.split_off(first_gone) {
            let _ = self.router.take(gone.id);
            if let Some((index, _)) = self.vmacs.remove(&gone.conf.name) {
                let _ = self.netlink.delete_link(index).await;
            }
            self.remove_extra_vmacs(&gone.conf.name).await;
        }
        self.reindex();
        self.build_groups();
        self.spawn_watchers(&current);
        self.current = current;
        self.firewall
            .sync(&self.instances, &self.global, &self.names);
        self.tune_receive_sockets();
        let objects = self.dbus_objects();
        self.dbus.reload(&self.global, objects);
        Ok(())
    }

    /// Whether `old` carries on through this reload as it is under `conf`: the same
    /// configuration (file lines included: every place a log or dump names stays right), on
    /// the same opened interface, its sockets open, with an address; not on a VMAC or
    /// ipvlan (made per instance) and in no sync group (its members' states are tied).
    /// Anything else is built again, keeping its machine when [`crate::reload::compatible`].
    fn unchanged(&self, old: &Instance, conf: &VrrpInstance) -> bool {
        old.conf == *conf
            && old.sockets_ready
            && old.has_source()
            && !old.deleting
            && conf.vmac.is_none()
            && conf.ipvlan.is_none()
            && !conf.use_vmac_addr
            && self.config.vrrp.sync_group_of(&conf.name).is_none()
            && (conf.interface.as_deref())
                .and_then(|n| self.links.get(n))
                .is_some_and(|l| Arc::ptr_eq(l, &old.link))
    }

    pub(crate) fn dump(&mut self, req: DumpRequest) {
        let snap = self.snapshot(&self.current);
        snapshot::write(&snap, req, &self.global);
        if req == DumpRequest::StatsClear {
            self.router.clear_stats();
        }
    }

    /// Stops every instance; `release`: remove the VIPs, routes and rules (not with -V).
    async fn stop(&mut self, release: bool) {
        let now = Instant::now();
        for i in &self.instances {
            self.router.handle_event(now, i.id, Event::Shutdown);
        }
        if release {
            self.flush_alone(0..self.instances.len()).await;
        } else {
            self.drive_router().await;
            for i in &mut self.instances {
                let _ = i.take_pending();
            }
        }
        for g in &mut self.groups {
            group_changed(g, State::Stop, &self.global, &self.fifos);
        }
        // keepalived removes the VMACs it created when it stops.
        for (_, (index, _)) in self.vmacs.drain() {
            let _ = self.netlink.delete_link(index).await;
        }
        let with_extra: Vec<String> = self.extra_vmacs.keys().cloned().collect();
        for name in with_extra {
            self.remove_extra_vmacs(&name).await;
        }
        self.promoted.release_all();
        self.local_igmp.restore();
        if release {
            statics::remove(&self.netlink, &self.config, &self.names).await;
        }
        if let Some(sync) = self.lvs_sync.as_mut() {
            sync.stop();
        }
        self.firewall.stop();
    }
}

fn is_link_local(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

fn group_changed(g: &Group, state: State, global: &GlobalDefs, fifos: &Fifos) {
    let Some(notify_state) = notify::notify_state(state) else {
        return;
    };
    let name = g.sync.name();
    match state {
        State::Fault => log::info(format!(
            "VRRP_Group({name}) Syncing instances to FAULT state"
        )),
        _ => log::info(format!(
            "VRRP_Group({name}) Syncing instances to {state} state"
        )),
    }
    notify::state_change(
        &g.notify,
        global,
        fifos,
        Subject::Group,
        name,
        notify_state,
        0,
        g.smtp_alert,
    );
    crate::snmp::notify_group(name, notify_state, &crate::snapshot::router_id(global));
}
