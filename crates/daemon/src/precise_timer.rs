//! The event loop's one wake-up, to the microsecond: a timerfd on CLOCK_MONOTONIC (what
//! `Instant` reads) watched by the runtime. tokio's own timer rounds up to the next
//! millisecond, which is most of a fast (advert_int 0.02) takeover's margin over keepalived.

use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Instant;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use tokio::io::unix::AsyncFd;

struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A one-shot timer, re-armed when a wait asks for another deadline.
pub struct PreciseTimer {
    fd: AsyncFd<Fd>,
    /// The deadline the timerfd is armed for and has not yet reported: a wait for the same
    /// one (the loop woken by a packet or a netlink event, thousands a second under churn)
    /// skips the timerfd_settime.
    armed: std::cell::Cell<Option<Instant>>,
}

impl PreciseTimer {
    /// A disarmed timer (inside a tokio runtime).
    pub fn new() -> std::io::Result<PreciseTimer> {
        let t = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // SAFETY: the TimerFd owns its descriptor and keeps it open and unchanged until it is
        // dropped with the AsyncFd.
        let fd = unsafe { AsyncFd::register(Fd(t)) }.map_err(|e| e.into_parts().1)?;
        Ok(PreciseTimer {
            fd,
            armed: std::cell::Cell::new(None),
        })
    }

    /// Returns at `at` (at once if it has passed). Re-arming replaces any earlier wait.
    pub async fn sleep_until(&self, at: Instant) {
        let now = Instant::now();
        if at <= now {
            return;
        }
        if self.armed.get() != Some(at) {
            let span = TimeSpec::from_duration(at - now);
            if self
                .fd
                .get_ref()
                .0
                .set(Expiration::OneShot(span), TimerSetTimeFlags::empty())
                .is_err()
            {
                // Cannot happen with a valid descriptor; fall back on tokio's timer.
                self.armed.set(None);
                tokio::time::sleep_until(at.into()).await;
                return;
            }
            self.armed.set(Some(at));
        }
        loop {
            let Ok(mut guard) = self.fd.readable().await else {
                tokio::time::sleep_until(at.into()).await;
                return;
            };
            let mut buf = [0u8; 8];
            // SAFETY: reading the 8-byte expiration count of our own timerfd into `buf`.
            let n =
                unsafe { libc::read(guard.get_inner().as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
            if n == 8 {
                self.armed.set(None);
                return;
            }
            guard.clear_ready();
            if Instant::now() >= at {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PreciseTimer;
    use std::time::{Duration, Instant};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn wakes_at_the_deadline_not_before() {
        let rt = runtime();
        rt.block_on(async {
            let t = PreciseTimer::new().unwrap();
            for ms in [1u64, 3, 7] {
                let at = Instant::now() + Duration::from_millis(ms);
                t.sleep_until(at).await;
                assert!(Instant::now() >= at);
            }
            // A passed deadline returns at once; a replaced wait does not fire early.
            t.sleep_until(Instant::now()).await;
        });
    }

    #[test]
    fn a_wait_given_up_and_resumed_for_the_same_deadline_still_wakes_at_it() {
        let rt = runtime();
        rt.block_on(async {
            let t = PreciseTimer::new().unwrap();
            let at = Instant::now() + Duration::from_millis(20);
            // The loop's select! drops the wait when a packet comes first...
            let _ = tokio::time::timeout(Duration::from_millis(2), t.sleep_until(at)).await;
            // ...and waits again for the same deadline (the timerfd is not re-armed).
            t.sleep_until(at).await;
            assert!(Instant::now() >= at);
            let later = Instant::now() + Duration::from_millis(5);
            t.sleep_until(later).await;
            assert!(Instant::now() >= later);
        });
    }
}
