//! The seed's experiment: `calloc` + `free` of a large block, never touched.
//!
//! For each size (100 MiB and 1000 MiB unless `sizes=` says otherwise) and
//! each policy (`policies=`, by default all three) the kernel runs `rounds=`
//! rounds (default 20) and prints one `demo-row` record with the ticks and the
//! engine's counters over all rounds. On macOS this loop took minutes at
//! 100 MiB because every recycled block was re-zeroed in full, and was cheap
//! again at 1000 MiB, above the cache's entry limit.

use super::round::{abort, progress, size_label, timed_round};
use crate::cmdline::{CommandLine, dirty_name, parse_policy, policy_name};
use crate::console::emit_record;
use crate::memory::large;
use pristine_allocator::Policy;

/// The sizes the 2016 report compared.
const SEED_SIZES: [u64; 2] = [100 << 20, 1000 << 20];

/// Runs the demo as the command line describes and ends the machine.
pub fn run(command_line: &CommandLine) -> ! {
    let rounds = command_line
        .number("rounds", 20)
        .unwrap_or_else(|e| abort("demo", e));
    let sizes = command_line
        .sizes(&SEED_SIZES)
        .unwrap_or_else(|e| abort("demo", e));
    let policies = command_line
        .list("policies", "nocache, alwayszero, dirty", parse_policy)
        .unwrap_or_else(|e| abort("demo", e))
        .unwrap_or_else(|| Policy::ALL.to_vec());
    for &size in &sizes {
        for &policy in &policies {
            run_row(command_line, policy, size, rounds);
        }
    }
    crate::arch::exit_success()
}

fn run_row(command_line: &CommandLine, policy: Policy, size: u64, rounds: u64) {
    let dirty = command_line.dirty().unwrap_or_else(|e| abort("demo", e));
    large::switch(policy, dirty).unwrap_or_else(|e| abort("switching policy", e));
    let label = alloc::format!("{} {}", policy_name(policy), size_label(size));
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
    emit_record(format_args!(
        concat!(
            r#"{{"kind":"demo-row","policy":"{}","dirty":"{}","size":{},"rounds":{},"#,
            r#""ticks_total":{},"ticks_first_round":{},"pages_zeroed":{},"faults":{},"#,
            r#""cow_faults":{},"read_faults":{},"cache_hits":{},"cache_misses":{},"#,
            r#""cache_bypasses":{}}}"#
        ),
        policy_name(policy),
        dirty_name(dirty),
        size,
        rounds,
        total,
        first,
        stats.pages_zeroed(),
        stats.faults(),
        stats.cow_faults,
        stats.read_faults,
        stats.cache_hits,
        stats.cache_misses,
        stats.cache_bypasses
    ));
}
