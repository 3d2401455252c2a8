//! VAU-Eval (VAU-R1; docs/judge.md): an LLM judge compares the model's
//! description and analysis of a video with the ground truth's
//! `Description` and `Reasoning` on five criteria, 0-10 each.
//!
//! Predictions: a JSONL `answer` object `{"description", "analysis"}`, a
//! `response` text (judged as written), or the reference scripts' CSV with
//! `Description` and `Analysis` columns.

use std::collections::HashMap;
use std::path::Path;

use super::VauTask;
use super::annotations::{Target, read_ground_truth};
use super::predictions::{PredictedAnswer, read_answers};
use crate::Result;
use crate::extraction::format_ok;
use crate::judge::score::{JudgedInput, Prediction, judged_samples};
use crate::judge::{JudgeConfig, Rubric};
use crate::model::{BenchmarkId, Evaluation, TaskResult};
use crate::tasks::TaskName;

/// Scores every annotated video with the judge.
pub(super) fn evaluate(
    gt_path: &Path,
    preds_path: &Path,
    judge: &JudgeConfig,
) -> Result<Evaluation> {
    let task = VauTask::VauEval;
    let videos = read_ground_truth(gt_path, task)?;
    let answers = read_answers(preds_path, task)?;
    let by_key: HashMap<&str, &PredictedAnswer> =
        answers.iter().map(|a| (a.key.as_str(), a)).collect();
    let unknown_ids = by_key
        .keys()
        .filter(|k| !videos.iter().any(|v| v.key == **k))
        .count();
    let mut inputs: Vec<JudgedInput> = videos
        .iter()
        .filter_map(|video| {
            let Some(Target::Text(reference)) = &video.target else {
                return None;
            };
            let answer = by_key.get(video.key.as_str());
            Some(JudgedInput {
                id: video.name.clone(),
                reference: reference.clone(),
                prediction: match answer {
                    None => Prediction::Missing,
                    Some(a) if a.text.trim().is_empty() => Prediction::Unreadable,
                    Some(a) => Prediction::Text(a.text.clone()),
                },
                format_ok: answer.is_some_and(|a| a.is_response && format_ok(&a.text)),
            })
        })
        .collect();
    inputs.sort_by(|a, b| a.id.cmp(&b.id));
    let (samples, mut counts, metrics) = judged_samples(judge, Rubric::VauEval, &inputs)?;
    counts.unknown_ids = unknown_ids;
    let signature = judge
        .signature_fields(Rubric::VauEval)
        .into_iter()
        .fold(task.signature(), |sig, (key, value)| sig.with(key, value));
    Ok(Evaluation {
        result: TaskResult {
            benchmark: BenchmarkId::VauBench,
            task: task.name().to_owned(),
            signature: signature.to_string(),
            counts,
            metrics,
        },
        samples,
    })
}
