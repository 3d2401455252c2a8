//! Vad-R1's AVA-GRPO rewards on Vad-Reasoning (`docs/vad-reasoning.md`,
//! "Training rewards"; Vad-R1 paper, Algorithm 2 and Table 7): accuracy
//! (1: the abnormal/normal decision is right), format (1: `<think>` and
//! `<answer>` pairs) and length (0.2: the reasoning's length lies in the
//! range of the video's class, [140, 261] words for normal videos and
//! [233, 456] for abnormal ones, App. C). The fourth reward, anomaly
//! verification (+0.5 / -0.2, Algorithm 1), compares the completion with a
//! second one the policy generates on a trimmed video: only the trainer can
//! compute it, so it is not here.

use std::collections::HashMap;
use std::path::Path;

use super::ground_truth::{TimeUnit, read_ground_truth};
use super::{VadTask, read_decision};
use crate::error::Result;
use crate::extraction::{answer_text, format_ok};

/// Table 7: the accuracy, format and length rewards.
pub const ACCURACY: f64 = 1.0;
/// Table 7: the format reward.
pub const FORMAT: f64 = 1.0;
/// Table 7: the length reward.
pub const LENGTH: f64 = 0.2;
/// App. C: the reasoning length range (words) of normal videos.
pub const NORMAL_LENGTH: (usize, usize) = (140, 261);
/// App. C: the reasoning length range (words) of abnormal videos.
pub const ABNORMAL_LENGTH: (usize, usize) = (233, 456);

/// The rewards against a Vad-Reasoning ground truth.
#[derive(Debug, Clone)]
pub struct VadRewards {
    /// By sample id: whether the video is abnormal.
    abnormal: HashMap<String, bool>,
}

impl VadRewards {
    /// Reads the ground truth (either layout; the detection task's fields).
    pub fn open(gt: &Path, unit: TimeUnit) -> Result<Self> {
        let abnormal = read_ground_truth(gt, VadTask::Detection, unit)?
            .into_iter()
            .map(|g| (g.id, g.abnormal))
            .collect();
        Ok(VadRewards { abnormal })
    }

    /// The reward parts of the completion of `id`, or `None` for an id that
    /// is not in the ground truth.
    pub fn parts(&self, id: &str, response: &str) -> Option<Vec<(&'static str, f64)>> {
        let &abnormal = self.abnormal.get(id)?;
        let right = read_decision(answer_text(response)).is_some_and(|d| d.abnormal == abnormal);
        let (low, high) = if abnormal {
            ABNORMAL_LENGTH
        } else {
            NORMAL_LENGTH
        };
        let words = think_words(response);
        Some(vec![
            ("accuracy", if right { ACCURACY } else { 0.0 }),
            ("format", if format_ok(response) { FORMAT } else { 0.0 }),
            (
                "length",
                if words.is_some_and(|n| (low..=high).contains(&n)) {
                    LENGTH
                } else {
                    0.0
                },
            ),
        ])
    }
}

/// The number of whitespace-separated words of the first `<think>` element.
fn think_words(response: &str) -> Option<usize> {
    let start = response.find("<think>")? + "<think>".len();
    let end = response[start..].find("</think>")?;
    Some(response[start..start + end].split_whitespace().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewards() -> VadRewards {
        VadRewards {
            abnormal: [("a".to_owned(), true), ("n".to_owned(), false)].into(),
        }
    }

    fn response(words: usize, which: &str) -> String {
        format!(
            "<think>{}</think><answer><which>{which}</which> <when>[1, 2]</when></answer>",
            vec!["w"; words].join(" ")
        )
    }

    fn total(parts: &[(&str, f64)]) -> f64 {
        parts.iter().map(|(_, v)| v).sum()
    }

    #[test]
    fn table_7_values_on_hand_made_cases() {
        let r = rewards();
        // Abnormal video, right decision, 300 words (in [233, 456]): 1 + 1 + 0.2.
        assert!((total(&r.parts("a", &response(300, "Robbery")).unwrap()) - 2.2).abs() < 1e-12);
        // Same, 200 words (below 233): 1 + 1.
        assert!((total(&r.parts("a", &response(200, "Robbery")).unwrap()) - 2.0).abs() < 1e-12);
        // Normal video, 200 words (in [140, 261]), but called abnormal: 0 + 1 + 0.2.
        assert!((total(&r.parts("n", &response(200, "Fighting")).unwrap()) - 1.2).abs() < 1e-12);
        // Normal video said normal, range edges included: 261 words -> 2.2, 262 -> 2.0.
        assert!((total(&r.parts("n", &response(261, "Normal")).unwrap()) - 2.2).abs() < 1e-12);
        assert!((total(&r.parts("n", &response(262, "Normal")).unwrap()) - 2.0).abs() < 1e-12);
        // No tags at all: nothing.
        assert_eq!(total(&r.parts("n", "normal").unwrap()), 0.0);
        assert!(r.parts("other", "x").is_none());
    }
}
