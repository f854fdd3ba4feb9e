//! One BFD session (RFC 5880 §6.8), as keepalived 2.2.7's `bfd_scheduler.c` runs it: the
//! state variables of §6.8.1, the transmit timer with §6.8.7 jitter, the detection timer
//! (§6.8.4), the reset timer keepalived arms when a session goes Down, Poll/Final (§6.5),
//! passive mode (§6.1) and AdminDown.
//!
//! Sans-IO, quinn-style: [`Session::handle_packet`] / [`Session::handle_timeout`] take `now`;
//! [`Session::poll_timeout`] says when to call back; [`Session::poll_transmit`] writes the
//! packets that are due; [`Session::poll_event`] reports what happened.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::rng::Rng;
use crate::wire::{Diag, Repr, State};

/// What a session is configured with (a `bfd_instance`). Intervals are kept in whole µs, the
/// wire's unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The instance name (keepalived's `iname`, at most 31 bytes there).
    pub name: String,
    /// `neighbor_ip`.
    pub peer: IpAddr,
    /// `source_ip`: when set, packets with Your Discriminator zero must be addressed to it.
    pub local: Option<IpAddr>,
    /// `min_rx`: bfd.RequiredMinRxInterval.
    pub min_rx: Duration,
    /// `min_tx`: bfd.DesiredMinTxInterval while Up.
    pub min_tx: Duration,
    /// `idle_tx`: bfd.DesiredMinTxInterval while not Up (RFC 5880 §6.8.3: at least 1 s).
    pub idle_tx: Duration,
    /// `multiplier`: bfd.DetectMult.
    pub multiplier: u8,
    /// `passive`: send nothing until the peer is heard (RFC 5880 §6.1).
    pub passive: bool,
    /// `multihop` (RFC 5883): the session is reached on UDP 4784, and a packet without Your
    /// Discriminator matches it by address only when it arrived there.
    pub multihop: bool,
    /// `ttl`/`hoplimit` sent; also the reference of the received TTL check.
    pub ttl: u8,
    /// `max_hops`: received TTL must be at least `ttl - max_hops`; 255 disables the check.
    pub max_hops: u8,
}

impl SessionConfig {
    /// A session to `peer` with keepalived's defaults: min_rx 10 ms, min_tx 10 ms, idle_tx
    /// 1 s, multiplier 5, TTL 255 (IPv4) / hop limit 64 (IPv6), max_hops 0.
    pub fn new(name: impl Into<String>, peer: IpAddr) -> SessionConfig {
        SessionConfig {
            name: name.into(),
            peer,
            local: None,
            min_rx: Duration::from_millis(10),
            min_tx: Duration::from_millis(10),
            idle_tx: Duration::from_secs(1),
            multiplier: 5,
            passive: false,
            multihop: false,
            ttl: if peer.is_ipv4() { 255 } else { 64 },
            max_hops: 0,
        }
    }

    /// The lowest received TTL accepted, or `None` when `max_hops` disables the check.
    pub fn min_rx_ttl(&self) -> Option<u8> {
        (self.max_hops != u8::MAX).then(|| self.ttl.saturating_sub(self.max_hops))
    }
}

/// What happened in a session; drained with [`Session::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// bfd.SessionState changed.
    StateChanged {
        /// The previous state.
        from: State,
        /// The new state.
        to: State,
        /// bfd.LocalDiag after the change.
        local_diag: Diag,
        /// The peer's last Diag.
        remote_diag: Diag,
    },
    /// keepalived's `bfd_event_send`: what the VRRP and checker children are told (Up, or
    /// Down for anything else). Sent when the session starts, goes Up, and falls from Up
    /// unless the peer said AdminDown.
    Notify {
        /// Whether the session is Up.
        up: bool,
    },
    /// The detection time changed ("Detection time is X us (was Y us)").
    DetectionTimeChanged {
        /// The new detection time.
        detect_time: Duration,
        /// The previous one.
        was: Duration,
    },
    /// The detection timer fired ("Expired after X ms (Y usec overdue)").
    Expired {
        /// Time since the last valid packet.
        after: Duration,
        /// How much later than the detection time.
        overdue: Duration,
        /// The session was Up (keepalived logs the expiry only then).
        was_up: bool,
    },
    /// A Poll Sequence started ("Starting poll sequence").
    PollStarted,
}

/// Packet counts of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Control packets written by [`Session::poll_transmit`].
    pub tx_packets: u64,
    /// Valid control packets handled.
    pub rx_packets: u64,
    /// Times the session came Up.
    pub up_count: u64,
    /// Times it fell from Up.
    pub down_count: u64,
}

/// The session variables keepalived writes to /tmp/keepalived_bfd.data (µs where timed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// bfd.SessionState.
    pub local_state: State,
    /// bfd.RemoteSessionState.
    pub remote_state: State,
    /// bfd.LocalDiscr.
    pub local_discr: u32,
    /// bfd.RemoteDiscr.
    pub remote_discr: u32,
    /// bfd.LocalDiag.
    pub local_diag: Diag,
    /// The peer's last Diag.
    pub remote_diag: Diag,
    /// The peer's Desired Min TX Interval.
    pub remote_min_tx: u32,
    /// bfd.RemoteMinRxInterval.
    pub remote_min_rx: u32,
    /// bfd.DemandMode.
    pub local_demand: bool,
    /// bfd.RemoteDemandMode.
    pub remote_demand: bool,
    /// The peer's Detect Mult.
    pub remote_detect_mult: u8,
    /// A Poll Sequence is in progress.
    pub poll: bool,
    /// The next packet carries F.
    pub final_: bool,
    /// The negotiated transmit interval.
    pub local_tx_intv: u32,
    /// The interval the peer transmits at.
    pub remote_tx_intv: u32,
    /// Detection time of this side.
    pub local_detect_time: u64,
    /// Detection time of the peer.
    pub remote_detect_time: u64,
    /// When the last valid packet arrived.
    pub last_seen: Option<Instant>,
    /// When the next periodic packet is due.
    pub next_tx: Option<Instant>,
    /// When the detection timer fires.
    pub expire_at: Option<Instant>,
    /// When the Down session resets its remote variables.
    pub reset_at: Option<Instant>,
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn us(v: u64) -> Duration {
    Duration::from_micros(v)
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One BFD session.
#[derive(Debug, Clone)]
pub struct Session {
    cfg: SessionConfig,
    local_min_rx: u32,
    local_min_tx: u32,
    local_idle_tx: u32,

    local_state: State,
    remote_state: State,
    local_discr: u32,
    remote_discr: u32,
    local_diag: Diag,
    remote_diag: Diag,
    remote_min_tx: u32,
    remote_min_rx: u32,
    remote_demand: bool,
    remote_detect_mult: u8,
    poll: bool,
    final_: bool,

    local_tx_intv: u32,
    remote_tx_intv: u32,
    local_detect_time: u64,
    remote_detect_time: u64,
    last_seen: Option<Instant>,

    /// The periodic transmission (keepalived's `thread_out`).
    tx_at: Option<Instant>,
    /// An immediate packet (keepalived's event thread: start-up, or the reply to a Poll).
    tx_event: Option<Instant>,
    /// The detection timer (`thread_exp`).
    expire_at: Option<Instant>,
    /// The reset timer (`thread_rst`).
    reset_at: Option<Instant>,

    rng: Rng,
    events: VecDeque<Event>,
    stats: SessionStats,
}

impl Session {
    /// A session in Down (keepalived's `bfd_init_state` then `bfd_register_workers`): an
    /// active session sends its first packet at once, a passive one waits for the peer.
    /// `seed` feeds the jitter and discriminator generator.
    pub fn new(cfg: SessionConfig, now: Instant, seed: u64) -> Session {
        let mut rng = Rng::new(seed);
        let local_discr = rng.discriminator();
        let mut s = Session {
            local_min_rx: micros(cfg.min_rx),
            local_min_tx: micros(cfg.min_tx),
            local_idle_tx: micros(cfg.idle_tx),
            cfg,
            local_state: State::Down,
            remote_state: State::Down,
            local_discr,
            remote_discr: 0,
            local_diag: Diag::None,
            remote_diag: Diag::None,
            remote_min_tx: 0,
            remote_min_rx: 0,
            remote_demand: false,
            remote_detect_mult: 0,
            poll: false,
            final_: false,
            local_tx_intv: 0,
            remote_tx_intv: 0,
            local_detect_time: 0,
            remote_detect_time: 0,
            last_seen: None,
            tx_at: None,
            tx_event: None,
            expire_at: None,
            reset_at: None,
            rng,
            events: VecDeque::new(),
            stats: SessionStats::default(),
        };
        s.local_tx_intv = s.local_idle_tx;
        if !s.cfg.passive {
            s.schedule_sender(now);
            s.tx_event = Some(now);
        }
        s.events.push_back(Event::Notify { up: false });
        s
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// Applies a new configuration, keeping the session's state (keepalived's reload:
    /// `bfd_copy_state` and, when min_rx or min_tx changed, a Poll Sequence so the peer
    /// learns the new intervals, RFC 5880 §6.8.3).
    pub fn reconfigure(&mut self, cfg: SessionConfig, now: Instant) {
        let (rx, tx) = (micros(cfg.min_rx), micros(cfg.min_tx));
        let changed = rx != self.local_min_rx || tx != self.local_min_tx;
        let was_passive = self.cfg.passive;
        self.local_min_rx = rx;
        self.local_min_tx = tx;
        self.local_idle_tx = micros(cfg.idle_tx);
        self.cfg = cfg;
        if changed {
            self.set_poll();
        }
        if was_passive && !self.cfg.passive && self.tx_at.is_none() && self.is_sending_state() {
            self.schedule_sender(now);
        }
    }

    fn is_sending_state(&self) -> bool {
        self.local_state != State::AdminDown
    }

    /// bfd.SessionState.
    pub fn state(&self) -> State {
        self.local_state
    }

    /// bfd.RemoteSessionState.
    pub fn remote_state(&self) -> State {
        self.remote_state
    }

    /// bfd.LocalDiscr.
    pub fn local_discr(&self) -> u32 {
        self.local_discr
    }

    /// bfd.RemoteDiscr.
    pub fn remote_discr(&self) -> u32 {
        self.remote_discr
    }

    /// bfd.LocalDiag.
    pub fn local_diag(&self) -> Diag {
        self.local_diag
    }

    /// The detection time (RFC 5880 §6.8.4: the peer's Detect Mult times the agreed
    /// interval it sends at); zero before the peer is heard.
    pub fn detection_time(&self) -> Duration {
        us(self.local_detect_time)
    }

    /// The interval this side transmits at (before jitter).
    pub fn tx_interval(&self) -> Duration {
        us(self.local_tx_intv.into())
    }

    /// Whether a Poll Sequence is in progress.
    pub fn polling(&self) -> bool {
        self.poll
    }

    /// Packet counts.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// The variables keepalived dumps.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            local_state: self.local_state,
            remote_state: self.remote_state,
            local_discr: self.local_discr,
            remote_discr: self.remote_discr,
            local_diag: self.local_diag,
            remote_diag: self.remote_diag,
            remote_min_tx: self.remote_min_tx,
            remote_min_rx: self.remote_min_rx,
            local_demand: false,
            remote_demand: self.remote_demand,
            remote_detect_mult: self.remote_detect_mult,
            poll: self.poll,
            final_: self.final_,
            local_tx_intv: self.local_tx_intv,
            remote_tx_intv: self.remote_tx_intv,
            local_detect_time: self.local_detect_time,
            remote_detect_time: self.remote_detect_time,
            last_seen: self.last_seen,
            next_tx: earliest(self.tx_at, self.tx_event),
            expire_at: self.expire_at,
            reset_at: self.reset_at,
        }
    }

    /// Picks a new local discriminator (the session set does so on a collision).
    pub(crate) fn new_discriminator(&mut self) {
        self.local_discr = self.rng.discriminator();
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] or [`Session::poll_transmit`] next has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        earliest(
            earliest(self.tx_at, self.tx_event),
            earliest(self.expire_at, self.reset_at),
        )
    }

    /// Fires the detection and reset timers that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.expire_at.is_some_and(|t| t <= now) {
            self.expire_at = None;
            let after = self.last_seen.map_or(Duration::ZERO, |t| now - t);
            self.events.push_back(Event::Expired {
                after,
                overdue: after.saturating_sub(us(self.local_detect_time)),
                was_up: self.local_state == State::Up,
            });
            // RFC 5880 §6.8.1: bfd.RemoteDiscr is zeroed after a Detection Time of silence.
            self.remote_discr = 0;
            self.state_down(now, Diag::Expired);
        }
        if self.reset_at.is_some_and(|t| t <= now) {
            self.reset_at = None;
            // keepalived's bfd_reset_state: forget the peer, back to idle transmission.
            self.local_state = State::Down;
            self.remote_state = State::Down;
            self.remote_discr = 0;
            self.remote_diag = Diag::None;
            self.remote_demand = false;
            self.poll = false;
            self.final_ = false;
            self.idle_local_tx_intv();
        }
    }

    /// Writes the packet that is due now, if any, into `buf` (at least 24 bytes) and
    /// returns its length. Call until it returns `None`.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if self.local_state == State::AdminDown {
            return None;
        }
        let event = self.tx_event.is_some_and(|t| t <= now);
        let periodic = self.tx_at.is_some_and(|t| t <= now);
        if !event && !periodic {
            return None;
        }
        let len = self.build().emit(buf)?;
        // The F bit answers one Poll only (keepalived's bfd_sender_thread).
        self.final_ = false;
        if event {
            self.tx_event = None;
        }
        if periodic {
            self.schedule_sender(now);
        }
        self.stats.tx_packets += 1;
        Some(len)
    }

    /// The packet keepalived's `bfd_build_packet` would send now.
    fn build(&mut self) -> Repr {
        // A Poll we wanted to start rides on the Final: the new values are in this packet.
        if self.poll && self.final_ {
            self.poll = false;
        }
        Repr {
            diag: self.local_diag,
            state: self.local_state,
            poll: self.poll,
            final_: self.final_,
            control_plane_independent: false,
            demand: false,
            detect_mult: self.cfg.multiplier,
            my_discr: self.local_discr,
            your_discr: self.remote_discr,
            // RFC 5880 §6.8.3: at least one second while not Up.
            desired_min_tx: if self.local_state == State::Up {
                self.local_min_tx
            } else {
                self.local_idle_tx
            },
            required_min_rx: self.local_min_rx,
            required_min_echo_rx: 0,
            auth: None,
        }
    }

    /// Handles a packet that passed every receive check (see
    /// [`crate::SessionSet::receive`]): RFC 5880 §6.8.6 from "Set bfd.RemoteDiscr" on, with
    /// keepalived's interval rules.
    pub fn handle_packet(&mut self, now: Instant, pkt: &Repr) {
        // RFC 5880 §6.8.6: AdminDown discards everything (the set counts it as a check).
        if self.local_state == State::AdminDown {
            return;
        }
        self.stats.rx_packets += 1;
        let old_local_tx = self.local_tx_intv;
        let old_detect = self.local_detect_time;

        self.remote_discr = pkt.my_discr;
        self.remote_state = pkt.state;
        self.remote_diag = pkt.diag;
        self.remote_min_rx = pkt.required_min_rx;
        self.remote_min_tx = pkt.desired_min_tx;
        self.remote_demand = pkt.demand;
        self.remote_detect_mult = pkt.detect_mult;

        if pkt.final_ {
            self.poll = false;
        }

        // While Up, new intervals take effect only through a Poll Sequence (RFC 5880
        // §6.8.3); otherwise every packet renegotiates.
        let up = self.local_state == State::Up;
        if !up || pkt.poll || pkt.final_ {
            if self.remote_state == State::Up && matches!(self.local_state, State::Init | State::Up)
            {
                self.local_tx_intv = self.local_min_tx.max(self.remote_min_rx);
            } else {
                self.idle_local_tx_intv();
            }
            self.remote_tx_intv = self.local_min_rx.max(self.remote_min_tx);
        }

        // RFC 5880 §6.8.4.
        self.local_detect_time =
            u64::from(self.remote_detect_mult) * u64::from(self.remote_tx_intv);
        self.remote_detect_time = u64::from(self.cfg.multiplier) * u64::from(self.local_tx_intv);

        if self.local_tx_intv < old_local_tx && self.tx_at.is_some() {
            self.schedule_sender(now);
        }
        if self.local_detect_time != old_detect {
            self.events.push_back(Event::DetectionTimeChanged {
                detect_time: us(self.local_detect_time),
                was: us(old_detect),
            });
        }

        // RFC 5880 §6.8.6, the state table.
        if self.remote_state == State::AdminDown && self.local_state != State::Down {
            self.state_down(now, Diag::NeighborDown);
        } else {
            match (self.local_state, self.remote_state) {
                (State::Down, State::Down) => self.state_init(now),
                (State::Down, State::Init) => self.state_up(now),
                (State::Init, State::Init | State::Up) => self.state_up(now),
                (State::Up, State::Down) => self.state_down(now, Diag::NeighborDown),
                _ => {}
            }
        }

        // Demand mode (§6.6): keepalived never asks for it but honours the peer's.
        let both_up = self.local_state == State::Up && self.remote_state == State::Up;
        if self.remote_demand && both_up {
            self.tx_at = None;
        } else if self.tx_at.is_none() {
            self.schedule_sender(now);
        }

        if pkt.poll {
            self.final_ = true;
            self.tx_event = Some(now);
        }

        self.last_seen = Some(now);
        if self.local_state == State::Up && self.expire_at.is_some() {
            self.expire_at = Some(now + us(self.local_detect_time));
        }
    }

    /// Takes the session AdminDown (keepalived does this when it cannot open the sending
    /// socket): nothing is sent and every packet is discarded until [`Session::admin_up`].
    pub fn admin_down(&mut self, _now: Instant) {
        if self.local_state == State::AdminDown {
            return;
        }
        let from = self.local_state;
        self.local_state = State::AdminDown;
        self.local_diag = Diag::AdminDown;
        self.tx_at = None;
        self.tx_event = None;
        self.reset_at = None;
        self.state_fall(false);
        self.changed(from);
    }

    /// Leaves AdminDown for Down (keepalived's `bfd_open_fd_out_thread` once the socket
    /// opens): an active session starts sending again.
    pub fn admin_up(&mut self, now: Instant) {
        if self.local_state != State::AdminDown {
            return;
        }
        self.local_state = State::Down;
        if !self.cfg.passive {
            self.schedule_sender(now);
        }
        self.changed(State::AdminDown);
    }

    fn changed(&mut self, from: State) {
        if from != self.local_state {
            self.events.push_back(Event::StateChanged {
                from,
                to: self.local_state,
                local_diag: self.local_diag,
                remote_diag: self.remote_diag,
            });
        }
    }

    /// §6.8.7: the interval is reduced by a random 10-25 % (keepalived always keeps at
    /// least 10 %, which also satisfies the DetectMult 1 rule of 75-90 %).
    fn schedule_sender(&mut self, now: Instant) {
        let tx = self.local_tx_intv;
        let jitter = self.rng.range(tx / 10, tx / 4);
        self.tx_at = Some(now + us(u64::from(tx - jitter)));
    }

    fn idle_local_tx_intv(&mut self) {
        self.local_tx_intv = self.local_idle_tx.max(self.remote_min_rx);
    }

    fn set_poll(&mut self) {
        // A Poll received meanwhile lets the new values ride on the Final (RFC 5880 §6.5).
        if !self.final_ {
            self.poll = true;
        }
        self.events.push_back(Event::PollStarted);
    }

    /// Common to Down and AdminDown.
    fn state_fall(&mut self, notify: bool) {
        self.idle_local_tx_intv();
        self.expire_at = None;
        if notify && self.remote_state != State::AdminDown {
            self.events.push_back(Event::Notify { up: false });
        }
    }

    fn state_down(&mut self, now: Instant, diag: Diag) {
        let from = self.local_state;
        if from == State::Up {
            // keepalived picks a new discriminator so stale packets cannot match.
            self.new_discriminator();
            self.stats.down_count += 1;
        }
        self.local_state = State::Down;
        self.local_diag = diag;
        self.reset_at = Some(now + us(self.local_detect_time));
        if self.cfg.passive {
            self.tx_at = None;
        }
        self.state_fall(from == State::Up);
        self.changed(from);
    }

    /// Common to Init and Up.
    fn state_rise(&mut self, now: Instant) {
        self.local_diag = Diag::None;
        self.reset_at = None;
        if self.expire_at.is_none() {
            self.expire_at = Some(now + us(self.local_detect_time));
        }
    }

    fn state_up(&mut self, now: Instant) {
        let from = self.local_state;
        self.local_state = State::Up;
        self.state_rise(now);
        if self.local_idle_tx != self.local_min_tx {
            self.set_poll();
        }
        self.stats.up_count += 1;
        self.changed(from);
        self.events.push_back(Event::Notify { up: true });
    }

    fn state_init(&mut self, now: Instant) {
        let from = self.local_state;
        self.local_state = State::Init;
        self.state_rise(now);
        if self.cfg.passive && self.tx_at.is_none() {
            self.schedule_sender(now);
        }
        self.changed(from);
    }
}
