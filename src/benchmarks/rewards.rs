//! Training rewards for the sibling benchmarks (`cuebench reward --bench`,
//! the Python package's `BenchSession`): VAU-R1's GRPO rewards on VAU-Bench
//! and Vad-R1's AVA-GRPO rewards on Vad-Reasoning, each documented with its
//! formula in `docs/vau-bench.md` / `docs/vad-reasoning.md`. CueBench's own
//! reward (CUE-R1, docs/scoring.md §7) is `evaluate::Session`'s.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::vad_reasoning::{TimeUnit, VadTask, rewards::VadRewards};
use super::vau_bench::{VauTask, rewards::VauRewards};
use crate::error::{Error, Result};
use crate::model::BenchmarkId;
use crate::tasks::TaskName;

/// A sibling benchmark's rewards, loaded once.
#[derive(Debug, Clone)]
pub enum BenchRewards {
    /// VAU-Bench with VAU-R1's rewards.
    Vau(VauRewards),
    /// Vad-Reasoning with Vad-R1's rewards (its `detection` samples).
    Vad(VadRewards),
}

impl BenchRewards {
    /// Opens `bench`'s rewards for `task` against the annotation file `gt`.
    /// A task without a training reward (VAU-Eval is judged free text; of
    /// Vad-Reasoning only `detection` trains) is refused here, with the
    /// tasks that have one, rather than answering every id as no sample.
    pub fn open(bench: &str, task: &str, gt: &Path) -> Result<Self> {
        let usage = |m: String| Error::Usage(m);
        match bench.parse::<BenchmarkId>() {
            Ok(BenchmarkId::VauBench) => {
                let task = VauTask::parse_name(task).map_err(|e| usage(format!("--task: {e}")))?;
                if task == VauTask::VauEval {
                    return Err(usage(format!(
                        "--task vau-eval: VAU-Eval is judged (a language model scores the free \
                         text; `cuebench eval --judge-url`, docs/judge.md) and VAU-R1 trains no \
                         reward on it; {}",
                        reward_tasks()
                    )));
                }
                Ok(BenchRewards::Vau(VauRewards::open(task, gt)?))
            }
            Ok(BenchmarkId::VadReasoning) => {
                let task = VadTask::parse_name(task).map_err(|e| usage(format!("--task: {e}")))?;
                if task != VadTask::Detection {
                    return Err(usage(format!(
                        "--task {}: Vad-R1 trains with rewards of the detection answer (accuracy, \
                         format, length), not on this task; {}",
                        task.name(),
                        reward_tasks()
                    )));
                }
                Ok(BenchRewards::Vad(VadRewards::open(gt, TimeUnit::Seconds)?))
            }
            _ => Err(usage(format!(
                "--bench {bench}: {} (cuebench's own reward: leave --bench out)",
                reward_tasks()
            ))),
        }
    }

    /// The benchmark.
    pub fn benchmark(&self) -> BenchmarkId {
        match self {
            BenchRewards::Vau(_) => BenchmarkId::VauBench,
            BenchRewards::Vad(_) => BenchmarkId::VadReasoning,
        }
    }

    /// The task's name.
    pub fn task_name(&self) -> &'static str {
        match self {
            BenchRewards::Vau(r) => r.task().name(),
            BenchRewards::Vad(_) => VadTask::Detection.name(),
        }
    }

    /// The names of the reward's parts, in the order records give them.
    pub fn part_names(&self) -> &'static [&'static str] {
        match self {
            BenchRewards::Vau(r) if r.task() == VauTask::Grounding => {
                &["format", "accuracy", "iou"]
            }
            BenchRewards::Vau(_) => &["format", "accuracy"],
            BenchRewards::Vad(_) => &["accuracy", "format", "length"],
        }
    }

    /// The reward record of the completion of sample `id`:
    /// `{"id", "task", "status": "scored", "reward", "parts"}` (the reward
    /// is the sum of the parts); `Err` names an id that is not a sample.
    pub fn record(&self, id: &str, response: &str) -> std::result::Result<Value, String> {
        let found = match self {
            BenchRewards::Vau(r) => r.parts(id, response).map(|(name, p)| (name.to_owned(), p)),
            BenchRewards::Vad(r) => r.parts(id, response).map(|p| (id.to_owned(), p)),
        };
        let (id, parts) = found.ok_or_else(|| {
            format!(
                "`{id}` is not a {} sample of the ground truth",
                self.task_name()
            )
        })?;
        let reward: f64 = parts.iter().map(|(_, v)| v).sum();
        let parts: Map<String, Value> = parts
            .into_iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        Ok(json!({
            "id": id,
            "task": self.task_name(),
            "status": "scored",
            "reward": reward,
            "parts": parts,
        }))
    }
}

/// The sibling tasks that have a training reward, as a sentence for errors.
fn reward_tasks() -> String {
    let vau: Vec<&str> = VauTask::all()
        .iter()
        .filter(|&&t| t != VauTask::VauEval)
        .map(|t| t.name())
        .collect();
    format!(
        "training rewards exist for --bench {} --task {} and --bench {} --task {}",
        BenchmarkId::VauBench.name(),
        vau.join("|"),
        BenchmarkId::VadReasoning.name(),
        VadTask::Detection.name()
    )
}

/// The answer to one completions line (`{"id", "response"}`, or a string
/// `answer`, as `cuebench reward` reads them): a reward record, or
/// `{"line": N, "error": "..."}` (`Err`) for a line that cannot be scored.
pub fn answer_line(
    rewards: &BenchRewards,
    text: &str,
    line: usize,
    source: &Path,
) -> std::result::Result<Value, Value> {
    use crate::formats::predictions::{PredictionContent, parse_line};
    let error = |message: String| json!({"line": line, "error": message});
    let prediction = parse_line(text, line, source).map_err(|e| error(e.to_string()))?;
    if let Some(task) = prediction
        .task
        .as_deref()
        .filter(|&t| t != rewards.task_name())
    {
        return Err(error(format!(
            "{}:{line}: field `task`: `{task}`, but this run scores {}",
            source.display(),
            rewards.task_name()
        )));
    }
    let response = match &prediction.content {
        PredictionContent::Response(text) => text.as_str(),
        PredictionContent::Answer(Value::String(text)) => text.as_str(),
        PredictionContent::Answer(_) | PredictionContent::Unreadable => "",
    };
    rewards
        .record(&prediction.id, response)
        .map_err(|m| error(format!("{}:{line}: field `id`: {m}", source.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vau(task: &str) -> BenchRewards {
        let gt = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vau-bench/val.csv");
        BenchRewards::open("vau-bench", task, &gt).expect("opens")
    }

    #[test]
    fn records_sum_their_parts_and_unknown_ids_are_errors() {
        let source = Path::new("<test>");
        let r = vau("qa");
        // examples/vau-bench/val.csv: ecva_01's correct option is A. Answer Z:
        // format 1 + accuracy 0 = 1.
        let line = r#"{"id": "ecva_01", "response": "<think>t</think><answer>Z</answer>"}"#;
        let record = answer_line(&r, line, 1, source).expect("scored");
        assert_eq!(record["parts"]["format"], 1.0);
        assert_eq!(record["reward"], 1.0);
        let unknown = answer_line(&r, r#"{"id": "nope", "response": "x"}"#, 2, source).unwrap_err();
        assert!(
            unknown["error"]
                .as_str()
                .unwrap()
                .contains("`nope` is not a qa sample")
        );
        let other_task = r#"{"id": "x", "task": "cls", "response": "x"}"#;
        assert!(answer_line(&r, other_task, 3, source).is_err());
        assert!(BenchRewards::open("cuebench", "event", Path::new("x")).is_err());
    }

    #[test]
    fn judged_vau_eval_is_refused_at_open_naming_the_tasks_with_rewards() {
        // Regression: it used to open, then answer every id "not a sample".
        let gt = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vau-bench/val.csv");
        let Err(Error::Usage(message)) = BenchRewards::open("vau-bench", "vau-eval", &gt) else {
            panic!("vau-eval opened");
        };
        assert!(
            message.contains("VAU-Eval is judged")
                && message.contains("--bench vau-bench --task qa|grounding|cls")
                && message.contains("--bench vad-reasoning --task detection"),
            "{message}"
        );
        let vad =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vad-reasoning/ground_truth.jsonl");
        let Err(Error::Usage(message)) = BenchRewards::open("vad-reasoning", "llm-guided", &vad)
        else {
            panic!("llm-guided opened");
        };
        assert!(message.contains("--task detection"), "{message}");
    }

    #[test]
    fn grounding_adds_format_answer_and_glue_iou() {
        // ecva_01's span is [3.0, 7.5]. Glue [5, 9]: intersection 2.5, union
        // 4.5 + 4 - 2.5 = 6, IoU 5/12; "Anomaly" reads as A: 1 + 1 + 5/12.
        let r = vau("grounding");
        let line = r#"{"id": "ecva_01.mp4", "response": "<think>t</think> <answer>Anomaly</answer> <glue>[5.0, 9.0]</glue>"}"#;
        let record = answer_line(&r, line, 1, Path::new("<test>")).expect("scored");
        let reward = record["reward"].as_f64().unwrap();
        assert!((reward - (2.0 + 5.0 / 12.0)).abs() < 1e-12, "{record}");
        assert_eq!(record["id"], "ecva_01.mp4");
        let names: Vec<&String> = record["parts"].as_object().unwrap().keys().collect();
        assert_eq!(names, r.part_names());
        // A glue span outside [a, b] with a <= b earns neither format nor IoU.
        let bad = r#"{"id": "ecva_01", "response": "<think>t</think><answer>Anomaly</answer><glue>[9, 5]</glue>"}"#;
        let record = answer_line(&r, bad, 2, Path::new("<test>")).expect("scored");
        assert_eq!(record["reward"], 1.0);
    }
}
