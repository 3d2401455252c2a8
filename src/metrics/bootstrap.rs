//! Bootstrap resampling over samples (docs/scoring.md §12): confidence
//! intervals for a task's figures and the paired significance test of
//! `compare --paired-bs` (after sacrebleu's paired bootstrap).
//!
//! Pure and reproducible: resample `b` draws its indices from its own
//! SplitMix64 stream derived from `(seed, b)`, and sums run in index order,
//! so the same seed gives the same numbers on every machine and thread count.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::Interval;

/// SplitMix64 (Steele, Lea and Flood 2014; Vigna's reference code): a tiny
/// PRNG whose output is fixed by its 64-bit state on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`) by Lemire's multiply-shift; its bias,
    /// under n / 2^64, is far below anything a bootstrap can see.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// The independent stream of resample `index` under `seed`.
    fn stream(seed: u64, index: usize) -> Self {
        let mut mixer = SplitMix64::new(seed ^ (index as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
        SplitMix64::new(mixer.next_u64())
    }
}

/// For each of `resamples` resamples (with replacement, of the samples'
/// indices), the mean of every column. All columns share one resample (they
/// are the same samples), so `out[b][c]` is column `c`'s mean in resample
/// `b`. Columns must have equal length; with no samples every mean is 0.
pub fn resampled_means(columns: &[&[f64]], resamples: usize, seed: u64) -> Vec<Vec<f64>> {
    let n = columns.first().map_or(0, |c| c.len());
    (0..resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = SplitMix64::stream(seed, b);
            let mut sums = vec![0.0; columns.len()];
            for _ in 0..n {
                let i = rng.below(n);
                for (sum, column) in sums.iter_mut().zip(columns) {
                    *sum += column[i];
                }
            }
            sums.iter()
                .map(|s| if n == 0 { 0.0 } else { s / n as f64 })
                .collect()
        })
        .collect()
}

/// The `q` quantile (0..=1) of sorted values by linear interpolation between
/// order statistics (numpy's default); 0 for no values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return 0.0;
    };
    let h = last as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(last);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean and `level` percentile interval of values (sorted here).
fn summarise(mut values: Vec<f64>, level: f64) -> Interval {
    values.sort_by(f64::total_cmp);
    let mean = if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    Interval {
        mean,
        low: quantile(&values, (1.0 - level) / 2.0),
        high: quantile(&values, (1.0 + level) / 2.0),
    }
}

/// One column of every resample.
fn column_of(means: &[Vec<f64>], c: usize) -> Vec<f64> {
    means.iter().map(|m| m[c]).collect()
}

/// A confidence interval for the mean of each column (docs/scoring.md §12).
pub fn confidence_intervals(
    columns: &[&[f64]],
    resamples: usize,
    seed: u64,
    level: f64,
) -> Vec<Interval> {
    let means = resampled_means(columns, resamples, seed);
    (0..columns.len())
        .map(|c| summarise(column_of(&means, c), level))
        .collect()
}

/// The paired test of one figure: the observed difference of means
/// (candidate - baseline), its interval, and the p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedTest {
    /// Observed mean difference, candidate minus baseline.
    pub difference: f64,
    /// Bootstrap interval of the difference.
    pub interval: Interval,
    /// p = (c + 1) / (n + 1), c counting resamples whose mean-centred
    /// difference is at least the observed one in absolute value.
    pub p: f64,
}

/// Paired bootstrap over per-sample differences (docs/scoring.md §12): each
/// column pair holds the baseline's and the candidate's per-sample scores of
/// one figure on the samples both share, in the same order.
pub fn paired_tests(
    pairs: &[(&[f64], &[f64])],
    resamples: usize,
    seed: u64,
    level: f64,
) -> Vec<PairedTest> {
    let differences: Vec<Vec<f64>> = pairs
        .iter()
        .map(|(base, cand)| cand.iter().zip(*base).map(|(c, b)| c - b).collect())
        .collect();
    let columns: Vec<&[f64]> = differences.iter().map(Vec::as_slice).collect();
    let means = resampled_means(&columns, resamples, seed);
    differences
        .iter()
        .enumerate()
        .map(|(c, d)| {
            let observed = if d.is_empty() {
                0.0
            } else {
                d.iter().sum::<f64>() / d.len() as f64
            };
            let resampled = column_of(&means, c);
            // A tolerance keeps rounding noise in the sums from deciding a tie.
            let tolerance = 1e-12 * (1.0 + observed.abs());
            let extreme = resampled
                .iter()
                .filter(|m| (*m - observed).abs() + tolerance >= observed.abs())
                .count();
            PairedTest {
                difference: observed,
                interval: summarise(resampled, level),
                p: (extreme + 1) as f64 / (resamples + 1) as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splitmix64_matches_the_reference_output() {
        // Vigna's splitmix64.c from state 0: the first output is 0xe220a8397b1dcdaf.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut rng = SplitMix64::new(7);
        assert!((0..1000).all(|_| rng.below(3) < 3));
    }

    #[test]
    fn quantiles_by_hand() {
        // h = 3 * 0.25 = 0.75: 1 + 0.75 * (2 - 1).
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
        assert_eq!(quantile(&[5.0], 0.975), 5.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn constant_scores_have_a_zero_width_interval() {
        let ci = confidence_intervals(&[&[0.5; 7]], 200, 1, 0.95);
        assert_eq!(
            ci,
            vec![Interval {
                mean: 0.5,
                low: 0.5,
                high: 0.5
            }]
        );
        // No samples: every mean is 0 (the task scores 0).
        let none = confidence_intervals(&[&[]], 10, 1, 0.95);
        assert_eq!(
            none[0],
            Interval {
                mean: 0.0,
                low: 0.0,
                high: 0.0
            }
        );
    }

    #[test]
    fn two_samples_zero_and_one() {
        // Resample means of [0, 1] are 0, 0.5 or 1 with odds 1/4, 1/2, 1/4:
        // with 2000 resamples both ends occur far more than 2.5% of the time,
        // so the 95% interval is [0, 1] and the mean is near 0.5.
        let ci = confidence_intervals(&[&[0.0, 1.0]], 2000, 3, 0.95)[0];
        assert_eq!((ci.low, ci.high), (0.0, 1.0));
        assert!((ci.mean - 0.5).abs() < 0.03, "{}", ci.mean);
    }

    #[test]
    fn same_seed_same_numbers_other_seed_other_numbers() {
        let x: Vec<f64> = (0..50).map(|i| f64::from(i % 7) / 7.0).collect();
        let a = confidence_intervals(&[&x], 300, 42, 0.95);
        assert_eq!(a, confidence_intervals(&[&x], 300, 42, 0.95));
        assert_ne!(a, confidence_intervals(&[&x], 300, 43, 0.95));
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(
            a,
            one.install(|| confidence_intervals(&[&x], 300, 42, 0.95))
        );
    }

    #[test]
    fn a_run_against_itself_differs_by_zero_with_p_one() {
        // Every per-sample difference is 0, so every resampled difference is
        // 0 and |0 - 0| >= |0| counts all n: p = (n + 1) / (n + 1) = 1.
        let x = [0.2, 0.9, 0.4, 1.0];
        let t = paired_tests(&[(&x, &x)], 99, 5, 0.95)[0];
        assert_eq!((t.difference, t.p), (0.0, 1.0));
    }

    #[test]
    fn a_constant_shift_gives_the_smallest_p() {
        // Every sample gains 0.1: every resampled difference is exactly the
        // observed 0.1, the centred difference |0.1 - 0.1| = 0 never reaches
        // 0.1, so c = 0 and p = 1 / (n + 1) = 1/100.
        let base = [0.2, 0.5, 0.3, 0.6];
        let cand = base.map(|x| x + 0.1);
        let t = paired_tests(&[(&base, &cand)], 99, 5, 0.95)[0];
        assert!((t.difference - 0.1).abs() < 1e-12);
        assert_eq!(t.p, 0.01);
        assert!((t.interval.low - 0.1).abs() < 1e-12 && (t.interval.high - 0.1).abs() < 1e-12);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Four times the samples (the same values repeated) halve the
        /// standard error, so the interval must be narrower.
        #[test]
        fn interval_width_shrinks_as_samples_grow(
            pattern in proptest::collection::vec(0.0f64..=1.0, 4..12),
            seed in any::<u64>(),
        ) {
            let spread = pattern.iter().cloned().fold(f64::MIN, f64::max)
                - pattern.iter().cloned().fold(f64::MAX, f64::min);
            prop_assume!(spread > 0.1);
            let small: Vec<f64> = pattern.repeat(4);
            let large: Vec<f64> = pattern.repeat(16);
            let w_small = confidence_intervals(&[&small], 400, seed, 0.95)[0].width();
            let w_large = confidence_intervals(&[&large], 400, seed, 0.95)[0].width();
            prop_assert!(w_large < w_small, "{w_large} !< {w_small}");
        }
    }
}
