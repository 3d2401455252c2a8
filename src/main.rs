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
use cuebench::report::figures::{Confidence, add_confidence};
use cuebench::report::leaderboard;
use cuebench::report::results::{ResultsDocument, RunInfo, read_document, write_output};
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
    /// CI gate: exit 1 if a figure of CANDIDATE dropped more than --max-drop points below BASELINE.
    Compare(CompareArgs),
    /// Many models' results side by side as the paper's Table 2, best and second-best marked.
    Leaderboard(LeaderboardArgs),
}

#[derive(Debug, Args)]
struct RewardArgs {
    /// Completions JSONL ({"id", "response"}, optional "task"); `-` or none: read stdin as a
    /// stream, answering each line as it arrives (for a training loop).
    input: Option<PathBuf>,
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
    /// Baseline results: a results.json, an `eval --format json` output, or an `--output` folder.
    baseline: PathBuf,
    /// Candidate results, likewise.
    candidate: PathBuf,
    /// Largest tolerated drop, in points (percent); a number >= 0.
    #[arg(long, default_value_t = 0.5)]
    max_drop: f64,
    /// Paired bootstrap over the samples both runs share (needs `eval --output` folders):
    /// a drop is a regression only when it exceeds --max-drop and p < --alpha.
    #[arg(long)]
    paired_bs: bool,
    /// Resamples of the paired bootstrap.
    #[arg(long, default_value_t = cuebench::metrics::bootstrap::DEFAULT_RESAMPLES)]
    paired_bs_n: usize,
    /// Significance level of the paired bootstrap.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Seed of the paired bootstrap.
    #[arg(long, default_value_t = cuebench::metrics::bootstrap::DEFAULT_SEED)]
    seed: u64,
    /// Output format (a pull-request comment: markdown).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
struct LeaderboardArgs {
    /// Results: results.json files, `eval --format json` outputs or `--output` folders, one row each.
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Show the confidence intervals the results hold (`eval --confidence`).
    #[arg(long)]
    ci: bool,
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
    /// Also write DIR/results.json and DIR/samples_<task>.jsonl (docs/results.md).
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// The model's name in the results; default: the predictions' file or folder name.
    #[arg(long)]
    name: Option<String>,
    /// Make likely mistakes input errors (exit 2): missing predictions, unknown ids, unread files.
    #[arg(long)]
    strict: bool,
    /// Bootstrap confidence intervals (95%) for every figure that is a per-sample mean.
    #[arg(long)]
    confidence: bool,
    /// Resamples of the bootstrap.
    #[arg(long, default_value_t = cuebench::metrics::bootstrap::DEFAULT_RESAMPLES)]
    confidence_n: usize,
    /// Seed of the bootstrap: the same seed gives the same intervals everywhere.
    #[arg(long, default_value_t = cuebench::metrics::bootstrap::DEFAULT_SEED)]
    seed: u64,
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

impl Benchmark {
    /// The name results record.
    fn name(self) -> &'static str {
        match self {
            Benchmark::Cuebench => "cuebench",
            Benchmark::VauBench => "vau-bench",
            Benchmark::VadReasoning => "vad-reasoning",
        }
    }
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
    /// Predictions: a JSONL file, or a folder of <task>.jsonl files (as `eval` reads them).
    predictions: PathBuf,
    /// Check only this task (lines tagged with another task are skipped).
    #[arg(long, conflicts_with = "all")]
    task: Option<String>,
    /// Check every CueBench task (a file's lines need a `task` field).
    #[arg(long)]
    all: bool,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning; needs --task).
    #[arg(long, value_enum, default_value_t)]
    bench: Benchmark,
    /// Annotation file.
    #[arg(long, env = "CUEBENCH_GT")]
    gt: PathBuf,
    /// Exit 2 when any sample is missing or unparseable, not only on malformed input.
    #[arg(long)]
    strict: bool,
    /// WordNet 3.0 folder (vad-reasoning reasoning).
    #[arg(long, value_name = "DIR")]
    wordnet: Option<PathBuf>,
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
        Command::Compare(args) => compare(args),
        Command::Leaderboard(args) => leaderboard(args),
    }
}

fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    use commands::compare::{CompareOptions, Paired};
    let comparison = commands::compare::run(&CompareOptions {
        baseline: args.baseline,
        candidate: args.candidate,
        max_drop: args.max_drop,
        paired: args.paired_bs.then_some(Paired {
            n: args.paired_bs_n,
            seed: args.seed,
            alpha: args.alpha,
        }),
    })?;
    for w in &comparison.warnings {
        console::warning(w);
    }
    emit(&comparison.render(args.format))?;
    Ok(if comparison.regressions().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn leaderboard(args: LeaderboardArgs) -> anyhow::Result<ExitCode> {
    let documents = args
        .results
        .iter()
        .map(|p| Ok((p.display().to_string(), read_document(p)?)))
        .collect::<cuebench::Result<Vec<_>>>()?;
    for w in leaderboard::check_signatures(&documents)? {
        console::warning(&w);
    }
    let documents: Vec<_> = documents.into_iter().map(|(_, d)| d).collect();
    let layout = leaderboard::Layout::for_documents(&documents);
    emit(&leaderboard::render(
        &documents,
        &layout,
        args.format,
        args.ci,
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let bad_task = |e: String| cuebench::Error::Usage(format!("--task: {e}"));
    let task = args.task.as_deref().unwrap_or_default();
    let run = match args.bench {
        Benchmark::Cuebench => {
            let tasks = match args.task.as_deref() {
                Some(name) => vec![name.parse::<Task>().map_err(bad_task)?],
                None => Task::ALL.to_vec(),
            };
            commands::eval::run(&commands::eval::EvalOptions {
                tasks,
                gt: args.gt.clone(),
                predictions: args.predictions.clone(),
                settings: args.scoring.settings(),
                embed: args.embedding.options()?,
                taxonomy: args.scoring.taxonomy.clone(),
            })?
        }
        _ if args.all => {
            return Err(cuebench::Error::Usage("--all scores CueBench only".into()).into());
        }
        Benchmark::VauBench => commands::eval::sibling_run(
            cuebench::benchmarks::vau_bench::evaluate(
                task.parse().map_err(bad_task)?,
                &args.gt,
                &args.predictions,
            )?,
            &args.gt,
            &args.predictions,
        )?,
        Benchmark::VadReasoning => commands::eval::sibling_run(
            cuebench::benchmarks::vad_reasoning::evaluate(
                task.parse().map_err(bad_task)?,
                &args.gt,
                &args.predictions,
                args.wordnet.as_deref(),
            )?,
            &args.gt,
            &args.predictions,
        )?,
    };
    report_findings(&run.findings, args.strict)?;
    let mut evaluations = run.evaluations;
    let confidence = args.confidence.then_some(Confidence {
        n: args.confidence_n,
        seed: args.seed,
        level: cuebench::metrics::bootstrap::DEFAULT_LEVEL,
    });
    if let Some(c) = confidence {
        if c.n == 0 {
            return Err(cuebench::Error::Usage("--confidence-n must be at least 1".into()).into());
        }
        evaluations.iter_mut().for_each(|e| add_confidence(e, c));
    }
    let mut document = ResultsDocument::new(
        RunInfo {
            command: std::env::args().collect(),
            name: args.name.unwrap_or_else(|| default_name(&args.predictions)),
            benchmark: args.bench.name().into(),
            protocol: "unified".into(),
            inputs: run.inputs,
            settings: cuebench::report::results::Settings {
                scoring: run.settings,
                confidence,
            },
        },
        evaluations.iter().map(|e| e.result.clone()).collect(),
    )?;
    write_per_sample(&evaluations, args.per_sample.as_deref())?;
    let text = if args.all && args.format != Format::Json {
        let layout = leaderboard::Layout::table2();
        leaderboard::render(
            std::slice::from_ref(&document),
            &layout,
            args.format,
            confidence.is_some(),
        )
    } else {
        args.format.exporter().export(&document)
    };
    if let Some(dir) = &args.output {
        write_output(dir, &mut document, &evaluations)?;
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each likely mistake as a warning; with `--strict`, the first one
/// is an input error listing what it found.
fn report_findings(findings: &[commands::eval::Finding], strict: bool) -> anyhow::Result<()> {
    if strict && let Some(first) = findings.first() {
        for f in &findings[1..] {
            console::warning(&f.error());
        }
        return Err(cuebench::Error::Usage(format!("--strict: {}", first.error())).into());
    }
    for f in findings.iter().filter(|f| f.warn) {
        console::warning(&f.warning());
    }
    Ok(())
}

/// The predictions' file name without its extension, or the folder's name.
fn default_name(predictions: &std::path::Path) -> String {
    let name = if predictions.is_dir() {
        predictions.file_name()
    } else {
        predictions.file_stem()
    };
    name.map_or_else(
        || predictions.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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
    let bad_task = |e: String| cuebench::Error::Usage(format!("--task: {e}"));
    let v = match args.bench {
        Benchmark::Cuebench => {
            let tasks = match (&args.task, args.all) {
                (Some(t), _) => Some(vec![t.parse::<Task>().map_err(bad_task)?]),
                (None, true) => Some(Task::ALL.to_vec()),
                (None, false) => None,
            };
            commands::validate::run(&args.predictions, &args.gt, tasks.as_deref())?
        }
        bench => {
            let task = args.task.as_deref().ok_or_else(|| {
                cuebench::Error::Usage(format!("--task is required with --bench {}", bench.name()))
            })?;
            let evaluation = match bench {
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
            commands::validate::of_evaluation(&evaluation)
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
