//! keepalived 2.3's `timer_expired_backup`: what a MASTER does when its process was stalled
//! (a heavily loaded host, a stopped process) for so long that another router has taken
//! over meanwhile. keepalived's scheduler notices that its earliest timer fired late and
//! calls `vrrp_thread_timeout_handler`; the driver calls [`Machine::handle_stall`] then.

use std::time::{Duration, Instant};

use super::timing::{master_down_interval, skew_time};
use super::{Machine, State};

impl Machine {
    /// How late the driver's loop must wake up before [`Machine::handle_stall`] is worth
    /// calling: two advert intervals plus the Skew_Time of the highest other priority (the
    /// quickest another router could have taken over, keepalived's `quickest_takeover`).
    /// `None` without `timer_expired_backup`.
    pub fn stall_threshold(&self) -> Option<Duration> {
        let other = self.config.timer_expired_backup?;
        let adv = self.config.advert_interval;
        Some(adv.saturating_mul(2) + skew_time(self.config.version, other, adv))
    }

    /// The driver's loop woke up at `now` later than its earliest timer by at least the
    /// smallest [`Machine::stall_threshold`] of its machines. A MASTER with
    /// `timer_expired_backup` whose last advert is older than the other router's
    /// Master_Down_Interval (3 intervals + its skew) assumes it has taken over and goes to
    /// BACKUP: VIPs removed, BACKUP notify, no priority-0 advert (keepalived's
    /// `vrrp_state_leave_master`). Returns whether it did.
    pub fn handle_stall(&mut self, now: Instant) -> bool {
        let Some(other) = self.config.timer_expired_backup else {
            return false;
        };
        if self.state != State::Master {
            return false;
        }
        let adv = self.config.advert_interval;
        let expires = master_down_interval(self.config.version, other, adv, 3);
        let expired = self.last_advert_sent.is_some_and(|at| at + expires <= now);
        if expired {
            self.preempt_time = None;
            self.become_backup(now);
        }
        expired
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::machine::{Action, InstanceConfig, Version};

    fn master(other: Option<u8>, preempt: bool) -> (Machine, Instant) {
        let mut c = InstanceConfig::new(
            "VI_1",
            Version::V2,
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            200,
        );
        c.preempt = preempt;
        c.timer_expired_backup = other;
        let t0 = Instant::now();
        let mut m = Machine::new(c, t0);
        m.handle_timeout(t0);
        // BACKUP, then MASTER after Master_Down_Interval without adverts.
        let t1 = m.poll_timeout().expect("master down armed");
        m.handle_timeout(t1);
        assert_eq!(m.state(), State::Master);
        while m.poll_action().is_some() {}
        (m, t1)
    }

    #[test]
    fn a_master_stalled_past_the_other_routers_master_down_goes_backup() {
        let (mut m, t1) = master(Some(100), false);
        // v2, 1 s: threshold 2 s + (256-100)/256 s.
        assert_eq!(m.stall_threshold(), Some(Duration::from_micros(2_609_375)));
        // Not yet expired: 3 s + 609 ms after the last advert.
        assert!(!m.handle_stall(t1 + Duration::from_millis(3_600)));
        assert_eq!(m.state(), State::Master);
        assert!(m.handle_stall(t1 + Duration::from_millis(3_610)));
        assert_eq!(m.state(), State::Backup);
        let actions: Vec<_> = std::iter::from_fn(|| m.poll_action()).collect();
        assert!(actions
            .iter()
            .any(|a| matches!(a, Action::RemoveVips { .. })));
        assert!(!actions
            .iter()
            .any(|a| matches!(a, Action::SendAdvert { priority: 0, .. })));
    }

    #[test]
    fn timer_expired_backup_needs_nopreempt() {
        let (mut m, t1) = master(Some(254), true);
        assert_eq!(m.stall_threshold(), None);
        assert!(!m.handle_stall(t1 + Duration::from_secs(60)));
        assert_eq!(m.state(), State::Master);
    }
}
