//! The records of the stress test: one summary per setup, or a violation.
//!
//! `mode=stress seed=S ops=N` runs a seeded random mix of `calloc`,
//! `malloc`, `realloc` and `free` under each setup (policy and dirty
//! strategy) in turn and checks every byte it reads against what it wrote
//! or what must read zero. Each setup that finishes prints a
//! [`StressSummary`]; the first check that fails prints one
//! [`StressViolation`], with the seed and the operation's index so the run
//! can be repeated, and the guest exits with failure.

use alloc::string::String;
use alloc::vec::Vec;
use pristine_allocator::{DirtyStrategy, Policy};
use serde::{Deserialize, Serialize};

/// What one setup of a stress run did (kind `"stress-summary"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StressSummary {
    /// The cache policy.
    #[serde(with = "crate::by_name")]
    pub policy: Policy,
    /// The dirty strategy.
    #[serde(with = "crate::by_name")]
    pub dirty: DirtyStrategy,
    /// The run's seed.
    pub seed: u64,
    /// The index of this setup's first operation in the whole run.
    pub first_op: u64,
    /// Operations this setup ran.
    pub ops: u64,
    /// `calloc` calls.
    pub callocs: u64,
    /// `malloc` calls.
    pub mallocs: u64,
    /// `realloc` calls.
    pub reallocs: u64,
    /// `free` calls, the final clean-up included.
    pub frees: u64,
    /// Blocks (allocated or resized) below the engine's threshold: the heap's.
    pub heap_blocks: u64,
    /// Blocks the large-allocation cache may hold.
    pub cached_blocks: u64,
    /// Blocks at or above the cache's entry limit, which bypass it.
    pub bypass_blocks: u64,
    /// Bytes written with patterns.
    pub bytes_written: u64,
    /// Bytes read and compared with what they must hold.
    pub bytes_checked: u64,
    /// Pages the engine zeroed (on faults and on reuse).
    pub pages_zeroed: u64,
    /// Page faults the engine took.
    pub faults: u64,
    /// Allocations served from the cache.
    pub cache_hits: u64,
    /// Cacheable allocations the cache could not serve.
    pub cache_misses: u64,
    /// Allocations too large for the cache.
    pub cache_bypasses: u64,
    /// Cached regions released to make room or to find frames.
    pub cache_evictions: u64,
    /// The most blocks live at once.
    pub peak_live_blocks: u64,
    /// The most bytes live at once.
    pub peak_live_bytes: u64,
    /// Guest ticks the setup took (`rdtsc`; guest instructions under
    /// `-icount shift=0`).
    pub ticks: u64,
}

/// A check that failed (kind `"stress-violation"`): the run stops here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StressViolation {
    /// The run's seed.
    pub seed: u64,
    /// The index of the operation that found the problem, counted from 0
    /// over the whole run.
    pub op: u64,
    /// The cache policy running then.
    #[serde(with = "crate::by_name")]
    pub policy: Policy,
    /// The dirty strategy running then.
    #[serde(with = "crate::by_name")]
    pub dirty: DirtyStrategy,
    /// The operation, e.g. `free of block 812 (calloc, 3000 B)`.
    pub operation: String,
    /// What was wrong, in words.
    pub problem: String,
    /// The wrong byte's address, when a byte was wrong.
    #[serde(default)]
    pub address: Option<u64>,
    /// Its offset in the block.
    #[serde(default)]
    pub offset: Option<u64>,
    /// The value the byte must hold.
    #[serde(default)]
    pub expected: Option<u8>,
    /// The value it held.
    #[serde(default)]
    pub found: Option<u8>,
}

/// The setups a stress run goes through, in order: the chosen policies in
/// the allocator's order ([`Policy::ALL`]), dirty tracking once per chosen
/// strategy ([`DirtyStrategy::ALL`] order), the other policies once with the
/// first chosen strategy. An empty choice means all of them, so the default
/// is `nocache`, `alwayszero`, `dirty/hw`, `dirty/sw`. The kernel and the
/// runner both read the list from here.
pub fn stress_setups(
    policies: &[Policy],
    strategies: &[DirtyStrategy],
) -> Vec<(Policy, DirtyStrategy)> {
    let chosen_policies = Policy::ALL
        .into_iter()
        .filter(|policy| policies.is_empty() || policies.contains(policy));
    let chosen_strategies: Vec<DirtyStrategy> = DirtyStrategy::ALL
        .into_iter()
        .filter(|strategy| strategies.is_empty() || strategies.contains(strategy))
        .collect();
    let first = chosen_strategies
        .first()
        .copied()
        .unwrap_or(DirtyStrategy::Hardware);
    let mut setups = Vec::new();
    for policy in chosen_policies {
        if policy == Policy::DirtyTracking {
            setups.extend(chosen_strategies.iter().map(|&strategy| (policy, strategy)));
        } else {
            setups.push((policy, first));
        }
    }
    setups
}

/// The operations setup number `index` of `setups` runs when the run has
/// `total` in all: an even share, the first setups taking one more when
/// `total` does not divide.
pub fn stress_share(total: u64, index: usize, setups: usize) -> u64 {
    let setups = setups.max(1) as u64;
    let index = index as u64;
    total / setups + u64::from(index < total % setups)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HW: DirtyStrategy = DirtyStrategy::Hardware;
    const SW: DirtyStrategy = DirtyStrategy::Software;

    #[test]
    fn every_setup_by_default_in_the_allocators_order() {
        assert_eq!(
            stress_setups(&[], &[]),
            [
                (Policy::NoCache, HW),
                (Policy::AlwaysZero, HW),
                (Policy::DirtyTracking, HW),
                (Policy::DirtyTracking, SW)
            ]
        );
    }

    #[test]
    fn a_choice_narrows_the_setups() {
        assert_eq!(
            stress_setups(&[Policy::DirtyTracking, Policy::NoCache], &[SW]),
            [(Policy::NoCache, SW), (Policy::DirtyTracking, SW)]
        );
        assert_eq!(
            stress_setups(&[Policy::AlwaysZero], &[SW, HW]),
            [(Policy::AlwaysZero, HW)]
        );
    }

    #[test]
    fn shares_add_up_to_the_total() {
        let shares: Vec<u64> = (0..4).map(|index| stress_share(2002, index, 4)).collect();
        assert_eq!(shares, [501, 501, 500, 500]);
        assert_eq!(stress_share(3, 0, 0), 3);
    }
}
