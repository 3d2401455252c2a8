//! `cuebench eval`: score predictions for one task or all of them, through
//! the benchmark registry and the library's one pipeline (findings ->
//! intervals -> groups -> results document), then print and write.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use cuebench::benchmarks::registry::{bench_names, protocol_names, run_benchmark, task_names};
use cuebench::benchmarks::run::{Finding, RunHeader, Scored};
use cuebench::benchmarks::{Request, Written};
use cuebench::config::{Input, Inputs};
use cuebench::console;
use cuebench::model::{BenchmarkId, Confidence, Evaluation, Protocol};
use cuebench::report::per_sample_jsonl;
use cuebench::report::render::EvalView;
use cuebench::report::results::write_output;

use super::args::{EmbedArgs, Grouping, OutputFormat, PredictionsLayout, ScoringArgs};
use super::emit;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Predictions: a JSONL file or JSON array ({"id", "response"} or {"id", "answer"},
    /// optional "task"), `-` for stdin, or with --all a folder of <task>.jsonl files; with
    /// --all, several folders are several runs, embedded in one pass (docs/many-runs.md).
    #[arg(required = true)]
    pub predictions: Vec<PathBuf>,
    /// The benchmark: cuebench, or a sibling (vau-bench, vad-reasoning).
    #[arg(long, default_value = "cuebench", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(bench_names())
              .try_map(|s| s.parse::<BenchmarkId>()))]
    pub bench: BenchmarkId,
    /// CueBench's protocol: `unified` (Table 2) or `separate` (Table 3: ranked labels,
    /// start/end and frame-level predictions of specialised models, docs/scoring.md §10).
    #[arg(long, default_value = "unified", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(protocol_names())
              .try_map(|s| s.parse::<Protocol>()))]
    pub protocol: Protocol,
    /// The task to score. cuebench: event, scene, attribute, anomaly-td, anomaly-bu, grounding,
    /// detection, anticipation; with --protocol separate: event, grounding, anomaly, detection;
    /// vau-bench: qa, grounding, cls, vau-eval (judged); vad-reasoning: reasoning, detection,
    /// llm-guided (judged).
    #[arg(long, conflicts_with = "all", help_heading = "Inputs",
          value_parser = PossibleValuesParser::new(task_names()))]
    pub task: Option<String>,
    /// Score every task of the benchmark into one row: the paper's Table 2 (cuebench), or
    /// Table 3 (--protocol separate).
    #[arg(long, help_heading = "Inputs")]
    pub all: bool,
    /// Annotation file (JSON array or JSONL of videos, docs/scoring.md §3.1); default:
    /// $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub gt: Option<PathBuf>,
    /// How the predictions file is laid out: cuebench records, or an lmms-eval
    /// `samples_*.jsonl` log (id from `doc.id`, response from `filtered_resps`).
    #[arg(long, value_enum, default_value_t, help_heading = "Inputs")]
    pub from: PredictionsLayout,
    /// WordNet 3.0 folder for METEOR (vad-reasoning); default: $CUEBENCH_WORDNET, then the
    /// data folder.
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub wordnet: Option<PathBuf>,
    /// vad-reasoning: read the published layout's `start`/`end` as frame numbers at --fps
    /// (default: seconds).
    #[arg(long, requires = "fps", help_heading = "Inputs")]
    pub frames: bool,
    /// Frames per second for --frames.
    #[arg(long, requires = "frames", help_heading = "Inputs")]
    pub fps: Option<f64>,
    /// --protocol separate: recognition scores the best of the first K labels [default: 5].
    #[arg(
        long,
        value_name = "K",
        help_heading = "Scoring (recorded in the signature)"
    )]
    pub top_k: Option<usize>,
    /// --protocol separate: a frame score above it is anomalous [default: 0.5].
    #[arg(long, help_heading = "Scoring (recorded in the signature)")]
    pub threshold: Option<f64>,
    /// Output format; `html` writes the self-contained report of `cuebench report` to stdout.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: OutputFormat,
    /// Also write every sample's id, status and scores to this JSONL file.
    #[arg(long, value_name = "OUT.jsonl", help_heading = "Output")]
    pub per_sample: Option<PathBuf>,
    /// Add each task's figures per group (repeatable; CueBench only; docs/report.md): table
    /// and markdown print a table per task after the results, csv prints one long table,
    /// json holds them in each result's `groups`.
    #[arg(long, value_enum, value_name = "GROUPING", help_heading = "Output")]
    pub by: Vec<Grouping>,
    /// Also write DIR/results.json and DIR/samples_<task>.jsonl (docs/results.md).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// The model's name in the results; default: the predictions' file or folder name.
    #[arg(long, help_heading = "Output")]
    pub name: Option<String>,
    /// Make likely mistakes input errors (exit 2): missing predictions, unknown ids, unread files.
    #[arg(long, help_heading = "Output")]
    pub strict: bool,
    /// Bootstrap confidence intervals (95%) for every figure that is a per-sample mean.
    #[arg(long, help_heading = "Output")]
    pub confidence: bool,
    /// Resamples of the bootstrap.
    #[arg(long, default_value_t = Confidence::default().n, help_heading = "Output")]
    pub confidence_n: usize,
    /// Seed of the bootstrap: the same seed gives the same intervals everywhere.
    #[arg(long, default_value_t = Confidence::default().seed, help_heading = "Output")]
    pub seed: u64,

    #[command(flatten)]
    pub scoring: ScoringArgs,
    #[command(flatten)]
    pub embedding: EmbedArgs,
    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// The LLM judge of the judged tasks (vad-reasoning llm-guided, vau-bench
/// vau-eval; docs/judge.md). The API key comes from $CUEBENCH_JUDGE_API_KEY,
/// then $OPENAI_API_KEY, never from a flag.
#[derive(Debug, Args)]
#[command(next_help_heading = "LLM judge (judged tasks; docs/judge.md)")]
pub struct JudgeArgs {
    /// An OpenAI-compatible API base, e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM, Ollama)
    /// or a hosted API.
    #[arg(long, value_name = "URL", requires = "judge_model")]
    judge_url: Option<String>,
    /// The judge model's name as the server knows it (recorded in the signature).
    #[arg(long, value_name = "NAME", requires = "judge_url")]
    judge_model: Option<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    judge_concurrency: usize,
    /// Seconds one request may take; a timeout is retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    judge_timeout: f64,
    /// Ask again even when a reply is cached (the new replies replace the cached ones).
    #[arg(long)]
    judge_refresh: bool,
    /// Reply cache folder; default: the user's cache folder (~/.cache/cuebench/judge on Linux).
    #[arg(long, value_name = "DIR")]
    judge_cache: Option<PathBuf>,
    /// How the request shapes the reply: json-schema (OpenAI, vLLM, llama.cpp, Ollama),
    /// json-object (e.g. DeepSeek) or none.
    #[arg(long, value_name = "FORMAT", default_value = "json-schema")]
    judge_format: cuebench::judge::ReplyFormat,
}

impl JudgeArgs {
    /// The judge's configuration, `None` without --judge-url.
    fn config(&self, quiet: bool) -> cuebench::Result<Option<cuebench::judge::JudgeConfig>> {
        let (Some(url), Some(model)) = (&self.judge_url, &self.judge_model) else {
            return Ok(None);
        };
        if self.judge_concurrency == 0 {
            return Err(cuebench::Error::Usage(
                "--judge-concurrency must be at least 1".into(),
            ));
        }
        if !(self.judge_timeout.is_finite() && self.judge_timeout > 0.0) {
            return Err(cuebench::Error::Usage(
                "--judge-timeout must be a positive number of seconds".into(),
            ));
        }
        Ok(Some(cuebench::judge::JudgeConfig {
            concurrency: self.judge_concurrency,
            timeout: std::time::Duration::from_secs_f64(self.judge_timeout),
            refresh: self.judge_refresh,
            cache_dir: self.judge_cache.clone(),
            format: self.judge_format,
            progress: !quiet,
            ..cuebench::judge::JudgeConfig::new(url, model)
        }))
    }
}

/// `eval --help`'s closing section: the common runs, each on the bundled examples.
pub const EVAL_EXAMPLES: &str = "\
Examples:
  # One task
  cuebench eval --task event --gt examples/annotations.json examples/predictions/event.jsonl
  # Every task: the Table 2 row (a folder of <task>.jsonl, or one file whose lines carry `task`)
  cuebench eval --all --gt examples/annotations.json examples/predictions/
  # With 95% bootstrap intervals, saved for compare, leaderboard and report
  cuebench eval --all --gt examples/annotations.json examples/predictions/ --confidence --output runs/base
  # Several runs (checkpoints) in one embedding pass: a row each, --output DIR/<run> each
  cuebench eval --all --gt gt.json runs/ckpt-*/ --output scored
  # Machine-readable
  cuebench eval --task grounding --gt examples/annotations.json examples/predictions/grounding.jsonl --format json
  # Specialised models (Table 3) and the sibling benchmarks
  cuebench eval --protocol separate --all --gt examples/separate/annotations.json examples/separate/predictions
  cuebench eval --bench vau-bench --task qa --gt examples/vau-bench/val.csv examples/vau-bench/predictions.jsonl";

/// Scores, prints in `--format` and writes `--per-sample` and `--output`.
pub fn eval(args: EvalArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    if args.task.is_none() && !args.all {
        return Err(cuebench::Error::Usage(
            "eval needs --task TASK to score one task, or --all to score every task (the \
             paper's Table 2 row; a file whose lines carry `task`, or a folder of \
             <task>.jsonl); see `cuebench eval --help`"
                .into(),
        )
        .into());
    }
    let [predictions] = args.predictions.as_slice() else {
        return super::eval_runs::eval_runs(&args, inputs);
    };
    let request = request(&args, inputs, predictions)?;
    // Outputs may never replace a file the run reads.
    let protected = input_files(
        &request.gt,
        &request.predictions,
        request.taxonomy.as_deref(),
    );
    let outcome = run_benchmark(args.bench, args.protocol, args.all, &request)?;
    report_findings(&outcome.run.findings, args.strict)?;
    let header = RunHeader {
        command: std::env::args().collect(),
        name: args
            .name
            .clone()
            .unwrap_or_else(|| default_name(predictions)),
        benchmark: args.bench,
        protocol: args.protocol,
    };
    let Scored {
        mut document,
        evaluations,
    } = outcome.run.into_document(header, confidence(&args))?;
    write_per_sample(&evaluations, args.per_sample.as_deref(), &protected)?;
    let text = args.format.0.renderer().eval(&EvalView {
        document: &document,
        evaluations: &evaluations,
        row: outcome.row,
        ci: args.confidence,
        by: !args.by.is_empty(),
    });
    if let Some(dir) = &args.output {
        let protected: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
        write_output(dir, &mut document, &evaluations, &protected)?;
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `--confidence`'s bootstrap settings, `None` without it.
pub(super) fn confidence(args: &EvalArgs) -> Option<Confidence> {
    args.confidence.then_some(Confidence {
        n: args.confidence_n,
        seed: args.seed,
        ..Confidence::default()
    })
}

/// What `eval` asks of the benchmark for `predictions`: the inputs found as
/// docs/scoring.md §13 says, the settings as given, and which inputs were
/// written as flags.
pub(super) fn request(
    args: &EvalArgs,
    inputs: &Inputs,
    predictions: &Path,
) -> anyhow::Result<Request> {
    Ok(Request {
        task: args.task.clone(),
        gt: inputs.required(Input::Gt, args.gt.as_deref())?,
        predictions: predictions.to_owned(),
        layout: args.from.into(),
        taxonomy: inputs.resolve(Input::Taxonomy, args.scoring.taxonomy.as_deref()),
        tau: args.scoring.tau,
        tiou: args.scoring.tiou,
        sem_norm: args.scoring.sem_norm,
        embed: args.embedding.options(inputs)?,
        wordnet: args.wordnet.clone(),
        frames_fps: args.fps.filter(|_| args.frames),
        top_k: args.top_k,
        threshold: args.threshold,
        by: args.by.iter().map(|&g| g.into()).collect(),
        judge: args.judge.config(args.embedding.quiet)?,
        written: Written {
            taxonomy: args.scoring.taxonomy.is_some(),
            model: args.embedding.model.is_some(),
        },
    })
}

/// Prints each likely mistake as a warning; with `--strict`, the first one
/// is an input error listing what it found.
pub fn report_findings(findings: &[Finding], strict: bool) -> anyhow::Result<()> {
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
pub fn default_name(predictions: &std::path::Path) -> String {
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

/// Writes the `--per-sample` file when one was asked for; never over one of
/// the run's `inputs`.
pub fn write_per_sample(
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
pub fn input_files(gt: &Path, predictions: &Path, taxonomy: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![gt.to_owned(), predictions.to_owned()];
    if predictions.is_dir() {
        files.extend(
            task_names()
                .into_iter()
                .map(|t| predictions.join(format!("{t}.jsonl"))),
        );
    }
    files.extend(taxonomy.map(Path::to_owned));
    files
}
