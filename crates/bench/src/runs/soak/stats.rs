//! The soak's bookkeeping: which transitions the schedule explains, ours' lateness
//! histogram scraped from /metrics, percentiles.

use std::time::{Duration, Instant};

use crate::conf::PER_LINK;

/// The histogram ours exports for its VRRP timers' lateness.
pub const LATENESS: &str = "keepalived_rs_advert_timer_lateness_seconds";

/// How long after a flap began its link's instances may still transition (the link is
/// down for [`super::FLAP_DOWN`], then the MASTER takes its instances back).
pub const FLAP_SETTLES: Duration = Duration::from_secs(8);

/// How long after a SIGKILL the BACKUP's new VRRP child may log its instances' BACKUP.
pub const RESTART_SETTLES: Duration = Duration::from_secs(10);

/// What the schedule did, for explaining transitions.
#[derive(Debug, Default, Clone)]
pub struct Events {
    /// Link and start of each flap.
    pub flaps: Vec<(usize, Instant)>,
    /// Each SIGKILL of the BACKUP's VRRP child.
    pub kills: Vec<Instant>,
}

/// Transitions of one router, sorted out.
#[derive(Debug, Default, Clone)]
pub struct Transitions {
    /// Explained by a flap of the instance's link.
    pub flap: usize,
    /// A restarted VRRP child's instances entering BACKUP.
    pub restart: usize,
    /// Everything else: the log lines, as "+SECONDS line".
    pub unexpected: Vec<String>,
}

/// The instance number of a "(VI_N) Entering X STATE" line and X.
fn entering(line: &str) -> Option<(usize, &str)> {
    let at = line.find("(VI_")?;
    let rest = &line[at + 4..];
    let close = rest.find(')')?;
    let n = rest[..close].parse().ok()?;
    let state = rest[close..].split("Entering ").nth(1)?;
    Some((n, state.split_whitespace().next()?))
}

/// Sorts the transitions logged in `log` (lines at or after `since`); `backup` says whether
/// this router's VRRP child was the one killed.
pub fn classify(
    log: &[(Instant, String)],
    since: Instant,
    events: &Events,
    backup: bool,
) -> Transitions {
    let mut t = Transitions::default();
    for (at, line) in log.iter().filter(|(at, _)| *at >= since) {
        let Some((n, state)) = entering(line) else {
            continue;
        };
        let link = n / PER_LINK;
        let in_flap = events
            .flaps
            .iter()
            .any(|(k, f)| *k == link && *at >= *f && *at < *f + FLAP_SETTLES);
        let in_restart = backup
            && state == "BACKUP"
            && events
                .kills
                .iter()
                .any(|k| *at >= *k && *at < *k + RESTART_SETTLES);
        if in_flap {
            t.flap += 1;
        } else if in_restart {
            t.restart += 1;
        } else {
            let secs = at.duration_since(since).as_secs_f64();
            t.unexpected.push(format!("+{secs:.3} s {line}"));
        }
    }
    t
}

/// A cumulative histogram: (upper bound, count), +Inf last.
pub type Buckets = Vec<(f64, f64)>;

/// The `NAME_bucket{le=...} N` samples of `text`, in order.
pub fn buckets(text: &str, name: &str) -> Buckets {
    let head = format!("{name}_bucket{{le=\"");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&head)?;
            let (le, tail) = rest.split_once("\"}")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, tail.trim().parse().ok()?))
        })
        .collect()
}

/// Adds what `now` counted since `before` to `sum` (a restarted process starts from zero:
/// then all of `now` is new).
pub fn accumulate(sum: &mut Buckets, before: &[(f64, f64)], now: &[(f64, f64)]) {
    let reset =
        before.len() != now.len() || before.iter().zip(now).any(|(b, n)| n.1 < b.1 || b.0 != n.0);
    if sum.is_empty() {
        *sum = now.iter().map(|(le, _)| (*le, 0.0)).collect();
    }
    for (i, (le, n)) in now.iter().enumerate() {
        let prev = if reset { 0.0 } else { before[i].1 };
        if let Some(s) = sum.get_mut(i).filter(|s| s.0 == *le) {
            s.1 += n - prev;
        }
    }
}

/// Prometheus' histogram_quantile: linear inside the bucket where the rank falls; the
/// highest finite bound when it falls in +Inf. None when empty.
pub fn quantile(b: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = b.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (le, c) in b {
        if *c >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let width = c - below;
            let part = if width > 0.0 {
                (rank - below) / width
            } else {
                1.0
            };
            return Some(lower + (le - lower) * part);
        }
        (lower, below) = (*le, *c);
    }
    Some(lower)
}

/// The upper bound of the highest bucket that counted something (the maximum to within a
/// bucket; infinite beyond the last bound).
pub fn max_bound(b: &[(f64, f64)]) -> Option<f64> {
    let total = b.last()?.1;
    if total <= 0.0 {
        return None;
    }
    b.iter().find(|(_, c)| *c >= total).map(|(le, _)| *le)
}

/// The `q` quantile of `v`, sorted (nearest rank).
pub fn percentile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_on_the_flapped_link_are_expected_others_not() {
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        let events = Events {
            flaps: vec![(1, s(10))],
            kills: vec![s(30)],
        };
        let log = vec![
            (s(11), "(VI_250) Entering MASTER STATE".to_owned()),
            (s(11), "(VI_3) Entering MASTER STATE".to_owned()),
            (s(31), "(VI_3) Entering BACKUP STATE".to_owned()),
            (s(31), "(VI_4) Entering MASTER STATE".to_owned()),
            (s(19), "(VI_251) Entering BACKUP STATE".to_owned()),
            (s(12), "Netlink reports eth1 down".to_owned()),
        ];
        let b = classify(&log, t0, &events, true);
        assert_eq!((b.flap, b.restart, b.unexpected.len()), (1, 1, 3), "{b:?}");
        let m = classify(&log, t0, &events, false);
        assert_eq!((m.flap, m.restart, m.unexpected.len()), (1, 0, 4), "{m:?}");
    }

    #[test]
    fn histogram_deltas_and_quantiles() {
        let text = format!(
            "# TYPE {LATENESS} histogram\n{LATENESS}_bucket{{le=\"0.001\"}} 2\n\
             {LATENESS}_bucket{{le=\"0.01\"}} 3\n{LATENESS}_bucket{{le=\"+Inf\"}} 3\n"
        );
        let first = buckets(&text, LATENESS);
        assert_eq!(first.len(), 3);
        let later = vec![(0.001, 10.0), (0.01, 19.0), (f64::INFINITY, 20.0)];
        let mut sum = Buckets::new();
        accumulate(&mut sum, &first, &later);
        assert_eq!(sum, vec![(0.001, 8.0), (0.01, 16.0), (f64::INFINITY, 17.0)]);
        // A restart: the counts fell, everything is new.
        accumulate(&mut sum, &later, &first);
        assert_eq!(sum[2].1, 20.0);
        let b = vec![(0.001, 50.0), (0.01, 100.0), (f64::INFINITY, 100.0)];
        assert_eq!(quantile(&b, 0.5), Some(0.001));
        assert!((quantile(&b, 0.75).unwrap() - 0.0055).abs() < 1e-9);
        assert_eq!(max_bound(&b), Some(0.01));
        assert_eq!(quantile(&[(f64::INFINITY, 0.0)], 0.5), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&v, 1.0), Some(100.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
