//! Which task an answer was written for, read from its keys (docs/scoring.md
//! §11, "likely mistakes"). The per-video tasks share their ids, so an
//! anomaly-bu file scored as anomaly-td matches every id and scores 0 with no
//! unknown id to give it away; the answers' keys do.

use serde_json::Value;

use super::{Task, lookup};

/// The key paths that mark an answer element as written for `task`: the
/// first of its value keys, its anomaly-score key, its interval key
/// (docs/scoring.md §2). `event` answers carry `event`; `anomaly-bu`
/// answers `event` and `anomaly`; `anomaly-td` answers `anomaly.event`;
/// `grounding` answers `duration`.
pub fn marker_keys(task: Task) -> Vec<&'static str> {
    task.value_keys()
        .first()
        .copied()
        .into_iter()
        .chain(task.anomaly_score_key())
        .chain(task.interval_key())
        .collect()
}

/// Whether `element` holds every marker key of `task`.
pub fn carries_keys(task: Task, element: &Value) -> bool {
    marker_keys(task)
        .iter()
        .all(|key| lookup(element, key).is_some())
}

/// Answers that mostly lack their task's keys (see [`key_mismatch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMismatch {
    /// The task the answers are scored as.
    pub task: Task,
    /// Answers (with at least one element) that were looked at.
    pub answers: usize,
    /// Of those, the ones with an element carrying the task's keys.
    pub carrying: usize,
    /// The other task whose keys most of the answers carry, if any.
    pub looks_like: Option<Task>,
}

impl KeyMismatch {
    /// `4 of 4 answers lack the anomaly-td keys (`anomaly.event`); these
    /// look like anomaly-bu answers (`event`, `anomaly`): score them with
    /// --task anomaly-bu`.
    pub fn message(&self) -> String {
        let keys = |t: Task| {
            marker_keys(t)
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let head = format!(
            "{} of {} answers lack the {} answer keys ({})",
            self.answers - self.carrying,
            self.answers,
            self.task,
            keys(self.task)
        );
        match self.looks_like {
            Some(other) => format!(
                "{head}; these look like {other} answers ({}): score them with --task {other}",
                keys(other)
            ),
            None => head,
        }
    }
}

/// A [`KeyMismatch`] when fewer than half of `answers` (each an answer's
/// elements; answers with no element are not counted) carry `task`'s keys
/// in any element; `None` when at least half do or there is no answer.
/// `looks_like` is the other task whose keys more answers carry than
/// `task`'s: of those carried by at least half the answers, the most
/// specific (most marker keys), then the one carried most often.
pub fn key_mismatch(task: Task, answers: &[&[Value]]) -> Option<KeyMismatch> {
    let answers: Vec<&[Value]> = answers.iter().copied().filter(|a| !a.is_empty()).collect();
    let carrying_of = |t: Task| {
        answers
            .iter()
            .filter(|a| a.iter().any(|e| carries_keys(t, e)))
            .count()
    };
    let carrying = carrying_of(task);
    if answers.is_empty() || carrying * 2 >= answers.len() {
        return None;
    }
    // Rank: carried by at least half the answers, then the more specific
    // task (more marker keys: anomaly-bu's `event` + `anomaly` over
    // event's `event`), then carried by more answers, then the earlier task
    // (max_by keeps the last maximum).
    let looks_like = Task::ALL
        .iter()
        .filter(|&&t| t != task)
        .map(|&t| (t, carrying_of(t)))
        .filter(|&(_, n)| n > carrying)
        .max_by_key(|&(t, n)| {
            (
                n * 2 >= answers.len(),
                marker_keys(t).len(),
                n,
                std::cmp::Reverse(t),
            )
        })
        .map(|(t, _)| t);
    Some(KeyMismatch {
        task,
        answers: answers.len(),
        carrying,
        looks_like,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marker_keys_follow_the_answer_formats() {
        assert_eq!(marker_keys(Task::Event), ["event"]);
        assert_eq!(marker_keys(Task::AnomalyTd), ["anomaly.event"]);
        assert_eq!(marker_keys(Task::AnomalyBu), ["event", "anomaly"]);
        assert_eq!(
            marker_keys(Task::Anticipation),
            ["event_probability.event", "event_probability.anomaly"]
        );
        assert_eq!(marker_keys(Task::Detection), ["anomaly_duration"]);
        assert!(carries_keys(
            Task::AnomalyTd,
            &json!({"anomaly": {"event": "x"}})
        ));
        // An anomaly-bu score is a number: no `anomaly.event` under it.
        assert!(!carries_keys(
            Task::AnomalyTd,
            &json!({"event": "x", "anomaly": 0.5})
        ));
    }

    #[test]
    fn anomaly_bu_answers_scored_as_anomaly_td_are_named() {
        let bu = [json!({"event": "climbing", "scene": "cliff", "anomaly": "1.0"})];
        let td = [json!({"anomaly": {"event": "climbing"}})];
        // 3 BU answers, 1 TD answer, 1 empty answer (not counted): 1 of 4
        // carry the TD keys, under half. `event` answers' keys are carried
        // as often as anomaly-bu's, which has more marker keys and wins.
        let answers: [&[Value]; 5] = [&bu, &bu, &bu, &td, &[]];
        let m = key_mismatch(Task::AnomalyTd, &answers).expect("mismatch");
        assert_eq!((m.answers, m.carrying), (4, 1));
        assert_eq!(m.looks_like, Some(Task::AnomalyBu));
        assert_eq!(
            m.message(),
            "3 of 4 answers lack the anomaly-td answer keys (`anomaly.event`); these look like \
             anomaly-bu answers (`event`, `anomaly`): score them with --task anomaly-bu"
        );
        // Half carrying is enough; the right task never warns.
        let half: [&[Value]; 2] = [&bu, &td];
        assert_eq!(key_mismatch(Task::AnomalyTd, &half), None);
        assert_eq!(key_mismatch(Task::AnomalyBu, &answers[..3]), None);
        assert_eq!(key_mismatch(Task::AnomalyBu, &[]), None);
    }

    #[test]
    fn answers_of_no_known_shape_name_no_task() {
        let odd = [json!({"label": "x"})];
        let m = key_mismatch(Task::Detection, &[&odd]).expect("mismatch");
        assert_eq!(m.looks_like, None);
        assert_eq!(
            m.message(),
            "1 of 1 answers lack the detection answer keys (`anomaly_duration`)"
        );
    }
}
