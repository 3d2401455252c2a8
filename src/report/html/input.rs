//! What the HTML report reads: a results document (`eval --format json`,
//! `DIR/results.json`, or `DIR`; docs/scoring.md §11) and, where the run
//! wrote them, its per-sample files `samples_<task>.jsonl`.
//!
//! Reading is lenient about what the report does not draw (unknown fields are
//! ignored, provenance is kept as written) and strict about what it does:
//! the schema name, the task list and each figure's name and value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::formats::records::{jsonl_records, read_text};

/// The `schema` value of a results document.
const SCHEMA: &str = "cuebench-results";
/// The document's name inside an `--output` folder.
const RESULTS_FILE: &str = "results.json";

/// One run (one model's results) as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The label: the document's `name`, else the file or folder name.
    pub name: String,
    /// The results document.
    pub document: Document,
    /// Each task's sample lines, where the run wrote a per-sample file.
    pub samples: BTreeMap<String, Vec<SampleLine>>,
}

/// A results document; provenance fields are kept as JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Document {
    /// Tool name, version and revision.
    #[serde(default)]
    pub tool: Value,
    /// UTC creation time.
    #[serde(default)]
    pub created: Option<String>,
    /// The command line.
    #[serde(default)]
    pub command: Vec<String>,
    /// The model's label.
    #[serde(default)]
    pub name: Option<String>,
    /// `cuebench`, `vau-bench` or `vad-reasoning`.
    #[serde(default)]
    pub benchmark: Option<String>,
    /// `unified` or `separate`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Input files with their hashes.
    #[serde(default)]
    pub inputs: Value,
    /// Scoring and bootstrap settings.
    #[serde(default)]
    pub settings: Value,
    /// One entry per task.
    pub results: Vec<Entry>,
}

/// One task's result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Entry {
    /// The benchmark.
    pub benchmark: String,
    /// The task.
    pub task: String,
    /// The signature.
    #[serde(default)]
    pub signature: String,
    /// The counts, as written.
    #[serde(default)]
    pub counts: Value,
    /// Figures in percent.
    pub metrics: Vec<Figure>,
    /// The per-sample file beside the document.
    #[serde(default)]
    pub samples_file: Option<String>,
    /// Per-group figures (`eval --by`).
    #[serde(default)]
    pub groups: Vec<GroupFigures>,
}

/// A figure in percent, with its bootstrap interval when there is one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Figure {
    /// E.g. `Struct`.
    pub name: String,
    /// Percent.
    pub value: f64,
    /// The interval (`eval --confidence`).
    #[serde(default)]
    pub ci: Option<Interval>,
}

/// A bootstrap interval, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// One group's figures (see `evaluate::groups`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GroupFigures {
    /// E.g. `branch`.
    pub by: String,
    /// E.g. `anomaly`.
    pub group: String,
    /// Samples in the group.
    pub samples: usize,
    /// Marked as small.
    #[serde(default)]
    pub small: bool,
    /// The task's figures over the group.
    pub metrics: Vec<Figure>,
}

/// One line of `samples_<task>.jsonl`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SampleLine {
    /// The sample id.
    pub id: String,
    /// `scored`, `missing` or `parse_failed`.
    pub status: String,
    /// The model's raw response.
    #[serde(default)]
    pub response: Option<String>,
    /// The extracted answer elements.
    #[serde(default)]
    pub answer: Value,
    /// The ground-truth elements.
    #[serde(default)]
    pub truth: Value,
    /// The matched pairs.
    #[serde(default)]
    pub pairs: Vec<Value>,
    /// Per-sample scores in [0, 1].
    #[serde(default)]
    pub scores: BTreeMap<String, f64>,
}

/// The results document `path` names: itself, or `results.json` in a folder.
pub fn results_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_owned()
    }
}

/// Reads one run from a results file or an `--output` folder.
pub fn read_run(path: &Path) -> Result<Run> {
    let file = results_file(path);
    let text = read_text(&file)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Json {
        path: file.clone(),
        line: e.line(),
        message: e.to_string(),
    })?;
    if value.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
        return Err(Error::Field {
            path: file,
            line: 1,
            field: "schema".into(),
            message: format!(
                "missing or not \"{SCHEMA}\": write results with `cuebench eval --format json` or `--output DIR`"
            ),
        });
    }
    let document: Document = serde_json::from_str(&text).map_err(|e| Error::Json {
        path: file.clone(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut samples = BTreeMap::new();
    for entry in &document.results {
        if let Some(name) = &entry.samples_file {
            samples.insert(entry.task.clone(), read_samples(&folder.join(name))?);
        }
    }
    let name = document.name.clone().unwrap_or_else(|| label_of(path));
    Ok(Run {
        name,
        document,
        samples,
    })
}

/// The file or folder name, without `.json`.
fn label_of(path: &Path) -> String {
    let named = if path.ends_with(RESULTS_FILE) {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    named.file_stem().map_or_else(
        || named.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

fn read_samples(path: &Path) -> Result<Vec<SampleLine>> {
    let text = read_text(path)?;
    jsonl_records(&text, path)
        .map(|record| {
            let record = record?;
            serde_json::from_value(record.value).map_err(|e| Error::Json {
                path: path.to_owned(),
                line: record.line,
                message: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_brings_its_samples_and_a_file_without_name_is_labelled_by_its_stem() {
        let dir = tempfile::tempdir().unwrap();
        let doc = r#"{"schema": "cuebench-results", "schema_version": 1,
            "results": [{"benchmark": "cuebench", "task": "event",
              "metrics": [{"name": "Struct", "value": 50.0, "ci": {"mean": 50.0, "low": 40.0, "high": 60.0}}],
              "samples_file": "samples_event.jsonl", "groups": []}]}"#;
        std::fs::write(dir.path().join("results.json"), doc).unwrap();
        std::fs::write(
            dir.path().join("samples_event.jsonl"),
            "{\"id\": \"v1\", \"status\": \"scored\", \"scores\": {\"Struct\": 0.5}}\n",
        )
        .unwrap();
        let run = read_run(dir.path()).unwrap();
        assert_eq!(run.samples["event"][0].scores["Struct"], 0.5);
        assert_eq!(run.document.results[0].metrics[0].ci.unwrap().low, 40.0);
        let expected = dir.path().file_name().unwrap().to_string_lossy();
        assert_eq!(run.name, expected);
    }

    #[test]
    fn anything_but_a_results_document_names_the_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(&path, r#"[{"task": "event"}]"#).unwrap();
        let message = read_run(&path).unwrap_err().to_string();
        assert!(message.contains("old.json:1: field `schema`"), "{message}");
        std::fs::write(
            &path,
            r#"{"schema": "cuebench-results", "results": [{"task": 1}]}"#,
        )
        .unwrap();
        let message = read_run(&path).unwrap_err().to_string();
        assert!(message.contains("old.json:1: invalid JSON"), "{message}");
    }
}
