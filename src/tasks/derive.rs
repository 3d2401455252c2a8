//! Per-task ground truth derived from annotations (docs/scoring.md §3.2).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Task;
use crate::formats::annotations::{Anticipation, Triplet, Video};
use crate::intervals::{Interval, merge};
use crate::taxonomy::Anchor;

/// One ground-truth sample of a task: a line of `cuebench tasks`, which
/// reads back into the same sample (a trainer scores against it alone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// `VIDEO`, `VIDEO|EVENT` (scene, attribute) or `VIDEO|TRIPLET_ID` (grounding).
    pub id: String,
    /// The video it belongs to.
    pub video_id: String,
    /// The task.
    pub task: Task,
    /// What fills the prompt placeholder: the event (scene, attribute) or the
    /// triplet's value text (grounding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Ground-truth elements in the answer format of Figure 11; empty for the
    /// answer `None`.
    pub truth: Vec<Value>,
    /// Per element of `truth`, where it sits in the taxonomy (hierarchy
    /// tasks only; written last, so a record's start reads as before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<Anchor>,
}

/// The samples of `task` for all videos, in annotation order.
pub fn derive_samples(videos: &[Video], task: Task) -> Vec<Sample> {
    videos.iter().flat_map(|v| video_samples(v, task)).collect()
}

fn video_samples(video: &Video, task: Task) -> Vec<Sample> {
    let whole = |truth: Vec<Value>, anchors: Vec<Anchor>| Sample {
        id: video.video_id.clone(),
        video_id: video.video_id.clone(),
        task,
        subject: None,
        truth,
        anchors,
    };
    match task {
        Task::Event => {
            let groups = by_event(video);
            let truth = groups.iter().map(|(e, _)| json!({ "event": e })).collect();
            let anchors = groups.iter().map(|(_, ts)| event_anchor(ts)).collect();
            vec![whole(truth, anchors)]
        }
        Task::Scene | Task::Attribute => per_event_samples(video, task),
        Task::AnomalyTd => {
            let anomalous: Vec<&Triplet> = video.triplets.iter().filter(|t| t.anomaly).collect();
            let truth = anomalous
                .iter()
                .map(|t| json!({"anomaly": {"event": t.event, "scene": t.scene, "attribute": t.attributes.join(", ")}}))
                .collect();
            vec![whole(
                truth,
                anomalous.iter().map(|t| leaf_anchor(t)).collect(),
            )]
        }
        Task::AnomalyBu => {
            let truth = video
                .triplets
                .iter()
                .map(|t| {
                    let score = if t.anomaly { 1.0 } else { 0.0 };
                    json!({"event": t.event, "scene": t.scene, "attribute": t.attributes.join(", "), "anomaly": score})
                })
                .collect();
            vec![whole(
                truth,
                video.triplets.iter().map(leaf_anchor).collect(),
            )]
        }
        Task::Grounding => grounding_samples(video),
        Task::Detection => {
            let intervals: Vec<Interval> = video
                .triplets
                .iter()
                .filter(|t| t.anomaly)
                .flat_map(|t| t.seconds(video.fps))
                .map(|[start, end]| Interval { start, end })
                .collect();
            let truth = merge(&intervals)
                .iter()
                .map(|i| json!({"anomaly_duration": [i.start, i.end]}))
                .collect();
            vec![whole(truth, Vec::new())]
        }
        Task::Anticipation => match &video.anticipation {
            None => Vec::new(),
            Some(a) => {
                let (truth, anchors) = anticipation_truth(a);
                vec![whole(truth, anchors)]
            }
        },
    }
}

/// Grounding samples: one per triplet, its value text as the subject.
fn grounding_samples(video: &Video) -> Vec<Sample> {
    video
        .triplets
        .iter()
        .map(|t| Sample {
            id: format!("{}|{}", video.video_id, t.id),
            video_id: video.video_id.clone(),
            task: Task::Grounding,
            subject: Some(Task::AnomalyBu.value_text(
                &json!({"event": t.event, "scene": t.scene, "attribute": t.attributes}),
            )),
            truth: t
                .seconds(video.fps)
                .iter()
                .map(|[s, e]| json!({"duration": [s, e]}))
                .collect(),
            anchors: Vec::new(),
        })
        .collect()
}

/// The anticipation sample's truth (the future events with their
/// probabilities) and the events' taxonomy anchors.
fn anticipation_truth(a: &Anticipation) -> (Vec<Value>, Vec<Anchor>) {
    let truth = a
        .future
        .iter()
        .map(|f| {
            json!({"event_probability": {"event": f.event, "scene": f.scene,
                "attribute": f.attributes.join(", "), "probability": f.probability, "anomaly": f.anomaly}})
        })
        .collect();
    let anchors = a
        .future
        .iter()
        .map(|f| Anchor::Leaf {
            path: f.taxonomy.clone(),
            event: f.event.clone(),
            scene: f.scene.clone(),
            attributes: f.attributes.clone(),
        })
        .collect();
    (truth, anchors)
}

/// Scene and attribute samples: one per distinct event (attribute: only
/// events with at least one attribute).
fn per_event_samples(video: &Video, task: Task) -> Vec<Sample> {
    by_event(video)
        .into_iter()
        .filter_map(|(event, with_event)| {
            let (key, values) = match task {
                Task::Scene => (
                    "scene",
                    distinct(with_event.iter().map(|t| t.scene.as_str())),
                ),
                _ => (
                    "attribute",
                    distinct(
                        with_event
                            .iter()
                            .flat_map(|t| t.attributes.iter().map(String::as_str)),
                    ),
                ),
            };
            (!values.is_empty()).then(|| Sample {
                id: format!("{}|{event}", video.video_id),
                video_id: video.video_id.clone(),
                task,
                subject: Some(event.to_owned()),
                truth: values.iter().map(|v| json!({ key: v })).collect(),
                anchors: Vec::new(),
            })
        })
        .collect()
}

/// The video's triplets grouped by event, events in first-seen order. One
/// pass: a video with 10^5 triplets is as cheap per triplet as one with 10.
fn by_event(video: &Video) -> Vec<(&str, Vec<&Triplet>)> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(&str, Vec<&Triplet>)> = Vec::new();
    for t in &video.triplets {
        let at = *index.entry(t.event.as_str()).or_insert_with(|| {
            groups.push((t.event.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(t);
    }
    groups
}

/// The distinct event nodes (taxonomy paths) of one event's triplets.
fn event_anchor(with_event: &[&Triplet]) -> Anchor {
    let paths = distinct(with_event.iter().map(|t| &t.taxonomy));
    Anchor::Events(paths.into_iter().cloned().collect())
}

fn leaf_anchor(t: &Triplet) -> Anchor {
    Anchor::Leaf {
        path: t.taxonomy.clone(),
        event: t.event.clone(),
        scene: t.scene.clone(),
        attributes: t.attributes.clone(),
    }
}

/// Distinct items in first-seen order (hashed: linear in the items).
fn distinct<T: Eq + Hash + Copy>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.filter(|item| seen.insert(*item)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::annotations::{Anticipation, FutureEvent};

    fn triplet(
        id: &str,
        event: &str,
        scene: &str,
        attrs: &[&str],
        anomaly: bool,
        frames: Vec<[u64; 2]>,
    ) -> Triplet {
        let branch = if anomaly { "anomaly" } else { "normality" };
        Triplet {
            id: id.into(),
            event: event.into(),
            scene: scene.into(),
            attributes: attrs.iter().map(|a| a.to_string()).collect(),
            anomaly,
            frames,
            taxonomy: vec![
                branch.into(),
                "safety".into(),
                "traffic".into(),
                event.into(),
            ],
        }
    }

    fn video() -> Video {
        Video {
            video_id: "v".into(),
            fps: 10.0,
            genre: None,
            camera_view: None,
            triplets: vec![
                triplet(
                    "t1",
                    "crossing road",
                    "zebra crossing",
                    &["bicycle"],
                    false,
                    vec![[0, 50]],
                ),
                triplet(
                    "t2",
                    "driving car",
                    "zebra crossing",
                    &["no give way", "fast"],
                    true,
                    vec![[40, 80], [100, 120]],
                ),
                triplet(
                    "t3",
                    "crossing road",
                    "street",
                    &["bicycle", "night"],
                    false,
                    vec![[130, 140]],
                ),
                triplet(
                    "t4",
                    "traffic accident",
                    "street",
                    &[],
                    true,
                    vec![[70, 90]],
                ),
            ],
            anticipation: None,
            line: 1,
        }
    }

    fn ids(samples: &[Sample]) -> Vec<&str> {
        samples.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn event_sample_has_distinct_events_with_their_nodes() {
        let s = &derive_samples(&[video()], Task::Event)[0];
        assert_eq!(
            s.truth,
            vec![
                json!({"event": "crossing road"}),
                json!({"event": "driving car"}),
                json!({"event": "traffic accident"})
            ]
        );
        assert!(matches!(&s.anchors[0], Anchor::Events(p) if p.len() == 1));
    }

    #[test]
    fn scene_and_attribute_samples_per_event() {
        let scenes = derive_samples(&[video()], Task::Scene);
        assert_eq!(
            ids(&scenes),
            ["v|crossing road", "v|driving car", "v|traffic accident"]
        );
        assert_eq!(
            scenes[0].truth,
            vec![
                json!({"scene": "zebra crossing"}),
                json!({"scene": "street"})
            ]
        );
        assert_eq!(scenes[0].subject.as_deref(), Some("crossing road"));
        let attrs = derive_samples(&[video()], Task::Attribute);
        // traffic accident has no attribute: no sample.
        assert_eq!(ids(&attrs), ["v|crossing road", "v|driving car"]);
        assert_eq!(
            attrs[0].truth,
            vec![
                json!({"attribute": "bicycle"}),
                json!({"attribute": "night"})
            ]
        );
    }

    #[test]
    fn anomaly_tasks() {
        let td = &derive_samples(&[video()], Task::AnomalyTd)[0];
        assert_eq!(
            td.truth[0],
            json!({"anomaly": {"event": "driving car", "scene": "zebra crossing", "attribute": "no give way, fast"}})
        );
        assert_eq!(td.truth.len(), 2);
        let bu = &derive_samples(&[video()], Task::AnomalyBu)[0];
        assert_eq!(bu.truth.len(), 4);
        assert_eq!(bu.truth[0]["anomaly"], json!(0.0));
        assert_eq!(bu.truth[1]["anomaly"], json!(1.0));
        let mut normal = video();
        normal.triplets.retain(|t| !t.anomaly);
        assert!(
            derive_samples(&[normal.clone()], Task::AnomalyTd)[0]
                .truth
                .is_empty()
        );
        assert!(
            derive_samples(&[normal], Task::Detection)[0]
                .truth
                .is_empty()
        );
    }

    #[test]
    fn grounding_and_detection_in_seconds() {
        let g = derive_samples(&[video()], Task::Grounding);
        assert_eq!(ids(&g), ["v|t1", "v|t2", "v|t3", "v|t4"]);
        assert_eq!(
            g[1].truth,
            vec![
                json!({"duration": [4.0, 8.0]}),
                json!({"duration": [10.0, 12.0]})
            ]
        );
        assert_eq!(
            g[1].subject.as_deref(),
            Some("driving car, zebra crossing, no give way, fast")
        );
        // Anomalies t2 [4,8] [10,12] and t4 [7,9] merge to [4,9] and [10,12].
        let d = &derive_samples(&[video()], Task::Detection)[0];
        assert_eq!(
            d.truth,
            vec![
                json!({"anomaly_duration": [4.0, 9.0]}),
                json!({"anomaly_duration": [10.0, 12.0]})
            ]
        );
    }

    #[test]
    fn anticipation_only_for_videos_with_a_block() {
        assert!(derive_samples(&[video()], Task::Anticipation).is_empty());
        let mut v = video();
        v.anticipation = Some(Anticipation {
            observed_until_s: 3.0,
            future: vec![FutureEvent {
                event: "theft".into(),
                scene: "shop".into(),
                attributes: vec!["masked man".into()],
                anomaly: 1.0,
                probability: 0.8,
                taxonomy: vec!["anomaly".into()],
            }],
        });
        let s = &derive_samples(&[v], Task::Anticipation)[0];
        assert_eq!(
            Task::Anticipation.value_text(&s.truth[0]),
            "theft, shop, masked man"
        );
        assert_eq!(s.truth[0]["event_probability"]["probability"], json!(0.8));
    }

    #[test]
    fn a_record_reads_back_into_the_same_sample() {
        // A trainer scores against a `cuebench tasks` line alone, so every
        // field the scores need (anchors too) must survive the round trip.
        for task in Task::ALL {
            for s in derive_samples(&[video()], task) {
                let line = serde_json::to_string(&s).expect("plain data");
                let back: Sample = serde_json::from_str(&line).expect("reads back");
                assert_eq!(back, s, "{task}");
            }
        }
        let event = &derive_samples(&[video()], Task::Event)[0];
        let line = serde_json::to_value(event).expect("plain data");
        assert_eq!(
            line["anchors"][0],
            json!({"events": [["normality", "safety", "traffic", "crossing road"]]})
        );
    }
}
