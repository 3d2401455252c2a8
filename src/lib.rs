//! cuebench: a fast, exact evaluator for context-aware video anomaly
//! understanding (CueBench) and its sibling benchmarks.
//!
//! Data flows one way, one module per arrow (see `STYLE.md`):
//! files ([`formats`]) -> task samples ([`tasks`]) -> answers ([`extraction`])
//! -> embeddings ([`embedding`]) -> per-sample scores ([`metrics`])
//! -> aggregation ([`evaluate`]) -> output ([`report`]).

pub mod benchmarks;
pub mod error;
pub mod extraction;
pub mod formats;
pub mod metrics;
pub mod report;
pub mod tasks;

pub use error::{Error, Result};
