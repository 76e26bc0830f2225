//! The stress run's results as people read them: a violation, a table.
//!
//! A violation is the one thing a failed run must say clearly: which check
//! failed, at which operation of which seed, under which setup, and the
//! byte, its address, what it held and what it should have held.
//! [`violation_text`] says it in a few lines (the runner adds the command
//! that repeats the run). A clean run ends in one table row per setup and a
//! line of totals with the wall time and the operations per second.

use pristine_records::{StressSummary, StressViolation};

use crate::experiment::{Clock, Setup};
use crate::render::{grouped, mebibytes};

/// Bytes in one GiB.
const GIB: u64 = 1 << 30;
use crate::stress::run::StressOutcome;
use crate::table::{Align, Table};

/// `bytes` in MiB with one decimal, or in GiB from 1 GiB on.
fn amount(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        mebibytes(bytes)
    }
}

/// A violation in a few lines: where, what, and the wrong byte.
pub fn violation_text(violation: &StressViolation) -> String {
    let setup = Setup::new(violation.policy, violation.dirty);
    let mut text = format!(
        "stress check failed at operation {} (seed {}, setup {setup}): {}\n  {}",
        violation.op, violation.seed, violation.operation, violation.problem
    );
    if let (Some(address), Some(offset)) = (violation.address, violation.offset) {
        text.push_str(&format!("\n  byte {offset} of the block, at {address:#x}"));
    }
    if let (Some(expected), Some(found)) = (violation.expected, violation.found) {
        text.push_str(&format!(": expected {expected:#04x}, found {found:#04x}"));
    }
    text
}

/// `stress dirty/hw: 500 operations from 1,500: 3.2 MiB checked, ...`
pub fn summary_line(summary: &StressSummary) -> String {
    format!(
        "stress {}: {} operations from {}: {} checked, {} pages zeroed, {} faults, {} cache hits, \
         {} ticks",
        Setup::new(summary.policy, summary.dirty),
        grouped(summary.ops),
        grouped(summary.first_op),
        amount(summary.bytes_checked),
        grouped(summary.pages_zeroed),
        grouped(summary.faults),
        grouped(summary.cache_hits),
        grouped(summary.ticks),
    )
}

/// One row per setup: operations of each kind, blocks of each class, bytes
/// checked, the engine's counters and the guest time.
pub fn table(summaries: &[StressSummary], clock: Clock) -> String {
    let ticks_title = clock.unit().to_owned();
    let mut table = Table::new(&[
        ("setup", Align::Left),
        ("ops", Align::Right),
        ("calloc", Align::Right),
        ("malloc", Align::Right),
        ("realloc", Align::Right),
        ("free", Align::Right),
        ("heap/cached/bypass", Align::Right),
        ("checked", Align::Right),
        ("pages zeroed", Align::Right),
        ("faults", Align::Right),
        ("cache hits", Align::Right),
        (&ticks_title, Align::Right),
    ]);
    for summary in summaries {
        table.row(vec![
            Setup::new(summary.policy, summary.dirty).to_string(),
            grouped(summary.ops),
            grouped(summary.callocs),
            grouped(summary.mallocs),
            grouped(summary.reallocs),
            grouped(summary.frees),
            format!(
                "{}/{}/{}",
                grouped(summary.heap_blocks),
                grouped(summary.cached_blocks),
                grouped(summary.bypass_blocks)
            ),
            amount(summary.bytes_checked),
            grouped(summary.pages_zeroed),
            grouped(summary.faults),
            grouped(summary.cache_hits),
            grouped(summary.ticks),
        ]);
    }
    table.render()
}

/// The whole report: the table and a line of totals.
pub fn report(outcome: &StressOutcome) -> String {
    let summaries = &outcome.summaries;
    let ops: u64 = summaries.iter().map(|s| s.ops).sum();
    let checked: u64 = summaries.iter().map(|s| s.bytes_checked).sum();
    let written: u64 = summaries.iter().map(|s| s.bytes_written).sum();
    let ticks: u64 = summaries.iter().map(|s| s.ticks).sum();
    let seconds = outcome.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        grouped((ops as f64 / seconds).round() as u64)
    } else {
        "n/a".to_owned()
    };
    format!(
        "{}\n\nAll checks passed: {} operations with seed {} under {} setups; {} written and {} \
         read back and checked; every frame came back after each setup.\nGuest time {} {}; \
         wall time {seconds:.1} s ({rate} operations per second).",
        table(summaries, outcome.clock),
        grouped(ops),
        outcome.plan.seed,
        summaries.len(),
        amount(written),
        amount(checked),
        grouped(ticks),
        outcome.clock.unit(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::plan::StressPlan;
    use pristine_allocator::{DirtyStrategy, Policy};
    use std::time::Duration;

    fn summary(policy: Policy, dirty: DirtyStrategy) -> StressSummary {
        StressSummary {
            policy,
            dirty,
            seed: 1,
            first_op: 0,
            ops: 500,
            callocs: 200,
            mallocs: 100,
            reallocs: 100,
            frees: 250,
            heap_blocks: 250,
            cached_blocks: 140,
            bypass_blocks: 10,
            bytes_written: 1 << 20,
            bytes_checked: 3 << 20,
            pages_zeroed: 1234,
            faults: 99,
            cache_hits: 70,
            cache_misses: 60,
            cache_bypasses: 10,
            cache_evictions: 0,
            peak_live_blocks: 40,
            peak_live_bytes: 1 << 26,
            ticks: 1_000_000,
        }
    }

    #[test]
    fn violations_name_the_operation_the_seed_and_the_byte() {
        let violation = StressViolation {
            seed: 9,
            op: 1234,
            policy: Policy::DirtyTracking,
            dirty: DirtyStrategy::Software,
            operation: "free of block 3 (4096 bytes)".into(),
            problem: "byte 7 reads 0xff where 0x00 is expected".into(),
            address: Some(0x1007),
            offset: Some(7),
            expected: Some(0),
            found: Some(0xff),
        };
        assert_eq!(
            violation_text(&violation),
            "stress check failed at operation 1234 (seed 9, setup dirty/sw): free of block 3 \
             (4096 bytes)\n  byte 7 reads 0xff where 0x00 is expected\n  byte 7 of the block, \
             at 0x1007: expected 0x00, found 0xff"
        );
    }

    #[test]
    fn the_report_has_a_row_per_setup_and_the_totals() {
        let outcome = StressOutcome {
            plan: StressPlan {
                seed: 1,
                ops: 1000,
                policies: Vec::new(),
                strategies: Vec::new(),
            },
            summaries: vec![
                summary(Policy::NoCache, DirtyStrategy::Hardware),
                summary(Policy::DirtyTracking, DirtyStrategy::Software),
            ],
            clock: Clock::Instructions,
            elapsed: Duration::from_secs(2),
        };
        let text = report(&outcome);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("setup") && lines[0].ends_with("guest instructions"));
        assert!(lines[3].starts_with("dirty/sw"), "{text}");
        assert!(lines[3].contains("250/140/10"), "{text}");
        assert!(
            text.contains("1,000 operations with seed 1 under 2 setups"),
            "{text}"
        );
        assert!(text.contains("(500 operations per second)"), "{text}");
        assert!(
            text.contains("2.0 MiB written and 6.0 MiB read back"),
            "{text}"
        );
        assert_eq!(amount(10 * GIB + GIB / 4), "10.2 GiB");
    }
}
