//! The `breakdown` record: a benchmark point's instructions, part by part.
//!
//! A kernel built with the `breakdown` feature prints one [`Breakdown`]
//! after each `bench-point`, with each measured round's guest instructions
//! split into the parts the kernel's `breakdown.rs` measures. The host
//! shows the round with the median total, so the figures belong to the
//! round the main benchmark reports.

use alloc::vec::Vec;
use pristine_allocator::{DirtyStrategy, Policy};
use serde::{Deserialize, Serialize};

use crate::size::AllocationSize;
use crate::written::Written;

/// One point's rounds, part by part (kind `"breakdown"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The cache policy.
    #[serde(with = "crate::by_name")]
    pub policy: Policy,
    /// The dirty strategy.
    #[serde(with = "crate::by_name")]
    pub dirty: DirtyStrategy,
    /// Bytes per `calloc`.
    pub size: AllocationSize,
    /// How much of the block each round wrote.
    pub written: Written,
    /// Each measured round (the warm-up round excluded).
    pub rounds: Vec<RoundParts>,
}

/// One round's guest instructions, by part. Each part counts only its own
/// instructions (a fault's engine work is not the program's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoundParts {
    /// The whole round, as the benchmark measures it.
    pub round: u64,
    /// The engine's own logic (`calloc`, `free`, fault handling):
    /// cache bookkeeping, regions, decisions.
    pub engine: u64,
    /// Page-table walks and entry updates.
    pub page_tables: u64,
    /// Clearing pages.
    pub zeroing: u64,
    /// TLB invalidations.
    pub tlb_flush: u64,
    /// Taking and giving back frames.
    pub frames: u64,
    /// The write loop, fault entry and exit included.
    pub program: u64,
    /// The same write loop again, without faults: the stores alone.
    pub stores: u64,
}

impl RoundParts {
    /// Fault entry and exit: the write loop's own instructions beyond its
    /// stores.
    pub const fn fault_entry_exit(&self) -> u64 {
        self.program.saturating_sub(self.stores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_entry_and_exit_is_the_loop_beyond_its_stores() {
        let parts = RoundParts {
            program: 1_000,
            stores: 300,
            ..RoundParts::default()
        };
        assert_eq!(parts.fault_entry_exit(), 700);
        let none = RoundParts {
            stores: 5,
            ..RoundParts::default()
        };
        assert_eq!(none.fault_entry_exit(), 0);
    }
}
