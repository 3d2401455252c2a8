//! `cuebench validate`: check a predictions file without scoring it (a
//! sibling benchmark is checked by scoring it through the registry).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use cuebench::benchmarks::registry::{bench_names, run_benchmark};
use cuebench::benchmarks::{Flag, Request};
use cuebench::config::{Input, Inputs};
use cuebench::model::{BenchmarkId, Protocol};
use cuebench::tasks::Task;
use cuebench::{commands, console};

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

pub fn validate(args: ValidateArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    let bad_task = |e: String| cuebench::Error::Usage(format!("--task: {e}"));
    let v = match args.bench {
        BenchmarkId::CueBench => {
            let tasks = match (&args.task, args.all) {
                (Some(t), _) => Some(vec![t.parse::<Task>().map_err(bad_task)?]),
                (None, true) => Some(Task::ALL.to_vec()),
                (None, false) => None,
            };
            commands::validate::run(&args.predictions, &gt, tasks.as_deref())?
        }
        bench => {
            // A sibling is checked by scoring it through the same dispatch as `eval`.
            let task = args.task.clone().ok_or_else(|| {
                cuebench::Error::Usage(format!("--task is required with --bench {bench}"))
            })?;
            let request = Request {
                task: Some(task),
                gt,
                predictions: args.predictions.clone(),
                wordnet: args.wordnet.clone(),
                flags: args.wordnet.iter().map(|_| Flag::Wordnet).collect(),
                ..Request::default()
            };
            let outcome = run_benchmark(bench, Protocol::Unified, false, &request)?;
            match outcome.run.evaluations.first() {
                Some(evaluation) => commands::validate::of_evaluation(evaluation),
                None => return Err(cuebench::Error::Usage("no task to check".into()).into()),
            }
        }
    };
    let out: String = v.tasks.iter().map(|t| t.render()).collect();
    emit(&out)?;
    for p in &v.problems {
        console::line(p);
    }
    console::line(&v.summary());
    let failed = !v.problems.is_empty() || (args.strict && v.incomplete() > 0);
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
