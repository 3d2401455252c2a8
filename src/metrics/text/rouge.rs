//! ROUGE-1, ROUGE-2 and ROUGE-L F1 as Google's `rouge-score` 0.1.2 computes
//! them (Lin 2004): `RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer)`,
//! `score(target=reference, prediction=hypothesis)[k].fmeasure`.
//!
//! Tokens come from [`rouge_tokens`]:
//! lower-cased, split on anything outside `[a-z0-9]`, Porter-stemmed (tokens
//! longer than 3 characters) when `use_stemmer` is set. ROUGE-L is the
//! sentence-level LCS (`rougeL`, not the summary-level `rougeLsum`).

use super::bleu::ngram_counts;
use super::tokenize::rouge_tokens;

/// ROUGE F1 scores of one hypothesis against one reference, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RougeScores {
    /// ROUGE-1 F1 (unigram overlap).
    pub rouge1: f64,
    /// ROUGE-2 F1 (bigram overlap).
    pub rouge2: f64,
    /// ROUGE-L F1 (longest common subsequence).
    pub rouge_l: f64,
}

/// ROUGE-1/2/L F1 of a hypothesis text against a reference text.
pub fn rouge(hypothesis: &str, reference: &str, use_stemmer: bool) -> RougeScores {
    let hyp = rouge_tokens(hypothesis, use_stemmer);
    let reference = rouge_tokens(reference, use_stemmer);
    RougeScores {
        rouge1: rouge_n_f1(&hyp, &reference, 1),
        rouge2: rouge_n_f1(&hyp, &reference, 2),
        rouge_l: rouge_l_f1(&hyp, &reference),
    }
}

/// ROUGE-N F1: clipped n-gram overlap over each side's n-gram count (at least 1).
pub fn rouge_n_f1(hypothesis: &[String], reference: &[String], n: usize) -> f64 {
    let hyp = ngram_counts(hypothesis, n);
    let reference = ngram_counts(reference, n);
    let overlap: usize = reference
        .iter()
        .map(|(gram, &count)| count.min(hyp.get(gram).copied().unwrap_or(0)))
        .sum();
    let precision = overlap as f64 / hyp.values().sum::<usize>().max(1) as f64;
    let recall = overlap as f64 / reference.values().sum::<usize>().max(1) as f64;
    fmeasure(precision, recall)
}

/// ROUGE-L F1: LCS length over each side's length; 0 if either is empty.
pub fn rouge_l_f1(hypothesis: &[String], reference: &[String]) -> f64 {
    if hypothesis.is_empty() || reference.is_empty() {
        return 0.0;
    }
    let lcs = lcs_length(hypothesis, reference);
    fmeasure(
        lcs as f64 / hypothesis.len() as f64,
        lcs as f64 / reference.len() as f64,
    )
}

/// `rouge_score.scoring.fmeasure`: harmonic mean, 0 when both are 0.
fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// Length of the longest common subsequence (one DP row at a time).
fn lcs_length(a: &[String], b: &[String]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_scores() {
        // hyp tokens: the cat sat on the mat (6); ref: the cat is on the mat (6).
        // ROUGE-1: overlap the x2, cat, on, mat = 5 -> P = R = 5/6 -> F = 5/6.
        // ROUGE-2: hyp bigrams the-cat, cat-sat, sat-on, on-the, the-mat;
        // ref the-cat, cat-is, is-on, on-the, the-mat -> 3/5 each -> F = 0.6.
        // ROUGE-L: LCS "the cat on the mat" = 5 -> F = 5/6.
        let s = rouge("The cat sat on the mat.", "the cat is on the mat", false);
        assert!((s.rouge1 - 5.0 / 6.0).abs() < 1e-12);
        assert!((s.rouge2 - 0.6).abs() < 1e-12);
        assert!((s.rouge_l - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn stemming_merges_inflections() {
        // "running cars" vs "run car": stems run/car on both sides -> all 1.
        let s = rouge("running cars", "run car", true);
        assert_eq!((s.rouge1, s.rouge2, s.rouge_l), (1.0, 1.0, 1.0));
        assert_eq!(rouge("running cars", "run car", false).rouge1, 0.0);
    }

    #[test]
    fn empty_sides_score_zero() {
        let zero = RougeScores {
            rouge1: 0.0,
            rouge2: 0.0,
            rouge_l: 0.0,
        };
        assert_eq!(rouge("", "a b", true), zero);
        assert_eq!(rouge("a b", "!!", true), zero);
    }
}
