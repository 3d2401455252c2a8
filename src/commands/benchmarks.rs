//! `cuebench eval`'s dispatch: every benchmark and protocol has one shape
//! ([`Benchmark`]: its tasks, the flags it reads, its `--all` row, a run),
//! is registered here with one line, and gets the same checks: the
//! benchmark and protocol exist, the task is one of theirs, `--all` has a
//! row to print, and no flag is written that the benchmark would not read.

use crate::benchmarks::separate::{self, SeparateOptions, SeparateTask, TABLE3};
use crate::benchmarks::vad_reasoning::{self, VadOptions, VadTask};
use crate::benchmarks::vau_bench::{self, VauTask};
use crate::benchmarks::{Flag, Request, RowGroup, UNIFIED};
use crate::error::{Error, Result};
use crate::evaluate::Settings;
use crate::formats::canonical::AnnotationFormat::{Csv, Records};
use crate::report::leaderboard::TABLE2;
use crate::tasks::{Task, TaskName};

use super::eval::{EvalOptions, EvalRun, described_run, run};

/// A benchmark or protocol `eval` can score.
pub trait Benchmark: Sync {
    /// Its `--bench` value, e.g. `vau-bench`.
    fn name(&self) -> &'static str;

    /// Its `--protocol` value.
    fn protocol(&self) -> &'static str {
        UNIFIED
    }

    /// Its task names, in order.
    fn task_names(&self) -> &'static [&'static str];

    /// The optional flags it reads.
    fn flags(&self) -> &'static [Flag];

    /// The `--all` row layout (a paper table); `None`: no `--all`.
    fn row(&self) -> Option<&'static [RowGroup]> {
        None
    }

    /// Scores the request: one evaluation per task, in task order, with
    /// the run's inputs, settings and likely mistakes.
    fn run(&self, request: &Request) -> Result<EvalRun>;
}

/// Every benchmark and protocol `eval` scores; adding one is one line here
/// (and its [`Benchmark`] below).
pub const BENCHMARKS: [&dyn Benchmark; 4] = [&CueBench, &Separate, &VauBench, &VadReasoning];

/// What a run printed from: the run, and the row layout when it was `--all`.
pub struct Outcome {
    /// The scored run.
    pub run: EvalRun,
    /// The `--all` row layout.
    pub row: Option<&'static [RowGroup]>,
}

/// Scores `request` with the benchmark `bench` under `protocol`, after
/// the common checks (each failure a usage error).
pub fn run_benchmark(bench: &str, protocol: &str, all: bool, request: &Request) -> Result<Outcome> {
    let benchmark = find(bench, protocol)?;
    let label = describe(benchmark);
    if let Some(task) = &request.task
        && !benchmark.task_names().contains(&task.as_str())
    {
        return Err(Error::Usage(format!(
            "--task {task} is not a task of {label} (its tasks: {})",
            benchmark.task_names().join(", ")
        )));
    }
    let row = if all {
        Some(
            benchmark
                .row()
                .ok_or_else(|| Error::Usage(format!("--all does not apply to {label}")))?,
        )
    } else {
        None
    };
    if let Some(flag) = request
        .flags
        .iter()
        .find(|f| !benchmark.flags().contains(f))
    {
        return Err(Error::Usage(format!(
            "{} does not apply to {label}",
            flag.name()
        )));
    }
    Ok(Outcome {
        run: benchmark.run(request)?,
        row,
    })
}

/// The registered benchmark called `bench` with `protocol`.
fn find(bench: &str, protocol: &str) -> Result<&'static dyn Benchmark> {
    BENCHMARKS
        .into_iter()
        .find(|b| b.name() == bench && b.protocol() == protocol)
        .ok_or_else(|| {
            let protocols: Vec<&str> = BENCHMARKS
                .iter()
                .filter(|b| b.name() == bench)
                .map(|b| b.protocol())
                .collect();
            Error::Usage(format!(
                "--protocol {protocol} does not apply to --bench {bench} (it has: {})",
                protocols.join(", ")
            ))
        })
}

/// `--bench X`, with the protocol when the benchmark has several.
fn describe(benchmark: &dyn Benchmark) -> String {
    let several = BENCHMARKS
        .iter()
        .filter(|b| b.name() == benchmark.name())
        .count()
        > 1;
    if several {
        format!(
            "--bench {} --protocol {}",
            benchmark.name(),
            benchmark.protocol()
        )
    } else {
        format!("--bench {}", benchmark.name())
    }
}

/// Each distinct value of `field` over the registry, in registry order.
fn distinct(field: impl Fn(&dyn Benchmark) -> Vec<&'static str>) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in BENCHMARKS.into_iter().flat_map(field) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Every `--bench` value.
pub fn bench_names() -> Vec<&'static str> {
    distinct(|b| vec![b.name()])
}

/// Every `--protocol` value.
pub fn protocol_names() -> Vec<&'static str> {
    distinct(|b| vec![b.protocol()])
}

/// Every task name of every benchmark (for `--task`'s list and clap's
/// "a similar value exists").
pub fn task_names() -> Vec<&'static str> {
    distinct(|b| b.task_names().to_vec())
}

/// CueBench under its unified protocol (docs/scoring.md §2-8).
pub struct CueBench;

impl Benchmark for CueBench {
    fn name(&self) -> &'static str {
        "cuebench"
    }

    fn task_names(&self) -> &'static [&'static str] {
        Task::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[
            Flag::Taxonomy,
            Flag::Tau,
            Flag::Tiou,
            Flag::SemNorm,
            Flag::Model,
            Flag::From,
            Flag::By,
        ]
    }

    fn row(&self) -> Option<&'static [RowGroup]> {
        Some(&TABLE2)
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let defaults = Settings::default();
        run(&EvalOptions {
            tasks: request.tasks::<Task>()?,
            gt: request.gt.clone(),
            predictions: request.predictions.clone(),
            layout: request.layout,
            settings: Settings {
                tiou: request.tiou.unwrap_or(defaults.tiou),
                sem_norm: request.sem_norm.unwrap_or(defaults.sem_norm),
                tau: request.tau.unwrap_or(defaults.tau),
            },
            embed: request.embed.clone(),
            taxonomy: request.taxonomy.clone(),
            by: request.by.clone(),
        })
    }
}

/// CueBench's separate protocol for specialised models (docs/scoring.md §10).
pub struct Separate;

impl Benchmark for Separate {
    fn name(&self) -> &'static str {
        "cuebench"
    }

    fn protocol(&self) -> &'static str {
        separate::PROTOCOL
    }

    fn task_names(&self) -> &'static [&'static str] {
        SeparateTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[Flag::Taxonomy, Flag::Tau, Flag::TopK, Flag::Threshold]
    }

    fn row(&self) -> Option<&'static [RowGroup]> {
        Some(&TABLE3)
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let options = SeparateOptions::from_request(request);
        let scored = separate::evaluate(
            &request.tasks::<SeparateTask>()?,
            &request.gt,
            &request.predictions,
            &options,
        )?;
        let mut run = described_run(scored.evaluations, &request.gt, Records, |task| {
            separate::predictions_file(&request.predictions, task)
        })?;
        run.inputs.taxonomy = Some(scored.taxonomy);
        run.settings = options.settings_map();
        Ok(run)
    }
}

/// VAU-Bench (docs/vau-bench.md).
pub struct VauBench;

impl Benchmark for VauBench {
    fn name(&self) -> &'static str {
        vau_bench::BENCHMARK
    }

    fn task_names(&self) -> &'static [&'static str] {
        VauTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[]
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let evaluations = request
            .tasks::<VauTask>()?
            .into_iter()
            .map(|task| vau_bench::evaluate(task, &request.gt, &request.predictions))
            .collect::<Result<_>>()?;
        described_run(evaluations, &request.gt, Csv, |_| {
            request.predictions.clone()
        })
    }
}

/// Vad-Reasoning (docs/vad-reasoning.md).
pub struct VadReasoning;

impl Benchmark for VadReasoning {
    fn name(&self) -> &'static str {
        vad_reasoning::BENCHMARK
    }

    fn task_names(&self) -> &'static [&'static str] {
        VadTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[Flag::Wordnet, Flag::Frames]
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let options = VadOptions::from_request(request)?;
        let evaluations = request
            .tasks::<VadTask>()?
            .into_iter()
            .map(|task| vad_reasoning::evaluate(task, &request.gt, &request.predictions, &options))
            .collect::<Result<_>>()?;
        described_run(evaluations, &request.gt, Records, |_| {
            request.predictions.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_listed_once_in_registry_order() {
        assert_eq!(bench_names(), ["cuebench", "vau-bench", "vad-reasoning"]);
        assert_eq!(protocol_names(), ["unified", "separate"]);
        let tasks = task_names();
        assert_eq!(tasks.iter().filter(|t| **t == "grounding").count(), 1);
        for name in ["anomaly-bu", "anomaly", "qa", "cls", "reasoning"] {
            assert!(tasks.contains(&name), "{name}");
        }
    }

    fn refused(bench: &str, protocol: &str, all: bool, request: Request) -> String {
        match run_benchmark(bench, protocol, all, &request) {
            Err(Error::Usage(message)) => message,
            Err(other) => panic!("expected a usage error, got {other}"),
            Ok(_) => panic!("expected a usage error"),
        }
    }

    #[test]
    fn what_does_not_apply_is_a_usage_error() {
        let task = |t: &str| Request {
            task: Some(t.to_owned()),
            ..Request::default()
        };
        assert_eq!(
            refused(
                "vau-bench",
                "unified",
                false,
                Request {
                    flags: vec![Flag::Taxonomy],
                    ..task("qa")
                }
            ),
            "--taxonomy does not apply to --bench vau-bench"
        );
        assert_eq!(
            refused("vau-bench", "separate", false, task("qa")),
            "--protocol separate does not apply to --bench vau-bench (it has: unified)"
        );
        assert!(
            refused("cuebench", "unified", false, task("qa")).starts_with(
                "--task qa is not a task of --bench cuebench --protocol unified (its tasks: event,"
            )
        );
        assert_eq!(
            refused("vad-reasoning", "unified", true, Request::default()),
            "--all does not apply to --bench vad-reasoning"
        );
        assert_eq!(
            refused(
                "cuebench",
                "separate",
                false,
                Request {
                    flags: vec![Flag::Tiou],
                    ..task("event")
                }
            ),
            "--tiou does not apply to --bench cuebench --protocol separate"
        );
    }
}
