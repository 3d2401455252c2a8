//! From judge outcomes to the common per-sample records, counts and
//! figures (docs/judge.md, "Figures"), so a judged figure is just another
//! figure for the results document, `--confidence`, `compare`, the
//! leaderboard and the report.
//!
//! Every per-sample score is in [0, 1]: the judge's score over its maximum
//! (Vad-R1's are already in [0, 1]; VAU-Eval's 0-10 are divided by 10 and
//! their total, `Total`, by 50). Figures are the means x 100, as for every
//! other figure; the judge's own numbers stay in each sample line.

use super::{JudgeConfig, JudgeItem, Outcome, Rubric, judge};
use crate::error::Result;
use crate::metrics::temporal::mean;
use crate::model::{Counts, JudgeReply, Metric, SampleDetail, SampleRecord, SampleStatus};

/// What a judged sample starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedInput {
    /// The sample id.
    pub id: String,
    /// The ground truth's text.
    pub reference: String,
    /// The model's output.
    pub prediction: Prediction,
    /// Whether the prediction has both `<think>` and `<answer>` tags.
    pub format_ok: bool,
}

/// The model's output for one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// No prediction line: scores 0, not asked.
    Missing,
    /// A line whose content holds no text to judge: `parse_failed`, not asked.
    Unreadable,
    /// The text the judge reads.
    Text(String),
}

/// The figure names of a rubric, in order: its criteria, then `Total` for
/// VAU-Eval (the sum of the five over 50).
pub fn figure_names(rubric: Rubric) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = rubric.criteria().iter().map(|c| c.name).collect();
    if rubric == Rubric::VauEval {
        names.push("Total");
    }
    names
}

/// Judges the inputs and returns their records (in input order), counts
/// (without `unknown_ids`, which the caller knows) and figures.
pub fn judged_samples(
    config: &JudgeConfig,
    rubric: Rubric,
    inputs: &[JudgedInput],
) -> Result<(Vec<SampleRecord>, Counts, Vec<Metric>)> {
    let items: Vec<JudgeItem> = inputs
        .iter()
        .map(|input| JudgeItem {
            reference: input.reference.clone(),
            prediction: match &input.prediction {
                Prediction::Text(text) => Some(text.clone()),
                Prediction::Missing | Prediction::Unreadable => None,
            },
        })
        .collect();
    let run = judge(config, rubric, &items)?;
    let names = figure_names(rubric);
    let mut counts = Counts {
        samples: inputs.len(),
        format_ok: inputs.iter().filter(|i| i.format_ok).count(),
        ..Counts::default()
    };
    let records: Vec<SampleRecord> = inputs
        .iter()
        .zip(run.outcomes)
        .map(|(input, outcome)| {
            let record = record(rubric, &names, input, outcome);
            counts.add_status(record.status);
            record
        })
        .collect();
    let metrics = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let column: Vec<f64> = records.iter().map(|r| r.scores[i].1).collect();
            Metric::from_mean(name, mean(&column))
        })
        .collect();
    Ok((records, counts, metrics))
}

fn record(rubric: Rubric, names: &[&str], input: &JudgedInput, outcome: Outcome) -> SampleRecord {
    let criteria = rubric.criteria();
    let (status, scores, reply) = match (&input.prediction, outcome) {
        (Prediction::Missing, _) => (SampleStatus::Missing, vec![0.0; names.len()], None),
        (Prediction::Unreadable, _) => (SampleStatus::ParseFailed, vec![0.0; names.len()], None),
        (Prediction::Text(_), Outcome::Judged(verdict)) => {
            let mut scores: Vec<f64> = criteria
                .iter()
                .zip(&verdict.scores)
                .map(|(c, s)| s / c.max)
                .collect();
            if rubric == Rubric::VauEval {
                let total: f64 = verdict.scores.iter().sum();
                scores.push(total / criteria.iter().map(|c| c.max).sum::<f64>());
            }
            let reply = JudgeReply {
                scores: criteria
                    .iter()
                    .zip(&verdict.scores)
                    .map(|(c, s)| (c.key.to_owned(), (*s).into()))
                    .collect(),
                comment: verdict.comment,
                error: None,
            };
            (SampleStatus::Scored, scores, Some(reply))
        }
        (Prediction::Text(_), Outcome::Failed(why)) => {
            let reply = JudgeReply {
                scores: serde_json::Map::new(),
                comment: None,
                error: Some(why),
            };
            (
                SampleStatus::JudgeFailed,
                vec![0.0; names.len()],
                Some(reply),
            )
        }
        // A text is always asked; Missing comes back only for no text.
        (Prediction::Text(_), Outcome::Missing) => {
            (SampleStatus::Missing, vec![0.0; names.len()], None)
        }
    };
    let response = match &input.prediction {
        Prediction::Text(text) => Some(text.clone()),
        Prediction::Missing | Prediction::Unreadable => None,
    };
    SampleRecord {
        id: input.id.clone(),
        status,
        scores: names.iter().map(|n| (*n).to_owned()).zip(scores).collect(),
        detail: Some(Box::new(SampleDetail {
            format_ok: input.format_ok,
            response,
            answer: None,
            truth: vec![input.reference.clone().into()],
            pairs: Vec::new(),
            dropped_intervals: 0,
            judge: reply,
            parse_error: None,
        })),
    }
}
