//! The words the demo and the benchmark add to the records: setups and clocks.
//!
//! The records name a policy and a dirty strategy separately, in the
//! allocator's words (`dirty`, `hw`); people compare [`Setup`]s, where the
//! strategy only matters for dirty tracking (`nocache`, `alwayszero`,
//! `dirty/hw`, `dirty/sw`). What a tick is depends on how QEMU ran: a
//! [`Clock`].

use std::fmt;

use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::{BenchPoint, DemoRow};
use serde::Serialize;

/// One policy as configured for a run: the policy and, for dirty tracking,
/// how it detects writes. The strategy is carried for every policy (the
/// kernel reports it on every record) but only names a difference for
/// [`Policy::DirtyTracking`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setup {
    /// The cache policy.
    pub policy: Policy,
    /// The dirty strategy (meaningful for dirty tracking only).
    pub dirty: DirtyStrategy,
}

/// The clock the guest's timestamp counter follows (`rdtsc` on x86_64,
/// the `cycle` CSR on riscv64), which decides what a tick means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// TCG with `-icount shift=0,sleep=off`: one tick per guest instruction,
    /// the same from run to run.
    Instructions,
    /// Plain TCG: the counter follows the host's wall clock, noisy and scaled.
    TcgTicks,
    /// KVM (x86_64 only): the host CPU's TSC, through nested virtualisation.
    KvmTicks,
}

impl Setup {
    /// `policy` with `dirty` detection.
    pub const fn new(policy: Policy, dirty: DirtyStrategy) -> Self {
        Setup { policy, dirty }
    }

    /// Two setups are the same experiment when their policies are, and for
    /// dirty tracking also their strategies.
    pub fn same_as(self, other: Setup) -> bool {
        self.policy == other.policy
            && (self.policy != Policy::DirtyTracking || self.dirty == other.dirty)
    }
}

impl From<&DemoRow> for Setup {
    /// The policy and strategy of a demo row.
    fn from(row: &DemoRow) -> Setup {
        Setup::new(row.policy, row.dirty)
    }
}

impl From<&BenchPoint> for Setup {
    /// The policy and strategy of a bench point.
    fn from(point: &BenchPoint) -> Setup {
        Setup::new(point.policy, point.dirty)
    }
}

impl fmt::Display for Setup {
    /// `nocache`, `alwayszero`, `dirty/hw` or `dirty/sw`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.policy {
            Policy::DirtyTracking => write!(f, "{}/{}", self.policy, self.dirty),
            policy => write!(f, "{policy}"),
        }
    }
}

impl Clock {
    /// The clock of a run under `accel`, with or without `-icount`.
    pub fn of_run(accel: crate::qemu::Accel, icount: bool) -> Self {
        match (accel, icount) {
            (crate::qemu::Accel::Kvm, _) => Clock::KvmTicks,
            (crate::qemu::Accel::Tcg, true) => Clock::Instructions,
            (crate::qemu::Accel::Tcg, false) => Clock::TcgTicks,
        }
    }

    /// What one tick is, for column headers and legends.
    pub fn unit(self) -> &'static str {
        match self {
            Clock::Instructions => "guest instructions",
            Clock::TcgTicks => "timestamp ticks (plain TCG)",
            Clock::KvmTicks => "TSC ticks (KVM)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qemu::Accel;

    #[test]
    fn setups_print_like_the_kernel_words() {
        let names: Vec<String> = [
            Setup::new(Policy::NoCache, DirtyStrategy::Hardware),
            Setup::new(Policy::AlwaysZero, DirtyStrategy::Software),
            Setup::new(Policy::DirtyTracking, DirtyStrategy::Hardware),
            Setup::new(Policy::DirtyTracking, DirtyStrategy::Software),
        ]
        .iter()
        .map(Setup::to_string)
        .collect();
        assert_eq!(names, ["nocache", "alwayszero", "dirty/hw", "dirty/sw"]);
    }

    #[test]
    fn strategy_matters_only_for_dirty_tracking() {
        let nocache_sw = Setup::new(Policy::NoCache, DirtyStrategy::Software);
        let nocache_hw = Setup::new(Policy::NoCache, DirtyStrategy::Hardware);
        let dirty_hw = Setup::new(Policy::DirtyTracking, DirtyStrategy::Hardware);
        let dirty_sw = Setup::new(Policy::DirtyTracking, DirtyStrategy::Software);
        assert!(nocache_sw.same_as(nocache_hw));
        assert!(!dirty_hw.same_as(dirty_sw));
        assert!(dirty_sw.same_as(dirty_sw));
        assert!(!nocache_hw.same_as(dirty_hw));
    }

    #[test]
    fn clocks_name_their_unit() {
        assert_eq!(Clock::of_run(Accel::Tcg, true).unit(), "guest instructions");
        assert_eq!(
            Clock::of_run(Accel::Tcg, false).unit(),
            "timestamp ticks (plain TCG)"
        );
        assert_eq!(Clock::of_run(Accel::Kvm, false), Clock::KvmTicks);
    }
}
