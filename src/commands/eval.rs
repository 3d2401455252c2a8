//! `cuebench eval`: score predictions for one task or all of them, with one
//! embedding pass over every text the run needs.

use std::path::{Path, PathBuf};

use crate::embedding::EmbedOptions;
use crate::error::{Error, Result};
use crate::evaluate::{Session, SessionOptions, Settings, TaskPredictions};
use crate::formats::predictions::{Prediction, for_task, read_predictions};
use crate::report::Evaluation;
use crate::tasks::Task;

/// Inputs of a CueBench evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The tasks to score (one, or all for `--all`).
    pub tasks: Vec<Task>,
    /// The annotation file.
    pub gt: PathBuf,
    /// A predictions JSONL, or (for several tasks) a folder of `<task>.jsonl` files.
    pub predictions: PathBuf,
    /// Scoring choices.
    pub settings: Settings,
    /// The embedding model and how to run it.
    pub embed: EmbedOptions,
    /// `--taxonomy`; `None`: the built-in reconstruction.
    pub taxonomy: Option<PathBuf>,
}

impl EvalOptions {
    /// The session these options open.
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            gt: self.gt.clone(),
            taxonomy: self.taxonomy.clone(),
            settings: self.settings,
            embed: self.embed.clone(),
            ..SessionOptions::new(&self.gt)
        }
    }
}

/// Reads the files, embeds every needed text once, scores every sample of
/// every task and aggregates; one [`Evaluation`] per task, in task order.
pub fn run(options: &EvalOptions) -> Result<Vec<Evaluation>> {
    let mut session = Session::open(options.session_options())?;
    session.evaluate(&read_inputs(options)?)
}

/// Each task's predictions, read from `options.predictions`.
pub fn read_inputs(options: &EvalOptions) -> Result<Vec<TaskPredictions>> {
    let several = options.tasks.len() > 1;
    options
        .tasks
        .iter()
        .map(|&task| {
            let (predictions, source) = predictions_for(task, &options.predictions, several)?;
            Ok(TaskPredictions {
                task,
                predictions,
                source,
            })
        })
        .collect()
}

/// The predictions of `task`: from `<dir>/<task>.jsonl` when `path` is a
/// folder (no file: every sample is missing), else the lines of the file
/// tagged with the task (untagged lines too, unless several tasks share it).
fn predictions_for(task: Task, path: &Path, several: bool) -> Result<(Vec<Prediction>, PathBuf)> {
    if path.is_dir() {
        let file = path.join(format!("{}.jsonl", task.name()));
        if !file.exists() {
            return Ok((Vec::new(), file));
        }
        let preds = for_task(read_predictions(&file)?, task.name());
        return Ok((preds, file));
    }
    let all = read_predictions(path)?;
    if several && let Some(p) = all.iter().find(|p| p.task.is_none()) {
        return Err(Error::Field {
            path: path.to_owned(),
            line: p.line,
            field: "task".into(),
            message: "missing: a file scored for several tasks needs a `task` on every line".into(),
        });
    }
    Ok((for_task(all, task.name()), path.to_owned()))
}
