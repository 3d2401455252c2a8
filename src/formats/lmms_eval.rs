//! lmms-eval's per-sample logs (`--log_samples` writes `samples_<task>_*.jsonl`)
//! read as predictions: one JSON object per line (docs/lmms-eval.md).
//!
//! The sample id is `doc.id` when the line keeps the task's document (the
//! `cuebench prompts` line; in-memory logs and hand-made files do), else
//! `target`: the files lmms-eval writes leave `doc` out, and the task
//! definition sets `doc_to_target: id`. The task is `doc.task` when there is
//! a `doc`.
//!
//! The response is the first string of `resps` when the line has it, else of
//! `filtered_resps`: lmms-eval 0.7 strips reasoning tags such as
//! `<think>…</think>` from `filtered_resps` only (the CUE-R1 format point
//! needs them), flattens a single request's list (`["text"]`, or the bare
//! `"text"` for `filtered_resps`) and leaves `resps` out when it equals
//! `filtered_resps`. Older versions log `[["text"]]` and `["text"]`.

use std::path::Path;

use serde_json::{Map, Value};

use super::predictions::{Prediction, parse_record};
use super::records::{Fields, jsonl_records};
use crate::error::Result;

/// Every non-blank line of an lmms-eval samples log as a prediction; the
/// first bad line is the error.
pub fn parse_samples(text: &str, path: &Path) -> Result<Vec<Prediction>> {
    jsonl_records(text, path)
        .map(|record| record.and_then(|r| parse_sample(&r.value, r.line, path)))
        .collect()
}

/// One logged sample: the id (`doc.id`, else `target`), the task
/// (`doc.task`) and the response (`resps`, else `filtered_resps`).
fn parse_sample(value: &Value, line: usize, path: &Path) -> Result<Prediction> {
    let fields = Fields::of(path, line, value, "")?;
    let (source, response) = match fields.get("resps") {
        Some(resps) => ("resps", resps),
        None => ("filtered_resps", fields.required("filtered_resps")?),
    };
    let response = first_text(response).ok_or_else(|| {
        fields.error(
            source,
            "expected a string or a list whose first item is one",
        )
    })?;
    let mut record = Map::new();
    record.insert("response".to_owned(), Value::String(response.to_owned()));
    match fields.get("doc") {
        // The prediction reader checks `id` and `task` and names them
        // `doc.id`, `doc.task` in errors.
        Some(doc_value) => {
            let doc = Fields::of(path, line, doc_value, "doc")?;
            for key in ["id", "task"] {
                if let Some(v) = doc.object.get(key) {
                    record.insert(key.to_owned(), v.clone());
                }
            }
            parse_record(&Value::Object(record), line, path, "doc")
        }
        None => {
            let id = match fields.get("target") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(_) => {
                    return Err(fields.error(
                        "target",
                        "expected the sample id (the task's `doc_to_target: id`, docs/lmms-eval.md)",
                    ));
                }
                None => {
                    return Err(fields.error(
                        "doc",
                        "missing, and no `target` either: set `doc_to_target: id` in the task (docs/lmms-eval.md)",
                    ));
                }
            };
            record.insert("id".to_owned(), Value::String(id));
            parse_record(&Value::Object(record), line, path, "")
        }
    }
}

/// The first string in a value, descending into first list items.
fn first_text(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first().and_then(first_text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::predictions::PredictionContent;

    fn parse(text: &str) -> Result<Vec<Prediction>> {
        parse_samples(text, Path::new("samples_cuebench_event.jsonl"))
    }

    #[test]
    fn id_from_the_doc_and_response_from_resps_before_filtered_resps() {
        let log = concat!(
            r#"{"doc_id": 0, "doc": {"id": "vid_0001", "video_id": "vid_0001", "prompt": "p"}, "target": "", "arguments": [], "resps": [["<think>t</think><answer>None</answer>"]], "filtered_resps": ["<answer>None</answer>"]}"#,
            "\n",
            r#"{"doc_id": 1, "doc": {"id": "vid_0002|t1", "task": "grounding"}, "filtered_resps": [["nested"]]}"#,
            "\n"
        );
        let preds = parse(log).unwrap();
        assert_eq!(preds[0].id, "vid_0001");
        assert_eq!(preds[0].task, None);
        assert_eq!(
            preds[0].content,
            PredictionContent::Response("<think>t</think><answer>None</answer>".into())
        );
        assert_eq!(
            (preds[1].line, preds[1].task.as_deref()),
            (2, Some("grounding"))
        );
        assert_eq!(
            preds[1].content,
            PredictionContent::Response("nested".into())
        );
    }

    #[test]
    fn lmms_eval_0_7_lines_without_doc_flattened_and_deduplicated() {
        // As lmms-eval 0.7 writes them (loggers/evaluation_tracker.py): no
        // `doc`, the id in `target`, `filtered_resps` a bare string with the
        // reasoning stripped, `resps` flattened to ["text"] or left out when
        // it equals `filtered_resps`.
        let log = concat!(
            r#"{"doc_id": 0, "input": "p", "target": "vid_0001", "resps": ["<think>t</think><answer>None</answer>"], "filtered_resps": "<answer>None</answer>", "doc_hash": "ab", "placeholder": 0}"#,
            "\n",
            r#"{"doc_id": 1, "input": "p", "target": "vid_0002", "filtered_resps": "<answer>[]</answer>", "doc_hash": "cd"}"#,
            "\n",
            r#"{"doc_id": 2, "target": 7, "filtered_resps": ["x"]}"#,
            "\n"
        );
        let preds = parse(log).unwrap();
        let got: Vec<_> = preds
            .iter()
            .map(|p| (p.id.as_str(), p.task.as_deref(), p.content.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "vid_0001",
                    None,
                    PredictionContent::Response("<think>t</think><answer>None</answer>".into())
                ),
                (
                    "vid_0002",
                    None,
                    PredictionContent::Response("<answer>[]</answer>".into())
                ),
                ("7", None, PredictionContent::Response("x".into())),
            ]
        );
    }

    #[test]
    fn errors_name_the_lmms_eval_fields() {
        let no_id = r#"{"doc": {"question": "q"}, "filtered_resps": ["x"]}"#;
        assert_eq!(
            parse(no_id).unwrap_err().to_string(),
            "samples_cuebench_event.jsonl:1: field `doc.id`: missing"
        );
        let no_text = r#"{"doc": {"id": "a"}, "filtered_resps": [[]]}"#;
        assert_eq!(
            parse(no_text).unwrap_err().to_string(),
            "samples_cuebench_event.jsonl:1: field `filtered_resps`: expected a string or a list whose first item is one"
        );
        let no_doc = r#"{"filtered_resps": ["x"]}"#;
        assert_eq!(
            parse(no_doc).unwrap_err().to_string(),
            "samples_cuebench_event.jsonl:1: field `doc`: missing, and no `target` either: set `doc_to_target: id` in the task (docs/lmms-eval.md)"
        );
        let empty_target = r#"{"target": "", "filtered_resps": "x"}"#;
        assert!(
            parse(empty_target)
                .unwrap_err()
                .to_string()
                .contains("field `target`: expected the sample id"),
        );
        let no_resps_text = r#"{"target": "a", "resps": [[]], "filtered_resps": "x"}"#;
        assert!(
            parse(no_resps_text)
                .unwrap_err()
                .to_string()
                .contains("field `resps`: expected a string"),
        );
    }
}
