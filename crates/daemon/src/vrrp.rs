//! The VRRP event loop: one current-thread runtime, one receive socket per interface, one
//! timer (the earliest wake-up of all machines), netlink link monitoring, tracked objects,
//! sync groups and signals (SIGHUP reload, SIGTERM/SIGINT stop).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use keepalived_conf::model::{AuthType, GlobalDefs, NotifyScripts, VrrpInstance};
use keepalived_conf::Config;
use keepalived_net::vrrp_socket::{VrrpRecvV4, VrrpRecvV6, IPPROTO_AH, IPPROTO_VRRP};
use keepalived_net::{NetEvent, NetMonitor, Netlink};
use keepalived_vrrp::machine::{Event, NotifyState, State};
use keepalived_vrrp::sync_group::SyncGroup;
use keepalived_vrrp::wire::{self, DecodeOptions};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::batch::NetBatch;
use crate::fib::Ifindexes;
use crate::instance::{Env, Instance, Link};
use crate::links::{open_link, open_vmac, spawn_receiver, BufferPool, Packet, RecvSocket};
use crate::notify::{self, Fifos, Subject};
use crate::precise_timer::PreciseTimer;
use crate::schedule::Schedule;
use crate::snapshot::{self, DumpRequest};
use crate::tracking::{self, Current, TrackKey, TrackUpdate, Watchers};
use crate::{log, metrics, statics};

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

/// Why the VRRP daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The runtime, a socket or netlink could not be set up.
    #[error("{0}")]
    Setup(String),
}

pub(crate) fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DaemonError + '_ {
    move |e| DaemonError::Setup(format!("{what}: {e}"))
}

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
    run_with_options(config, reload, stop, &RunOptions::default())
}

/// What the VRRP process runs besides its configuration (ours, not keepalived's).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `--metrics-address`: serve `/metrics`, `/json` and `/healthz` there (crate::metrics).
    pub metrics_address: Option<SocketAddr>,
    /// `-V` / `--dont-release-vrrp`: at stop, leave the VIPs, virtual routes and rules (and the
    /// static ones) in place; a MASTER still sends its priority-0 advert.
    pub dont_release_vrrp: bool,
}

/// Like [`run_with`], with `options`.
pub fn run_with_options<F: Future<Output = ()>>(
    config: &Config,
    reload: Option<Reloader<'_>>,
    stop: F,
    options: &RunOptions,
) -> Result<(), DaemonError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup("runtime"))?;
    rt.block_on(async {
        let mut d = Daemon::new(config.clone()).await?;
        if let Some(addr) = options.metrics_address {
            d.metrics.serve(addr);
        }
        d.start().await?;
        // Settle the first actions, then drop what only start-up needed.
        d.settle(Instant::now()).await;
        crate::memory::release_startup_memory();
        let result = d.run(reload, stop).await;
        d.stop(!options.dont_release_vrrp).await;
        result
    })
}

/// A sync group at run time: its machine-level state and its members (indices).
pub(crate) struct Group {
    pub(crate) sync: SyncGroup,
    pub(crate) members: Vec<usize>,
    pub(crate) notify: NotifyScripts,
}

/// Which receive sockets are open: (interface, kind).
#[derive(Hash, PartialEq, Eq)]
enum RxKind {
    V4,
    V6,
    Ah,
    Unicast(IpAddr),
}

/// Everything the VRRP process runs.
pub(crate) struct Daemon {
    netlink: Netlink,
    pub(crate) config: Config,
    global: Arc<GlobalDefs>,
    fifos: Arc<Fifos>,
    names: Ifindexes,
    links: HashMap<String, Arc<Link>>,
    rx: HashSet<(String, RxKind)>,
    vmacs: HashMap<String, u32>,
    pub(crate) instances: Vec<Instance>,
    pub(crate) groups: Vec<Group>,
    schedule: Schedule,
    pool: BufferPool,
    lvs_sync: Option<crate::lvs_sync::LvsSync>,
    /// The latest value of every tracked object (for the dumps).
    current: Current,
    watchers: Option<Watchers>,
    pkt_tx: mpsc::Sender<Packet>,
    pkt_rx: mpsc::Receiver<Packet>,
    track_tx: mpsc::Sender<TrackUpdate>,
    track_rx: mpsc::Receiver<TrackUpdate>,
    /// `--metrics-address`: snapshot requests and the takeover histograms.
    metrics: metrics::Hub,
}

impl Daemon {
    async fn new(config: Config) -> Result<Daemon, DaemonError> {
        let netlink = Netlink::new().map_err(setup("netlink"))?;
        let (pkt_tx, pkt_rx) = mpsc::channel(1024);
        let (track_tx, track_rx) = mpsc::channel(256);
        let global = Arc::new(config.global.clone());
        Ok(Daemon {
            netlink,
            fifos: Arc::new(Fifos::open(&global)),
            global,
            config,
            names: HashMap::new(),
            links: HashMap::new(),
            rx: HashSet::new(),
            vmacs: HashMap::new(),
            instances: Vec::new(),
            groups: Vec::new(),
            current: Current::default(),
            schedule: Schedule::default(),
            pool: BufferPool::default(),
            lvs_sync: None,
            watchers: None,
            pkt_tx,
            pkt_rx,
            track_tx,
            track_rx,
            metrics: metrics::Hub::default(),
        })
    }

    /// Interface names -> (ifindex, up).
    async fn read_links(&mut self) -> HashMap<String, bool> {
        let mut up = HashMap::new();
        self.names.clear();
        if let Ok(links) = self.netlink.links().await {
            for l in links {
                up.insert(l.name.clone(), l.is_up());
                self.names.insert(l.name, l.index);
            }
        }
        up
    }

    async fn start(&mut self) -> Result<(), DaemonError> {
        let links_up = self.read_links().await;
        statics::install(&self.netlink, &self.config, &self.names).await;
        let current = Current::read(&self.config.vrrp, &links_up);
        let now = Instant::now();
        let confs = self.config.vrrp.instances.clone();
        for conf in &confs {
            if let Some(i) = self.build_instance(conf, &current, now).await? {
                self.instances.push(i);
            }
        }
        self.build_groups();
        self.reschedule_all();
        self.spawn_watchers(&current);
        self.current = current;
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
            let indices: Vec<usize> = members
                .iter()
                .filter_map(|m| self.instances.iter().position(|i| i.conf.name == m.name))
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
        if self.rx.contains(&key) {
            return Ok(());
        }
        let sock = match key.1 {
            RxKind::V4 => RecvSocket::V4(
                VrrpRecvV4::multicast(link.ifindex, ifname)
                    .map_err(setup("VRRP receive socket"))?,
            ),
            RxKind::V6 => RecvSocket::V6(
                VrrpRecvV6::multicast(link.ifindex, ifname)
                    .map_err(setup("VRRP IPv6 receive socket"))?,
            ),
            RxKind::Ah => RecvSocket::V4(
                VrrpRecvV4::multicast_proto(link.ifindex, ifname, IPPROTO_AH)
                    .map_err(setup("AH receive socket"))?,
            ),
            RxKind::Unicast(IpAddr::V4(src)) => RecvSocket::V4(
                VrrpRecvV4::unicast_proto(src, Some(ifname), IPPROTO_VRRP)
                    .map_err(setup("VRRP unicast receive socket"))?,
            ),
            RxKind::Unicast(IpAddr::V6(src)) => RecvSocket::V6(
                VrrpRecvV6::unicast(src, link.ifindex, Some(ifname))
                    .map_err(setup("VRRP IPv6 unicast receive socket"))?,
            ),
        };
        spawn_receiver(sock, link.ifindex, self.pkt_tx.clone(), self.pool.clone());
        self.rx.insert(key);
        Ok(())
    }

    /// Opens what `conf` needs (interface, sockets, VMAC) and builds its run-time instance.
    /// `Ok(None)`: the instance cannot run (logged), the others go on.
    async fn build_instance(
        &mut self,
        conf: &VrrpInstance,
        current: &Current,
        now: Instant,
    ) -> Result<Option<Instance>, DaemonError> {
        let Some(ifname) = conf.interface.clone() else {
            log::info(format!(
                "({}) no interface: instance not started",
                conf.name
            ));
            return Ok(None);
        };
        let link = match self.links.get(&ifname) {
            Some(l) => l.clone(),
            None => {
                let l = Arc::new(open_link(&self.netlink, &ifname).await?);
                self.links.insert(ifname.clone(), l.clone());
                l
            }
        };
        let uses_ah = conf
            .effective_authentication(&self.global)
            .is_some_and(|a| a.auth_type == Some(AuthType::Ah));
        if uses_ah {
            self.open_rx(&ifname, RxKind::Ah, &link).await?;
        }
        if let Some(src) = conf.src_ip.filter(|_| !conf.unicast_peers.is_empty()) {
            self.open_rx(&ifname, RxKind::Unicast(src), &link).await?;
        }
        let tx_link = match &conf.vmac {
            Some(vm) => {
                let (l, index) = open_vmac(&self.netlink, conf, vm, &link).await?;
                self.vmacs.insert(conf.name.clone(), index);
                l
            }
            None => link.clone(),
        };
        let resume_master = self.vips_present(conf, tx_link.ifindex).await;
        if resume_master {
            log::info(format!(
                "({}) VIPs already present: resuming as MASTER",
                conf.name
            ));
        }
        let group = self.config.vrrp.sync_group_of(&conf.name);
        let env = Env {
            resume_master,
            global: &self.global,
            names: &self.names,
            subs: tracking::subscriptions(&self.config.vrrp, conf, group, current),
            sync_group: group.is_some(),
            fifos: &self.fifos,
        };
        match Instance::new(conf, env, tx_link, link.ifindex, now) {
            Ok(i) => {
                let kind = if i.is_ipv6() { RxKind::V6 } else { RxKind::V4 };
                if conf.unicast_peers.is_empty() || i.is_ipv6() {
                    self.open_rx(&ifname, kind, &link).await?;
                } else {
                    // Unicast instances also hear multicast from peers that still use it.
                    self.open_rx(&ifname, RxKind::V4, &link).await?;
                }
                Ok(Some(i))
            }
            Err(e) => {
                log::info(format!("({}) not started: {e}", conf.name));
                Ok(None)
            }
        }
    }

    /// Whether every VIP of `conf` is already on its interface (a crashed VRRP process left
    /// them): the instance then resumes as MASTER.
    async fn vips_present(&self, conf: &VrrpInstance, ifindex: u32) -> bool {
        if conf.virtual_ipaddresses.is_empty() {
            return false;
        }
        let Ok(present) = self.netlink.list_addresses(ifindex).await else {
            return false;
        };
        conf.virtual_ipaddresses.iter().all(|v| {
            let index = v
                .dev
                .as_ref()
                .and_then(|d| self.names.get(d).copied())
                .unwrap_or(ifindex);
            present
                .iter()
                .any(|p| p.addr == v.prefix.addr && p.ifindex == index)
        })
    }

    /// Sync group rules for the groups of touched instances, then the touched instances'
    /// actions, then their timers.
    async fn settle(&mut self, now: Instant) {
        let decided = self.metrics.decided_at(now);
        let mut dirty = self.schedule.take_dirty();
        for g in &mut self.groups {
            if !g.members.iter().any(|m| dirty.contains(m)) {
                continue;
            }
            let mut members: Vec<_> = self
                .instances
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| g.members.contains(i))
                .map(|(_, inst)| &mut inst.machine)
                .collect();
            if let Some(state) = g.sync.reconcile(now, &mut members) {
                group_changed(g, state, &self.global, &self.fifos);
            }
            dirty.extend(g.members.iter().copied());
        }
        dirty.sort_unstable();
        dirty.dedup();
        let mut batch = NetBatch::default();
        for i in dirty {
            if let Some(inst) = self.instances.get_mut(i) {
                inst.run_actions().await;
                batch.collect(i, inst);
                self.schedule.arm(i, inst.machine.poll_timeout());
                if let Some(sync) = self.lvs_sync.as_mut() {
                    if sync.instance() == Some(inst.conf.name.as_str()) {
                        sync.follow(inst.machine.state());
                    }
                }
            }
        }
        if !batch.is_empty() {
            let started = Instant::now();
            batch.execute(&self.netlink).await;
            let rec = &self.metrics.recorder;
            rec.vips_installed(decided, started, batch.installs());
            batch.announce(&self.instances);
        }
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

    /// Rebuilds the schedule after the instance list changed (start, reload).
    fn reschedule_all(&mut self) {
        self.schedule
            .reset(self.instances.iter().map(|i| (i.rx_ifindex, i.vrid())));
    }

    async fn run<F: Future<Output = ()>>(
        &mut self,
        reload: Option<Reloader<'_>>,
        stop: F,
    ) -> Result<(), DaemonError> {
        let mut stop = std::pin::pin!(stop);
        let mut monitor = NetMonitor::new().map_err(setup("netlink monitor"))?;
        let mut sigterm = signal(SignalKind::terminate()).map_err(setup("signals"))?;
        let mut sigint = signal(SignalKind::interrupt()).map_err(setup("signals"))?;
        let mut sighup = signal(SignalKind::hangup()).map_err(setup("signals"))?;
        let mut dumps = DumpSignals::new()?;
        let opts = DecodeOptions::default();
        let timer = PreciseTimer::new().map_err(setup("timerfd"))?;
        loop {
            self.settle(Instant::now()).await;
            let next = self.schedule.next();
            let sleep = async {
                match next {
                    Some(t) => timer.sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = sleep => {
                    let now = Instant::now();
                    self.metrics.timer_fired(next);
                    for i in self.schedule.due(now) {
                        if let Some(inst) = self.instances.get_mut(i) {
                            inst.machine.handle_timeout(now);
                        }
                        self.schedule.touch(i);
                    }
                }
                Some(pkt) = self.pkt_rx.recv() => {
                    let now = Instant::now();
                    let decoded = match pkt.v6 {
                        Some((src, dst, hop)) => wire::decode_ipv6(pkt.bytes(), src, dst, hop, &opts),
                        None => wire::decode_ipv4(pkt.bytes(), &opts),
                    };
                    if let Ok(advert) = decoded {
                        let vrid = advert.repr.vrid;
                        let count = self.schedule.lookup(pkt.ifindex, vrid).len();
                        for k in 0..count {
                            let i = self.schedule.lookup(pkt.ifindex, vrid)[k];
                            if let Some(inst) = self.instances.get_mut(i) {
                                inst.receive(&advert, now);
                            }
                            self.schedule.touch(i);
                        }
                    }
                    self.pool.put(pkt.buf);
                }
                Some(update) = self.track_rx.recv() => {
                    let now = Instant::now();
                    self.current.set(update.key.clone(), update.value);
                    for (n, i) in self.instances.iter_mut().enumerate() {
                        if i.track(&update.key, update.value, now) {
                            self.schedule.touch(n);
                        }
                    }
                }
                Some(ev) = monitor.recv() => self.link_event(ev),
                _ = sighup.recv() => match reload {
                    Some(read) => self.reload(read).await,
                    None => log::info("Reload (SIGHUP) needs the configuration file; keeping the running configuration"),
                },
                req = dumps.recv() => self.dump(req),
                Some(reply) = self.metrics.requests.recv() => {
                    let _ = reply.send(self.snapshot(&self.current));
                }
                _ = sigterm.recv() => break,
                _ = sigint.recv() => break,
                _ = &mut stop => break,
            }
        }
        Ok(())
    }

    fn link_event(&mut self, ev: NetEvent) {
        let now = Instant::now();
        let (ifindex, name, up) = match ev {
            NetEvent::LinkUp { ifindex, name } => (ifindex, Some(name), true),
            NetEvent::LinkDown { ifindex, name } => (ifindex, Some(name), false),
            NetEvent::LinkDeleted { ifindex } => (ifindex, None, false),
            _ => return,
        };
        let event = if up {
            Event::InterfaceUp
        } else {
            Event::InterfaceDown
        };
        let name = name.or_else(|| {
            self.names
                .iter()
                .find(|(_, i)| **i == ifindex)
                .map(|(n, _)| n.clone())
        });
        if let Some(n) = &name {
            self.names.insert(n.clone(), ifindex);
        }
        let value = if up {
            keepalived_vrrp::machine::TrackValue::Up
        } else {
            keepalived_vrrp::machine::TrackValue::Down
        };
        let key = name.map(TrackKey::Interface);
        for (idx, i) in self.instances.iter_mut().enumerate() {
            let mut touched = false;
            if i.rx_ifindex == ifindex {
                i.machine.handle_event(now, event);
                touched = true;
            }
            if let Some(k) = &key {
                touched |= i.track(k, value, now);
            }
            if touched {
                self.schedule.touch(idx);
            }
        }
    }

    /// SIGHUP: read the configuration again; keep the running one if it has errors.
    async fn reload(&mut self, read: Reloader<'_>) {
        log::info("Reloading");
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
    }

    /// Replaces the configuration: kept instances keep their state and VIPs, removed ones
    /// release theirs, added ones start.
    pub(crate) async fn replace_config(&mut self, new: Config) -> Result<(), DaemonError> {
        let now = Instant::now();
        self.config = new;
        self.global = Arc::new(self.config.global.clone());
        let links_up = self.read_links().await;
        let current = Current::read(&self.config.vrrp, &links_up);
        let mut old: Vec<Instance> = std::mem::take(&mut self.instances);
        let confs = self.config.vrrp.instances.clone();
        for conf in &confs {
            let Some(mut fresh) = self.build_instance(conf, &current, now).await? else {
                continue;
            };
            if let Some(pos) = old
                .iter()
                .position(|o| o.conf.name == conf.name && crate::reload::compatible(&o.conf, conf))
            {
                let kept = old.swap_remove(pos);
                crate::reload::carry_over(kept, &mut fresh, &self.netlink, now).await;
            }
            self.instances.push(fresh);
        }
        for mut gone in old {
            log::info(format!("({}) removed by reload", gone.conf.name));
            gone.delete(now, &self.netlink).await;
            if let Some(index) = self.vmacs.remove(&gone.conf.name) {
                let _ = self.netlink.delete_link(index).await;
            }
        }
        self.build_groups();
        self.reschedule_all();
        self.spawn_watchers(&current);
        self.current = current;
        Ok(())
    }

    fn dump(&mut self, req: DumpRequest) {
        let snap = self.snapshot(&self.current);
        snapshot::write(&snap, req);
        if req == DumpRequest::StatsClear {
            for i in &mut self.instances {
                i.clear_stats();
            }
        }
    }

    /// Stops every instance; `release`: remove the VIPs, routes and rules (not with -V).
    async fn stop(&mut self, release: bool) {
        log::info("Stopping");
        let now = Instant::now();
        for i in self.instances.iter_mut() {
            i.machine.handle_event(now, Event::Shutdown);
            if release {
                i.run_actions_alone(&self.netlink).await;
            } else {
                i.run_actions().await;
                let _ = i.take_pending();
            }
        }
        for g in &mut self.groups {
            group_changed(g, State::Stop, &self.global, &self.fifos);
        }
        // keepalived removes the VMACs it created when it stops.
        for (_, index) in self.vmacs.drain() {
            let _ = self.netlink.delete_link(index).await;
        }
        if release {
            statics::remove(&self.netlink, &self.config, &self.names).await;
        }
        if let Some(sync) = self.lvs_sync.as_mut() {
            sync.stop();
        }
    }
}

fn group_changed(g: &Group, state: State, global: &GlobalDefs, fifos: &Fifos) {
    let notify_state = match state {
        State::Master => NotifyState::Master,
        State::Backup => NotifyState::Backup,
        State::Fault => NotifyState::Fault,
        State::Stop => NotifyState::Stop,
        State::Init => return,
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
        None, // the group's own smtp_alert is not kept in Group: the global one applies
    );
}
