//! How a figure prints in every output format: percent with two decimals,
//! and its interval beside it (docs/scoring.md §8).

use crate::model::{Interval, TaskResult};

/// Percent with two decimals, as every report prints it (docs/scoring.md §8).
/// A value that rounds to zero prints `0.00`, never `-0.00`.
pub fn percent(value: f64) -> String {
    let text = format!("{value:.2}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.bytes().all(|b| matches!(b, b'0' | b'.')) => {
            magnitude.to_owned()
        }
        _ => text,
    }
}

/// A figure with its interval when it has one: `61.28 [59.90, 62.60]`
/// (the bootstrap's 2.5th and 97.5th percentiles, docs/results.md).
pub fn figure(value: f64, ci: Option<&Interval>) -> String {
    match ci {
        Some(ci) => format!(
            "{} [{}, {}]",
            percent(value),
            percent(ci.low),
            percent(ci.high)
        ),
        None => percent(value),
    }
}

/// Share of samples with `format_ok`, in percent.
pub fn format_percent(result: &TaskResult) -> f64 {
    if result.counts.samples == 0 {
        0.0
    } else {
        100.0 * result.counts.format_ok as f64 / result.counts.samples as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(percent(-0.0), "0.00");
        assert_eq!(percent(-0.004), "0.00");
        assert_eq!(percent(-0.005), "-0.01");
        assert_eq!(percent(12.345), "12.35");
    }

    #[test]
    fn intervals_print_beside_the_figure() {
        let ci = Interval {
            mean: 61.0,
            low: 59.9,
            high: 62.6,
        };
        assert_eq!(figure(61.28, Some(&ci)), "61.28 [59.90, 62.60]");
        assert_eq!(figure(61.28, None), "61.28");
    }
}
