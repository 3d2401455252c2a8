//! The `cuebench` command line: flags are declared here once; the work is
//! done by `cuebench::commands`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use cuebench::benchmarks::Request;
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::{Session, SessionOptions, Settings};
use cuebench::metrics::semantic::SemNorm;
use cuebench::metrics::temporal::TiouMode;
use cuebench::report::export::Format;
use cuebench::report::leaderboard;
use cuebench::report::{Evaluation, per_sample_jsonl};
use cuebench::tasks::{Task, TaskName};
use cuebench::{commands, console};

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
    /// CUE-R1 reward per completion (SPEC 7): JSONL in, one {id, reward, parts} line out per line.
    Reward(RewardArgs),
    /// Time embedding and a whole `eval --all` on a generated CueBench-sized input (cold and warm cache).
    Bench(BenchArgs),
    /// CI gate: exit 1 if a metric of CANDIDATE dropped more than --max-drop points below BASELINE.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
struct RewardArgs {
    /// Completions JSONL ({"id", "response"}, optional "task"); `-` or none: read stdin as a
    /// stream, answering each line as it arrives (for a training loop).
    input: Option<PathBuf>,
    /// The task of lines without a "task" field.
    #[arg(long, value_parser = Task::value_parser())]
    task: Option<Task>,
    /// Annotation file.
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
    /// Weight of the semantic reward against the hierarchy reward (Eq. 5).
    #[arg(long, default_value_t = cuebench::evaluate::cue_r1::DEFAULT_LAMBDA)]
    lambda: f64,
    #[command(flatten)]
    scoring: ScoringArgs,
    #[command(flatten)]
    embedding: EmbedArgs,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Folder for the generated data and its vector cache (emptied first).
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    embedding: EmbedArgs,
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
    /// Predictions: a JSONL file ({"id", "response"} or {"id", "answer"} lines, optional
    /// "task"), or with --all a folder of <task>.jsonl files.
    predictions: PathBuf,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning).
    #[arg(long, default_value = "cuebench", value_parser = PossibleValuesParser::new(commands::benchmarks::bench_names()))]
    bench: String,
    /// CueBench's protocol: `unified` (Table 2, the default) or `separate` (Table 3: ranked
    /// labels, start/end, frame-level predictions of specialised models).
    #[arg(long, default_value = "unified", value_parser = PossibleValuesParser::new(commands::benchmarks::protocol_names()))]
    protocol: String,
    /// The task to score. cuebench: event, scene, attribute, anomaly-td, anomaly-bu, grounding,
    /// detection, anticipation; with --protocol separate: event, grounding, anomaly, detection;
    /// vau-bench: qa, grounding, cls; vad-reasoning: reasoning, detection.
    #[arg(long, required_unless_present = "all", conflicts_with = "all",
          value_parser = PossibleValuesParser::new(commands::benchmarks::task_names()))]
    task: Option<String>,
    /// Score every task of the benchmark into one row (cuebench: the paper's Table 2; with
    /// --protocol separate: Table 3).
    #[arg(long)]
    all: bool,
    /// Annotation file (JSON array or JSONL of videos, SPEC 3.1).
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Also write every sample's id, status and scores to this JSONL file.
    #[arg(long, value_name = "OUT.jsonl")]
    per_sample: Option<PathBuf>,
    /// WordNet 3.0 folder for METEOR (vad-reasoning); default: $CUEBENCH_WORDNET, then the set-up folder.
    #[arg(long, value_name = "DIR")]
    wordnet: Option<PathBuf>,
    /// vad-reasoning: read the published layout's `start`/`end` as frame numbers (default: seconds).
    #[arg(long, requires = "fps")]
    frames: bool,
    /// Frames per second for --frames.
    #[arg(long, requires = "frames")]
    fps: Option<f64>,
    /// --protocol separate: recognition scores the best of the first K labels [default: 5].
    #[arg(long, value_name = "K")]
    top_k: Option<usize>,
    /// --protocol separate: a frame score above it is anomalous [default: 0.5].
    #[arg(long)]
    threshold: Option<f64>,
    #[command(flatten)]
    scoring: ScoringArgs,
    #[command(flatten)]
    embedding: EmbedArgs,
}

/// Choices that change numbers; all are recorded in the signature.
#[derive(Debug, Args)]
struct ScoringArgs {
    /// TIoU for grounding and detection: merged `union` or Hungarian `matched` [default: union].
    #[arg(long)]
    tiou: Option<TiouMode>,
    /// Semantic score normalisation: the paper's 1/(r*t) (`rt`) or 1/max(r,t) (`max`) [default: rt].
    #[arg(long)]
    sem_norm: Option<SemNorm>,
    /// Hierarchy cut-off: pairs farther apart than tau * d_max score 0 (0..=1) [default: 1.0].
    #[arg(long)]
    tau: Option<f64>,
    /// Taxonomy file (SPEC 5); default: the built-in reconstruction.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
}

impl ScoringArgs {
    /// The settings, defaults filling what was not given.
    fn settings(&self) -> Settings {
        let defaults = Settings::default();
        Settings {
            tiou: self.tiou.unwrap_or(defaults.tiou),
            sem_norm: self.sem_norm.unwrap_or(defaults.sem_norm),
            tau: self.tau.unwrap_or(defaults.tau),
        }
    }
}

/// The embedding model and how to run it.
#[derive(Debug, Args)]
struct EmbedArgs {
    /// Model folder (ONNX file, tokenizer.json, manifest.json); default: models/minilm-l6-v2.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// ONNX Runtime library; default: $ORT_DYLIB_PATH, next to the executable, then the set-up folder.
    #[arg(long, value_name = "FILE")]
    ort_library: Option<PathBuf>,
    /// Where the model runs: cpu, cuda or cuda:N (needs a build with --features cuda).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Worker threads for scoring and the model (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Texts per model call. Results do not depend on it.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Vector cache folder; default: the user's cache folder.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write cached vectors.
    #[arg(long)]
    no_cache: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl EmbedArgs {
    /// Sizes the worker pool and returns the embedding options.
    fn options(&self) -> anyhow::Result<EmbedOptions> {
        set_threads(self.threads)?;
        Ok(EmbedOptions {
            model_dir: self.model.clone(),
            ort_library: self.ort_library.clone(),
            device: self.device,
            threads: self.threads,
            batch_size: self.batch_size,
            cache_dir: self.cache_dir.clone(),
            no_cache: self.no_cache,
            quiet: self.quiet,
        })
    }
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
    #[arg(long, value_parser = Task::value_parser())]
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
    #[arg(long, value_parser = Task::value_parser())]
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
            console::line(&format!("cuebench: {e}"));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Eval(args) => eval(args),
        Command::Tasks(args) => {
            for (path, n) in commands::tasks::run(&args.gt, &args.out)? {
                console::line(&format!("wrote {} ({n} samples)", path.display()));
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
        Command::Reward(args) => reward(args),
        Command::Bench(args) => {
            let work = args.work.unwrap_or_else(commands::bench::default_work_dir);
            let r = commands::bench::run(&work, &args.embedding.options()?)?;
            let text = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&r)?)
            } else {
                format!(
                    "samples {} | distinct texts {}\neval --all, cold cache  {:8.2} s\neval --all, warm cache  {:8.2} s\nembedding (no cache)    {:8.0} texts/s at batch {}\n",
                    r.samples,
                    r.texts,
                    r.eval_cold_s,
                    r.eval_warm_s,
                    r.embed_texts_per_s,
                    r.batch_size
                )
            };
            emit(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare(args) => {
            let comparison =
                commands::compare::run(&args.baseline, &args.candidate, args.max_drop)?;
            emit(&comparison.render())?;
            let regressions = comparison.regressions().len();
            if regressions == 0 {
                return Ok(ExitCode::SUCCESS);
            }
            console::line(&format!(
                "{regressions} metric(s) dropped more than {} points",
                args.max_drop
            ));
            Ok(ExitCode::from(1))
        }
    }
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let request = Request {
        task: args.task,
        gt: args.gt,
        predictions: args.predictions,
        taxonomy: args.scoring.taxonomy,
        tau: args.scoring.tau,
        tiou: args.scoring.tiou,
        sem_norm: args.scoring.sem_norm,
        embed: args.embedding.options()?,
        wordnet: args.wordnet,
        frames_fps: args.fps.filter(|_| args.frames),
        top_k: args.top_k,
        threshold: args.threshold,
    };
    let outcome =
        commands::benchmarks::run_benchmark(&args.bench, &args.protocol, args.all, &request)?;
    let Some(row) = outcome.row else {
        return finish(
            &outcome.evaluations,
            args.format,
            args.per_sample.as_deref(),
        );
    };
    write_per_sample(&outcome.evaluations, args.per_sample.as_deref())?;
    let results: Vec<_> = outcome.evaluations.into_iter().map(|e| e.result).collect();
    let label = request.predictions.display().to_string();
    emit(&leaderboard::render(row, &results, &label, args.format))?;
    Ok(ExitCode::SUCCESS)
}

fn reward(args: RewardArgs) -> anyhow::Result<ExitCode> {
    use commands::reward_stream::{run_file, run_stream};
    let options = SessionOptions {
        gt: args.gt,
        taxonomy: args.scoring.taxonomy.clone(),
        settings: args.scoring.settings(),
        lambda: args.lambda,
        embed: args.embedding.options()?,
    };
    let mut session = Session::open(options)?;
    session.warm_up()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors = match args.input.filter(|p| p.as_os_str() != "-") {
        Some(path) => run_file(&mut session, args.task, &path, &mut out)?,
        None => run_stream(
            &mut session,
            args.task,
            &mut std::io::stdin().lock(),
            &mut out,
        )?,
    };
    if errors > 0 {
        console::warning(&format!(
            "{errors} line(s) could not be scored and were answered with an error record"
        ));
    }
    Ok(ExitCode::SUCCESS)
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
        console::line("valid");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &v.problems {
        console::line(&p.to_string());
    }
    console::line(&format!("{} problem(s)", v.problems.len()));
    Ok(ExitCode::from(2))
}

/// Prints the report and writes the per-sample file.
fn finish(
    evaluations: &[Evaluation],
    format: Format,
    per_sample: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    write_per_sample(evaluations, per_sample)?;
    let results: Vec<_> = evaluations.iter().map(|e| e.result.clone()).collect();
    emit(&format.exporter().export(&results))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the `--per-sample` file when one was asked for.
fn write_per_sample(
    evaluations: &[Evaluation],
    path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if let Some(path) = path {
        cuebench::formats::records::write_file(path, per_sample_jsonl(evaluations).as_bytes())?;
    }
    Ok(())
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
