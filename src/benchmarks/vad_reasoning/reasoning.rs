//! The reasoning task: the response text against the annotated
//! Perception-to-Cognition chain of thought (BLEU-2, METEOR, ROUGE-1/2/L).

use rayon::prelude::*;

use super::{GroundTruth, VadTask, base_counts, column, finish_with_format, prediction_text};
use crate::formats::predictions::Prediction;
use crate::metrics::temporal::mean;
use crate::metrics::text::bleu::{BleuSmoothing, sentence_bleu};
use crate::metrics::text::meteor::meteor;
use crate::metrics::text::rouge::rouge;
use crate::metrics::text::tokenize::whitespace_tokens;
use crate::model::{Evaluation, Metric, SampleRecord, SampleStatus};
use crate::wordnet::WordNet;

/// BLEU smoothing used for BLEU-2 (nltk `SmoothingFunction().method1`).
const SMOOTHING: BleuSmoothing = BleuSmoothing::METHOD1;

/// ROUGE uses rouge-score's Porter stemmer (`use_stemmer=True`).
const ROUGE_STEMMER: bool = true;

/// Signature fields of the reasoning task: every choice that moves a number.
fn reasoning_fields() -> Vec<(&'static str, String)> {
    let stemmer = if ROUGE_STEMMER { "porter" } else { "none" };
    vec![
        ("text", "response-vs-reference,tags-stripped".to_owned()),
        ("tok", "str.split".to_owned()),
        (
            "bleu",
            format!("nltk-3.10.4-sentence,n=2,smooth={},cased", SMOOTHING.name()),
        ),
        (
            "meteor",
            "nltk-3.10.4,exact+porter+wordnet-3.0,alpha=0.9,beta=3,gamma=0.5,lowercased".to_owned(),
        ),
        (
            "rouge",
            format!("rouge-score-0.1.2,f1,stemmer={stemmer},rougeL=lcs"),
        ),
        ("agg", "sample-mean".to_owned()),
    ]
}

/// Removes `<tag>` / `</tag>` markers (letters, digits, `_`, `-`), leaving a
/// space, so tags never glue onto words.
pub fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.strip_prefix('/').unwrap_or(after);
        let len = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        match len {
            Some(n) if n > 0 && name[n..].starts_with('>') => {
                out.push(' ');
                rest = &name[n + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Per-sample text scores, keyed like the metrics.
const TEXT_KEYS: [&str; 5] = ["BLEU-2", "METEOR", "ROUGE-1", "ROUGE-2", "ROUGE-L"];

/// BLEU-2, METEOR, ROUGE-1, ROUGE-2, ROUGE-L of one response against its reference.
pub fn text_scores(response: &str, reference: &str, wordnet: &WordNet) -> [f64; 5] {
    let (hyp, reference) = (strip_tags(response), strip_tags(reference));
    let (h, r) = (whitespace_tokens(&hyp), whitespace_tokens(&reference));
    let rouge = rouge(&hyp, &reference, ROUGE_STEMMER);
    [
        sentence_bleu(&h, &r, 2, SMOOTHING),
        meteor(&h, &r, wordnet),
        rouge.rouge1,
        rouge.rouge2,
        rouge.rouge_l,
    ]
}

/// Scores every sample of the reasoning task.
pub(super) fn score(
    pairs: &[(&GroundTruth, Option<&Prediction>)],
    wordnet: &WordNet,
) -> Evaluation {
    let samples: Vec<SampleRecord> = pairs
        .par_iter()
        .map(|(g, p)| {
            let reference = g.reference.as_deref().unwrap_or_default();
            let text = p.map(|p| prediction_text(&p.content));
            let (status, scores) = match text {
                None => (SampleStatus::Missing, [0.0; 5]),
                Some(None) => (SampleStatus::ParseFailed, [0.0; 5]),
                Some(Some(t)) => (SampleStatus::Scored, text_scores(t, reference, wordnet)),
            };
            let scores = TEXT_KEYS
                .iter()
                .map(|k| (*k).to_owned())
                .zip(scores)
                .collect();
            SampleRecord {
                id: g.id.clone(),
                status,
                scores,
                detail: None,
            }
        })
        .collect();
    let metrics: Vec<Metric> = TEXT_KEYS
        .iter()
        .map(|key| Metric::from_mean(key, mean(&column(&samples, key))))
        .collect();
    let counts = base_counts(pairs, &samples);
    let fields = reasoning_fields();
    finish_with_format(VadTask::Reasoning, fields, counts, metrics, samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_replaced_by_spaces() {
        assert_eq!(
            strip_tags("<think>A man</think><answer><which>Theft</which></answer>"),
            " A man   Theft  "
        );
        // Not tags: a lone "<", "a < b", "<>" and "<1.5>" stay as written.
        assert_eq!(strip_tags("a < b <> <1.5> <"), "a < b <> <1.5> <");
    }
}
