//! Prediction files (SPEC 3.3): JSONL lines with `id` and either the raw
//! `response` or an already parsed `answer`, and an optional `task`.
//! The same records may also come as one JSON array, from standard input
//! (`-`), or as lmms-eval sample logs ([`super::lmms_eval`]).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::records::{Fields, parse_records, read_text_or_stdin, reject_duplicate_ids};
use crate::error::{Error, Result};

/// One prediction line.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The sample id it answers.
    pub id: String,
    /// 1-based line in the predictions file.
    pub line: usize,
    /// The task it belongs to, when the file mixes tasks.
    pub task: Option<String>,
    /// What the model said.
    pub content: PredictionContent,
}

/// What a prediction line carries.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictionContent {
    /// The model's raw text, answer extraction to follow (SPEC 3.4).
    Response(String),
    /// An answer already parsed by the caller.
    Answer(Value),
}

/// Reads a predictions JSONL file (or JSON array; `-`: standard input). Each
/// record must be an object with a string `id` and a string `response` or an
/// `answer`; when both are given the raw `response` wins (it also decides
/// `format_ok`). The first bad record is the error.
pub fn read_predictions(path: &Path) -> Result<Vec<Prediction>> {
    read_predictions_from(path, Layout::Cuebench)
}

/// How a predictions file is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// cuebench's own records (docs/scoring.md §3.3), as JSONL or one JSON array.
    #[default]
    Cuebench,
    /// lmms-eval's `samples_*.jsonl` log: the id from `doc.id`, the response
    /// from `filtered_resps`.
    LmmsEval,
}

/// Reads predictions in `layout` from a file, or from standard input when
/// `path` is `-` (errors then name `<stdin>`).
pub fn read_predictions_from(path: &Path, layout: Layout) -> Result<Vec<Prediction>> {
    let (text, name) = read_text_or_stdin(path)?;
    parse_predictions(&text, &name, layout)
}

/// Parses a whole predictions text in `layout`. A cuebench text that starts
/// with `[` is one JSON array of records (as a Python `json.dump` of a list
/// writes it); otherwise JSONL.
pub fn parse_predictions(text: &str, path: &Path, layout: Layout) -> Result<Vec<Prediction>> {
    match layout {
        Layout::LmmsEval => super::lmms_eval::parse_samples(text, path),
        Layout::Cuebench if text.trim_start().starts_with('[') => parse_records(text, path)?
            .iter()
            .map(|record| parse_record(&record.value, record.line, path, ""))
            .collect(),
        Layout::Cuebench => prediction_lines(text, path).collect(),
    }
}

/// One prediction from a parsed JSON value; `prefix` names where its fields
/// sit in the file's own layout (e.g. `doc` for lmms-eval's `doc.id`).
pub(crate) fn parse_record(
    value: &Value,
    line: usize,
    path: &Path,
    prefix: &str,
) -> Result<Prediction> {
    parse_prediction(&Fields::of(path, line, value, prefix)?)
}

/// Every non-blank line of a predictions text, parsed or with its error.
pub fn prediction_lines<'a>(
    text: &'a str,
    path: &'a Path,
) -> impl Iterator<Item = Result<Prediction>> + 'a {
    text.lines()
        .enumerate()
        .filter(|(_, raw)| !raw.trim().is_empty())
        .map(move |(index, raw)| parse_line(raw, index + 1, path))
}

/// One prediction line; `line` (1-based) names it in errors.
pub fn parse_line(text: &str, line: usize, path: &Path) -> Result<Prediction> {
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| Error::Json {
        path: path.to_owned(),
        line,
        message: e.to_string(),
    })?;
    parse_prediction(&Fields::of(path, line, &value, "")?)
}

fn parse_prediction(f: &Fields<'_>) -> Result<Prediction> {
    let id = match f.required("id")? {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(f.error("id", format!("expected a non-empty string, found {other}"))),
    };
    let content = match (f.object.get("response"), f.object.get("answer")) {
        (Some(Value::String(s)), _) => PredictionContent::Response(s.clone()),
        (Some(other), _) => {
            return Err(f.error(
                "response",
                format!("expected a string, found {}", super::records::kind(other)),
            ));
        }
        (None, Some(answer)) => PredictionContent::Answer(answer.clone()),
        (None, None) => {
            return Err(f.error("response", "missing (a line needs `response` or `answer`)"));
        }
    };
    Ok(Prediction {
        id,
        line: f.line,
        task: f.optional_string("task")?.map(str::to_owned),
        content,
    })
}

/// Keeps the predictions for `task`: lines whose `task` field names it, and
/// lines with no `task` field.
pub fn for_task(predictions: Vec<Prediction>, task: &str) -> Vec<Prediction> {
    predictions
        .into_iter()
        .filter(|p| p.task.as_deref().is_none_or(|t| t == task))
        .collect()
}

/// Indexes predictions by id; a repeated id is an [`Error::DuplicateIds`]
/// listing every repeated id with its lines (SPEC 3.3).
pub fn index_by_id<'a>(
    predictions: &'a [Prediction],
    path: &Path,
) -> Result<HashMap<&'a str, &'a Prediction>> {
    reject_duplicate_ids(path, predictions.iter().map(|p| (p.id.as_str(), p.line)))?;
    Ok(predictions.iter().map(|p| (p.id.as_str(), p)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Prediction>> {
        prediction_lines(text, Path::new("p.jsonl")).collect()
    }

    #[test]
    fn response_and_answer_lines() {
        let preds = parse(
            "{\"id\": \"a\", \"response\": \"<answer>None</answer>\"}\n{\"id\": \"b\", \"answer\": [], \"task\": \"event\"}\n",
        )
        .unwrap();
        assert_eq!(
            preds[0].content,
            PredictionContent::Response("<answer>None</answer>".into())
        );
        assert_eq!(
            preds[1].content,
            PredictionContent::Answer(Value::Array(vec![]))
        );
        assert_eq!(preds[1].task.as_deref(), Some("event"));
    }

    #[test]
    fn bad_lines_name_line_and_field() {
        let err =
            parse("{\"id\": \"a\", \"response\": \"x\"}\n{\"response\": \"x\"}\n").unwrap_err();
        assert_eq!(err.to_string(), "p.jsonl:2: field `id`: missing");
        let err = parse("{\"id\": \"a\"}").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.jsonl:1: field `response`: missing")
        );
        let err = parse("{\"id\": \"a\", \"response\": 3}").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a string, found a number")
        );
        let err = parse("[1, 2]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.jsonl:1: field `record`: expected a JSON object"
        );
    }

    #[test]
    fn task_filter_keeps_untagged_lines() {
        let preds = parse(
            "{\"id\": \"a\", \"answer\": [], \"task\": \"event\"}\n{\"id\": \"a\", \"answer\": [], \"task\": \"scene\"}\n{\"id\": \"b\", \"answer\": []}\n",
        )
        .unwrap();
        let kept: Vec<_> = for_task(preds, "scene")
            .into_iter()
            .map(|p| p.line)
            .collect();
        assert_eq!(kept, vec![2, 3]);
    }

    #[test]
    fn a_json_array_file_reads_like_jsonl_and_names_element_lines() {
        let array =
            "[\n  {\"id\": \"a\", \"answer\": []},\n  {\"id\": \"b\", \"response\": \"x\"}\n]\n";
        let preds = parse_predictions(array, Path::new("p.json"), Layout::Cuebench).unwrap();
        let ids: Vec<_> = preds.iter().map(|p| (p.id.as_str(), p.line)).collect();
        assert_eq!(ids, vec![("a", 2), ("b", 3)]);
        let bad = "[{\"id\": \"a\", \"answer\": []},\n {\"answer\": []}]";
        let err = parse_predictions(bad, Path::new("p.json"), Layout::Cuebench).unwrap_err();
        assert_eq!(err.to_string(), "p.json:2: field `id`: missing");
    }

    #[test]
    fn duplicates_list_ids_and_lines() {
        let preds = parse("{\"id\": \"x\", \"answer\": []}\n{\"id\": \"y\", \"answer\": []}\n{\"id\": \"x\", \"answer\": []}\n").unwrap();
        let err = index_by_id(&preds, Path::new("p.jsonl")).unwrap_err();
        assert_eq!(err.to_string(), "p.jsonl: duplicate id(s): x (lines 1, 3)");
    }
}
