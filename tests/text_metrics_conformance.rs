//! Conformance of the text metrics with the Python packages researchers cite.
//!
//! The fixtures in `tests/fixtures/text-metrics/` were computed once by
//! `generate.py` there (nltk 3.10.4, rouge-score 0.1.2, WordNet 3.0 from
//! `scripts/setup-wordnet.sh`): 240 seeded sentence pairs with BLEU-2
//! (`sentence_bleu`, smoothing method0 and method1), ROUGE-1/2/L F1
//! (`RougeScorer`, with and without `use_stemmer`) and METEOR
//! (`meteor_score`), plus nltk's Porter stems and METEOR's WordNet synonym
//! sets for 9,251 words. Every value must agree to 1e-4; at the time of
//! writing all agree bit for bit (largest difference 0.0), and the WordNet
//! stage changes METEOR on 10 of the pairs.
//!
//! The METEOR and WordNet tests need the WordNet files: run
//! `scripts/setup-wordnet.sh` first (or set `CUEBENCH_WORDNET`).

use std::collections::HashSet;
use std::path::Path;

use cuebench::metrics::text::bleu::{BleuSmoothing, sentence_bleu};
use cuebench::metrics::text::meteor::meteor;
use cuebench::metrics::text::porter::porter_stem;
use cuebench::metrics::text::rouge::rouge;
use cuebench::metrics::text::tokenize::whitespace_tokens;
use cuebench::wordnet::{WordNet, resolve_dir};
use serde_json::Value;

const TOLERANCE: f64 = 1e-4;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/text-metrics")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn jsonl(name: &str) -> Vec<Value> {
    fixture(name)
        .lines()
        .map(|line| serde_json::from_str(line).expect("fixture line is JSON"))
        .collect()
}

fn wordnet() -> WordNet {
    WordNet::load(&resolve_dir(None)).unwrap_or_else(|e| panic!("{e}"))
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().expect("fixture text")
}

fn number(row: &Value, key: &str) -> f64 {
    row[key].as_f64().expect("fixture number")
}

/// Checks one metric over all pairs; reports every pair that disagrees.
fn check(metric: &str, score: impl Fn(&str, &str) -> f64) {
    let rows = jsonl("pairs.jsonl");
    assert!(
        rows.len() >= 200,
        "need at least 200 pairs, have {}",
        rows.len()
    );
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let (hyp, reference) = (text(row, "hyp"), text(row, "ref"));
            let (got, want) = (score(hyp, reference), number(row, metric));
            ((got - want).abs() > TOLERANCE)
                .then(|| format!("{metric}: hyp={hyp:?} ref={reference:?}: got {got}, want {want}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bleu2_matches_nltk_sentence_bleu() {
    for (key, smoothing) in [
        ("bleu2_method0", BleuSmoothing::None),
        ("bleu2_method1", BleuSmoothing::METHOD1),
    ] {
        check(key, |h, r| {
            sentence_bleu(&whitespace_tokens(h), &whitespace_tokens(r), 2, smoothing)
        });
    }
}

#[test]
fn rouge_matches_rouge_score() {
    for (suffix, stem) in [("stem", true), ("nostem", false)] {
        check(&format!("rouge1_{suffix}"), |h, r| rouge(h, r, stem).rouge1);
        check(&format!("rouge2_{suffix}"), |h, r| rouge(h, r, stem).rouge2);
        check(&format!("rougeL_{suffix}"), |h, r| {
            rouge(h, r, stem).rouge_l
        });
    }
}

#[test]
fn meteor_matches_nltk_meteor_score() {
    let wn = wordnet();
    check("meteor", |h, r| {
        meteor(&whitespace_tokens(h), &whitespace_tokens(r), &wn)
    });
}

#[test]
fn porter_matches_nltk_porter_stemmer() {
    let text = fixture("porter.tsv");
    let failures: Vec<String> = text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(word, stem)| porter_stem(word) != *stem)
        .map(|(word, stem)| format!("{word}: got {}, want {stem}", porter_stem(word)))
        .collect();
    assert!(text.lines().count() > 5000);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn wordnet_synonyms_match_nltk_synsets_and_morphy() {
    let wn = wordnet();
    let failures: Vec<String> = jsonl("wordnet_synonyms.jsonl")
        .iter()
        .filter_map(|row| {
            let word = text(row, "w");
            let want: HashSet<String> = row["syn"]
                .as_array()
                .expect("syn list")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let got = wn.meteor_synonyms(word);
            (got != want).then(|| format!("{word}: got {got:?}, want {want:?}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
