//! Every Eval Ever (evaleval/every_eval_ever, `eval.schema.json` 0.3.0):
//! one aggregate record per run and, when the run wrote per-sample files, an
//! instance-level companion (`instance_level_eval.schema.json`), laid out as
//! the datastore files them: `data/BENCHMARK/ORG/NAME/UUID.json` and
//! `UUID_samples.jsonl` (docs/results.md "Exchange formats").
//!
//! Each figure of each task is one `evaluation_results` item: its score in
//! percent at full precision, the run's counts in `score_details.details`,
//! its uncertainty (the run's bootstrap interval and resample count when it
//! had `--confidence`; the per-sample standard deviation and the standard
//! error of the mean, sd/sqrt(n), when its per-sample scores are at hand),
//! and the signature and settings in `metric_config`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{ExportOptions, dataset_id, figure_id, hub_id, unix_seconds};
use crate::error::{Error, Result};
use crate::evaluate::confidence::figure_column;
use crate::model::{Metric, ResultEntry, ResultsDocument, SampleRecord, SampleStatus};

/// The schema version written.
pub const SCHEMA_VERSION: &str = "0.3.0";

/// An export: the aggregate record and, when there were per-sample scores,
/// its companion, each with its datastore path.
#[derive(Debug, Clone, PartialEq)]
pub struct EeeExport {
    /// `data/BENCHMARK/ORG/NAME/UUID.json`.
    pub aggregate_path: String,
    /// The aggregate record, pretty JSON ending in a newline.
    pub aggregate: String,
    /// `(data/BENCHMARK/ORG/NAME/UUID_samples.jsonl, its lines)`.
    pub samples: Option<(String, String)>,
}

/// The export of `document`; `samples[i]` holds the per-sample records of
/// `document.results[i]` when its file was read. Needs `options.model_id`.
pub fn export(
    document: &ResultsDocument,
    samples: &[Option<Vec<SampleRecord>>],
    options: &ExportOptions,
) -> Result<EeeExport> {
    let model_id = options.model_id.as_deref().ok_or_else(|| {
        Error::Usage(
            "--format eee needs the model's Hub id: --model-id ORG/NAME (it names the \
             datastore folder data/BENCHMARK/ORG/NAME/)"
                .into(),
        )
    })?;
    let (org, name) = hub_id(model_id, "--model-id")?;
    let created = unix_seconds(&document.created).ok_or_else(|| Error::Field {
        path: "results.json".into(),
        line: 1,
        field: "created".into(),
        message: format!("{:?} is not YYYY-MM-DDTHH:MM:SSZ", document.created),
    })?;
    let uuid = record_uuid(document, model_id);
    let folder = format!("data/{}/{org}/{name}", document.run.benchmark);
    let evaluation_id = format!("{}/{model_id}/{created}", document.run.benchmark);

    let (results, rows, row_count) =
        results_and_rows(document, samples, options, &evaluation_id, model_id);

    let mut aggregate = json!({
        "schema_version": SCHEMA_VERSION,
        "evaluation_id": evaluation_id,
        "evaluation_timestamp": document.created,
        "retrieved_timestamp": created.to_string(),
        "source_metadata": {
            "source_name": format!("cuebench run ({})", document.run.benchmark),
            "source_type": "evaluation_run",
            "source_organization_name": options.organization.as_deref().unwrap_or("unknown"),
            "evaluator_relationship": "other",
            "additional_details": strings([
                ("command", document.run.command.join(" ")),
                ("results_schema", format!("{}/{}", document.schema, document.schema_version)),
            ]),
        },
        "eval_library": {
            "name": "cuebench",
            "version": document.tool.version,
            "additional_details": strings([
                ("revision", document.tool.revision.clone()),
                ("benchmark", document.run.benchmark.to_string()),
                ("protocol", document.run.protocol.to_string()),
            ]),
        },
        "model_info": {
            "name": document.run.name,
            "id": model_id,
            "developer": org,
            "additional_details": {"deployment_type": "unknown", "model_availability": "unknown"},
        },
        "evaluation_results": results,
    });
    let samples = (row_count > 0).then(|| {
        let path = format!("{folder}/{uuid}_samples.jsonl");
        aggregate["detailed_evaluation_results"] = json!({
            "format": "jsonl",
            "file_path": path,
            "hash_algorithm": "sha256",
            "checksum": format!("{:x}", Sha256::digest(rows.as_bytes())),
            "total_rows": row_count,
        });
        (path, rows)
    });
    let mut text = serde_json::to_string_pretty(&aggregate).unwrap_or_default();
    text.push('\n');
    Ok(EeeExport {
        aggregate_path: format!("{folder}/{uuid}.json"),
        aggregate: text,
        samples,
    })
}

/// One result item per figure of every task, and the per-sample companion
/// rows (JSON lines, with their count) of the figures that are per-sample
/// means of a task whose records were read.
fn results_and_rows(
    document: &ResultsDocument,
    samples: &[Option<Vec<SampleRecord>>],
    options: &ExportOptions,
    evaluation_id: &str,
    model_id: &str,
) -> (Vec<Value>, String, usize) {
    let mut rows = String::new();
    let mut row_count = 0usize;
    let mut results = Vec::new();
    for (i, entry) in document.results.iter().enumerate() {
        let records = samples.get(i).and_then(Option::as_deref);
        for metric in &entry.result.metrics {
            // Reading the records checked that each column agrees with its figure.
            let column = records.and_then(|r| figure_column(metric, r).values());
            results.push(result_item(
                document,
                options,
                entry,
                metric,
                column.as_deref(),
            ));
            if let (Some(records), Some(column)) = (records, &column) {
                for (record, score) in records.iter().zip(column) {
                    let row = sample_row(evaluation_id, model_id, entry, metric, record, *score);
                    rows.push_str(&row.to_string());
                    rows.push('\n');
                    row_count += 1;
                }
            }
        }
    }

    (results, rows, row_count)
}

/// A version-4-shaped UUID from the document and the model id, so the same
/// run exported twice lands in the same file.
fn record_uuid(document: &ResultsDocument, model_id: &str) -> String {
    let digest = Sha256::digest(format!("{model_id}\n{}", document.to_json()).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A JSON object of string values (the schema's `additional_details`).
fn strings<const N: usize>(pairs: [(&str, String); N]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect(),
    )
}

/// A setting as the schema's `metric_parameters` holds it: scalars as they
/// are, anything else as its JSON text.
fn parameter(value: &Value) -> Value {
    match value {
        Value::Array(_) | Value::Object(_) => Value::String(value.to_string()),
        scalar => scalar.clone(),
    }
}

/// One `evaluation_results` item: one figure of one task.
fn result_item(
    document: &ResultsDocument,
    options: &ExportOptions,
    entry: &ResultEntry,
    metric: &Metric,
    column: Option<&[f64]>,
) -> Value {
    let result = &entry.result;
    let c = &result.counts;
    let source_data = match dataset_id(document, options) {
        Some(id) => json!({
            "dataset_name": result.benchmark,
            "source_type": "hf_dataset",
            "hf_repo": id,
            "samples_number": c.samples,
            "additional_details": strings([("annotations_sha256", annotations_sha(document))]),
        }),
        None => json!({
            "dataset_name": result.benchmark,
            "source_type": "other",
            "additional_details": strings([("annotations_sha256", annotations_sha(document))]),
        }),
    };
    let mut parameters: Map<String, Value> = document
        .run
        .settings
        .scoring
        .iter()
        .map(|(k, v)| (k.clone(), parameter(v)))
        .collect();
    parameters.insert("protocol".into(), document.run.protocol.to_string().into());
    // The two label counts of the separate protocol only where they occur,
    // as in the results document.
    let details: Map<String, Value> = c
        .named()
        .into_iter()
        .filter(|(k, v)| *v > 0 || !matches!(*k, "unknown_labels" | "ambiguous_labels"))
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_string())))
        .collect();
    let mut score_details = json!({"score": metric.value, "details": details});
    if let Some(uncertainty) = uncertainty(document, metric, column) {
        score_details["uncertainty"] = uncertainty;
    }
    json!({
        "evaluation_result_id": figure_id(result.benchmark, &result.task, &metric.name),
        "evaluation_name": format!("{}/{}", result.benchmark, result.task),
        "source_data": source_data,
        "evaluation_timestamp": document.created,
        "metric_config": {
            "evaluation_description": format!(
                "{} {} of {}, in percent: the mean over all {} ground-truth samples \
                 (missing and unreadable answers score 0; cuebench docs/scoring.md)",
                result.task, metric.name, result.benchmark, c.samples
            ),
            "metric_id": format!("{}.{}", result.benchmark, metric.name.to_lowercase()),
            "metric_name": metric.name,
            "metric_unit": "percent",
            "metric_parameters": parameters,
            "lower_is_better": false,
            "score_type": "continuous",
            "min_score": 0,
            "max_score": 100,
            "additional_details": strings([("signature", result.signature.clone())]),
        },
        "score_details": score_details,
    })
}

/// The annotation file's recorded sha256 (`unknown` for standard input).
fn annotations_sha(document: &ResultsDocument) -> String {
    document
        .run
        .inputs
        .annotations
        .sha256
        .clone()
        .unwrap_or_else(|| "unknown".into())
}

/// `score_details.uncertainty`: the run's bootstrap interval (with
/// `--confidence`) and, from the per-sample scores (in [0, 1], reported in
/// percent), their standard deviation (n - 1) and the standard error of the
/// mean; `None` when there is neither.
fn uncertainty(
    document: &ResultsDocument,
    metric: &Metric,
    column: Option<&[f64]>,
) -> Option<Value> {
    let mut out = Map::new();
    if let (Some(ci), Some(confidence)) = (metric.ci, document.run.settings.confidence) {
        out.insert(
            "confidence_interval".into(),
            json!({
                "lower": ci.low,
                "upper": ci.high,
                "confidence_level": confidence.level,
                "method": format!(
                    "percentile bootstrap over samples, seed {} (cuebench docs/scoring.md §12)",
                    confidence.seed
                ),
            }),
        );
        out.insert("num_bootstrap_samples".into(), confidence.n.into());
    }
    if let Some(column) = column.filter(|c| c.len() >= 2) {
        let n = column.len() as f64;
        let mean = column.iter().sum::<f64>() / n;
        let variance = column.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let sd = variance.sqrt() * 100.0;
        out.insert("standard_deviation".into(), sd.into());
        out.insert("num_samples".into(), column.len().into());
        out.insert(
            "standard_error".into(),
            json!({"value": sd / n.sqrt(), "method": "analytic"}),
        );
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// One instance-level line: one sample's score on one figure.
fn sample_row(
    evaluation_id: &str,
    model_id: &str,
    entry: &ResultEntry,
    metric: &Metric,
    record: &SampleRecord,
    score: f64,
) -> Value {
    let result = &entry.result;
    let detail = record.detail.as_deref();
    let reference: Vec<String> = detail
        .map(|d| d.truth.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    let answer = detail
        .and_then(|d| d.answer.as_ref())
        .map(|a| Value::Array(a.clone()).to_string());
    let output = match (detail.and_then(|d| d.response.clone()), &answer) {
        (Some(response), _) => json!({"raw": [response]}),
        (None, Some(answer)) => json!({"raw": [answer]}),
        // No prediction: the model's output is empty (single-turn records need one).
        (None, None) => json!({"raw": []}),
    };
    let attribution: Vec<Value> = answer
        .iter()
        .map(|a| {
            json!({
                "turn_idx": 0,
                "source": "output.raw",
                "extracted_value": a,
                "extraction_method": "cuebench answer extraction (docs/scoring.md §5)",
                "is_terminal": true,
            })
        })
        .collect();
    let status = match record.status {
        SampleStatus::Scored => "scored",
        SampleStatus::Missing => "missing",
        SampleStatus::ParseFailed => "parse_failed",
        SampleStatus::JudgeFailed => "judge_failed",
    };
    json!({
        "schema_version": SCHEMA_VERSION,
        "evaluation_id": evaluation_id,
        "model_id": model_id,
        "evaluation_name": format!("{}/{}", result.benchmark, result.task),
        "evaluation_result_id": figure_id(result.benchmark, &result.task, &metric.name),
        "sample_id": record.id,
        "interaction_type": "single_turn",
        "input": {"raw": format!("{} sample {}", result.task, record.id), "reference": reference},
        "output": output,
        "answer_attribution": attribution,
        "evaluation": {"score": score, "is_correct": score >= 1.0},
        "metadata": {"status": status, "figure": metric.name},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::{for_tests, result_for_tests};
    use crate::model::{Confidence, Interval};

    fn options() -> ExportOptions {
        ExportOptions {
            model_id: Some("org/model".into()),
            ..ExportOptions::default()
        }
    }

    fn record(id: &str, struct_score: f64) -> SampleRecord {
        SampleRecord {
            id: id.into(),
            status: SampleStatus::Scored,
            scores: vec![("Struct".into(), struct_score)],
            detail: None,
        }
    }

    #[test]
    fn one_result_per_figure_with_the_signature_and_the_uncertainty() {
        // Struct per sample 1, 0, 1, 0: mean 50%, sd (n-1) = sqrt(1/3) = 57.735%,
        // se = 57.735 / 2 = 28.868%.
        let mut result = result_for_tests(
            "event",
            "cuebench:2|task:event",
            &[("Struct", 50.0), ("F1", 10.0)],
        );
        result.counts.samples = 4;
        result.metrics[0].ci = Some(Interval {
            mean: 50.0,
            low: 0.0,
            high: 100.0,
        });
        let mut document = for_tests(vec![result]);
        document.created = "2026-01-01T00:00:00Z".into();
        document.run.settings.confidence = Some(Confidence {
            n: 1000,
            seed: 7,
            level: 0.95,
        });
        let samples = vec![Some(vec![
            record("a", 1.0),
            record("b", 0.0),
            record("c", 1.0),
            record("d", 0.0),
        ])];
        let export = export(&document, &samples, &options()).unwrap();
        let value: Value = serde_json::from_str(&export.aggregate).unwrap();
        assert_eq!(value["evaluation_id"], "cuebench/org/model/1767225600");
        assert_eq!(value["eval_library"]["name"], "cuebench");
        let results = value["evaluation_results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["evaluation_result_id"], "cuebench/event/Struct");
        assert_eq!(
            results[0]["metric_config"]["additional_details"]["signature"],
            "cuebench:2|task:event"
        );
        let u = &results[0]["score_details"]["uncertainty"];
        assert_eq!(u["num_bootstrap_samples"], 1000);
        assert_eq!(u["confidence_interval"]["upper"], 100.0);
        assert!((u["standard_deviation"].as_f64().unwrap() - 100.0 / 3f64.sqrt()).abs() < 1e-9);
        assert!((u["standard_error"]["value"].as_f64().unwrap() - 50.0 / 3f64.sqrt()).abs() < 1e-9);
        // F1 is no per-sample mean: no column, no interval, no rows.
        assert!(results[1]["score_details"].get("uncertainty").is_none());
        let (path, rows) = export.samples.unwrap();
        assert!(path.starts_with("data/cuebench/org/model/") && path.ends_with("_samples.jsonl"));
        assert_eq!(
            export.aggregate_path,
            path.replace("_samples.jsonl", ".json")
        );
        assert_eq!(rows.lines().count(), 4);
        assert_eq!(value["detailed_evaluation_results"]["total_rows"], 4);
        assert_eq!(
            value["detailed_evaluation_results"]["checksum"],
            format!("{:x}", Sha256::digest(rows.as_bytes()))
        );
    }

    #[test]
    fn the_model_id_is_required_and_the_record_name_is_stable() {
        let document = for_tests(vec![result_for_tests("event", "s", &[("Struct", 1.0)])]);
        let err = export(&document, &[], &ExportOptions::default()).unwrap_err();
        assert!(err.to_string().contains("--model-id ORG/NAME"), "{err}");
        let a = export(&document, &[], &options()).unwrap();
        let b = export(&document, &[], &options()).unwrap();
        assert_eq!(a, b);
        assert!(a.samples.is_none());
        let uuid = a.aggregate_path.rsplit('/').next().unwrap();
        assert_eq!(&uuid[14..15], "4", "{uuid}");
    }
}
