//! METEOR as nltk 3.10.4's `meteor_score([reference], hypothesis)` computes
//! it (Banerjee & Lavie 2005; alpha 0.9, beta 3, gamma 0.5).
//!
//! Words are lower-cased, then aligned in three stages, each over the words
//! the previous stages left unmatched: exact match, Porter-stem match, and
//! WordNet-synonym match. Like nltk, the synonym stage sees the *stemmed*
//! words the stem stage left over. Within a stage, hypothesis words are taken
//! from last to first and each is matched to the last remaining reference
//! position that fits. Then
//! `P = m/|hyp|`, `R = m/|ref|`, `Fmean = PR / (alpha P + (1-alpha) R)`,
//! `penalty = gamma (chunks/m)^beta`, score = `(1 - penalty) Fmean`; 0 if
//! nothing matches or either side is empty.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::porter::porter_stem;
use crate::wordnet::WordNet;

/// METEOR's synonym source. [`WordNet`](crate::wordnet::WordNet) is the
/// real one (memoised per word); tests may use a small table.
pub trait Synonyms {
    /// The words a hypothesis word may match in the reference besides itself.
    fn synonyms(&self, word: &str) -> Arc<HashSet<String>>;
}

impl Synonyms for WordNet {
    fn synonyms(&self, word: &str) -> Arc<HashSet<String>> {
        self.memoised_synonyms(word)
    }
}

/// nltk's default parameters.
const ALPHA: f64 = 0.9;
const BETA: f64 = 3.0;
const GAMMA: f64 = 0.5;

/// A word with its position in the original token list.
type Indexed = (usize, String);

/// METEOR of one tokenised hypothesis against one tokenised reference, in [0, 1).
pub fn meteor(hypothesis: &[&str], reference: &[&str], synonyms: &dyn Synonyms) -> f64 {
    let hyp: Vec<Indexed> = hypothesis
        .iter()
        .map(|w| w.to_lowercase())
        .enumerate()
        .collect();
    let refs: Vec<Indexed> = reference
        .iter()
        .map(|w| w.to_lowercase())
        .enumerate()
        .collect();
    let matches = align(hyp, refs, synonyms);
    let m = matches.len();
    if m == 0 || hypothesis.is_empty() || reference.is_empty() {
        return 0.0;
    }
    let precision = m as f64 / hypothesis.len() as f64;
    let recall = m as f64 / reference.len() as f64;
    let fmean = (precision * recall) / (ALPHA * precision + (1.0 - ALPHA) * recall);
    let fragmentation = count_chunks(&matches) as f64 / m as f64;
    (1.0 - GAMMA * fragmentation.powf(BETA)) * fmean
}

/// The three alignment stages; matches sorted by hypothesis position.
fn align(hyp: Vec<Indexed>, refs: Vec<Indexed>, synonyms: &dyn Synonyms) -> Vec<(usize, usize)> {
    let (mut matches, hyp, refs) = match_stage(hyp, refs, None);
    let stem = |list: Vec<Indexed>| -> Vec<Indexed> {
        list.into_iter()
            .map(|(i, w)| (i, porter_stem(&w)))
            .collect()
    };
    let (stemmed, hyp, refs) = match_stage(stem(hyp), stem(refs), None);
    matches.extend(stemmed);
    if !refs.is_empty() {
        let (synonym, _, _) = match_stage(hyp, refs, Some(synonyms));
        matches.extend(synonym);
    }
    matches.sort_unstable();
    matches
}

/// One stage: each hypothesis word, last first, takes the largest remaining
/// reference position holding the word itself or (with `synonyms`) one of
/// its synonyms. Returns the matches (original positions) and the unmatched
/// words of each side, in order.
fn match_stage(
    hyp: Vec<Indexed>,
    refs: Vec<Indexed>,
    synonyms: Option<&dyn Synonyms>,
) -> (Vec<(usize, usize)>, Vec<Indexed>, Vec<Indexed>) {
    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, (_, word)) in refs.iter().enumerate() {
        positions.entry(word.as_str()).or_default().push(j);
    }
    let mut matched_hyp = vec![false; hyp.len()];
    let mut matched_ref = vec![false; refs.len()];
    let mut matches = Vec::new();
    for (i, (hyp_pos, word)) in hyp.iter().enumerate().rev() {
        let set = synonyms.map(|s| s.synonyms(word));
        let others = set.iter().flat_map(|s| s.iter().map(String::as_str));
        let best = std::iter::once(word.as_str())
            .chain(others)
            .filter_map(|c| positions.get(c)?.last().map(|&j| (j, c)))
            .max_by_key(|(j, _)| *j);
        if let Some((j, candidate)) = best {
            if let Some(list) = positions.get_mut(candidate) {
                list.pop();
            }
            matched_hyp[i] = true;
            matched_ref[j] = true;
            matches.push((*hyp_pos, refs[j].0));
        }
    }
    let keep = |list: Vec<Indexed>, matched: &[bool]| -> Vec<Indexed> {
        list.into_iter()
            .zip(matched)
            .filter(|(_, m)| !**m)
            .map(|(pair, _)| pair)
            .collect()
    };
    let hyp_left = keep(hyp, &matched_hyp);
    let ref_left = keep(refs, &matched_ref);
    (matches, hyp_left, ref_left)
}

/// The fewest chunks of matches adjacent in both hypothesis and reference.
fn count_chunks(matches: &[(usize, usize)]) -> usize {
    1 + matches
        .windows(2)
        .filter(|w| !(w[1].0 == w[0].0 + 1 && w[1].1 == w[0].1 + 1))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synonym table: each word maps to the listed words.
    struct Table(Vec<(&'static str, &'static str)>);

    impl Synonyms for Table {
        fn synonyms(&self, word: &str) -> Arc<HashSet<String>> {
            let set = self
                .0
                .iter()
                .filter(|(a, _)| *a == word)
                .map(|(_, b)| (*b).to_owned());
            Arc::new(set.collect())
        }
    }

    fn score(h: &str, r: &str, table: &Table) -> f64 {
        let h: Vec<&str> = h.split_whitespace().collect();
        let r: Vec<&str> = r.split_whitespace().collect();
        meteor(&h, &r, table)
    }

    #[test]
    fn identical_two_words() {
        // m = 2, P = R = 1, Fmean = 1, one chunk: penalty 0.5 * (1/2)^3 = 1/16
        // -> 15/16 = 0.9375 (nltk gives the same for "the car" / "the car").
        assert!((score("The car", "the car", &Table(vec![])) - 0.9375).abs() < 1e-12);
    }

    #[test]
    fn stem_and_synonym_stages() {
        // "cars" ~ "car" by stem, "large" ~ "big" by the synonym table (applied
        // to stems: stem("large") = "larg", so the table maps "larg").
        // hyp "large cars", ref "big car": m = 2, both adjacent -> 1 chunk,
        // score 15/16 as above.
        let table = Table(vec![("larg", "big")]);
        assert!((score("large cars", "big car", &table) - 0.9375).abs() < 1e-12);
        // Without the synonym only "cars"~"car" matches: P = R = 1/2,
        // Fmean = 0.25 / (0.45 + 0.05) = 0.5, penalty 0.5 -> 0.25.
        assert!((score("large cars", "big car", &Table(vec![])) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn fragmentation_and_empty_inputs() {
        // hyp "a b", ref "b a": two matches, not adjacent in order -> 2 chunks,
        // penalty 0.5 * 1^3 -> 0.5 * Fmean(1) = 0.5.
        assert!((score("a b", "b a", &Table(vec![])) - 0.5).abs() < 1e-12);
        assert_eq!(score("", "a", &Table(vec![])), 0.0);
        assert_eq!(score("a", "", &Table(vec![])), 0.0);
        assert_eq!(score("x", "y", &Table(vec![])), 0.0);
    }
}
