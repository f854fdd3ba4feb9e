//! keepalived's per-instance statistics (`vrrp_stats`), one array indexed by [`Counter`].

use std::ops::{Add, Index, Sub};

use crate::wire::Counter;

/// The statistics of one instance: what `/tmp/keepalived.stats`, the JSON dump and `/metrics`
/// show. STATS_CLEAR is a subtraction: keep the value at the clear and show `now - base`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats([u64; Counter::ALL.len()]);

impl Stats {
    /// Adds one to `counter`.
    pub fn bump(&mut self, counter: Counter) {
        self.add_n(counter, 1);
    }

    /// Adds `n` to `counter`.
    pub fn add_n(&mut self, counter: Counter, n: u64) {
        let slot = &mut self.0[counter as usize];
        *slot = slot.saturating_add(n);
    }

    /// Every counter with its value, in keepalived's order.
    pub fn iter(&self) -> impl Iterator<Item = (Counter, u64)> + '_ {
        Counter::ALL.iter().map(|&c| (c, self[c]))
    }
}

impl Index<Counter> for Stats {
    type Output = u64;

    fn index(&self, counter: Counter) -> &u64 {
        &self.0[counter as usize]
    }
}

impl Add for Stats {
    type Output = Stats;

    fn add(mut self, other: Stats) -> Stats {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
        self
    }
}

impl Sub for Stats {
    type Output = Stats;

    /// Counts since `other` was taken (saturating: a base newer than `self` gives zeros).
    fn sub(mut self, other: Stats) -> Stats {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a = a.saturating_sub(b);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_counter_order_and_clear_subtracts() {
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?}");
        }
        let mut s = Stats::default();
        s.bump(Counter::ChkErr);
        s.add_n(Counter::AdvertRcvd, 5);
        let base = s;
        s.bump(Counter::AdvertRcvd);
        let since = s - base;
        assert_eq!(since[Counter::AdvertRcvd], 1);
        assert_eq!(since[Counter::ChkErr], 0);
        assert_eq!((since + base)[Counter::AdvertRcvd], 6);
    }
}
