//! A CueBench task's likely mistakes (docs/scoring.md §11): unknown ids
//! and whose ids they look like, lines for other tasks, too few answers.

use std::collections::{HashMap, HashSet};

use super::sources::ReadSource;
use crate::benchmarks::run::Finding;
use crate::evaluate::Session;
use crate::extraction::{Answer, answer_of};
use crate::model::Evaluation;
use crate::tasks::Task;
use crate::tasks::keys::key_mismatch;

/// One task's likely mistakes: unknown ids (and whose ids they look like),
/// lines for other tasks in a per-task file, fewer than half the samples
/// answered, any sample missing (listed for `--strict`).
pub(super) fn task_findings(
    session: &Session,
    read: &ReadSource,
    evaluation: &Evaluation,
) -> Vec<Finding> {
    let task = read.input.task;
    let source = read.input.source.display();
    let known: HashSet<&str> = session
        .samples(task)
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let unknown = unknown_ids(read, &known);
    let looks_like = looks_like(session, task, &unknown) + &differs_in_case(&unknown, &known);
    let mut findings = Vec::new();
    // Per-video tasks share ids: answers written for another task match
    // every id and score 0 with nothing else to give them away.
    let answers: Vec<Answer> = read
        .input
        .predictions
        .iter()
        .filter(|p| known.contains(p.id.as_str()))
        .map(|p| answer_of(&p.content))
        .collect();
    let elements: Vec<&[serde_json::Value]> = answers.iter().map(Answer::elements).collect();
    if let Some(mismatch) = key_mismatch(task, &elements) {
        findings.push(Finding {
            message: format!("{task}: {source}: {}", mismatch.message()),
            hint: String::new(),
            items: Vec::new(),
            warn: true,
        });
    }
    if !unknown.is_empty() {
        findings.push(Finding {
            message: format!(
                "{task}: {source}: {} prediction id(s) are not {task} samples",
                unknown.len(),
            ),
            hint: looks_like.clone(),
            items: unknown,
            warn: true,
        });
    }
    findings.extend(other_tasks_finding(read));
    findings.extend(coverage_finding(read, evaluation, looks_like));
    findings
}

/// The prediction ids that are not samples of the task, sorted, each once.
fn unknown_ids(read: &ReadSource, known: &HashSet<&str>) -> Vec<String> {
    let mut unknown: Vec<String> = read
        .input
        .predictions
        .iter()
        .filter(|p| !known.contains(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    unknown.sort();
    unknown.dedup();
    unknown
}

/// Lines of a per-task file whose `task` field names another task.
fn other_tasks_finding(read: &ReadSource) -> Option<Finding> {
    if read.other_tasks.is_empty() {
        return None;
    }
    let (task, source) = (read.input.task, read.input.source.display());
    let tags: Vec<String> = read
        .other_tasks
        .iter()
        .map(|(t, n)| format!("{t}: {n}"))
        .collect();
    let n: usize = read.other_tasks.values().sum();
    Some(Finding {
        message: format!(
            "{task}: {source}: {n} line(s) carry a `task` field for another task and were skipped"
        ),
        hint: "; score such a file with --all".into(),
        items: tags,
        warn: true,
    })
}

/// Fewer than half the samples answered (a warning, with `looks_like` as
/// its hint), or any sample missing (listed for `--strict`).
fn coverage_finding(
    read: &ReadSource,
    evaluation: &Evaluation,
    looks_like: String,
) -> Option<Finding> {
    let (task, source) = (read.input.task, read.input.source.display());
    let counts = &evaluation.result.counts;
    let answered = counts.samples - counts.missing;
    let missing = evaluation.missing_ids();
    if counts.samples > 0 && answered * 2 < counts.samples && read.exists {
        Some(Finding {
            message: format!(
                "{task}: {source}: predictions for only {answered}/{} samples",
                counts.samples
            ),
            hint: looks_like,
            items: missing,
            warn: true,
        })
    } else if !missing.is_empty() && read.exists {
        Some(Finding {
            message: format!(
                "{task}: {} of {} samples have no prediction",
                missing.len(),
                counts.samples
            ),
            hint: String::new(),
            items: missing,
            warn: false,
        })
    } else {
        None
    }
}

/// `; did you mean `vid_0001` for `VID_0001`? (ids match exactly, case
/// included)` when unknown ids equal sample ids but for case (the first
/// three named).
fn differs_in_case(unknown: &[String], known: &HashSet<&str>) -> String {
    let by_lower: HashMap<String, &str> = known.iter().map(|k| (k.to_lowercase(), *k)).collect();
    let pairs: Vec<String> = unknown
        .iter()
        .filter_map(|u| {
            let k = by_lower.get(&u.to_lowercase())?;
            Some(format!("`{k}` for `{u}`"))
        })
        .collect();
    match pairs.len() {
        0 => String::new(),
        n => format!(
            "; did you mean {}{}? (ids match exactly, case included)",
            pairs[..n.min(3)].join(", "),
            if n > 3 {
                format!(" and {} more", n - 3)
            } else {
                String::new()
            }
        ),
    }
}

/// `; 22 look like `event` ids` when unknown ids are samples of other
/// tasks: the tasks matching the most of them.
fn looks_like(session: &Session, task: Task, unknown: &[String]) -> String {
    let counts: Vec<(Task, usize)> = Task::ALL
        .iter()
        .filter(|&&t| t != task)
        .map(|&t| {
            let ids: HashSet<&str> = session.samples(t).iter().map(|s| s.id.as_str()).collect();
            (
                t,
                unknown.iter().filter(|u| ids.contains(u.as_str())).count(),
            )
        })
        .collect();
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if best == 0 {
        return String::new();
    }
    let tasks: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n == best)
        .map(|(t, _)| format!("`{t}`"))
        .collect();
    format!("; {best} look like {} ids", tasks.join(" or "))
}
