//! The hierarchy score S^H (docs/scoring.md §4 "Hierarchy", paper Eq. 4) and the
//! hierarchy reward R^H (docs/scoring.md §7, Eq. 6), as pure functions.
//!
//! The pipeline: pick the candidate set ([`proxy::branch_for_score`] for
//! tasks with an anomaly score), retrieve each output's proxy by embedding
//! ([`proxy`]), measure tree distances to the ground truth
//! ([`distance_matrix`]), then score over the semantic score's assignment
//! ([`hierarchy_score`], [`hierarchy_reward`]). Embedding the texts is the
//! caller's job, through the same cache as everything else.

pub mod proxy;

use super::assignment::is_matchable;
use crate::taxonomy::{NodeId, Taxonomy};

/// The `r x t` distance matrix d_ij of Eq. 4, row-major: `proxies[i]` is the
/// nodes of output i's proxy candidate (`None` when its value text is empty
/// or no candidate was found: no distance), `truths[j]` the nodes of
/// ground-truth element j (its leaf, or for `event` its event nodes). Names
/// at several nodes take the smallest distance (docs/scoring.md §4).
pub fn distance_matrix(
    taxonomy: &Taxonomy,
    proxies: &[Option<&[NodeId]>],
    truths: &[Vec<NodeId>],
) -> Vec<Option<u32>> {
    proxies
        .iter()
        .enumerate()
        .flat_map(|(i, proxy)| {
            truths.iter().enumerate().map(move |(j, truth)| {
                proxy
                    .filter(|_| is_matchable(i, j))
                    .map(|p| taxonomy.min_distance(p, truth))
            })
        })
        .collect()
}

/// S^H of Eq. 4 over a given assignment (the semantic score's, docs/scoring.md §4):
/// (1 / (r t)) * sum over matched (i, j) of (1 - d_ij / d_max) *
/// [d_ij <= tau * d_max]. `distances[i * t + j]` is `None` where output i has
/// an empty value text: such a pair contributes 0, as does a pair outside
/// the matrix. Empty answers follow docs/scoring.md §4: t = 0 scores 1 exactly when
/// r = 0; r = 0 < t scores 0. `tau` belongs in [0, 1] (the CLI checks it);
/// terms are kept non-negative all the same, so the score stays in [0, 1].
pub fn hierarchy_score(
    distances: &[Option<u32>],
    pairs: &[(usize, usize)],
    r: usize,
    t: usize,
    d_max: u32,
    tau: f64,
) -> f64 {
    let cut = tau * f64::from(d_max);
    assigned_mean(distances, pairs, r, t, d_max, |d| {
        if f64::from(d) <= cut {
            (1.0 - f64::from(d) / f64::from(d_max)).max(0.0)
        } else {
            0.0
        }
    })
}

/// R^H of Eq. 6 (docs/scoring.md §7): Eq. 4 without the indicator, so a pair farther
/// apart than d_max scores below 0 (down to -1 across the root). Same
/// inputs and empty-answer rule as [`hierarchy_score`].
pub fn hierarchy_reward(
    distances: &[Option<u32>],
    pairs: &[(usize, usize)],
    r: usize,
    t: usize,
    d_max: u32,
) -> f64 {
    assigned_mean(distances, pairs, r, t, d_max, |d| {
        1.0 - f64::from(d) / f64::from(d_max)
    })
}

/// (1 / (r t)) * sum of `term(d_ij)` over the pairs, with docs/scoring.md §4's rules for
/// empty answers. A zero d_max (a tree without leaves) scores 0.
fn assigned_mean(
    distances: &[Option<u32>],
    pairs: &[(usize, usize)],
    r: usize,
    t: usize,
    d_max: u32,
    term: impl Fn(u32) -> f64,
) -> f64 {
    if let Some(score) = super::empty_answer_rule(r, t) {
        return score;
    }
    if d_max == 0 {
        return 0.0;
    }
    let sum: f64 = pairs
        .iter()
        .filter(|&&(i, j)| i < r && j < t)
        .filter_map(|&(i, j)| distances.get(i * t + j).copied().flatten())
        .map(term)
        .sum();
    sum / (r as f64 * t as f64)
}

#[cfg(test)]
mod tests {
    use super::proxy::{anomaly_score, branch_for_score, nearest_candidate};
    use super::*;
    use crate::metrics::assignment::max_weight_assignment;
    use crate::taxonomy::CandidateSet;
    use crate::taxonomy::tests::fixtures::{p, small};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn score_and_reward_over_an_assignment() {
        // r = t = 2, d_max = 5; d = [[10, 2], [0, 6]], pairs (0,1) and (1,0).
        let d = [Some(10), Some(2), Some(0), Some(6)];
        let pairs = [(0, 1), (1, 0)];
        // (1 - 2/5) + (1 - 0/5) = 0.6 + 1.0 = 1.6; / (2 * 2) = 0.4.
        assert!(close(hierarchy_score(&d, &pairs, 2, 2, 5, 1.0), 0.4));
        // Every matched d <= d_max, so Eq. 6 gives the same 0.4.
        assert!(close(hierarchy_reward(&d, &pairs, 2, 2, 5), 0.4));
        // The other assignment: d = 10 and 6, both beyond d_max = 5 * 1.0:
        // S^H = 0; R^H = ((1 - 10/5) + (1 - 6/5)) / 4 = (-1 - 0.2) / 4 = -0.3.
        let other = [(0, 0), (1, 1)];
        assert!(close(hierarchy_score(&d, &other, 2, 2, 5, 1.0), 0.0));
        assert!(close(hierarchy_reward(&d, &other, 2, 2, 5), -0.3));
    }

    #[test]
    fn tau_cut_off() {
        // One pair, r = 1, t = 2 (normaliser 1/2), d_max = 5.
        let score = |d: u32, tau: f64| hierarchy_score(&[Some(d), None], &[(0, 0)], 1, 2, 5, tau);
        // tau = 0.5: cut at 2.5. d = 2 keeps (1 - 2/5) / 2 = 0.3; d = 3 is cut.
        assert!(close(score(2, 0.5), 0.3));
        assert!(close(score(3, 0.5), 0.0));
        // tau = 0.4: cut at exactly 2.0, and the test is d <= cut: kept.
        assert!(close(score(2, 0.4), 0.3));
        // tau = 0: only exact hits count, 1 / 2.
        assert!(close(score(0, 0.0), 0.5));
        assert!(close(score(1, 0.0), 0.0));
        // tau = 1: d = d_max is kept but worth 1 - 5/5 = 0.
        assert!(close(score(5, 1.0), 0.0));
        // The reward ignores tau: d = 3 gives (1 - 3/5) / 2 = 0.2.
        assert!(close(
            hierarchy_reward(&[Some(3), None], &[(0, 0)], 1, 2, 5),
            0.2
        ));
    }

    #[test]
    fn empty_texts_and_empty_answers() {
        // Output 0 has an empty value text: its pair adds 0, not 1.
        let d = [None, Some(0)];
        assert!(close(hierarchy_score(&d, &[(0, 0)], 1, 2, 5, 1.0), 0.0));
        assert!(close(hierarchy_reward(&d, &[(0, 0)], 1, 2, 5), 0.0));
        // A pair outside the matrix adds 0 rather than panicking.
        assert!(close(hierarchy_score(&d, &[(3, 7)], 1, 2, 5, 1.0), 0.0));
        // docs/scoring.md §4: t = 0 scores 1 iff r = 0; r = 0 < t scores 0.
        assert!(close(hierarchy_score(&[], &[], 0, 0, 5, 1.0), 1.0));
        assert!(close(hierarchy_score(&[], &[], 2, 0, 5, 1.0), 0.0));
        assert!(close(hierarchy_reward(&[], &[], 0, 3, 5), 0.0));
    }

    /// One-hot stand-in embeddings over the taxonomy's distinct leaf texts:
    /// a query equal to a candidate's text retrieves exactly that candidate.
    fn one_hot(tax: &Taxonomy, text: &str) -> Vec<f32> {
        tax.candidates(CandidateSet::AllLeaves)
            .iter()
            .map(|c| if c.text == text { 1.0 } else { 0.0 })
            .collect()
    }

    /// Proxy retrieval for one output of anomaly-bu, then S^H and R^H
    /// against one ground-truth leaf (r = t = 1, pair (0, 0)).
    fn bu_scores(tax: &mut Taxonomy, answer: &str, score: Value) -> (f64, f64) {
        let gt = tax
            .add_triplet(
                &p(&["anomaly", "life & health", "health", "smoking"]),
                "smoking",
                "bus",
                &[],
            )
            .expect("ground truth");
        let set = branch_for_score(anomaly_score(&score));
        let vectors: Vec<Vec<f32>> = tax
            .candidates(set)
            .iter()
            .map(|c| one_hot(tax, &c.text))
            .collect();
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let best = nearest_candidate(&one_hot(tax, answer), &refs).expect("a candidate");
        let proxy = tax.candidates(set)[best].nodes.as_slice();
        let d = distance_matrix(tax, &[Some(proxy)], &[vec![gt]]);
        (
            hierarchy_score(&d, &[(0, 0)], 1, 1, tax.d_max(), 1.0),
            hierarchy_reward(&d, &[(0, 0)], 1, 1, tax.d_max()),
        )
    }

    #[test]
    fn the_anomaly_score_picks_the_branch() {
        let mut tax = small();
        // The ground truth is the anomalous "smoking, bus" (life & health).
        // Score 0.9: retrieved among anomaly leaves, the anomalous leaf: d = 0.
        assert_eq!(
            bu_scores(&mut tax, "smoking, bus", json!("0.9")),
            (1.0, 1.0)
        );
        // Score 0.2: the normal "smoking, bus" leaf, across the root: d = 10,
        // cut by the indicator (S^H = 0) and R^H = 1 - 10/5 = -1.
        assert_eq!(bu_scores(&mut tax, "smoking, bus", json!(0.2)), (0.0, -1.0));
        // Unreadable score: all leaves, whose "smoking, bus" candidate stands
        // for both leaves; the smaller distance, 0, counts.
        assert_eq!(
            bu_scores(&mut tax, "smoking, bus", json!("very")),
            (1.0, 1.0)
        );
    }

    #[test]
    fn event_task_uses_every_node_of_a_name() {
        let tax = small();
        let events = tax.candidates(CandidateSet::Events);
        let smoking = events
            .iter()
            .find(|c| c.text == "smoking")
            .expect("smoking");
        let climbing = tax
            .node_at_path(&p(&["normality", "safety", "personal", "climbing"]))
            .expect("node");
        let theft = tax
            .node_at_path(&p(&["anomaly", "laws & rules", "property", "theft"]))
            .expect("node");
        // Proxy "smoking" (3 nodes) vs ground truth climbing (normal node) and theft:
        // smoking n/l&h vs climbing n/safety meet at `normality`: 3 + 3 = 6;
        // smoking a/* vs theft meet at `anomaly`: 3 + 3 = 6. Empty output 1: None.
        let d = distance_matrix(
            &tax,
            &[Some(&smoking.nodes), None],
            &[vec![climbing], vec![theft]],
        );
        assert_eq!(d, [Some(6), Some(6), None, None]);
        // Pair (0, 1): 6 > 5, so S^H = 0 and R^H = (1 - 6/5) / (2 * 2) = -0.05.
        assert!(close(
            hierarchy_score(&d, &[(0, 1), (1, 0)], 2, 2, 5, 1.0),
            0.0
        ));
        assert!(close(
            hierarchy_reward(&d, &[(0, 1), (1, 0)], 2, 2, 5),
            -0.05
        ));
    }

    proptest! {
        /// S^H stays in [0, 1], R^H in [-1, 1]; at tau = 1, S^H >= R^H; and
        /// S^H never falls as tau grows.
        #[test]
        fn bounds_and_monotone_tau(
            r in 1usize..4, t in 1usize..4,
            raw in proptest::collection::vec((0u32..=10, 0u8..4, 0.0f64..1.0), 9),
            tau in 0.0f64..=1.0,
        ) {
            let d: Vec<Option<u32>> = raw.iter().take(r * t).map(|&(d, e, _)| (e > 0).then_some(d)).collect();
            let w: Vec<f64> = raw.iter().take(r * t).map(|x| x.2).collect();
            let pairs = max_weight_assignment(&w, r, t);
            let s = hierarchy_score(&d, &pairs, r, t, 5, tau);
            let rw = hierarchy_reward(&d, &pairs, r, t, 5);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((-1.0..=1.0).contains(&rw));
            prop_assert!(hierarchy_score(&d, &pairs, r, t, 5, 1.0) >= rw - 1e-12);
            prop_assert!(hierarchy_score(&d, &pairs, r, t, 5, 1.0) >= s - 1e-12);
        }
    }
}
