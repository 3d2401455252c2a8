//! `cuebench eval`: score predictions for one task or all of them, with one
//! embedding pass over every text the run needs.

use std::path::{Path, PathBuf};

use crate::embedding::{EmbedOptions, ModelId, embed_texts, lazy_embedder, model_id};
use crate::error::{Error, Result};
use crate::evaluate::context::{Hierarchy, TextContext, candidate_texts, value_texts};
use crate::evaluate::{Prepared, Settings, prepare, score_task};
use crate::formats::annotations::{Video, read_annotations};
use crate::formats::predictions::{Prediction, for_task, index_by_id, read_predictions};
use crate::report::Evaluation;
use crate::signature::{Signature, resource_id};
use crate::tasks::Task;
use crate::tasks::derive::{Sample, derive_samples};
use crate::taxonomy::{Taxonomy, add_ground_truth};

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

/// Reads the files, embeds every needed text once, scores every sample of
/// every task and aggregates; one [`Evaluation`] per task, in task order.
pub fn run(options: &EvalOptions) -> Result<Vec<Evaluation>> {
    check_settings(&options.settings)?;
    let inputs = Inputs::read(options)?;
    let prepared = inputs.prepare()?;
    let (taxonomy, tax_id) =
        load_taxonomy(options.taxonomy.as_deref(), &inputs.videos, &options.gt)?;
    let model = model_id(&options.embed)?;
    let text = text_context(options, &prepared, taxonomy)?;
    Ok(prepared
        .iter()
        .map(|(task, p, unknown)| {
            let signature = signature(*task, &options.settings, &model, &tax_id);
            score_task(
                *task,
                p,
                *unknown,
                &options.settings,
                text.as_ref(),
                signature.to_string(),
            )
        })
        .collect())
}

/// Every text a run over `options` embeds: answers, ground truth and (with
/// a hierarchy task) the taxonomy candidates, each once.
pub fn texts_to_embed(options: &EvalOptions) -> Result<Vec<String>> {
    let inputs = Inputs::read(options)?;
    let prepared = inputs.prepare()?;
    let (taxonomy, _) = load_taxonomy(options.taxonomy.as_deref(), &inputs.videos, &options.gt)?;
    let mut texts = run_texts(options, &prepared, &taxonomy);
    // Candidate texts may repeat answer or ground-truth texts.
    texts.sort_unstable();
    texts.dedup();
    Ok(texts)
}

/// What a run reads: the annotations, and per task its samples and predictions.
struct Inputs {
    videos: Vec<Video>,
    samples: Vec<(Task, Vec<Sample>)>,
    predictions: Vec<(Vec<Prediction>, PathBuf)>,
}

/// Each task with its prepared samples and its number of unknown ids.
type PreparedTasks<'a> = Vec<(Task, Vec<Prepared<'a>>, usize)>;

impl Inputs {
    fn read(options: &EvalOptions) -> Result<Self> {
        let videos = read_annotations(&options.gt)?;
        let samples = options
            .tasks
            .iter()
            .map(|&t| (t, derive_samples(&videos, t)))
            .collect();
        let predictions = options
            .tasks
            .iter()
            .map(|&t| predictions_for(t, &options.predictions, options.tasks.len() > 1))
            .collect::<Result<_>>()?;
        Ok(Inputs {
            videos,
            samples,
            predictions,
        })
    }

    /// Pairs every sample with its prediction; a duplicate id is an error.
    fn prepare(&self) -> Result<PreparedTasks<'_>> {
        self.samples
            .iter()
            .zip(&self.predictions)
            .map(|((task, samples), (preds, path))| {
                let (prepared, unknown) = prepare(samples, &index_by_id(preds, path)?);
                Ok((*task, prepared, unknown))
            })
            .collect()
    }
}

fn check_settings(settings: &Settings) -> Result<()> {
    if !(0.0..=1.0).contains(&settings.tau) {
        return Err(Error::Usage(format!(
            "--tau must lie in [0, 1], got {}",
            settings.tau
        )));
    }
    Ok(())
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

/// The taxonomy (`--taxonomy` or the built-in one) with every ground-truth
/// triplet added (SPEC 5), and its signature id (of the file as given).
/// Loaded for every run, so signatures never depend on which tasks ran.
fn load_taxonomy(path: Option<&Path>, videos: &[Video], gt: &Path) -> Result<(Taxonomy, String)> {
    let mut taxonomy = Taxonomy::load_or_builtin(path)?;
    let id = resource_id(
        &format!("{}-{}", taxonomy.name(), taxonomy.version()),
        taxonomy.sha256(),
    );
    add_ground_truth(&mut taxonomy, videos, gt)?;
    Ok((taxonomy, id))
}

/// Embeds every text the run needs in one pass; `None` when no task has a
/// semantic score (then no model is loaded).
fn text_context(
    options: &EvalOptions,
    prepared: &PreparedTasks<'_>,
    taxonomy: Taxonomy,
) -> Result<Option<TextContext>> {
    if !options.tasks.iter().any(|t| t.has_semantic()) {
        return Ok(None);
    }
    let texts = run_texts(options, prepared, &taxonomy);
    let mut embedder = lazy_embedder(&options.embed)?;
    let vectors = embed_texts(embedder.as_mut(), &texts, &options.embed)?;
    let hierarchy = needs_hierarchy(options).then(|| {
        let mut h = Hierarchy::new(taxonomy, options.settings.tau);
        h.add_proxies(&vectors, views(prepared));
        h
    });
    Ok(Some(TextContext { vectors, hierarchy }))
}

/// The texts of [`texts_to_embed`], from prepared samples.
fn run_texts(
    options: &EvalOptions,
    prepared: &PreparedTasks<'_>,
    taxonomy: &Taxonomy,
) -> Vec<String> {
    let mut texts = value_texts(views(prepared));
    if needs_hierarchy(options) {
        texts.extend(candidate_texts(taxonomy));
    }
    texts
}

fn needs_hierarchy(options: &EvalOptions) -> bool {
    options.tasks.iter().any(|t| t.has_hierarchy())
}

/// Every prepared sample with its task.
fn views<'a>(prepared: &'a PreparedTasks<'a>) -> impl Iterator<Item = (Task, &'a Prepared<'a>)> {
    prepared
        .iter()
        .flat_map(|(t, ps, _)| ps.iter().map(move |p| (*t, p)))
}

/// The SPEC 8 signature of a CueBench result.
pub fn signature(task: Task, settings: &Settings, model: &ModelId, taxonomy: &str) -> Signature {
    Signature::new()
        .with("task", task)
        .with("model", model)
        .with("tax", taxonomy)
        .with("tau", format!("{:?}", settings.tau))
        .with("sem-norm", settings.sem_norm)
        .with("tiou", settings.tiou.name())
}
