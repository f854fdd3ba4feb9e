//! Skew_Time and Master_Down_Interval (RFC 3768 §6.1, RFC 5798 §6.1), computed with
//! keepalived's integer arithmetic (`VRRP_TIMER_SKEW`).

use std::time::Duration;

use super::config::Version;

/// Skew_Time for `priority`.
///
/// v2: `(256 - priority) / 256` s, in microseconds as keepalived computes it.
/// v3: `((256 - priority) * Master_Adver_Interval) / 256`, as keepalived 2.2's
/// `VRRP_TIMER_SKEW`: the interval in whole centiseconds, the result in microseconds
/// (`(256 - priority) * centiseconds * 625 / 16`).
pub fn skew_time(version: Version, priority: u8, master_adver_interval: Duration) -> Duration {
    let weight = 256 - u64::from(priority);
    match version {
        Version::V2 => Duration::from_micros(weight * 1_000_000 / 256),
        Version::V3 => {
            let centis = u64::try_from(master_adver_interval.as_millis() / 10).unwrap_or(u64::MAX);
            Duration::from_micros(weight.saturating_mul(centis).saturating_mul(625) / 16)
        }
    }
}

/// Master_Down_Interval: `adverts * Master_Adver_Interval + Skew_Time` (adverts is 3 unless
/// keepalived's `down_timer_adverts` says otherwise).
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval: Duration,
    adverts: u32,
) -> Duration {
    master_adver_interval.saturating_mul(adverts)
        + skew_time(version, priority, master_adver_interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_skew_is_fraction_of_a_second() {
        assert_eq!(
            skew_time(Version::V2, 100, Duration::from_secs(7)),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            skew_time(Version::V2, 255, Duration::from_secs(1)),
            Duration::from_micros(3_906)
        );
    }

    #[test]
    fn v3_skew_scales_with_interval_in_centiseconds() {
        // (256-100)*100*625/16 = 609375 us
        assert_eq!(
            skew_time(Version::V3, 100, Duration::from_secs(1)),
            Duration::from_micros(609_375)
        );
        // (256-200)*50*625/16 = 109375 us
        assert_eq!(
            skew_time(Version::V3, 200, Duration::from_millis(500)),
            Duration::from_micros(109_375)
        );
        // advert_int 0.02, priority 100: 12187 us (keepalived takes over ~72 ms after the
        // last advert, measured in crates/bench).
        assert_eq!(
            skew_time(Version::V3, 100, Duration::from_millis(20)),
            Duration::from_micros(12_187)
        );
    }

    #[test]
    fn master_down_is_three_intervals_plus_skew() {
        assert_eq!(
            master_down_interval(Version::V3, 100, Duration::from_secs(1), 3),
            Duration::from_micros(3_609_375)
        );
    }
}
