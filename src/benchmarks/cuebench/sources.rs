//! Where a CueBench run's predictions come from (docs/scoring.md §3.3,
//! §11): one file, or a folder of `<task>.jsonl` files for `--all`, each
//! read once and split by task; `eval` and `validate` both find their
//! inputs here.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::benchmarks::run::Finding;
use crate::error::{Error, Result};
use crate::evaluate::TaskPredictions;
use crate::formats::layout::{Layout, read_predictions_from};
use crate::formats::predictions::{Prediction, for_task};
use crate::tasks::Task;

/// Where one task's predictions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSource {
    /// The task.
    pub task: Task,
    /// `<dir>/<task>.jsonl` for a folder, else the file itself.
    pub file: PathBuf,
    /// The file holds several tasks' lines (a file given to `--all`): every
    /// line needs a `task`.
    pub shared: bool,
    /// The file is to be read (a folder may lack a task's file: every sample is missing).
    pub exists: bool,
}

/// Which file each task reads: `<dir>/<task>.jsonl` when `path` is a folder,
/// else `path` itself (shared by the tasks when there are several). `eval`
/// and `validate` both find their inputs here.
pub fn task_sources(tasks: &[Task], path: &Path) -> Vec<TaskSource> {
    // A folder holds one file per task, so it is read only for several
    // tasks; a folder given for one task is read as a file and so refused
    // (it would score zeros).
    let folder = path.is_dir() && tasks.len() > 1;
    tasks
        .iter()
        .map(|&task| {
            let file = if folder {
                path.join(format!("{}.jsonl", task.name()))
            } else {
                path.to_owned()
            };
            TaskSource {
                task,
                // A file given by name must be readable; only a folder may lack one.
                exists: !folder || file.exists(),
                shared: !folder && tasks.len() > 1,
                file,
            }
        })
        .collect()
}

/// A task's predictions and what reading them skipped.
pub(super) struct ReadSource {
    pub(super) input: TaskPredictions,
    /// Lines tagged with another task, per task name (skipped).
    pub(super) other_tasks: BTreeMap<String, usize>,
    pub(super) exists: bool,
}

/// Reads every source once: a folder's task files as JSONL, a file (or
/// standard input) in `layout`, shared by the tasks that read it.
pub(super) fn read_sources(sources: &[TaskSource], layout: Layout) -> Result<Vec<ReadSource>> {
    let mut cache: Option<(PathBuf, Vec<Prediction>)> = None;
    sources
        .iter()
        .map(|s| {
            if !s.exists {
                return Ok(ReadSource {
                    input: TaskPredictions {
                        task: s.task,
                        predictions: Vec::new(),
                        source: s.file.clone(),
                    },
                    other_tasks: BTreeMap::new(),
                    exists: false,
                });
            }
            // A file shared by every task is read once.
            let all = match &cache {
                Some((path, lines)) if *path == s.file => lines.clone(),
                _ => {
                    // A folder's task files are in `layout` too (lmms-eval logs per task).
                    let lines = read_predictions_from(&s.file, layout)?;
                    reject_unknown_tasks(&lines, &s.file)?;
                    cache = Some((s.file.clone(), lines.clone()));
                    lines
                }
            };
            if s.shared
                && let Some(p) = all.iter().find(|p| p.task.is_none())
            {
                return Err(Error::Field {
                    path: s.file.clone(),
                    line: p.line,
                    field: "task".into(),
                    message:
                        "missing: a file scored for several tasks needs a `task` on every line"
                            .into(),
                });
            }
            let mut other_tasks = BTreeMap::new();
            for t in all
                .iter()
                .filter_map(|p| p.task.as_deref())
                .filter(|t| *t != s.task.name())
            {
                *other_tasks.entry(t.to_owned()).or_insert(0) += 1;
            }
            Ok(ReadSource {
                input: TaskPredictions {
                    task: s.task,
                    predictions: for_task(all, s.task.name()),
                    source: s.file.clone(),
                },
                other_tasks: if s.shared {
                    BTreeMap::new()
                } else {
                    other_tasks
                },
                exists: true,
            })
        })
        .collect()
}

/// The names of the files in folder `path` that none of `sources` reads
/// (hidden files aside), sorted; empty when `path` is not a folder.
pub fn unread_files(path: &Path, sources: &[TaskSource]) -> Vec<String> {
    if !path.is_dir() {
        return Vec::new();
    }
    let read: HashSet<&Path> = sources.iter().map(|s| s.file.as_path()).collect();
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| !read.contains(p.as_path()))
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Fails on the first line whose `task` names no task: it would be dropped
/// unscored.
fn reject_unknown_tasks(predictions: &[Prediction], path: &Path) -> Result<()> {
    for p in predictions {
        if let Some(Err(message)) = p.task.as_deref().map(str::parse::<Task>) {
            return Err(Error::Field {
                path: path.to_owned(),
                line: p.line,
                field: "task".into(),
                message,
            });
        }
    }
    Ok(())
}

/// Files of an `--all` folder that no task reads, and tasks whose file is
/// absent (docs/scoring.md §11).
pub(super) fn folder_findings(sources: &[TaskSource], path: &Path) -> Vec<Finding> {
    if !path.is_dir() || sources.len() < 2 {
        return Vec::new();
    }
    let unread = unread_files(path, sources);
    let absent: Vec<String> = sources
        .iter()
        .filter(|s| !s.exists)
        .map(|s| s.task.name().to_owned())
        .collect();
    let mut findings = Vec::new();
    if !unread.is_empty() {
        let hint = if unread.iter().any(|n| n == "all.jsonl") {
            format!(
                "; a file holding every task is scored as a file: `--all {}`",
                path.join("all.jsonl").display()
            )
        } else {
            "; each task reads `<task>.jsonl`, e.g. `anomaly-td.jsonl`".to_owned()
        };
        findings.push(Finding {
            message: format!(
                "{}: {} file(s) that no task reads",
                path.display(),
                unread.len()
            ),
            hint,
            items: unread,
            warn: true,
        });
    }
    if !absent.is_empty() {
        findings.push(Finding {
            message: format!(
                "{}: no file for {} task(s), whose samples are all missing",
                path.display(),
                absent.len(),
            ),
            hint: String::new(),
            items: absent.iter().map(|t| format!("{t}.jsonl")).collect(),
            warn: true,
        });
    }
    findings
}
