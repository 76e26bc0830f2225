//! The performance targets of issues 5 and 12, judged from the measured medians.
//!
//! Every target compares guest instructions (the `-icount` points and
//! baselines), so the verdict is the same on every run. A target whose point
//! is not in the sweep is "n/a" with the reason, never a crash; `bench
//! --check` counts n/a as a miss, which is why the quick sweep holds every
//! point a target reads.

use std::fmt;

use serde::Serialize;

use crate::never_worse::never_worse;
use crate::plan::SETUPS;
use crate::results::{BenchResults, CLEAR_100MIB, FRAME_ALLOC_FREE};
use pristine::render::{grouped, number};
use pristine::{Clock, Setup};
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::AllocationSize;
use pristine_records::Written;

/// Which way a target's bound goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// The measured value must be at least this.
    AtLeast(f64),
    /// The measured value must be at most this.
    AtMost(f64),
}

/// How a target came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within the bound.
    Pass,
    /// Outside the bound: a finding, with the numbers in the detail.
    Miss,
    /// A point it needs was not measured; the reason says which.
    NotAvailable(String),
}

/// One target, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// What is checked, e.g. `untouched reuse at 100 MiB`.
    pub name: String,
    /// The requirement in words.
    pub requirement: String,
    /// The measured ratio or value that meets the bound.
    pub measured: Option<f64>,
    /// The bound it must meet.
    pub bound: Bound,
    /// The numbers behind the measurement.
    pub detail: String,
    /// Pass, miss or n/a.
    pub verdict: Verdict,
}

/// The clock every target is judged on.
const CLOCK: Clock = Clock::Instructions;
/// The setup the targets are about: dirty tracking with the dirty bit.
const DIRTY_HW: Setup = Setup::new(Policy::DirtyTracking, DirtyStrategy::Hardware);
/// Pages in 100 MiB: one page clear is the 100 MiB clear over this.
const PAGES_IN_100MIB: f64 = 25_600.0;

impl Bound {
    /// Whether `value` meets the bound.
    pub fn holds(self, value: f64) -> bool {
        match self {
            Bound::AtLeast(limit) => value >= limit,
            Bound::AtMost(limit) => value <= limit,
        }
    }
}

impl fmt::Display for Bound {
    /// `>= 1000` or `<= 1.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::AtLeast(limit) => write!(f, ">= {}", number(*limit)),
            Bound::AtMost(limit) => write!(f, "<= {}", number(*limit)),
        }
    }
}

impl fmt::Display for Verdict {
    /// `PASS`, `MISS` or `n/a`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Pass => f.write_str("PASS"),
            Verdict::Miss => f.write_str("MISS"),
            Verdict::NotAvailable(_) => f.write_str("n/a"),
        }
    }
}

impl TargetResult {
    /// A judged target from a measurement, or n/a with the reason.
    pub(crate) fn judge(
        name: String,
        requirement: &str,
        bound: Bound,
        measured: Measurement,
    ) -> Self {
        let (measured, detail, verdict) = match measured {
            Ok((value, detail)) if bound.holds(value) => (Some(value), detail, Verdict::Pass),
            Ok((value, detail)) => (Some(value), detail, Verdict::Miss),
            Err(reason) => (None, reason.clone(), Verdict::NotAvailable(reason)),
        };
        TargetResult {
            name,
            requirement: requirement.to_owned(),
            measured,
            bound,
            detail,
            verdict,
        }
    }

    /// Whether the target passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// Every target of issues 5 and 12, judged against `results`.
pub fn evaluate(results: &BenchResults) -> Vec<TargetResult> {
    let hundred = AllocationSize::HUNDRED_MIB;
    let mut targets = vec![
        TargetResult::judge(
            format!("untouched reuse at {hundred}"),
            "dirty/hw at least 1000x cheaper than alwayszero (written 0)",
            Bound::AtLeast(1000.0),
            untouched_reuse(results),
        ),
        TargetResult::judge(
            "untouched reuse is flat in size".into(),
            "dirty/hw at 1 GiB within 1.5x of dirty/hw at 128 KiB (written 0)",
            Bound::AtMost(1.5),
            flat_in_size(results),
        ),
    ];
    for written in [
        Written::OnePage,
        Written::Percent(10),
        Written::Percent(50),
        Written::Percent(100),
    ] {
        targets.push(TargetResult::judge(
            format!(
                "cost per written page, {} at {hundred}",
                written_label(written)
            ),
            "dirty/hw cost over written 0, per written page, at most 1.25x one page clear",
            Bound::AtMost(1.25),
            cost_per_written_page(results, written),
        ));
    }
    targets.push(TargetResult::judge(
        format!("fully written at {hundred} vs nocache"),
        "dirty/hw at least 2x cheaper than nocache",
        Bound::AtLeast(2.0),
        fully_written(results),
    ));
    targets.push(TargetResult::judge(
        "dirty never worse than the best policy".into(),
        "at every size and written fraction, dirty/hw and dirty/sw at most 1.05 x min(alwayszero, nocache) + 1,000 (ratio <= 1)",
        Bound::AtMost(1.0),
        never_worse(results, CLOCK),
    ));
    targets.push(TargetResult::judge(
        format!("2 MiB zero page, reading untouched {hundred}: faults"),
        "nocache reading one byte of every page takes at least 50x fewer faults than with the \
         4 KiB zero page",
        Bound::AtLeast(50.0),
        large_zero_page(results, Cost::Faults),
    ));
    targets.push(TargetResult::judge(
        format!("2 MiB zero page, reading untouched {hundred}: instructions"),
        "nocache reading one byte of every page takes at least 5x fewer instructions than with \
         the 4 KiB zero page",
        Bound::AtLeast(5.0),
        large_zero_page(results, Cost::Instructions),
    ));
    targets.push(TargetResult::judge(
        "frame allocation + free".into(),
        "median of frame_alloc_free at most 200 guest instructions",
        Bound::AtMost(200.0),
        frame_alloc_free(results),
    ));
    targets.extend(crate::sharing_targets::evaluate(results));
    targets
}

/// `1 page` or `10 %`.
fn written_label(written: Written) -> String {
    match written {
        Written::OnePage => "1 page".to_owned(),
        other => format!("{other} %"),
    }
}

/// The median of `setup` at `size` with `written`, or why it is missing.
fn need(
    results: &BenchResults,
    setup: Setup,
    size: AllocationSize,
    written: Written,
) -> Result<u64, String> {
    results
        .median(CLOCK, setup, size, written)
        .ok_or_else(|| format!("no {setup} point at {size}, written {written}, in this sweep"))
}

/// The median of guest baseline `name`, or why it is missing.
pub(crate) fn need_baseline(results: &BenchResults, name: &str) -> Result<u64, String> {
    results
        .baseline_median(CLOCK, name)
        .ok_or_else(|| format!("no {name} baseline was measured"))
}

/// `numerator / denominator`, infinite for a zero denominator.
pub(crate) fn quotient(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        f64::INFINITY
    } else {
        numerator / denominator
    }
}

/// What a target measured and the numbers behind it, or why it could not.
pub(crate) type Measurement = Result<(f64, String), String>;

/// `over / under` with its working: `alwayszero 10 / dirty/hw 2 = 5.00x`.
pub(crate) fn quotient_of(
    over: (&dyn fmt::Display, u64),
    under: (&dyn fmt::Display, u64),
) -> (f64, String) {
    let value = quotient(over.1 as f64, under.1 as f64);
    let detail = format!(
        "{} {} / {} {} = {}x",
        over.0,
        grouped(over.1),
        under.0,
        grouped(under.1),
        number(value)
    );
    (value, detail)
}

/// dirty/hw at `size`, untouched.
fn dirty_untouched(results: &BenchResults, size: AllocationSize) -> Result<u64, String> {
    need(results, DIRTY_HW, size, Written::Nothing)
}

/// alwayszero over dirty/hw at 100 MiB, untouched.
fn untouched_reuse(results: &BenchResults) -> Measurement {
    let size = AllocationSize::HUNDRED_MIB;
    let always = need(results, SETUPS[1], size, Written::Nothing)?;
    let dirty = dirty_untouched(results, size)?;
    Ok(quotient_of((&SETUPS[1], always), (&DIRTY_HW, dirty)))
}

/// dirty/hw at 1 GiB over dirty/hw at 128 KiB, untouched.
fn flat_in_size(results: &BenchResults) -> Measurement {
    let large = dirty_untouched(results, AllocationSize::mib(1024))?;
    let small = dirty_untouched(results, AllocationSize::kib(128))?;
    Ok(quotient_of(
        (&AllocationSize::mib(1024), large),
        (&AllocationSize::kib(128), small),
    ))
}

/// (cost − cost at written 0) / (k × one page clear) for dirty/hw at 100 MiB.
fn cost_per_written_page(results: &BenchResults, written: Written) -> Measurement {
    let size = AllocationSize::HUNDRED_MIB;
    let point = results
        .point(CLOCK, DIRTY_HW, size, written)
        .ok_or_else(|| format!("no dirty/hw point at {size}, written {written}, in this sweep"))?;
    let constant = dirty_untouched(results, size)?;
    let page_clear = need_baseline(results, CLEAR_100MIB)? as f64 / PAGES_IN_100MIB;
    let pages = point.point.written_pages;
    let extra = point.median_ticks as f64 - constant as f64;
    let value = quotient(extra, pages as f64 * page_clear);
    Ok((
        value,
        format!(
            "({} - {}) / ({} pages x {} per page clear) = {}",
            grouped(point.median_ticks),
            grouped(constant),
            grouped(pages),
            number(page_clear),
            number(value)
        ),
    ))
}

/// nocache over dirty/hw at 100 MiB, fully written.
fn fully_written(results: &BenchResults) -> Measurement {
    let size = AllocationSize::HUNDRED_MIB;
    let nocache = need(results, SETUPS[0], size, Written::Percent(100))?;
    let dirty = need(results, DIRTY_HW, size, Written::Percent(100))?;
    Ok(quotient_of((&SETUPS[0], nocache), (&DIRTY_HW, dirty)))
}

/// What the large-zero-page targets compare.
#[derive(Debug, Clone, Copy)]
enum Cost {
    /// Faults over the measured rounds.
    Faults,
    /// The median guest instructions per round.
    Instructions,
}

/// nocache reading every page of untouched 100 MiB: with the 4 KiB zero
/// page only (`read-4k`) over with the 2 MiB one (`read`).
fn large_zero_page(results: &BenchResults, cost: Cost) -> Measurement {
    let size = AllocationSize::HUNDRED_MIB;
    let nocache = SETUPS[0];
    let of = |written: Written| {
        let point = results
            .point(CLOCK, nocache, size, written)
            .ok_or_else(|| format!("no {nocache} point at {size}, {written}, in this sweep"))?;
        Ok::<u64, String>(match cost {
            Cost::Faults => point.point.faults,
            Cost::Instructions => point.median_ticks,
        })
    };
    let small = of(Written::ReadUntouchedSmallZero)?;
    let large = of(Written::ReadUntouched)?;
    Ok(quotient_of(
        (&"4 KiB zero page", small),
        (&"2 MiB zero page", large),
    ))
}

/// The median guest instructions of one frame allocation and free.
fn frame_alloc_free(results: &BenchResults) -> Measurement {
    let median = need_baseline(results, FRAME_ALLOC_FREE)?;
    let detail = format!("median {} guest instructions", grouped(median));
    Ok((median as f64, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{baseline, measured};

    /// Results that meet every target.
    fn passing() -> BenchResults {
        let hundred = AllocationSize::HUNDRED_MIB;
        let mut points = vec![
            measured(SETUPS[1], hundred, Written::Nothing, 30_000_000),
            measured(DIRTY_HW, hundred, Written::Nothing, 2_000),
            measured(DIRTY_HW, AllocationSize::mib(1024), Written::Nothing, 2_100),
            measured(DIRTY_HW, AllocationSize::kib(128), Written::Nothing, 1_900),
            measured(SETUPS[0], hundred, Written::Percent(100), 90_000_000),
            measured(SETUPS[1], hundred, Written::Percent(100), 30_000_000),
        ];
        for (written, ticks) in [
            (Written::OnePage, 3_000),
            (Written::Percent(10), 2_000 + 2_560 * 1_100),
            (Written::Percent(50), 2_000 + 12_800 * 1_100),
            (Written::Percent(100), 2_000 + 25_600 * 1_100),
        ] {
            points.push(measured(DIRTY_HW, hundred, written, ticks));
        }
        for (written, ticks, faults) in [
            (Written::ReadUntouched, 1_000_000, 150),
            (Written::ReadUntouchedSmallZero, 30_000_000, 76_800),
        ] {
            let mut point = measured(SETUPS[0], hundred, written, ticks);
            point.point.faults = faults;
            points.push(point);
        }
        BenchResults {
            points,
            guest_baselines: vec![
                baseline(CLEAR_100MIB, 25_600_000),
                baseline(FRAME_ALLOC_FREE, 150),
                baseline(crate::results::DUPLICATE_100MIB_10PCT, 1_000_000),
                baseline(crate::results::COPY_100MIB, 30_000_000),
            ],
            host_baselines: Vec::new(),
            cache_limits: None,
        }
    }

    #[test]
    fn all_targets_pass_on_good_numbers() {
        let targets = evaluate(&passing());
        assert_eq!(targets.len(), 13);
        for target in &targets {
            assert!(
                target.passed(),
                "{}: {} ({})",
                target.name,
                target.verdict,
                target.detail
            );
        }
        assert_eq!(targets[0].measured, Some(15_000.0));
        assert_eq!(
            targets[0].detail,
            "alwayszero 30,000,000 / dirty/hw 2,000 = 15,000x"
        );
        assert_eq!(targets[2].name, "cost per written page, 1 page at 100 MiB");
        assert_eq!(targets[5].name, "cost per written page, 100 % at 100 MiB");
        assert_eq!(
            targets[2].detail,
            "(3,000 - 2,000) / (1 pages x 1,000 per page clear) = 1.00"
        );
        assert_eq!(
            targets[8].detail,
            "4 KiB zero page 76,800 / 2 MiB zero page 150 = 512x"
        );
        assert_eq!(targets[9].measured, Some(30.0));
    }

    #[test]
    fn a_large_zero_page_that_saves_too_little_misses() {
        let mut results = passing();
        let read = results.points.len() - 2;
        results.points[read].point.faults = 76_800 / 40;
        results.points[read].median_ticks = 10_000_000;
        let targets = evaluate(&results);
        assert_eq!(targets[8].verdict, Verdict::Miss);
        assert_eq!(targets[8].measured, Some(40.0));
        assert_eq!(targets[9].verdict, Verdict::Miss);
        assert_eq!(targets[9].measured, Some(3.0));
    }

    #[test]
    fn misses_carry_their_numbers() {
        let mut results = passing();
        results.points[1].median_ticks = 100_000;
        results.guest_baselines[1].median_ticks = Some(250);
        let targets = evaluate(&results);
        assert_eq!(targets[0].verdict, Verdict::Miss);
        assert_eq!(targets[0].measured, Some(300.0));
        assert_eq!(targets[10].verdict, Verdict::Miss);
        assert_eq!(targets[10].detail, "median 250 guest instructions");
    }

    #[test]
    fn missing_points_are_not_available_with_the_reason() {
        let mut results = passing();
        results
            .points
            .retain(|point| point.point.size != AllocationSize::mib(1024));
        results.guest_baselines.clear();
        let targets = evaluate(&results);
        assert_eq!(
            targets[1].verdict,
            Verdict::NotAvailable("no dirty/hw point at 1 GiB, written 0, in this sweep".into())
        );
        assert_eq!(
            targets[2].verdict,
            Verdict::NotAvailable("no clear_100mib baseline was measured".into())
        );
        assert!(!targets[10].passed());
        let empty = evaluate(&BenchResults::default());
        assert!(
            empty
                .iter()
                .all(|t| matches!(t.verdict, Verdict::NotAvailable(_)))
        );
    }

    #[test]
    fn a_free_dirty_round_is_infinitely_cheaper() {
        let mut results = passing();
        results.points[1].median_ticks = 0;
        let targets = evaluate(&results);
        assert_eq!(targets[0].verdict, Verdict::Pass);
        assert!(targets[0].detail.ends_with("= infx"));
    }

    #[test]
    fn bounds_read_well() {
        assert_eq!(Bound::AtLeast(1000.0).to_string(), ">= 1,000");
        assert_eq!(Bound::AtMost(1.5).to_string(), "<= 1.50");
        assert!(Bound::AtMost(1.5).holds(1.5) && !Bound::AtLeast(2.0).holds(1.9));
    }
}
