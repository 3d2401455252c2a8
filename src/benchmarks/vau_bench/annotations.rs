//! VAU-Bench ground truth: the annotation CSV (`Video Name`, `Correct
//! Option`, `Anomaly Class`, `Start Time`, `End Time`, ...) read into one
//! scoring target per video for the task at hand.

use std::path::Path;

use super::classes::canonical_class;
use super::csv_table::{CsvRow, CsvTable};
use super::{VauTask, video_key};
use crate::Result;
use crate::formats::records::reject_duplicate_ids;
use crate::metrics::temporal::Interval;

/// Whether a field holds VAU-Bench's "not annotated" marker, `-1` (data
/// README); `-1.0` too, as a spreadsheet may write it.
fn is_unannotated(value: &str) -> bool {
    value.parse::<f64>().is_ok_and(|v| v == -1.0)
}

/// What a video is scored against in one task.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// QA: the correct option letter, upper case.
    Letter(char),
    /// Grounding: the anomaly's span in seconds.
    Span(Interval),
    /// CLS: the canonical class name.
    Class(&'static str),
    /// VAU-Eval: the ground truth's description and reasoning, as the
    /// judge reads them.
    Text(String),
}

/// One annotated video.
#[derive(Debug, Clone, PartialEq)]
pub struct GtVideo {
    /// `Video Name` as written (trimmed): the sample id.
    pub name: String,
    /// The name used for matching predictions (see [`video_key`]).
    pub key: String,
    /// `None` when the video is not a sample of the task: a `-1` field, or
    /// for grounding a normal video (`0, 0`).
    pub target: Option<Target>,
}

/// Reads the annotation CSV, checking only the columns `task` needs.
///
/// Errors: a missing column, a row of the wrong width, an empty or repeated
/// video name, or a value the task cannot use, each naming file, line and
/// column.
pub fn read_ground_truth(path: &Path, task: VauTask) -> Result<Vec<GtVideo>> {
    let mut table = CsvTable::open(path)?;
    let name_col = table.column("Video Name")?;
    let columns: Vec<usize> = task
        .gt_columns()
        .iter()
        .map(|name| table.column(name))
        .collect::<Result<_>>()?;
    // The option texts, needed only to check a `D. <text>` answer cell.
    let option_cols = OPTION_COLUMNS.map(|name| table.column(name).ok());
    let rows = table.rows()?;
    if rows.is_empty() {
        return Err(crate::Error::EmptyGroundTruth {
            path: path.to_owned(),
        });
    }
    let mut videos = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let name = row.get(name_col);
        if name.is_empty() {
            return Err(table.field_error(row, name_col, "empty video name".to_owned()));
        }
        let target = match task {
            VauTask::Qa => letter_target(&table, row, columns[0], columns[1], &option_cols)?,
            VauTask::Grounding => span_target(&table, row, columns[0], columns[1])?,
            VauTask::Cls => class_target(&table, row, columns[0])?,
            VauTask::VauEval => text_target(row, columns[0], columns[1]),
        };
        let key = video_key(name);
        lines.push(row.line);
        videos.push(GtVideo {
            name: name.to_owned(),
            key,
            target,
        });
    }
    reject_duplicate_ids(path, videos.iter().map(|v| v.key.as_str()).zip(lines))?;
    Ok(videos)
}

/// The four option columns, for the letters A-D in order.
const OPTION_COLUMNS: [&str; 4] = ["Option 1", "Option 2", "Option 3", "Option 4"];

/// The correct letter: a cell `A`-`D` (either case), or a cell written
/// `<letter>. <text>` whose text is that option's text (as in the published
/// `test_msad.csv`, e.g. `D. Green trash bin tipping over unexpectedly`).
fn letter_target(
    table: &CsvTable,
    row: &CsvRow,
    question_col: usize,
    col: usize,
    option_cols: &[Option<usize>; 4],
) -> Result<Option<Target>> {
    let value = row.get(col);
    if is_unannotated(row.get(question_col)) || is_unannotated(value) {
        return Ok(None);
    }
    let mut chars = value.chars();
    let letter = chars.next().map(|c| c.to_ascii_uppercase());
    let rest = chars.as_str();
    let index = match letter {
        Some(c @ 'A'..='D') => usize::from(c as u8 - b'A'),
        _ => return Err(letter_error(table, row, col, value)),
    };
    if rest.is_empty() {
        return Ok(letter.map(Target::Letter));
    }
    let option_text = option_cols[index].map(|option| row.get(option));
    match (rest.strip_prefix('.').map(str::trim), option_text) {
        (Some(text), Some(option)) if text == option => Ok(letter.map(Target::Letter)),
        _ => Err(letter_error(table, row, col, value)),
    }
}

fn letter_error(table: &CsvTable, row: &CsvRow, col: usize, value: &str) -> crate::Error {
    table.field_error(
        row,
        col,
        format!("`{value}` is not A, B, C, D, -1 or `<letter>. <that option's text>`"),
    )
}

fn span_target(
    table: &CsvTable,
    row: &CsvRow,
    start_col: usize,
    end_col: usize,
) -> Result<Option<Target>> {
    if is_unannotated(row.get(start_col)) || is_unannotated(row.get(end_col)) {
        return Ok(None);
    }
    let start = seconds(table, row, start_col)?;
    let end = seconds(table, row, end_col)?;
    for (value, col) in [(start, start_col), (end, end_col)] {
        if value < 0.0 {
            return Err(table.field_error(
                row,
                col,
                format!("negative time {value} (only -1 marks no span)"),
            ));
        }
    }
    if start > end {
        return Err(table.field_error(
            row,
            end_col,
            format!("ends at {end}, before its start {start}"),
        ));
    }
    // A normal video is written 0, 0; the reference skips it in grounding.
    let normal = start == 0.0 && end == 0.0;
    Ok((!normal).then_some(Target::Span(Interval { start, end })))
}

fn seconds(table: &CsvTable, row: &CsvRow, col: usize) -> Result<f64> {
    let value = row.get(col);
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| table.field_error(row, col, format!("`{value}` is not a number of seconds")))
}

/// The description and reasoning, labelled; `None` (not a sample) when
/// both are empty or `-1`.
fn text_target(row: &CsvRow, description_col: usize, reasoning_col: usize) -> Option<Target> {
    let cell = |col| Some(row.get(col).trim()).filter(|v| !v.is_empty() && !is_unannotated(v));
    match (cell(description_col), cell(reasoning_col)) {
        (None, None) => None,
        (description, reasoning) => Some(Target::Text(format!(
            "Description: {}\nReasoning: {}",
            description.unwrap_or("-"),
            reasoning.unwrap_or("-")
        ))),
    }
}

fn class_target(table: &CsvTable, row: &CsvRow, col: usize) -> Result<Option<Target>> {
    let value = row.get(col);
    if is_unannotated(value) {
        return Ok(None);
    }
    canonical_class(value)
        .map(|class| Some(Target::Class(class)))
        .ok_or_else(|| {
            table.field_error(
                row,
                col,
                format!("`{value}` is not one of the 20 VAU-Bench classes"),
            )
        })
}
