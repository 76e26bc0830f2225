//! The few statistics the benchmark reports: median, spread, per-round means.
//!
//! Under `-icount` every round of a point costs the same instructions unless
//! the kernel's state differs between rounds, so the median of a handful of
//! rounds is the figure to report and the spread shows whether rounds
//! differed at all. Plain-TCG ticks are noisy; the median resists the odd
//! round that the host interrupted.

/// The median of `samples`: the middle value, or the mean of the two middle
/// values (rounded down) for an even count; `None` when there are none.
pub fn median(samples: &[u64]) -> Option<u64> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        len if len % 2 == 1 => sorted.get(middle).copied(),
        _ => {
            let low = u128::from(sorted[middle - 1]);
            let high = u128::from(sorted[middle]);
            u64::try_from((low + high) / 2).ok()
        }
    }
}

/// `total` spread over `rounds` rounds; zero rounds give zero.
pub fn per_round(total: u64, rounds: u64) -> f64 {
    if rounds == 0 {
        0.0
    } else {
        total as f64 / rounds as f64
    }
}

/// `numerator / denominator`, or `None` when the denominator is zero.
pub fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median(&[9, 1, 5]), Some(5));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(median(&[u64::MAX, u64::MAX]), Some(u64::MAX));
    }

    #[test]
    fn median_resists_one_outlier() {
        assert_eq!(median(&[100, 101, 99, 100_000, 100]), Some(100));
    }

    #[test]
    fn per_round_and_ratio_handle_zero() {
        assert_eq!(per_round(10, 4), 2.5);
        assert_eq!(per_round(10, 0), 0.0);
        assert_eq!(ratio(10, 4), Some(2.5));
        assert_eq!(ratio(10, 0), None);
    }
}
