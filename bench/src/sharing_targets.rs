//! The targets of copy-on-write sharing (issue 11): duplicating 100 MiB of
//! which 10 % was written costs work in proportion to the written pages,
//! not a 100 MiB copy.
//!
//! Both read two guest baselines (`mode=baseline`): `duplicate_100mib_10pct`
//! and `copy_100mib`, in guest instructions, so the verdicts are the same
//! on every run.

use crate::results::{BenchResults, COPY_100MIB, DUPLICATE_100MIB_10PCT};
use crate::targets::{Bound, Measurement, TargetResult, need_baseline, quotient, quotient_of};
use pristine::render::{grouped, number};

/// Pages in 100 MiB.
const PAGES_IN_100MIB: u64 = 25_600;
/// The pages the duplicate baseline wrote: 10 % of 100 MiB.
const WRITTEN_PAGES: u64 = PAGES_IN_100MIB / 10;

/// The targets of sharing, judged against `results`.
pub fn evaluate(results: &BenchResults) -> Vec<TargetResult> {
    vec![
        TargetResult::judge(
            "duplicate cost per written page".into(),
            "duplicating 100 MiB with 10 % written: cost per written page at most 1.25x one page copy",
            Bound::AtMost(1.25),
            per_written_page(results),
        ),
        TargetResult::judge(
            "duplicate vs copying 100 MiB".into(),
            "duplicating 100 MiB with 10 % written at least 8x cheaper than copying 100 MiB",
            Bound::AtLeast(8.0),
            against_copy(results),
        ),
    ]
}

/// (duplicate / written pages) / (copy of 100 MiB / pages in 100 MiB).
fn per_written_page(results: &BenchResults) -> Measurement {
    let duplicate = need_baseline(results, DUPLICATE_100MIB_10PCT)?;
    let copy = need_baseline(results, COPY_100MIB)?;
    let per_page = duplicate as f64 / WRITTEN_PAGES as f64;
    let page_copy = copy as f64 / PAGES_IN_100MIB as f64;
    let value = quotient(per_page, page_copy);
    Ok((
        value,
        format!(
            "({} / {} pages) / ({} / {} pages per page copy) = {}",
            grouped(duplicate),
            grouped(WRITTEN_PAGES),
            grouped(copy),
            grouped(PAGES_IN_100MIB),
            number(value)
        ),
    ))
}

/// Copying 100 MiB over duplicating it with 10 % written.
fn against_copy(results: &BenchResults) -> Measurement {
    let duplicate = need_baseline(results, DUPLICATE_100MIB_10PCT)?;
    let copy = need_baseline(results, COPY_100MIB)?;
    Ok(quotient_of(
        (&"copy 100 MiB", copy),
        (&"duplicate (10 % written)", duplicate),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Verdict;
    use crate::fixtures::baseline;

    fn results(duplicate: u64, copy: u64) -> BenchResults {
        BenchResults {
            guest_baselines: vec![
                baseline(DUPLICATE_100MIB_10PCT, duplicate),
                baseline(COPY_100MIB, copy),
            ],
            ..BenchResults::default()
        }
    }

    #[test]
    fn proportional_duplicates_pass_with_their_working() {
        let targets = evaluate(&results(3_200_000, 25_600_000));
        assert!(targets.iter().all(TargetResult::passed));
        assert_eq!(targets[0].measured, Some(1.25));
        assert_eq!(
            targets[0].detail,
            "(3,200,000 / 2,560 pages) / (25,600,000 / 25,600 pages per page copy) = 1.25"
        );
        assert_eq!(targets[1].measured, Some(8.0));
        let dearer = evaluate(&results(3_300_000, 25_600_000));
        assert_eq!(dearer[0].verdict, Verdict::Miss);
        assert_eq!(dearer[1].verdict, Verdict::Miss, "7.76x");
    }

    #[test]
    fn a_duplicate_that_copies_misses_both() {
        let targets = evaluate(&results(25_600_000, 25_600_000));
        assert_eq!(targets[0].verdict, Verdict::Miss);
        assert_eq!(targets[1].verdict, Verdict::Miss);
        assert_eq!(targets[1].measured, Some(1.0));
    }

    #[test]
    fn missing_baselines_are_not_available() {
        let targets = evaluate(&BenchResults::default());
        assert_eq!(
            targets[0].verdict,
            Verdict::NotAvailable("no duplicate_100mib_10pct baseline was measured".into())
        );
        assert!(!targets[1].passed());
    }
}
