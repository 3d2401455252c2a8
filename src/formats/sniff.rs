//! Recognising a file given in the wrong place (docs/scoring.md §11, "likely
//! mistakes"): a results document, a VAU-Bench CSV or Vad-Reasoning
//! annotations given to CueBench as annotations or predictions fail to
//! parse there with a message about JSON or a field; this says what the file
//! is and what reads it instead. Only consulted once reading has failed.

use std::path::Path;

use serde_json::Value;

use super::records::read_text;
use crate::error::Error;

/// The `schema` value of a results document (docs/results.md).
pub const RESULTS_SCHEMA: &str = "cuebench-results";

/// What a CueBench input was expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The `--gt` annotation file.
    Annotations,
    /// A predictions file.
    Predictions,
}

/// A kind of file that is not a CueBench input but is often given as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownFile {
    /// A results document written by `eval --format json` or `--output`.
    ResultsDocument,
    /// VAU-Bench annotations (`Video Name`, `Question`, ..., `Anomaly Class`).
    VauBenchAnnotations,
    /// VAU-Bench predictions in the reference scripts' CSV layout.
    VauBenchPredictions,
    /// Vad-Reasoning annotations (cuebench's layout or the published rows).
    VadReasoningAnnotations,
}

impl KnownFile {
    /// Recognises `text` (a whole file, a UTF-8 byte-order mark allowed).
    pub fn recognise(text: &str) -> Option<KnownFile> {
        let text = text.trim_start_matches('\u{feff}');
        let first_line = text.lines().find(|l| !l.trim().is_empty())?.trim();
        if first_line.starts_with('{') || first_line.starts_with('[') {
            return recognise_json(text, first_line);
        }
        let columns: Vec<&str> = first_line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let has = |name: &str| columns.contains(&name);
        if !has("Video Name") {
            return None;
        }
        if ["Correct Option", "Anomaly Class", "Start Time"]
            .iter()
            .any(|c| has(c))
        {
            Some(KnownFile::VauBenchAnnotations)
        } else if ["QA answer", "CLS answer", "Temporal Grounding"]
            .iter()
            .any(|c| has(c))
        {
            Some(KnownFile::VauBenchPredictions)
        } else {
            None
        }
    }

    /// `PATH: this is ..., not CueBench annotations: ...`: what the file
    /// is and what reads it, for the message of [`crate::Error::WrongFile`].
    pub fn explain(self, role: Role) -> String {
        let not = match role {
            Role::Annotations => "not CueBench annotations (--gt)",
            Role::Predictions => "not a predictions file",
        };
        match self {
            KnownFile::ResultsDocument => format!(
                "this is a cuebench results document (\"schema\": \"{RESULTS_SCHEMA}\"), {not}; \
                 `compare`, `leaderboard` and `report` read it, and `eval` needs the model's \
                 predictions (lines of {{\"id\", \"response\"}}) and the annotations"
            ),
            KnownFile::VauBenchAnnotations => format!(
                "this is a VAU-Bench annotation CSV (`Video Name`, `Question`, ... columns), \
                 {not}; score against it with `eval --bench vau-bench --task qa|grounding|cls \
                 --gt FILE PREDICTIONS`"
            ),
            KnownFile::VauBenchPredictions => format!(
                "this is a VAU-Bench predictions CSV (`Video Name` and an answer column), {not} \
                 for CueBench; score it with `eval --bench vau-bench --task qa|grounding|cls \
                 --gt VAU_CSV FILE`"
            ),
            KnownFile::VadReasoningAnnotations => format!(
                "these are Vad-Reasoning annotations (records with `label` and `reference` or \
                 `interval`, or `video` and `anomaly_type`), {not}; score against them with \
                 `eval --bench vad-reasoning --task reasoning|detection --gt FILE PREDICTIONS`"
            ),
        }
    }
}

/// The error for a file at `path` that failed to read as `role`, when the
/// file is one of the [`KnownFile`]s: says what it is and what reads it.
/// `None` (keep the original error) for anything else, or when the file
/// cannot be read as text.
pub fn wrong_file(path: &Path, role: Role) -> Option<Error> {
    let text = read_text(path).ok()?;
    wrong_text(&text, path, role)
}

/// [`wrong_file`] for a text already read; `name` names it.
pub fn wrong_text(text: &str, name: &Path, role: Role) -> Option<Error> {
    KnownFile::recognise(text).map(|kind| Error::WrongFile {
        path: name.to_owned(),
        message: kind.explain(role),
    })
}

/// A results document (one JSON object naming the schema) or Vad-Reasoning
/// annotations (judged by the first record).
fn recognise_json(text: &str, first_line: &str) -> Option<KnownFile> {
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(text)
        && o.get("schema").and_then(Value::as_str) == Some(RESULTS_SCHEMA)
    {
        return Some(KnownFile::ResultsDocument);
    }
    let first: Value = match serde_json::from_str::<Value>(first_line) {
        Ok(Value::Array(items)) => items.into_iter().next()?,
        Ok(v) => v,
        // A JSON array spread over lines: its first element.
        Err(_) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items.into_iter().next()?,
            _ => return None,
        },
    };
    let record = first.as_object()?;
    let has = |k: &str| record.contains_key(k);
    let published = has("video") && has("anomaly_type");
    let own = has("label") && (has("reference") || has("interval"));
    // A predictions line carries `response` or `answer`.
    let answers = has("response") || has("answer");
    (!has("video_id") && !answers && (published || own))
        .then_some(KnownFile::VadReasoningAnnotations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_documents_csvs_and_vad_records_are_recognised() {
        let results = "{\n  \"schema\": \"cuebench-results\",\n  \"schema_version\": 1\n}\n";
        assert_eq!(
            KnownFile::recognise(results),
            Some(KnownFile::ResultsDocument)
        );
        let vau = "\u{feff}Video Name,Question,Option 1,Correct Option\r\na.mp4,q,x,A\r\n";
        assert_eq!(
            KnownFile::recognise(vau),
            Some(KnownFile::VauBenchAnnotations)
        );
        assert_eq!(
            KnownFile::recognise("\"Video Name\",QA answer\nabn_1,B\n"),
            Some(KnownFile::VauBenchPredictions)
        );
        let vad = "{\"id\": \"Robbery_001\", \"label\": \"abnormal\", \"interval\": [1, 2]}\n";
        assert_eq!(
            KnownFile::recognise(vad),
            Some(KnownFile::VadReasoningAnnotations)
        );
        let published = "[\n {\"video\": \"a.mp4\", \"anomaly_type\": \"Robbery\"}\n]";
        assert_eq!(
            KnownFile::recognise(published),
            Some(KnownFile::VadReasoningAnnotations)
        );
    }

    #[test]
    fn cuebench_inputs_and_other_text_are_not() {
        for text in [
            "[{\"video_id\": \"v\", \"triplets\": []}]",
            "{\"id\": \"v\", \"response\": \"x\"}\n",
            "{\"schema\": \"other\"}",
            "Video,Question\n",
            "",
            "not json",
        ] {
            assert_eq!(KnownFile::recognise(text), None, "{text}");
        }
        assert!(
            KnownFile::ResultsDocument
                .explain(Role::Predictions)
                .contains("`compare`, `leaderboard` and `report` read it")
        );
    }
}
