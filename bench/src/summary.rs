//! The benchmark's summary: targets, ratios, reference figures and baselines.
//!
//! The same text goes to the terminal and to `target/bench/summary.txt`.
//! It opens with what a tick means, because the main figures are guest
//! instructions under `-icount` (repeatable) while the reference figures are
//! plain-TCG TSC ticks (noisy), and the two must never be read as one unit.

use crate::plan::SETUPS;
use crate::results::BenchResults;
use crate::targets::TargetResult;
use pristine::render::{grouped, number};
use pristine::stats::ratio;
use pristine::table::{Align, Table};
use pristine::{Clock, Setup};
use pristine_records::AllocationSize;
use pristine_records::Written;

/// The whole summary; `sweep` names the sweep (`quick` or `full`).
pub fn summary(results: &BenchResults, targets: &[TargetResult], sweep: &str) -> String {
    let sections = [
        format!(
            "Pristine benchmark, {sweep} sweep. Main figures: median {} per calloc + free \
             round under -icount shift=0,sleep=off (one tick per guest instruction, the same \
             on every run). Reference figures: {}, noisy.",
            Clock::Instructions.unit(),
            Clock::TcgTicks.unit()
        ),
        format!("Targets (issues 5 and 12)\n{}", targets_table(targets)),
        format!(
            "Untouched reuse (written 0), median {} per round\n{}",
            Clock::Instructions.unit(),
            size_table(results)
        ),
        format!(
            "Cost against pages written at {}, median {} per round\n{}",
            AllocationSize::HUNDRED_MIB,
            Clock::Instructions.unit(),
            written_table(results)
        ),
        format!(
            "Plain-TCG reference at {}\n{}",
            AllocationSize::HUNDRED_MIB,
            reference_table(results)
        ),
        format!("Baselines\n{}", baselines_table(results)),
    ];
    sections.join("\n\n")
}

/// One line per target, then the numbers behind each.
fn targets_table(targets: &[TargetResult]) -> String {
    let mut table = Table::new(&[
        ("target", Align::Left),
        ("measured", Align::Right),
        ("bound", Align::Left),
        ("result", Align::Left),
        ("requirement", Align::Left),
    ]);
    for target in targets {
        table.row(vec![
            target.name.clone(),
            target.measured.map_or_else(|| "n/a".to_owned(), number),
            target.bound.to_string(),
            target.verdict.to_string(),
            target.requirement.clone(),
        ]);
    }
    let details: Vec<String> = targets
        .iter()
        .map(|target| format!("  {}: {}", target.name, target.detail))
        .collect();
    format!("{}\n{}", table.render(), details.join("\n"))
}

/// The median of `setup` at `size` with `written` under `-icount`, as text.
fn cell(
    results: &BenchResults,
    clock: Clock,
    setup: Setup,
    size: AllocationSize,
    written: Written,
) -> String {
    results
        .median(clock, setup, size, written)
        .map_or_else(|| "-".to_owned(), grouped)
}

/// `numerator / denominator` medians as `123.4x`, or `-`.
fn ratio_cell(results: &BenchResults, over: Setup, under: Setup, size: AllocationSize) -> String {
    let clock = Clock::Instructions;
    let numerator = results.median(clock, over, size, Written::Nothing);
    let denominator = results.median(clock, under, size, Written::Nothing);
    match numerator.zip(denominator).and_then(|(n, d)| ratio(n, d)) {
        Some(value) => format!("{}x", number(value)),
        None => "-".to_owned(),
    }
}

/// A table whose first columns are `first`, then one per setup, then `last`.
fn setup_table(first: &[&str], last: &[String]) -> Table {
    let setups = SETUPS.map(|setup| setup.to_string());
    let titles = first
        .iter()
        .copied()
        .chain(setups.iter().map(String::as_str))
        .chain(last.iter().map(String::as_str));
    let columns: Vec<(&str, Align)> = titles.map(|title| (title, Align::Right)).collect();
    Table::new(&columns)
}

/// Medians per size and setup at written 0, with the cache ratios.
fn size_table(results: &BenchResults) -> String {
    let [nocache, always, dirty_hw, _] = SETUPS;
    let ratios = [
        format!("{}/{}", always.policy, dirty_hw.policy),
        format!("{}/{}", nocache.policy, dirty_hw.policy),
    ];
    let mut table = setup_table(&["size"], &ratios);
    for size in results.sizes(Clock::Instructions) {
        let mut cells = vec![size.to_string()];
        for setup in SETUPS {
            cells.push(cell(
                results,
                Clock::Instructions,
                setup,
                size,
                Written::Nothing,
            ));
        }
        cells.push(ratio_cell(results, always, dirty_hw, size));
        cells.push(ratio_cell(results, nocache, dirty_hw, size));
        if cells[1..5].iter().any(|cell| cell != "-") {
            table.row(cells);
        }
    }
    table.render()
}

/// Medians per written spec and setup at 100 MiB.
fn written_table(results: &BenchResults) -> String {
    let size = AllocationSize::HUNDRED_MIB;
    let mut table = setup_table(&["written", "pages"], &[]);
    for written in Written::SWEEP {
        let mut cells = vec![written.to_string(), grouped(written.pages_of(size.pages()))];
        for setup in SETUPS {
            cells.push(cell(results, Clock::Instructions, setup, size, written));
        }
        table.row(cells);
    }
    table.render()
}

/// Plain-TCG ticks beside guest instructions at 100 MiB, untouched and full.
fn reference_table(results: &BenchResults) -> String {
    let size = AllocationSize::HUNDRED_MIB;
    let mut table = Table::new(&[
        ("setup", Align::Left),
        ("written 0: TCG ticks", Align::Right),
        ("instructions", Align::Right),
        ("written 100: TCG ticks", Align::Right),
        ("instructions", Align::Right),
    ]);
    for setup in SETUPS {
        let mut cells = vec![setup.to_string()];
        for written in [Written::Nothing, Written::Percent(100)] {
            cells.push(cell(results, Clock::TcgTicks, setup, size, written));
            cells.push(cell(results, Clock::Instructions, setup, size, written));
        }
        table.row(cells);
    }
    table.render()
}

/// The guest's and the host's baselines.
fn baselines_table(results: &BenchResults) -> String {
    let mut table = Table::new(&[
        ("baseline", Align::Left),
        ("median", Align::Right),
        ("unit", Align::Left),
        ("what", Align::Left),
    ]);
    for guest in &results.guest_baselines {
        table.row(vec![
            guest.baseline.name.clone(),
            guest.median_ticks.map_or_else(|| "n/a".to_owned(), grouped),
            guest.clock.unit().to_owned(),
            guest.baseline.what.clone(),
        ]);
    }
    for host in &results.host_baselines {
        table.row(vec![
            host.name.clone(),
            grouped(host.ns_per_pair.round() as u64),
            format!("host ns per call pair ({} pairs)", host.iterations),
            host.what.clone(),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{baseline, measured};
    use crate::targets::evaluate;

    #[test]
    fn summary_names_the_unit_and_every_section() {
        let hundred = AllocationSize::HUNDRED_MIB;
        let results = BenchResults {
            points: vec![
                measured(SETUPS[1], hundred, Written::Nothing, 30_000_000),
                measured(SETUPS[2], hundred, Written::Nothing, 2_000),
            ],
            guest_baselines: vec![baseline("frame_alloc_free", 150)],
            host_baselines: Vec::new(),
            cache_limits: None,
        };
        let targets = evaluate(&results);
        let text = summary(&results, &targets, "quick");
        assert!(text.starts_with(
            "Pristine benchmark, quick sweep. Main figures: median guest instructions"
        ));
        let target_line = text
            .lines()
            .find(|line| line.starts_with("untouched reuse at 100 MiB"))
            .expect("the first target");
        let words: Vec<&str> = target_line.split_whitespace().collect();
        assert_eq!(words[5..9], ["15,000", ">=", "1,000", "PASS"]);
        assert!(text.contains("n/a"));
        let size_line = text
            .lines()
            .find(|line| line.trim_start().starts_with("100 MiB"))
            .expect("a 100 MiB row");
        assert!(size_line.contains("30,000,000") && size_line.contains("15,000x"));
        assert!(text.contains("150  guest instructions  frame_alloc_free for a test"));
    }
}
