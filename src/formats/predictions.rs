//! Prediction files (docs/scoring.md §3.3): JSONL lines with `id` and either the raw
//! `response` or an already parsed `answer`, and an optional `task`.
//! The same records may also come as one JSON array, from standard input
//! (`-`); lmms-eval sample logs are read by [`super::lmms_eval`].

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::records::{
    Fields, array_elements, nonblank_lines, read_text_or_stdin, reject_duplicate_ids,
};
use super::sniff::{Role, wrong_text};
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
    /// The model's raw text, answer extraction to follow (docs/scoring.md §3.4).
    Response(String),
    /// An answer already parsed by the caller.
    Answer(Value),
    /// An answer too costly or impossible to read: a line over
    /// [`MAX_LINE_BYTES`], an `answer` nested deeper than the JSON reader
    /// allows or holding a number out of range (`1e400`). Like the same text
    /// inside a `response`, it is the model's malformed answer: the sample
    /// counts as unparseable and scores 0, the run goes on.
    Unreadable,
}

/// The most bytes one prediction line may hold (1 MiB, far above any real
/// answer). A longer line is read only for its `id` and `task`; its content
/// is [`PredictionContent::Unreadable`]. This bounds the memory one hostile
/// line can take (a 50 MB `answer` list peaked at 5.9 GB).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A raw response given without a line around it (the Python session, a
/// server body's field): over [`MAX_LINE_BYTES`] it is
/// [`PredictionContent::Unreadable`], as the same text on a line of a file
/// or of the reward stream would be; `None` (text that is not valid
/// Unicode, such as a lone surrogate) is unreadable too.
pub fn response_content(text: Option<&str>) -> PredictionContent {
    match text {
        Some(text) if text.len() <= MAX_LINE_BYTES => PredictionContent::Response(text.to_owned()),
        _ => PredictionContent::Unreadable,
    }
}

/// The most bytes a line of the reward stream may hold (16 MiB): a line up to
/// it is read like a file's line (over [`MAX_LINE_BYTES`]: unreadable, reward
/// 0); a longer one is answered with an error record without being kept.
pub const MAX_STREAM_LINE_BYTES: usize = 16 << 20;

/// Reads a predictions JSONL file (or JSON array; `-`: standard input). Each
/// record must be an object with a string `id` and a string `response` or an
/// `answer`; when both are given the raw `response` wins (it also decides
/// `format_ok`). The first bad record is the error.
pub fn read_predictions(path: &Path) -> Result<Vec<Prediction>> {
    let (text, name) = read_text_or_stdin(path)?;
    checked(parse_records(&text, &name), &text, &name)
}

/// The predictions `parsed` from `text` (read from `name`), checked: no
/// prediction at all is an [`Error::EmptyPredictions`]; a text that failed
/// to parse and is recognisably something else (a results document, a
/// VAU-Bench CSV) an [`Error::WrongFile`] saying what it is.
pub fn checked(
    parsed: Result<Vec<Prediction>>,
    text: &str,
    name: &Path,
) -> Result<Vec<Prediction>> {
    let predictions = parsed.map_err(|e| wrong_text(text, name, Role::Predictions).unwrap_or(e))?;
    if predictions.is_empty() {
        return Err(Error::EmptyPredictions {
            path: name.to_owned(),
        });
    }
    Ok(predictions)
}

/// Parses a whole predictions text in cuebench's own layout. A text that
/// starts with `[` is one JSON array of records (as a Python `json.dump` of
/// a list writes it); otherwise JSONL.
pub fn parse_records(text: &str, path: &Path) -> Result<Vec<Prediction>> {
    if text.trim_start().starts_with('[') {
        // Each element is read like a JSONL line (the same size, depth
        // and range limits), after a syntax check that builds nothing.
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| Error::Json {
            path: path.to_owned(),
            line: e.line(),
            message: e.to_string(),
        })?;
        array_elements(text)
            .into_iter()
            .map(|(line, element)| parse_line(element, line, path))
            .collect()
    } else {
        prediction_lines(text, path).collect()
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
    nonblank_lines(text).map(move |(line, raw)| parse_line(raw, line, path))
}

/// One prediction line; `line` (1-based) names it in errors. A line over
/// [`MAX_LINE_BYTES`], or one that is JSON only to a reader without depth and
/// number-range limits, keeps its `id` and `task` with an
/// [`PredictionContent::Unreadable`] answer; other bad JSON is an error.
pub fn parse_line(text: &str, line: usize, path: &Path) -> Result<Prediction> {
    let text = text.trim();
    let json_error = |e: serde_json::Error| Error::Json {
        path: path.to_owned(),
        line,
        message: e.to_string(),
    };
    if text.len() > MAX_LINE_BYTES {
        return unreadable_line(text, line, path).map_err(json_error)?;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => parse_prediction(&Fields::of(path, line, &value, "")?),
        // Too deep or a number out of range: the line is JSON, but its
        // content cannot be used. Anything else keeps the reader's message.
        Err(e) => unreadable_line(text, line, path).map_err(|_| json_error(e))?,
    }
}

/// The `id` and `task` of a line whose content is not read: the rest is
/// skipped without being built (no depth limit, numbers not converted).
/// The outer error is the skipping reader's; the inner one is the line's
/// own field error (a missing `id`, say).
fn unreadable_line(
    text: &str,
    line: usize,
    path: &Path,
) -> std::result::Result<Result<Prediction>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Skeleton {
        id: Option<Value>,
        task: Option<Value>,
        response: Option<serde::de::IgnoredAny>,
        answer: Option<serde::de::IgnoredAny>,
    }
    let skeleton: Skeleton = serde_json::from_str(text)?;
    let mut object = serde_json::Map::new();
    let has_content = skeleton.response.is_some() || skeleton.answer.is_some();
    let fields = [
        ("id", skeleton.id),
        ("task", skeleton.task),
        ("answer", has_content.then_some(Value::Null)),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            object.insert(key.to_owned(), value);
        }
    }
    let value = Value::Object(object);
    Ok(Fields::of(path, line, &value, "")
        .and_then(|f| parse_prediction(&f))
        .map(|p| Prediction {
            content: PredictionContent::Unreadable,
            ..p
        }))
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
/// listing every repeated id with its lines (docs/scoring.md §3.3) and how
/// to keep one line per id.
pub fn index_by_id<'a>(
    predictions: &'a [Prediction],
    path: &Path,
) -> Result<HashMap<&'a str, &'a Prediction>> {
    reject_duplicate_ids(path, predictions.iter().map(|p| (p.id.as_str(), p.line))).map_err(
        |e| match e {
            Error::DuplicateIds { path, ids, .. } => Error::DuplicateIds {
                hint: format!(
                    "; each id is answered once per task: keep one of its lines (to keep the \
                     last: jq -c -s 'reverse | unique_by([.task, .id]) | .[]' {} > fixed.jsonl)",
                    path.display()
                ),
                path,
                ids,
            },
            other => other,
        },
    )?;
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
    fn an_answer_too_deep_or_out_of_range_is_unreadable_not_an_error() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for answer in [deep.as_str(), "[{\"event\": 1e400}]"] {
            let line = format!("{{\"id\": \"a\", \"task\": \"event\", \"answer\": {answer}}}");
            let p = &parse(&line).unwrap()[0];
            assert_eq!((p.id.as_str(), p.task.as_deref()), ("a", Some("event")));
            assert_eq!(p.content, PredictionContent::Unreadable);
        }
        // The same inside a response string was always fine.
        let p = &parse("{\"id\": \"a\", \"response\": \"[1e400]\"}").unwrap()[0];
        assert_eq!(p.content, PredictionContent::Response("[1e400]".into()));
    }

    #[test]
    fn an_over_long_line_keeps_its_id_and_is_unreadable() {
        let big = format!(
            "{{\"answer\": [{}0], \"id\": \"b\"}}",
            "0,".repeat(MAX_LINE_BYTES / 2)
        );
        let p = &parse(&big).unwrap()[0];
        assert_eq!(p.id, "b");
        assert_eq!(p.content, PredictionContent::Unreadable);
        // Without an id it is still that line's field error.
        let big = format!("{{\"answer\": \"{}\"}}", "x".repeat(MAX_LINE_BYTES));
        assert_eq!(
            parse(&big).unwrap_err().to_string(),
            "p.jsonl:1: field `id`: missing"
        );
        // Broken JSON stays a JSON error, with the reader's own message.
        let err = parse(&format!(
            "{{\"id\": \"c\", \"answer\": [{}",
            "1,".repeat(10)
        ))
        .unwrap_err();
        assert!(
            err.to_string().starts_with("p.jsonl:1: invalid JSON: EOF"),
            "{err}"
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
        let preds = parse_records(array, Path::new("p.json")).unwrap();
        let ids: Vec<_> = preds.iter().map(|p| (p.id.as_str(), p.line)).collect();
        assert_eq!(ids, vec![("a", 2), ("b", 3)]);
        let bad = "[{\"id\": \"a\", \"answer\": []},\n {\"answer\": []}]";
        let err = parse_records(bad, Path::new("p.json")).unwrap_err();
        assert_eq!(err.to_string(), "p.json:2: field `id`: missing");
    }

    #[test]
    fn a_json_array_element_too_deep_out_of_range_or_too_long_is_unreadable() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let long = format!("\"{}\"", "x".repeat(MAX_LINE_BYTES));
        let array = format!(
            "[{{\"id\": \"a\", \"answer\": {deep}}},\n {{\"id\": \"b\", \"answer\": [1e400]}},\n \
             {{\"id\": \"c\", \"response\": {long}}},\n {{\"id\": \"d\", \"answer\": []}}]"
        );
        let preds = parse_records(&array, Path::new("p.json")).unwrap();
        let got: Vec<_> = preds
            .iter()
            .map(|p| (p.id.as_str(), p.line, &p.content))
            .collect();
        let unreadable = &PredictionContent::Unreadable;
        let empty = &PredictionContent::Answer(Value::Array(vec![]));
        assert_eq!(
            got,
            vec![
                ("a", 1, unreadable),
                ("b", 2, unreadable),
                ("c", 3, unreadable),
                ("d", 4, empty)
            ]
        );
        // Broken syntax is still the file's error, on its line.
        let err = parse_records("[{\"id\": \"a\"},\n {oops}]", Path::new("p.json")).unwrap_err();
        assert!(
            err.to_string().starts_with("p.json:2: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn duplicates_list_ids_and_lines() {
        let preds = parse("{\"id\": \"x\", \"answer\": []}\n{\"id\": \"y\", \"answer\": []}\n{\"id\": \"x\", \"answer\": []}\n").unwrap();
        let err = index_by_id(&preds, Path::new("p.jsonl")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.jsonl: duplicate id(s): x (lines 1, 3); each id is answered once per task: keep one of its lines (to keep the last: jq -c -s 'reverse | unique_by([.task, .id]) | .[]' p.jsonl > fixed.jsonl)"),
            "{err}"
        );
    }
}
