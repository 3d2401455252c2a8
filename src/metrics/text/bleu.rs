//! Sentence BLEU as nltk's `sentence_bleu` computes it (Papineni et al. 2002;
//! nltk 3.10.4 `nltk.translate.bleu_score`), for one reference.
//!
//! Modified n-gram precisions p_n (clipped counts over hypothesis n-grams,
//! denominator at least 1), uniform weights 1/N, brevity penalty
//! `exp(1 - r/c)` when the hypothesis is not longer than the reference.
//! No unigram match scores 0 whatever the smoothing.

use std::collections::HashMap;

/// What to do with a zero n-gram precision (nltk's `SmoothingFunction`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BleuSmoothing {
    /// `method0`: no smoothing; a zero precision becomes the smallest normal
    /// double, so the score is (numerically) 0.
    None,
    /// `method1`: a zero count becomes `epsilon` (nltk's default 0.1).
    Epsilon(f64),
}

impl BleuSmoothing {
    /// nltk's `SmoothingFunction().method1` (epsilon 0.1).
    pub const METHOD1: BleuSmoothing = BleuSmoothing::Epsilon(0.1);

    /// The signature name, e.g. `method1`.
    pub fn name(self) -> String {
        match self {
            BleuSmoothing::None => "method0".to_owned(),
            BleuSmoothing::Epsilon(0.1) => "method1".to_owned(),
            BleuSmoothing::Epsilon(e) => format!("method1-eps{e}"),
        }
    }
}

/// BLEU-N of one tokenised hypothesis against one tokenised reference, in
/// [0, 1]; `max_n` = 2 gives BLEU-2 (weights 0.5, 0.5). `max_n` = 0 scores 0.
pub fn sentence_bleu(
    hypothesis: &[&str],
    reference: &[&str],
    max_n: usize,
    smoothing: BleuSmoothing,
) -> f64 {
    if max_n == 0 {
        return 0.0;
    }
    let precisions: Vec<(usize, usize)> = (1..=max_n)
        .map(|n| modified_precision(hypothesis, reference, n))
        .collect();
    if precisions[0].0 == 0 {
        return 0.0;
    }
    let weight = 1.0 / max_n as f64;
    let log_sum: f64 = precisions
        .iter()
        .map(|&(matched, total)| weight * smoothed(matched, total, smoothing).ln())
        .sum();
    brevity_penalty(reference.len(), hypothesis.len()) * log_sum.exp()
}

/// Clipped n-gram matches and the number of hypothesis n-grams (at least 1).
fn modified_precision(hypothesis: &[&str], reference: &[&str], n: usize) -> (usize, usize) {
    let hyp = ngram_counts(hypothesis, n);
    let reference = ngram_counts(reference, n);
    let matched = hyp
        .iter()
        .map(|(gram, &count)| count.min(reference.get(gram).copied().unwrap_or(0)))
        .sum();
    (matched, hyp.values().sum::<usize>().max(1))
}

/// Counts of the n-grams of a token list (none when it is shorter than n).
pub fn ngram_counts<T: Eq + std::hash::Hash>(tokens: &[T], n: usize) -> HashMap<&[T], usize> {
    let mut counts = HashMap::new();
    if n > 0 {
        for gram in tokens.windows(n) {
            *counts.entry(gram).or_insert(0) += 1;
        }
    }
    counts
}

fn smoothed(matched: usize, total: usize, smoothing: BleuSmoothing) -> f64 {
    match (matched, smoothing) {
        (0, BleuSmoothing::None) => f64::MIN_POSITIVE,
        (0, BleuSmoothing::Epsilon(e)) => e / total as f64,
        _ => matched as f64 / total as f64,
    }
}

/// nltk's `brevity_penalty(closest_ref_len, hyp_len)`.
fn brevity_penalty(reference_len: usize, hypothesis_len: usize) -> f64 {
    if hypothesis_len > reference_len {
        1.0
    } else if hypothesis_len == 0 {
        0.0
    } else {
        (1.0 - reference_len as f64 / hypothesis_len as f64).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M1: BleuSmoothing = BleuSmoothing::METHOD1;

    #[test]
    fn identical_sentences_score_one() {
        let s = ["the", "car", "stopped"];
        assert!((sentence_bleu(&s, &s, 2, M1) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_bleu2() {
        // hyp "the car hit the man" (5 tokens), ref "the man hit the car".
        // Unigrams: all 5 match (the x2 clipped to 2) -> p1 = 5/5.
        // Bigrams: the-car, car-hit, hit-the, the-man; ref has the-man,
        // man-hit, hit-the, the-car -> 3 of 4 match -> p2 = 3/4.
        // Same length, BP = 1 -> BLEU-2 = sqrt(1 * 3/4).
        let h = ["the", "car", "hit", "the", "man"];
        let r = ["the", "man", "hit", "the", "car"];
        assert!((sentence_bleu(&h, &r, 2, M1) - 0.75f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn smoothing_only_changes_zero_precisions() {
        // hyp "car man" vs ref "man car": p1 = 2/2, p2 = 0/1.
        // method1: p2 = 0.1/1 -> sqrt(0.1); method0: ~sqrt(2.2e-308) ~ 1.5e-154.
        let h = ["car", "man"];
        let r = ["man", "car"];
        assert!((sentence_bleu(&h, &r, 2, M1) - 0.1f64.sqrt()).abs() < 1e-12);
        assert!(sentence_bleu(&h, &r, 2, BleuSmoothing::None) < 1e-150);
    }

    #[test]
    fn brevity_penalty_and_empty_inputs() {
        // hyp "the car" vs ref "the car stopped": p1 = p2 = 1, BP = exp(1 - 3/2).
        let h = ["the", "car"];
        let r = ["the", "car", "stopped"];
        assert!((sentence_bleu(&h, &r, 2, M1) - (-0.5f64).exp()).abs() < 1e-12);
        assert_eq!(sentence_bleu(&[], &r, 2, M1), 0.0);
        assert_eq!(sentence_bleu(&h, &[], 2, M1), 0.0);
        assert_eq!(sentence_bleu(&h, &r, 0, M1), 0.0);
    }
}
