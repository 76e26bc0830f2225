//! The stress test's random choices, from one seeded generator per setup.
//!
//! The generator is `rand_xorshift`'s `XorShiftRng` (Marsaglia's xorshift128,
//! from the Rand project, `no_std`), seeded from the run's seed and the
//! setup's index, so a seed names the same operations on every run and every
//! machine. This file adds the few shapes the stress test draws: a number
//! below a bound, a chance, and sizes spread evenly over orders of magnitude
//! (so 1-byte and 100-KiB requests are both common).

use rand_core::{Rng, SeedableRng};
use rand_xorshift::XorShiftRng;

/// A seeded source of the stress test's random choices.
pub struct Random(XorShiftRng);

impl Random {
    /// The generator for setup number `setup` of a run seeded with `seed`.
    pub fn new(seed: u64, setup: u64) -> Random {
        let mixed = seed ^ setup.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Random(XorShiftRng::seed_from_u64(mixed))
    }

    /// A uniform 64-bit number.
    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..bound` (`0` when `bound` is 0), by the high half of
    /// a 64 x 64-bit product: the bias is below `bound / 2^64`.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `low..high` (`low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low))
    }

    /// True `numerator` times in `denominator`.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }

    /// A number in `low..high` whose binary order of magnitude is uniform:
    /// first a power of two in range, then a number within that octave.
    pub fn log_uniform(&mut self, low: u64, high: u64) -> u64 {
        let low = low.max(1);
        if high <= low + 1 {
            return low;
        }
        let first = low.ilog2();
        let last = (high - 1).ilog2();
        let octave = first + self.below(u64::from(last - first) + 1) as u32;
        let start = (1u64 << octave).max(low);
        let end = (1u64 << octave).saturating_mul(2).min(high);
        self.between(start, end)
    }
}
