//! The flag groups several subcommands share: scoring choices, the
//! embedding model and its speed knobs, the reward session, `--format`.
//! Every default comes from `cuebench::model::Settings`.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use cuebench::benchmarks::rewards::BenchRewards;
use cuebench::config::{Input, Inputs};
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::groups::GroupBy;
use cuebench::evaluate::{Session, SessionOptions};
use cuebench::exchange::ExchangeFormat;
use cuebench::formats::layout::Layout;
use cuebench::model::{BenchmarkId, SemNorm, Settings, TiouMode};
use cuebench::report::render::Format;
use cuebench::tasks::{Task, TaskName};

/// What `reward` and `serve` open their session with.
#[derive(Debug, Args)]
pub struct RewardSessionArgs {
    /// Whose training rewards: cuebench (CUE-R1), vau-bench (VAU-R1's GRPO rewards) or
    /// vad-reasoning (Vad-R1's AVA-GRPO rewards); a sibling needs --task and --gt.
    #[arg(long, default_value = "cuebench",
          value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::bench_names()))]
    pub bench: String,
    /// The task of lines without a "task" field (with --bench, the benchmark's task).
    #[arg(long, value_parser = PossibleValuesParser::new(cuebench::benchmarks::registry::task_names()))]
    pub task: Option<String>,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    pub gt: Option<PathBuf>,
    /// Weight of the semantic reward against the hierarchy reward (Eq. 5).
    #[arg(long, default_value_t = Settings::default().lambda)]
    pub lambda: f64,
    #[command(flatten)]
    pub scoring: ScoringArgs,
    #[command(flatten)]
    pub embedding: EmbedArgs,
}

impl RewardSessionArgs {
    /// Whether `--bench` names a sibling benchmark (not CueBench).
    pub fn sibling(&self) -> bool {
        self.bench != BenchmarkId::CueBench.name()
    }

    /// `--task` as a CueBench task (the only kind CUE-R1 takes).
    pub fn cuebench_task(&self) -> anyhow::Result<Option<Task>> {
        self.task
            .as_deref()
            .map(|t| {
                Task::parse_name(t).map_err(|e| {
                    cuebench::Error::Usage(format!(
                        "--task: {e} (a sibling benchmark's task needs --bench)"
                    ))
                })
            })
            .transpose()
            .map_err(Into::into)
    }
}

/// The training rewards of `--bench` (a sibling benchmark) for `--task`.
pub fn bench_rewards(args: &RewardSessionArgs, inputs: &Inputs) -> anyhow::Result<BenchRewards> {
    let task = args.task.as_deref().ok_or_else(|| {
        cuebench::Error::Usage(format!("--task is required with --bench {}", args.bench))
    })?;
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    Ok(BenchRewards::open(&args.bench, task, &gt)?)
}

/// The session `reward` and `serve` score with, ground truth embedded.
pub fn reward_session(args: &RewardSessionArgs, inputs: &Inputs) -> anyhow::Result<Session> {
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

/// `--format` of `eval`, `leaderboard` and `compare`: the library's
/// [`Format`], as clap parses it (clap stays out of the library); names and
/// help come from the library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputFormat(pub Format);

impl clap::ValueEnum for OutputFormat {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::LazyLock<Vec<OutputFormat>> =
            std::sync::LazyLock::new(|| Format::ALL.map(OutputFormat).to_vec());
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()).help(self.0.help()))
    }
}

/// `eval --by`: [`GroupBy`], as clap parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Grouping {
    /// Taxonomy branch: `anomaly` or `normality`.
    Branch,
    /// Taxonomy domain, e.g. `safety`.
    Domain,
    /// Taxonomy effect, e.g. `traffic`.
    Effect,
    /// The event node, e.g. `theft`.
    Event,
    /// The video's genre.
    Genre,
    /// The video's camera view.
    #[value(name = "camera_view")]
    CameraView,
}

impl From<Grouping> for GroupBy {
    fn from(grouping: Grouping) -> GroupBy {
        match grouping {
            Grouping::Branch => GroupBy::Branch,
            Grouping::Domain => GroupBy::Domain,
            Grouping::Effect => GroupBy::Effect,
            Grouping::Event => GroupBy::Event,
            Grouping::Genre => GroupBy::Genre,
            Grouping::CameraView => GroupBy::CameraView,
        }
    }
}

/// `eval --from`: the predictions' [`Layout`], as clap parses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PredictionsLayout {
    /// cuebench's own records (docs/scoring.md §3.3), as JSONL or one JSON array.
    #[default]
    Cuebench,
    /// lmms-eval's `samples_*.jsonl` log (0.7 included): the id from `doc.id`
    /// or `target`, the response from `resps` or `filtered_resps`.
    LmmsEval,
}

impl From<PredictionsLayout> for Layout {
    fn from(layout: PredictionsLayout) -> Layout {
        match layout {
            PredictionsLayout::Cuebench => Layout::Cuebench,
            PredictionsLayout::LmmsEval => Layout::LmmsEval,
        }
    }
}

/// `export --format`: the [`ExchangeFormat`], as clap parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Exchange {
    /// Every Eval Ever's `eval.schema.json` 0.3.0 record (with its per-sample
    /// companion when written to a folder).
    Eee,
    /// Hugging Face's `.eval_results/*.yaml` entries for a model repository.
    Hf,
}

impl From<Exchange> for ExchangeFormat {
    fn from(format: Exchange) -> ExchangeFormat {
        match format {
            Exchange::Eee => ExchangeFormat::Eee,
            Exchange::Hf => ExchangeFormat::Hf,
        }
    }
}

/// Choices that change numbers; all are recorded in the signature.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scoring (recorded in the signature)")]
pub struct ScoringArgs {
    /// TIoU for grounding and detection: merged `union` or Hungarian `matched` [default: union].
    #[arg(long)]
    pub tiou: Option<TiouMode>,
    /// Semantic score normalisation: the paper's 1/(r*t) (`rt`) or 1/max(r,t) (`max`)
    /// [default: rt].
    #[arg(long)]
    pub sem_norm: Option<SemNorm>,
    /// Hierarchy cut-off: pairs farther apart than tau * d_max score 0 (0..=1) [default: 1.0].
    #[arg(long)]
    pub tau: Option<f64>,
    /// Taxonomy file (docs/scoring.md §5); default: $CUEBENCH_TAXONOMY, then `taxonomy` in
    /// cuebench.toml, then the built-in reconstruction.
    #[arg(long, value_name = "FILE")]
    pub taxonomy: Option<PathBuf>,
}

impl ScoringArgs {
    /// The settings, defaults filling what was not given, with Eq. 5's `lambda`.
    pub fn settings(&self, lambda: f64) -> Settings {
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
pub struct EmbedArgs {
    /// Model folder (ONNX file, tokenizer.json, manifest.json); default: $CUEBENCH_MODEL,
    /// then `model` in cuebench.toml, then models/minilm-l6-v2 in the data folder.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// ONNX Runtime library; default: $ORT_DYLIB_PATH, next to the executable, then the data folders.
    #[arg(long, value_name = "FILE")]
    pub ort_library: Option<PathBuf>,
    /// Where the model runs: cpu, cuda or cuda:N (needs a build with --features cuda).
    #[arg(long, default_value = "cpu")]
    pub device: Device,
    /// Worker threads for scoring and the model (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Texts per model call. Results do not depend on it.
    #[arg(long, default_value_t = Settings::default().batch_size)]
    pub batch_size: usize,
    /// Vector cache folder; default: the user's cache folder (~/.cache/cuebench/embeddings on Linux).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write cached vectors.
    #[arg(long)]
    pub no_cache: bool,
    /// No progress bar (on a terminal) or progress lines (in a log).
    #[arg(long)]
    pub quiet: bool,
}

impl EmbedArgs {
    /// Sizes the worker pool and returns the embedding options, the model
    /// folder found as docs/scoring.md §13 says.
    pub fn options(&self, inputs: &Inputs) -> anyhow::Result<EmbedOptions> {
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

/// Sizes the worker pool once; scores never depend on it.
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        cuebench::embedding::check_threads(n)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot size the thread pool: {e}"))?;
    }
    Ok(())
}

/// A clap parser for a `--task` flag taking one of `T`'s tasks: `--help`
/// lists the names and a near miss gets clap's "a similar value exists".
pub fn task_parser<T: TaskName + 'static>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::names()).try_map(|name| T::parse_name(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_parser_suggests_near_misses() {
        let cmd = clap::Command::new("t").arg(
            clap::Arg::new("task")
                .long("task")
                .value_parser(task_parser::<Task>()),
        );
        let m = cmd
            .clone()
            .try_get_matches_from(["t", "--task", "anomaly-bu"]);
        assert_eq!(m.unwrap().get_one::<Task>("task"), Some(&Task::AnomalyBu));
        let err = cmd
            .try_get_matches_from(["t", "--task", "anomaly_bu"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a similar value exists: 'anomaly-bu'"),
            "{err}"
        );
    }
}
