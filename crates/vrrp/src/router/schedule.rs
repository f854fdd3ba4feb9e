//! One timer heap over all the router's machines: an entry per armed deadline, stale entries
//! skipped when they surface. Arming, popping and peeking cost O(log n) in the instances whose
//! deadline changed, so idle instances are free (1000 instances wake the loop once per
//! deadline, not once per instance).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// Deadlines of instances `0..n` (indices into the router's instance list).
#[derive(Debug, Default)]
pub(crate) struct TimerHeap {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
    /// The deadline each instance's live heap entry has.
    armed: Vec<Option<Instant>>,
}

impl TimerHeap {
    /// Records instance `i`'s next deadline (growing the table as instances are added).
    pub(crate) fn arm(&mut self, i: usize, at: Option<Instant>) {
        if self.armed.len() <= i {
            self.armed.resize(i + 1, None);
        }
        let slot = &mut self.armed[i];
        if *slot == at {
            return;
        }
        *slot = at;
        if let Some(t) = at {
            self.heap.push(Reverse((t, i)));
        }
    }

    /// The earliest live deadline.
    pub(crate) fn next(&mut self) -> Option<Instant> {
        while let Some(Reverse((t, i))) = self.heap.peek().copied() {
            if self.armed.get(i) == Some(&Some(t)) {
                return Some(t);
            }
            self.heap.pop();
        }
        None
    }

    /// The instances whose deadline is at or before `now` (their entries are consumed).
    pub(crate) fn due(&mut self, now: Instant) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(Reverse((t, i))) = self.heap.peek().copied() {
            if t > now {
                break;
            }
            self.heap.pop();
            if self.armed.get(i) == Some(&Some(t)) {
                self.armed[i] = None;
                out.push(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stale_deadlines_are_skipped_and_due_ones_returned_once() {
        let t0 = Instant::now();
        let mut s = TimerHeap::default();
        s.arm(0, Some(t0 + Duration::from_secs(3)));
        s.arm(1, Some(t0 + Duration::from_secs(1)));
        s.arm(1, Some(t0 + Duration::from_secs(5))); // re-armed later: 1 s entry is stale
        assert_eq!(s.next(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(s.due(t0 + Duration::from_secs(4)), [0]);
        assert_eq!(s.due(t0 + Duration::from_secs(4)), Vec::<usize>::new());
        s.arm(2, None);
        assert_eq!(s.next(), Some(t0 + Duration::from_secs(5)));
    }
}
