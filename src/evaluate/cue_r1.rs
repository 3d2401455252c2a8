//! The CUE-R1 reward (docs/scoring.md §7, paper Eq. 5-7 and Algorithm 1).

use serde::Serialize;

use crate::evaluate::SampleScores;
use crate::tasks::Task;

/// A reward and the parts it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reward {
    /// R = R_format + R^K + R_task (Eq. 7).
    pub reward: f64,
    /// The parts.
    pub parts: RewardParts,
}

/// The terms of Eq. 5 and 7.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewardParts {
    /// R_format: 1 when the response has `<think>` and `<answer>` tags.
    pub format: f64,
    /// R^K, the struct score.
    #[serde(rename = "struct")]
    pub structure: f64,
    /// R_task: TIoU, lambda*R^U + (1-lambda)*R^H, or R^U (Eq. 5).
    pub task: f64,
    /// R^U, for the "What" tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<f64>,
    /// R^H of Eq. 6 (no cut-off, may be negative), for tasks valued `<E, ...>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<f64>,
    /// R^TIoU, for the "When" tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiou: Option<f64>,
}

/// Eq. 5-7 for one completion, from its sample scores.
pub fn reward(task: Task, scores: &SampleScores, format_ok: bool, lambda: f64) -> Reward {
    let semantic = scores.semantic.unwrap_or(0.0);
    let task_term = if task.is_temporal() {
        scores.tiou.unwrap_or(0.0)
    } else if task.has_hierarchy() {
        lambda * semantic + (1.0 - lambda) * scores.hierarchy_reward.unwrap_or(0.0)
    } else {
        semantic
    };
    let format = if format_ok { 1.0 } else { 0.0 };
    Reward {
        reward: format + scores.structure + task_term,
        parts: RewardParts {
            format,
            structure: scores.structure,
            task: task_term,
            semantic: scores.semantic,
            hierarchy: scores.hierarchy_reward,
            tiou: scores.tiou,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(
        structure: f64,
        semantic: Option<f64>,
        hierarchy_reward: Option<f64>,
        tiou: Option<f64>,
    ) -> SampleScores {
        SampleScores {
            structure,
            semantic,
            hierarchy: hierarchy_reward.map(|h| h.max(0.0)),
            hierarchy_reward,
            tiou,
            iou: tiou,
            dropped: 0,
            pairs: Vec::new(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn when_tasks_add_tiou() {
        // 1 (format) + 0.5 (struct) + 0.25 (TIoU) = 1.75.
        let r = reward(
            Task::Grounding,
            &scores(0.5, None, None, Some(0.25)),
            true,
            0.2,
        );
        assert!(close(r.reward, 1.75));
        assert_eq!(r.parts.task, 0.25);
    }

    #[test]
    fn event_tasks_mix_semantic_and_hierarchy() {
        // 0 + 1 + (0.2 * 0.9 + 0.8 * 0.5) = 1 + 0.18 + 0.4 = 1.58.
        let r = reward(
            Task::AnomalyBu,
            &scores(1.0, Some(0.9), Some(0.5), None),
            false,
            0.2,
        );
        assert!(close(r.reward, 1.58));
        // R^H may be negative: 1 + 0.6 + (0.5 * 0.4 + 0.5 * -0.2) = 1.6 + 0.1 = 1.7.
        let r = reward(
            Task::Event,
            &scores(0.6, Some(0.4), Some(-0.2), None),
            true,
            0.5,
        );
        assert!(close(r.reward, 1.7));
        assert_eq!(r.parts.hierarchy, Some(-0.2));
    }

    #[test]
    fn other_tasks_use_semantic_alone() {
        // 1 + 0.8 + 0.7 = 2.5, lambda unused.
        let r = reward(Task::Scene, &scores(0.8, Some(0.7), None, None), true, 0.0);
        assert!(close(r.reward, 2.5));
    }

    #[test]
    fn parts_serialise_with_paper_names() {
        let r = reward(Task::Scene, &scores(0.8, Some(0.7), None, None), true, 0.2);
        let v = serde_json::to_value(&r.parts).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"format": 1.0, "struct": 0.8, "task": 0.7, "semantic": 0.7})
        );
    }
}
