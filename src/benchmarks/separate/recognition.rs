//! Event and anomaly recognition from ranked labels (docs/scoring.md §10):
//! Top-1 and Top-k hierarchy scores and exact-label accuracy.

use serde_json::{Map, Value};

use super::labels::{LabelSpace, fold, hierarchy_credit, label_text};
use crate::taxonomy::{NodeId, Taxonomy};

/// What a recognition sample is scored against.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// The true label as written (event name or leaf text).
    pub label: String,
    /// The node(s) it stands for: the triplet's event node or leaf.
    pub nodes: Vec<NodeId>,
}

/// The scoring context shared by every sample of a task.
pub struct Recognition<'a> {
    /// The taxonomy (ground-truth triplets added).
    pub taxonomy: &'a Taxonomy,
    /// The task's label space.
    pub space: &'a LabelSpace,
    /// `--tau`.
    pub tau: f64,
    /// `--top-k`, at least 1.
    pub k: usize,
}

/// One sample's figures, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// h of the first label.
    pub top1: f64,
    /// The largest h among the first k labels.
    pub topk: f64,
    /// 1 when the first label is the true one.
    pub acc1: f64,
    /// 1 when one of the first k labels is the true one.
    pub acck: f64,
    /// Labels outside the label space, at every rank (inside the first k
    /// or beyond): the count describes the predictions, not `--top-k`.
    pub unknown: usize,
}

/// The labels of a line, best first: its `ranked` list when it has one,
/// else its `scores` ranked high to low, ties by the label as written in
/// byte order, a non-number score dropping its label. An item that is no
/// label (neither a string nor a triplet object) stays in place as an
/// unknown label (`None`). `None` when the line has neither usable field.
pub fn ranking(object: &Map<String, Value>) -> Option<Vec<Option<String>>> {
    if let Some(ranked) = object.get("ranked") {
        return ranked
            .as_array()
            .map(|items| items.iter().map(label_text).collect());
    }
    let scores = object.get("scores")?.as_object()?;
    let mut pairs: Vec<(&str, f64)> = scores
        .iter()
        .filter_map(|(label, v)| v.as_f64().map(|s| (label.as_str(), s)))
        .collect();
    pairs.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    Some(
        pairs
            .into_iter()
            .map(|(label, _)| Some(label.to_owned()))
            .collect(),
    )
}

impl Recognition<'_> {
    /// Scores a ranking against the truth; fewer than k labels is allowed.
    /// Labels past the first k score nothing but are still looked up, so
    /// `unknown` counts them too (docs/scoring.md §10).
    pub fn score(&self, labels: &[Option<String>], truth: &Truth) -> Scores {
        let wanted = fold(&truth.label);
        let mut s = Scores::default();
        let (scored, beyond) = labels.split_at(labels.len().min(self.k));
        s.unknown = beyond
            .iter()
            .filter(|l| l.as_deref().and_then(|l| self.space.nodes(l)).is_none())
            .count();
        for (rank, label) in scored.iter().enumerate() {
            let nodes = label.as_deref().and_then(|l| self.space.nodes(l));
            let credit = match nodes {
                Some(nodes) => hierarchy_credit(self.taxonomy, nodes, &truth.nodes, self.tau),
                None => {
                    s.unknown += 1;
                    0.0
                }
            };
            let exact = nodes.is_some() && label.as_deref().is_some_and(|l| fold(l) == wanted);
            let exact = if exact { 1.0 } else { 0.0 };
            if rank == 0 {
                s.top1 = credit;
                s.acc1 = exact;
            }
            s.topk = s.topk.max(credit);
            s.acck = s.acck.max(exact);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmarks::separate::test_support::{object, small};
    use serde_json::json;

    fn labels(names: &[&str]) -> Vec<Option<String>> {
        names.iter().map(|n| Some((*n).to_owned())).collect()
    }

    #[test]
    fn ranked_wins_and_scores_rank_with_byte_order_ties() {
        let both = object(json!({"ranked": ["b"], "scores": {"a": 1.0}}));
        assert_eq!(ranking(&both), Some(labels(&["b"])));
        // 0.9 first; "B" and "a" tie at 0.5: "B" (0x42) before "a" (0x61);
        // "x" has no number and is dropped.
        let scored = object(json!({"scores": {"a": 0.5, "top": 0.9, "B": 0.5, "x": "high"}}));
        assert_eq!(ranking(&scored), Some(labels(&["top", "B", "a"])));
        // A non-label item keeps its rank as an unknown label.
        let odd = object(json!({"ranked": [3, "a"]}));
        assert_eq!(ranking(&odd), Some(vec![None, Some("a".to_owned())]));
        assert_eq!(ranking(&object(json!({"ranked": "a"}))), None);
        assert_eq!(ranking(&object(json!({"label": "a"}))), None);
    }

    /// Scoring at the defaults: tau 1, top 5.
    fn recognition<'a>(taxonomy: &'a Taxonomy, space: &'a LabelSpace) -> Recognition<'a> {
        Recognition {
            taxonomy,
            space,
            tau: 1.0,
            k: 5,
        }
    }

    #[test]
    fn event_credit_by_hand() {
        // Truth: the event node anomaly/safety/traffic/motorcycling (depth 4).
        // d_max = 5. "crossing road" nearest node: anomaly/safety/traffic/
        // crossing road, 2 edges -> h = 1 - 2/5 = 0.6. "climbing": nearest
        // anomaly/safety/personal/climbing, 4 edges -> 0.2. "motorcycling"
        // (both branches, smallest distance 0) -> 1. "theft": anomaly/laws &
        // rules/property/theft, 6 edges -> 0 (d > d_max; h clipped by tau=1).
        let tax = small();
        let space = LabelSpace::events(&tax);
        let truth_node = tax
            .node_at_path(&["anomaly", "safety", "traffic", "motorcycling"].map(String::from))
            .expect("event node");
        let truth = Truth {
            label: "motorcycling".into(),
            nodes: vec![truth_node],
        };
        let r = recognition(&tax, &space);
        let s = r.score(&labels(&["Crossing  Road", "climbing", "theft"]), &truth);
        assert!((s.top1 - 0.6).abs() < 1e-12);
        assert!((s.topk - 0.6).abs() < 1e-12, "fewer labels than k");
        assert_eq!((s.acc1, s.acck, s.unknown), (0.0, 0.0, 0));
        let s = r.score(&labels(&["climbing", "nope", " MOTORCYCLING "]), &truth);
        assert!((s.top1 - 0.2).abs() < 1e-12);
        assert_eq!((s.topk, s.acc1, s.acck, s.unknown), (1.0, 0.0, 1.0, 1));
        // Top-2 stops before the right label at rank 3.
        let r2 = Recognition { k: 2, ..r };
        let s = r2.score(&labels(&["climbing", "nope", "motorcycling"]), &truth);
        assert_eq!((s.acck, s.unknown), (0.0, 1));
        assert!((s.topk - 0.2).abs() < 1e-12);
        // An unknown label beyond k scores nothing but is still counted:
        // the count is the same at k = 1, 2 and 5.
        let ranked = labels(&["climbing", "nope", "motorcycling", "?", "x"]);
        for k in [1, 2, 5] {
            let s = Recognition { k, ..r }.score(&ranked, &truth);
            assert_eq!(s.unknown, 3, "k = {k}");
        }
        // tau = 0.4 keeps only d <= 2: crossing road (d 2) still counts 0.6,
        // climbing (d 4) now 0.
        let r3 = Recognition {
            tau: 0.4,
            k: 5,
            ..r
        };
        let s = r3.score(&labels(&["climbing", "crossing road"]), &truth);
        assert_eq!(s.top1, 0.0);
        assert!((s.topk - 0.6).abs() < 1e-12);
        // An empty ranking scores 0.
        assert_eq!(r.score(&[], &truth), Scores::default());
    }

    #[test]
    fn anomaly_labels_as_text_or_object() {
        // Truth leaf: motorcycling, highway, without helmet (anomaly branch).
        // The same text as an object scores 1; "motorcycling, highway, with
        // helmet" sits under normality: leaf - event - effect - domain -
        // branch - root and down again = 10 edges -> 0.
        // "motorcycling, sidewalk" is a sibling leaf: 2 edges -> 0.6.
        let tax = small();
        let space = LabelSpace::leaves(&tax);
        let leaf = tax
            .leaf_at(
                &["anomaly", "safety", "traffic", "motorcycling"].map(String::from),
                "motorcycling",
                "highway",
                &["without helmet".to_owned()],
            )
            .expect("leaf");
        let truth = Truth {
            label: "motorcycling, highway, without helmet".into(),
            nodes: vec![leaf],
        };
        let r = recognition(&tax, &space);
        let line = object(json!({"ranked": [
            "Motorcycling, Highway, With Helmet",
            {"event": "motorcycling", "scene": "sidewalk", "attributes": []},
            {"event": "motorcycling", "scene": "highway", "attributes": ["without helmet"]}
        ]}));
        let s = r.score(&ranking(&line).expect("ranking"), &truth);
        assert_eq!((s.top1, s.topk, s.acc1, s.acck), (0.0, 1.0, 0.0, 1.0));
        let line = object(json!({"ranked": ["motorcycling, sidewalk"]}));
        let s = r.score(&ranking(&line).expect("ranking"), &truth);
        assert!((s.top1 - 0.6).abs() < 1e-12);
    }
}
