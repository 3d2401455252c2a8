//! The `cuebench` command line: flags are declared here once; the work is
//! done by `cuebench::commands`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::{Session, SessionOptions, Settings};
use cuebench::metrics::semantic::SemNorm;
use cuebench::metrics::temporal::TiouMode;
use cuebench::report::export::Format;
use cuebench::report::leaderboard;
use cuebench::report::{Evaluation, per_sample_jsonl};
use cuebench::tasks::Task;
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
    /// Serve CUE-R1 rewards over HTTP (POST /reward, OpenRLHF's POST /get_reward, GET /health).
    /// No authentication: keep it on loopback.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

#[cfg(feature = "serve")]
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on. There is no authentication: never expose it to a network.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port (0: any free port; the one chosen is printed on stderr).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    max_body: usize,
    /// Requests waiting to be scored at most (more get 503).
    #[arg(long, default_value_t = 1024)]
    queue: usize,
    #[command(flatten)]
    session: RewardSessionArgs,
}

#[derive(Debug, Args)]
struct RewardArgs {
    /// Completions JSONL ({"id", "response"}, optional "task"); `-` or none: read stdin as a
    /// stream, answering each line as it arrives (for a training loop).
    input: Option<PathBuf>,
    #[command(flatten)]
    session: RewardSessionArgs,
}

/// What `reward` and `serve` open their session with.
#[derive(Debug, Args)]
struct RewardSessionArgs {
    /// The task of lines without a "task" field.
    #[arg(long)]
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
    #[arg(long, value_enum, default_value_t)]
    bench: Benchmark,
    /// The task to score: a CueBench task (event, scene, attribute, anomaly-td, anomaly-bu,
    /// grounding, detection, anticipation); for vau-bench qa|grounding|cls; for
    /// vad-reasoning reasoning|detection.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    task: Option<String>,
    /// Score every CueBench task: one embedding pass, one leaderboard row.
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
    #[command(flatten)]
    scoring: ScoringArgs,
    #[command(flatten)]
    embedding: EmbedArgs,
}

/// The benchmarks `eval` scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
enum Benchmark {
    /// CueBench (SPEC).
    #[default]
    Cuebench,
    /// VAU-Bench (VAU-R1): qa, grounding, cls.
    VauBench,
    /// Vad-Reasoning (Vad-R1): reasoning, detection.
    VadReasoning,
}

/// Choices that change numbers; all are recorded in the signature.
#[derive(Debug, Args)]
struct ScoringArgs {
    /// TIoU for grounding and detection: merged `union` or Hungarian `matched`.
    #[arg(long, default_value = "union")]
    tiou: TiouMode,
    /// Semantic score normalisation: the paper's 1/(r*t) (`rt`) or 1/max(r,t) (`max`).
    #[arg(long, default_value = "rt")]
    sem_norm: SemNorm,
    /// Hierarchy cut-off: pairs farther apart than tau * d_max score 0 (0..=1).
    #[arg(long, default_value_t = 1.0)]
    tau: f64,
    /// Taxonomy file (SPEC 5); default: the built-in reconstruction.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
}

impl ScoringArgs {
    fn settings(&self) -> Settings {
        Settings {
            tiou: self.tiou,
            sem_norm: self.sem_norm,
            tau: self.tau,
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
        #[cfg(feature = "serve")]
        Command::Serve(args) => {
            let options = cuebench::serve::ServeOptions {
                address: std::net::SocketAddr::new(args.host, args.port),
                task: args.session.task,
                max_body: args.max_body,
                queue: args.queue.max(1),
            };
            cuebench::serve::run(reward_session(&args.session)?, &options)?;
            Ok(ExitCode::SUCCESS)
        }
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
    let bad_task = |e: String| cuebench::Error::Usage(format!("--task: {e}"));
    if args.bench != Benchmark::Cuebench {
        if args.all {
            return Err(cuebench::Error::Usage("--all scores CueBench only".into()).into());
        }
        let task = args.task.as_deref().unwrap_or_default();
        let evaluation = match args.bench {
            Benchmark::VauBench => cuebench::benchmarks::vau_bench::evaluate(
                task.parse().map_err(bad_task)?,
                &args.gt,
                &args.predictions,
            )?,
            _ => cuebench::benchmarks::vad_reasoning::evaluate(
                task.parse().map_err(bad_task)?,
                &args.gt,
                &args.predictions,
                args.wordnet.as_deref(),
            )?,
        };
        return finish(&[evaluation], args.format, args.per_sample.as_deref());
    }
    let tasks = match args.task.as_deref() {
        Some(name) => vec![name.parse::<Task>().map_err(bad_task)?],
        None => Task::ALL.to_vec(),
    };
    let options = commands::eval::EvalOptions {
        tasks,
        gt: args.gt,
        predictions: args.predictions,
        settings: args.scoring.settings(),
        embed: args.embedding.options()?,
        taxonomy: args.scoring.taxonomy,
    };
    let evaluations = commands::eval::run(&options)?;
    if !args.all {
        return finish(&evaluations, args.format, args.per_sample.as_deref());
    }
    write_per_sample(&evaluations, args.per_sample.as_deref())?;
    let results: Vec<_> = evaluations.into_iter().map(|e| e.result).collect();
    let label = options.predictions.display().to_string();
    emit(&leaderboard::render(&results, &label, args.format))?;
    Ok(ExitCode::SUCCESS)
}

/// The session `reward` and `serve` score with, ground truth embedded.
fn reward_session(args: &RewardSessionArgs) -> anyhow::Result<Session> {
    let options = SessionOptions {
        gt: args.gt.clone(),
        taxonomy: args.scoring.taxonomy.clone(),
        settings: args.scoring.settings(),
        lambda: args.lambda,
        embed: args.embedding.options()?,
    };
    let mut session = Session::open(options)?;
    session.warm_up()?;
    Ok(session)
}

fn reward(args: RewardArgs) -> anyhow::Result<ExitCode> {
    use commands::reward_stream::{run_file, run_stream};
    let mut session = reward_session(&args.session)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors = match args.input.filter(|p| p.as_os_str() != "-") {
        Some(path) => run_file(&mut session, args.session.task, &path, &mut out)?,
        None => run_stream(
            &mut session,
            args.session.task,
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
