//! One VRRP instance at run time: its machine, its interface, its VIPs, and how its
//! actions become packets, netlink requests and scripts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Instant;

use keepalived_conf::model::{GlobalDefs, IpFamily, VrrpInstance};
use keepalived_net::announce::Announcer;
use keepalived_net::vrrp_socket::{VrrpSendV4, VrrpSendV6};
use keepalived_net::{AddressSpec, Netlink, RouteSpec, RuleSpec};
use keepalived_vrrp::machine::{self, Action, InstanceConfig, NotifyState, State, TrackValue};
use keepalived_vrrp::router::{RouterInstance, Transmit};
use keepalived_vrrp::wire::{Addresses, UnicastPeer, V3Checksum};
use keepalived_vrrp::{InstanceId, Router};

use crate::extra_if::{ExtraGarp, ExtraIf};
use crate::fib::{self, Ifindexes};
use crate::log;
use crate::notify::{self, Fifos, Subject};
use crate::settings::{resolve, InstanceSettings};
use crate::tracking::{Subscription, TrackKey};

/// What an instance needs from its surroundings besides its own configuration.
pub struct Env<'a> {
    /// global_defs.
    pub global: &'a Arc<GlobalDefs>,
    /// Interface names -> ifindex (for `dev` options).
    pub names: &'a Ifindexes,
    /// The instance's tracked objects.
    pub subs: Vec<Subscription>,
    /// Member of a sync group.
    pub sync_group: bool,
    /// The notify FIFOs.
    pub fifos: &'a Arc<Fifos>,
    /// The VIPs are already installed: leave INIT as MASTER.
    pub resume_master: bool,
    /// For each VIP then eVIP, the interface it goes on when not the instance's own or its
    /// `dev` (a VMAC of `use_vmac_addr`, crate::vip_home); shorter than the list: none.
    pub homes: &'a [Option<u32>],
}

/// An instance that carries on in the router (a reload, its interface rebuilt): its id and
/// what its machine was last told about its interface.
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    /// Its id in the router.
    pub id: InstanceId,
    /// [`Instance::link_usable`] so far.
    pub link_usable: bool,
}

pub use crate::error::SetupError;

/// The interface an instance runs on, shared by the instances on it.
pub struct Link {
    /// Interface name.
    pub name: String,
    /// Interface index (0: the interface does not exist, see [`Link::absent`]).
    pub ifindex: u32,
    /// MTU when it was opened.
    pub mtu: u32,
    /// Up (IFF_UP and IFF_RUNNING) when it was opened.
    pub up: bool,
    /// Primary IPv4 address (the advert source unless configured).
    pub primary: Ipv4Addr,
    /// Link-local IPv6 address (the source of IPv6 adverts).
    pub link_local: Option<Ipv6Addr>,
    /// Sender of IPv4 adverts on this interface (none while the interface is absent).
    pub sender: Option<Arc<VrrpSendV4>>,
    /// Sender of IPv6 adverts on this interface, opened when an IPv6 instance needs it.
    pub sender6: Option<Arc<VrrpSendV6>>,
    /// Sender of gratuitous ARPs on this interface.
    pub announcer: Arc<Announcer>,
    /// `vrrp_garp_interval` / `vrrp_gna_interval` on this interface.
    pub pacing: Arc<crate::garp_pacing::Pacing>,
}

/// A running instance: the glue around its machine and packets, which live in the
/// daemon's [`Router`] under [`Instance::id`].
pub struct Instance {
    /// The configuration it came from.
    pub conf: VrrpInstance,
    /// What it runs with ([`resolve`]: the instance's settings, else global_defs').
    pub settings: InstanceSettings,
    /// Its machine and packet side in the daemon's router.
    pub id: InstanceId,
    vrid: u8,
    /// The interface adverts, VIPs and gratuitous ARPs go out on (the VMAC with use_vmac).
    pub link: Arc<Link>,
    /// The interface adverts are received on (the VMAC with use_vmac, also with
    /// vmac_xmit_base).
    pub rx_ifindex: u32,
    /// The configured interface (the VMAC's parent with use_vmac).
    pub base_ifindex: u32,
    /// Its interface exists and its sockets are open (set by the event loop).
    pub sockets_ready: bool,
    /// What the machine was last told about its interface (InterfaceUp/InterfaceDown);
    /// a new machine starts with the interface up.
    pub link_usable: bool,
    src: IpAddr,
    vip_specs: Vec<AddressSpec>,
    routes: Vec<RouteSpec>,
    rules: Vec<RuleSpec>,
    subs: Vec<Subscription>,
    global: Arc<GlobalDefs>,
    fifos: Arc<Fifos>,
    /// Whether our VIPs (routes, rules) are installed.
    pub holds_vips: bool,
    /// Being removed by a reload: the STOP notify becomes FAULT (or DELETED).
    pub deleting: bool,
    pending_install: Option<bool>,
    pending_garp: u32,
    /// When the state last changed.
    pub last_transition: std::time::SystemTime,
    /// The other interfaces its addresses are on (crate::extra_if).
    extra_ifs: Vec<ExtraIf>,
    /// `garp_extra_if` / `vrrp_garp_extra_if`, when it applies.
    extra_garp: Option<ExtraGarp>,
}

impl Instance {
    /// Builds the run-time instance of `conf` on `link`: its machine and packet side are
    /// added to `router`, or, with `resume`, the running ones carry on reconfigured.
    pub fn new(
        conf: &VrrpInstance,
        env: Env<'_>,
        link: Arc<Link>,
        (rx_ifindex, base_ifindex): (u32, u32),
        (router, resume): (&mut Router, Option<Resume>),
        now: Instant,
    ) -> Result<Instance, SetupError> {
        let settings = resolve(conf, env.global);
        let vrid = conf.vrid.ok_or(SetupError::NoVrid)?;
        let ipv6 = is_ipv6(conf);
        let src = match conf.src_ip {
            Some(a) => a,
            // No address yet (DHCP, DAD, an interface still absent): the instance waits in
            // FAULT until one appears, as keepalived's "no IPv4 address for interface".
            None if ipv6 => IpAddr::V6(link.link_local.unwrap_or(Ipv6Addr::UNSPECIFIED)),
            None => IpAddr::V4(link.primary),
        };
        let mut vips4 = Vec::new();
        let mut vips6 = Vec::new();
        let mut vip_specs = Vec::new();
        let home = |n: usize, mut spec: AddressSpec| {
            if let Some(Some(ix)) = env.homes.get(n) {
                spec.ifindex = *ix;
            }
            spec
        };
        for v in &conf.virtual_ipaddresses {
            match v.prefix.addr {
                IpAddr::V4(a) if !ipv6 => vips4.push(a),
                IpAddr::V6(a) if ipv6 => vips6.push(a),
                _ => return Err(SetupError::MixedFamilies),
            }
            let spec = fib::address(v, env.names, link.ifindex)?;
            vip_specs.push(home(vip_specs.len(), spec));
        }
        // virtual_ipaddress_excluded: held with the VIPs, never listed in adverts.
        for v in &conf.excluded_ipaddresses {
            let spec = fib::address(v, env.names, link.ifindex)?;
            vip_specs.push(home(vip_specs.len(), spec));
        }
        let routes = conf
            .virtual_routes
            .iter()
            .map(|r| fib::route(r, env.names))
            .collect::<Result<Vec<_>, _>>()?;
        let rules = conf
            .virtual_rules
            .iter()
            .map(fib::rule)
            .collect::<Result<Vec<_>, _>>()?;
        let mut mc = InstanceConfig::new(conf.name.clone(), settings.version, src, conf.priority);
        mc.advert_interval = settings.advert_int;
        mc.initial_state = match conf.state {
            keepalived_conf::model::InitialState::Master => machine::InitialState::Master,
            _ => machine::InitialState::Backup,
        };
        mc.preempt = conf.preempt;
        mc.preempt_delay = conf.preempt_delay;
        mc.down_timer_adverts = u32::from(conf.down_timer_adverts);
        mc.accept = settings.accept;
        mc.higher_prio_send_advert = settings.higher_prio_send_advert;
        mc.lower_prio_no_advert = settings.lower_prio_no_advert;
        mc.startup_delay = settings.startup_delay;
        mc.garp = settings.garp.clone();
        mc.tracked = env.subs.iter().map(|s| s.object).collect();
        mc.sync_group = env.sync_group;
        mc.resume_master = env.resume_master;
        mc.timer_expired_backup = conf.timer_expired_backup();
        let peers = conf
            .unicast_peers
            .iter()
            .map(|p| UnicastPeer {
                addr: p.addr,
                min_ttl: p.min_ttl.unwrap_or(0),
                max_ttl: p.max_ttl.unwrap_or(255),
            })
            .collect();
        let vip_list = if ipv6 {
            Addresses::V6(vips6.iter().copied().collect())
        } else {
            Addresses::V4(vips4.iter().copied().collect())
        };
        let mut rcfg = RouterInstance::new(mc, rx_ifindex, vrid, vip_list);
        rcfg.tx_ifindex = link.ifindex;
        rcfg.auth = settings.auth;
        rcfg.ah_key = settings.ah_key;
        rcfg.peers = peers;
        rcfg.unicast_ttl = conf.unicast_ttl;
        rcfg.mcast_group4 = settings.mcast_group4;
        rcfg.mcast_group6 = settings.mcast_group6;
        rcfg.skip_check_adv_addr = settings.skip_check_adv_addr;
        rcfg.check_unicast_src = settings.check_unicast_src;
        let (v3_checksum, detect) = checksum_form(conf);
        rcfg.v3_checksum = v3_checksum;
        rcfg.detect_old_unicast_checksum = detect;
        rcfg.owner_ignore_adverts = conf.owner_ignores_adverts(env.global);
        let id = match resume {
            Some(r) if router.reconfigure(r.id, rcfg.clone(), now) => r.id,
            _ => router.add(rcfg, now),
        };
        Ok(Instance {
            conf: conf.clone(),
            settings,
            id,
            vrid,
            link,
            rx_ifindex,
            base_ifindex,
            sockets_ready: false,
            link_usable: resume.map_or(true, |r| r.link_usable),
            src,
            vip_specs,
            routes,
            rules,
            subs: env.subs,
            global: env.global.clone(),
            fifos: env.fifos.clone(),
            holds_vips: false,
            deleting: false,
            pending_install: None,
            pending_garp: 0,
            last_transition: std::time::SystemTime::now(),
            extra_ifs: Vec::new(),
            extra_garp: None,
        })
    }

    /// Whether the instance runs over IPv6.
    pub fn is_ipv6(&self) -> bool {
        self.src.is_ipv6()
    }

    /// The advert source address.
    pub fn source(&self) -> IpAddr {
        self.src
    }

    /// Tells the machine whether its interface is usable (exists, up, has an address), when
    /// that changed.
    pub fn set_usable(&mut self, router: &mut Router, usable: bool, now: Instant) {
        if usable != self.link_usable {
            self.link_usable = usable;
            let ev = if usable {
                machine::Event::InterfaceUp
            } else {
                machine::Event::InterfaceDown
            };
            router.handle_event(now, self.id, ev);
        }
    }

    /// The multicast group of its adverts: `mcast_dst_ip`, else global_defs'
    /// `vrrp_mcast_group4`/`vrrp_mcast_group6`.
    pub fn mcast_group(&self) -> IpAddr {
        self.settings.mcast_group(self.is_ipv6())
    }

    /// Whether the instance has an advert source address (configured, or found on the
    /// interface).
    pub fn has_source(&self) -> bool {
        !self.src.is_unspecified()
    }

    /// The source address taken from the interface went away with no other to take: the
    /// instance waits in FAULT until an address is added (then it is built again).
    pub fn lose_source(&mut self) {
        self.src = if self.src.is_ipv6() {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
    }

    /// The VRID.
    pub fn vrid(&self) -> u8 {
        self.vrid
    }

    /// Feeds a tracked object's new value to the machine; whether this instance tracks it.
    pub fn track(
        &self,
        router: &mut Router,
        key: &TrackKey,
        value: TrackValue,
        now: Instant,
    ) -> bool {
        let events: Vec<_> = self
            .subs
            .iter()
            .filter(|s| &s.key == key)
            .map(|s| machine::Event::Track {
                id: s.object.id,
                value: s.value(value),
            })
            .collect();
        let tracked = !events.is_empty();
        for ev in events {
            router.handle_event(now, self.id, ev);
        }
        tracked
    }

    /// The instance's tracked objects.
    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subs
    }

    /// Whether `addr` on `ifindex` is one of the instance's VIPs (or excluded VIPs) that it
    /// tracks (not `no_track`).
    pub fn owns_vip(&self, ifindex: u32, addr: IpAddr) -> bool {
        // vip_specs holds virtual_ipaddress then virtual_ipaddress_excluded, in order.
        let confs = self
            .conf
            .virtual_ipaddresses
            .iter()
            .chain(&self.conf.excluded_ipaddresses);
        self.vip_specs
            .iter()
            .zip(confs)
            .any(|(v, c)| v.ifindex == ifindex && v.addr == addr && !c.no_track)
    }

    /// The other interfaces whose state the instance follows (keepalived's TRACK_ADDR): those
    /// of its tracked addresses (not `no_track`) that are neither its own nor its base.
    pub fn address_interfaces(&self) -> impl Iterator<Item = u32> + '_ {
        let confs = self
            .conf
            .virtual_ipaddresses
            .iter()
            .chain(&self.conf.excluded_ipaddresses);
        let own = [self.link.ifindex, self.rx_ifindex, self.base_ifindex];
        self.vip_specs
            .iter()
            .zip(confs)
            .filter(move |(v, c)| !c.no_track && !own.contains(&v.ifindex))
            .map(|(v, _)| v.ifindex)
    }

    /// The installed VIP requests (for a restart that finds them present).
    pub fn vip_specs(&self) -> &[AddressSpec] {
        &self.vip_specs
    }

    /// keepalived's words for a transition. Its first state at start (or when a reload adds
    /// it) is vrrp_init_state's "Entering BACKUP STATE (init)", or, when it starts in FAULT,
    /// vrrp_complete_init's "entering FAULT state" after the reason (vrrp_track.c's
    /// "(VI_1): entering FAULT state (interface eth0 down)"); the stop is not logged.
    fn log_transition(&self, from: State, to: State) {
        let name = &self.conf.name;
        match (from, to) {
            (_, State::Stop) => {}
            (State::Init, State::Backup) => {
                log::info(format!("({name}) Entering BACKUP STATE (init)"));
            }
            (State::Init, State::Fault) => {
                if !self.link_usable {
                    let ifname = self.conf.interface.as_deref().unwrap_or("none");
                    log::info(format!(
                        "({name}): entering FAULT state (interface {ifname} down)"
                    ));
                }
                log::info(format!("({name}) entering FAULT state"));
            }
            _ => log::info(format!("({name}) Entering {to} STATE")),
        }
    }

    /// Carries out one action of its machine (`router` holds the machine). Adverts come out
    /// of the router as transmits ([`Instance::send`]), VIP changes and GARPs wait for the
    /// event loop's batch.
    pub fn execute(&mut self, action: Action, router: &Router) {
        match action {
            // Router::poll_action never yields it: adverts are Router::poll_transmit's.
            Action::SendAdvert { .. } => {}
            // The last change of a pass wins; the event loop batches them (crate::batch).
            Action::AddVips { .. } => self.pending_install = Some(true),
            Action::RemoveVips { .. } => self.pending_install = Some(false),
            // After the VIPs of this pass are installed (see crate::batch).
            Action::SendGratuitous { count } => self.pending_garp += count,
            Action::StateChanged { from, to } => {
                self.last_transition = std::time::SystemTime::now();
                if let Some(e) = self.extra_garp.as_mut() {
                    // vrrp_state_become_master arms the timer; it only runs as MASTER.
                    e.next = (to == State::Master).then(|| Instant::now() + e.interval);
                }
                self.log_transition(from, to);
            }
            Action::Notify {
                new_state: NotifyState::Stop,
                priority,
            } if self.deleting => self.notify_deleted(router, priority),
            Action::Notify {
                new_state,
                priority,
            } => {
                notify::state_change(
                    &self.conf.notify,
                    &self.global,
                    &self.fifos,
                    Subject::Instance,
                    &self.conf.name,
                    new_state,
                    priority,
                    self.conf.smtp_alert,
                );
                crate::snmp::notify_instance(&self.snmp_event(router), new_state);
                crate::dbus::status_change(
                    self.dbus_key(&self.global),
                    crate::dbus::notify_number(new_state),
                );
            }
            Action::NotifyMasterRxLowerPri { .. } => {
                if let Some(s) = &self.conf.notify.master_rx_lower_pri {
                    notify::spawn(s, &self.global, &[], None);
                }
                let prio = router
                    .machine(self.id)
                    .map_or(0, machine::Machine::effective_priority);
                self.fifos.write(
                    Subject::Instance,
                    &self.conf.name,
                    "MASTER_RX_LOWER_PRI",
                    prio,
                );
            }
            Action::PriorityChanged { from, priority } => {
                log::info(format!(
                    "({}) Changing effective priority from {from} to {priority}",
                    self.conf.name
                ));
                if self.settings.notify_priority_changes {
                    let master = router.machine(self.id).map(machine::Machine::state);
                    let event = if master == Some(State::Master) {
                        "MASTER_PRIORITY"
                    } else {
                        "BACKUP_PRIORITY"
                    };
                    self.fifos
                        .write(Subject::Instance, &self.conf.name, event, priority);
                }
            }
            Action::WantMaster => {}
        }
    }

    /// An advert failed a check RFC 6527 names: its vrrpv3ProtoError notification.
    pub(crate) fn notify_proto_error(&self, router: &Router, reason: u8) {
        crate::snmp::notify_proto_error(|| self.snmp_event(router), reason);
    }

    /// An advert failed an authentication check: its vrrpTrapAuthFailure.
    pub(crate) fn notify_auth_failure(&self, router: &Router, src: IpAddr, kind: u8) {
        crate::snmp::notify_auth_failure(|| self.snmp_event(router), src, kind);
    }

    /// What this instance's SNMP notifications carry.
    fn snmp_event(&self, router: &Router) -> crate::snmp::InstanceEvent {
        crate::snmp::InstanceEvent {
            name: self.conf.name.clone(),
            state: 0,
            initial_state: if self.conf.state == keepalived_conf::model::InitialState::Master {
                2
            } else {
                1
            },
            router_id: crate::snapshot::router_id(&self.global),
            version: self.settings.version,
            ipv6: self.is_ipv6(),
            has_vips: !self.conf.virtual_ipaddresses.is_empty(),
            ifindex: self.base_ifindex,
            vrid: self.vrid(),
            source: self.source(),
            master_reason: router
                .machine(self.id)
                .map_or(0, |m| m.master_reason() as i32),
        }
    }

    /// A reload removed the instance: keepalived notifies FAULT, or DELETED (and runs the
    /// `notify_deleted` script) when `notify_deleted` is configured.
    fn notify_deleted(&self, router: &Router, priority: u8) {
        let n = &self.conf.notify;
        crate::snmp::notify_instance_deleted(&self.snmp_event(router), n.deleted.is_some());
        // keepalived's clear_diff_vrrp sets VRRP_STATE_DELETED before it notifies.
        crate::dbus::status_change(self.dbus_key(&self.global), crate::dbus::STATE_DELETED);
        let Some(deleted) = &n.deleted else {
            notify::state_change(
                n,
                &self.global,
                &self.fifos,
                Subject::Instance,
                &self.conf.name,
                NotifyState::Fault,
                priority,
                self.conf.smtp_alert,
            );
            return;
        };
        if let Some(s) = deleted {
            notify::spawn(s, &self.global, &[], None);
        }
        if let Some(s) = &n.notify {
            let args = [
                "INSTANCE".to_owned(),
                self.conf.name.clone(),
                "DELETED".to_owned(),
                priority.to_string(),
            ];
            notify::spawn(s, &self.global, &args, None);
        }
        self.fifos
            .write(Subject::Instance, &self.conf.name, "DELETED", priority);
    }

    /// A reload kept this instance as it was while it holds its VIPs: its virtual routes and
    /// rules are added again (keepalived's restore_vrrp_state: the kernel may have dropped a
    /// route with an address it depended on, without telling).
    pub async fn reinstall_own_routes(&self, netlink: &Netlink) {
        if !self.routes.is_empty() {
            let _ = netlink.add_routes(&self.routes).await;
        }
        for r in &self.rules {
            let _ = netlink.add_rule(r).await;
        }
    }

    /// After a reload of a MASTER: the old instance's virtual routes and rules go, the new
    /// ones come (unchanged ones are re-added, which is a no-op).
    pub async fn reinstall_routes(&mut self, netlink: &Netlink, old: &Instance) {
        let stale_rules: Vec<_> = old
            .rules
            .iter()
            .filter(|r| !self.rules.contains(r))
            .collect();
        for r in stale_rules {
            let _ = netlink.remove_rule(r).await;
        }
        let stale_routes: Vec<_> = old
            .routes
            .iter()
            .filter(|r| !self.routes.contains(r))
            .cloned()
            .collect();
        if !stale_routes.is_empty() {
            let _ = netlink.remove_routes(&stale_routes).await;
        }
        if !self.routes.is_empty() {
            let _ = netlink.add_routes(&self.routes).await;
        }
        for r in &self.rules {
            let _ = netlink.add_rule(r).await;
        }
    }

    /// One gratuitous ARP / NA burst for `added` addresses (new VIPs after a reload), each
    /// on the interface it is on.
    pub async fn announce(&self, added: &[AddressSpec]) {
        for (link, addrs) in self.by_interface(added) {
            let (v4, v6) = split_families(&addrs);
            if link.pacing.is_paced() {
                link.pacing.announce(&link.announcer, &addrs, 1);
                continue;
            }
            let _ = link.announcer.send_burst(&v4, &v6, false).await;
        }
    }

    /// `NAME@BASE` when `ifindex` is one of the VMACs made for the addresses (the dump's
    /// `dev` of an address on it).
    pub fn vmac_label(&self, ifindex: u32) -> Option<String> {
        let x = self
            .extra_ifs
            .iter()
            .find(|x| x.ours && x.link.ifindex == ifindex)?;
        Some(format!("{}@{}", x.link.name, x.base))
    }

    /// The VMACs made for its addresses: (ifindex, base ifindex, IPv6).
    pub fn address_vmacs(&self) -> impl Iterator<Item = (u32, u32, bool)> + '_ {
        self.extra_ifs
            .iter()
            .filter(|x| x.ours)
            .map(|x| (x.link.ifindex, x.base_ifindex, x.ipv6))
    }

    /// `garp_extra_if` as it runs (`None`: off or nothing to apply to).
    pub fn extra_garp(&self) -> Option<ExtraGarp> {
        self.extra_garp
    }

    /// The other interfaces the addresses are on (VMACs of use_vmac_addr, `dev` other
    /// than the instance's interface), and whether `garp_extra_if` applies to them.
    pub fn attach_extra_ifs(&mut self, extra: Vec<ExtraIf>) {
        let own = self.link.ifindex;
        let on = |x: &ExtraIf| self.vip_specs.iter().any(|v| v.ifindex == x.link.ifindex);
        let elsewhere = |ours: bool| {
            extra
                .iter()
                .any(|x| x.link.ifindex != own && x.ours == ours && on(x))
        };
        self.extra_garp = crate::extra_if::extra_garp(
            &self.conf,
            &self.global,
            elsewhere(true),
            elsewhere(false),
        );
        self.extra_ifs = extra;
    }

    /// `addrs` grouped by the interface that announces them: an extra interface's link for
    /// the addresses on it, the instance's link for the others.
    fn by_interface(&self, addrs: &[AddressSpec]) -> Vec<(Arc<Link>, Vec<IpAddr>)> {
        let mut out: Vec<(Arc<Link>, Vec<IpAddr>)> = vec![(self.link.clone(), Vec::new())];
        for a in addrs {
            let at = self
                .extra_ifs
                .iter()
                .position(|x| x.link.ifindex == a.ifindex && a.ifindex != self.link.ifindex);
            let slot = match at {
                Some(k) => {
                    let link = &self.extra_ifs[k].link;
                    match out.iter().position(|(l, _)| Arc::ptr_eq(l, link)) {
                        Some(p) => p,
                        None => {
                            out.push((link.clone(), Vec::new()));
                            out.len() - 1
                        }
                    }
                }
                None => 0,
            };
            if let Some((_, v)) = out.get_mut(slot) {
                v.push(a.addr);
            }
        }
        out.retain(|(_, v)| !v.is_empty());
        out
    }

    /// After a MASTER's advert: `garp_extra_if`'s round when it is due (crate::extra_if).
    pub fn after_advert(&mut self, now: Instant, router: &Router) {
        let Some(e) = self.extra_garp.as_mut() else {
            return;
        };
        let master = router.machine(self.id).map(machine::Machine::state) == Some(State::Master);
        let due = e.next.is_some_and(|t| crate::extra_if::is_due(now, t));
        if !master || !self.holds_vips || !due {
            return;
        }
        e.next = Some(now + e.interval);
        let all = e.all;
        let own = self.link.ifindex;
        let mut targets = Vec::new();
        if self.conf.vmac.as_ref().is_some_and(|v| v.xmit_base) {
            targets.push(own);
        }
        targets.extend(
            self.extra_ifs
                .iter()
                .filter(|x| x.link.ifindex != own && (x.ours || all))
                .map(|x| x.link.ifindex),
        );
        let vips: Vec<(u32, IpAddr)> = self.vip_specs.iter().map(|v| (v.ifindex, v.addr)).collect();
        for (ix, addr) in crate::extra_if::round(&targets, &vips) {
            let link = if ix == own {
                self.link.clone()
            } else {
                match self.extra_ifs.iter().find(|x| x.link.ifindex == ix) {
                    Some(x) => x.link.clone(),
                    None => continue,
                }
            };
            let name = self.conf.name.clone();
            tokio::spawn(async move {
                let sent = match addr {
                    IpAddr::V4(a) => link.announcer.send_garp(a).await,
                    IpAddr::V6(a) => link.announcer.send_na(a, false).await,
                };
                if let Err(e) = sent {
                    log::info(format!(
                        "({name}) gratuitous ARP on {} failed: {e}",
                        link.name
                    ));
                }
            });
        }
    }

    /// The VIP change and GARP bursts the machine asked for since the last call, for the
    /// event loop to carry out in one batch with the other instances'.
    pub fn take_pending(&mut self) -> (Option<bool>, u32) {
        (
            self.pending_install.take(),
            std::mem::take(&mut self.pending_garp),
        )
    }

    /// What installing the instance means: addresses, virtual routes, virtual rules.
    pub fn install_specs(&self) -> (&[AddressSpec], &[RouteSpec], &[RuleSpec]) {
        (&self.vip_specs, &self.routes, &self.rules)
    }

    /// One GARP/NA burst for the VIPs, `count` times, in a task of its own: with hundreds of
    /// instances taking over at once, the event loop goes on installing the next VIPs while
    /// the frames go out.
    pub fn send_gratuitous(&self, count: u32) {
        // keepalived's vrrp_send_link_update: the VIPs and virtual_ipaddress_excluded, each
        // on the interface it is on.
        for (link, all) in self.by_interface(&self.vip_specs) {
            send_bursts(&self.conf.name, &link, &all, count);
        }
    }

    /// Sends one advert the router wrote (`bytes`, described by `t`) on the instance's
    /// interface.
    pub async fn send(&self, t: &Transmit, bytes: &[u8]) {
        let sent = match (t.src, t.dst) {
            (_, IpAddr::V4(dst)) => match &self.link.sender {
                Some(s) => s.send(bytes, dst).await.map_err(|e| e.to_string()),
                None => Err("no IPv4 send socket".to_owned()),
            },
            (IpAddr::V6(src), IpAddr::V6(dst)) => match &self.link.sender6 {
                Some(s) => s
                    .send(bytes, dst, Some(src))
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("no IPv6 send socket".to_owned()),
            },
            _ => Err("advert source and destination families differ".to_owned()),
        };
        if let Err(e) = sent {
            log::info(format!("({}) sending advert failed: {e}", self.conf.name));
        }
    }
}

fn split_families(addrs: &[IpAddr]) -> (Vec<Ipv4Addr>, Vec<Ipv6Addr>) {
    let v4 = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V4(x) => Some(*x),
            IpAddr::V6(_) => None,
        })
        .collect();
    let v6 = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V6(x) => Some(*x),
            IpAddr::V4(_) => None,
        })
        .collect();
    (v4, v6)
}

/// The VRRPv3-over-IPv4 checksum form of `conf` and whether keepalived's switch to the old
/// unicast checksum is armed (vrrp.c `unicast_chksum_compat`): `old_unicast_checksum` puts
/// the multicast group in the pseudo-header from the start (CONFIG), `old_unicast_checksum
/// never` keeps the real destination and never switches (NEVER); without either, the real
/// destination until a unicast peer's advert only verifies the old way (NONE, then AUTO).
/// keepalived 2.3's `v3_checksum_as_v2` sums the message alone.
pub(crate) fn checksum_form(conf: &VrrpInstance) -> (V3Checksum, bool) {
    match (conf.v3_checksum_as_v2, conf.old_unicast_checksum) {
        (true, _) => (V3Checksum::MessageOnly, false),
        (false, Some(false)) => (V3Checksum::OldUnicast, false),
        (false, Some(true)) => (V3Checksum::PseudoHeader, false),
        (false, None) => (V3Checksum::PseudoHeader, true),
    }
}

/// `count` GARP/NA bursts for `all` on `link`, paced as the interface asks, else in a task
/// of its own (one sendmmsg for the IPv4 frames, then the NAs).
fn send_bursts(instance: &str, link: &Link, all: &[IpAddr], count: u32) {
    if link.pacing.is_paced() {
        link.pacing.announce(&link.announcer, all, count);
        return;
    }
    let (v4, v6) = split_families(all);
    crate::burst_thread::submit(crate::burst_thread::Burst {
        announcer: link.announcer.clone(),
        v4,
        v6,
        count,
        instance: instance.to_owned(),
    });
}

/// Whether `conf` runs IPv6: the family as keepalived settles it while reading
/// (`native_ipv6`, the source address, a peer or the first VIP; IPv4 when none says).
pub(crate) fn is_ipv6(conf: &VrrpInstance) -> bool {
    conf.family == IpFamily::V6
        || conf
            .virtual_ipaddresses
            .first()
            .is_some_and(|v| v.prefix.addr.is_ipv6())
        || matches!(conf.src_ip, Some(IpAddr::V6(_)))
}
