//! The router: every instance's machine behind one sans-IO endpoint, as quinn-proto's
//! `Endpoint` is for its connections. Bytes in ([`Router::handle_datagram`]: decode, route by
//! (interface, family, VRID), check, count, [`Machine::handle_event`]); bytes out
//! ([`Router::poll_transmit`] writes adverts with their IP header, AH, identification and
//! checksum into the caller's buffer); the rest out as actions ([`Router::poll_action`]: VIPs,
//! GARP, notify) and rate-limited drop logs ([`Router::poll_log`]); one deadline for all
//! machines ([`Router::poll_timeout`], a timer heap). The caller owns sockets, netlink,
//! processes and the clock.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use keepalived_vrrp::machine::{InstanceConfig, State, Version};
//! use keepalived_vrrp::router::{Router, RouterInstance, MAX_ADVERT_LEN};
//! use keepalived_vrrp::wire::Addresses;
//! let t0 = Instant::now();
//! let mut router = Router::default();
//! let m = InstanceConfig::new("VI_1", Version::V3, "10.0.0.1".parse().unwrap(), 100);
//! let vips = Addresses::V4(keepalived_vrrp::addr_list!["10.0.0.100".parse().unwrap()]);
//! let id = router.add(RouterInstance::new(m, 2, 51, vips), t0);
//! router.handle_timeout(t0);
//! let down = router.poll_timeout().unwrap();
//! router.handle_timeout(down);
//! assert_eq!(router.machine(id).unwrap().state(), State::Master);
//! let mut buf = [0u8; MAX_ADVERT_LEN];
//! let tx = router.poll_transmit(&mut buf).unwrap();
//! assert_eq!(tx.dst, "224.0.0.18".parse::<std::net::IpAddr>().unwrap());
//! assert_eq!(tx.len, 20 + 8 + 4);
//! ```

mod config;
mod droplog;
mod inspect;
mod packets;
mod schedule;
mod transmit;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

pub use config::RouterInstance;
pub use droplog::DROP_LOG_INTERVAL;
pub use inspect::RxNet;
use packets::{InstancePackets, Received};
pub use transmit::{Transmit, MAX_ADVERT_LEN};

use crate::machine::{Action, Event, Machine, State};
use crate::stats::Stats;
use crate::sync_group::SyncGroup;
use crate::wire::DecodeError;
use crate::Family;
use droplog::DropLimiter;
use schedule::TimerHeap;
use transmit::Pending;

/// An instance of a [`Router`]: its position in the order instances were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(pub usize);

/// Router-wide options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouterOptions {
    /// `log_unknown_vrids`: log adverts for VRIDs no instance has (never counted).
    pub log_unknown_vrids: bool,
}

/// Why an advert was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    /// A received advert failed a check.
    #[error("advert dropped: {0}")]
    Received(DecodeError),
    /// An advert to send could not be built.
    #[error("advert not sent: {0}")]
    Sent(crate::wire::EmitError),
}

/// "Log this": an advert was dropped. Rate-limited per instance and kind of error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropLog {
    /// The instance it was for; `None` before the VRID lookup (too short, unknown VRID).
    pub instance: Option<InstanceId>,
    /// Why.
    pub error: Dropped,
    /// Source address, when the headers were there.
    pub src: Option<IpAddr>,
    /// Drops of the same kind not logged since the previous log of that kind.
    pub suppressed: u64,
}

/// Something an instance's packet side decided that keepalived logs (not a drop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A unicast peer's VRRPv3 advert only verified with the multicast group in the
    /// pseudo-header: the instance uses that checksum from now on (keepalived: "(NAME)
    /// Setting unicast VRRPv3 checksum to old version").
    OldUnicastChecksum,
    /// An advert failed a check RFC 6527 names (keepalived's vrrpv3ProtoError notification):
    /// the reason, as [`crate::wire::DecodeError::proto_err_reason`].
    ProtoError(u8),
    /// An advert failed an authentication check (keepalived's vrrpTrapAuthFailure): the
    /// type, as [`crate::wire::DecodeError::auth_err_type`], and the packet's source.
    AuthError {
        /// RFC 2787's vrrpTrapAuthErrorType.
        kind: u8,
        /// The advert's source address.
        src: IpAddr,
    },
}

/// The run-time state of one instance that moves with it across a reload.
#[derive(Debug)]
pub struct Retired {
    machine: Machine,
    packets: InstancePackets,
    base: Stats,
}

impl Retired {
    /// The machine it carries.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }
}

#[derive(Debug)]
struct Slot {
    machine: Machine,
    packets: InstancePackets,
    /// The counters at the last STATS_CLEAR.
    base: Stats,
}

impl Slot {
    fn stats(&self) -> Stats {
        (*self.machine.counters() + self.packets.rx_stats()) - self.base
    }

    fn cfg(&self) -> &RouterInstance {
        self.packets.config()
    }
}

/// The sans-IO VRRP endpoint of one process: all its instances.
#[derive(Debug, Default)]
pub struct Router {
    options: RouterOptions,
    slots: Vec<Option<Slot>>,
    index: HashMap<(u32, Family, u8), Vec<usize>>,
    timers: TimerHeap,
    transmits: VecDeque<Pending>,
    actions: VecDeque<(InstanceId, Action)>,
    logs: VecDeque<DropLog>,
    notices: VecDeque<(InstanceId, Notice)>,
    router_logs: DropLimiter,
    touched: Vec<usize>,
    is_touched: Vec<bool>,
}

impl Router {
    /// An empty router.
    pub fn new(options: RouterOptions) -> Router {
        Router {
            options,
            ..Router::default()
        }
    }

    /// Adds an instance; its machine starts in INIT at `now`.
    pub fn add(&mut self, cfg: RouterInstance, now: Instant) -> InstanceId {
        let machine = Machine::new(cfg.machine.clone(), now);
        self.insert(machine, InstancePackets::new(cfg), Stats::default())
    }

    /// Adds an instance that carries on from `old` (a reload): same machine (reconfigured),
    /// counters, AH sequence number and IP identification.
    pub fn add_resumed(&mut self, cfg: RouterInstance, old: Retired, now: Instant) -> InstanceId {
        let Retired {
            mut machine,
            mut packets,
            base,
        } = old;
        machine.reconfigure(cfg.machine.clone(), now);
        packets.reconfigure(cfg);
        self.insert(machine, packets, base)
    }

    fn insert(&mut self, machine: Machine, packets: InstancePackets, base: Stats) -> InstanceId {
        let i = self.slots.len();
        let cfg = packets.config();
        self.index
            .entry((cfg.ifindex, cfg.family(), cfg.vrid))
            .or_default()
            .push(i);
        self.slots.push(Some(Slot {
            machine,
            packets,
            base,
        }));
        self.is_touched.push(false);
        self.drain(i);
        InstanceId(i)
    }

    /// Instance `id` carries on under a new configuration (a reload, its interface rebuilt),
    /// keeping its id, machine (reconfigured), counters, AH sequence number and IP
    /// identification; it is routed under its new (interface, family, VRID). Whether `id`
    /// was there.
    pub fn reconfigure(&mut self, id: InstanceId, cfg: RouterInstance, now: Instant) -> bool {
        let Some(Some(slot)) = self.slots.get_mut(id.0) else {
            return false;
        };
        let old = slot.cfg();
        let old_key = (old.ifindex, old.family(), old.vrid);
        let new_key = (cfg.ifindex, cfg.family(), cfg.vrid);
        slot.machine.reconfigure(cfg.machine.clone(), now);
        slot.packets.reconfigure(cfg);
        if old_key != new_key {
            if let Some(v) = self.index.get_mut(&old_key) {
                v.retain(|&i| i != id.0);
            }
            let v = self.index.entry(new_key).or_default();
            v.push(id.0);
            v.sort_unstable();
        }
        self.drain(id.0);
        true
    }

    /// Instance `id` carries on through a reload that did not change its configuration
    /// ([`Machine::reload_unchanged`]): nothing else about it changes. Whether `id` was there.
    pub fn reload_unchanged(&mut self, id: InstanceId, now: Instant) -> bool {
        let Some(Some(slot)) = self.slots.get_mut(id.0) else {
            return false;
        };
        slot.machine.reload_unchanged(now);
        self.drain(id.0);
        true
    }

    /// Takes instance `id` out (a reload keeps it under its new configuration:
    /// [`Router::add_resumed`]); its id stays unused.
    pub fn take(&mut self, id: InstanceId) -> Option<Retired> {
        let slot = self.slots.get_mut(id.0)?.take()?;
        let cfg = slot.cfg();
        if let Some(v) = self.index.get_mut(&(cfg.ifindex, cfg.family(), cfg.vrid)) {
            v.retain(|&i| i != id.0);
        }
        self.timers.arm(id.0, None);
        self.transmits.retain(|p| p.id != id);
        Some(Retired {
            machine: slot.machine,
            packets: slot.packets,
            base: slot.base,
        })
    }

    /// Number of ids handed out.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no instance was ever added.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Instance `id`'s machine.
    pub fn machine(&self, id: InstanceId) -> Option<&Machine> {
        self.slot(id).map(|s| &s.machine)
    }

    /// Instance `id`'s configuration.
    pub fn config(&self, id: InstanceId) -> Option<&RouterInstance> {
        self.slot(id).map(Slot::cfg)
    }

    /// The VRRPv3-over-IPv4 checksum form instance `id` sends and checks now: the configured
    /// one, or [`V3Checksum::OldUnicast`] once keepalived's automatic switch happened.
    pub fn v3_checksum(&self, id: InstanceId) -> Option<crate::wire::V3Checksum> {
        self.slot(id).map(|s| s.packets.v3_checksum())
    }

    /// Instance `id`'s statistics since the last [`Router::clear_stats`].
    pub fn stats(&self, id: InstanceId) -> Stats {
        self.slot(id).map(Slot::stats).unwrap_or_default()
    }

    /// RFC 6527's vrrpv3StatisticsProtoErrReason of an instance (0: no protocol error yet).
    pub fn proto_err_reason(&self, id: InstanceId) -> u8 {
        self.slot(id).map_or(0, |s| s.packets.proto_err_reason())
    }

    /// STATS_CLEAR: every instance counts from zero again.
    pub fn clear_stats(&mut self) {
        for s in self.slots.iter_mut().flatten() {
            s.base = *s.machine.counters() + s.packets.rx_stats();
        }
    }

    fn slot(&self, id: InstanceId) -> Option<&Slot> {
        self.slots.get(id.0).and_then(Option::as_ref)
    }

    /// Feeds an event (tracking, interface, shutdown) to instance `id`.
    pub fn handle_event(&mut self, now: Instant, id: InstanceId, event: Event) {
        if let Some(Some(s)) = self.slots.get_mut(id.0) {
            s.machine.handle_event(now, event);
            self.drain(id.0);
        }
    }

    /// keepalived 2.3's `timer_expired_backup`: the loop woke up `now`, late by more than
    /// some instance's [`Machine::stall_threshold`]; every instance that a peer must have
    /// taken over from goes to BACKUP ([`Machine::handle_stall`]). Returns those instances.
    pub fn handle_stall(&mut self, now: Instant) -> Vec<InstanceId> {
        let mut stalled = Vec::new();
        for i in 0..self.slots.len() {
            if let Some(Some(s)) = self.slots.get_mut(i) {
                if s.machine.handle_stall(now) {
                    stalled.push(InstanceId(i));
                    self.drain(i);
                }
            }
        }
        stalled
    }

    /// The smallest [`Machine::stall_threshold`] of the instances, if any has one.
    pub fn stall_threshold(&self) -> Option<std::time::Duration> {
        self.slots
            .iter()
            .flatten()
            .filter_map(|s| s.machine.stall_threshold())
            .min()
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in self.timers.due(now) {
            if let Some(Some(s)) = self.slots.get_mut(i) {
                s.machine.handle_timeout(now);
                self.drain(i);
            }
        }
    }

    /// The earliest instant [`Router::handle_timeout`] must be called at.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.timers.next()
    }

    /// Applies a sync group's rules to its members (after events), draining what they do.
    pub fn reconcile(
        &mut self,
        now: Instant,
        group: &mut SyncGroup,
        members: &[InstanceId],
    ) -> Option<State> {
        let mut machines: Vec<&mut Machine> = self
            .slots
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| members.contains(&InstanceId(*i)))
            .filter_map(|(_, s)| s.as_mut().map(|s| &mut s.machine))
            .collect();
        let changed = group.reconcile(now, &mut machines);
        for m in members {
            self.drain(m.0);
        }
        changed
    }

    /// The instances that handled anything since the last call, in order of first touch.
    pub fn take_touched(&mut self) -> Vec<InstanceId> {
        let out = std::mem::take(&mut self.touched);
        for &i in &out {
            if let Some(t) = self.is_touched.get_mut(i) {
                *t = false;
            }
        }
        out.into_iter().map(InstanceId).collect()
    }

    /// The VRID of an advert that no instance on `ifindex` serves (keepalived's
    /// `log_unknown_vrids` line), without counting or handling anything; `None` when the
    /// headers are not there or an instance serves it.
    pub fn unknown_vrid(&self, ifindex: u32, net: RxNet, bytes: &[u8]) -> Option<u8> {
        let h = inspect::header(bytes, net).ok()?;
        self.route(ifindex, net.family(), &h)
            .is_none()
            .then_some(h.vrid)
    }

    /// Processes one received datagram on interface `ifindex`.
    pub fn handle_datagram(&mut self, now: Instant, ifindex: u32, net: RxNet, bytes: &[u8]) {
        let h = match inspect::header(bytes, net) {
            Ok(h) => h,
            Err(error) => return self.log_router(now, error, None),
        };
        let Some(i) = self.route(ifindex, net.family(), &h) else {
            if self.options.log_unknown_vrids {
                let error = DecodeError::VridMismatch {
                    expected: 0,
                    received: h.vrid,
                };
                self.log_router(now, error, Some(h.src));
            }
            return;
        };
        let Some(Some(s)) = self.slots.get_mut(i) else {
            return;
        };
        let before = s.packets.v3_checksum();
        match s.packets.receive(now, bytes, net, &s.machine) {
            Received::Advert(advert) => {
                if s.packets.v3_checksum() != before {
                    self.notices
                        .push_back((InstanceId(i), Notice::OldUnicastChecksum));
                }
                s.machine.handle_event(now, Event::Advert(advert));
                self.drain(i);
            }
            Received::Dropped { error, log } => {
                // keepalived notifies every such packet (no rate limit): so do we; the
                // daemon sends them only where SNMP traps are enabled.
                if let Some(reason) = error.proto_err_reason() {
                    self.notices
                        .push_back((InstanceId(i), Notice::ProtoError(reason)));
                }
                if let Some(kind) = error.auth_err_type() {
                    self.notices
                        .push_back((InstanceId(i), Notice::AuthError { kind, src: h.src }));
                }
                if let Some(suppressed) = log {
                    self.logs.push_back(DropLog {
                        instance: Some(InstanceId(i)),
                        error: Dropped::Received(error),
                        src: Some(h.src),
                        suppressed,
                    });
                }
                self.touch(i);
            }
            Received::Ignored => {}
        }
    }

    /// The instance a datagram is for: the only one with its VRID on the interface, or, when
    /// several unicast instances share it (keepalived's duplicate VRIDs), the one that last
    /// heard from the source, else the one with the source among its peers.
    fn route(&self, ifindex: u32, family: Family, h: &inspect::Header) -> Option<usize> {
        let candidates = self.index.get(&(ifindex, family, h.vrid))?;
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        let slot = |i: &usize| self.slots.get(*i).and_then(Option::as_ref);
        candidates
            .iter()
            .find(|i| slot(i).is_some_and(|s| s.machine.master_address() == Some(h.src)))
            .or_else(|| {
                candidates.iter().find(|i| {
                    slot(i).is_some_and(|s| s.cfg().peers.iter().any(|p| p.addr == h.src))
                })
            })
            .copied()
    }

    fn log_router(&mut self, now: Instant, error: DecodeError, src: Option<IpAddr>) {
        if let Some(suppressed) = self.router_logs.admit(now, &error) {
            self.logs.push_back(DropLog {
                instance: None,
                error: Dropped::Received(error),
                src,
                suppressed,
            });
        }
    }

    /// Writes the next advert to send into `buf` (at least [`MAX_ADVERT_LEN`] bytes covers
    /// every advert). An advert that does not fit is dropped and logged.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        while let Some(p) = self.transmits.pop_front() {
            let Some(s) = self.slot(p.id) else {
                continue;
            };
            match s.packets.emit(&p, buf) {
                Ok(t) => return Some(t),
                Err(error) => self.logs.push_back(DropLog {
                    instance: Some(p.id),
                    error,
                    src: None,
                    suppressed: 0,
                }),
            }
        }
        None
    }

    /// The next action an instance's machine asked for (adverts are not among them: they
    /// come out of [`Router::poll_transmit`]).
    pub fn poll_action(&mut self) -> Option<(InstanceId, Action)> {
        self.actions.pop_front()
    }

    /// The next drop to log.
    pub fn poll_log(&mut self) -> Option<DropLog> {
        self.logs.pop_front()
    }

    /// The next [`Notice`] to log.
    pub fn poll_notice(&mut self) -> Option<(InstanceId, Notice)> {
        self.notices.pop_front()
    }

    fn touch(&mut self, i: usize) {
        if let Some(t) = self.is_touched.get_mut(i) {
            if !*t {
                *t = true;
                self.touched.push(i);
            }
        }
    }

    /// Moves instance `i`'s machine actions into the router's queues and re-arms its timer.
    fn drain(&mut self, i: usize) {
        self.touch(i);
        let Some(Some(s)) = self.slots.get_mut(i) else {
            return;
        };
        let id = InstanceId(i);
        let mut state_changed = false;
        while let Some(action) = s.machine.poll_action() {
            match action {
                Action::SendAdvert { priority, interval } => {
                    self.transmits
                        .extend(s.packets.advert(id, priority, interval));
                }
                Action::StateChanged { .. } => {
                    state_changed = true;
                    self.actions.push_back((id, action));
                }
                other => self.actions.push_back((id, other)),
            }
        }
        s.packets.observe(&s.machine, state_changed);
        self.timers.arm(i, s.machine.poll_timeout());
    }
}
