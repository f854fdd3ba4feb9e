//! The per-session random source: SplitMix64 seeded by the caller, so simulations are
//! reproducible and nothing reads a global RNG.

/// A small deterministic generator (SplitMix64). Not cryptographic: BFD only needs jitter
/// (RFC 5880 §6.8.7) and discriminators that are unlikely to collide (§6.8.1).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (the daemon seeds it from the OS, tests from a constant).
    pub const fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `min..=max` (keepalived's `rand_intv`); `min` when `max < min`.
    pub fn range(&mut self, min: u32, max: u32) -> u32 {
        if max <= min {
            return min;
        }
        let span = u64::from(max - min) + 1;
        min + (self.next_u64() % span) as u32
    }

    /// A non-zero discriminator (RFC 5880 §6.8.1: bfd.LocalDiscr MUST be nonzero).
    pub fn discriminator(&mut self) -> u32 {
        loop {
            let d = self.next_u64() as u32;
            if d != 0 {
                return d;
            }
        }
    }
}
