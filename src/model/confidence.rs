//! Bootstrap confidence intervals as data (docs/scoring.md §12): the
//! settings of `--confidence` with their defaults, and the interval each
//! resampled figure carries.

use serde::{Deserialize, Serialize};

/// The bootstrap settings of `--confidence` (and `compare --paired-bs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// Resamples (`--confidence-n`, `--paired-bs-n`).
    pub n: usize,
    /// `--seed`: the same seed gives the same intervals everywhere.
    pub seed: u64,
    /// Coverage: 0.95, the 2.5th and 97.5th percentiles.
    pub level: f64,
}

impl Default for Confidence {
    /// 1,000 resamples, seed 12345, 95% coverage (docs/scoring.md §12).
    fn default() -> Self {
        Confidence {
            n: 1000,
            seed: 12345,
            level: 0.95,
        }
    }
}

/// A bootstrap estimate: the mean over resamples and the percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Mean of the resampled statistic.
    pub mean: f64,
    /// Lower percentile, (1 - level) / 2.
    pub low: f64,
    /// Upper percentile, (1 + level) / 2.
    pub high: f64,
}

impl Interval {
    /// The interval's width.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }

    /// Every bound multiplied by `factor` (e.g. 100 for percent).
    pub fn scaled(self, factor: f64) -> Self {
        Interval {
            mean: self.mean * factor,
            low: self.low * factor,
            high: self.high * factor,
        }
    }
}
