//! The packet side of one instance: keepalived's receive checks with the instance's AH
//! counter, checksum form and receive counters, and advert building with its IP
//! identification and AH sequence number. [`super::Router`] runs one per instance.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::machine::{self, Machine, State};
use crate::stats::Stats;
use crate::wire::{AhCounter, Auth, Counter, V3Checksum};
use crate::Family;

use super::config::RouterInstance;
use super::droplog::DropLimiter;
use super::inspect::{self, Failed, RxNet, RxState};
use super::transmit::{self, Pending, Transmit};
use super::{Dropped, InstanceId};

/// What became of a datagram for this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Received {
    /// A valid advert: feed it to the machine (`Event::Advert`).
    Advert(machine::Advert),
    /// It failed a check (counted as keepalived counts it); `log`: the drop to log, when the
    /// rate limit lets it through, with the count of those suppressed before it.
    Dropped {
        /// Why.
        error: crate::wire::DecodeError,
        /// `Some(suppressed)`: log it.
        log: Option<u64>,
    },
    /// Ignored without counting (INIT, FAULT, STOP; an IPv6 cast mismatch).
    Ignored,
}

/// One instance's packet state.
#[derive(Debug, Clone)]
pub(crate) struct InstancePackets {
    cfg: RouterInstance,
    ah: AhCounter,
    ident: u16,
    v3_checksum: V3Checksum,
    rx: Stats,
    logs: DropLimiter,
    master: Option<IpAddr>,
    /// The RFC 6527 reason of the last protocol error (keepalived's `proto_err_reason`).
    proto_err_reason: u8,
}

impl InstancePackets {
    /// Fresh state for `cfg`.
    pub fn new(cfg: RouterInstance) -> InstancePackets {
        InstancePackets {
            v3_checksum: cfg.v3_checksum,
            cfg,
            ah: AhCounter::default(),
            ident: 0,
            rx: Stats::default(),
            logs: DropLimiter::default(),
            master: None,
            proto_err_reason: 0,
        }
    }

    /// Carries on under a new configuration (reload, interface rebuilt): the AH counter,
    /// the IP identification, the receive counters and a detected old checksum stay.
    pub fn reconfigure(&mut self, cfg: RouterInstance) {
        if !cfg.detect_old_unicast_checksum || self.v3_checksum != V3Checksum::OldUnicast {
            self.v3_checksum = cfg.v3_checksum;
        }
        self.cfg = cfg;
    }

    /// The VRRPv3-over-IPv4 checksum form in use (configured, or switched to the old one).
    pub fn v3_checksum(&self) -> V3Checksum {
        self.v3_checksum
    }

    /// The configuration.
    pub fn config(&self) -> &RouterInstance {
        &self.cfg
    }

    /// What the receive path counted (`advert_rcvd`, `pri_zero_rcvd`, the errors).
    pub fn rx_stats(&self) -> Stats {
        self.rx
    }

    /// RFC 6527's vrrpv3StatisticsProtoErrReason: the last protocol error's reason, 0 none.
    pub fn proto_err_reason(&self) -> u8 {
        self.proto_err_reason
    }

    /// Checks a datagram routed to this instance (keepalived's `vrrp_check_packet` after the
    /// dispatcher's VRID lookup) and counts it. `machine` is the instance's, for its state
    /// and current master.
    pub fn receive(
        &mut self,
        now: Instant,
        bytes: &[u8],
        net: RxNet,
        machine: &Machine,
    ) -> Received {
        let Ok(h) = inspect::header(bytes, net) else {
            return Received::Ignored;
        };
        // keepalived ignores adverts in FAULT and INIT (and we after STOP), uncounted.
        if matches!(machine.state(), State::Init | State::Fault | State::Stop) {
            return Received::Ignored;
        }
        // IPv6: keepalived discards multicast on a unicast instance and vice versa, uncounted.
        if net.family() == Family::Ipv6 && h.dst.is_multicast() == self.cfg.is_unicast() {
            return Received::Ignored;
        }
        // keepalived's vrrp_state_backup: with skip_check_adv_addr the address list is only
        // checked for a new master; the master always checks.
        let check_vip_addr = !self.cfg.skip_check_adv_addr
            || machine.state() != State::Backup
            || machine.master_address() != Some(h.src);
        let st = RxState {
            ah: &mut self.ah,
            v3_checksum: self.v3_checksum,
            check_vip_addr,
            owner: machine.effective_priority() == crate::machine::PRIO_OWNER,
        };
        match inspect::check(bytes, &h, &self.cfg, st) {
            Ok(ok) => {
                self.rx.bump(Counter::AdvertRcvd);
                if ok.priority == 0 {
                    self.rx.bump(Counter::PriZeroRcvd);
                }
                if ok.old_checksum_detected {
                    self.v3_checksum = V3Checksum::OldUnicast;
                }
                Received::Advert(machine::Advert {
                    source: h.src,
                    priority: ok.priority,
                    interval: ok.interval,
                })
            }
            Err(Failed { error, received }) => {
                if received {
                    self.rx.bump(Counter::AdvertRcvd);
                }
                if let Some(c) = error.counter() {
                    self.rx.bump(c);
                }
                if let Some(r) = error.proto_err_reason() {
                    self.proto_err_reason = r;
                }
                let log = self.logs.admit(now, &error);
                Received::Dropped { error, log }
            }
        }
    }

    /// The machine's state or master may have changed: a new state or master re-arms every
    /// kind of drop log (keepalived clears `rlflags`).
    pub fn observe(&mut self, machine: &Machine, state_changed: bool) {
        let master = machine.master_address();
        if state_changed || master != self.master {
            self.master = master;
            self.logs.reset();
        }
    }

    /// One advert the machine asked for (`Action::SendAdvert`), one entry per destination:
    /// the IP identification and AH sequence number move once (unicast copies share them).
    pub(crate) fn advert(
        &mut self,
        id: InstanceId,
        priority: u8,
        interval: Duration,
    ) -> Vec<Pending> {
        // keepalived counts the IP identification up from 1 and skips 0.
        self.ident = self.ident.wrapping_add(1).max(1);
        if self.cfg.auth == Auth::Ah {
            self.ah.seq_number = self.ah.seq_number.wrapping_add(1);
        }
        self.cfg
            .destinations()
            .into_iter()
            .map(|dst| Pending {
                id,
                priority,
                interval,
                dst,
                ident: self.ident,
                seq_number: self.ah.seq_number,
            })
            .collect()
    }

    /// Writes one advert of [`InstancePackets::advert`] into `buf`.
    pub(crate) fn emit(&self, p: &Pending, buf: &mut [u8]) -> Result<Transmit, Dropped> {
        transmit::emit(&self.cfg, self.v3_checksum, p, buf).map_err(Dropped::Sent)
    }
}
