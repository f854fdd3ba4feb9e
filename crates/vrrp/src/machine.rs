//! VRRP state machine (RFC 5798 §6.4, RFC 3768 §6.4) with keepalived 2.2.7's behaviour, sans-IO.
//!
//! One [`Machine`] per `vrrp_instance`. The driver feeds it [`Event`]s and timeouts, each with
//! the current time, then drains [`Action`]s with [`Machine::poll_action`] and sleeps until
//! [`Machine::poll_timeout`]. The machine never reads a clock or touches a socket; a wake-up
//! before any deadline is a no-op.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use keepalived_vrrp::machine::{Machine, InstanceConfig, Version, State};
//! let t0 = Instant::now();
//! let cfg = InstanceConfig::new("VI_1", Version::V3, "10.0.0.1".parse().unwrap(), 100);
//! let mut m = Machine::new(cfg, t0);
//! m.handle_timeout(t0);
//! assert_eq!(m.state(), State::Backup);
//! while let Some(_action) = m.poll_action() {}
//! let down = m.poll_timeout().unwrap();
//! m.handle_timeout(down);
//! assert_eq!(m.state(), State::Master);
//! ```

mod config;
mod io;
mod stall;
mod state;
mod timer;
mod timing;
mod track;

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

pub use config::{GarpConfig, InitialState, InstanceConfig, Version, PRIO_OWNER};
pub use io::{Action, Advert, Event, NotifyState};
pub use state::{MasterReason, State};
pub use timing::{master_down_interval, skew_time};
pub use track::{effective_priority, TrackId, TrackValue, TrackedObject};

use crate::stats::Stats;
use crate::wire::Counter;
use timer::{Timer, TimerTable};
use track::Contribution;

/// keepalived's configuration fix-ups: an unset priority is 100 (VRRP_PRIO_DFL); the address
/// owner and `state MASTER` always preempt; `state MASTER` has no preempt_delay;
/// `down_timer_adverts` defaults to 3.
fn fix_up(config: &mut InstanceConfig) {
    if config.priority == 0 {
        config.priority = 100;
    }
    if config.priority == PRIO_OWNER || config.initial_state == InitialState::Master {
        config.preempt = true;
    }
    if config.initial_state == InitialState::Master {
        config.preempt_delay = Duration::ZERO;
    }
    if config.down_timer_adverts == 0 {
        config.down_timer_adverts = 3;
    }
    // keepalived 2.3.4: "expired_timer_backup requires nopreempt - resetting".
    if config.preempt {
        config.timer_expired_backup = None;
    }
}

/// Whether an instance can run, from its interface, tracked objects and sync group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Health {
    /// It can run, with this effective priority.
    Ready(u8),
    /// A weight-0 script (of its own or of a sync group member) has no result yet.
    Pending,
    /// In fault.
    Fault,
}

impl Health {
    fn priority(self) -> Option<u8> {
        match self {
            Health::Ready(p) => Some(p),
            _ => None,
        }
    }
}

/// The state machine of one VRRP instance.
#[derive(Debug)]
pub struct Machine {
    config: InstanceConfig,
    state: State,
    base_priority: u8,
    effective_priority: u8,
    master_adver_interval: Duration,
    /// Current value of each tracked object, parallel to `config.tracked`.
    track_values: Vec<TrackValue>,
    interface_up: bool,
    /// The sync group is in fault because of another member.
    group_fault: bool,
    /// The sync group waits for another member's first script result.
    group_pending: bool,
    /// In FAULT without having said so: held at start by a script with no result yet
    /// (keepalived's num_script_init); a FAULT notify follows if the result is a failure.
    silent_fault: bool,
    /// MASTER resumed at start (its VIPs were found installed) and not announced yet: no
    /// notify or GARP until Master_Down passes without a better master's advert.
    unconfirmed: bool,
    /// Sync group member whose Master_Down timer expired: waiting for the group.
    wants_master: bool,
    master_address: Option<IpAddr>,
    master_priority: u8,
    preempt_time: Option<Instant>,
    /// keepalived's `ms_down_timer`: the length the Master_Down timer was last armed with.
    ms_down_timer: Duration,
    garp_refresh_at: Option<Instant>,
    /// When the last advert was sent (keepalived's `last_advert_sent`).
    last_advert_sent: Option<Instant>,
    timers: TimerTable,
    actions: VecDeque<Action>,
    counters: Stats,
    /// Why it last became MASTER, and why it would next (keepalived's `master_reason` and
    /// `next_master_reason`, set where keepalived sets them).
    master_reason: MasterReason,
    next_master_reason: MasterReason,
    /// The configured base priority and preemption, kept while an SNMP Set has changed
    /// them: a reload, even of an unchanged configuration, puts them back (keepalived
    /// reads them again from the file).
    configured: Option<(u8, bool)>,
}

impl Machine {
    /// Creates the machine in INIT; it leaves INIT at `now + startup_delay` (call
    /// [`Machine::handle_timeout`]). keepalived's configuration fix-ups are applied here:
    /// `nopreempt` is cleared for an address owner or `state MASTER`, `preempt_delay` is
    /// cleared for `state MASTER`.
    pub fn new(mut config: InstanceConfig, now: Instant) -> Self {
        fix_up(&mut config);
        let track_values = config.tracked.iter().map(|t| t.initial).collect();
        let mut timers = TimerTable::default();
        timers.set(Timer::Startup, now + config.startup_delay);
        let mut machine = Machine {
            base_priority: config.priority,
            effective_priority: config.priority,
            master_adver_interval: config.advert_interval,
            state: State::Init,
            track_values,
            interface_up: true,
            group_fault: false,
            group_pending: false,
            silent_fault: false,
            unconfirmed: false,
            wants_master: false,
            master_address: None,
            master_priority: 0,
            preempt_time: None,
            ms_down_timer: Duration::ZERO,
            garp_refresh_at: None,
            last_advert_sent: None,
            timers,
            actions: VecDeque::new(),
            counters: Stats::default(),
            master_reason: MasterReason::NotMaster,
            next_master_reason: MasterReason::MasterNoResponse,
            configured: None,
            config,
        };
        machine.effective_priority = machine.health().priority().unwrap_or(machine.base_priority);
        machine
    }

    /// Applies a new configuration (a reload) without leaving the current state: the base
    /// priority, intervals, preemption, GARP and tracked objects change; a new effective
    /// priority takes effect as a tracking change would (FAULT if a weight-0 object fails).
    /// The tracked objects start from the values in `config` (`initial`).
    pub fn reconfigure(&mut self, mut config: InstanceConfig, now: Instant) {
        fix_up(&mut config);
        // Only a fresh start resumes as MASTER.
        config.resume_master = false;
        self.configured = None;
        self.track_values = config.tracked.iter().map(|t| t.initial).collect();
        self.base_priority = config.priority;
        if self.state != State::Backup || config.version == Version::V2 {
            self.master_adver_interval = config.advert_interval;
        }
        self.config = config;
        if self.state == State::Master {
            // keepalived's reload_master: a MASTER's advert timer is set to now at reload, so
            // it advertises at once and then every (new) advert interval from the reload.
            self.timers.set(Timer::Advert, now);
        }
        self.tracking_changed(now);
    }

    /// A reload that left this instance's configuration as it was: keepalived's
    /// reload_master alone (a MASTER advertises at once, then every advert interval from the
    /// reload). State, priorities, tracked values and a BACKUP's timers stay as they are.
    /// As [`Machine::reconfigure`] does: only a fresh start resumes as MASTER, and outside
    /// a v3 BACKUP (which keeps what it learned) Master_Adver_Interval is its own again.
    pub fn reload_unchanged(&mut self, now: Instant) {
        self.config.resume_master = false;
        if let Some((priority, preempt)) = self.configured.take() {
            self.config.preempt = preempt;
            self.set_base_priority(priority);
            self.configured = None;
        }
        if self.state != State::Backup || self.config.version == Version::V2 {
            self.master_adver_interval = self.config.advert_interval;
        }
        if self.state == State::Master {
            self.timers.set(Timer::Advert, now);
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Effective priority (base priority plus tracking weights, clamped).
    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }

    /// Master_Adver_Interval (v3: learned from the master's adverts).
    pub fn master_adver_interval(&self) -> Duration {
        self.master_adver_interval
    }

    /// Source address of the last advert accepted from the master (BACKUP).
    pub fn master_address(&self) -> Option<IpAddr> {
        self.master_address
    }

    /// Whether the instance itself is in fault (its interface or a weight-0 tracked object),
    /// as opposed to being held in FAULT by its sync group.
    pub fn own_fault(&self) -> bool {
        self.own_health() == Health::Fault
    }

    /// Whether the instance waits for the first result of a weight-0 tracked script (and has
    /// no fault of its own).
    pub fn own_pending(&self) -> bool {
        self.own_health() == Health::Pending
    }

    /// In FAULT without having notified it (waiting for a first script result).
    pub fn fault_unannounced(&self) -> bool {
        self.silent_fault && self.state == State::Fault
    }

    /// Whether the sync group holds this instance while another member waits for a script.
    pub fn group_pending(&self) -> bool {
        self.group_pending
    }

    /// Whether the sync group holds this instance in FAULT.
    pub fn group_fault(&self) -> bool {
        self.group_fault
    }

    /// Sync group member in BACKUP whose Master_Down timer expired (keepalived's
    /// `wantstate == MASTER`).
    pub fn wants_master(&self) -> bool {
        self.wants_master && self.state == State::Backup
    }

    /// The statistics the machine counts: `advert_sent`, `pri_zero_sent`, `become_master`,
    /// `release_master`. The receive counters are the [`crate::Router`]'s (keepalived counts
    /// Why the instance last became MASTER (RFC 6527's new-master reason).
    pub fn master_reason(&self) -> MasterReason {
        self.master_reason
    }

    /// them while checking the packet, before the state machine sees it).
    pub fn counters(&self) -> &Stats {
        &self.counters
    }

    /// The configuration after keepalived's fix-ups.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }

    /// The next instant at which [`Machine::handle_timeout`] must be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    /// The next action to carry out, in order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Fires every timer due at `now`. Calling it early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((timer, deadline)) = self.timers.pop_expired(now) {
            match timer {
                Timer::Startup => self.leave_init(now),
                Timer::MasterDown => {
                    if self.state == State::Backup && self.config.sync_group {
                        // keepalived's vrrp_sync_can_goto_master: prefer BACKUP until every
                        // member wants MASTER; wait another Master_Down_Interval meanwhile.
                        self.wants_master = true;
                        self.arm_master_down(now, self.master_down());
                        self.push(Action::WantMaster);
                    } else if self.state == State::Backup {
                        self.become_master(now);
                    } else if self.state == State::Master && self.unconfirmed {
                        self.confirm_master(now);
                    }
                }
                Timer::Advert => {
                    if self.state == State::Master {
                        self.master_tx(now, deadline);
                    }
                }
                Timer::GarpMasterDelay => {
                    if self.state == State::Master {
                        self.push(Action::SendGratuitous {
                            count: self.config.garp.master_repeat,
                        });
                    }
                }
                Timer::GarpLowerPrioDelay => {
                    if self.state == State::Master {
                        self.push(Action::SendGratuitous {
                            count: self.config.garp.lower_prio_repeat,
                        });
                    }
                }
            }
        }
    }

    /// Processes one event at `now`.
    pub fn handle_event(&mut self, now: Instant, event: Event) {
        match event {
            Event::Advert(advert) => self.receive(now, advert),
            Event::Track { id, value } => {
                if let Some(i) = self.config.tracked.iter().position(|t| t.id == id) {
                    if let Some(slot) = self.track_values.get_mut(i) {
                        *slot = value;
                    }
                    self.tracking_changed(now);
                }
            }
            Event::InterfaceUp => {
                self.interface_up = true;
                self.tracking_changed(now);
            }
            Event::InterfaceDown => {
                self.interface_up = false;
                self.tracking_changed(now);
            }
            Event::VipRemoved => self.vip_removed(now),
            Event::Shutdown => self.shutdown(now),
            Event::GroupFault(fault) => {
                if self.group_fault != fault {
                    self.group_fault = fault;
                    self.tracking_changed(now);
                }
            }
            Event::GroupPending(pending) => {
                if self.group_pending != pending {
                    self.group_pending = pending;
                    self.tracking_changed(now);
                }
            }
            Event::GroupMaster => {
                if self.state == State::Backup {
                    self.become_master(now);
                }
            }
            Event::GroupBackup => {
                if self.state == State::Master {
                    self.become_backup(now);
                }
            }
            Event::SetBasePriority(p) => {
                self.remember_configured();
                self.set_base_priority(p);
            }
            Event::SetPreempt(on) => {
                self.remember_configured();
                self.config.preempt = on;
            }
        }
    }

    fn remember_configured(&mut self) {
        if self.configured.is_none() {
            self.configured = Some((self.config.priority, self.config.preempt));
        }
    }

    /// keepalived's vrrp_snmp_instance_priority: the total priority moves by the change of
    /// the base, then vrrp_set_effective_priority, which leaves an address owner's (a base
    /// of 255, the new one included) as it was.
    fn set_base_priority(&mut self, p: u8) {
        self.base_priority = p;
        self.config.priority = p;
        if p == PRIO_OWNER {
            return;
        }
        if let Health::Ready(effective) = self.own_health() {
            self.update_priority(effective);
        }
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    fn skew(&self) -> Duration {
        skew_time(
            self.config.version,
            self.effective_priority,
            self.master_adver_interval,
        )
    }

    fn master_down(&self) -> Duration {
        master_down_interval(
            self.config.version,
            self.effective_priority,
            self.master_adver_interval,
            self.config.down_timer_adverts,
        )
    }

    /// The instance's own health, then the sync group's hold on it.
    fn health(&self) -> Health {
        match self.own_health() {
            Health::Fault => Health::Fault,
            _ if self.group_fault => Health::Fault,
            Health::Ready(_) if self.group_pending => Health::Pending,
            own => own,
        }
    }

    /// The effective priority from the instance's own interface and tracked objects; FAULT
    /// when a weight-0 object (or the interface) fails, pending while a weight-0 script has
    /// no result yet.
    fn own_health(&self) -> Health {
        if !self.interface_up {
            return Health::Fault;
        }
        let mut sum: i64 = 0;
        let mut pending = false;
        for (t, v) in self.config.tracked.iter().zip(&self.track_values) {
            match t.contribution(*v) {
                Contribution::Fault => return Health::Fault,
                Contribution::Pending => pending = true,
                Contribution::Priority(p) => sum = sum.saturating_add(p),
            }
        }
        if pending {
            Health::Pending
        } else {
            Health::Ready(effective_priority(self.base_priority, sum))
        }
    }

    fn arm_master_down(&mut self, now: Instant, length: Duration) {
        self.ms_down_timer = length;
        self.timers.set(Timer::MasterDown, now + length);
    }

    fn set_state(&mut self, to: State) {
        self.set_state_notify(to, true);
    }

    fn set_state_notify(&mut self, to: State, notify: bool) {
        let from = self.state;
        self.silent_fault = false;
        self.wants_master = false;
        self.state = to;
        if from != to {
            self.push(Action::StateChanged { from, to });
        }
        let notify_wanted = notify;
        let notify = match to {
            State::Master => Some(NotifyState::Master),
            State::Backup => Some(NotifyState::Backup),
            State::Fault => Some(NotifyState::Fault),
            State::Stop => Some(NotifyState::Stop),
            State::Init => None,
        };
        if let Some(new_state) = notify.filter(|_| notify_wanted) {
            if from != to {
                self.push(Action::Notify {
                    new_state,
                    priority: self.effective_priority,
                });
            }
        }
    }

    fn send_advert(&mut self, now: Instant, priority: u8) {
        self.last_advert_sent = Some(now);
        self.counters.bump(Counter::AdvertSent);
        if priority == 0 {
            self.counters.bump(Counter::PriZeroSent);
        }
        self.push(Action::SendAdvert {
            priority,
            interval: self.config.advert_interval,
        });
    }

    /// keepalived's `try_up_instance`: the address owner configured MASTER goes straight to
    /// MASTER, everyone else starts as BACKUP with Master_Down_Interval computed from our own
    /// advert interval.
    ///
    /// An instance whose weight-0 script has no result yet is put in FAULT without a notify
    /// (keepalived's vrrp_init_state with num_script_init): the first result then brings it
    /// to BACKUP, or to FAULT with its notify.
    fn leave_init(&mut self, now: Instant) {
        match self.health() {
            Health::Fault => self.enter_fault(now),
            Health::Pending => {
                self.timers.clear();
                self.set_state_notify(State::Fault, false);
                self.silent_fault = true;
            }
            Health::Ready(_) => self.start_up(now),
        }
    }

    fn start_up(&mut self, now: Instant) {
        self.master_adver_interval = self.config.advert_interval;
        self.master_address = None;
        self.preempt_time = None;
        let resume = std::mem::take(&mut self.config.resume_master);
        if resume {
            self.resume_master(now);
        } else if self.config.initial_state == InitialState::Master
            && self.base_priority == PRIO_OWNER
        {
            self.next_master_reason = MasterReason::Preempted;
            self.become_master(now);
        } else {
            self.next_master_reason = MasterReason::MasterNoResponse;
            self.set_state(State::Backup);
            self.arm_master_down(now, self.master_down());
        }
    }

    /// The process restarted and found its VIPs installed: it keeps them and advertises at
    /// once, as a MASTER (so a BACKUP peer does not take over and a lower MASTER yields), but
    /// says so (notify, GARP) only after Master_Down passes without a better master, or when
    /// a lower one is heard. A better master's advert sends it to BACKUP with its VIPs
    /// removed, as keepalived, which starts in BACKUP and removes them, would end.
    fn resume_master(&mut self, now: Instant) {
        self.timers.stop(Timer::MasterDown);
        self.master_reason = self.next_master_reason;
        self.set_state_notify(State::Master, false);
        self.unconfirmed = true;
        self.push(Action::AddVips {
            accept: self.config.accept,
        });
        self.send_advert(now, self.effective_priority);
        self.timers
            .set(Timer::Advert, now + self.config.advert_interval);
        self.timers.set(Timer::MasterDown, now + self.master_down());
    }

    /// The resumed MASTER is announced: what become_master does after the VIPs.
    fn confirm_master(&mut self, now: Instant) {
        self.unconfirmed = false;
        self.timers.stop(Timer::MasterDown);
        self.counters.bump(Counter::BecomeMaster);
        self.start_gratuitous(now);
        self.push(Action::Notify {
            new_state: NotifyState::Master,
            priority: self.effective_priority,
        });
    }

    /// A new MASTER's GARP/NA burst, the second one after `garp_master_delay`, and the
    /// refresh deadline.
    fn start_gratuitous(&mut self, now: Instant) {
        self.push(Action::SendGratuitous {
            count: self.config.garp.master_repeat,
        });
        if !self.config.garp.master_delay.is_zero() {
            self.timers
                .set(Timer::GarpMasterDelay, now + self.config.garp.master_delay);
        }
        self.garp_refresh_at = self.config.garp.master_refresh.map(|r| now + r);
    }

    fn become_master(&mut self, now: Instant) {
        self.timers.stop(Timer::MasterDown);
        self.master_reason = self.next_master_reason;
        self.set_state(State::Master);
        self.counters.bump(Counter::BecomeMaster);
        // Order of keepalived's vrrp_state_master_tx on the transition: VIPs, GARP burst,
        // notify (vrrp_state_become_master), then the first advert.
        self.push(Action::AddVips {
            accept: self.config.accept,
        });
        self.start_gratuitous(now);
        self.send_advert(now, self.effective_priority);
        self.timers
            .set(Timer::Advert, now + self.config.advert_interval);
    }

    /// An advert when the advert timer set for `deadline` fires at `now`: the next one is due
    /// an interval after the deadline, so adverts keep their period however late the wake-up
    /// (unless more than an interval late: then an interval from now).
    fn master_tx(&mut self, now: Instant, deadline: Instant) {
        // keepalived only checks the refresh deadline when it sends an advert, so a refresh is
        // sent with the first advert after garp_master_refresh has elapsed.
        if let (Some(at), Some(period)) = (self.garp_refresh_at, self.config.garp.master_refresh) {
            if now > at {
                self.push(Action::SendGratuitous {
                    count: self.config.garp.master_refresh_repeat,
                });
                self.garp_refresh_at = Some(now + period);
            }
        }
        self.send_advert(now, self.effective_priority);
        let interval = self.config.advert_interval;
        let next = if deadline + interval > now {
            deadline + interval
        } else {
            now + interval
        };
        self.timers.set(Timer::Advert, next);
    }

    fn leave_master(&mut self) {
        self.timers.stop(Timer::Advert);
        self.timers.stop(Timer::GarpMasterDelay);
        self.timers.stop(Timer::GarpLowerPrioDelay);
        self.timers.stop(Timer::MasterDown);
        self.garp_refresh_at = None;
        if !std::mem::take(&mut self.unconfirmed) {
            self.counters.bump(Counter::ReleaseMaster);
        }
        self.push(Action::RemoveVips {
            accept: self.config.accept,
        });
    }

    fn become_backup(&mut self, now: Instant) {
        if self.state == State::Master {
            self.leave_master();
        }
        self.set_state(State::Backup);
        self.arm_master_down(now, self.master_down());
    }

    /// Compares an advert's source with our primary address as keepalived's
    /// `vrrp_saddr_cmp` does: numerically within one family, "equal" across families.
    fn compare_source(&self, source: IpAddr) -> Ordering {
        match (source, self.config.primary_address) {
            (IpAddr::V4(a), IpAddr::V4(b)) => a.cmp(&b),
            (IpAddr::V6(a), IpAddr::V6(b)) => a.cmp(&b),
            _ => Ordering::Equal,
        }
    }

    fn learn_interval(&mut self, advert: &Advert) {
        // RFC 5798 §6.4.2: a v3 backup sets Master_Adver_Interval from the advert. v2 adverts
        // with another interval never reach us (the codec drops them as keepalived does).
        if self.config.version == Version::V3 && !advert.interval.is_zero() {
            self.master_adver_interval = advert.interval;
        }
    }

    fn receive(&mut self, now: Instant, advert: Advert) {
        // keepalived ignores adverts in INIT and FAULT (vrrp_dispatcher_read) and after STOP.
        match self.state {
            State::Backup => self.backup_rx(now, advert),
            State::Master => self.master_rx(now, advert),
            _ => {}
        }
    }

    /// keepalived's `vrrp_state_backup`.
    fn backup_rx(&mut self, now: Instant, advert: Advert) {
        let ours = self.effective_priority;
        if advert.priority == 0 {
            self.arm_master_down(now, self.skew());
            self.next_master_reason = MasterReason::Priority;
            return;
        }
        let preempt_delay = !self.config.preempt_delay.is_zero();
        let accept = !self.config.preempt
            || advert.priority >= ours
            || (preempt_delay && self.preempt_time.map_or(true, |t| t > now));
        if !accept {
            // Lower priority and preemption allowed: the advert is ignored and the running
            // Master_Down timer is left to expire (keepalived shortens ms_down_timer to the
            // time remaining, which is the same thing).
            self.master_address = Some(advert.source);
            self.next_master_reason = MasterReason::Preempted;
            return;
        }
        self.next_master_reason = MasterReason::MasterNoResponse;
        self.learn_interval(&advert);
        self.master_address = Some(advert.source);
        self.master_priority = advert.priority;
        self.wants_master = false;
        if preempt_delay {
            if advert.priority >= ours {
                self.preempt_time = None;
            } else if self.preempt_time.is_none() {
                // First lower-priority advert: keep accepting them for preempt_delay.
                self.preempt_time = Some(now + self.config.preempt_delay);
            }
        }
        self.arm_master_down(now, self.master_down());
    }

    /// keepalived's `vrrp_state_master_rx`.
    fn master_rx(&mut self, now: Instant, advert: Advert) {
        let cmp = self.compare_source(advert.source);
        let ours = self.effective_priority;
        let higher =
            advert.priority > ours || (advert.priority == ours && cmp == Ordering::Greater);
        if self.unconfirmed && !higher {
            // A resumed MASTER hears a lower (or leaving) master: it is the master.
            self.confirm_master(now);
        }
        if advert.priority == 0 || (self.config.higher_prio_send_advert && higher) {
            self.send_advert(now, ours);
            if advert.priority == 0 {
                return;
            }
        }
        if advert.priority == ours && cmp != Ordering::Equal && ours == PRIO_OWNER {
            // Two address owners: keepalived logs a configuration error and drops its own
            // (base and effective) priority to 254.
            self.base_priority = PRIO_OWNER - 1;
            self.effective_priority = PRIO_OWNER - 1;
        }
        let ours = self.effective_priority;
        if advert.priority < ours || (advert.priority == ours && cmp == Ordering::Less) {
            // keepalived answers a lower priority master with an advert at once ("forcing new
            // election") unless lower_prio_no_advert, and stays master.
            if !self.config.lower_prio_no_advert {
                self.send_advert(now, ours);
            }
            let garp = &self.config.garp;
            if garp.lower_prio_repeat > 0 {
                let (count, delay) = (garp.lower_prio_repeat, garp.lower_prio_delay);
                self.push(Action::SendGratuitous { count });
                if !delay.is_zero() {
                    self.timers.set(Timer::GarpLowerPrioDelay, now + delay);
                }
            }
            self.push(Action::NotifyMasterRxLowerPri {
                source: advert.source,
            });
            return;
        }
        if advert.priority > ours || (advert.priority == ours && cmp == Ordering::Greater) {
            self.learn_interval(&advert);
            self.master_address = Some(advert.source);
            self.master_priority = advert.priority;
            self.become_backup(now);
        }
    }

    fn tracking_changed(&mut self, now: Instant) {
        let new = self.health();
        match (self.state, new) {
            (State::Stop, _) => {}
            (State::Init, Health::Ready(p)) => self.update_priority(p),
            // INIT with a fault: leave_init notices when the startup delay ends.
            (State::Init, _) => {}
            (State::Fault, Health::Ready(p)) => {
                self.update_priority(p);
                self.start_up(now);
            }
            (State::Fault, Health::Fault) if self.silent_fault && self.own_fault() => {
                // The awaited result is a failure: keepalived's down_instance notifies now
                // (a member held by its group stays silent, as keepalived's vrrp_sync_fault
                // skips members already in FAULT).
                self.silent_fault = false;
                self.push(Action::Notify {
                    new_state: NotifyState::Fault,
                    priority: self.effective_priority,
                });
            }
            (State::Fault, _) => {}
            (_, Health::Fault | Health::Pending) => self.enter_fault(now),
            (_, Health::Ready(p)) => self.update_priority(p),
        }
    }

    fn update_priority(&mut self, p: u8) {
        if p == self.effective_priority {
            return;
        }
        let from = std::mem::replace(&mut self.effective_priority, p);
        self.push(Action::PriorityChanged { from, priority: p });
        // keepalived's vrrp_set_effective_priority: recompute ms_down_timer with the new skew
        // and, in BACKUP, move the running deadline by the difference.
        let old = self.ms_down_timer;
        self.ms_down_timer = self.master_down();
        if self.state == State::Backup {
            if let Some(at) = self.timers.get(Timer::MasterDown) {
                let at = if self.ms_down_timer >= old {
                    at + (self.ms_down_timer - old)
                } else {
                    at.checked_sub(old - self.ms_down_timer).unwrap_or(at)
                };
                self.timers.set(Timer::MasterDown, at);
            }
        }
    }

    fn enter_fault(&mut self, now: Instant) {
        if self.state == State::Master {
            // Leaving MASTER for FAULT, keepalived's vrrp_restore_interface removes the VIPs
            // and then sends a priority-0 advert (we skip it when the interface is down).
            self.leave_master();
            if self.interface_up {
                self.send_advert(now, 0);
            }
        }
        self.timers.clear();
        self.master_adver_interval = self.config.advert_interval;
        self.set_state(State::Fault);
    }

    fn vip_removed(&mut self, now: Instant) {
        if self.state != State::Master {
            return;
        }
        self.send_advert(now, 0);
        self.leave_master();
        self.set_state(State::Backup);
        self.preempt_time = None;
        // "We want a quick transition back to master".
        self.arm_master_down(now, self.skew());
    }

    fn shutdown(&mut self, now: Instant) {
        if self.state == State::Stop {
            return;
        }
        if self.state == State::Master {
            // Same order as keepalived's vrrp_restore_interface: VIPs away, then priority 0.
            self.leave_master();
            self.send_advert(now, 0);
        }
        self.timers.clear();
        self.set_state(State::Stop);
    }
}
