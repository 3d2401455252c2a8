//! The `cuebench` command line: flags are declared here once; the work is
//! done by `cuebench::commands`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use cuebench::config::{Input, Inputs};
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::{Session, SessionOptions, Settings};
use cuebench::formats::predictions::Layout;
use cuebench::metrics::semantic::SemNorm;
use cuebench::metrics::temporal::TiouMode;
use cuebench::report::export::Format;
use cuebench::report::leaderboard;
use cuebench::report::{Evaluation, per_sample_jsonl};
use cuebench::tasks::{Task, TaskName};
use cuebench::{commands, console};

/// `--version`: the release and the source revision it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CUEBENCH_REVISION"),
    ")"
);

/// Fast, exact scoring for context-aware video anomaly understanding.
///
/// --gt, --taxonomy and --model may also come from CUEBENCH_GT, CUEBENCH_TAXONOMY,
/// CUEBENCH_MODEL or a cuebench.toml in this folder or a parent (`cuebench init`).
#[derive(Debug, Parser)]
#[command(name = "cuebench", version = VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score predictions: one task, or every task with --all (a leaderboard row).
    Eval(EvalArgs),
    /// Write each task's derived ground truth as <task>.jsonl files.
    Tasks(TasksArgs),
    /// Write the model inputs: per sample its id, video file, prompt (and anticipation cut time).
    Prompts(PromptsArgs),
    /// Check a predictions file (JSON, ids, duplicates, coverage) without scoring.
    Validate(ValidateArgs),
    /// CUE-R1 reward per completion: JSONL in, one {id, reward, parts} line out per line.
    Reward(RewardArgs),
    /// Time `eval --all` (cold and warm cache) and the embedding on a generated CueBench-sized input.
    Bench(BenchArgs),
    /// CI gate: exit 1 if a figure of CANDIDATE dropped more than --max-drop points below BASELINE.
    Compare(CompareArgs),
    /// Write a commented cuebench.toml (annotation file, taxonomy, model) in the current folder.
    Init(InitArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
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
struct InitArgs {
    /// The annotation file to record as `gt` (relative to the current folder).
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
    /// Replace an existing cuebench.toml.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
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
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
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
    /// Predictions: a JSONL file or JSON array ({"id", "response"} or {"id", "answer"},
    /// optional "task"), `-` for stdin, or with --all a folder of <task>.jsonl files.
    predictions: PathBuf,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning).
    #[arg(long, value_enum, default_value_t, help_heading = "Inputs")]
    bench: Benchmark,
    /// The task to score: a CueBench task (event, scene, attribute, anomaly-td, anomaly-bu,
    /// grounding, detection, anticipation); for vau-bench qa|grounding|cls; for
    /// vad-reasoning reasoning|detection.
    #[arg(
        long,
        required_unless_present = "all",
        conflicts_with = "all",
        help_heading = "Inputs"
    )]
    task: Option<String>,
    /// Score every CueBench task: one embedding pass, one leaderboard row.
    #[arg(long, help_heading = "Inputs")]
    all: bool,
    /// Annotation file (JSON array or JSONL of videos, docs/scoring.md §3.1); default:
    /// $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    gt: Option<PathBuf>,
    /// How the predictions file is laid out: cuebench records, or an lmms-eval
    /// `samples_*.jsonl` log (id from `doc.id`, response from `filtered_resps`).
    #[arg(long, value_enum, default_value_t, help_heading = "Inputs")]
    from: Layout,
    /// WordNet 3.0 folder for METEOR (vad-reasoning); default: $CUEBENCH_WORDNET, then the
    /// data folder.
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    wordnet: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
    /// Also write every sample's id, status and scores to this JSONL file.
    #[arg(long, value_name = "OUT.jsonl", help_heading = "Output")]
    per_sample: Option<PathBuf>,
    #[command(flatten)]
    scoring: ScoringArgs,
    #[command(flatten)]
    embedding: EmbedArgs,
}

/// The benchmarks `eval` scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
enum Benchmark {
    /// CueBench (docs/scoring.md).
    #[default]
    Cuebench,
    /// VAU-Bench (VAU-R1): qa, grounding, cls.
    VauBench,
    /// Vad-Reasoning (Vad-R1): reasoning, detection.
    VadReasoning,
}

/// Choices that change numbers; all are recorded in the signature.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scoring (recorded in the signature)")]
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
    /// Taxonomy file (docs/scoring.md §5); default: $CUEBENCH_TAXONOMY, then `taxonomy` in
    /// cuebench.toml, then the built-in reconstruction.
    #[arg(long, value_name = "FILE")]
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
#[command(next_help_heading = "Embedding model and speed")]
struct EmbedArgs {
    /// Model folder (ONNX file, tokenizer.json, manifest.json); default: $CUEBENCH_MODEL,
    /// then `model` in cuebench.toml, then models/minilm-l6-v2 in the data folder.
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
    /// No progress bar (on a terminal) or progress lines (in a log).
    #[arg(long)]
    quiet: bool,
}

impl EmbedArgs {
    /// Sizes the worker pool and returns the embedding options, the model
    /// folder found as docs/scoring.md §13 says.
    fn options(&self, inputs: &Inputs) -> anyhow::Result<EmbedOptions> {
        set_threads(self.threads)?;
        Ok(EmbedOptions {
            model_dir: inputs.resolve(Input::Model, self.model.as_deref()),
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
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
    /// Output folder, one `<task>.jsonl` per task.
    #[arg(long, default_value = "tasks")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct PromptsArgs {
    /// The task.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    task: Option<Task>,
    /// Every task: one <task>.jsonl per task in --out.
    #[arg(long, requires = "out")]
    all: bool,
    /// Output folder for --all.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Video file name pattern; `{video_id}` stands for the video's id.
    #[arg(long, value_name = "PATTERN", default_value = cuebench::prompts::DEFAULT_VIDEO_NAME)]
    video_name: String,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Predictions JSONL.
    predictions: PathBuf,
    /// Check only this task (lines tagged with another task are skipped).
    #[arg(long)]
    task: Option<Task>,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
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
    // Init, completions and man read no inputs, so a broken cuebench.toml
    // cannot stop them; every other command looks for it first.
    match command {
        Command::Init(args) => init(args),
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "cuebench", &mut script);
            emit(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            emit(&String::from_utf8_lossy(&page))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(args) => eval(args, &Inputs::discover()?),
        Command::Tasks(args) => {
            let gt = Inputs::discover()?.required(Input::Gt, args.gt.as_deref())?;
            for (path, n) in commands::tasks::run(&gt, &args.out)? {
                console::line(&format!("wrote {} ({n} samples)", path.display()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Prompts(args) => prompts(args, &Inputs::discover()?),
        Command::Validate(args) => validate(args, &Inputs::discover()?),
        Command::Reward(args) => reward(args, &Inputs::discover()?),
        #[cfg(feature = "serve")]
        Command::Serve(args) => {
            let options = cuebench::serve::ServeOptions {
                address: std::net::SocketAddr::new(args.host, args.port),
                task: args.session.task,
                max_body: args.max_body,
                queue: args.queue.max(1),
            };
            cuebench::serve::run(
                reward_session(&args.session, &Inputs::discover()?)?,
                &options,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            let work = args.work.unwrap_or_else(commands::bench::default_work_dir);
            let options = args.embedding.options(&Inputs::discover()?)?;
            let r = commands::bench::run(&work, &options)?;
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

/// Writes `cuebench.toml` in the current folder; an existing one is kept
/// unless `--force`.
fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let path = PathBuf::from(cuebench::config::PROJECT_FILE);
    if path.exists() && !args.force {
        return Err(cuebench::Error::Usage(format!(
            "{} already exists (--force replaces it)",
            path.display()
        ))
        .into());
    }
    let text = cuebench::config::project_file_template(args.gt.as_deref());
    cuebench::formats::records::write_file(&path, text.as_bytes())?;
    console::line(&format!("wrote {}", path.display()));
    Ok(ExitCode::SUCCESS)
}

/// `prompts`: one task on stdout, or every task as files.
fn prompts(args: PromptsArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    let videos = cuebench::formats::annotations::read_annotations(&gt)?;
    match (args.task, args.out) {
        (Some(task), _) => {
            let lines = cuebench::prompts::prompt_lines(&videos, task, &args.video_name);
            emit(&cuebench::prompts::to_jsonl(&lines))?;
        }
        (None, Some(dir)) => {
            for (path, n) in cuebench::prompts::write_all(&videos, &args.video_name, &dir)? {
                console::line(&format!("wrote {} ({n} prompts)", path.display()));
            }
        }
        (None, None) => {
            return Err(
                cuebench::Error::Usage("prompts: give --task or --all --out DIR".into()).into(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    let bad_task = |e: String| cuebench::Error::Usage(format!("--task: {e}"));
    if args.bench != Benchmark::Cuebench {
        if args.all {
            return Err(cuebench::Error::Usage("--all scores CueBench only".into()).into());
        }
        if args.from != Layout::Cuebench {
            return Err(
                cuebench::Error::Usage("--from reads CueBench predictions only".into()).into(),
            );
        }
        let task = args.task.as_deref().unwrap_or_default();
        let evaluation = match args.bench {
            Benchmark::VauBench => cuebench::benchmarks::vau_bench::evaluate(
                TaskName::parse_name(task).map_err(bad_task)?,
                &gt,
                &args.predictions,
            )?,
            _ => cuebench::benchmarks::vad_reasoning::evaluate(
                TaskName::parse_name(task).map_err(bad_task)?,
                &gt,
                &args.predictions,
                &cuebench::benchmarks::vad_reasoning::VadOptions {
                    wordnet: args.wordnet.clone(),
                    ..Default::default()
                },
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
        gt,
        predictions: args.predictions,
        layout: args.from,
        settings: args.scoring.settings(),
        embed: args.embedding.options(inputs)?,
        taxonomy: inputs.resolve(Input::Taxonomy, args.scoring.taxonomy.as_deref()),
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
fn reward_session(args: &RewardSessionArgs, inputs: &Inputs) -> anyhow::Result<Session> {
    let options = SessionOptions {
        gt: inputs.required(Input::Gt, args.gt.as_deref())?,
        taxonomy: inputs.resolve(Input::Taxonomy, args.scoring.taxonomy.as_deref()),
        settings: args.scoring.settings(),
        lambda: args.lambda,
        embed: args.embedding.options(inputs)?,
    };
    let mut session = Session::open(options)?;
    session.warm_up()?;
    Ok(session)
}

fn reward(args: RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    use commands::reward_stream::{run_file, run_stream};
    let mut session = reward_session(&args.session, inputs)?;
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

fn validate(args: ValidateArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    let v = commands::validate::run(&args.predictions, &gt, args.task)?;
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
