//! The seed's experiment: `calloc` + `free` of a large block, never touched.
//!
//! For each size (100 MiB and 1000 MiB unless `sizes=` says otherwise) and
//! each policy (`policies=`, by default all three) the kernel runs `rounds=`
//! rounds (default 20) and prints one `demo-row` record with the ticks and the
//! engine's counters over all rounds, after a `cache-limits` record that
//! tells the host where the cache stops taking blocks. On macOS this loop
//! took minutes at 100 MiB because every recycled block was re-zeroed in
//! full, and was cheap again at 1000 MiB, above the cache's entry limit.
//!
//! In a small guest the always-zero cache cannot re-zero a 100 MiB hit: it
//! must back every page with a frame to zero it, and there are too few. That
//! row stops at the round that ran out and says so in its record
//! ([`OutOfMemory`]: the frames it needed and the frames that were free);
//! the kernel checks every frame came back and runs the next row. No cache
//! and dirty tracking run the same size fine, because memory nobody touches
//! costs no frames.

use super::round::{RoundError, abort, progress, report_cache_limits, timed_round};
use crate::cmdline::CommandLine;
use crate::console::emit;
use crate::memory::ledger::FrameLedger;
use crate::memory::{frames, large};
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::{AllocationSize, DemoRow, OutOfMemory, Record};

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
    let baseline = FrameLedger::now();
    let label = alloc::format!("{policy} {size}");
    let mut total = 0;
    let mut first = 0;
    let mut out_of_memory = None;
    for round in 0..rounds {
        let frames_free = frames::stats().free.0;
        let ticks = match timed_round(size, 0) {
            Ok(ticks) => ticks,
            Err(RoundError::OutOfMemory) => {
                out_of_memory = Some(OutOfMemory {
                    round: round + 1,
                    frames_needed: size.pages(),
                    frames_free,
                });
                progress(&label, rounds, rounds);
                break;
            }
            Err(error) => abort(&label, error),
        };
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
        out_of_memory,
    }));
    if out_of_memory.is_some() {
        recover(&label, policy, dirty, &baseline);
    }
}

/// After a row that ran out of memory: drains the cache and checks that
/// every frame the row took came back, so the next rows start as this one
/// did. A frame still missing is a leak in the failure path: the run stops.
fn recover(label: &str, policy: Policy, dirty: DirtyStrategy, baseline: &FrameLedger) {
    large::switch(policy, dirty).unwrap_or_else(|e| abort("draining the cache", e));
    let missing = FrameLedger::now().missing_since(baseline);
    if missing != 0 {
        abort(
            label,
            alloc::format!("{missing} frames did not come back after running out of memory"),
        );
    }
    log::info!("{label}: out of memory; every frame came back");
}
