//! keepalived's check that its loop is long overdue (lib/scheduler.c, each time epoll
//! returns): when the loop wakes up more than `min_auto_priority_delay` after its earliest
//! timer, it logs "A thread timer expired ... seconds ago" and, with `max_auto_priority`,
//! moves the process to SCHED_RR one priority step higher each time (up to that maximum);
//! when it is late by at least the quickest takeover of an instance with
//! `timer_expired_backup` (keepalived 2.3), such MASTERs whose last advert is older than
//! the other routers' Master_Down_Interval go to BACKUP (vrrp::machine::Machine::handle_stall).

use std::time::{Duration, Instant};

use keepalived_conf::model::GlobalDefs;

use crate::log;
use keepalived_vrrp::Router;

/// keepalived's default `vrrp_rlimit_rttime` (µs) when realtime scheduling is turned on.
const DEFAULT_RLIMIT_RTTIME: u64 = 10_000;

/// What the loop needs to follow keepalived's overdue handling.
#[derive(Debug)]
pub(crate) struct Overdue {
    min_delay: Duration,
    /// `max_auto_priority` (0: never raised).
    max_rt: u32,
    /// The SCHED_RR priority the process runs at (0: not realtime).
    cur_rt: u32,
    rlimit_rttime: u64,
    rlimit_set: bool,
}

impl Overdue {
    /// keepalived's settings for the VRRP process.
    pub(crate) fn new(global: &GlobalDefs) -> Overdue {
        let p = &global.vrrp_process;
        Overdue {
            min_delay: global.min_auto_priority_delay,
            max_rt: u32::try_from(global.max_auto_priority).unwrap_or(0),
            cur_rt: p.rt_priority.unwrap_or(0),
            rlimit_rttime: p.rlimit_rttime.map_or(DEFAULT_RLIMIT_RTTIME, u64::from),
            rlimit_set: p.rt_priority.is_some(),
        }
    }

    /// The loop woke up at `now` for its earliest timer `deadline`: keepalived's checks;
    /// a stall longer than an instance's threshold sends it to BACKUP through `router`.
    pub(crate) fn check(&mut self, deadline: Option<Instant>, now: Instant, router: &mut Router) {
        let Some(late) = deadline.and_then(|d| now.checked_duration_since(d)) else {
            return;
        };
        if late.is_zero() {
            return;
        }
        if late > self.min_delay {
            log::info(format!("A thread timer expired {} seconds ago", secs(late)));
            self.raise_priority();
        }
        if router.stall_threshold().map_or(true, |t| late < t) {
            return;
        }
        if !router.handle_stall(now).is_empty() {
            log::info(format!(
                "VRRP thread timer expired {} seconds ago",
                secs(late)
            ));
        }
    }

    /// keepalived's `increment_process_priority`: SCHED_RR at its lowest priority first,
    /// then one step per overdue wake-up, never above `max_auto_priority`.
    fn raise_priority(&mut self) {
        if self.max_rt == 0 || self.cur_rt >= self.max_rt {
            return;
        }
        // SAFETY: a plain query of a constant.
        let min = unsafe { libc::sched_get_priority_min(libc::SCHED_RR) };
        let next = if self.cur_rt == 0 {
            u32::try_from(min).unwrap_or(1)
        } else {
            self.cur_rt + 1
        };
        if !self.rlimit_set {
            // A realtime process that spins is stopped by the kernel after RLIMIT_RTTIME.
            // keepalived sets the soft limit at half and handles SIGXCPU; we have no such
            // handler, so the soft limit is the hard one (as process_settings.rs does).
            let r = nix::sys::resource::setrlimit(
                nix::sys::resource::Resource::RLIMIT_RTTIME,
                self.rlimit_rttime,
                self.rlimit_rttime,
            );
            if r.is_ok() {
                self.rlimit_set = true;
            } else {
                log::info("child process cannot set realtime rlimit");
            }
        }
        let param = libc::sched_param {
            sched_priority: i32::try_from(next).unwrap_or(1),
        };
        // SAFETY: sched_setscheduler on our own process with a valid sched_param.
        let rc = unsafe {
            libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
        };
        if rc != 0 {
            log::info("child process: cannot raise priority");
            return;
        }
        self.cur_rt = next;
        log::info(format!("Set realtime priority {next}"));
    }
}

/// keepalived's "%u.%6.6u" seconds.
fn secs(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_is_printed_as_keepalived_prints_it() {
        assert_eq!(secs(Duration::from_micros(2_300_005)), "2.300005");
    }

    #[test]
    fn no_priority_change_without_max_auto_priority() {
        let mut o = Overdue::new(&GlobalDefs::default());
        o.raise_priority();
        assert_eq!(o.cur_rt, 0);
    }
}
