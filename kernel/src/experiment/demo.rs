//! The seed's experiment: `calloc` + `free` of a large block, never touched.
//!
//! For each size (100 MiB and 1000 MiB unless `sizes=` says otherwise) and
//! each policy (`policies=`, by default all three) the kernel runs `rounds=`
//! rounds (default 20) and prints one `demo-row` record with the ticks and the
//! engine's counters over all rounds, after a `cache-limits` record that
//! tells the host where the cache stops taking blocks. On macOS this loop
//! took minutes at 100 MiB because every recycled block was re-zeroed in
//! full, and was cheap again at 1000 MiB, above the cache's entry limit.

use super::round::{abort, progress, report_cache_limits, timed_round};
use crate::cmdline::CommandLine;
use crate::console::emit;
use crate::memory::large;
use pristine_allocator::Policy;
use pristine_records::{AllocationSize, DemoRow, Record};

/// The sizes the 2016 report compared.
const SEED_SIZES: [AllocationSize; 2] = [AllocationSize::HUNDRED_MIB, AllocationSize::THOUSAND_MIB];

/// Runs the demo as the command line describes and ends the machine.
pub fn run(command_line: &CommandLine) -> ! {
    let rounds = command_line
        .number("rounds", 20)
        .unwrap_or_else(|e| abort("demo", e));
    let sizes = command_line
        .sizes(&SEED_SIZES)
        .unwrap_or_else(|e| abort("demo", e));
    let policies = command_line
        .list("policies")
        .unwrap_or_else(|e| abort("demo", e))
        .unwrap_or_else(|| Policy::ALL.to_vec());
    report_cache_limits();
    for &size in &sizes {
        for &policy in &policies {
            run_row(command_line, policy, size, rounds);
        }
    }
    crate::arch::exit_success()
}

fn run_row(command_line: &CommandLine, policy: Policy, size: AllocationSize, rounds: u64) {
    let dirty = command_line.dirty().unwrap_or_else(|e| abort("demo", e));
    large::switch(policy, dirty).unwrap_or_else(|e| abort("switching policy", e));
    let label = alloc::format!("{policy} {size}");
    let mut total = 0;
    let mut first = 0;
    for round in 0..rounds {
        let ticks = timed_round(size, 0).unwrap_or_else(|e| abort(&label, alloc::format!("{e:?}")));
        if round == 0 {
            first = ticks;
        }
        total += ticks;
        progress(&label, round + 1, rounds);
    }
    let stats = large::with_engine(|engine| engine.stats());
    emit(&Record::DemoRow(DemoRow {
        policy,
        dirty,
        size,
        rounds,
        ticks_total: total,
        ticks_first_round: first,
        pages_zeroed: stats.pages_zeroed(),
        faults: stats.faults(),
        cow_faults: stats.cow_faults,
        read_faults: stats.read_faults,
        zero_page_mappings: stats.zero_page_mappings,
        cache_hits: stats.cache_hits,
        cache_misses: stats.cache_misses,
        cache_bypasses: stats.cache_bypasses,
    }));
}
