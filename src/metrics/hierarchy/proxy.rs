//! Proxy retrieval, the first half of the hierarchy score (docs/scoring.md §4
//! "Hierarchy", paper Eq. 4): each output element is placed in the taxonomy
//! at the candidate node whose text is nearest to its value text. The
//! second half, tree distances and S^H, is in the parent module.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde_json::Value;

use crate::taxonomy::{CandidateSet, NodeId, Taxonomy};

/// The candidate set for an element with anomaly score `score` (docs/scoring.md §4,
/// paper Appendix B.1): anomaly leaves when > 0.5, normality leaves
/// otherwise; a missing or unreadable score (`None`) searches all leaves
/// (Decision, docs/scoring.md §4).
pub fn branch_for_score(score: Option<f64>) -> CandidateSet {
    match score {
        Some(s) if s > 0.5 => CandidateSet::AnomalyLeaves,
        Some(_) => CandidateSet::NormalityLeaves,
        None => CandidateSet::AllLeaves,
    }
}

/// Reads an element's anomaly score: a JSON number, or a string holding one
/// (the paper's format prompt writes `"1.0"`), finite and within [0, 1].
/// Anything else is unreadable: `None` (docs/scoring.md §4 "Hierarchy").
pub fn anomaly_score(value: &Value) -> Option<f64> {
    let score = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (score.is_finite() && (0.0..=1.0).contains(&score)).then_some(score)
}

/// Index of the candidate with the highest cosine to `query` (docs/scoring.md §4: the
/// proxy node). Vectors are L2-normalised, so cosine is the dot product.
/// The first candidate wins ties (candidates are sorted by text, so the
/// result is deterministic); NaN similarities never win; no candidates:
/// `None`.
pub fn nearest_candidate(query: &[f32], candidates: &[&[f32]]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, c) in candidates.iter().enumerate() {
        let sim = dot(query, c);
        if sim.is_nan() {
            continue;
        }
        if best.is_none_or(|(_, b)| sim > b) {
            best = Some((i, sim));
        }
    }
    best.map(|(i, _)| i)
}

/// Dot product in eight independent lanes: a fixed summation order (so the
/// result never depends on threads) that the compiler turns into SIMD, which
/// a single running sum cannot be. Proxy retrieval is the hot loop of a run.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut acc = [0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            acc[lane] += x[lane] * y[lane];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The candidates of one set with their vectors, ready for retrieval.
struct CandidateVectors<'a> {
    nodes: Vec<&'a [NodeId]>,
    vectors: Vec<&'a [f32]>,
}

impl<'a> CandidateVectors<'a> {
    /// The candidates of `set` that have a vector.
    fn gather(
        taxonomy: &'a Taxonomy,
        set: CandidateSet,
        vector_of: &impl Fn(&str) -> Option<&'a [f32]>,
    ) -> Self {
        let (nodes, vectors) = taxonomy
            .candidates(set)
            .iter()
            .filter_map(|c| Some((c.nodes.as_slice(), vector_of(&c.text)?)))
            .unzip();
        CandidateVectors { nodes, vectors }
    }

    /// The nodes of the candidate nearest to `query` (the proxy).
    fn nearest(&self, query: &[f32]) -> Option<&'a [NodeId]> {
        nearest_candidate(query, &self.vectors).map(|i| self.nodes[i])
    }
}

/// The proxy nodes found so far, by candidate set and output text, so that
/// a text asked about again (in another sample, or a later reward batch) is
/// retrieved once.
#[derive(Debug, Default)]
pub struct ProxyIndex {
    proxies: HashMap<(CandidateSet, String), Vec<NodeId>>,
}

impl ProxyIndex {
    /// Retrieves the proxy of every query not yet known. `vector_of` gives
    /// the unit vector of a text (candidates and queries); a query or
    /// candidate without one is skipped. Each set's candidate vectors are
    /// gathered once, not once per query.
    pub fn retrieve<'a>(
        &mut self,
        taxonomy: &'a Taxonomy,
        vector_of: impl Fn(&str) -> Option<&'a [f32]> + Sync,
        queries: HashSet<(CandidateSet, String)>,
    ) {
        let queries: Vec<_> = queries
            .into_iter()
            .filter(|q| !q.1.is_empty() && !self.proxies.contains_key(q))
            .collect();
        let sets: HashSet<CandidateSet> = queries.iter().map(|(set, _)| *set).collect();
        let candidates: HashMap<CandidateSet, CandidateVectors> = sets
            .into_iter()
            .map(|set| (set, CandidateVectors::gather(taxonomy, set, &vector_of)))
            .collect();
        let found: Vec<_> = queries
            .into_par_iter()
            .filter_map(|(set, text)| {
                let nodes = candidates[&set].nearest(vector_of(&text)?)?;
                Some(((set, text), nodes.to_vec()))
            })
            .collect();
        self.proxies.extend(found);
    }

    /// The proxy nodes of an output text in a candidate set, if it has one.
    pub fn get(&self, set: CandidateSet, text: &str) -> Option<&[NodeId]> {
        self.proxies.get(&(set, text.to_owned())).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn branch_rule() {
        assert_eq!(branch_for_score(Some(0.9)), CandidateSet::AnomalyLeaves);
        assert_eq!(branch_for_score(Some(1.0)), CandidateSet::AnomalyLeaves);
        // Exactly 0.5 is not "> 0.5".
        assert_eq!(branch_for_score(Some(0.5)), CandidateSet::NormalityLeaves);
        assert_eq!(branch_for_score(Some(0.0)), CandidateSet::NormalityLeaves);
        assert_eq!(branch_for_score(None), CandidateSet::AllLeaves);
    }

    #[test]
    fn readable_and_unreadable_anomaly_scores() {
        assert_eq!(anomaly_score(&json!(1)), Some(1.0));
        assert_eq!(anomaly_score(&json!(0.25)), Some(0.25));
        assert_eq!(anomaly_score(&json!("1.0")), Some(1.0));
        assert_eq!(anomaly_score(&json!(" 0.7 ")), Some(0.7));
        for bad in [
            json!("high"),
            json!(""),
            json!(null),
            json!(true),
            json!([0.5]),
            json!({"p": 1}),
            json!(1.5),
            json!(-0.1),
            json!("NaN"),
            json!("inf"),
        ] {
            assert_eq!(anomaly_score(&bad), None, "{bad}");
        }
        // Unreadable -> all leaves.
        assert_eq!(
            branch_for_score(anomaly_score(&json!("yes"))),
            CandidateSet::AllLeaves
        );
    }

    #[test]
    fn nearest_candidate_takes_max_dot_first_on_ties() {
        let (a, b, c) = ([1.0_f32, 0.0], [0.6_f32, 0.8], [0.6_f32, 0.8]);
        // Query (0, 1): dots 0, 0.8, 0.8 -> the first of the tied pair.
        assert_eq!(nearest_candidate(&[0.0, 1.0], &[&a, &b, &c]), Some(1));
        assert_eq!(nearest_candidate(&[1.0, 0.0], &[&a, &b, &c]), Some(0));
        assert_eq!(nearest_candidate(&[1.0, 0.0], &[]), None);
        // A NaN similarity never wins.
        let nan = [f32::NAN, 0.0];
        assert_eq!(nearest_candidate(&[1.0, 0.0], &[&nan, &b]), Some(1));
    }
}
