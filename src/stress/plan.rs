//! What `pristine stress` asks the kernel to do, and how long it may take.
//!
//! A [`StressPlan`] holds the seed, the number of operations and the setups
//! to run, and turns them into the kernel command line (`mode=stress seed=S
//! ops=N`, plus `policies=` and `strategies=` when narrowed), the setups the
//! summaries must cover (the same list the kernel runs, from
//! [`stress_setups`]), a command that repeats the run, and a timeout that
//! grows with the operations.

use std::time::Duration;

use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::stress_setups;

use crate::cmdline::{CmdlineError, KernelCmdline};
use crate::size::MemorySize;

/// The stress run's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressPlan {
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Operations in all, shared evenly by the setups.
    pub ops: u64,
    /// Policies to run; empty means all three.
    pub policies: Vec<Policy>,
    /// Dirty strategies for dirty tracking; empty means both.
    pub strategies: Vec<DirtyStrategy>,
}

/// Guest time allowed per operation: about ten times what one costs under
/// TCG on average (about 0.25 ms, the always-zero cache's full re-zeroes of
/// cache hits included).
const OPERATION_BUDGET: Duration = Duration::from_micros(2_500);

/// Time allowed to boot the guest and print the results.
const BASE_BUDGET: Duration = Duration::from_secs(60);

impl StressPlan {
    /// The seed when `--seed` is not given.
    pub const DEFAULT_SEED: u64 = 1;

    /// Operations when `--ops` is not given.
    pub const DEFAULT_OPS: u64 = 20_000;

    /// Guest RAM when `--memory` is not given: the kernel bounds what the
    /// run keeps alive and cached to fit this.
    pub const DEFAULT_MEMORY: MemorySize = MemorySize::DEFAULT;

    /// The (policy, strategy) setups the kernel runs, in its order.
    pub fn setups(&self) -> Vec<(Policy, DirtyStrategy)> {
        stress_setups(&self.policies, &self.strategies)
    }

    /// The kernel command line: `mode=stress seed=S ops=N`, plus
    /// `policies=` and `strategies=` when the user narrowed them.
    pub fn cmdline(&self) -> Result<KernelCmdline, CmdlineError> {
        let mut cmdline = KernelCmdline::new();
        cmdline.set("mode", "stress")?;
        cmdline.set("seed", &self.seed.to_string())?;
        cmdline.set("ops", &self.ops.to_string())?;
        if !self.policies.is_empty() {
            cmdline.set("policies", &names(&self.policies, |p| p.name()))?;
        }
        if !self.strategies.is_empty() {
            cmdline.set("strategies", &names(&self.strategies, |s| s.name()))?;
        }
        Ok(cmdline)
    }

    /// The `cargo run` command that repeats this run.
    pub fn rerun_command(&self) -> String {
        let mut command = format!(
            "cargo run --release -- stress --seed {} --ops {}",
            self.seed, self.ops
        );
        for policy in &self.policies {
            command.push_str(&format!(" --policy {policy}"));
        }
        for strategy in &self.strategies {
            command.push_str(&format!(" --dirty {strategy}"));
        }
        command
    }

    /// How long the run may take when `--timeout` is not given.
    pub fn default_timeout(&self) -> Duration {
        let ops = u32::try_from(self.ops).unwrap_or(u32::MAX);
        BASE_BUDGET.saturating_add(OPERATION_BUDGET.saturating_mul(ops))
    }
}

/// `items` by their names, comma-separated, without repeats.
fn names<T: PartialEq>(items: &[T], name: impl Fn(&T) -> &'static str) -> String {
    let mut seen: Vec<&'static str> = Vec::new();
    for item in items {
        if !seen.contains(&name(item)) {
            seen.push(name(item));
        }
    }
    seen.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(policies: Vec<Policy>, strategies: Vec<DirtyStrategy>) -> StressPlan {
        StressPlan {
            seed: 7,
            ops: 2000,
            policies,
            strategies,
        }
    }

    #[test]
    fn the_default_plan_runs_every_setup() {
        let plan = plan(Vec::new(), Vec::new());
        assert_eq!(
            plan.cmdline().expect("valid").to_string(),
            "mode=stress seed=7 ops=2000"
        );
        assert_eq!(plan.setups().len(), 4);
        assert_eq!(
            plan.rerun_command(),
            "cargo run --release -- stress --seed 7 --ops 2000"
        );
    }

    #[test]
    fn a_narrowed_plan_says_so_to_the_kernel_and_in_the_rerun() {
        let plan = plan(
            vec![Policy::DirtyTracking, Policy::DirtyTracking],
            vec![DirtyStrategy::Software],
        );
        assert_eq!(
            plan.cmdline().expect("valid").to_string(),
            "mode=stress seed=7 ops=2000 policies=dirty strategies=sw"
        );
        assert_eq!(
            plan.setups(),
            [(Policy::DirtyTracking, DirtyStrategy::Software)]
        );
        assert!(
            plan.rerun_command()
                .ends_with("--policy dirty --policy dirty --dirty sw")
        );
    }

    #[test]
    fn the_timeout_grows_with_the_operations() {
        let short = plan(Vec::new(), Vec::new()).default_timeout();
        assert_eq!(short, Duration::from_secs(65));
        let long = StressPlan {
            ops: 1_000_000,
            ..plan(Vec::new(), Vec::new())
        };
        assert_eq!(long.default_timeout(), Duration::from_secs(60 + 2_500));
    }
}
