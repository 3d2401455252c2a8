//! A CueBench task's likely mistakes (docs/scoring.md §11): unknown ids
//! and whose ids they look like, lines for other tasks, too few answers.

use std::collections::HashSet;

use super::sources::ReadSource;
use crate::benchmarks::run::Finding;
use crate::evaluate::Session;
use crate::model::Evaluation;
use crate::tasks::Task;

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
    let mut unknown: Vec<String> = read
        .input
        .predictions
        .iter()
        .filter(|p| !known.contains(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    unknown.sort();
    unknown.dedup();
    let looks_like = looks_like(session, task, &unknown);
    let mut findings = Vec::new();
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
    if !read.other_tasks.is_empty() {
        let tags: Vec<String> = read
            .other_tasks
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        let n: usize = read.other_tasks.values().sum();
        findings.push(Finding {
            message: format!(
                "{task}: {source}: {n} line(s) carry a `task` field for another task and were skipped"
            ),
            hint: "; score such a file with --all".into(),
            items: tags,
            warn: true,
        });
    }
    let counts = &evaluation.result.counts;
    let answered = counts.samples - counts.missing;
    let missing = evaluation.missing_ids();
    if counts.samples > 0 && answered * 2 < counts.samples && read.exists {
        findings.push(Finding {
            message: format!(
                "{task}: {source}: predictions for only {answered}/{} samples",
                counts.samples
            ),
            hint: looks_like,
            items: missing,
            warn: true,
        });
    } else if !missing.is_empty() && read.exists {
        findings.push(Finding {
            message: format!(
                "{task}: {} of {} samples have no prediction",
                missing.len(),
                counts.samples
            ),
            hint: String::new(),
            items: missing,
            warn: false,
        });
    }
    findings
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
