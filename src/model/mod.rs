//! The bottom layer: plain data every other layer shares and none owns
//! (docs/scoring.md §8, docs/results.md). Results ([`Evaluation`],
//! [`TaskResult`], [`Metric`], [`Counts`], [`SampleRecord`]), the results
//! document ([`ResultsDocument`]), figure [`names`], [`BenchmarkId`] and
//! [`Protocol`], the bootstrap's [`Confidence`] and the one set of
//! defaults ([`Settings`]). No I/O and no scoring here; this module imports
//! nothing of the crate but its error type and provenance.

pub mod benchmark;
pub mod confidence;
pub mod document;
pub mod group;
pub mod names;
pub mod result;
pub mod settings;
pub mod table;

pub use benchmark::{BenchmarkId, Protocol};
pub use confidence::{Confidence, Interval};
pub use document::{
    InputFile, Inputs, ModelInput, ResultEntry, ResultsDocument, RunInfo, RunSettings,
    TaxonomyInput,
};
pub use group::Group;
pub use result::{
    Counts, Evaluation, MatchedPair, Metric, SampleDetail, SampleRecord, SampleStatus, TaskResult,
};
pub use settings::{SemNorm, Settings, TiouMode};
pub use table::RowGroup;
