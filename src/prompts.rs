//! The prompts of Figure 11 (docs/scoring.md §2): preamble + problem prompt +
//! format prompt, placeholders filled from the ground truth. The texts live in
//! `prompts/` (see its README for their source and layout). Each prompt line
//! also says which video file to show the model and, for anticipation, where
//! to cut it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::formats::annotations::Video;
use crate::formats::records::write_file;
use crate::tasks::Task;
use crate::tasks::derive::{Sample, derive_samples};

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

/// The placeholder a video file name pattern fills with the video id.
pub const VIDEO_ID_PLACEHOLDER: &str = "{video_id}";

/// The default video file name pattern.
pub const DEFAULT_VIDEO_NAME: &str = "{video_id}.mp4";

/// One line of `cuebench prompts` output. Every task's lines have the same
/// fields (`cut_at_s` is null outside anticipation), so the files of
/// `--all` load together (e.g. with `datasets.load_dataset`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptLine {
    /// The sample id, as predictions must carry it.
    pub id: String,
    /// The task, so one file of prompts (or of an lmms-eval log) may mix tasks.
    pub task: Task,
    /// The video's id.
    pub video_id: String,
    /// The video file to show the model (the name pattern filled with the id).
    pub video: String,
    /// Anticipation only: show the model the video up to this second
    /// (the annotation's `observed_until_s`); null for other tasks.
    pub cut_at_s: Option<f64>,
    /// The full prompt.
    pub prompt: String,
    /// `{"id", "task"}`: what a reward needs to find the sample, ready as
    /// OpenRLHF's label (`--label_key label`) or a dataset column.
    pub label: Label,
}

/// A sample's id and task, as reward labels carry them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// The sample id.
    pub id: String,
    /// The task.
    pub task: Task,
}

/// How `cuebench prompts` writes its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum PromptFormat {
    /// [`PromptLine`]s (also OpenRLHF's rows: `--input_key prompt --label_key label`).
    #[default]
    Jsonl,
    /// verl's `RLHFDataset` rows ([`verl_row`]).
    Verl,
}

/// The `data_source` of verl rows.
pub const VERL_DATA_SOURCE: &str = "cuebench";

/// A prompt line as a verl `RLHFDataset` row: `prompt` as chat messages,
/// `data_source`, `ability`, `reward_model.ground_truth` (the sample's
/// `cuebench tasks` line, as JSON text, which `cuebench.verl.compute_score`
/// scores against) and `extra_info` (id, task, video, cut time, index).
pub fn verl_row(line: &PromptLine, sample: &Sample, index: usize) -> serde_json::Value {
    serde_json::json!({
        "data_source": VERL_DATA_SOURCE,
        "prompt": [{"role": "user", "content": line.prompt}],
        "ability": "video-anomaly-understanding",
        "reward_model": {
            "style": "rule",
            "ground_truth": serde_json::to_string(sample).unwrap_or_default(),
        },
        "extra_info": {
            "index": index,
            "id": line.id,
            "task": line.task,
            "video_id": line.video_id,
            "video": line.video,
            "cut_at_s": line.cut_at_s,
        },
    })
}

/// The lines of `task` in `format`, as JSONL.
pub fn render(videos: &[Video], task: Task, video_name: &str, format: PromptFormat) -> String {
    let samples = derive_samples(videos, task);
    let lines: Vec<PromptLine> = samples
        .iter()
        .map(|s| line_of(videos, s, video_name))
        .collect();
    match format {
        PromptFormat::Jsonl => to_jsonl(&lines),
        PromptFormat::Verl => lines
            .iter()
            .zip(&samples)
            .enumerate()
            .map(|(i, (line, sample))| verl_row(line, sample, i).to_string() + "\n")
            .collect(),
    }
}

/// The prompt lines of every sample of `task`; `video_name` is a file name
/// pattern in which `{video_id}` stands for the video's id.
pub fn prompt_lines(videos: &[Video], task: Task, video_name: &str) -> Vec<PromptLine> {
    derive_samples(videos, task)
        .iter()
        .map(|sample| line_of(videos, sample, video_name))
        .collect()
}

/// The prompt line of one sample.
fn line_of(videos: &[Video], sample: &Sample, video_name: &str) -> PromptLine {
    let task = sample.task;
    let video = videos.iter().find(|v| v.video_id == sample.video_id);
    let cut_at_s = video
        .filter(|_| task == Task::Anticipation)
        .and_then(|v| v.anticipation.as_ref())
        .map(|a| a.observed_until_s);
    PromptLine {
        id: sample.id.clone(),
        task,
        video_id: sample.video_id.clone(),
        video: video_name.replace(VIDEO_ID_PLACEHOLDER, &sample.video_id),
        cut_at_s,
        prompt: prompt_text(sample),
        label: Label {
            id: sample.id.clone(),
            task,
        },
    }
}

/// Prompt lines as JSONL, one line per sample.
pub fn to_jsonl(lines: &[PromptLine]) -> String {
    lines
        .iter()
        .map(|line| crate::formats::jsonl::line(line) + "\n")
        .collect()
}

/// The name of the file of every task's lines that `write_all` adds.
pub const ALL_TASKS_FILE: &str = "all.jsonl";

/// Writes `DIR/<task>.jsonl` for every task in `format`, and every task's
/// lines together in `DIR/all.jsonl`; returns each file with its number of
/// lines. The combined file is the one to load as one dataset: a loader
/// that types each column from the first file it reads (`datasets`) types
/// `cut_at_s`, null outside anticipation, as null and then refuses the
/// anticipation file's numbers; within one file the type is inferred over
/// all its lines.
pub fn write_all(
    videos: &[Video],
    video_name: &str,
    format: PromptFormat,
    dir: &Path,
) -> Result<Vec<(PathBuf, usize)>> {
    std::fs::create_dir_all(dir).map_err(|source| crate::Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    let mut all = String::new();
    let mut written = Task::ALL
        .iter()
        .map(|&task| {
            let text = render(videos, task, video_name, format);
            let path = dir.join(format!("{task}.jsonl"));
            write_file(&path, text.as_bytes())?;
            all.push_str(&text);
            Ok((path, text.lines().count()))
        })
        .collect::<Result<Vec<_>>>()?;
    let path = dir.join(ALL_TASKS_FILE);
    write_file(&path, all.as_bytes())?;
    written.push((path, all.lines().count()));
    Ok(written)
}

/// The full prompt of a sample: preamble, problem prompt with its
/// placeholder replaced by `{Capitalised Subject}` (as Figure 3 prints it),
/// and format prompt, joined by single spaces.
pub fn prompt_text(sample: &Sample) -> String {
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
    format!("{} {problem} {format}", PREAMBLE.trim_end())
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

    fn example_videos() -> Vec<Video> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/annotations.json");
        crate::formats::annotations::read_annotations(&path).unwrap()
    }

    #[test]
    fn anticipation_lines_say_where_to_cut_and_which_file() {
        let lines = prompt_lines(
            &example_videos(),
            Task::Anticipation,
            "clips/{video_id}.avi",
        );
        // examples/annotations.json: vid_0002 is observed until 9.0 s.
        let first = &lines[0];
        assert_eq!(
            (first.id.as_str(), first.video.as_str(), first.cut_at_s),
            ("vid_0002", "clips/vid_0002.avi", Some(9.0))
        );
        let json = serde_json::to_string(first).unwrap();
        assert!(
            json.starts_with(r#"{"id":"vid_0002","task":"anticipation","video_id":"vid_0002","video":"clips/vid_0002.avi","cut_at_s":9.0,"prompt":"#),
            "{json}"
        );
        assert!(
            json.ends_with(r#""label":{"id":"vid_0002","task":"anticipation"}}"#),
            "{json}"
        );
    }

    #[test]
    fn other_tasks_have_no_cut_time_and_all_tasks_get_a_file() {
        let videos = example_videos();
        let lines = prompt_lines(&videos, Task::Grounding, DEFAULT_VIDEO_NAME);
        assert_eq!(lines[0].video, "vid_0001.mp4");
        assert!(lines.iter().all(|l| l.cut_at_s.is_none()));
        // One schema for every task: the cut time is there, null.
        assert!(to_jsonl(&lines[..1]).contains(r#""cut_at_s":null"#));
        let dir = tempfile::tempdir().unwrap();
        let written =
            write_all(&videos, DEFAULT_VIDEO_NAME, PromptFormat::Jsonl, dir.path()).unwrap();
        assert_eq!(written.len(), Task::ALL.len() + 1);
        let all = std::fs::read_to_string(dir.path().join(ALL_TASKS_FILE)).unwrap();
        assert_eq!(
            all.lines().count(),
            written[..8].iter().map(|w| w.1).sum::<usize>()
        );
        // 45 grounding samples in the example data (examples/README.md).
        let grounding = std::fs::read_to_string(dir.path().join("grounding.jsonl")).unwrap();
        assert_eq!(grounding.lines().count(), 45);
    }

    #[test]
    fn verl_rows_carry_messages_and_the_tasks_line_as_ground_truth() {
        let videos = example_videos();
        let text = render(
            &videos,
            Task::Grounding,
            DEFAULT_VIDEO_NAME,
            PromptFormat::Verl,
        );
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["data_source"], "cuebench");
        assert_eq!(first["prompt"][0]["role"], "user");
        let line = &prompt_lines(&videos, Task::Grounding, DEFAULT_VIDEO_NAME)[0];
        assert_eq!(first["prompt"][0]["content"], line.prompt.as_str());
        let sample = &derive_samples(&videos, Task::Grounding)[0];
        assert_eq!(
            first["reward_model"]["ground_truth"],
            serde_json::to_string(sample).unwrap()
        );
        assert_eq!(first["extra_info"]["id"], "vid_0001|t1");
        assert_eq!(first["extra_info"]["index"], 0);
        assert_eq!(text.lines().count(), 45);
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
        let p = prompt_text(&sample);
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
        assert!(prompt_text(&scene).contains("of the event {Drinking Alcohol} in the video."));
    }
}
