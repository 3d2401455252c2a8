//! The semantic score S^U (docs/scoring.md §4, paper Eq. 3): answer and ground-truth
//! value texts compared by cosine of their sentence embeddings, matched one to
//! one by the Hungarian algorithm ([`crate::metrics::assignment`]).

use super::assignment::is_matchable;
use crate::model::SemNorm;

/// The cosine matrix C\[i\]\[j\] = cosine(output_i, truth_j) of docs/scoring.md §4, row-major
/// `outputs.len() x truths.len()`. `None` stands for an empty value text,
/// which has cosine 0 with everything; so does a zero vector. Vectors need not
/// be normalised. Entries are clamped to [-1, 1] against rounding.
pub fn cosine_matrix(outputs: &[Option<&[f32]>], truths: &[Option<&[f32]>]) -> Vec<f64> {
    let truth_norms: Vec<f64> = truths.iter().map(|t| t.map_or(0.0, norm)).collect();
    let mut c = Vec::with_capacity(outputs.len() * truths.len());
    for (i, o) in outputs.iter().enumerate() {
        let o_norm = o.map_or(0.0, norm);
        for (j, (t, &t_norm)) in truths.iter().zip(&truth_norms).enumerate() {
            c.push(match (o, t) {
                (Some(o), Some(t)) if o_norm > 0.0 && t_norm > 0.0 && is_matchable(i, j) => {
                    (dot(o, t) / (o_norm * t_norm)).clamp(-1.0, 1.0)
                }
                _ => 0.0,
            });
        }
    }
    c
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum()
}

fn norm(a: &[f32]) -> f64 {
    dot(a, a).sqrt()
}

/// S^U of docs/scoring.md §4 / paper Eq. 3 over a given assignment `pairs` (from
/// [`crate::metrics::assignment::max_weight_assignment`] on the raw cosine
/// matrix): the sum of max(C\[i\]\[j\], 0) over the pairs, divided by r*t
/// ([`SemNorm::Rt`]) or max(r, t) ([`SemNorm::Max`]). `cosines` is row-major
/// `r x t`. Returns 0 when r or t is 0 (the empty-answer rules are the
/// caller's); pairs outside the matrix count 0.
pub fn semantic_score(
    cosines: &[f64],
    pairs: &[(usize, usize)],
    r: usize,
    t: usize,
    norm: SemNorm,
) -> f64 {
    if r == 0 || t == 0 {
        return 0.0;
    }
    let sum: f64 = pairs
        .iter()
        .filter(|&&(i, j)| i < r && j < t)
        .filter_map(|&(i, j)| cosines.get(i * t + j))
        .map(|&c| c.max(0.0))
        .sum();
    let denominator = match norm {
        SemNorm::Rt => (r * t) as f64,
        SemNorm::Max => r.max(t) as f64,
    };
    sum / denominator
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::{Embedder, HashEmbedder};
    use crate::metrics::assignment::max_weight_assignment;
    use proptest::prelude::*;

    /// A deterministic stand-in embedder: a fixed table of 2-d unit vectors,
    /// so every cosine below is worked out by hand. The empty text has no
    /// vector (None), as `Vectors::get` returns for it.
    fn vector(text: &str) -> Option<&'static [f32]> {
        const S: f32 = 0.6; // (0.6, 0.8) is a unit vector
        match text {
            "fire" => Some(&[1.0, 0.0]),
            "flames" => Some(&[0.8, S]),
            "smoke" => Some(&[S, 0.8]),
            "calm" => Some(&[0.0, 1.0]),
            "ice" => Some(&[-1.0, 0.0]),
            _ => None,
        }
    }

    /// S^U of texts through the same path the evaluator takes: vectors,
    /// cosine matrix, Hungarian assignment, score.
    fn score(outputs: &[&str], truths: &[&str], norm: SemNorm) -> f64 {
        let o: Vec<_> = outputs.iter().map(|t| vector(t)).collect();
        let g: Vec<_> = truths.iter().map(|t| vector(t)).collect();
        let c = cosine_matrix(&o, &g);
        let pairs = max_weight_assignment(&c, o.len(), g.len());
        semantic_score(&c, &pairs, o.len(), g.len(), norm)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn cosines_by_hand() {
        // Rows fire, flames; columns calm, smoke, ice. fire.calm = 0,
        // fire.smoke = 0.6, fire.ice = -1; flames.calm = 0.6,
        // flames.smoke = 0.48 + 0.48 = 0.96, flames.ice = -0.8. Empty text: 0.
        let c = cosine_matrix(
            &[vector("fire"), vector("flames")],
            &[vector("calm"), vector("smoke"), vector("ice")],
        );
        let want = [0.0, 0.6, -1.0, 0.6, 0.96, -0.8];
        assert!(c.iter().zip(want).all(|(a, b)| close(*a, b)), "{c:?}");
        assert_eq!(cosine_matrix(&[vector("")], &[vector("fire")]), vec![0.0]);
    }

    #[test]
    fn perfect_answer_is_one_over_t_with_rt() {
        // r = t = 2, both matched with cosine 1: sum 2, / (r*t) = 4 -> 0.5
        // (the paper's Eq. 3 normalisation); / max(r,t) = 2 -> 1.
        assert!(close(
            score(&["fire", "calm"], &["fire", "calm"], SemNorm::Rt),
            0.5
        ));
        assert!(close(
            score(&["fire", "calm"], &["fire", "calm"], SemNorm::Max),
            1.0
        ));
        // r = t = 1: both normalisations agree.
        assert!(close(score(&["flames"], &["fire"], SemNorm::Rt), 0.8));
    }

    #[test]
    fn rectangular_shapes() {
        // r = 3, t = 1: the best match is fire-fire = 1. rt: 1/3; max: 1/3.
        let three = ["calm", "fire", "flames"];
        assert!(close(score(&three, &["fire"], SemNorm::Rt), 1.0 / 3.0));
        assert!(close(score(&three, &["fire"], SemNorm::Max), 1.0 / 3.0));
        // r = 1, t = 2: flames matches smoke (0.96) over fire (0.8).
        // rt: 0.96/2 = 0.48; max: 0.96/2 = 0.48.
        assert!(close(
            score(&["flames"], &["fire", "smoke"], SemNorm::Rt),
            0.48
        ));
        // r = 2, t = 3: fire-fire 1 + calm-smoke 0.8 = 1.8; rt: 1.8/6 = 0.3;
        // max: 1.8/3 = 0.6.
        let truths = ["ice", "fire", "smoke"];
        assert!(close(score(&["fire", "calm"], &truths, SemNorm::Rt), 0.3));
        assert!(close(score(&["fire", "calm"], &truths, SemNorm::Max), 0.6));
    }

    #[test]
    fn negative_cosines_count_as_zero() {
        // fire vs ice = -1: the only pair, counted as 0, not -1.
        assert_eq!(score(&["fire"], &["ice"], SemNorm::Rt), 0.0);
        // Rows fire, calm; columns ice, fire: fire-fire 1 + calm-ice 0 = 1
        // beats fire-ice -1 + calm-fire 0. 1 / (2*2) = 0.25.
        assert!(close(
            score(&["fire", "calm"], &["ice", "fire"], SemNorm::Rt),
            0.25
        ));
    }

    #[test]
    fn empty_value_texts_score_zero() {
        // An empty output text matches with cosine 0; the other pair is fire-fire 1.
        // 1 / (2*2) = 0.25.
        assert!(close(
            score(&["", "fire"], &["fire", "calm"], SemNorm::Rt),
            0.25
        ));
        assert_eq!(score(&[""], &[""], SemNorm::Max), 0.0);
    }

    #[test]
    fn hungarian_beats_greedy() {
        // Outputs flames, smoke; truths fire, flames.
        // flames: fire 0.8, flames 1; smoke: fire 0.6, flames 0.96.
        // Greedy takes flames-flames 1, then smoke-fire 0.6 = 1.6;
        // optimal takes flames-fire 0.8 + smoke-flames 0.96 = 1.76. / 4 = 0.44.
        let got = score(&["flames", "smoke"], &["fire", "flames"], SemNorm::Rt);
        assert!(close(got, 0.44), "{got}");
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert_eq!(semantic_score(&[], &[], 0, 3, SemNorm::Rt), 0.0);
        assert_eq!(semantic_score(&[], &[], 2, 0, SemNorm::Max), 0.0);
        // Pairs outside the matrix and a short matrix count 0.
        assert_eq!(
            semantic_score(&[0.5], &[(0, 0), (3, 3), (0, 1)], 1, 2, SemNorm::Rt),
            0.25
        );
        assert_eq!(
            semantic_score(&[f64::NAN], &[(0, 0)], 1, 1, SemNorm::Rt),
            0.0
        );
    }

    #[test]
    fn works_with_the_hash_stand_in_embedder() {
        // Same texts in a different order: every pair matches with cosine 1,
        // so S^U = t / (t*t) = 1/3 with rt, 1 with max.
        let mut e = HashEmbedder::new();
        let outputs = e.embed(&["a fight", "two cars crash", "smoke"]).unwrap();
        let truths = e.embed(&["smoke", "a fight", "two cars crash"]).unwrap();
        let o: Vec<_> = outputs.iter().map(|v| Some(v.as_slice())).collect();
        let g: Vec<_> = truths.iter().map(|v| Some(v.as_slice())).collect();
        let c = cosine_matrix(&o, &g);
        let pairs = max_weight_assignment(&c, 3, 3);
        assert!(close(
            semantic_score(&c, &pairs, 3, 3, SemNorm::Rt),
            1.0 / 3.0
        ));
        assert!(close(semantic_score(&c, &pairs, 3, 3, SemNorm::Max), 1.0));
    }

    proptest! {
        #[test]
        fn score_stays_in_unit_range(
            r in 1usize..5, t in 1usize..5,
            raw in proptest::collection::vec(-1.0f64..=1.0, 16),
        ) {
            let c: Vec<f64> = raw[..r * t].to_vec();
            let pairs = max_weight_assignment(&c, r, t);
            for norm in [SemNorm::Rt, SemNorm::Max] {
                let s = semantic_score(&c, &pairs, r, t, norm);
                prop_assert!((0.0..=1.0).contains(&s));
            }
            // max(r,t) <= r*t, so the max normalisation never scores lower.
            prop_assert!(
                semantic_score(&c, &pairs, r, t, SemNorm::Max) + 1e-12
                    >= semantic_score(&c, &pairs, r, t, SemNorm::Rt)
            );
        }
    }
}
