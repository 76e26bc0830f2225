//! The numbers behind the benchmark's plots: lines, ranges and axis labels.
//!
//! [`crate::plot`] draws; this module decides what: which medians
//! make up each line (guest instructions under `-icount`, one line per
//! policy setup), how far the log axes reach, and how their ticks read
//! (`128 KiB`, `12k`, `1 page`). Kept apart from the drawing so it can be
//! tested without a backend.

use crate::plan::SETUPS;
use crate::results::BenchResults;
use pristine::{Clock, Setup};
use pristine_records::AllocationSize;
use pristine_records::Written;

/// One line of a chart: a setup and its (x, median) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The setup, which also picks the colour.
    pub setup: Setup,
    /// Points in x order; medians are clamped to at least 1 for log axes.
    pub points: Vec<(f64, f64)>,
}

/// The median at written 0 against size in MiB, per setup, under `-icount`.
pub fn cost_vs_size_lines(results: &BenchResults) -> Vec<Line> {
    lines(|setup| {
        results
            .sizes(Clock::Instructions)
            .into_iter()
            .filter_map(|size| {
                let median = results.median(Clock::Instructions, setup, size, Written::Nothing)?;
                Some((size.mebibytes(), clamp(median)))
            })
            .collect()
    })
}

/// The median at 100 MiB against the written spec, per setup; x is the
/// spec's place in [`Written::SWEEP`], so one page and none stay apart.
pub fn cost_vs_written_lines(results: &BenchResults) -> Vec<Line> {
    lines_at_100mib(results, &Written::SWEEP)
}

/// The median at 100 MiB of each read spec, per setup; x is the spec's
/// place in [`Written::READS`].
pub fn cost_vs_read_lines(results: &BenchResults) -> Vec<Line> {
    lines_at_100mib(results, &Written::READS)
}

/// The median at 100 MiB of each of `specs`, per setup; x is the spec's
/// place in `specs`.
fn lines_at_100mib(results: &BenchResults, specs: &[Written]) -> Vec<Line> {
    let size = AllocationSize::HUNDRED_MIB;
    lines(|setup| {
        specs
            .iter()
            .enumerate()
            .filter_map(|(place, &written)| {
                let median = results.median(Clock::Instructions, setup, size, written)?;
                Some((place as f64, clamp(median)))
            })
            .collect()
    })
}

/// The label of place `x` on the read axis.
pub fn read_label(x: f64) -> String {
    let place = x.round();
    match Written::READS.get(place as usize) {
        Some(_) if place < 0.0 || (x - place).abs() > 1e-6 => String::new(),
        Some(Written::ReadUntouched) => "untouched, 2 MiB zero page".to_owned(),
        Some(Written::ReadUntouchedSmallZero) => "untouched, 4 KiB zero page".to_owned(),
        Some(_) => "after writing every page".to_owned(),
        None => String::new(),
    }
}

/// The label of place `x` on the written axis: `none`, `1 page`, `10 %`.
pub fn written_label(x: f64) -> String {
    let place = x.round();
    match Written::SWEEP.get(place as usize) {
        Some(_) if place < 0.0 || (x - place).abs() > 1e-6 => String::new(),
        Some(Written::Nothing) => "none".to_owned(),
        Some(Written::OnePage) => "1 page".to_owned(),
        Some(written) => format!("{written} %"),
        None => String::new(),
    }
}

/// One line per bench setup that has points.
fn lines(points_of: impl Fn(Setup) -> Vec<(f64, f64)>) -> Vec<Line> {
    SETUPS
        .into_iter()
        .map(|setup| Line {
            setup,
            points: points_of(setup),
        })
        .filter(|line| !line.points.is_empty())
        .collect()
}

/// A median as a float of at least 1, so log axes can show it.
fn clamp(median: u64) -> f64 {
    (median as f64).max(1.0)
}

/// The range of one coordinate over all points, widened by `factor` on
/// each side (log axes); `1..10` when there are no points.
pub fn span(
    lines: &[Line],
    coordinate: impl Fn(&(f64, f64)) -> f64,
    factor: f64,
) -> std::ops::Range<f64> {
    let values = lines
        .iter()
        .flat_map(|line| line.points.iter().map(&coordinate));
    let (low, high) = values.fold((f64::INFINITY, 0.0_f64), |(low, high), v| {
        (low.min(v), high.max(v))
    });
    if low.is_finite() && high > 0.0 {
        (low.max(f64::MIN_POSITIVE) / factor)..(high * factor)
    } else {
        1.0..10.0
    }
}

/// A size axis label from MiB: `128 KiB`, `100 MiB`, `1 GiB`.
pub fn size_label(mib: f64) -> String {
    if mib >= 1024.0 {
        format!("{} GiB", trim(mib / 1024.0))
    } else if mib >= 1.0 {
        format!("{} MiB", trim(mib))
    } else {
        format!("{} KiB", trim(mib * 1024.0))
    }
}

/// A count axis label: `900`, `12k`, `3.5M`, `2G`.
pub fn count_label(count: f64) -> String {
    match count {
        c if c >= 1e9 => format!("{}G", trim(c / 1e9)),
        c if c >= 1e6 => format!("{}M", trim(c / 1e6)),
        c if c >= 1e3 => format!("{}k", trim(c / 1e3)),
        c => trim(c),
    }
}

/// `x` with at most one decimal, without a trailing `.0`.
pub fn trim(x: f64) -> String {
    let text = format!("{x:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sweep_results;

    /// Results with untouched points at three sizes and every written spec
    /// at 100 MiB, for every setup.
    fn results() -> BenchResults {
        sweep_results(&[AllocationSize::kib(128), AllocationSize::mib(1024)])
    }

    #[test]
    fn lines_follow_the_sweep() {
        let size_lines = cost_vs_size_lines(&results());
        assert_eq!(size_lines.len(), 4);
        assert_eq!(size_lines[1].points.len(), 3);
        assert_eq!(size_lines[1].points[0], (0.125, 20_000.0));
        assert!(
            size_lines[1]
                .points
                .windows(2)
                .all(|pair| pair[0].0 < pair[1].0)
        );
        let written_lines = cost_vs_written_lines(&results());
        assert_eq!(written_lines[0].points[1], (1.0, 1_000.0));
    }

    #[test]
    fn axis_labels_read_as_sizes_counts_and_specs() {
        assert_eq!(size_label(0.125), "128 KiB");
        assert_eq!(size_label(100.0), "100 MiB");
        assert_eq!(size_label(1024.0), "1 GiB");
        assert_eq!(count_label(950.0), "950");
        assert_eq!(count_label(12_000.0), "12k");
        assert_eq!(count_label(3_500_000.0), "3.5M");
        assert_eq!(written_label(0.0), "none");
        assert_eq!(written_label(1.0), "1 page");
        assert_eq!(written_label(4.0), "100 %");
        assert_eq!(written_label(0.5), "");
        assert_eq!(written_label(-1.0), "");
    }

    #[test]
    fn spans_widen_around_the_points() {
        let lines = cost_vs_size_lines(&results());
        let x = span(&lines, |point| point.0, 2.0);
        assert_eq!(x, 0.0625..2048.0);
        assert_eq!(span(&[], |point| point.0, 2.0), 1.0..10.0);
    }
}
