//! The `cuebench` command line: flags are declared here once; the work is
//! done by `cuebench::commands`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use cuebench::commands;
use cuebench::evaluate::Settings;
use cuebench::metrics::temporal::TiouMode;
use cuebench::report::export::Format;
use cuebench::report::{Evaluation, per_sample_jsonl};
use cuebench::tasks::Task;

/// Fast, exact scoring for context-aware video anomaly understanding.
#[derive(Debug, Parser)]
#[command(name = "cuebench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score a predictions file for one task.
    Eval(EvalArgs),
    /// Write the derived ground truth of every task as JSONL files.
    Tasks(TasksArgs),
    /// Write the full prompt of every sample of a task as JSONL ({id, video_id, prompt}).
    Prompts(PromptsArgs),
    /// Check a submission (parse, ids, duplicates, coverage) without scoring.
    Validate(ValidateArgs),
    /// CI gate: exit 1 if a metric of CANDIDATE dropped more than --max-drop points below BASELINE.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Baseline result (`eval --format json`).
    baseline: PathBuf,
    /// Candidate result (`eval --format json`).
    candidate: PathBuf,
    /// Largest tolerated drop, in points (percent).
    #[arg(long, default_value_t = 0.5)]
    max_drop: f64,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Predictions JSONL: {"id", "response"} or {"id", "answer"} lines, optional "task".
    predictions: PathBuf,
    /// The task to score.
    #[arg(long)]
    task: Task,
    /// Annotation file (JSON array or JSONL of videos, SPEC 3.1).
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Also write every sample's id, status and scores to this JSONL file.
    #[arg(long, value_name = "OUT.jsonl")]
    per_sample: Option<PathBuf>,
    /// TIoU for grounding and detection: merged `union` or Hungarian `matched`.
    #[arg(long, default_value = "union")]
    tiou: TiouMode,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Args)]
struct TasksArgs {
    /// Annotation file.
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
    /// Output folder, one `<task>.jsonl` per task.
    #[arg(long, default_value = "tasks")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct PromptsArgs {
    /// The task.
    #[arg(long)]
    task: Task,
    /// Annotation file.
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Predictions JSONL.
    predictions: PathBuf,
    /// Check only this task (lines tagged with another task are skipped).
    #[arg(long)]
    task: Option<Task>,
    /// Annotation file.
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            // Library errors already carry their cause in one line.
            eprintln!("cuebench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Eval(args) => eval(args),
        Command::Tasks(args) => {
            for (path, n) in commands::tasks::run(&args.gt, &args.out)? {
                eprintln!("wrote {} ({n} samples)", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Prompts(args) => {
            let videos = cuebench::formats::annotations::read_annotations(&args.gt)?;
            let mut out = String::new();
            for sample in cuebench::tasks::derive::derive_samples(&videos, args.task) {
                out.push_str(&serde_json::to_string(&cuebench::prompts::prompt_for(
                    &sample,
                ))?);
                out.push('\n');
            }
            emit(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate(args) => validate(args),
        Command::Compare(args) => {
            let comparison =
                commands::compare::run(&args.baseline, &args.candidate, args.max_drop)?;
            emit(&comparison.render())?;
            let regressions = comparison.regressions().len();
            if regressions == 0 {
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "{regressions} metric(s) dropped more than {} points",
                args.max_drop
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads)?;
    let options = commands::eval::EvalOptions {
        task: args.task,
        gt: args.gt,
        predictions: args.predictions,
        settings: Settings { tiou: args.tiou },
    };
    let evaluation = commands::eval::run(&options)?;
    finish(&[evaluation], args.format, args.per_sample.as_deref())
}

fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let v = commands::validate::run(&args.predictions, &args.gt, args.task)?;
    let mut out = String::new();
    for t in &v.tasks {
        out.push_str(&format!(
            "{}: {} predictions for {} samples, {} missing, {} unparseable answers\n",
            t.task, t.predictions, t.samples, t.missing, t.parse_failed
        ));
    }
    emit(&out)?;
    if v.problems.is_empty() {
        eprintln!("valid");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &v.problems {
        eprintln!("{p}");
    }
    eprintln!("{} problem(s)", v.problems.len());
    Ok(ExitCode::from(2))
}

/// Prints the report and writes the per-sample file.
fn finish(
    evaluations: &[Evaluation],
    format: Format,
    per_sample: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    if let Some(path) = per_sample {
        commands::tasks::write_file(path, per_sample_jsonl(evaluations).as_bytes())?;
    }
    let results: Vec<_> = evaluations.iter().map(|e| e.result.clone()).collect();
    emit(&format.exporter().export(&results))?;
    Ok(ExitCode::SUCCESS)
}

/// Sizes the worker pool once; scores never depend on it.
fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot size the thread pool: {e}"))?;
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}
