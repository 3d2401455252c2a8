//! Benchmarks and protocols, all of one shape ([`Benchmark`]): each names
//! its tasks and the `eval` flags it reads, reads its inputs, scores, and
//! hands back the common [`Evaluation`]s, so the same reports serve all of
//! them. The command line dispatches through `commands::benchmarks`, whose
//! registry lists one line per benchmark.

pub mod separate;
pub mod vad_reasoning;
pub mod vau_bench;

use std::path::PathBuf;

use crate::embedding::EmbedOptions;
use crate::error::{Error, Result};
use crate::metrics::semantic::SemNorm;
use crate::metrics::temporal::TiouMode;
use crate::report::Evaluation;
use crate::tasks::TaskName;

/// The protocol of every benchmark but CueBench's separate one.
pub const UNIFIED: &str = "unified";

/// An `eval` flag that only some benchmarks read; giving one to a
/// benchmark that does not read it is a usage error, never ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
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
    /// `--wordnet`.
    Wordnet,
    /// `--frames` / `--fps`.
    Frames,
    /// `--top-k`.
    TopK,
    /// `--threshold`.
    Threshold,
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
            Flag::Wordnet => "--wordnet",
            Flag::Frames => "--frames",
            Flag::TopK => "--top-k",
            Flag::Threshold => "--threshold",
        }
    }
}

/// What `eval` asks of a benchmark: the inputs and every optional flag as
/// given (`None`: not given, the benchmark's default applies).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--task`, already checked to be one of the benchmark's tasks;
    /// `None` with `--all`.
    pub task: Option<String>,
    /// `--gt`.
    pub gt: PathBuf,
    /// The predictions file or folder.
    pub predictions: PathBuf,
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
}

impl Request {
    /// The flags of [`Flag`] that were given.
    pub fn given(&self) -> Vec<Flag> {
        [
            (Flag::Taxonomy, self.taxonomy.is_some()),
            (Flag::Tau, self.tau.is_some()),
            (Flag::Tiou, self.tiou.is_some()),
            (Flag::SemNorm, self.sem_norm.is_some()),
            (Flag::Model, self.embed.model_dir.is_some()),
            (Flag::Wordnet, self.wordnet.is_some()),
            (Flag::Frames, self.frames_fps.is_some()),
            (Flag::TopK, self.top_k.is_some()),
            (Flag::Threshold, self.threshold.is_some()),
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

/// A group of the `--all` row: the task, its heading and its figures, as
/// in the paper's tables.
pub type RowGroup = (&'static str, &'static str, &'static [&'static str]);

/// A benchmark or protocol `eval` can score.
pub trait Benchmark: Sync {
    /// Its `--bench` value, e.g. `vau-bench`.
    fn name(&self) -> &'static str;

    /// Its `--protocol` value.
    fn protocol(&self) -> &'static str {
        UNIFIED
    }

    /// Its task names, in order.
    fn task_names(&self) -> &'static [&'static str];

    /// The optional flags it reads.
    fn flags(&self) -> &'static [Flag];

    /// The `--all` row layout (a paper table); `None`: no `--all`.
    fn row(&self) -> Option<&'static [RowGroup]> {
        None
    }

    /// Scores the request: one [`Evaluation`] per task, in task order.
    fn evaluate(&self, request: &Request) -> Result<Vec<Evaluation>>;
}
