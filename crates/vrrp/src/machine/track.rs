//! Tracked objects (scripts, interfaces, files, processes) and the effective priority they
//! produce, as keepalived's vrrp_track.c computes it.

/// Identifies one tracked object of an instance; the daemon chooses the numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub u32);

/// The state of a tracked object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackValue {
    /// Script succeeding, interface up, process running.
    Up,
    /// Script failing, interface down, process gone.
    Down,
    /// A `track_file` value (the number read from the file).
    Value(i64),
    /// Not known yet: a `vrrp_script` before its first result (keepalived's
    /// SCRIPT_INIT_STATE_INIT). With weight 0 it holds the instance in a silent FAULT until
    /// the result arrives; a weight counts from the first result on.
    Init,
}

/// One tracked object with its weight as configured (`weight` after `reverse` applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackedObject {
    /// Identifier used in [`super::Event::Track`].
    pub id: TrackId,
    /// Weight; 0 means "failure puts the instance in FAULT".
    pub weight: i32,
    /// Status before the first update arrives.
    pub initial: TrackValue,
}

/// What one tracked object contributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Contribution {
    Priority(i64),
    Fault,
    /// Weight 0 and no result yet.
    Pending,
}

impl TrackedObject {
    pub(crate) fn contribution(&self, value: TrackValue) -> Contribution {
        let weight = i64::from(self.weight);
        match value {
            TrackValue::Init if weight == 0 => Contribution::Pending,
            TrackValue::Init => Contribution::Priority(0),
            // keepalived: a positive weight is added while the object is up, a negative one
            // while it is down; weight 0 puts the instance in FAULT while down.
            TrackValue::Up if weight > 0 => Contribution::Priority(weight),
            TrackValue::Up => Contribution::Priority(0),
            TrackValue::Down if weight == 0 => Contribution::Fault,
            TrackValue::Down if weight < 0 => Contribution::Priority(weight),
            TrackValue::Down => Contribution::Priority(0),
            // track_file: weight 0 means any non-zero value is a failure; otherwise
            // value * weight is added, and keepalived treats a result of -254 or less as
            // failure (the instance cannot be lowered below priority 1 any other way).
            TrackValue::Value(v) if weight == 0 => {
                if v == 0 {
                    Contribution::Priority(0)
                } else {
                    Contribution::Fault
                }
            }
            TrackValue::Value(v) => {
                let c = v.saturating_mul(weight);
                if c <= -254 {
                    Contribution::Fault
                } else {
                    Contribution::Priority(c)
                }
            }
        }
    }
}

/// keepalived's `vrrp_set_effective_priority`: the address owner (base 255) never changes
/// priority; otherwise base + weights, clamped to 1..=254.
pub fn effective_priority(base: u8, weights: i64) -> u8 {
    if base == super::config::PRIO_OWNER {
        return base;
    }
    let total = i64::from(base).saturating_add(weights).clamp(1, 254);
    u8::try_from(total).unwrap_or(254)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_priority_is_not_changed_by_weights() {
        assert_eq!(effective_priority(255, -50), 255);
    }

    #[test]
    fn weights_are_clamped_to_1_254() {
        assert_eq!(effective_priority(200, 100), 254);
        assert_eq!(effective_priority(20, -100), 1);
        assert_eq!(effective_priority(100, -30), 70);
    }

    #[test]
    fn weight_zero_down_is_fault() {
        let t = TrackedObject {
            id: TrackId(1),
            weight: 0,
            initial: TrackValue::Up,
        };
        assert_eq!(t.contribution(TrackValue::Down), Contribution::Fault);
        assert_eq!(t.contribution(TrackValue::Up), Contribution::Priority(0));
        assert_eq!(t.contribution(TrackValue::Init), Contribution::Pending);
    }

    #[test]
    fn a_weight_counts_from_the_first_result() {
        let t = TrackedObject {
            id: TrackId(1),
            weight: 20,
            initial: TrackValue::Init,
        };
        assert_eq!(t.contribution(TrackValue::Init), Contribution::Priority(0));
        assert_eq!(t.contribution(TrackValue::Up), Contribution::Priority(20));
    }
}
