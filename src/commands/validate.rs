//! `cuebench validate`: check a submission without scoring it. Every problem
//! is collected (not only the first), with file and line.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::extraction::{Answer, answer_of};
use crate::formats::annotations::read_annotations;
use crate::formats::predictions::{Prediction, prediction_lines};
use crate::formats::records::read_text;
use crate::tasks::Task;
use crate::tasks::derive::derive_samples;

/// What `validate` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    /// One line per problem; empty means the submission is valid.
    pub problems: Vec<String>,
    /// Per task: how the predictions cover the samples.
    pub tasks: Vec<TaskCoverage>,
}

/// Coverage of one task's samples by the predictions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TaskCoverage {
    /// The task.
    pub task: String,
    /// Ground-truth samples.
    pub samples: usize,
    /// Prediction lines for the task.
    pub predictions: usize,
    /// Samples without a prediction (they would score 0).
    pub missing: usize,
    /// Predictions whose answer cannot be parsed (they would score 0).
    pub parse_failed: usize,
}

/// Checks `predictions` against the annotations: every line parses, every
/// line has a task (`task` field or `only`), ids are known and unique per task.
pub fn run(predictions: &Path, gt: &Path, only: Option<Task>) -> Result<Validation> {
    let videos = read_annotations(gt)?;
    let text = read_text(predictions)?;
    let mut validation = Validation::default();
    let mut by_task: BTreeMap<Task, Vec<Prediction>> = BTreeMap::new();
    for line in prediction_lines(&text, predictions) {
        match line {
            Err(e) => validation.problems.push(e.to_string()),
            Ok(p) => match task_of(&p, only, predictions) {
                Err(problem) => validation.problems.push(problem),
                Ok(Some(task)) => by_task.entry(task).or_default().push(p),
                Ok(None) => {}
            },
        }
    }
    let tasks: Vec<Task> = match only {
        Some(t) => vec![t],
        None => by_task.keys().copied().collect(),
    };
    for task in tasks {
        let preds = by_task.remove(&task).unwrap_or_default();
        let samples = derive_samples(&videos, task);
        let ids: HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
        check_ids(task, &preds, &ids, predictions, &mut validation.problems);
        let answered: HashSet<&str> = preds.iter().map(|p| p.id.as_str()).collect();
        validation.tasks.push(TaskCoverage {
            task: task.name().into(),
            samples: samples.len(),
            predictions: preds.len(),
            missing: ids.iter().filter(|id| !answered.contains(**id)).count(),
            parse_failed: preds
                .iter()
                .filter(|p| answer_of(&p.content) == Answer::ParseFailed)
                .count(),
        });
    }
    Ok(validation)
}

/// The task a line belongs to: `None` when `--task` selects another one.
fn task_of(
    p: &Prediction,
    only: Option<Task>,
    path: &Path,
) -> std::result::Result<Option<Task>, String> {
    let named = match p.task.as_deref().map(str::parse::<Task>) {
        Some(Err(e)) => return Err(format!("{}:{}: field `task`: {e}", path.display(), p.line)),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    match (named, only) {
        (Some(t), Some(o)) => Ok((t == o).then_some(t)),
        (Some(t), None) => Ok(Some(t)),
        (None, Some(o)) => Ok(Some(o)),
        (None, None) => Err(format!(
            "{}:{}: field `task`: missing (give --task or a `task` field on every line)",
            path.display(),
            p.line
        )),
    }
}

fn check_ids(
    task: Task,
    preds: &[Prediction],
    known: &HashSet<&str>,
    path: &Path,
    problems: &mut Vec<String>,
) {
    let mut lines: HashMap<&str, Vec<usize>> = HashMap::new();
    for p in preds {
        lines.entry(&p.id).or_default().push(p.line);
    }
    let mut sorted: Vec<_> = lines.into_iter().collect();
    sorted.sort();
    for (id, at) in sorted {
        let where_ = at
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if at.len() > 1 {
            problems.push(format!(
                "{}: {task}: duplicate id `{id}` (lines {where_})",
                path.display()
            ));
        }
        if !known.contains(id) {
            problems.push(format!(
                "{}:{}: {task}: unknown id `{id}`",
                path.display(),
                at[0]
            ));
        }
    }
}
