//! The LLM-guided task (Vad-R1 Appendix D.1, Table 8; docs/judge.md): an
//! LLM judge scores each response's Reasonability, Detail and Consistency
//! in [0, 1] against the annotated reasoning.

use super::{GroundTruth, VadTask, finish, prediction_text};
use crate::error::Result;
use crate::extraction::content_format_ok;
use crate::formats::predictions::Prediction;
use crate::judge::score::{JudgedInput, Prediction as Output, judged_samples};
use crate::judge::{JudgeConfig, Rubric};
use crate::model::Evaluation;

/// Scores every sample with the judge; the judge's model, prompt hash and
/// temperature enter the signature.
pub(super) fn score(
    pairs: &[(&GroundTruth, Option<&Prediction>)],
    judge: &JudgeConfig,
) -> Result<Evaluation> {
    let inputs: Vec<JudgedInput> = pairs
        .iter()
        .map(|(g, p)| JudgedInput {
            id: g.id.clone(),
            reference: g.reference.clone().unwrap_or_default(),
            prediction: match p.map(|p| prediction_text(&p.content)) {
                None => Output::Missing,
                Some(None) => Output::Unreadable,
                Some(Some(text)) => Output::Text(text.to_owned()),
            },
            format_ok: p.is_some_and(|p| content_format_ok(&p.content)),
        })
        .collect();
    let (samples, counts, metrics) = judged_samples(judge, Rubric::VadReasoning, &inputs)?;
    let mut fields = judge.signature_fields(Rubric::VadReasoning);
    fields.push(("text", "response-as-written".to_owned()));
    fields.push(("agg", "sample-mean".to_owned()));
    Ok(finish(VadTask::LlmGuided, fields, counts, metrics, samples))
}
