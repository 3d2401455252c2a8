//! Proxy retrieval, the first half of the hierarchy score (docs/scoring.md §4
//! "Hierarchy", paper Eq. 4): each output element is placed in the taxonomy
//! at the candidate node whose text is nearest to its value text. The
//! second half, tree distances and S^H, is in the parent module.

use std::collections::{HashMap, HashSet};

use ndarray::Array2;
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

/// [`nearest_candidate`] for many queries at once, with the same answers,
/// fast: one matrix product over every query and candidate ranks the
/// candidates approximately (any summation order, fused or not), and only
/// those within that product's rounding bound of the best are ranked again
/// with the exact dot product. A row whose product is not finite is ranked
/// exactly throughout.
pub fn nearest_candidates(queries: &[&[f32]], candidates: &[&[f32]]) -> Vec<Option<usize>> {
    let dim = candidates.first().map_or(0, |c| c.len());
    let same_dim = |v: &&[f32]| v.len() == dim;
    if candidates.is_empty() || !candidates.iter().all(same_dim) || !queries.iter().all(same_dim) {
        return queries
            .iter()
            .map(|q| nearest_candidate(q, candidates))
            .collect();
    }
    let matrix = |rows: &[&[f32]]| Array2::from_shape_fn((rows.len(), dim), |(i, j)| rows[i][j]);
    let approx = matrix(queries).dot(&matrix(candidates).t());
    let max_norm = candidates.iter().map(|c| norm(c)).fold(0.0, f64::max);
    queries
        .iter()
        .zip(approx.rows())
        .map(|(q, row)| {
            // The product and the exact dot are each within gamma_n |q| |c|
            // of the true value, so the exact winner lies within 4 gamma_n
            // |q| max|c| of the best product; twice that for headroom, plus
            // an absolute term for results near the subnormal range.
            let margin = 8.0 * rounding_bound(dim) * norm(q) * max_norm + 1e-30;
            screened_nearest(q, candidates, row.as_slice().unwrap_or(&[]), margin)
                .unwrap_or_else(|| nearest_candidate(q, candidates))
        })
        .collect()
}

/// The exact nearest among the candidates whose approximate similarity is
/// within `margin` of the best approximate one, or `None` (outer) when the
/// row cannot be screened (a non-finite value, or no row).
fn screened_nearest(
    query: &[f32],
    candidates: &[&[f32]],
    approx: &[f32],
    margin: f64,
) -> Option<Option<usize>> {
    if approx.len() != candidates.len() || !approx.iter().all(|a| a.is_finite()) {
        return None;
    }
    let best = approx.iter().fold(f32::NEG_INFINITY, |m, &a| m.max(a));
    let floor = f64::from(best) - margin;
    let near: Vec<usize> = (0..approx.len())
        .filter(|&i| f64::from(approx[i]) >= floor)
        .collect();
    let shortlist: Vec<&[f32]> = near.iter().map(|&i| candidates[i]).collect();
    Some(nearest_candidate(query, &shortlist).map(|k| near[k]))
}

/// How far a float32 dot product of length `n`, summed in any order, fused
/// or not, can be from the true one, per unit of the product of the two
/// norms: gamma_n = n u / (1 - n u) with u = 2^-24 (Higham, Accuracy and
/// Stability of Numerical Algorithms, §3.1, with Cauchy-Schwarz).
fn rounding_bound(n: usize) -> f64 {
    let nu = n as f64 * f64::from(f32::EPSILON) / 2.0;
    nu / (1.0 - nu).max(f64::MIN_POSITIVE)
}

fn norm(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
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

    /// The nodes of the candidate nearest to each query (its proxy).
    fn nearest(&self, queries: &[&[f32]]) -> Vec<Option<&'a [NodeId]>> {
        nearest_candidates(queries, &self.vectors)
            .into_iter()
            .map(|i| i.map(|i| self.nodes[i]))
            .collect()
    }
}

/// Queries per matrix product: enough to keep the product efficient, few
/// enough that the blocks spread over the threads and that a block's
/// similarities (queries x candidates) stay under 16 MB however large the
/// taxonomy.
fn query_block(candidates: usize) -> usize {
    ((4 << 20) / candidates.max(1)).clamp(1, 256)
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
        vector_of: impl Fn(&str) -> Option<&'a [f32]>,
        queries: HashSet<(CandidateSet, String)>,
    ) {
        let queries: Vec<_> = queries
            .into_iter()
            .filter(|q| !q.1.is_empty() && !self.proxies.contains_key(q))
            .collect();
        let mut by_set: HashMap<CandidateSet, Vec<(String, &'a [f32])>> = HashMap::new();
        for (set, text) in queries {
            if let Some(vector) = vector_of(&text) {
                by_set.entry(set).or_default().push((text, vector));
            }
        }
        let found: Vec<_> = by_set
            .into_iter()
            .flat_map(|(set, queries)| {
                let candidates = CandidateVectors::gather(taxonomy, set, &vector_of);
                queries
                    .par_chunks(query_block(candidates.vectors.len()))
                    .flat_map_iter(|block| {
                        let vectors: Vec<&[f32]> = block.iter().map(|(_, v)| *v).collect();
                        let proxies = candidates.nearest(&vectors);
                        block
                            .iter()
                            .zip(proxies)
                            .filter_map(move |((text, _), nodes)| {
                                Some(((set, text.clone()), nodes?.to_vec()))
                            })
                    })
                    .collect::<Vec<_>>()
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
    use proptest::prelude::*;
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

    #[test]
    fn nearest_candidates_answer_as_one_query_at_a_time() {
        let (a, b, c) = ([1.0_f32, 0.0], [0.6_f32, 0.8], [0.6_f32, 0.8]);
        let candidates: [&[f32]; 3] = [&a, &b, &c];
        // (0, 1): dots 0, 0.8, 0.8 -> the first of the tie; (1, 0): a;
        // (-1, 0): dots -1, -0.6, -0.6 -> b, the first of the tie.
        let queries: [&[f32]; 3] = [&[0.0, 1.0], &[1.0, 0.0], &[-1.0, 0.0]];
        assert_eq!(
            nearest_candidates(&queries, &candidates),
            [Some(1), Some(0), Some(1)]
        );
        assert_eq!(nearest_candidates(&queries, &[]), [None, None, None]);
        assert!(nearest_candidates(&[], &candidates).is_empty());
        // A NaN row is ranked exactly: the NaN candidate never wins.
        let nan = [f32::NAN, 0.0];
        assert_eq!(nearest_candidates(&[&[1.0, 0.0]], &[&nan, &b]), [Some(1)]);
        // Vectors of another length are ranked one at a time, as before.
        assert_eq!(
            nearest_candidates(&[&[1.0, 0.0, 0.0]], &[&a, &b]),
            [nearest_candidate(&[1.0, 0.0, 0.0], &[&a, &b])]
        );
    }

    /// Candidates `ulps` float steps apart in one coordinate: their dot
    /// products differ by less than any matrix product's rounding.
    fn near_twins(base: &[f32], ulps: u32) -> Vec<Vec<f32>> {
        (0..ulps)
            .map(|k| {
                let mut v = base.to_vec();
                v[0] = f32::from_bits(v[0].to_bits() + k);
                v
            })
            .collect()
    }

    proptest! {
        /// The screened search finds what the one-at-a-time search finds,
        /// also among candidates whose similarities differ in the last bits.
        #[test]
        fn screening_never_changes_a_proxy(
            raw in proptest::collection::vec(-1.0f32..1.0, 40 * 12),
            twins in 1u32..6,
        ) {
            let unit = |v: &[f32]| {
                let n = norm(v) as f32;
                v.iter().map(|x| x / n.max(f32::MIN_POSITIVE)).collect::<Vec<f32>>()
            };
            let rows: Vec<Vec<f32>> = raw.chunks(12).map(unit).collect();
            let (queries, candidates) = rows.split_at(10);
            let mut candidates = candidates.to_vec();
            candidates.extend(near_twins(&queries[0], twins));
            candidates.push(candidates[0].clone());
            let c: Vec<&[f32]> = candidates.iter().map(Vec::as_slice).collect();
            let q: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
            let one_by_one: Vec<_> = q.iter().map(|q| nearest_candidate(q, &c)).collect();
            prop_assert_eq!(nearest_candidates(&q, &c), one_by_one);
        }
    }
}
