//! The versioned results document (docs/results.md, docs/scoring.md §11):
//! what `eval --format json` prints and `eval --output DIR` writes as
//! `DIR/results.json`, and what `compare`, `leaderboard` and `report` read.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::figures::Confidence;
use super::{Evaluation, SampleDetail, SampleRecord, SampleStatus, TaskResult};
use crate::error::{Error, Result};
use crate::evaluate::groups::{Group, sample_memberships};
use crate::formats::records::{read_text, write_output as write_output_file};
use crate::provenance::{Tool, created_utc};

/// The document's `schema` value.
pub const SCHEMA: &str = "cuebench-results";
/// The document's `schema_version`; readers accept this and older ones.
pub const SCHEMA_VERSION: u32 = 1;
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
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The model's label (`--name`; default: the predictions' file or folder name).
    pub name: String,
    /// `cuebench`, `vau-bench` or `vad-reasoning`.
    pub benchmark: String,
    /// `unified`, or `separate` (paper Table 3).
    pub protocol: String,
    /// Every input file with its sha256.
    pub inputs: Inputs,
    /// Every setting that was in force.
    pub settings: Settings,
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
pub struct Settings {
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
    /// Per-group figures (`--by`, docs/report.md); empty otherwise.
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// What a run was, besides its results.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The model's label.
    pub name: String,
    /// The benchmark.
    pub benchmark: String,
    /// The protocol (`unified` or `separate`).
    pub protocol: String,
    /// Every input with its hash.
    pub inputs: Inputs,
    /// Every setting.
    pub settings: Settings,
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
            command: info.command,
            name: info.name,
            benchmark: info.benchmark,
            protocol: info.protocol,
            inputs: info.inputs,
            settings: info.settings,
            results: results
                .into_iter()
                .map(|result| ResultEntry {
                    result,
                    samples_file: None,
                    groups: Vec::new(),
                })
                .collect(),
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

/// One line of `samples_<task>.jsonl` (docs/results.md): id, status, what
/// was compared (when known) and the per-sample scores in [0, 1].
pub fn sample_line(record: &SampleRecord) -> Value {
    let mut line = serde_json::Map::new();
    line.insert("id".into(), record.id.clone().into());
    line.insert(
        "status".into(),
        serde_json::to_value(record.status).unwrap_or_default(),
    );
    match &record.detail {
        Some(d) => {
            line.insert("format_ok".into(), d.format_ok.into());
            if let Some(response) = &d.response {
                line.insert("response".into(), response.clone().into());
            }
            line.insert(
                "answer".into(),
                d.answer.clone().map_or(Value::Null, Value::from),
            );
            line.insert("truth".into(), d.truth.clone().into());
            line.insert(
                "pairs".into(),
                serde_json::to_value(&d.pairs).unwrap_or_default(),
            );
            line.insert("dropped_intervals".into(), d.dropped_intervals.into());
            if let Some(judge) = &d.judge {
                line.insert(
                    "judge".into(),
                    serde_json::to_value(judge).unwrap_or_default(),
                );
            }
        }
        None => {
            line.insert("pairs".into(), Value::Array(Vec::new()));
        }
    }
    let scores: serde_json::Map<String, Value> = record
        .scores
        .iter()
        .map(|(k, v)| (k.clone(), (*v).into()))
        .collect();
    line.insert("scores".into(), scores.into());
    Value::Object(line)
}

/// The per-sample file name of a task.
pub fn samples_file_name(task: &str) -> String {
    format!("samples_{task}.jsonl")
}

/// Writes `eval --output DIR`: `DIR/samples_<task>.jsonl` per evaluation
/// (sorted by id) and `DIR/results.json` naming them, each atomically and
/// never over one of `inputs`.
pub fn write_output(
    dir: &Path,
    document: &mut ResultsDocument,
    evaluations: &[Evaluation],
    inputs: &[&Path],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    for (entry, evaluation) in document.results.iter_mut().zip(evaluations) {
        let name = samples_file_name(&entry.result.task);
        let memberships = sample_memberships(&entry.groups, evaluation.samples.len());
        let mut text = String::new();
        for (record, groups) in evaluation.samples.iter().zip(memberships) {
            let mut line = sample_line(record);
            if !groups.is_empty() {
                line["groups"] = Value::Object(groups);
            }
            text.push_str(&line.to_string());
            text.push('\n');
        }
        write_output_file(&dir.join(&name), text.as_bytes(), inputs)?;
        entry.samples_file = Some(name);
    }
    write_output_file(
        &dir.join(RESULTS_FILE),
        document.to_json().as_bytes(),
        inputs,
    )
}

/// One line of a `samples_<task>.jsonl` file as read back: the detail
/// fields are present only when the writer knew them.
#[derive(Debug, Deserialize)]
struct SampleLine {
    id: String,
    status: SampleStatus,
    scores: serde_json::Map<String, Value>,
    #[serde(flatten)]
    detail: Option<SampleDetail>,
}

/// Reads a per-sample file (docs/results.md) back into records, with their
/// detail when the file holds it; a line that is not one names file and line.
pub fn read_samples_file(path: &Path) -> Result<Vec<SampleRecord>> {
    let text = read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line: SampleLine = serde_json::from_str(l).map_err(|e| Error::Json {
                path: path.to_owned(),
                line: i + 1,
                message: e.to_string(),
            })?;
            let scores = line
                .scores
                .into_iter()
                .filter_map(|(k, v)| v.as_f64().map(|x| (k, x)))
                .collect();
            Ok(SampleRecord {
                id: line.id,
                status: line.status,
                scores,
                detail: line.detail.map(Box::new),
            })
        })
        .collect()
}

/// The per-sample records of `entry`, from its file beside the document
/// read from `path`; `None` when the run wrote none.
pub fn read_entry_samples(path: &Path, entry: &ResultEntry) -> Result<Option<Vec<SampleRecord>>> {
    let Some(file) = entry.samples_file.as_deref() else {
        return Ok(None);
    };
    let dir = results_path(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    read_samples_file(&dir.join(file)).map(Some)
}

/// `path` itself, or `path/results.json` when `path` is a folder.
pub fn results_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_owned()
    }
}

/// Reads a results document from a file or an `--output` folder. Anything
/// that is not one (an array, `{"results": null}`, a string, an older
/// result format), holds no task, or holds a task twice is an input error
/// naming the file and field.
pub fn read_document(path: &Path) -> Result<ResultsDocument> {
    let path = results_path(path);
    let text = read_text(&path)?;
    let json_error = |e: serde_json::Error| Error::Json {
        path: path.clone(),
        line: e.line(),
        message: e.to_string(),
    };
    let value: Value = serde_json::from_str(&text).map_err(json_error)?;
    let field = |field: &str, message: String| Error::Field {
        path: path.clone(),
        line: 1,
        field: field.into(),
        message,
    };
    let Value::Object(object) = &value else {
        return Err(field(
            "schema",
            format!(
                "expected a results object with \"schema\": \"{SCHEMA}\", found {}; write one with \
                 `cuebench eval --format json` or `--output DIR`",
                crate::formats::records::kind(&value)
            ),
        ));
    };
    match object.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        _ => {
            return Err(field(
                "schema",
                format!(
                    "missing or not \"{SCHEMA}\" (a result from cuebench before 0.2? rerun `cuebench eval --format json`)"
                ),
            ));
        }
    }
    match object.get("schema_version").and_then(Value::as_u64) {
        Some(v) if (1..=u64::from(SCHEMA_VERSION)).contains(&v) => {}
        _ => {
            return Err(field(
                "schema_version",
                format!(
                    "expected a number from 1 to {SCHEMA_VERSION} (a newer cuebench wrote it?)"
                ),
            ));
        }
    }
    match object.get("results") {
        Some(Value::Array(items)) if !items.is_empty() => {}
        Some(Value::Array(_)) => return Err(field("results", "empty: no task to read".into())),
        other => {
            return Err(field(
                "results",
                format!(
                    "expected a list of task results, found {}",
                    other.map_or("nothing", crate::formats::records::kind)
                ),
            ));
        }
    }
    // Parsing the text (not the value) keeps line numbers in the message.
    let document: ResultsDocument = serde_json::from_str(&text).map_err(json_error)?;
    let mut seen = HashSet::new();
    for (i, entry) in document.results.iter().enumerate() {
        let key = (entry.result.benchmark.as_str(), entry.result.task.as_str());
        if !seen.insert(key) {
            return Err(field(
                &format!("results[{i}].task"),
                format!(
                    "{}/{} appears twice; a results document holds each task once",
                    key.0, key.1
                ),
            ));
        }
    }
    Ok(document)
}

/// A CueBench task result with `metrics` (percent, no intervals) and empty
/// counts, for unit tests.
#[cfg(test)]
pub(crate) fn result_for_tests(task: &str, signature: &str, metrics: &[(&str, f64)]) -> TaskResult {
    TaskResult {
        benchmark: "cuebench".into(),
        task: task.into(),
        signature: signature.into(),
        counts: Default::default(),
        metrics: metrics
            .iter()
            .map(|(n, v)| super::Metric {
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
        command: vec!["cuebench".into(), "eval".into()],
        name: "model".into(),
        benchmark: "cuebench".into(),
        protocol: "unified".into(),
        inputs: Inputs {
            annotations: InputFile {
                path: "a.json".into(),
                sha256: Some("00".repeat(32)),
            },
            predictions: Vec::new(),
            taxonomy: None,
            model: None,
        },
        settings: Settings {
            scoring: serde_json::Map::new(),
            confidence: None,
        },
        results: results
            .into_iter()
            .map(|result| ResultEntry {
                result,
                samples_file: None,
                groups: Vec::new(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Counts, Metric};

    fn document(tasks: &[&str]) -> ResultsDocument {
        for_tests(
            tasks
                .iter()
                .map(|t| TaskResult {
                    benchmark: "cuebench".into(),
                    task: (*t).into(),
                    signature: format!("cuebench:2|task:{t}|version:0.2.0"),
                    counts: Counts::default(),
                    metrics: vec![Metric::from_mean("Struct", 0.123_456_789)],
                })
                .collect(),
        )
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn round_trips_at_full_precision_from_a_file_or_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let doc = document(&["event", "scene"]);
        let json = doc.to_json();
        assert!(json.contains("\"value\": 12.3456789"), "{json}");
        assert!(!json.contains("samples_file"));
        write(dir.path(), RESULTS_FILE, &json);
        assert_eq!(read_document(dir.path()).unwrap(), doc);
        assert_eq!(read_document(&dir.path().join(RESULTS_FILE)).unwrap(), doc);
    }

    #[test]
    fn what_is_not_a_results_document_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let good = document(&["event"]).to_json();
        let cases = [
            (
                "array",
                "[]".to_owned(),
                "field `schema`: expected a results object",
            ),
            ("string", "\"x\"".to_owned(), "found a string"),
            (
                "old",
                "{\"results\": []}".to_owned(),
                "field `schema`: missing",
            ),
            (
                "null",
                good.replace("\"results\": [", "\"results\": null, \"x\": ["),
                "field `results`: expected a list of task results, found null",
            ),
            (
                "text",
                good.replace("\"results\": [", "\"results\": \"x\", \"x\": ["),
                "found a string",
            ),
            ("empty", document(&[]).to_json(), "field `results`: empty"),
            (
                "twice",
                document(&["event", "event"]).to_json(),
                "field `results[1].task`: cuebench/event appears twice",
            ),
            (
                "newer",
                good.replace("\"schema_version\": 1", "\"schema_version\": 9"),
                "field `schema_version`",
            ),
            (
                "metric",
                good.replace("\"value\": 12.3456789", "\"value\": \"x\""),
                "invalid JSON",
            ),
        ];
        for (name, text, needle) in cases {
            let path = write(dir.path(), name, &text);
            let err = read_document(&path).unwrap_err().to_string();
            assert!(err.contains(needle), "{name}: {err}");
            assert!(err.contains(name), "{name}: {err}");
        }
    }
}
