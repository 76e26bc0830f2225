//! What the demo asks the kernel to do, and how long it may take.
//!
//! The demo is the seed's loop, `calloc(size)` + `free` with the memory never
//! touched, run by the kernel for each size and policy (`mode=demo`). A
//! [`DemoPlan`] holds the user's choices and turns them into the kernel
//! command line, the rows to expect back, and a timeout that grows with the
//! number of rounds, so `--rounds 10000` is not killed halfway.

use std::time::Duration;

use pristine_allocator::{CacheLimits, DirtyStrategy, PageCount, Policy};
use pristine_records::AllocationSize;

use crate::cmdline::{CmdlineError, KernelCmdline};
use crate::size::MemorySize;

/// The demo's choices: rounds, sizes, policies and the dirty strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPlan {
    /// Rounds of `calloc` + `free` per (policy, size).
    pub rounds: u64,
    /// Sizes to run; empty means the seed's two, [`DemoPlan::DEFAULT_SIZES`].
    pub sizes: Vec<AllocationSize>,
    /// Policies to run; empty means all three.
    pub policies: Vec<Policy>,
    /// How the dirty-tracking policy detects writes.
    pub dirty: DirtyStrategy,
}

/// Guest time allowed per round of the always-zero policy, per MiB below
/// the cache limit: 4 ms, four times the 1 ms/MiB it costs under TCG.
const ZEROING_BUDGET_PER_MIB: Duration = Duration::from_millis(4);

/// Guest time allowed per round of any policy for everything but zeroing.
const ROUND_BUDGET: Duration = Duration::from_millis(20);

/// Time allowed to boot the guest and print the results, whatever the rounds.
const BASE_BUDGET: Duration = Duration::from_secs(60);

impl DemoPlan {
    /// Rounds when `--rounds` is not given: enough to show the per-round
    /// counters, few enough to finish in seconds under TCG.
    pub const DEFAULT_ROUNDS: u64 = 20;

    /// The seed's sizes: 100 MiB (slow on macOS) and 1000 MiB (fast there).
    pub const DEFAULT_SIZES: [AllocationSize; 2] =
        [AllocationSize::HUNDRED_MIB, AllocationSize::THOUSAND_MIB];

    /// The dirty strategy when `--dirty` is not given: the hardware dirty bit.
    pub const DEFAULT_DIRTY: DirtyStrategy = DirtyStrategy::Hardware;

    /// Guest RAM when `--memory` is not given: room for a 1000 MiB block.
    pub const DEFAULT_MEMORY: MemorySize = MemorySize::TWO_GIB;

    /// The sizes that will run, in order, without repeats.
    pub fn sizes(&self) -> Vec<AllocationSize> {
        if self.sizes.is_empty() {
            Self::DEFAULT_SIZES.to_vec()
        } else {
            without_repeats(&self.sizes)
        }
    }

    /// The policies that will run, in the kernel's order.
    pub fn policies(&self) -> Vec<Policy> {
        if self.policies.is_empty() {
            return Policy::ALL.to_vec();
        }
        Policy::ALL
            .into_iter()
            .filter(|policy| self.policies.contains(policy))
            .collect()
    }

    /// The `demo-row` records a complete run prints: one per (policy, size).
    pub fn expected_rows(&self) -> Vec<(Policy, AllocationSize)> {
        let sizes = self.sizes();
        let mut rows = Vec::new();
        for size in &sizes {
            rows.extend(self.policies().into_iter().map(|policy| (policy, *size)));
        }
        rows
    }

    /// The kernel command line: `mode=demo rounds=N dirty=hw`, plus `sizes=`
    /// and `policies=` only when the user restricted them.
    pub fn cmdline(&self) -> Result<KernelCmdline, CmdlineError> {
        let mut cmdline = KernelCmdline::new();
        cmdline.set("mode", "demo")?;
        cmdline.set("rounds", &self.rounds.to_string())?;
        cmdline.set("dirty", self.dirty.name())?;
        if !self.sizes.is_empty() {
            let sizes: Vec<String> = self.sizes().iter().map(|s| s.bytes().to_string()).collect();
            cmdline.set("sizes", &sizes.join(","))?;
        }
        if !self.policies.is_empty() {
            let names: Vec<&str> = self.policies().into_iter().map(Policy::name).collect();
            cmdline.set("policies", &names.join(","))?;
        }
        Ok(cmdline)
    }

    /// How long the run may take when `--timeout` is not given: a minute,
    /// plus for every round a generous budget per (policy, size), with the
    /// always-zero policy's full-block zeroing counted where the cache takes
    /// the block.
    pub fn default_timeout(&self) -> Duration {
        let per_round: Duration = self
            .expected_rows()
            .into_iter()
            .map(|(policy, size)| round_budget(policy, size))
            .sum();
        let rounds = u32::try_from(self.rounds).unwrap_or(u32::MAX);
        BASE_BUDGET.saturating_add(per_round.saturating_mul(rounds))
    }
}

/// The time one round of `policy` at `size` may take. Whether the cache
/// takes the block is judged by the allocator's default limits, which the
/// kernel runs with: the estimate is needed before the kernel can print its
/// own (the report then uses the limits the kernel printed).
fn round_budget(policy: Policy, size: AllocationSize) -> Duration {
    let cached = CacheLimits::default().admits(PageCount(size.pages()));
    if policy == Policy::AlwaysZero && cached {
        let mib = u32::try_from(size.bytes().div_ceil(1 << 20)).unwrap_or(u32::MAX);
        ROUND_BUDGET.saturating_add(ZEROING_BUDGET_PER_MIB.saturating_mul(mib))
    } else {
        ROUND_BUDGET
    }
}

/// `items` in order with later repeats removed.
fn without_repeats<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if !kept.contains(item) {
            kept.push(*item);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(rounds: u64) -> DemoPlan {
        DemoPlan {
            rounds,
            sizes: Vec::new(),
            policies: Vec::new(),
            dirty: DirtyStrategy::Hardware,
        }
    }

    #[test]
    fn default_plan_is_the_seed_loop() {
        let plan = plan(DemoPlan::DEFAULT_ROUNDS);
        assert_eq!(
            plan.cmdline().expect("valid").to_string(),
            "mode=demo rounds=20 dirty=hw"
        );
        let rows = plan.expected_rows();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0], (Policy::NoCache, AllocationSize::HUNDRED_MIB));
        assert_eq!(
            rows[5],
            (Policy::DirtyTracking, AllocationSize::THOUSAND_MIB)
        );
        assert_eq!(DemoPlan::DEFAULT_MEMORY.to_string(), "2G");
    }

    #[test]
    fn restrictions_go_on_the_command_line_in_kernel_order() {
        let plan = DemoPlan {
            rounds: 2,
            sizes: vec![AllocationSize::kib(128), AllocationSize::kib(128)],
            policies: vec![Policy::DirtyTracking, Policy::NoCache],
            dirty: DirtyStrategy::Software,
        };
        assert_eq!(
            plan.cmdline().expect("valid").to_string(),
            "mode=demo rounds=2 dirty=sw sizes=131072 policies=nocache,dirty"
        );
        assert_eq!(plan.expected_rows().len(), 2);
    }

    #[test]
    fn timeout_grows_with_rounds() {
        let short = plan(20).default_timeout();
        assert!(short >= Duration::from_secs(60) && short <= Duration::from_secs(120));
        let long = plan(10_000).default_timeout();
        // 100 MiB always-zero: 420 ms a round; five other rows at 20 ms.
        assert_eq!(long, Duration::from_secs(60 + 10_000 * 520 / 1000));
        assert!(plan(u64::MAX).default_timeout() > Duration::from_secs(1 << 30));
    }
}
