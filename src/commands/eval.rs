//! `cuebench eval`: score a predictions file for one task.

use std::path::PathBuf;

use crate::error::Result;
use crate::evaluate::{Settings, prepare, score_task};
use crate::formats::annotations::read_annotations;
use crate::formats::predictions::{for_task, index_by_id, read_predictions};
use crate::report::Evaluation;
use crate::signature::Signature;
use crate::tasks::Task;
use crate::tasks::derive::derive_samples;

/// Inputs of one CueBench evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The task.
    pub task: Task,
    /// The annotation file.
    pub gt: PathBuf,
    /// The predictions JSONL.
    pub predictions: PathBuf,
    /// Scoring choices.
    pub settings: Settings,
}

/// Reads the files, scores every sample and aggregates.
pub fn run(options: &EvalOptions) -> Result<Evaluation> {
    let videos = read_annotations(&options.gt)?;
    let samples = derive_samples(&videos, options.task);
    let predictions = for_task(read_predictions(&options.predictions)?, options.task.name());
    let by_id = index_by_id(&predictions, &options.predictions)?;
    let (prepared, unknown) = prepare(&samples, &by_id);
    let signature = signature(options.task, &options.settings);
    Ok(score_task(
        options.task,
        &prepared,
        unknown,
        &options.settings,
        signature.to_string(),
    ))
}

/// The SPEC 8 signature of a CueBench result.
pub fn signature(task: Task, settings: &Settings) -> Signature {
    Signature::new()
        .with("task", task)
        .with("model", "none")
        .with("tax", "none")
        .with("tiou", settings.tiou.name())
}
