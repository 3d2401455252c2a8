//! `cuebench validate`: check a predictions file without scoring it (a
//! sibling benchmark is checked by scoring it through the registry).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use cuebench::benchmarks::Request;
use cuebench::benchmarks::registry::{bench_names, validate_benchmark};
use cuebench::config::{Input, Inputs};
use cuebench::console;
use cuebench::model::BenchmarkId;

use super::emit;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Predictions: a JSONL file, or a folder of <task>.jsonl files (as `eval` reads them).
    pub predictions: PathBuf,
    /// Check only this task (lines tagged with another task are skipped).
    #[arg(long, conflicts_with = "all")]
    pub task: Option<String>,
    /// Check every CueBench task (a file's lines need a `task` field).
    #[arg(long)]
    pub all: bool,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning; needs --task).
    #[arg(long, default_value = "cuebench",
          value_parser = PossibleValuesParser::new(bench_names())
              .try_map(|s| s.parse::<BenchmarkId>()))]
    pub bench: BenchmarkId,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    pub gt: Option<PathBuf>,
    /// Exit 2 when any sample is missing or unparseable, not only on malformed input.
    #[arg(long)]
    pub strict: bool,
    /// WordNet 3.0 folder (vad-reasoning reasoning).
    #[arg(long, value_name = "DIR")]
    pub wordnet: Option<PathBuf>,
}

/// Prints each task's coverage, the problems and the verdict; exit 2 on a
/// problem (or, with `--strict`, a gap).
pub fn validate(args: ValidateArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let request = Request {
        task: args.task.clone(),
        gt: inputs.required(Input::Gt, args.gt.as_deref())?,
        predictions: args.predictions.clone(),
        wordnet: args.wordnet.clone(),
        ..Request::default()
    };
    let v = validate_benchmark(args.bench, args.all, &request)?;
    let out: String = v.tasks.iter().map(|t| t.render()).collect();
    emit(&out)?;
    for p in &v.problems {
        console::line(p);
    }
    for w in &v.warnings {
        console::warning(w);
    }
    console::line(&v.summary());
    let failed = !v.problems.is_empty() || (args.strict && v.fails_strict());
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
