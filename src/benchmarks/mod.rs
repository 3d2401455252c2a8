//! Benchmarks and protocols besides CueBench's unified one: each reads its
//! inputs, scores, and hands back the common
//! [`Evaluation`](crate::model::Evaluation)s, so the same reports serve all
//! of them. What `eval` asks of any of them is one [`Request`]; the
//! command line dispatches through `commands::benchmarks`, where every
//! benchmark is registered with its tasks, flags and row layout.

pub mod cuebench;
pub mod many_runs;
pub mod registry;
pub mod rewards;
pub mod run;
pub mod separate;
pub mod vad_reasoning;
pub mod validate;
pub mod vau_bench;

use std::path::PathBuf;

use crate::embedding::EmbedOptions;
use crate::error::{Error, Result};
use crate::evaluate::groups::GroupBy;
use crate::formats::layout::Layout;
use crate::judge::JudgeConfig;
use crate::model::{BenchmarkId, Protocol, RowGroup};
use crate::model::{SemNorm, TiouMode};
use crate::tasks::TaskName;
use run::EvalRun;
use validate::Validation;

/// An `eval` flag that only some benchmarks read; giving one to a
/// benchmark that does not read it is a usage error, never ignored. Read
/// off the [`Request`] ([`Request::flags`]), so no caller names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    /// `--taxonomy`.
    Taxonomy,
    /// `--tau`.
    Tau,
    /// `--tiou`.
    Tiou,
    /// `--sem-norm`.
    SemNorm,
    /// `--model`.
    Model,
    /// `--from`.
    From,
    /// `--wordnet`.
    Wordnet,
    /// `--frames` / `--fps`.
    Frames,
    /// `--top-k`.
    TopK,
    /// `--threshold`.
    Threshold,
    /// `--by`.
    By,
    /// `--judge-url`, `--judge-model` and the other `--judge-*` flags.
    Judge,
}

impl Flag {
    /// The flag as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Taxonomy => "--taxonomy",
            Flag::Tau => "--tau",
            Flag::Tiou => "--tiou",
            Flag::SemNorm => "--sem-norm",
            Flag::Model => "--model",
            Flag::From => "--from",
            Flag::Wordnet => "--wordnet",
            Flag::Frames => "--frames",
            Flag::TopK => "--top-k",
            Flag::Threshold => "--threshold",
            Flag::By => "--by",
            Flag::Judge => "--judge-url",
        }
    }
}

/// What `eval` asks of a benchmark: the inputs (found as docs/scoring.md
/// §13 says), every optional setting as given (`None`: not given, the
/// benchmark's default applies) and which flags were written out.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--task`, already checked to be one of the benchmark's tasks;
    /// `None` with `--all`.
    pub task: Option<String>,
    /// `--gt`.
    pub gt: PathBuf,
    /// The predictions file or folder.
    pub predictions: PathBuf,
    /// `--from`: how a CueBench predictions file is laid out.
    pub layout: Layout,
    /// `--taxonomy`.
    pub taxonomy: Option<PathBuf>,
    /// `--tau`.
    pub tau: Option<f64>,
    /// `--tiou`.
    pub tiou: Option<TiouMode>,
    /// `--sem-norm`.
    pub sem_norm: Option<SemNorm>,
    /// The embedding options (`--model` and the rest).
    pub embed: EmbedOptions,
    /// `--wordnet`.
    pub wordnet: Option<PathBuf>,
    /// `--frames --fps F`: the frames per second.
    pub frames_fps: Option<f64>,
    /// `--top-k`.
    pub top_k: Option<usize>,
    /// `--threshold`.
    pub threshold: Option<f64>,
    /// `--by`: the groupings whose per-group figures to add (docs/report.md).
    pub by: Vec<GroupBy>,
    /// The LLM judge (`--judge-url`, `--judge-model`, ...; docs/judge.md).
    pub judge: Option<JudgeConfig>,
    /// Which inputs that may also come from the environment or
    /// cuebench.toml were written as flags.
    pub written: Written,
}

/// `--taxonomy` and `--model` as written on the command line: a benchmark
/// that does not read one refuses it, but never a value found in the
/// environment or cuebench.toml (docs/scoring.md §13).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// `--taxonomy` was given.
    pub taxonomy: bool,
    /// `--model` was given.
    pub model: bool,
}

impl Request {
    /// The optional flags this request was given; one the benchmark does
    /// not read is a usage error.
    pub(crate) fn flags(&self) -> Vec<Flag> {
        [
            (Flag::Taxonomy, self.written.taxonomy),
            (Flag::Tau, self.tau.is_some()),
            (Flag::Tiou, self.tiou.is_some()),
            (Flag::SemNorm, self.sem_norm.is_some()),
            (Flag::Model, self.written.model),
            (Flag::From, self.layout != Layout::Cuebench),
            (Flag::Wordnet, self.wordnet.is_some()),
            (Flag::Frames, self.frames_fps.is_some()),
            (Flag::TopK, self.top_k.is_some()),
            (Flag::Threshold, self.threshold.is_some()),
            (Flag::By, !self.by.is_empty()),
            (Flag::Judge, self.judge.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }

    /// The tasks to score: the one named, or every task with `--all`.
    pub fn tasks<T: TaskName>(&self) -> Result<Vec<T>> {
        match &self.task {
            None => Ok(T::all().to_vec()),
            Some(name) => T::parse_name(name)
                .map(|t| vec![t])
                .map_err(|e| Error::Usage(format!("--task: {e}"))),
        }
    }
}

/// A benchmark or protocol `eval` can score.
pub(crate) trait Benchmark: Sync {
    /// Its `--bench` value.
    fn id(&self) -> BenchmarkId;

    /// Its `--protocol` value.
    fn protocol(&self) -> Protocol {
        Protocol::Unified
    }

    /// Its task names, in order.
    fn task_names(&self) -> &'static [&'static str];

    /// The optional flags it reads.
    fn flags(&self) -> &'static [Flag];

    /// The `--all` row layout (a paper table); `None`: no `--all`.
    fn row(&self) -> Option<&'static [RowGroup]> {
        None
    }

    /// Scores the request: one evaluation per task, in task order, with
    /// the run's inputs, settings and likely mistakes.
    fn run(&self, request: &Request) -> Result<EvalRun>;

    /// `validate`'s check of the request's predictions (`all`: `--all`)
    /// without scoring, where the benchmark has one; `None` (the default):
    /// they are checked by scoring them ([`registry::validate_benchmark`]).
    fn check(&self, _request: &Request, _all: bool) -> Option<Result<Validation>> {
        None
    }
}
