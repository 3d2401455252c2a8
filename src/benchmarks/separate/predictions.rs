//! Reading the separate protocol's prediction lines (docs/scoring.md §10):
//! objects with an `id` and the task's own fields (JSONL or a JSON array),
//! from one file or stdin (`-`; lines may carry a `task`) or from
//! `<dir>/<task>.jsonl`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::SeparateTask;
use crate::error::Result;
use crate::formats::records::{Fields, parse_records, read_text_or_stdin, reject_duplicate_ids};
use crate::tasks::TaskName;

/// One prediction line: its id, line and the object itself (the task's
/// fields are read by the task's scorer; a malformed field scores 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The sample id it answers.
    pub id: String,
    /// 1-based line in the file.
    pub line: usize,
    /// The whole object.
    pub object: Map<String, Value>,
}

/// The lines of `task`: from `<path>/<task>.jsonl` when `path` is a folder
/// (no file: no lines), else the lines of the file whose `task` names it
/// (or that have none, unless `several` tasks share the file). Returns the
/// lines and the file they came from.
///
/// Errors: unreadable file, invalid JSON, a line that is not an object or
/// lacks a string `id`, a `task` that is not a string or (with `several`)
/// is missing, a repeated id.
pub fn read_lines(task: SeparateTask, path: &Path, several: bool) -> Result<(Vec<Line>, PathBuf)> {
    let file = super::predictions_file(path, task.name());
    if path.is_dir() && !file.exists() {
        return Ok((Vec::new(), file));
    }
    let (text, file) = read_text_or_stdin(&file)?;
    let mut lines = Vec::new();
    for record in parse_records(&text, &file)? {
        let f = Fields::of(&file, record.line, &record.value, "")?;
        let id = match f.required("id")? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                return Err(f.error("id", format!("expected a non-empty string, found {other}")));
            }
        };
        match f.optional_string("task")? {
            Some(t) if t != task.name() => continue,
            None if several && !path.is_dir() => {
                return Err(f.error(
                    "task",
                    "missing: a file scored for several tasks needs a `task` on every line",
                ));
            }
            _ => {}
        }
        lines.push(Line {
            id,
            line: record.line,
            object: f.object.clone(),
        });
    }
    reject_duplicate_ids(&file, lines.iter().map(|l| (l.id.as_str(), l.line)))?;
    Ok((lines, file))
}
