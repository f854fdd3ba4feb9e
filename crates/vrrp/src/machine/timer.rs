//! The machine's timers, quinn-proto style: a table of optional deadlines.

use std::time::Instant;

/// One timer of a VRRP instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// End of `vrrp_startup_delay`: leave INIT.
    Startup,
    /// MASTER: time to send the next advert.
    Advert,
    /// BACKUP: Master_Down timer.
    MasterDown,
    /// MASTER: second GARP burst after `garp_master_delay`.
    GarpMasterDelay,
    /// MASTER: second GARP burst after `garp_lower_prio_delay`.
    GarpLowerPrioDelay,
}

const ALL: [Timer; 5] = [
    Timer::Startup,
    Timer::Advert,
    Timer::MasterDown,
    Timer::GarpMasterDelay,
    Timer::GarpLowerPrioDelay,
];

#[derive(Clone, Debug, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Instant>; 5],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = Some(at);
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer as usize]
    }

    pub(crate) fn clear(&mut self) {
        self.deadlines = Default::default();
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Removes and returns the earliest timer due at `now`, if any, with its deadline.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<(Timer, Instant)> {
        let timer = ALL
            .iter()
            .filter(|t| self.get(**t).is_some_and(|at| at <= now))
            .min_by_key(|t| self.get(**t))
            .copied()?;
        let at = self.get(timer)?;
        self.stop(timer);
        Some((timer, at))
    }
}
