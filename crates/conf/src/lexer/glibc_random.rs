//! glibc's `srandom`/`random` (the TYPE_3 additive feedback generator, degree 31,
//! separation 3): keepalived draws `${_RANDOM}` from it, so that a `random_seed` gives the
//! same values here as in keepalived.

const DEGREE: usize = 31;
const SEP: usize = 3;

/// The generator's state after `srandom(seed)`.
#[derive(Debug, Clone)]
pub(crate) struct GlibcRandom {
    r: [u32; DEGREE],
    front: usize,
    rear: usize,
}

impl GlibcRandom {
    /// glibc's `srandom_r`: the state seeded by the Park–Miller generator, then 310 values
    /// discarded.
    pub(crate) fn new(seed: u32) -> GlibcRandom {
        let mut r = [0u32; DEGREE];
        let seed = if seed == 0 { 1 } else { seed };
        r[0] = seed;
        let mut word = i64::from(seed as i32);
        for slot in r.iter_mut().skip(1) {
            let hi = word / 127_773;
            let lo = word % 127_773;
            word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            *slot = word as u32;
        }
        let mut g = GlibcRandom {
            r,
            front: SEP,
            rear: 0,
        };
        for _ in 0..DEGREE * 10 {
            g.next();
        }
        g
    }

    /// glibc's `random_r`: the next value in 0..2^31.
    pub(crate) fn next(&mut self) -> u32 {
        let val = self.r[self.front].wrapping_add(self.r[self.rear]);
        self.r[self.front] = val;
        self.front = (self.front + 1) % DEGREE;
        self.rear = (self.rear + 1) % DEGREE;
        (val >> 1) & 0x7fff_ffff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" {
        fn srandom(seed: std::ffi::c_uint);
        fn random() -> std::ffi::c_long;
    }

    /// The same sequence as the C library's own srandom/random (this process's glibc).
    #[test]
    fn the_sequence_is_glibc_s() {
        for seed in [0u32, 1, 42, 12_345, 0x8000_0001, u32::MAX] {
            let mut ours = GlibcRandom::new(seed);
            // SAFETY: srandom/random only touch the C library's generator state, which no
            // other code of this test binary uses.
            let theirs: Vec<u32> = unsafe {
                srandom(seed);
                (0..100).map(|_| random() as u32).collect()
            };
            let got: Vec<u32> = (0..100).map(|_| ours.next()).collect();
            assert_eq!(got, theirs, "seed {seed}");
        }
    }
}
