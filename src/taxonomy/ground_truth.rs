//! The ground truth's place in the taxonomy (docs/scoring.md §4 "Hierarchy", docs/scoring.md §5):
//! every annotated triplet becomes a node, and each ground-truth element
//! is anchored at the nodes it stands for.

use std::path::Path;

use super::{NodeId, Taxonomy};
use crate::formats::annotations::Video;
use crate::{Error, Result};

/// Where a ground-truth element sits in the taxonomy (docs/scoring.md §4 "Hierarchy").
/// Written into `cuebench tasks` records (`{"events": [[...]]}` or
/// `{"leaf": {...}}`) so that a sample can be scored from its record alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Anchor {
    /// An event: the event nodes (paths down to the event) of the video's
    /// triplets with that event.
    Events(Vec<Vec<String>>),
    /// A triplet leaf under the event node at `path`.
    Leaf {
        /// Path from the branch down to the event node.
        path: Vec<String>,
        /// The event.
        event: String,
        /// The scene.
        scene: String,
        /// The attributes.
        attributes: Vec<String>,
    },
}

/// Adds every ground-truth triplet of `videos` (their triplets and their
/// anticipated future events) to the taxonomy under its annotated path
/// (docs/scoring.md §5), so that all of them are nodes and candidates. Call it once
/// after reading the annotations and before embedding the candidates: the
/// candidate sets then do not depend on which tasks are scored. A path that
/// does not fit the taxonomy is an [`Error::Field`] naming `annotations`,
/// the video's line and the field (`triplets[2].taxonomy`).
pub fn add_ground_truth(
    taxonomy: &mut Taxonomy,
    videos: &[Video],
    annotations: &Path,
) -> Result<()> {
    for video in videos {
        let at = |field: String| {
            move |e: Error| match e {
                Error::Taxonomy { message, .. } => Error::Field {
                    path: annotations.to_owned(),
                    line: video.line,
                    field,
                    message,
                },
                other => other,
            }
        };
        for (i, t) in video.triplets.iter().enumerate() {
            taxonomy
                .add_triplet(&t.taxonomy, &t.event, &t.scene, &t.attributes)
                .map_err(at(format!("triplets[{i}].taxonomy")))?;
        }
        let future = video.anticipation.iter().flat_map(|a| a.future.iter());
        for (i, f) in future.enumerate() {
            taxonomy
                .add_triplet(&f.taxonomy, &f.event, &f.scene, &f.attributes)
                .map_err(at(format!("anticipation.future[{i}].taxonomy")))?;
        }
    }
    Ok(())
}

/// The nodes a ground-truth element stands for (docs/scoring.md §4): its triplet leaf,
/// or for `event` the event nodes of the video's triplets with that event.
/// Empty when the taxonomy lacks them (see [`add_ground_truth`]); an empty
/// side gets the largest distance from [`Taxonomy::min_distance`].
pub fn anchor_nodes(taxonomy: &Taxonomy, anchor: &Anchor) -> Vec<NodeId> {
    match anchor {
        Anchor::Events(paths) => paths
            .iter()
            .filter_map(|p| taxonomy.node_at_path(p))
            .collect(),
        Anchor::Leaf {
            path,
            event,
            scene,
            attributes,
        } => taxonomy
            .leaf_at(path, event, scene, attributes)
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::annotations::{Anticipation, FutureEvent, Triplet};
    use crate::taxonomy::CandidateSet;
    use crate::taxonomy::tests::fixtures::{p, small};

    fn video(line: usize, taxonomy: &[&str], event: &str, scene: &str) -> Video {
        Video {
            video_id: "v".into(),
            fps: 30.0,
            genre: None,
            camera_view: None,
            triplets: vec![Triplet {
                id: "t1".into(),
                event: event.into(),
                scene: scene.into(),
                attributes: vec![],
                anomaly: true,
                frames: vec![[0, 30]],
                taxonomy: p(taxonomy),
            }],
            anticipation: Some(Anticipation {
                observed_until_s: 1.0,
                future: vec![FutureEvent {
                    event: "theft".into(),
                    scene: "market".into(),
                    attributes: vec![],
                    anomaly: 1.0,
                    probability: 1.0,
                    taxonomy: p(&["anomaly", "laws & rules", "property", "theft"]),
                }],
            }),
            line,
        }
    }

    #[test]
    fn ground_truth_is_added_and_anchored() {
        let mut tax = small();
        let speeding = ["anomaly", "safety", "traffic", "speeding"];
        let videos = [video(1, &speeding, "speeding", "highway")];
        add_ground_truth(&mut tax, &videos, Path::new("gt.json")).expect("valid paths");
        // The triplet under a new event and the anticipated theft at a new
        // scene are leaves now: 7 + 2 anomaly leaves.
        assert_eq!(tax.candidates(CandidateSet::AnomalyLeaves).len(), 9);
        let leaf = anchor_nodes(
            &tax,
            &Anchor::Leaf {
                path: p(&speeding),
                event: "speeding".into(),
                scene: "highway".into(),
                attributes: vec![],
            },
        );
        assert_eq!(leaf.len(), 1);
        // An event anchor with both of a conditional event's paths: 2 nodes.
        let both = Anchor::Events(vec![
            p(&["anomaly", "safety", "traffic", "motorcycling"]),
            p(&["normality", "safety", "traffic", "motorcycling"]),
        ]);
        assert_eq!(anchor_nodes(&tax, &both).len(), 2);
        // Not in the taxonomy: no nodes.
        let absent = Anchor::Events(vec![p(&["anomaly", "safety", "traffic", "drifting"])]);
        assert!(anchor_nodes(&tax, &absent).is_empty());
    }

    #[test]
    fn bad_ground_truth_path_names_file_line_and_field() {
        let mut tax = small();
        let videos = [video(
            7,
            &["anomaly", "safety", "speeding"],
            "speeding",
            "highway",
        )];
        let err = add_ground_truth(&mut tax, &videos, Path::new("gt.json")).expect_err("3 names");
        let Error::Field {
            path,
            line,
            field,
            message,
        } = err
        else {
            panic!("expected a field error, got {err:?}");
        };
        assert_eq!(
            (path.to_str(), line, field.as_str()),
            (Some("gt.json"), 7, "triplets[0].taxonomy")
        );
        assert!(message.contains("expected 4"), "{message}");
    }
}
