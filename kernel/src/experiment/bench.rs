//! The benchmark sweep: cost per round against size and written fraction.
//!
//! `mode=bench policy=P dirty=D sizes=a,b,.. written=0,page,10,50,100 rounds=R`
//! measures, for each size and each written spec ([`Written`]: none, one
//! page, or a percentage of the pages), one warm-up round and then `R`
//! rounds of `calloc` + write the first pages + `free`; the read specs
//! (`read`, `read-4k`, `write-read`) also read one byte of every page
//! before the `free`, and `read-4k` switches the 2 MiB zero page off for
//! its point. The cache is drained
//! and the counters reset before each point, and the counters cover the
//! measured rounds only. The run opens with the `cache-limits` record, then
//! prints one `bench-point` record per point; the host computes medians and
//! plots.

use super::round::{
    RoundError, abort, progress, report_cache_limits, timed_read_round, timed_round,
};
use crate::breakdown;
use crate::cmdline::CommandLine;
use crate::console::emit;
use crate::memory::large;
use alloc::vec::Vec;
use pristine_records::{AllocationSize, BenchPoint, Breakdown, Record, RoundParts, Written};

const DEFAULT_SIZES: [AllocationSize; 3] = [
    AllocationSize::kib(128),
    AllocationSize::HUNDRED_MIB,
    AllocationSize::mib(1024),
];
const DEFAULT_WRITTEN: [Written; 3] = [Written::Nothing, Written::OnePage, Written::Percent(100)];

/// Runs the sweep the command line describes and ends the machine.
pub fn run(command_line: &CommandLine) -> ! {
    let policy = command_line.policy().unwrap_or_else(|e| abort("bench", e));
    let dirty = command_line.dirty().unwrap_or_else(|e| abort("bench", e));
    let rounds = command_line
        .number("rounds", 5)
        .unwrap_or_else(|e| abort("bench", e))
        .max(1);
    let sizes = command_line
        .sizes(&DEFAULT_SIZES)
        .unwrap_or_else(|e| abort("bench", e));
    let written = command_line
        .list("written")
        .unwrap_or_else(|e| abort("bench", e))
        .unwrap_or_else(|| DEFAULT_WRITTEN.to_vec());
    report_cache_limits();
    breakdown::calibrate();
    let total = (sizes.len() * written.len()) as u64;
    let mut done = 0;
    for &size in &sizes {
        for &spec in &written {
            large::switch(policy, dirty).unwrap_or_else(|e| abort("switching policy", e));
            measure_point(size, spec, rounds);
            done += 1;
            progress(&alloc::format!("{policy} {size}"), done, total);
        }
    }
    crate::arch::exit_success()
}

fn measure_point(size: AllocationSize, written: Written, rounds: u64) {
    let pages = size.pages();
    let written_pages = written.pages_of(pages);
    let round: fn(AllocationSize, u64) -> Result<u64, RoundError> = if written.reads() {
        timed_read_round
    } else {
        timed_round
    };
    // `read-4k`: the 4 KiB zero page alone for this point.
    let small_zero = written == Written::ReadUntouchedSmallZero;
    let large_zero_was = large::with_engine(|engine| {
        let was = engine.large_zero_page().is_some();
        engine.set_large_zero_page(was && !small_zero);
        was
    });
    let fail = |e| {
        abort(
            &alloc::format!("bench {size} written {written}"),
            alloc::format!("{e:?}"),
        )
    };
    round(size, written_pages).unwrap_or_else(fail);
    large::with_engine(|engine| engine.reset_counters());
    let mut parts = Vec::new();
    let ticks: Vec<u64> = (0..rounds)
        .map(|_| {
            breakdown::reset();
            let ticks = round(size, written_pages).unwrap_or_else(fail);
            parts.push(round_parts(ticks));
            ticks
        })
        .collect();
    let (stats, policy, dirty) = large::with_engine(|engine| {
        engine.set_large_zero_page(large_zero_was);
        (engine.stats(), engine.policy(), engine.dirty_strategy())
    });
    emit(&Record::BenchPoint(BenchPoint {
        policy,
        dirty,
        size,
        pages,
        written,
        written_pages,
        rounds,
        ticks,
        pages_zeroed: stats.pages_zeroed(),
        faults: stats.faults(),
        cache_hits: stats.cache_hits,
    }));
    if breakdown::ENABLED {
        emit(&Record::Breakdown(Breakdown {
            policy,
            dirty,
            size,
            written,
            rounds: parts,
        }));
    }
}

/// The parts of the round that just took `round` ticks, as the
/// `breakdown` feature counted them (zeros without it).
fn round_parts(round: u64) -> RoundParts {
    let [
        engine,
        page_tables,
        zeroing,
        tlb_flush,
        frames,
        program,
        stores,
    ] = breakdown::take();
    RoundParts {
        round,
        engine,
        page_tables,
        zeroing,
        tlb_flush,
        frames,
        program,
        stores,
    }
}
