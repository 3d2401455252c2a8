//! cuebench: a fast, exact evaluator for context-aware video anomaly
//! understanding (CueBench) and its sibling benchmarks.
//!
//! Data flows one way, one module per arrow:
//! files ([`formats`]) -> task samples ([`tasks`]) -> answers ([`extraction`])
//! -> embeddings ([`embedding`]) -> per-sample scores ([`metrics`])
//! -> aggregation ([`evaluate`]) -> output ([`report`]).
//!
//! Plain data sits on the ground floor, imported by everything above it:
//! [`intervals`] (time), [`taxonomy`] (the event tree), [`wordnet`]. Metrics
//! import nothing above them. [`evaluate::Session`] sets up a run once
//! (annotations, taxonomy, samples, model, vectors) and is what every entry
//! point scores through: the CLI's `eval`, `reward` and `bench`, the reward
//! server and the Python package.

pub mod benchmarks;
pub mod commands;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod embedding;
pub mod error;
pub mod evaluate;
pub mod extraction;
pub mod formats;
pub mod intervals;
pub mod judge;
pub mod metrics;
pub mod prompts;
pub mod provenance;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod signature;
pub mod synthetic;
pub mod tasks;
pub mod taxonomy;
pub mod wordnet;

pub use error::{Error, Result};

/// The tool's version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The source revision this binary was built from (`git rev-parse --short
/// HEAD` at build time), or `unknown` when built outside a git checkout.
pub const REVISION: &str = env!("CUEBENCH_REVISION");
