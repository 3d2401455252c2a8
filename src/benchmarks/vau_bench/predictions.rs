//! VAU-Bench predictions: JSONL (`id`, `response` or `answer`, optional
//! `task`; docs/scoring.md §3.3) or the reference inference scripts' CSV output
//! (`Video Name` plus the task's answer column).

use std::path::Path;

use super::csv_table::CsvTable;
use super::{VauTask, video_key};
use crate::Result;
use crate::formats::predictions::{PredictionContent, for_task, read_predictions};
use crate::formats::records::reject_duplicate_ids;
use crate::tasks::TaskName;

/// One prediction, reduced to the text the task's parser reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictedAnswer {
    /// The id as matched against the ground truth (see [`video_key`]).
    pub key: String,
    /// The answer text: a JSONL `response`, an `answer` value (a JSON
    /// string as is, anything else as compact JSON), or a CSV cell.
    pub text: String,
    /// Whether `text` is a raw model response (JSONL `response` or a CSV
    /// cell), the only kind that can count towards `format_ok`.
    pub is_response: bool,
}

/// Reads predictions for `task`: CSV when the file name ends in `.csv` (any
/// case), JSONL otherwise. JSONL lines whose `task` names another task are
/// skipped.
///
/// Errors: unreadable file, invalid JSON line, missing field or column,
/// malformed CSV row, or one video predicted twice ([`crate::Error::DuplicateIds`],
/// after `.mp4` normalisation).
pub fn read_answers(path: &Path, task: VauTask) -> Result<Vec<PredictedAnswer>> {
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let rows = if is_csv {
        read_csv(path, task)?
    } else {
        read_jsonl(path, task)?
    };
    reject_duplicate_ids(path, rows.iter().map(|(line, a)| (a.key.as_str(), *line)))?;
    Ok(rows.into_iter().map(|(_, answer)| answer).collect())
}

fn read_jsonl(path: &Path, task: VauTask) -> Result<Vec<(usize, PredictedAnswer)>> {
    let answers = for_task(read_predictions(path)?, task.name())
        .into_iter()
        .map(|p| {
            let (text, is_response) = match p.content {
                PredictionContent::Response(text) => (text, true),
                PredictionContent::Answer(serde_json::Value::String(text)) => (text, false),
                PredictionContent::Answer(serde_json::Value::Object(fields))
                    if task == VauTask::VauEval =>
                {
                    let field = |k: &str| fields.get(k).and_then(|v| v.as_str()).unwrap_or("");
                    (model_output(field("description"), field("analysis")), false)
                }
                PredictionContent::Answer(value) => (value.to_string(), false),
                PredictionContent::Unreadable => (String::new(), false),
            };
            let answer = PredictedAnswer {
                key: video_key(&p.id),
                text,
                is_response,
            };
            (p.line, answer)
        })
        .collect();
    Ok(answers)
}

fn read_csv(path: &Path, task: VauTask) -> Result<Vec<(usize, PredictedAnswer)>> {
    let mut table = CsvTable::open(path)?;
    let name_col = table.column("Video Name")?;
    let answer_col = table.column(task.csv_answer_column())?;
    let analysis_col = match task {
        VauTask::VauEval => Some(table.column(ANALYSIS)?),
        _ => None,
    };
    let rows = table.rows()?;
    rows.iter()
        .map(|row| {
            let name = row.get(name_col);
            if name.is_empty() {
                return Err(table.field_error(row, name_col, "empty video name".to_owned()));
            }
            let answer = PredictedAnswer {
                key: video_key(name),
                text: match analysis_col {
                    Some(col) => model_output(row.get(answer_col), row.get(col)),
                    None => row.get(answer_col).to_owned(),
                },
                is_response: true,
            };
            Ok((row.line, answer))
        })
        .collect()
}

/// The prediction CSV's description column (the reference script's).
pub(super) const DESCRIPTION: &str = "Description";
/// The prediction CSV's analysis column (the reference script's).
pub(super) const ANALYSIS: &str = "Analysis";

/// The model's output as the judge reads it; empty (nothing to judge: the
/// sample is `parse_failed`) when both parts are.
pub(super) fn model_output(description: &str, analysis: &str) -> String {
    let (description, analysis) = (description.trim(), analysis.trim());
    if description.is_empty() && analysis.is_empty() {
        return String::new();
    }
    format!("Description: {description}\nAnalysis: {analysis}")
}
