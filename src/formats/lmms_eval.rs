//! lmms-eval's per-sample logs (`--log_samples` writes `samples_<task>_*.jsonl`)
//! read as predictions: one JSON object per line, with the task's document
//! under `doc`, the model's raw generations under `resps` and the filtered
//! ones under `filtered_resps`.
//!
//! The lmms-eval task is expected to use `cuebench prompts` lines as its
//! documents, so each `doc` carries the sample `id` (and may carry `task`);
//! the response is the first string of `filtered_resps` (a generation task
//! logs one list per request, `[["text"]]` or `["text"]`).

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

/// One logged sample: `doc.id`, optional `doc.task`, and the response.
fn parse_sample(value: &Value, line: usize, path: &Path) -> Result<Prediction> {
    let fields = Fields::of(path, line, value, "")?;
    let doc = Fields::of(path, line, fields.required("doc")?, "doc")?;
    let response = first_text(fields.required("filtered_resps")?).ok_or_else(|| {
        fields.error(
            "filtered_resps",
            "expected a string or a list whose first item is one",
        )
    })?;
    // The prediction reader checks `id` and `task` and names them `doc.id`,
    // `doc.task` in errors.
    let mut record = Map::new();
    for key in ["id", "task"] {
        if let Some(v) = doc.object.get(key) {
            record.insert(key.to_owned(), v.clone());
        }
    }
    record.insert("response".to_owned(), Value::String(response.to_owned()));
    parse_record(&Value::Object(record), line, path, "doc")
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
    fn id_from_the_doc_and_response_from_filtered_resps() {
        let log = concat!(
            r#"{"doc_id": 0, "doc": {"id": "vid_0001", "video_id": "vid_0001", "prompt": "p"}, "target": "", "arguments": [], "resps": [["raw"]], "filtered_resps": ["<answer>None</answer>"]}"#,
            "\n",
            r#"{"doc_id": 1, "doc": {"id": "vid_0002|t1", "task": "grounding"}, "resps": [["x"]], "filtered_resps": [["nested"]]}"#,
            "\n"
        );
        let preds = parse(log).unwrap();
        assert_eq!(preds[0].id, "vid_0001");
        assert_eq!(preds[0].task, None);
        assert_eq!(
            preds[0].content,
            PredictionContent::Response("<answer>None</answer>".into())
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
            "samples_cuebench_event.jsonl:1: field `doc`: missing"
        );
    }
}
