//! cuebench: a fast, exact evaluator for context-aware video anomaly
//! understanding (CueBench) and its sibling benchmarks.
//!
//! Data flows one way, one module per arrow:
//! files ([`formats`]) -> task samples ([`tasks`]) -> answers ([`extraction`])
//! -> embeddings ([`embedding`]) -> per-sample scores ([`metrics`])
//! -> aggregation ([`evaluate`]) -> output ([`report`]).
//!
//! [`evaluate::Session`] sets up a run once (annotations, taxonomy, samples,
//! model, vectors) and is what every entry point scores through: the CLI's
//! `eval`, `reward` and `bench`, the reward server and the Python package.
//!
//! Layers, bottom first. A module imports only from its own layer or the
//! ones below, and no two modules (nor two files) import each other; a unit
//! test reads every `crate::` path of every source file against this list:
//!
//! 1. `error`, `console`, `data_dir`, `provenance`, `intervals` - the ground floor
//! 2. `model` - plain data: results, the results document, names, the defaults
//! 3. `formats`, `config`, `signature` - reading files; signatures
//! 4. `taxonomy`, `wordnet`, `tasks`, `extraction` - the event tree, samples, answers
//! 5. `embedding`, `metrics` - vectors; pure per-sample scores
//! 6. `evaluate`, `synthetic`, `prompts`, `judge` - scoring sessions, aggregation, the LLM judge
//! 7. `benchmarks` - every benchmark and protocol, its registry and tables
//! 8. `reward`, `report`, `exchange`, `verify` - the reward line protocol; output (one
//!    renderer per format behind `report::render::Renderer`, every view through it);
//!    exchange formats (EEE, HF); re-deriving a claimed run
//! 9. `serve`, `commands` - the reward server; what each subcommand does
//! 10. `cli` - the command line: the binary's flags and printing (`src/cli/`,
//!     behind the `cli` feature)

pub mod benchmarks;
pub mod commands;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod embedding;
pub mod error;
pub mod evaluate;
pub mod exchange;
pub mod extraction;
pub mod formats;
pub mod intervals;
pub mod judge;
#[cfg(test)]
mod layering;
pub mod metrics;
pub mod model;
pub mod prompts;
pub mod provenance;
pub mod report;
pub mod reward;
#[cfg(feature = "serve")]
pub mod serve;
pub mod signature;
pub mod synthetic;
pub mod tasks;
pub mod taxonomy;
pub mod verify;
pub mod wordnet;

pub use error::{Error, Result};

/// The tool's version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The source revision this binary was built from (`git rev-parse --short
/// HEAD` at build time), or `unknown` when built outside a git checkout.
pub const REVISION: &str = env!("CUEBENCH_REVISION");
