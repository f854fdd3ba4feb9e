//! What the event loop measures for `/metrics` beyond keepalived's counters: how long a
//! takeover takes, how long installing the VIPs takes, how late the loop wakes up for its
//! VRRP timers, and how long after a BFD neighbour fell silent the VRRP child heard its
//! session was Down.

use std::time::{Duration, Instant};

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

/// Takeover buckets, seconds: 1 ms .. 10 s.
const TAKEOVER_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Netlink batch buckets, seconds: 100 µs .. 1 s.
const INSTALL_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// Timer lateness buckets, seconds: 10 µs .. 1 s (an advert_int 0.1 MASTER is missed by its
/// BACKUPs after ~0.3 s; keepalived logs "A thread timer expired" beyond
/// `min_auto_priority_delay`, 1 s by default).
const LATENESS_BUCKETS: [f64; 16] = [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1.0,
];

/// `keepalived_rs_bfd_detection_seconds`, one histogram per `bfd_instance` (label `name`).
pub(crate) type BfdDetection = Family<Vec<(&'static str, String)>, Histogram, fn() -> Histogram>;

fn bfd_detection_histogram() -> Histogram {
    Histogram::new(TAKEOVER_BUCKETS)
}

/// The histograms the loop feeds; clones share them (atomics behind an `Arc`), so the
/// server reads them without asking the loop.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    /// `keepalived_rs_takeover_seconds`: from the decision to become MASTER (the
    /// Master_Down timer's deadline, or the event that caused it) to the VIPs installed.
    pub(crate) takeover: Histogram,
    /// `keepalived_rs_vip_install_seconds`: one netlink batch that adds VIPs.
    pub(crate) vip_install: Histogram,
    /// From a BFD neighbour's last packet to the VRRP child reading that the detection
    /// timer took the session Down (the BFD child's silence plus the pipe's delivery).
    pub(crate) bfd_detection: BfdDetection,
    /// `keepalived_rs_advert_timer_lateness_seconds`: how long after the earliest VRRP timer's
    /// deadline (a MASTER's advert timer, a BACKUP's Master_Down timer) the loop woke up
    /// and handled it.
    pub(crate) timer_lateness: Histogram,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            takeover: Histogram::new(TAKEOVER_BUCKETS),
            vip_install: Histogram::new(INSTALL_BUCKETS),
            bfd_detection: Family::new_with_constructor(bfd_detection_histogram),
            timer_lateness: Histogram::new(LATENESS_BUCKETS),
        }
    }
}

impl Recorder {
    /// A netlink batch started at `started` has just installed the VIPs of `instances`
    /// instances that decided to become MASTER at `decided`.
    pub(crate) fn vips_installed(&self, decided: Instant, started: Instant, instances: usize) {
        if instances == 0 {
            return;
        }
        let now = Instant::now();
        self.vip_install
            .observe(now.saturating_duration_since(started).as_secs_f64());
        let takeover = now.saturating_duration_since(decided).as_secs_f64();
        for _ in 0..instances {
            self.takeover.observe(takeover);
        }
    }
}

impl Recorder {
    /// The loop woke up at `now` for its timer due at `deadline`: one observation of the
    /// lateness (0 if it woke on time; a short lock and a bucket search, no allocation).
    pub(crate) fn timer_woke(&self, deadline: Option<Instant>, now: Instant) {
        if let Some(d) = deadline {
            self.timer_lateness
                .observe(now.saturating_duration_since(d).as_secs_f64());
        }
    }

    /// The VRRP child read that `bfd_instance` `name` went Down after `silent_for` without
    /// a packet, `delivered` after the BFD child wrote it.
    pub(crate) fn bfd_down_detected(&self, name: &str, silent_for: Duration, delivered: Duration) {
        self.bfd_detection
            .get_or_create(&vec![("name", name.to_owned())])
            .observe((silent_for + delivered).as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use prometheus_client::encoding::text;
    use prometheus_client::registry::Registry;

    use super::*;

    fn text(r: &Recorder) -> String {
        let mut reg = Registry::default();
        reg.register("takeover", "", r.takeover.clone());
        reg.register("install", "", r.vip_install.clone());
        reg.register("bfd", "", r.bfd_detection.clone());
        reg.register("late", "", r.timer_lateness.clone());
        let mut out = String::new();
        text::encode(&mut out, &reg).unwrap();
        out
    }

    #[test]
    fn one_install_of_two_instances() {
        let r = Recorder::default();
        let t = Instant::now();
        r.vips_installed(t - Duration::from_millis(5), t, 2);
        r.vips_installed(t, t, 0);
        let out = text(&r);
        assert!(out.contains("takeover_count 2\n"), "{out}");
        assert!(out.contains("install_count 1\n"), "{out}");
        // 5 ms and more: not in the 2.5 ms bucket, in the 10 ms one (unless the test
        // machine stalled).
        assert!(out.contains("takeover_bucket{le=\"0.0025\"} 0\n"), "{out}");
    }

    #[test]
    fn a_timer_wake_up_counts_its_lateness() {
        let r = Recorder::default();
        let t = Instant::now();
        r.timer_woke(Some(t), t + Duration::from_micros(300));
        r.timer_woke(Some(t + Duration::from_millis(1)), t);
        r.timer_woke(None, t);
        let out = text(&r);
        assert!(out.contains("late_count 2\n"), "{out}");
        assert!(out.contains("late_bucket{le=\"0.00001\"} 1\n"), "{out}");
        assert!(out.contains("late_bucket{le=\"0.00025\"} 1\n"), "{out}");
        assert!(out.contains("late_bucket{le=\"0.0005\"} 2\n"), "{out}");
    }

    #[test]
    fn a_detected_bfd_down_counts_silence_and_delivery() {
        let r = Recorder::default();
        r.bfd_down_detected("B1", Duration::from_millis(30), Duration::from_micros(200));
        let out = text(&r);
        assert!(out.contains("bfd_count{name=\"B1\"} 1\n"), "{out}");
        assert!(out.contains("bfd_sum{name=\"B1\"} 0.0302"), "{out}");
        assert!(
            out.contains("bfd_bucket{le=\"0.025\",name=\"B1\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("bfd_bucket{le=\"0.05\",name=\"B1\"} 1\n"),
            "{out}"
        );
    }
}
