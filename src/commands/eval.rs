//! `cuebench eval`: score predictions for one task or all of them, with one
//! embedding pass over every text the run needs.

use std::path::{Path, PathBuf};

use crate::embedding::EmbedOptions;
use crate::error::{Error, Result};
use crate::evaluate::{Session, SessionOptions, Settings, TaskPredictions};
use crate::formats::predictions::{
    Layout, Prediction, for_task, read_predictions, read_predictions_from,
};
use crate::report::Evaluation;
use crate::tasks::Task;

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

/// Each task's predictions, read from `options.predictions`. A file is read
/// once (standard input can only be read once) and split by task.
pub fn read_inputs(options: &EvalOptions) -> Result<Vec<TaskPredictions>> {
    let path = &options.predictions;
    let several = options.tasks.len() > 1;
    let whole_file = match path.is_dir() {
        true => None,
        false => Some(read_shared_file(path, options.layout, several)?),
    };
    options
        .tasks
        .iter()
        .map(|&task| {
            let (predictions, source) = match &whole_file {
                Some(all) => (for_task(all.clone(), task.name()), path.to_owned()),
                None => task_file_in(task, path)?,
            };
            Ok(TaskPredictions {
                task,
                predictions,
                source,
            })
        })
        .collect()
}

/// The predictions of `task` from `<dir>/<task>.jsonl` (no file: every
/// sample is missing).
fn task_file_in(task: Task, dir: &Path) -> Result<(Vec<Prediction>, PathBuf)> {
    let file = dir.join(format!("{}.jsonl", task.name()));
    if !file.exists() {
        return Ok((Vec::new(), file));
    }
    let preds = for_task(read_predictions(&file)?, task.name());
    Ok((preds, file))
}

/// Every prediction of one file; scored for several tasks, each line must
/// say its task (untagged lines are kept when one task is scored).
fn read_shared_file(path: &Path, layout: Layout, several: bool) -> Result<Vec<Prediction>> {
    let all = read_predictions_from(path, layout)?;
    if several && let Some(p) = all.iter().find(|p| p.task.is_none()) {
        return Err(Error::Field {
            path: path.to_owned(),
            line: p.line,
            field: "task".into(),
            message: "missing: a file scored for several tasks needs a `task` on every line".into(),
        });
    }
    Ok(all)
}
