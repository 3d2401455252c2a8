//! The versioned results document (docs/results.md, docs/scoring.md §11)
//! as data: what `eval --format json` prints and `eval --output DIR`
//! writes as `DIR/results.json`, and what `compare`, `leaderboard` and
//! `report` read (reading and writing live in `report::results`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::benchmark::{BenchmarkId, Protocol};
use super::confidence::Confidence;
use super::group::Group;
use super::result::TaskResult;
use crate::error::Result;
use crate::provenance::{Tool, created_utc};

/// The document's `schema` value.
pub const SCHEMA: &str = "cuebench-results";
/// The document's `schema_version`; readers accept this and older ones.
/// Version 2 records each per-sample file's sha256 and sample count
/// (`samples_sha256`, `samples_count`), which a reader then requires.
pub const SCHEMA_VERSION: u32 = 2;
/// The document's file name inside an `--output` folder.
pub const RESULTS_FILE: &str = "results.json";

/// A whole run, described well enough to be trusted and reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsDocument {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// UTC creation time (`SOURCE_DATE_EPOCH` overrides the clock).
    pub created: String,
    /// What was run, on what, with which settings.
    #[serde(flatten)]
    pub run: RunInfo,
    /// One entry per task, in task order.
    pub results: Vec<ResultEntry>,
}

/// A file the run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as given on the command line (`-`: standard input).
    pub path: PathBuf,
    /// sha256 of its bytes, lower-case hex; `null` for standard input.
    pub sha256: Option<String>,
}

/// The taxonomy a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyInput {
    /// `--taxonomy`; `null` for the built-in one.
    pub path: Option<PathBuf>,
    /// Its name, e.g. `cuebench-reconstructed`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// sha256 of its text.
    pub sha256: String,
}

/// The embedding model a run used (absent when nothing was embedded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInput {
    /// The model folder.
    pub path: PathBuf,
    /// The manifest's name.
    pub name: String,
    /// sha256 of the model file.
    pub sha256: String,
    /// `mean` or `cls` (`null` for a model without a manifest).
    pub pooling: Option<String>,
    /// Truncation length in tokens.
    pub max_length: Option<usize>,
    /// Whether vectors are L2-normalised.
    pub normalize: Option<bool>,
}

/// The inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The annotation (ground-truth) file.
    pub annotations: InputFile,
    /// Every predictions file read.
    pub predictions: Vec<InputFile>,
    /// The taxonomy (CueBench only).
    pub taxonomy: Option<TaxonomyInput>,
    /// The embedding model (runs with a semantic score only).
    pub model: Option<ModelInput>,
}

/// Scoring settings (benchmark-specific keys, e.g. `tiou`, `sem_norm`,
/// `tau`) and the bootstrap settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// The benchmark's scoring choices, by name.
    #[serde(flatten)]
    pub scoring: serde_json::Map<String, Value>,
    /// `--confidence` settings; `null` when off.
    pub confidence: Option<Confidence>,
}

/// One task's result as the document holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultEntry {
    /// Counts, figures (full precision, with intervals when asked) and signature.
    #[serde(flatten)]
    pub result: TaskResult,
    /// The per-sample file beside `results.json` (`--output` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_file: Option<String>,
    /// sha256 of `samples_file`'s bytes, lower-case hex (schema version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_sha256: Option<String>,
    /// The number of sample lines in `samples_file` (schema version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_count: Option<usize>,
    /// Per-group figures (`--by`, docs/report.md); empty otherwise.
    #[serde(default)]
    pub groups: Vec<Group>,
}

impl ResultEntry {
    /// The entry of `result` alone: no per-sample file, no groups.
    pub fn of(result: TaskResult) -> Self {
        ResultEntry {
            result,
            samples_file: None,
            samples_sha256: None,
            samples_count: None,
            groups: Vec::new(),
        }
    }
}

/// What a run was, besides its results: the part of the document a run
/// describes itself with (the rest is the header and the results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The model's label (`--name`; default: the predictions' file or folder name).
    pub name: String,
    /// The benchmark.
    pub benchmark: BenchmarkId,
    /// `unified`, or `separate` (paper Table 3).
    pub protocol: Protocol,
    /// Every input file with its sha256.
    pub inputs: Inputs,
    /// Every setting that was in force.
    pub settings: RunSettings,
}

impl ResultsDocument {
    /// The document of a run made now by this tool (`SOURCE_DATE_EPOCH`
    /// fixes "now").
    pub fn new(info: RunInfo, results: Vec<TaskResult>) -> Result<Self> {
        Ok(ResultsDocument {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            tool: Tool::this(),
            created: created_utc()?,
            run: info,
            results: results.into_iter().map(ResultEntry::of).collect(),
        })
    }

    /// The document as pretty JSON ending in a newline; numbers at full
    /// precision (shortest round-trip form).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The task results, in order.
    pub fn task_results(&self) -> Vec<TaskResult> {
        self.results.iter().map(|e| e.result.clone()).collect()
    }
}

/// A CueBench task result with `metrics` (percent, no intervals) and empty
/// counts, for unit tests.
#[cfg(test)]
pub(crate) fn result_for_tests(task: &str, signature: &str, metrics: &[(&str, f64)]) -> TaskResult {
    TaskResult {
        benchmark: BenchmarkId::CueBench,
        task: task.into(),
        signature: signature.into(),
        counts: Default::default(),
        metrics: metrics
            .iter()
            .map(|(n, v)| super::result::Metric {
                name: n.to_string(),
                value: *v,
                ci: None,
            })
            .collect(),
    }
}

/// A document around `results` with fixed provenance, for unit tests.
#[cfg(test)]
pub(crate) fn for_tests(results: Vec<TaskResult>) -> ResultsDocument {
    ResultsDocument {
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        created: "1970-01-01T00:00:00Z".into(),
        run: RunInfo {
            command: vec!["cuebench".into(), "eval".into()],
            name: "model".into(),
            benchmark: BenchmarkId::CueBench,
            protocol: Protocol::Unified,
            inputs: Inputs {
                annotations: InputFile {
                    path: "a.json".into(),
                    sha256: Some("00".repeat(32)),
                },
                predictions: Vec::new(),
                taxonomy: None,
                model: None,
            },
            settings: RunSettings {
                scoring: serde_json::Map::new(),
                confidence: None,
            },
        },
        results: results.into_iter().map(ResultEntry::of).collect(),
    }
}
