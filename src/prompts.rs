//! The prompts of Figure 11 (SPEC 2): preamble + problem prompt + format
//! prompt, placeholders filled from the ground truth. The texts live in
//! `prompts/` (see its README for their source and layout).

use serde::Serialize;

use crate::tasks::Task;
use crate::tasks::derive::Sample;

const PREAMBLE: &str = include_str!("../prompts/preamble.txt");

/// The two-line prompt file of a task: problem prompt, then format prompt.
fn task_file(task: Task) -> &'static str {
    match task {
        Task::Event => include_str!("../prompts/event.txt"),
        Task::Scene => include_str!("../prompts/scene.txt"),
        Task::Attribute => include_str!("../prompts/attribute.txt"),
        Task::AnomalyTd => include_str!("../prompts/anomaly-td.txt"),
        Task::AnomalyBu => include_str!("../prompts/anomaly-bu.txt"),
        Task::Grounding => include_str!("../prompts/grounding.txt"),
        Task::Detection => include_str!("../prompts/detection.txt"),
        Task::Anticipation => include_str!("../prompts/anticipation.txt"),
    }
}

/// The placeholders the problem prompts carry.
const PLACEHOLDERS: [&str; 2] = ["{Event}", "{Event, Scene, Attribute}"];

/// One line of `cuebench prompts` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptLine {
    /// The sample id.
    pub id: String,
    /// The video to show the model.
    pub video_id: String,
    /// The full prompt.
    pub prompt: String,
}

/// The full prompt of a sample: preamble, problem prompt with its
/// placeholder replaced by `{Capitalised Subject}` (as Figure 3 prints it),
/// and format prompt, joined by single spaces.
pub fn prompt_for(sample: &Sample) -> PromptLine {
    let mut lines = task_file(sample.task).lines();
    let (problem, format) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let problem = match &sample.subject {
        Some(subject) => PLACEHOLDERS.iter().fold(problem.to_owned(), |text, p| {
            text.replace(p, &format!("{{{}}}", capitalise_words(subject)))
        }),
        None => problem.to_owned(),
    };
    PromptLine {
        id: sample.id.clone(),
        video_id: sample.video_id.clone(),
        prompt: format!("{} {problem} {format}", PREAMBLE.trim_end()),
    }
}

/// Upper-cases the first character of every space-separated word.
fn capitalise_words(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_file_has_exactly_its_lines() {
        assert_eq!(PREAMBLE.lines().filter(|l| !l.is_empty()).count(), 1);
        for task in Task::ALL {
            let lines: Vec<_> = task_file(task).lines().collect();
            assert_eq!(lines.len(), 2, "{task}");
            assert!(lines.iter().all(|l| !l.trim().is_empty()), "{task}");
        }
    }

    #[test]
    fn placeholders_are_filled_capitalised() {
        let sample = Sample {
            id: "v|t1".into(),
            video_id: "v".into(),
            task: Task::Grounding,
            subject: Some("climbing, cliff, with protection, with helmet".into()),
            truth: vec![],
            anchors: vec![],
        };
        let p = prompt_for(&sample).prompt;
        assert!(p.starts_with("This is a video showing some key events related to the safety, laws & rules, or life & health. Please detect"));
        assert!(
            p.contains(
                "namely: {Climbing, Cliff, With Protection, With Helmet}. Output the thinking"
            ),
            "{p}"
        );
        assert!(p.ends_with("Please strictly follow the format."));
        let scene = Sample {
            task: Task::Scene,
            subject: Some("drinking alcohol".into()),
            ..sample
        };
        assert!(
            prompt_for(&scene)
                .prompt
                .contains("of the event {Drinking Alcohol} in the video.")
        );
    }
}
