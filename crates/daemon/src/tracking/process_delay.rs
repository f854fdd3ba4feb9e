//! `fork_delay` / `terminate_delay` of a `vrrp_track_process` (keepalived's
//! core/track_process.c): when the number of matching processes crosses a quorum boundary,
//! the new status waits for the delay of that direction (more processes: `fork_delay`,
//! fewer: `terminate_delay`); crossing back meanwhile cancels the wait and the status never
//! changed; when the delay ends, the status is whatever the count says then.

use std::time::{Duration, Instant};

use keepalived_vrrp::machine::TrackValue;

/// A pending status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// More processes (`fork_delay`), until the instant.
    Fork(Instant),
    /// Fewer processes (`terminate_delay`), until the instant.
    Terminate(Instant),
}

/// One tracked process's reported status and count.
#[derive(Debug, Clone)]
pub(super) struct Delayed {
    fork_delay: Duration,
    terminate_delay: Duration,
    count: u64,
    /// The status the count says now.
    raw: TrackValue,
    /// The status reported to the instances.
    reported: TrackValue,
    wait: Option<Wait>,
}

impl Delayed {
    /// Starts from the status reported at start-up (`count` processes).
    pub(super) fn new(
        fork_delay: Duration,
        terminate_delay: Duration,
        count: u64,
        status: TrackValue,
    ) -> Delayed {
        Delayed {
            fork_delay,
            terminate_delay,
            count,
            raw: status,
            reported: status,
            wait: None,
        }
    }

    /// The latest scan at `now` found `count` processes, which means `status`. Returns the
    /// status to report when it changes.
    pub(super) fn observe(
        &mut self,
        now: Instant,
        count: u64,
        status: TrackValue,
    ) -> Option<TrackValue> {
        let more = count > self.count;
        self.count = count;
        if status != self.raw {
            self.raw = status;
            match (self.wait, more) {
                // Crossing back cancels the other direction's wait.
                (Some(Wait::Terminate(_)), true) | (Some(Wait::Fork(_)), false) => {
                    self.wait = None;
                }
                _ if more && !self.fork_delay.is_zero() => {
                    self.wait.get_or_insert(Wait::Fork(now + self.fork_delay));
                }
                _ if !more && !self.terminate_delay.is_zero() => {
                    self.wait
                        .get_or_insert(Wait::Terminate(now + self.terminate_delay));
                }
                _ => self.wait = None,
            }
        }
        if let Some(Wait::Fork(at) | Wait::Terminate(at)) = self.wait {
            if now < at {
                return None;
            }
            self.wait = None;
        }
        (self.raw != self.reported).then(|| {
            self.reported = self.raw;
            self.raw
        })
    }

    /// When a pending wait ends (the scanner wakes up then).
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.wait.map(|(Wait::Fork(at) | Wait::Terminate(at))| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UP: TrackValue = TrackValue::Up;
    const DOWN: TrackValue = TrackValue::Down;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn terminate_delay_holds_the_status_until_it_ends() {
        let t0 = Instant::now();
        let mut d = Delayed::new(Duration::ZERO, secs(3), 1, UP);
        assert_eq!(d.observe(t0, 0, DOWN), None);
        assert_eq!(d.deadline(), Some(t0 + secs(3)));
        assert_eq!(d.observe(t0 + secs(2), 0, DOWN), None);
        assert_eq!(d.observe(t0 + secs(3), 0, DOWN), Some(DOWN));
        // Back up without fork_delay: at once.
        assert_eq!(d.observe(t0 + secs(4), 1, UP), Some(UP));
    }

    #[test]
    fn a_process_back_within_terminate_delay_is_no_change() {
        let t0 = Instant::now();
        let mut d = Delayed::new(secs(5), secs(3), 1, UP);
        assert_eq!(d.observe(t0, 0, DOWN), None);
        assert_eq!(d.observe(t0 + secs(1), 1, UP), None);
        assert_eq!(d.deadline(), None);
        assert_eq!(d.observe(t0 + secs(10), 1, UP), None);
    }

    #[test]
    fn fork_delay_holds_a_new_quorum() {
        let t0 = Instant::now();
        let mut d = Delayed::new(secs(2), Duration::ZERO, 0, DOWN);
        assert_eq!(d.observe(t0, 1, UP), None);
        assert_eq!(d.observe(t0 + secs(2), 1, UP), Some(UP));
        assert_eq!(d.observe(t0 + secs(3), 0, DOWN), Some(DOWN));
    }
}
