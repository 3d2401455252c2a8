//! The `cuebench` command line: flags are declared here once; the work is
//! done by `cuebench::commands`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand};
use cuebench::benchmarks::run::{RunHeader, Scored};
use cuebench::benchmarks::{Flag, Request};
use cuebench::config::{Input, Inputs};
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::groups::GroupBy;
use cuebench::evaluate::{Session, SessionOptions};
use cuebench::formats::layout::Layout;
use cuebench::model::{BenchmarkId, Confidence, Evaluation, Protocol, SemNorm, Settings, TiouMode};
use cuebench::report::breakdown;
use cuebench::report::export::Format;
use cuebench::report::html;
use cuebench::report::html::input::{Run, read_run};
use cuebench::report::leaderboard;
use cuebench::report::per_sample_jsonl;
use cuebench::report::results::{read_document, write_output};
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
    Eval(Box<EvalArgs>),
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
    /// Many models' results side by side as the paper's Table 2, best and second-best marked.
    Leaderboard(LeaderboardArgs),
    /// Write one self-contained HTML report (tables, charts, worst samples, provenance) for runs.
    Report(ReportArgs),
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
    /// Whose training rewards: cuebench (CUE-R1), vau-bench (VAU-R1's GRPO rewards) or
    /// vad-reasoning (Vad-R1's AVA-GRPO rewards); a sibling needs --task and --gt.
    #[arg(long, default_value = "cuebench",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::bench_names()))]
    bench: String,
    /// The task of lines without a "task" field (with --bench, the benchmark's task).
    #[arg(long, value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::task_names()))]
    task: Option<String>,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
    /// Weight of the semantic reward against the hierarchy reward (Eq. 5).
    #[arg(long, default_value_t = Settings::default().lambda)]
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
    #[arg(long, default_value_t = Confidence::default().n)]
    paired_bs_n: usize,
    /// Significance level of the paired bootstrap.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Seed of the paired bootstrap.
    #[arg(long, default_value_t = Confidence::default().seed)]
    seed: u64,
    /// Output format (a pull-request comment: markdown).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Results: `eval --output` folders (with their per-sample files), their results.json,
    /// or `eval --format json` outputs; one per model.
    #[arg(required = true, value_name = "RESULTS")]
    results: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long, default_value = "report.html", value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct LeaderboardArgs {
    /// Results: results.json files, `eval --format json` outputs or `--output` folders, one row each.
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// Output format; `html` writes the self-contained report of `cuebench report` to stdout.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// Show the confidence intervals the results hold (`eval --confidence`).
    #[arg(long)]
    ci: bool,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Predictions: a JSONL file or JSON array ({"id", "response"} or {"id", "answer"},
    /// optional "task"), `-` for stdin, or with --all a folder of <task>.jsonl files.
    predictions: PathBuf,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning).
    #[arg(long, default_value = "cuebench", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::bench_names())
              .try_map(|s| s.parse::<BenchmarkId>()))]
    bench: BenchmarkId,
    /// CueBench's protocol: `unified` (Table 2) or `separate` (Table 3: ranked labels,
    /// start/end and frame-level predictions of specialised models, docs/scoring.md §10).
    #[arg(long, default_value = "unified", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::protocol_names())
              .try_map(|s| s.parse::<Protocol>()))]
    protocol: Protocol,
    /// The task to score. cuebench: event, scene, attribute, anomaly-td, anomaly-bu, grounding,
    /// detection, anticipation; with --protocol separate: event, grounding, anomaly, detection;
    /// vau-bench: qa, grounding, cls; vad-reasoning: reasoning, detection.
    #[arg(long, required_unless_present = "all", conflicts_with = "all", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::task_names()))]
    task: Option<String>,
    /// Score every task of the benchmark into one row: the paper's Table 2 (cuebench), or
    /// Table 3 (--protocol separate).
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
    /// vad-reasoning: read the published layout's `start`/`end` as frame numbers at --fps
    /// (default: seconds).
    #[arg(long, requires = "fps", help_heading = "Inputs")]
    frames: bool,
    /// Frames per second for --frames.
    #[arg(long, requires = "frames", help_heading = "Inputs")]
    fps: Option<f64>,
    /// --protocol separate: recognition scores the best of the first K labels [default: 5].
    #[arg(
        long,
        value_name = "K",
        help_heading = "Scoring (recorded in the signature)"
    )]
    top_k: Option<usize>,
    /// --protocol separate: a frame score above it is anomalous [default: 0.5].
    #[arg(long, help_heading = "Scoring (recorded in the signature)")]
    threshold: Option<f64>,
    /// Output format; `html` writes the self-contained report of `cuebench report` to stdout.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: OutputFormat,
    /// Also write every sample's id, status and scores to this JSONL file.
    #[arg(long, value_name = "OUT.jsonl", help_heading = "Output")]
    per_sample: Option<PathBuf>,
    /// Add each task's figures per group (repeatable; CueBench only; docs/report.md): table
    /// and markdown print a table per task after the results, csv prints one long table,
    /// json holds them in each result's `groups`.
    #[arg(long, value_enum, value_name = "GROUPING", help_heading = "Output")]
    by: Vec<GroupBy>,
    /// Also write DIR/results.json and DIR/samples_<task>.jsonl (docs/results.md).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    output: Option<PathBuf>,
    /// The model's name in the results; default: the predictions' file or folder name.
    #[arg(long, help_heading = "Output")]
    name: Option<String>,
    /// Make likely mistakes input errors (exit 2): missing predictions, unknown ids, unread files.
    #[arg(long, help_heading = "Output")]
    strict: bool,
    /// Bootstrap confidence intervals (95%) for every figure that is a per-sample mean.
    #[arg(long, help_heading = "Output")]
    confidence: bool,
    /// Resamples of the bootstrap.
    #[arg(long, default_value_t = Confidence::default().n, help_heading = "Output")]
    confidence_n: usize,
    /// Seed of the bootstrap: the same seed gives the same intervals everywhere.
    #[arg(long, default_value_t = Confidence::default().seed, help_heading = "Output")]
    seed: u64,

    #[command(flatten)]
    scoring: ScoringArgs,
    #[command(flatten)]
    embedding: EmbedArgs,
}

/// `--format` of `eval` and `leaderboard`: a text format, or the HTML report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// A readable table (the default).
    #[default]
    Table,
    /// The results document as pretty JSON (docs/results.md).
    Json,
    /// A Markdown table.
    Markdown,
    /// CSV with a header row.
    Csv,
    /// One self-contained HTML page with tables and charts (docs/report.md).
    Html,
}

impl OutputFormat {
    /// The text format, or `None` for the HTML report.
    fn text(self) -> Option<Format> {
        match self {
            OutputFormat::Table => Some(Format::Table),
            OutputFormat::Json => Some(Format::Json),
            OutputFormat::Markdown => Some(Format::Markdown),
            OutputFormat::Csv => Some(Format::Csv),
            OutputFormat::Html => None,
        }
    }
}

/// Choices that change numbers; all are recorded in the signature.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scoring (recorded in the signature)")]
struct ScoringArgs {
    /// TIoU for grounding and detection: merged `union` or Hungarian `matched` [default: union].
    #[arg(long)]
    tiou: Option<TiouMode>,
    /// Semantic score normalisation: the paper's 1/(r*t) (`rt`) or 1/max(r,t) (`max`)
    /// [default: rt].
    #[arg(long)]
    sem_norm: Option<SemNorm>,
    /// Hierarchy cut-off: pairs farther apart than tau * d_max score 0 (0..=1) [default: 1.0].
    #[arg(long)]
    tau: Option<f64>,
    /// Taxonomy file (docs/scoring.md §5); default: $CUEBENCH_TAXONOMY, then `taxonomy` in
    /// cuebench.toml, then the built-in reconstruction.
    #[arg(long, value_name = "FILE")]
    taxonomy: Option<PathBuf>,
}

impl ScoringArgs {
    /// The settings, defaults filling what was not given, with Eq. 5's `lambda`.
    fn settings(&self, lambda: f64) -> Settings {
        let defaults = Settings::default();
        Settings {
            tiou: self.tiou.unwrap_or(defaults.tiou),
            sem_norm: self.sem_norm.unwrap_or(defaults.sem_norm),
            tau: self.tau.unwrap_or(defaults.tau),
            lambda,
            ..defaults
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
    /// ONNX Runtime library; default: $ORT_DYLIB_PATH, next to the executable, then the data folders.
    #[arg(long, value_name = "FILE")]
    ort_library: Option<PathBuf>,
    /// Where the model runs: cpu, cuda or cuda:N (needs a build with --features cuda).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Worker threads for scoring and the model (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Texts per model call. Results do not depend on it.
    #[arg(long, default_value_t = Settings::default().batch_size)]
    batch_size: usize,
    /// Vector cache folder; default: the user's cache folder (~/.cache/cuebench/embeddings on Linux).
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
    /// The task; its prompt lines go to stdout.
    #[arg(long, required_unless_present = "all", conflicts_with = "all",
          value_parser = Task::value_parser())]
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
    /// Line layout: `jsonl` (id, task, video, cut_at_s, prompt, label) or `verl`
    /// (RLHFDataset rows: prompt messages, data_source, reward_model.ground_truth, extra_info).
    #[arg(long, default_value = "jsonl")]
    format: cuebench::prompts::PromptFormat,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
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
    #[arg(long, default_value = "cuebench",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::bench_names())
              .try_map(|s| s.parse::<BenchmarkId>()))]
    bench: BenchmarkId,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    gt: Option<PathBuf>,
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
        Command::Eval(args) => eval(*args, &Inputs::discover()?),
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
            if args.session.bench != "cuebench" {
                let rewards = bench_rewards(&args.session, &Inputs::discover()?)?;
                let options = cuebench::serve::ServeOptions {
                    address: std::net::SocketAddr::new(args.host, args.port),
                    task: None,
                    max_body: args.max_body,
                    queue: args.queue.max(1),
                };
                cuebench::serve::run_bench(rewards, &options)?;
                return Ok(ExitCode::SUCCESS);
            }
            let options = cuebench::serve::ServeOptions {
                address: std::net::SocketAddr::new(args.host, args.port),
                task: args.session.cuebench_task()?,
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
            // bench times a cold and a warm cache of its own, under --work.
            if args.embedding.cache_dir.is_some() || args.embedding.no_cache {
                return Err(cuebench::Error::Usage(
                    "bench keeps its own vector cache under --work (it times a cold and a warm run); --cache-dir and --no-cache do not apply".into(),
                )
                .into());
            }
            let work = args.work.unwrap_or_else(commands::bench::default_work_dir);
            let options = args.embedding.options(&Inputs::discover()?)?;
            let r = commands::bench::run(&work, &options)?;
            let text = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&r)?)
            } else {
                format!(
                    "samples {} | distinct texts {}\neval --all, cold cache  {:8.2} s\neval --all, warm cache  {:8.2} s\n--confidence (n=1000)   {:8.2} s more\nembedding (no cache)    {:8.0} texts/s at batch {}\n",
                    r.samples,
                    r.texts,
                    r.eval_cold_s,
                    r.eval_warm_s,
                    r.confidence_s,
                    r.embed_texts_per_s,
                    r.batch_size
                )
            };
            emit(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare(args) => compare(args),
        Command::Leaderboard(args) => leaderboard(args),
        Command::Report(args) => {
            let written = commands::report::run(&args.results, &args.out)?;
            console::line(&format!(
                "wrote {} ({} run(s), {} bytes)",
                args.out.display(),
                written.runs,
                written.bytes
            ));
            Ok(ExitCode::SUCCESS)
        }
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
    let Some(format) = args.format.text() else {
        let runs = args
            .results
            .iter()
            .map(|p| read_run(p))
            .collect::<cuebench::Result<Vec<_>>>()?;
        emit(&html::render(&runs))?;
        return Ok(ExitCode::SUCCESS);
    };
    let documents: Vec<_> = documents.into_iter().map(|(_, d)| d).collect();
    let layout = leaderboard::Layout::for_documents(&documents);
    emit(&leaderboard::render(&documents, &layout, format, args.ci))?;
    Ok(ExitCode::SUCCESS)
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
            emit(&cuebench::prompts::render(
                &videos,
                task,
                &args.video_name,
                args.format,
            ))?;
        }
        (None, Some(dir)) => {
            let written =
                cuebench::prompts::write_all(&videos, &args.video_name, args.format, &dir)?;
            for (path, n) in written {
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
    // The flags written on the command line: a benchmark that does not read
    // one refuses the run (values found in the environment or cuebench.toml
    // are not flags and never refuse it).
    let flags = [
        (Flag::Taxonomy, args.scoring.taxonomy.is_some()),
        (Flag::Tau, args.scoring.tau.is_some()),
        (Flag::Tiou, args.scoring.tiou.is_some()),
        (Flag::SemNorm, args.scoring.sem_norm.is_some()),
        (Flag::Model, args.embedding.model.is_some()),
        (Flag::From, args.from != Layout::Cuebench),
        (Flag::Wordnet, args.wordnet.is_some()),
        (Flag::Frames, args.frames),
        (Flag::TopK, args.top_k.is_some()),
        (Flag::Threshold, args.threshold.is_some()),
        (Flag::By, !args.by.is_empty()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect();
    let request = Request {
        task: args.task.clone(),
        gt: inputs.required(Input::Gt, args.gt.as_deref())?,
        predictions: args.predictions.clone(),
        layout: args.from,
        taxonomy: inputs.resolve(Input::Taxonomy, args.scoring.taxonomy.as_deref()),
        tau: args.scoring.tau,
        tiou: args.scoring.tiou,
        sem_norm: args.scoring.sem_norm,
        embed: args.embedding.options(inputs)?,
        wordnet: args.wordnet.clone(),
        frames_fps: args.fps.filter(|_| args.frames),
        top_k: args.top_k,
        threshold: args.threshold,
        by: args.by.clone(),
        flags,
    };
    // Outputs may never replace a file the run reads.
    let protected = input_files(
        &request.gt,
        &request.predictions,
        request.taxonomy.as_deref(),
    );
    let outcome = cuebench::benchmarks::registry::run_benchmark(
        args.bench,
        args.protocol,
        args.all,
        &request,
    )?;
    report_findings(&outcome.run.findings, args.strict)?;
    let confidence = args.confidence.then_some(Confidence {
        n: args.confidence_n,
        seed: args.seed,
        ..Confidence::default()
    });
    let header = RunHeader {
        command: std::env::args().collect(),
        name: args.name.unwrap_or_else(|| default_name(&args.predictions)),
        benchmark: args.bench,
        protocol: args.protocol,
    };
    let Scored {
        mut document,
        evaluations,
    } = outcome.run.into_document(header, confidence)?;
    write_per_sample(&evaluations, args.per_sample.as_deref(), &protected)?;
    let text = match args.format.text() {
        None => html::render(&[Run::scored(document.clone(), &evaluations)]),
        Some(format) => {
            let mut text = if let Some(row) = outcome.row.filter(|_| format != Format::Json) {
                let layout = leaderboard::Layout::of_groups(row);
                leaderboard::render(
                    std::slice::from_ref(&document),
                    &layout,
                    format,
                    confidence.is_some(),
                )
            } else {
                format.exporter().export(&document)
            };
            if !args.by.is_empty() {
                if breakdown::replaces_output(format) {
                    text.clear();
                }
                text.push_str(&breakdown::render(&document, format));
            }
            text
        }
    };
    if let Some(dir) = &args.output {
        let protected: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
        write_output(dir, &mut document, &evaluations, &protected)?;
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each likely mistake as a warning; with `--strict`, the first one
/// is an input error listing what it found.
fn report_findings(
    findings: &[cuebench::benchmarks::run::Finding],
    strict: bool,
) -> anyhow::Result<()> {
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

impl RewardSessionArgs {
    /// `--task` as a CueBench task (the only kind `serve` and CUE-R1 take).
    fn cuebench_task(&self) -> anyhow::Result<Option<Task>> {
        self.task
            .as_deref()
            .map(|t| {
                t.parse::<Task>().map_err(|e| {
                    cuebench::Error::Usage(format!(
                        "--task: {e} (a sibling benchmark's task needs `reward --bench`)"
                    ))
                })
            })
            .transpose()
            .map_err(Into::into)
    }
}

/// The session `reward` and `serve` score with, ground truth embedded.
fn reward_session(args: &RewardSessionArgs, inputs: &Inputs) -> anyhow::Result<Session> {
    let options = SessionOptions {
        gt: inputs.required(Input::Gt, args.gt.as_deref())?,
        taxonomy: inputs.resolve(Input::Taxonomy, args.scoring.taxonomy.as_deref()),
        settings: args.scoring.settings(args.lambda),
        embed: args.embedding.options(inputs)?,
    };
    let mut session = Session::open(options)?;
    session.warm_up()?;
    Ok(session)
}

fn reward(args: RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    use cuebench::reward::{run_file, run_stream};
    if args.session.bench != "cuebench" {
        return bench_reward(&args, inputs);
    }
    let task = args.session.cuebench_task()?;
    let mut session = reward_session(&args.session, inputs)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors = match args.input.filter(|p| p.as_os_str() != "-") {
        Some(path) => run_file(&mut session, task, &path, &mut out)?,
        None => run_stream(&mut session, task, &mut std::io::stdin().lock(), &mut out)?,
    };
    if errors > 0 {
        console::warning(&format!(
            "{errors} line(s) could not be scored and were answered with an error record"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The training rewards of `--bench` (a sibling benchmark) for `--task`.
fn bench_rewards(
    args: &RewardSessionArgs,
    inputs: &Inputs,
) -> anyhow::Result<cuebench::benchmarks::rewards::BenchRewards> {
    let task = args.task.as_deref().ok_or_else(|| {
        cuebench::Error::Usage(format!("--task is required with --bench {}", args.bench))
    })?;
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    Ok(cuebench::benchmarks::rewards::BenchRewards::open(
        &args.bench,
        task,
        &gt,
    )?)
}

/// `reward --bench vau-bench|vad-reasoning`: the sibling's training rewards,
/// one line out per completion line in (a file, or stdin as a stream).
fn bench_reward(args: &RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    let rewards = bench_rewards(&args.session, inputs)?;
    let (source, reader): (PathBuf, Box<dyn BufRead>) =
        match args.input.as_ref().filter(|p| p.as_os_str() != "-") {
            Some(path) => {
                let file = std::fs::File::open(path).map_err(|source| cuebench::Error::Io {
                    path: path.clone(),
                    source,
                })?;
                (path.clone(), Box::new(std::io::BufReader::new(file)))
            }
            None => (
                PathBuf::from("<stdin>"),
                Box::new(std::io::BufReader::new(std::io::stdin())),
            ),
        };
    let mut errors = 0;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| cuebench::Error::Io {
            path: source.clone(),
            source: e,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = cuebench::benchmarks::rewards::answer_line(&rewards, &line, i + 1, &source)
            .unwrap_or_else(|error| {
                errors += 1;
                error
            });
        emit(&format!("{record}\n"))?;
    }
    if errors > 0 {
        console::warning(&format!(
            "{errors} line(s) could not be scored and were answered with an error record"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(args: ValidateArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
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
            let outcome = cuebench::benchmarks::registry::run_benchmark(
                bench,
                Protocol::Unified,
                false,
                &request,
            )?;
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

/// Writes the `--per-sample` file when one was asked for; never over one of
/// the run's `inputs`.
fn write_per_sample(
    evaluations: &[Evaluation],
    path: Option<&Path>,
    inputs: &[PathBuf],
) -> anyhow::Result<()> {
    if let Some(path) = path {
        let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        cuebench::formats::records::write_output(
            path,
            per_sample_jsonl(evaluations).as_bytes(),
            &inputs,
        )?;
    }
    Ok(())
}

/// Every file an `eval` run reads (a predictions folder stands for the
/// `<task>.jsonl` files in it), so no output can replace one of them.
fn input_files(gt: &Path, predictions: &Path, taxonomy: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![gt.to_owned(), predictions.to_owned()];
    if predictions.is_dir() {
        files.extend(
            cuebench::benchmarks::registry::task_names()
                .into_iter()
                .map(|t| predictions.join(format!("{t}.jsonl"))),
        );
    }
    files.extend(taxonomy.map(Path::to_owned));
    files
}

/// `--threads` above this many per core is refused: more threads cannot help,
/// and an absurd count would exhaust the machine (each one reserves a stack).
const MAX_THREADS_PER_CORE: usize = 8;

/// Sizes the worker pool once; scores never depend on it.
fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let limit = cores * MAX_THREADS_PER_CORE;
        if n > limit {
            return Err(cuebench::Error::Usage(format!(
                "--threads {n} is more than {limit} ({MAX_THREADS_PER_CORE} per core on {cores} core(s))"
            ))
            .into());
        }
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
