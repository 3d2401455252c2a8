//! What `cuebench validate` reports: a submission checked without scoring.
//! CueBench's check ([`run`], behind its `Benchmark::check`) finds its
//! inputs as `eval` does (a file, a folder of `<task>.jsonl`, `--all`), and
//! collects every problem (not only the first) with file and line, plus per
//! task the missing ids and unparseable answers (docs/scoring.md §11). A
//! benchmark without its own check is scored, and its evaluation's coverage
//! read ([`of_evaluation`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::benchmarks::cuebench::sources::{task_sources, unread_files};
use crate::benchmarks::run::list;
use crate::error::Result;
use crate::extraction::{Answer, answer_of, content_failure_reason};
use crate::formats::annotations::{Video, read_annotations};
use crate::formats::predictions::{Prediction, prediction_lines};
use crate::formats::records::read_text;
use crate::formats::sniff::{Role, wrong_text};
use crate::tasks::Task;
use crate::tasks::derive::derive_samples;
use crate::tasks::keys::key_mismatch;

/// How many ids a listing shows before giving a count.
const LISTED: usize = 20;

/// What `validate` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    /// One line per problem (malformed lines, unknown or duplicate ids,
    /// unread files); empty means the submission is well-formed.
    pub problems: Vec<String>,
    /// Per task: how the predictions cover the samples.
    pub tasks: Vec<TaskCoverage>,
    /// Likely mistakes that leave the file well-formed (answers written
    /// for another task); `--strict` fails on them.
    pub warnings: Vec<String>,
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
    /// Sample ids without a prediction (they would score 0), sorted.
    pub missing: Vec<String>,
    /// Sample ids whose answer cannot be parsed (they would score 0), sorted.
    pub parse_failed: Vec<String>,
    /// Why, for each of `parse_failed` in the same order (empty where the
    /// benchmark does not say).
    pub reasons: Vec<String>,
}

impl TaskCoverage {
    /// `event: 21 predictions for 22 samples: 1 missing, 1 unparseable`,
    /// then the ids (first 20 and a count) on indented lines.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}: {} predictions for {} samples: {} missing, {} unparseable\n",
            self.task,
            self.predictions,
            self.samples,
            self.missing.len(),
            self.parse_failed.len()
        );
        if !self.missing.is_empty() {
            out.push_str(&format!("  missing: {}\n", list(&self.missing, LISTED)));
        }
        if !self.parse_failed.is_empty() {
            let named: Vec<String> = match self.reasons.len() == self.parse_failed.len() {
                true => self
                    .parse_failed
                    .iter()
                    .zip(&self.reasons)
                    .map(|(id, why)| format!("{id} ({why})"))
                    .collect(),
                false => self.parse_failed.clone(),
            };
            out.push_str(&format!("  unparseable: {}\n", list(&named, LISTED)));
        }
        out
    }
}

impl Validation {
    /// Whether `--strict` fails: incomplete coverage or a warning.
    pub fn fails_strict(&self) -> bool {
        self.incomplete() > 0 || !self.warnings.is_empty()
    }

    /// Samples without a prediction or with an unparseable answer, over all tasks.
    pub fn incomplete(&self) -> usize {
        self.tasks
            .iter()
            .map(|t| t.missing.len() + t.parse_failed.len())
            .sum()
    }

    /// One line that says what was found, never "valid" with samples missing.
    pub fn summary(&self) -> String {
        let (missing, unparseable): (usize, usize) = self.tasks.iter().fold((0, 0), |(m, u), t| {
            (m + t.missing.len(), u + t.parse_failed.len())
        });
        match (self.problems.len(), missing + unparseable) {
            (0, 0) if !self.warnings.is_empty() => format!(
                "well-formed, but {} warning(s): answers look written for another task",
                self.warnings.len()
            ),
            (0, 0) => "valid: every sample has a parseable prediction".into(),
            (0, _) => format!(
                "well-formed, but incomplete: {missing} sample(s) missing, {unparseable} unparseable (they score 0)"
            ),
            (p, _) => format!(
                "invalid: {p} problem(s); {missing} sample(s) missing, {unparseable} unparseable"
            ),
        }
    }
}

/// Checks the predictions at `path` (a file or a folder) for `tasks`
/// (`None`: every task a line names; a folder: every task) against the
/// annotations: every line parses and has a task, ids are known and unique
/// per task; lists missing ids and unparseable answers.
pub fn run(path: &Path, gt: &Path, tasks: Option<&[Task]>) -> Result<Validation> {
    let videos = read_annotations(gt)?;
    let mut validation = Validation::default();
    let chosen: Vec<Task> = match tasks {
        Some(t) => t.to_vec(),
        None if path.is_dir() => Task::ALL.to_vec(),
        None => Vec::new(),
    };
    let sources = if chosen.is_empty() {
        Vec::new()
    } else {
        task_sources(&chosen, path)
    };
    let mut by_task: BTreeMap<Task, Vec<Prediction>> = BTreeMap::new();
    let mut files: Vec<(PathBuf, Option<Task>)> = Vec::new();
    if chosen.is_empty() {
        files.push((path.to_owned(), None));
    }
    for s in &sources {
        if !s.exists {
            validation.problems.push(format!(
                "{}: missing: every {} sample lacks a prediction",
                s.file.display(),
                s.task
            ));
        } else if !files.iter().any(|(f, _)| *f == s.file) {
            files.push((
                s.file.clone(),
                (!s.shared && chosen.len() == 1 || path.is_dir()).then_some(s.task),
            ));
        }
    }
    for (file, only) in &files {
        read_file(file, *only, &chosen, &mut by_task, &mut validation.problems)?;
    }
    validation
        .problems
        .extend(unread_files(path, &sources).into_iter().map(|n| {
            format!(
                "{}: no task reads this file (each task reads `<task>.jsonl`)",
                path.join(n).display()
            )
        }));
    let tasks: Vec<Task> = if chosen.is_empty() {
        by_task.keys().copied().collect()
    } else {
        chosen
    };
    let source_of = |task: Task| {
        sources
            .iter()
            .find(|s| s.task == task)
            .map_or_else(|| path.to_owned(), |s| s.file.clone())
    };
    for task in tasks {
        let preds = by_task.remove(&task).unwrap_or_default();
        let coverage = coverage(
            task,
            &preds,
            &videos,
            &source_of(task),
            &mut validation.problems,
            &mut validation.warnings,
        );
        validation.tasks.push(coverage);
    }
    Ok(validation)
}

/// Reads one predictions file into `by_task` (`only`: the task a per-task
/// file holds; `chosen` empty: every task a line names), each unreadable
/// line or file a problem.
fn read_file(
    file: &Path,
    only: Option<Task>,
    chosen: &[Task],
    by_task: &mut BTreeMap<Task, Vec<Prediction>>,
    problems: &mut Vec<String>,
) -> Result<()> {
    let text = read_text(file)?;
    if let Some(wrong) = wrong_text(&text, file, Role::Predictions) {
        problems.push(wrong.to_string());
        return Ok(());
    }
    for line in prediction_lines(&text, file) {
        match line {
            Err(e) => problems.push(e.to_string()),
            Ok(p) => match task_of(&p, only, file) {
                Err(problem) => problems.push(problem),
                Ok(Some(task)) if chosen.is_empty() || chosen.contains(&task) => {
                    by_task.entry(task).or_default().push(p)
                }
                Ok(_) => {}
            },
        }
    }
    Ok(())
}

/// One task's coverage: its samples, the predictions' ids checked against
/// them (problems pushed), the missing ids and unparseable answers, sorted.
fn coverage(
    task: Task,
    preds: &[Prediction],
    videos: &[Video],
    source: &Path,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> TaskCoverage {
    let samples = derive_samples(videos, task);
    let ids: HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    check_ids(task, preds, &ids, source, problems);
    let answered: HashSet<&str> = preds.iter().map(|p| p.id.as_str()).collect();
    let mut missing: Vec<String> = samples
        .iter()
        .filter(|s| !answered.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();
    missing.sort();
    let answers: Vec<(&Prediction, Answer)> = preds
        .iter()
        .filter(|p| ids.contains(p.id.as_str()))
        .map(|p| (p, answer_of(&p.content)))
        .collect();
    let mut failed: Vec<(String, String)> = answers
        .iter()
        .filter(|(_, a)| *a == Answer::ParseFailed)
        .map(|(p, _)| (p.id.clone(), content_failure_reason(&p.content)))
        .collect();
    failed.sort();
    let (parse_failed, reasons) = failed.into_iter().unzip();
    let elements: Vec<&[serde_json::Value]> = answers.iter().map(|(_, a)| a.elements()).collect();
    if let Some(mismatch) = key_mismatch(task, &elements) {
        warnings.push(format!(
            "{task}: {}: {}",
            source.display(),
            mismatch.message()
        ));
    }
    TaskCoverage {
        task: task.name().into(),
        samples: samples.len(),
        predictions: preds.len(),
        missing,
        parse_failed,
        reasons,
    }
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
                "{}: {task}: duplicate id `{}` (lines {where_})",
                path.display(),
                id.escape_debug()
            ));
        }
        if !known.contains(id) {
            problems.push(format!(
                "{}:{}: {task}: unknown id `{}`",
                path.display(),
                at[0],
                id.escape_debug()
            ));
        }
    }
}

/// The coverage of a sibling benchmark's evaluation (its readers already
/// refused malformed input): missing and unparseable samples, unknown ids.
pub fn of_evaluation(evaluation: &crate::model::Evaluation) -> Validation {
    use crate::model::SampleStatus;
    let ids = |status| -> Vec<String> {
        evaluation
            .samples
            .iter()
            .filter(|s| s.status == status)
            .map(|s| s.id.clone())
            .collect()
    };
    let r = &evaluation.result;
    let problems = (r.counts.unknown_ids > 0)
        .then(|| {
            format!(
                "{}: {} prediction id(s) are not samples of the ground truth",
                r.task, r.counts.unknown_ids
            )
        })
        .into_iter()
        .collect();
    Validation {
        problems,
        tasks: vec![TaskCoverage {
            task: r.task.clone(),
            samples: r.counts.samples,
            predictions: r.counts.samples - r.counts.missing,
            missing: ids(SampleStatus::Missing),
            parse_failed: ids(SampleStatus::ParseFailed),
            reasons: Vec::new(),
        }],
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_alone_fails_strict_and_is_never_called_valid() {
        // Answers written for another task leave the file well-formed and
        // complete; --strict still refuses it (issue 22 §2).
        let v = Validation {
            warnings: vec!["anomaly-td: p.jsonl: 6 of 6 answers lack ...".into()],
            ..Validation::default()
        };
        assert!(v.fails_strict());
        assert_eq!(
            v.summary(),
            "well-formed, but 1 warning(s): answers look written for another task"
        );
        assert!(!Validation::default().fails_strict());
    }
}
