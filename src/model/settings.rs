//! The one place every default of a run is written (docs/scoring.md §4,
//! §7, §10): one [`Settings`] with one [`Default`], read by the command
//! line's flags, the Python package's keyword arguments and the reward
//! server alike, so they cannot drift apart.

use std::fmt;
use std::str::FromStr;

/// Every choice of a run that has a default: the scoring choices (all in
/// the signature, docs/scoring.md §8), Eq. 5's lambda and the speed knob
/// `batch_size` (never changes a number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// `--tiou`: how grounding and detection's TIoU is computed.
    pub tiou: TiouMode,
    /// `--sem-norm`: how the matched cosines are normalised.
    pub sem_norm: SemNorm,
    /// `--tau`, the hierarchy cut-off in [0, 1] (docs/scoring.md §4).
    pub tau: f64,
    /// `--lambda`: Eq. 5's weight of the semantic reward against the
    /// hierarchy reward (docs/scoring.md §7).
    pub lambda: f64,
    /// `--batch-size`: texts per model call.
    pub batch_size: usize,
    /// `--top-k`: the separate protocol's recognition scores the best of the
    /// first K labels (docs/scoring.md §10).
    pub top_k: usize,
    /// `--threshold`: the separate protocol's frame score above which a
    /// frame is anomalous (docs/scoring.md §10).
    pub threshold: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tiou: TiouMode::Union,
            sem_norm: SemNorm::Rt,
            tau: 1.0,
            // The paper's best balance between semantic and hierarchy rewards.
            lambda: 0.2,
            batch_size: 32,
            top_k: 5,
            threshold: 0.5,
        }
    }
}

/// How the task-level TIoU is computed (`--tiou`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TiouMode {
    /// Merge each side's intervals, then |P ∩ G| / |P ∪ G| over time.
    Union,
    /// Hungarian assignment on pairwise IoU, normalised by 1/(r*t).
    Matched,
}

impl TiouMode {
    /// The name used on the command line and in the signature.
    pub fn name(self) -> &'static str {
        match self {
            TiouMode::Union => "union",
            TiouMode::Matched => "matched",
        }
    }
}

impl std::str::FromStr for TiouMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "union" => Ok(TiouMode::Union),
            "matched" => Ok(TiouMode::Matched),
            _ => Err(format!(
                "unknown TIoU mode `{s}` (expected union or matched)"
            )),
        }
    }
}

/// How the matched cosines are normalised (`--sem-norm`, docs/scoring.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SemNorm {
    /// Divide by r*t, the paper's Eq. 3 (the default).
    Rt,
    /// Divide by max(r, t): a perfect answer scores 1 whatever its length.
    Max,
}

impl FromStr for SemNorm {
    type Err = String;

    /// Parses `rt` or `max`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rt" => Ok(SemNorm::Rt),
            "max" => Ok(SemNorm::Max),
            _ => Err(format!("unknown --sem-norm `{s}` (expected rt or max)")),
        }
    }
}

impl fmt::Display for SemNorm {
    /// `rt` or `max`, as the signature records it (docs/scoring.md §8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SemNorm::Rt => "rt",
            SemNorm::Max => "max",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!("rt".parse(), Ok(SemNorm::Rt));
        assert_eq!("max".parse(), Ok(SemNorm::Max));
        assert!("RT".parse::<SemNorm>().is_err());
        assert_eq!(SemNorm::Max.to_string(), "max");
        assert_eq!(Settings::default().sem_norm, SemNorm::Rt);
    }
}
