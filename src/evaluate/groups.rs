//! Per-group figures (`eval --by`): the task's figures (docs/scoring.md §4)
//! over the samples of one branch, domain, effect, event, genre or camera view.
//!
//! Which samples a group holds:
//! - `genre` and `camera_view` are fields of the video (docs/scoring.md §3.1):
//!   every sample of the video falls in its group; a video without the field
//!   falls in none.
//! - `branch`, `domain`, `effect` and `event` are levels of a taxonomy path
//!   (`[branch, domain, effect, event]`; `event` is the path's last node). A
//!   triplet task's sample (`scene` and `attribute`: the triplets with the
//!   sample's event; `grounding`: its one triplet) takes its triplets' paths;
//!   a video task's sample (`event`, `anomaly-td`, `anomaly-bu`, `detection`)
//!   takes the paths of all of the video's triplets, and `anticipation` those of
//!   the future events it asks for.
//! - A sample whose paths differ at a level (a video with a normal and an
//!   anomalous triplet) counts once in each of its groups: groups may overlap,
//!   and their sample counts may add up to more than the task's.

use std::collections::{BTreeMap, HashMap};

use crate::evaluate::confidence::add_confidence;
use crate::formats::annotations::Video;
use crate::model::group::SMALL_GROUP;
use crate::model::{Confidence, Evaluation, Group, SampleRecord};
use crate::tasks::Task;
use crate::tasks::derive::Sample;

use super::aggregate;

/// What `--by` groups samples by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// Taxonomy branch: `anomaly` or `normality`.
    Branch,
    /// Taxonomy domain, e.g. `safety`.
    Domain,
    /// Taxonomy effect, e.g. `traffic`.
    Effect,
    /// The event node, e.g. `theft`.
    Event,
    /// The video's genre.
    Genre,
    /// The video's camera view.
    CameraView,
}

impl GroupBy {
    /// The name used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Branch => "branch",
            GroupBy::Domain => "domain",
            GroupBy::Effect => "effect",
            GroupBy::Event => "event",
            GroupBy::Genre => "genre",
            GroupBy::CameraView => "camera_view",
        }
    }

    /// This level's node of a taxonomy path; `None` for video fields.
    fn node(self, path: &[String]) -> Option<&str> {
        match self {
            GroupBy::Branch => path.first(),
            GroupBy::Domain => path.get(1),
            GroupBy::Effect => path.get(2),
            GroupBy::Event => path.last(),
            GroupBy::Genre | GroupBy::CameraView => None,
        }
        .map(String::as_str)
    }
}

/// Per record (of `records` records), the groups it falls in, by grouping
/// in `--by` order: `{"branch": ["normality", "anomaly"], ...}` (a sample
/// may fall in several groups of one grouping; see the module comment).
pub fn sample_memberships(
    groups: &[Group],
    records: usize,
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let mut out = vec![serde_json::Map::new(); records];
    for g in groups {
        for &i in &g.members {
            if let Some(line) = out.get_mut(i) {
                let names = line
                    .entry(g.by.clone())
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let serde_json::Value::Array(names) = names {
                    names.push(g.group.clone().into());
                }
            }
        }
    }
    out
}

/// Bootstrap intervals (docs/scoring.md §12) for every group's figures:
/// each group is resampled on its own, as a task of its own samples.
pub fn add_group_confidence(groups: &mut [Group], evaluation: &Evaluation, confidence: Confidence) {
    for group in groups {
        let mut part = Evaluation {
            result: crate::model::TaskResult {
                metrics: group.metrics.clone(),
                ..evaluation.result.clone()
            },
            samples: group
                .members
                .iter()
                .filter_map(|&i| evaluation.samples.get(i).cloned())
                .collect(),
        };
        add_confidence(&mut part, confidence);
        group.metrics = part.result.metrics;
    }
}

/// The groups `sample` (of `video`) falls in under `by`, each once, in
/// first-seen order.
pub fn sample_groups(video: &Video, sample: &Sample, by: GroupBy) -> Vec<String> {
    let field = match by {
        GroupBy::Genre => Some(&video.genre),
        GroupBy::CameraView => Some(&video.camera_view),
        _ => None,
    };
    if let Some(value) = field {
        return value.iter().cloned().collect();
    }
    let mut groups: Vec<String> = Vec::new();
    for node in sample_paths(video, sample)
        .into_iter()
        .filter_map(|p| by.node(p))
    {
        if !groups.iter().any(|g| g == node) {
            groups.push(node.to_owned());
        }
    }
    groups
}

/// The taxonomy paths behind a sample (see the module comment).
fn sample_paths<'a>(video: &'a Video, sample: &Sample) -> Vec<&'a [String]> {
    let triplets = video.triplets.iter();
    match sample.task {
        Task::Scene | Task::Attribute => triplets
            .filter(|t| sample.subject.as_deref() == Some(t.event.as_str()))
            .map(|t| t.taxonomy.as_slice())
            .collect(),
        Task::Grounding => {
            // Grounding ids are `VIDEO|TRIPLET_ID` (docs/scoring.md §3.2).
            let triplet_id = sample
                .id
                .strip_prefix(video.video_id.as_str())
                .and_then(|rest| rest.strip_prefix('|'));
            triplets
                .filter(|t| Some(t.id.as_str()) == triplet_id)
                .map(|t| t.taxonomy.as_slice())
                .collect()
        }
        Task::Anticipation => video
            .anticipation
            .iter()
            .flat_map(|a| &a.future)
            .map(|f| f.taxonomy.as_slice())
            .collect(),
        _ => triplets.map(|t| t.taxonomy.as_slice()).collect(),
    }
}

/// The figures of `task` per group, for each of `by` in turn and the groups
/// in name order. `samples` are the task's derived samples (they tie each
/// record's id to its video); records without a sample fall in no group.
pub fn breakdown(
    task: Task,
    videos: &[Video],
    samples: &[Sample],
    records: &[SampleRecord],
    by: &[GroupBy],
) -> Vec<Group> {
    let video_of: HashMap<&str, &Video> = videos.iter().map(|v| (v.video_id.as_str(), v)).collect();
    let sample_of: HashMap<&str, &Sample> = samples.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out = Vec::new();
    for &b in by {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, record) in records.iter().enumerate() {
            let Some(sample) = sample_of.get(record.id.as_str()) else {
                continue;
            };
            let Some(video) = video_of.get(sample.video_id.as_str()) else {
                continue;
            };
            for group in sample_groups(video, sample, b) {
                groups.entry(group).or_default().push(i);
            }
        }
        out.extend(groups.into_iter().map(|(group, members)| {
            let records: Vec<&SampleRecord> = members.iter().map(|&i| &records[i]).collect();
            Group {
                by: b.name().to_owned(),
                group,
                samples: members.len(),
                small: members.len() < SMALL_GROUP,
                metrics: aggregate(task, &records),
                members,
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::annotations::read_annotations;
    use crate::model::result::record_for_tests as record;
    use crate::tasks::derive::derive_samples;
    use std::path::Path;

    fn example() -> Vec<Video> {
        read_annotations(Path::new("examples/annotations.json")).unwrap()
    }

    /// Each group's sample count for `task` on the example data; every
    /// sample scored 0 (the counts are what is checked).
    fn counts(task: Task, by: GroupBy) -> Vec<(String, usize)> {
        let videos = example();
        let samples = derive_samples(&videos, task);
        let records: Vec<SampleRecord> = samples.iter().map(|s| record(&s.id, &[])).collect();
        breakdown(task, &videos, &samples, &records, &[by])
            .into_iter()
            .map(|g| (g.group, g.samples))
            .collect()
    }

    fn owned(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
        pairs.iter().map(|(g, n)| (g.to_string(), *n)).collect()
    }

    #[test]
    fn video_tasks_count_a_video_in_every_branch_it_shows() {
        // 22 videos; 4 (0005, 0006, 0011, 0016) have no anomalous triplet and
        // 9 have none normal (0003, 0007, 0009, 0012, 0015, 0017-0020):
        // anomaly 22 - 4 = 18, normality 22 - 9 = 13 (9 videos are in both).
        assert_eq!(
            counts(Task::Event, GroupBy::Branch),
            owned(&[("anomaly", 18), ("normality", 13)])
        );
    }

    #[test]
    fn grounding_takes_its_one_triplets_path() {
        // 45 triplets, 28 of them anomalous; every triplet in exactly one branch.
        assert_eq!(
            counts(Task::Grounding, GroupBy::Branch),
            owned(&[("anomaly", 28), ("normality", 17)])
        );
    }

    #[test]
    fn scene_samples_take_the_paths_of_their_events_triplets() {
        // vid_0008|drinking alcohol has a normal and an anomalous triplet: it is
        // the only `drinking alcohol` sample and counts under both branches,
        // and once under its one domain.
        let videos = example();
        let samples = derive_samples(&videos, Task::Scene);
        let sample = samples
            .iter()
            .find(|s| s.id == "vid_0008|drinking alcohol")
            .unwrap();
        let video = &videos[7];
        assert_eq!(
            sample_groups(video, sample, GroupBy::Branch),
            ["normality", "anomaly"]
        );
        assert_eq!(
            sample_groups(video, sample, GroupBy::Domain),
            ["life & health"]
        );
        assert_eq!(
            counts(Task::Scene, GroupBy::Event)
                .iter()
                .find(|(g, _)| g == "drinking alcohol"),
            Some(&("drinking alcohol".to_owned(), 1))
        );
    }

    #[test]
    fn genre_is_a_video_field_and_groups_never_overlap() {
        // examples/annotations.json: 10 news, 3 each of compilation,
        // documentary and vlog, 1 each of home video, movie and sports.
        assert_eq!(
            counts(Task::Detection, GroupBy::Genre),
            owned(&[
                ("compilation", 3),
                ("documentary", 3),
                ("home video", 1),
                ("movie", 1),
                ("news", 10),
                ("sports", 1),
                ("vlog", 3),
            ])
        );
    }

    #[test]
    fn anticipation_groups_by_the_future_events() {
        // Five videos have an anticipation block (0002, 0003, 0014, 0021, 0022).
        let total: usize = counts(Task::Anticipation, GroupBy::Branch)
            .iter()
            .map(|(_, n)| n)
            .sum();
        assert!(total >= 5, "{total}");
        let videos = example();
        let samples = derive_samples(&videos, Task::Anticipation);
        assert_eq!(samples.len(), 5);
        for s in &samples {
            let video = videos.iter().find(|v| v.video_id == s.video_id).unwrap();
            let future = &video.anticipation.as_ref().unwrap().future;
            let expected: Vec<&str> = future.iter().map(|f| f.taxonomy[0].as_str()).collect();
            let mut got = sample_groups(video, s, GroupBy::Branch);
            got.dedup();
            assert!(got.iter().all(|g| expected.contains(&g.as_str())));
        }
    }

    #[test]
    fn a_video_without_the_field_falls_in_no_group() {
        let mut videos = example();
        videos[0].genre = None;
        let samples = derive_samples(&videos, Task::Event);
        assert!(sample_groups(&videos[0], &samples[0], GroupBy::Genre).is_empty());
    }

    #[test]
    fn memberships_list_every_group_of_a_sample_per_grouping() {
        // vid_0001 (normal + anomalous climbing, documentary) falls in both
        // branches; vid_0003 (anomalies only, news) in one.
        let videos = example();
        let samples = derive_samples(&videos, Task::Detection);
        let records = [record("vid_0001", &[]), record("vid_0003", &[])];
        let groups = breakdown(
            Task::Detection,
            &videos,
            &samples,
            &records,
            &[GroupBy::Branch, GroupBy::Genre],
        );
        let m = sample_memberships(&groups, records.len());
        assert_eq!(
            serde_json::Value::Object(m[0].clone()),
            serde_json::json!({"branch": ["anomaly", "normality"], "genre": ["documentary"]})
        );
        assert_eq!(
            serde_json::Value::Object(m[1].clone()),
            serde_json::json!({"branch": ["anomaly"], "genre": ["news"]})
        );
        assert!(sample_memberships(&[], 2).iter().all(|m| m.is_empty()));
    }

    #[test]
    fn figures_by_hand_for_a_temporal_task() {
        // Detection on vid_0001 (normality + anomaly), vid_0003 (anomaly
        // only) and vid_0005 (normality only):
        //   vid_0001: Struct 1.0, TIoU 0.8, IoU 0.8
        //   vid_0003: Struct 0.5, TIoU 0.4, IoU 0.4
        //   vid_0005: Struct 0.0, TIoU 0.2, IoU 0.2
        // anomaly = {0001, 0003}: Struct (1 + 0.5)/2 = 75%, TIoU = mIoU
        //   (0.8 + 0.4)/2 = 60%, R@0.3 = 2/2 = 100%, R@0.5 = 1/2 = 50%, R@0.7 = 50%.
        // normality = {0001, 0005}: Struct 50%, TIoU = mIoU 50%, R@0.3 = 50%,
        //   R@0.5 = 50%, R@0.7 = 50%. Both have 2 < 10 samples: small.
        let videos = example();
        let samples = derive_samples(&videos, Task::Detection);
        let records = [
            record("vid_0001", &[("Struct", 1.0), ("TIoU", 0.8), ("IoU", 0.8)]),
            record("vid_0003", &[("Struct", 0.5), ("TIoU", 0.4), ("IoU", 0.4)]),
            record("vid_0005", &[("Struct", 0.0), ("TIoU", 0.2), ("IoU", 0.2)]),
        ];
        let groups = breakdown(
            Task::Detection,
            &videos,
            &samples,
            &records,
            &[GroupBy::Branch],
        );
        let figures = |g: &Group| -> Vec<(String, f64)> {
            g.metrics
                .iter()
                .map(|m| (m.name.clone(), (m.value * 1e9).round() / 1e9))
                .collect()
        };
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[0].group.as_str(), groups[0].samples, groups[0].small),
            ("anomaly", 2, true)
        );
        let expect = |v: &[f64]| -> Vec<(String, f64)> {
            ["Struct", "TIoU", "mIoU", "R@0.3", "R@0.5", "R@0.7"]
                .iter()
                .zip(v)
                .map(|(n, v)| (n.to_string(), *v))
                .collect()
        };
        assert_eq!(
            figures(&groups[0]),
            expect(&[75.0, 60.0, 60.0, 100.0, 50.0, 50.0])
        );
        assert_eq!(groups[1].group, "normality");
        assert_eq!(
            figures(&groups[1]),
            expect(&[50.0, 50.0, 50.0, 50.0, 50.0, 50.0])
        );
    }

    #[test]
    fn figures_by_hand_for_a_semantic_task_with_a_missing_score() {
        // Event on vid_0005 (smoking + fishing, both normal) and vid_0011
        // (shooting gun, normal): domain `life & health` = {0005},
        // `laws & rules` = {0005}, `safety` = {0011}. A record without a
        // Sem score (no vectors) counts 0 there, as in the task's mean.
        let videos = example();
        let samples = derive_samples(&videos, Task::Event);
        let records = [
            record("vid_0005", &[("Struct", 1.0), ("Sem", 0.9), ("Hier", 0.6)]),
            record("vid_0011", &[("Struct", 0.5)]),
        ];
        let groups = breakdown(Task::Event, &videos, &samples, &records, &[GroupBy::Domain]);
        let names: Vec<&str> = groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["laws & rules", "life & health", "safety"]);
        let values = |g: &Group| -> Vec<f64> {
            g.metrics
                .iter()
                .map(|m| (m.value * 1e9).round() / 1e9)
                .collect()
        };
        assert_eq!(values(&groups[2]), [50.0, 0.0, 0.0]);
        assert_eq!(values(&groups[1]), [100.0, 90.0, 60.0]);
    }
}
