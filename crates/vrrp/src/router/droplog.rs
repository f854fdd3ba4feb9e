//! Rate-limited drop logs, sans-IO. keepalived 2.3.3 logs each kind of receive error once per
//! instance until the instance changes state or master (its `rlflags`); a flood of bad adverts
//! otherwise writes a syslog line per packet. Here the same, plus: a kind logs again after
//! [`DROP_LOG_INTERVAL`] of (the caller's) time, and every log line says how many drops of its
//! kind were left unlogged since the previous one.

use std::mem::Discriminant;
use std::time::{Duration, Instant};

use crate::wire::DecodeError;

/// A kind of drop logged once stays quiet this long (unless the instance's state or master
/// changes first).
pub const DROP_LOG_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Kind {
    kind: Discriminant<DecodeError>,
    /// When it was last logged; `None` after a reset: the next one logs.
    logged_at: Option<Instant>,
    suppressed: u64,
}

/// The log state of one instance (or of the router for drops before the VRID lookup).
#[derive(Debug, Clone, Default)]
pub(crate) struct DropLimiter {
    kinds: Vec<Kind>,
}

impl DropLimiter {
    /// Whether to log `error` at `now`; `Some(n)`: log it, `n` drops of its kind were
    /// suppressed before it.
    pub(crate) fn admit(&mut self, now: Instant, error: &DecodeError) -> Option<u64> {
        let kind = std::mem::discriminant(error);
        let Some(k) = self.kinds.iter_mut().find(|k| k.kind == kind) else {
            self.kinds.push(Kind {
                kind,
                logged_at: Some(now),
                suppressed: 0,
            });
            return Some(0);
        };
        let quiet = k
            .logged_at
            .is_some_and(|at| now.saturating_duration_since(at) < DROP_LOG_INTERVAL);
        if quiet {
            k.suppressed += 1;
            return None;
        }
        k.logged_at = Some(now);
        Some(std::mem::take(&mut k.suppressed))
    }

    /// The instance changed state or master: every kind logs again (keepalived clears
    /// `rlflags`).
    pub(crate) fn reset(&mut self) {
        for k in &mut self.kinds {
            k.logged_at = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_log_per_kind_per_interval_with_the_suppressed_count() {
        let t0 = Instant::now();
        let mut l = DropLimiter::default();
        let chk = DecodeError::Checksum { received: 1 };
        assert_eq!(l.admit(t0, &chk), Some(0));
        for _ in 0..5 {
            assert_eq!(l.admit(t0, &DecodeError::Checksum { received: 2 }), None);
        }
        // Another kind is not held back by the first.
        assert_eq!(l.admit(t0, &DecodeError::InvalidType(2)), Some(0));
        assert_eq!(l.admit(t0 + DROP_LOG_INTERVAL, &chk), Some(5));
        assert_eq!(l.admit(t0 + DROP_LOG_INTERVAL, &chk), None);
        l.reset();
        assert_eq!(l.admit(t0 + DROP_LOG_INTERVAL, &chk), Some(1));
    }
}
