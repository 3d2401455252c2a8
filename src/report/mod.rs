//! Results and their output formats (docs/scoring.md §8).
//!
//! Every benchmark and task produces the same
//! [`TaskResult`](crate::model::TaskResult) shape: counts, a list of named
//! metrics in percent, and a signature. The renderers only ever see this
//! shape. Every format is one renderer behind one trait ([`render`]), and
//! the per-task results, the `--by` groups, the leaderboard and `compare`
//! are views rendered through it.

pub mod compare;
pub mod html;
pub mod leaderboard;
pub mod numbers;
pub mod render;
pub mod results;
pub mod run_folder;

use crate::model::Evaluation;

/// The `--per-sample` JSONL: one line per sample of each evaluation, with
/// benchmark, task, id, status and the sample's scores in [0, 1].
pub fn per_sample_jsonl(evaluations: &[Evaluation]) -> String {
    let mut out = String::new();
    for e in evaluations {
        for s in &e.samples {
            let scores: serde_json::Map<String, serde_json::Value> = s
                .scores
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            let mut line = serde_json::json!({
                "benchmark": e.result.benchmark,
                "task": e.result.task,
                "id": s.id,
                "status": s.status,
                "scores": scores,
            });
            if let Some(why) = s.detail.as_ref().and_then(|d| d.parse_error.as_ref()) {
                line["parse_error"] = why.clone().into();
            }
            out.push_str(&crate::formats::jsonl::line(&line));
            out.push('\n');
        }
    }
    out
}
