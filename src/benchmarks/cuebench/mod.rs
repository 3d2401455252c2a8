//! CueBench under its unified protocol (docs/scoring.md §2-8): score
//! predictions for one task or all of them, with one embedding pass over
//! every text the run needs; describe the run (docs/scoring.md §11) and say
//! when it scores nothing for a likely mistake. Its `--all` row is the
//! paper's Table 2.

pub mod findings;
pub mod sources;

use std::path::PathBuf;

use super::Benchmark;
use super::run::{EvalRun, Finding, input_file};
use super::validate::{self, Validation};
use super::{Flag, Request};
use crate::embedding::{EmbedOptions, model_dir};
use crate::error::{Error, Result};
use crate::evaluate::groups::{GroupBy, breakdown};
use crate::evaluate::{Session, SessionOptions, TaskPredictions};
use crate::formats::layout::Layout;
use crate::model::names::{HIER, SEM, STRUCT, TIOU};
use crate::model::{
    BenchmarkId, Group, InputFile, Inputs, ModelInput, RowGroup, Settings, TaxonomyInput,
};
use crate::tasks::{Task, TaskName};
use findings::task_findings;
use sources::{ReadSource, TaskSource, folder_findings, read_sources, task_sources};

/// The paper's Table 2 (CueBench, unified protocol): 20 columns.
pub const TABLE2: [RowGroup; 8] = [
    ("event", "Event", &[STRUCT, SEM, HIER]),
    ("scene", "Scene", &[STRUCT, SEM]),
    ("attribute", "Attribute", &[STRUCT, SEM]),
    ("anomaly-td", "Anomaly TD", &[STRUCT, SEM, HIER]),
    ("anomaly-bu", "Anomaly BU", &[STRUCT, SEM, HIER]),
    ("grounding", "Grounding", &[STRUCT, TIOU]),
    ("detection", "Detection", &[STRUCT, TIOU]),
    ("anticipation", "Anticipation", &[STRUCT, SEM, HIER]),
];

/// Inputs of a CueBench evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The tasks to score (one, or all for `--all`).
    pub tasks: Vec<Task>,
    /// The annotation file.
    pub gt: PathBuf,
    /// A predictions file (`-`: standard input), or (for several tasks) a
    /// folder of `<task>.jsonl` files.
    pub predictions: PathBuf,
    /// How the predictions file is laid out (`--from`).
    pub layout: Layout,
    /// Scoring choices.
    pub settings: Settings,
    /// The embedding model and how to run it.
    pub embed: EmbedOptions,
    /// `--taxonomy`; `None`: the built-in reconstruction.
    pub taxonomy: Option<PathBuf>,
    /// `--by`: the groupings whose per-group figures to add (none: no groups).
    pub by: Vec<GroupBy>,
}

impl EvalOptions {
    /// The session these options open.
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            gt: self.gt.clone(),
            taxonomy: self.taxonomy.clone(),
            settings: self.settings,
            embed: self.embed.clone(),
        }
    }
}

/// Reads the files, embeds every needed text once, scores every sample of
/// every task and aggregates; one [`Evaluation`] per task, in task order.
pub fn run(options: &EvalOptions) -> Result<EvalRun> {
    let mut session = Session::open(options.session_options())?;
    run_in(&mut session, options)
}

/// [`run`] with a session already open (the Python package keeps one);
/// `session` must have been opened with `options.session_options()`.
pub fn run_in(session: &mut Session, options: &EvalOptions) -> Result<EvalRun> {
    let read = read_run(options)?;
    score_read(session, options, &read)
}

/// A run's predictions, every file read (once) but nothing scored yet:
/// several runs read first share one embedding pass
/// ([`Session::embed_ahead`], `benchmarks::many_runs`).
pub struct ReadRun {
    sources: Vec<TaskSource>,
    read: Vec<ReadSource>,
}

impl ReadRun {
    /// Each task's predictions, in task order.
    pub fn inputs(&self) -> Vec<TaskPredictions> {
        self.read.iter().map(|r| r.input.clone()).collect()
    }
}

/// Reads the predictions `options` name (a file is read once, standard
/// input included, and split by task); an unreadable file is an error
/// naming it.
pub fn read_run(options: &EvalOptions) -> Result<ReadRun> {
    let sources = task_sources(&options.tasks, &options.predictions);
    let read = read_sources(&sources, options.layout)?;
    Ok(ReadRun { sources, read })
}

/// Scores a run read by [`read_run`] with the same `options`, embedding
/// what the session does not hold yet; `session` must have been opened
/// with `options.session_options()`.
pub fn score_read(session: &mut Session, options: &EvalOptions, run: &ReadRun) -> Result<EvalRun> {
    let (sources, read) = (&run.sources, &run.read);
    let evaluations = session.evaluate(&run.inputs())?;
    let mut findings = folder_findings(sources, &options.predictions);
    let mut groups = Vec::new();
    for (r, e) in read.iter().zip(&evaluations) {
        findings.extend(task_findings(session, r, e));
        let task = r.input.task;
        let samples = session.samples(task);
        let task_groups = breakdown(task, session.videos(), samples, &e.samples, &options.by);
        findings.extend(group_findings(options, task, samples.len(), &task_groups));
        groups.push(task_groups);
    }
    Ok(EvalRun {
        inputs: cuebench_inputs(options, session, sources)?,
        settings: settings_map(&options.settings),
        evaluations,
        groups,
        findings,
    })
}

/// Each task's predictions, read from `options.predictions`. A file is read
/// once (standard input can only be read once) and split by task.
pub fn read_inputs(options: &EvalOptions) -> Result<Vec<TaskPredictions>> {
    Ok(read_run(options)?.inputs())
}

/// A `--by` that leaves every sample of a task out (no video has the field)
/// prints nothing for it: say so.
fn group_findings(
    options: &EvalOptions,
    task: Task,
    samples: usize,
    groups: &[Group],
) -> Vec<Finding> {
    options
        .by
        .iter()
        .filter(|by| samples > 0 && !groups.iter().any(|g| g.by == by.name()))
        .map(|by| Finding {
            message: format!("--by {}: no {task} sample falls in a group", by.name()),
            hint: format!("; does any video of {} have it?", options.gt.display()),
            items: Vec::new(),
            warn: true,
        })
        .collect()
}

/// The inputs of a CueBench run with their hashes.
fn cuebench_inputs(
    options: &EvalOptions,
    session: &Session,
    sources: &[TaskSource],
) -> Result<Inputs> {
    let mut predictions: Vec<InputFile> = Vec::new();
    for s in sources.iter().filter(|s| s.exists) {
        if !predictions.iter().any(|p| p.path == s.file) {
            predictions.push(input_file(&s.file)?);
        }
    }
    let model = session.model();
    let settings = model.vectors.as_ref();
    Ok(Inputs {
        annotations: input_file(&options.gt)?,
        predictions,
        taxonomy: session.taxonomy().map(|t| TaxonomyInput {
            path: options.taxonomy.clone(),
            name: t.name().to_owned(),
            version: t.version().to_owned(),
            sha256: t.sha256().to_owned(),
        }),
        model: Some(ModelInput {
            path: model_dir(&options.embed),
            name: model.name.clone(),
            sha256: model.sha256.clone(),
            pooling: settings.map(|v| v.pooling.clone()),
            max_length: settings.map(|v| v.max_length),
            normalize: settings.map(|v| v.normalize),
        }),
    })
}

/// The scoring settings as results record them.
fn settings_map(settings: &Settings) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("tiou".into(), settings.tiou.name().into());
    map.insert("sem_norm".into(), settings.sem_norm.to_string().into());
    map.insert("tau".into(), settings.tau.into());
    map
}

/// CueBench under its unified protocol (docs/scoring.md §2-8).
pub struct CueBench;

impl Benchmark for CueBench {
    fn id(&self) -> BenchmarkId {
        BenchmarkId::CueBench
    }

    fn task_names(&self) -> &'static [&'static str] {
        Task::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[
            Flag::Taxonomy,
            Flag::Tau,
            Flag::Tiou,
            Flag::SemNorm,
            Flag::Model,
            Flag::From,
            Flag::By,
        ]
    }

    fn row(&self) -> Option<&'static [RowGroup]> {
        Some(&TABLE2)
    }

    /// Reads every line, id and answer against the annotations without
    /// scoring (`--task T`, `--all`, or every task a line names).
    fn check(&self, request: &Request, all: bool) -> Option<Result<Validation>> {
        let tasks = match (&request.task, all) {
            (Some(t), _) => match t.parse::<Task>() {
                Ok(task) => Some(vec![task]),
                Err(e) => return Some(Err(Error::Usage(format!("--task: {e}")))),
            },
            (None, true) => Some(Task::ALL.to_vec()),
            (None, false) => None,
        };
        Some(validate::run(
            &request.predictions,
            &request.gt,
            tasks.as_deref(),
        ))
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        run(&eval_options(request)?)
    }
}

/// The evaluation options of an `eval` request: the settings not given
/// take [`Settings::default`].
pub fn eval_options(request: &Request) -> Result<EvalOptions> {
    let defaults = Settings::default();
    Ok(EvalOptions {
        tasks: request.tasks::<Task>()?,
        gt: request.gt.clone(),
        predictions: request.predictions.clone(),
        layout: request.layout,
        settings: Settings {
            tiou: request.tiou.unwrap_or(defaults.tiou),
            sem_norm: request.sem_norm.unwrap_or(defaults.sem_norm),
            tau: request.tau.unwrap_or(defaults.tau),
            ..defaults
        },
        embed: request.embed.clone(),
        taxonomy: request.taxonomy.clone(),
        by: request.by.clone(),
    })
}
