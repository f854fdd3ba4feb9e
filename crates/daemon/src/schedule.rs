//! Which instances need attention: one timer heap for all machines (an entry per armed
//! deadline, stale entries skipped), the instances touched since the last pass, and the
//! (interface, VRID) -> instances index that routes received adverts. Every operation costs
//! in proportion to the instances concerned, not to all of them, so idle instances are free.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

/// The event loop's bookkeeping over the instance list (indices into it).
#[derive(Debug, Default)]
pub struct Schedule {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
    /// The deadline each instance's live heap entry has.
    armed: Vec<Option<Instant>>,
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
    index: HashMap<(u32, u8), Vec<usize>>,
}

impl Schedule {
    /// Starts over for `count` instances keyed by (receive ifindex, VRID); all are dirty.
    pub fn reset(&mut self, keys: impl Iterator<Item = (u32, u8)>) {
        self.heap.clear();
        self.index.clear();
        self.dirty.clear();
        let mut count = 0;
        for (i, key) in keys.enumerate() {
            self.index.entry(key).or_default().push(i);
            self.dirty.push(i);
            count = i + 1;
        }
        self.armed = vec![None; count];
        self.is_dirty = vec![true; count];
    }

    /// The instances that receive adverts for `vrid` on `ifindex`.
    pub fn lookup(&self, ifindex: u32, vrid: u8) -> &[usize] {
        self.index.get(&(ifindex, vrid)).map_or(&[], Vec::as_slice)
    }

    /// Marks instance `i` as needing its actions run and its timer re-read.
    pub fn touch(&mut self, i: usize) {
        if let Some(d) = self.is_dirty.get_mut(i) {
            if !*d {
                *d = true;
                self.dirty.push(i);
            }
        }
    }

    /// The touched instances, in order, clearing the list.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        let out = std::mem::take(&mut self.dirty);
        for i in &out {
            if let Some(d) = self.is_dirty.get_mut(*i) {
                *d = false;
            }
        }
        out
    }

    /// Records instance `i`'s next deadline.
    pub fn arm(&mut self, i: usize, at: Option<Instant>) {
        let Some(slot) = self.armed.get_mut(i) else {
            return;
        };
        if *slot == at {
            return;
        }
        *slot = at;
        if let Some(t) = at {
            self.heap.push(Reverse((t, i)));
        }
    }

    /// The earliest live deadline.
    pub fn next(&mut self) -> Option<Instant> {
        while let Some(Reverse((t, i))) = self.heap.peek().copied() {
            if self.armed.get(i) == Some(&Some(t)) {
                return Some(t);
            }
            self.heap.pop();
        }
        None
    }

    /// The instances whose deadline is at or before `now` (their entries are consumed).
    pub fn due(&mut self, now: Instant) -> Vec<usize> {
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
        let mut s = Schedule::default();
        s.reset([(1, 1), (1, 2), (2, 1)].into_iter());
        assert_eq!(s.take_dirty(), [0, 1, 2]);
        s.arm(0, Some(t0 + Duration::from_secs(3)));
        s.arm(1, Some(t0 + Duration::from_secs(1)));
        s.arm(1, Some(t0 + Duration::from_secs(5))); // re-armed later: 1 s entry is stale
        assert_eq!(s.next(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(s.due(t0 + Duration::from_secs(4)), [0]);
        assert_eq!(s.due(t0 + Duration::from_secs(4)), Vec::<usize>::new());
        assert_eq!(s.lookup(1, 2), [1]);
        assert!(s.lookup(9, 9).is_empty());
        s.touch(2);
        s.touch(2);
        assert_eq!(s.take_dirty(), [2]);
    }
}
