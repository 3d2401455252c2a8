//! Which benchmark and protocol a result belongs to, as values rather than
//! strings: the results document (docs/results.md) writes them by name, and
//! every reader compares the enums.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A benchmark cuebench scores (its `--bench` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BenchmarkId {
    /// CueBench (docs/scoring.md).
    #[serde(rename = "cuebench")]
    CueBench,
    /// VAU-Bench (docs/vau-bench.md).
    #[serde(rename = "vau-bench")]
    VauBench,
    /// Vad-Reasoning (docs/vad-reasoning.md).
    #[serde(rename = "vad-reasoning")]
    VadReasoning,
}

impl BenchmarkId {
    /// Every benchmark, in registry order.
    pub const ALL: [BenchmarkId; 3] = [
        BenchmarkId::CueBench,
        BenchmarkId::VauBench,
        BenchmarkId::VadReasoning,
    ];

    /// The name on the command line and in results, e.g. `vau-bench`.
    pub fn name(self) -> &'static str {
        match self {
            BenchmarkId::CueBench => "cuebench",
            BenchmarkId::VauBench => "vau-bench",
            BenchmarkId::VadReasoning => "vad-reasoning",
        }
    }
}

/// How a benchmark's predictions are laid out and scored (`--protocol`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// One model answers every task in the unified format (paper Table 2);
    /// the protocol of every benchmark but CueBench's separate one.
    #[default]
    Unified,
    /// CueBench's protocol for specialised models (paper Table 3,
    /// docs/scoring.md §10).
    Separate,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 2] = [Protocol::Unified, Protocol::Separate];

    /// The name on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Unified => "unified",
            Protocol::Separate => "separate",
        }
    }
}

/// Implements `Display` (the name) and `FromStr` (the name back; the error
/// lists every name) for a name enum with `ALL` and `name()`.
macro_rules! named {
    ($type:ty, $what:literal) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $type {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$type>::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = <$type>::ALL.iter().map(|v| v.name()).collect();
                        format!(
                            "unknown {} `{s}` (expected one of: {})",
                            $what,
                            names.join(", ")
                        )
                    })
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.name() == *other
            }
        }
    };
}

named!(BenchmarkId, "benchmark");
named!(Protocol, "protocol");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for b in BenchmarkId::ALL {
            assert_eq!(b.name().parse::<BenchmarkId>(), Ok(b));
            assert_eq!(serde_json::to_string(&b).unwrap(), format!("\"{b}\""));
        }
        for p in Protocol::ALL {
            assert_eq!(p.name().parse::<Protocol>(), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        assert!(
            "x".parse::<Protocol>()
                .unwrap_err()
                .contains("unified, separate")
        );
    }
}
