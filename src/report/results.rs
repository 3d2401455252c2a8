//! Reading and writing the versioned results document (docs/results.md,
//! docs/scoring.md §11, the type in [`crate::model::document`]): what
//! `eval --output DIR` writes as `DIR/results.json` with its per-sample
//! files, and what `compare`, `leaderboard` and `report` read back.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::evaluate::confidence::figure_column;
use crate::evaluate::groups::sample_memberships;
use crate::formats::records::{nonblank_lines, read_text};
use crate::model::document::{RESULTS_FILE, SCHEMA, SCHEMA_VERSION};
use crate::model::{
    Evaluation, ResultEntry, ResultsDocument, SampleDetail, SampleRecord, SampleStatus,
};
pub use crate::report::run_folder::results_path;
use crate::report::run_folder::{self, RunFile};

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
            if let Some(why) = &d.parse_error {
                line.insert("parse_error".into(), why.clone().into());
            }
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
/// (sorted by id) and `DIR/results.json` naming them with their sha256 and
/// sample count, as one folder that replaces an older run whole
/// ([`run_folder::write`]) and never one of `inputs`.
pub fn write_output(
    dir: &Path,
    document: &mut ResultsDocument,
    evaluations: &[Evaluation],
    inputs: &[&Path],
) -> Result<()> {
    let mut files = Vec::new();
    for (entry, evaluation) in document.results.iter_mut().zip(evaluations) {
        let name = samples_file_name(&entry.result.task);
        let memberships = sample_memberships(&entry.groups, evaluation.samples.len());
        let mut text = String::new();
        for (record, groups) in evaluation.samples.iter().zip(memberships) {
            let mut line = sample_line(record);
            if !groups.is_empty() {
                line["groups"] = Value::Object(groups);
            }
            text.push_str(&crate::formats::jsonl::line(&line));
            text.push('\n');
        }
        let (sha256, count) = run_folder::fingerprint(&text);
        entry.samples_file = Some(name.clone());
        entry.samples_sha256 = Some(sha256);
        entry.samples_count = Some(count);
        files.push(RunFile {
            name,
            bytes: text.into_bytes(),
        });
    }
    files.push(RunFile {
        name: RESULTS_FILE.into(),
        bytes: document.to_json().into_bytes(),
    });
    run_folder::write(dir, &files, inputs)
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
    parse_samples(&read_text(path)?, path)
}

fn parse_samples(text: &str, path: &Path) -> Result<Vec<SampleRecord>> {
    nonblank_lines(text)
        .map(|(number, l)| {
            let line: SampleLine = serde_json::from_str(l).map_err(|e| Error::Json {
                path: path.to_owned(),
                line: number,
                message: e.to_string(),
            })?;
            let scores = line
                .scores
                .into_iter()
                .map(|(k, v)| match v.as_f64() {
                    Some(x) if in_percent(x * 100.0) => Ok((k, x)),
                    _ => Err(Error::Field {
                        path: path.to_owned(),
                        line: number,
                        field: format!("scores.{k}"),
                        message: format!("{v} is not a per-sample score in [0, 1]"),
                    }),
                })
                .collect::<Result<_>>()?;
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
/// read from `path`; `None` when the run wrote none. The file must lie in
/// the run folder and match the sha256 and count the document records, and
/// every figure of `entry` that has a per-sample column must be its mean
/// (to 1e-9 relative; else an input error naming the figure).
pub fn read_entry_samples(path: &Path, entry: &ResultEntry) -> Result<Option<Vec<SampleRecord>>> {
    let path = results_path(path);
    let Some((file, text)) = run_folder::samples_text(&path, entry)? else {
        return Ok(None);
    };
    let records = parse_samples(&text, &file)?;
    for metric in &entry.result.metrics {
        figure_column(metric, &records).checked(&path, &entry.result.task, metric)?;
    }
    Ok(Some(records))
}

/// Reads a results document from a file or an `--output` folder. Anything
/// that is not one (an array, `{"results": null}`, a string, an older
/// result format), holds no task, or holds a task twice is an input error
/// naming the file and field.
pub fn read_document(path: &Path) -> Result<ResultsDocument> {
    let path = results_path(path);
    let text = run_folder::read_document_text(&path)?;
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
    check_shape(&value).map_err(|(f, message)| field(f, message))?;
    // Parsing the text (not the value) keeps line numbers in the message.
    let mut document: ResultsDocument = serde_json::from_str(&text).map_err(json_error)?;
    let mut seen = HashSet::new();
    for (i, entry) in document.results.iter().enumerate() {
        let key = (entry.result.benchmark, entry.result.task.as_str());
        if !seen.insert(key) {
            return Err(field(
                &format!("results[{i}].task"),
                format!(
                    "{}/{} appears twice; a results document holds each task once",
                    key.0, key.1
                ),
            ));
        }
        check_counts(entry, i)
            .and_then(|()| check_figures(entry, i))
            .map_err(|(f, message)| field(&f, message))?;
    }
    run_folder::check(&path, &mut document)?;
    Ok(document)
}

/// The outline of a results document, before it is parsed into one: an
/// object with this schema, a known version and a non-empty `results` list;
/// else the field at fault and why.
fn check_shape(value: &Value) -> std::result::Result<(), (&'static str, String)> {
    let Value::Object(object) = value else {
        return Err((
            "schema",
            format!(
                "expected a results object with \"schema\": \"{SCHEMA}\", found {}; write one with \
                 `cuebench eval --format json` or `--output DIR`",
                crate::formats::records::kind(value)
            ),
        ));
    };
    match object.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        _ => {
            return Err((
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
            return Err((
                "schema_version",
                format!(
                    "expected a number from 1 to {SCHEMA_VERSION} (a newer cuebench wrote it?)"
                ),
            ));
        }
    }
    match object.get("results") {
        Some(Value::Array(items)) if !items.is_empty() => {}
        Some(Value::Array(_)) => return Err(("results", "empty: no task to read".into())),
        other => {
            return Err((
                "results",
                format!(
                    "expected a list of task results, found {}",
                    other.map_or("nothing", crate::formats::records::kind)
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `x` can be a figure in percent: finite and in [0, 100] (every
/// figure is a per-sample mean x 100 or a share, docs/scoring.md §4, §14;
/// 1e-9 of slack for rounding).
fn in_percent(x: f64) -> bool {
    x.is_finite() && (-1e-9..=100.0 + 1e-9).contains(&x)
}

/// The counts of `entry` add up: every sample has one status, and no more
/// samples earned the format point than there are.
fn check_counts(entry: &ResultEntry, i: usize) -> std::result::Result<(), (String, String)> {
    let c = &entry.result.counts;
    let statuses: u128 = [c.scored, c.missing, c.parse_failed, c.judge_failed]
        .iter()
        .map(|&n| n as u128)
        .sum();
    if statuses != c.samples as u128 || c.format_ok > c.samples {
        return Err((
            format!("results[{i}].counts"),
            format!(
                "do not add up: {} samples, but scored + missing + parse_failed + judge_failed \
                 = {statuses} and format_ok = {}",
                c.samples, c.format_ok
            ),
        ));
    }
    Ok(())
}

/// `x` as a reader would write it: `1e300`, not 301 digits.
fn short_number(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Every figure of `entry` (with its interval, and those of its groups)
/// in percent; else the field (`results[i]...`) and why.
fn check_figures(entry: &ResultEntry, i: usize) -> std::result::Result<(), (String, String)> {
    let places = std::iter::once((format!("results[{i}]"), &entry.result.metrics)).chain(
        entry
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| (format!("results[{i}].groups[{g}]"), &group.metrics)),
    );
    for (place, metrics) in places {
        for (j, metric) in metrics.iter().enumerate() {
            let mut values = vec![("value", metric.value)];
            if let Some(ci) = &metric.ci {
                values.extend([
                    ("ci.mean", ci.mean),
                    ("ci.low", ci.low),
                    ("ci.high", ci.high),
                ]);
            }
            if let Some((name, value)) = values.into_iter().find(|(_, v)| !in_percent(*v)) {
                return Err((
                    format!("{place}.metrics[{j}].{name}"),
                    format!(
                        "{} for `{}` is not a percentage in [0, 100]",
                        short_number(value),
                        metric.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::for_tests;
    use crate::model::{BenchmarkId, Counts, Metric, TaskResult};
    use std::path::PathBuf;

    fn document(tasks: &[&str]) -> ResultsDocument {
        for_tests(
            tasks
                .iter()
                .map(|t| TaskResult {
                    benchmark: BenchmarkId::CueBench,
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
                good.replace(
                    &format!("\"schema_version\": {SCHEMA_VERSION}"),
                    "\"schema_version\": 9",
                ),
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
