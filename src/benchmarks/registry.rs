//! `cuebench eval`'s dispatch: every benchmark and protocol has one shape
//! ([`Benchmark`]: its tasks, the flags it reads, its `--all` row, a run),
//! is registered here with one line, and gets the same checks: the
//! benchmark and protocol exist, the task is one of theirs, `--all` has a
//! row to print, and no flag is written that the benchmark would not read.

#[cfg(test)]
use super::Written;
use super::cuebench::CueBench;
use super::run::EvalRun;
use super::separate::Separate;
use super::vad_reasoning::VadReasoning;
use super::validate::{Validation, of_evaluation};
use super::vau_bench::VauBench;
use super::{Benchmark, Request};
use crate::error::{Error, Result};
use crate::model::{BenchmarkId, Protocol, RowGroup};

/// Every benchmark and protocol `eval` scores; adding one is one line here
/// (and its [`Benchmark`] beside its scoring, in its own module).
pub(crate) const BENCHMARKS: [&dyn Benchmark; 4] = [&CueBench, &Separate, &VauBench, &VadReasoning];

/// What a run printed from: the run, and the row layout when it was `--all`.
pub struct Outcome {
    /// The scored run.
    pub run: EvalRun,
    /// The `--all` row layout.
    pub row: Option<&'static [RowGroup]>,
}

/// Scores `request` with the benchmark `bench` under `protocol`, after
/// the common checks (each failure a usage error).
pub fn run_benchmark(
    bench: BenchmarkId,
    protocol: Protocol,
    all: bool,
    request: &Request,
) -> Result<Outcome> {
    let (benchmark, row) = checked(bench, protocol, all, request)?;
    Ok(Outcome {
        run: benchmark.run(request)?,
        row,
    })
}

/// The benchmark `bench` under `protocol` and its `--all` row, once the
/// common checks pass: the benchmark and protocol exist, the task is one
/// of theirs, `--all` has a row, no flag is written that it does not read
/// (each failure a usage error).
pub(crate) fn checked(
    bench: BenchmarkId,
    protocol: Protocol,
    all: bool,
    request: &Request,
) -> Result<(&'static dyn Benchmark, Option<&'static [RowGroup]>)> {
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
        .flags()
        .into_iter()
        .find(|f| !benchmark.flags().contains(f))
    {
        return Err(Error::Usage(format!(
            "{} does not apply to {label}",
            flag.name()
        )));
    }
    Ok((benchmark, row))
}

/// `validate`: checks `request`'s predictions for `bench` (its unified
/// protocol) with the benchmark's own check where it has one
/// ([`Benchmark::check`]), else by scoring the one `--task` through the
/// same checks as `eval` and reading the evaluation's coverage.
pub fn validate_benchmark(bench: BenchmarkId, all: bool, request: &Request) -> Result<Validation> {
    if let Some(validation) = find(bench, Protocol::Unified)?.check(request, all) {
        return validation;
    }
    if request.task.is_none() {
        return Err(Error::Usage(format!(
            "--task is required with --bench {bench}"
        )));
    }
    let outcome = run_benchmark(bench, Protocol::Unified, false, request)?;
    match outcome.run.evaluations.first() {
        Some(evaluation) => Ok(of_evaluation(evaluation)),
        None => Err(Error::Usage("no task to check".into())),
    }
}

/// The registered benchmark called `bench` with `protocol`.
fn find(bench: BenchmarkId, protocol: Protocol) -> Result<&'static dyn Benchmark> {
    BENCHMARKS
        .into_iter()
        .find(|b| b.id() == bench && b.protocol() == protocol)
        .ok_or_else(|| {
            let protocols: Vec<&str> = BENCHMARKS
                .iter()
                .filter(|b| b.id() == bench)
                .map(|b| b.protocol().name())
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
        .filter(|b| b.id() == benchmark.id())
        .count()
        > 1;
    if several {
        format!(
            "--bench {} --protocol {}",
            benchmark.id(),
            benchmark.protocol()
        )
    } else {
        format!("--bench {}", benchmark.id())
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
    distinct(|b| vec![b.id().name()])
}

/// Every `--protocol` value.
pub fn protocol_names() -> Vec<&'static str> {
    distinct(|b| vec![b.protocol().name()])
}

/// Every task name of every benchmark (for `--task`'s list and clap's
/// "a similar value exists").
pub fn task_names() -> Vec<&'static str> {
    distinct(|b| b.task_names().to_vec())
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
        let (bench, protocol) = (bench.parse().unwrap(), protocol.parse().unwrap());
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
                    written: Written {
                        taxonomy: true,
                        model: false,
                    },
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
                    tiou: Some(crate::model::TiouMode::Matched),
                    ..task("event")
                }
            ),
            "--tiou does not apply to --bench cuebench --protocol separate"
        );
    }
}
