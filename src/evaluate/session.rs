//! A scoring session: everything a run sets up once — annotations, the
//! taxonomy with the ground truth added, every task's samples, the embedding
//! model and the vectors embedded so far — and then scores with, again and
//! again. `eval`, `reward`, `bench`, the reward server and the Python
//! package all score through it, so they cannot drift apart.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::context::{Hierarchy, TextContext, candidate_texts, value_texts};
use super::cue_r1::{DEFAULT_LAMBDA, Reward, reward};
use super::{Prepared, SampleScores, Settings, prepare, prepare_one, score_prepared, score_task};
use crate::embedding::{EmbedOptions, Embedder, ModelId, embed_texts, lazy_embedder, model_id};
use crate::error::{Error, Result};
use crate::formats::annotations::{Video, read_annotations};
use crate::formats::predictions::{Prediction, PredictionContent, index_by_id};
use crate::provenance::input_sha256;
use crate::report::{Evaluation, SampleStatus};
use crate::signature::{Signature, resource_id};
use crate::tasks::Task;
use crate::tasks::derive::{Sample, derive_samples};
use crate::taxonomy::{Taxonomy, add_ground_truth};

/// What a session is opened with.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The annotation file (docs/scoring.md §3.1).
    pub gt: PathBuf,
    /// `--taxonomy`; `None`: the built-in reconstruction.
    pub taxonomy: Option<PathBuf>,
    /// Scoring choices (all in the signature).
    pub settings: Settings,
    /// Eq. 5's lambda, for rewards (docs/scoring.md §7).
    pub lambda: f64,
    /// The embedding model and how to run it.
    pub embed: EmbedOptions,
}

impl SessionOptions {
    /// Options with the default settings, lambda and model for `gt`.
    pub fn new(gt: impl Into<PathBuf>) -> Self {
        SessionOptions {
            gt: gt.into(),
            taxonomy: None,
            settings: Settings::default(),
            lambda: DEFAULT_LAMBDA,
            embed: EmbedOptions::default(),
        }
    }

    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.settings.tau) {
            return Err(Error::Usage(format!(
                "--tau must lie in [0, 1], got {}",
                self.settings.tau
            )));
        }
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(Error::Usage(format!(
                "--lambda must lie in [0, 1], got {}",
                self.lambda
            )));
        }
        Ok(())
    }
}

/// One task's predictions, as read from `source` (named in error messages).
#[derive(Debug, Clone)]
pub struct TaskPredictions {
    /// The task they answer.
    pub task: Task,
    /// The prediction lines.
    pub predictions: Vec<Prediction>,
    /// The file they came from.
    pub source: PathBuf,
}

/// One completion to reward: a model's answer to one sample.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The sample id (docs/scoring.md §3.2).
    pub id: String,
    /// The sample's task.
    pub task: Task,
    /// The response or pre-parsed answer.
    pub content: PredictionContent,
}

/// A rewarded completion.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardedCompletion {
    /// The completion's task.
    pub task: Task,
    /// `scored` or `parse_failed` (a malformed answer scores, it is no error).
    pub status: SampleStatus,
    /// The reward and its parts (Eq. 5-7).
    pub reward: Reward,
}

/// A completion whose `(task, id)` is not a sample of the ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSample {
    /// The task asked for.
    pub task: Task,
    /// The id asked for.
    pub id: String,
}

impl std::fmt::Display for UnknownSample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not a {} sample of the ground truth",
            self.id, self.task
        )
    }
}

/// A loaded scorer (see the module documentation).
pub struct Session {
    options: SessionOptions,
    videos: Vec<Video>,
    samples: BTreeMap<Task, Vec<Sample>>,
    by_id: HashMap<(Task, String), usize>,
    model: ModelId,
    taxonomy_id: String,
    annotations_sha256: String,
    embedder: Option<Box<dyn Embedder>>,
    context: TextContext,
}

impl Session {
    /// Reads the annotations and the taxonomy (ground-truth triplets added,
    /// docs/scoring.md §5) and derives every task's samples. The model's
    /// files are checked when the first text needs embedding; nothing is
    /// embedded yet.
    pub fn open(options: SessionOptions) -> Result<Self> {
        options.check()?;
        let videos = read_annotations(&options.gt)?;
        let annotations_sha256 = input_sha256(&options.gt)?;
        let mut taxonomy = Taxonomy::load_or_builtin(options.taxonomy.as_deref())?;
        let taxonomy_id = resource_id(
            &format!("{}-{}", taxonomy.name(), taxonomy.version()),
            taxonomy.sha256(),
        );
        add_ground_truth(&mut taxonomy, &videos, &options.gt)?;
        let samples: BTreeMap<Task, Vec<Sample>> = Task::ALL
            .iter()
            .map(|&t| (t, derive_samples(&videos, t)))
            .collect();
        let by_id = samples
            .iter()
            .flat_map(|(&t, s)| {
                s.iter()
                    .enumerate()
                    .map(move |(i, s)| ((t, s.id.clone()), i))
            })
            .collect();
        Ok(Session {
            model: model_id(&options.embed)?,
            context: TextContext {
                vectors: Default::default(),
                hierarchy: Some(Hierarchy::new(taxonomy, options.settings.tau)),
            },
            options,
            videos,
            samples,
            by_id,
            taxonomy_id,
            annotations_sha256,
            embedder: None,
        })
    }

    /// Like [`Session::open`], with a given encoder instead of the
    /// configured model (a stand-in for tests, or another runtime).
    pub fn with_embedder(options: SessionOptions, embedder: Box<dyn Embedder>) -> Result<Self> {
        let mut session = Session::open(options)?;
        session.model = embedder.id().clone();
        session.embedder = Some(embedder);
        Ok(session)
    }

    /// The options the session was opened with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The annotated videos, in file order.
    pub fn videos(&self) -> &[Video] {
        &self.videos
    }

    /// The ground-truth samples of `task`, in annotation order.
    pub fn samples(&self, task: Task) -> &[Sample] {
        self.samples.get(&task).map_or(&[], Vec::as_slice)
    }

    /// The embedding model's identity.
    pub fn model(&self) -> &ModelId {
        &self.model
    }

    /// The taxonomy in use (its name, version and sha256 are those of the
    /// file as given, before the ground truth was added).
    pub fn taxonomy(&self) -> Option<&Taxonomy> {
        self.context.hierarchy.as_ref().map(|h| &h.taxonomy)
    }

    /// The sha256 of the annotation file.
    pub fn annotations_sha256(&self) -> &str {
        &self.annotations_sha256
    }

    /// The signature of a result for `task` (docs/scoring.md §8, §11).
    pub fn signature(&self, task: Task) -> Signature {
        let settings = &self.options.settings;
        Signature::new()
            .with("task", task)
            .with_annotations(&self.annotations_sha256)
            .with("model", &self.model)
            .with("tax", &self.taxonomy_id)
            .with("tau", format!("{:?}", settings.tau))
            .with("sem-norm", settings.sem_norm)
            .with("tiou", settings.tiou.name())
    }

    /// Scores each task's predictions: pairs them with the samples (a
    /// duplicate id is an error), embeds every text not yet embedded in one
    /// pass (through the disk cache), scores and aggregates. One
    /// [`Evaluation`] per input, in input order.
    pub fn evaluate(&mut self, inputs: &[TaskPredictions]) -> Result<Vec<Evaluation>> {
        let by_id: Vec<_> = inputs
            .iter()
            .map(|i| index_by_id(&i.predictions, &i.source))
            .collect::<Result<_>>()?;
        let prepared: Vec<(Task, Vec<Prepared>, usize)> = inputs
            .iter()
            .zip(&by_id)
            .map(|(input, ids)| {
                let samples = self.samples.get(&input.task).map_or(&[][..], Vec::as_slice);
                let (p, unknown) = prepare(samples, ids);
                (input.task, p, unknown)
            })
            .collect();
        let views = prepared
            .iter()
            .flat_map(|(t, ps, _)| ps.iter().map(move |p| (*t, p)));
        let hierarchy = inputs.iter().any(|i| i.task.has_hierarchy());
        let mut texts = value_texts(views.clone());
        if hierarchy && let Some(h) = &self.context.hierarchy {
            texts.extend(candidate_texts(&h.taxonomy));
        }
        let (embedder, context) = (&mut self.embedder, &mut self.context);
        embed_missing(embedder, context, &self.options.embed, texts, true)?;
        if let Some(h) = context.hierarchy.as_mut() {
            h.add_proxies(&context.vectors, views);
        }
        Ok(prepared
            .iter()
            .map(|(task, p, unknown)| {
                let signature = self.signature(*task).to_string();
                score_task(
                    *task,
                    p,
                    *unknown,
                    &self.options.settings,
                    Some(&self.context),
                    signature,
                )
            })
            .collect())
    }

    /// Every text an [`evaluate`](Session::evaluate) of `inputs` would need
    /// embedded (answers, ground truth and, with a hierarchy task, the
    /// taxonomy's candidates), each once, sorted.
    pub fn texts_to_embed(&self, inputs: &[TaskPredictions]) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for input in inputs {
            let ids = index_by_id(&input.predictions, &input.source)?;
            let (prepared, _) = prepare(self.samples(input.task), &ids);
            texts.extend(value_texts(prepared.iter().map(|p| (input.task, p))));
        }
        if inputs.iter().any(|i| i.task.has_hierarchy())
            && let Some(h) = &self.context.hierarchy
        {
            texts.extend(candidate_texts(&h.taxonomy));
        }
        texts.sort_unstable();
        texts.dedup();
        Ok(texts)
    }

    /// Embeds the ground truth of every task and the taxonomy's candidates
    /// now (through the disk cache), so that the first reward batch only
    /// embeds its completions.
    pub fn warm_up(&mut self) -> Result<()> {
        let truths: Vec<Prepared> = self
            .samples
            .values()
            .flatten()
            .map(|s| prepare_one(s, None))
            .collect();
        let mut texts = value_texts(truths.iter().map(|p| (p.sample.task, p)));
        if let Some(h) = &self.context.hierarchy {
            texts.extend(candidate_texts(&h.taxonomy));
        }
        let (embedder, context) = (&mut self.embedder, &mut self.context);
        embed_missing(embedder, context, &self.options.embed, texts, true)
    }

    /// The CUE-R1 reward of each completion (docs/scoring.md §7), in order.
    /// New answer texts are embedded in one pass, in memory only (a training
    /// run must not grow the disk cache with every completion). A completion
    /// whose id is not a sample of its task is answered with
    /// [`UnknownSample`]; a malformed answer is rewarded like any other.
    pub fn rewards(
        &mut self,
        completions: &[Completion],
    ) -> Result<Vec<std::result::Result<RewardedCompletion, UnknownSample>>> {
        let prepared: Vec<std::result::Result<Prepared, UnknownSample>> = completions
            .iter()
            .map(|c| {
                let unknown = || UnknownSample {
                    task: c.task,
                    id: c.id.clone(),
                };
                let &i = self
                    .by_id
                    .get(&(c.task, c.id.clone()))
                    .ok_or_else(unknown)?;
                Ok(prepare_one(&self.samples[&c.task][i], Some(&c.content)))
            })
            .collect();
        let views = prepared.iter().flatten().map(|p| (p.sample.task, p));
        let texts = value_texts(views.clone());
        // Candidates are embedded once (through the disk cache); answers in memory.
        if let Some(h) = &self.context.hierarchy
            && completions.iter().any(|c| c.task.has_hierarchy())
        {
            let candidates = candidate_texts(&h.taxonomy);
            let (embedder, context) = (&mut self.embedder, &mut self.context);
            embed_missing(embedder, context, &self.options.embed, candidates, true)?;
        }
        let (embedder, context) = (&mut self.embedder, &mut self.context);
        embed_missing(embedder, context, &self.options.embed, texts, false)?;
        if let Some(h) = context.hierarchy.as_mut() {
            h.add_proxies(&context.vectors, views);
        }
        let (settings, lambda) = (&self.options.settings, self.options.lambda);
        Ok(prepared
            .into_iter()
            .map(|p| {
                let p = p?;
                let task = p.sample.task;
                let scores: SampleScores = score_prepared(task, &p, settings, Some(&self.context));
                Ok(RewardedCompletion {
                    task,
                    status: p.status,
                    reward: reward(task, &scores, p.format_ok, lambda),
                })
            })
            .collect())
    }
}

/// Embeds the texts not yet in `context` (one pass; through the disk cache
/// when `persist`, else in memory only) and adds their vectors. The encoder
/// is loaded on first need, so a run with nothing to embed never checks the
/// model files.
fn embed_missing(
    embedder: &mut Option<Box<dyn Embedder>>,
    context: &mut TextContext,
    options: &EmbedOptions,
    texts: Vec<String>,
    persist: bool,
) -> Result<()> {
    let missing: Vec<String> = texts
        .into_iter()
        .filter(|t| !t.is_empty() && context.vectors.get(t).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let embedder = match embedder {
        Some(e) => e,
        None => embedder.insert(lazy_embedder(options)?),
    };
    let in_memory;
    let options = if persist {
        options
    } else {
        in_memory = EmbedOptions {
            no_cache: true,
            quiet: true,
            ..options.clone()
        };
        &in_memory
    };
    let found = embed_texts(embedder.as_mut(), &missing, options)?;
    context.vectors.merge(found);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::HashEmbedder;
    use crate::formats::predictions::read_predictions;
    use std::path::Path;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
    }

    fn session() -> Session {
        let mut options = SessionOptions::new(examples().join("annotations.json"));
        options.embed.no_cache = true;
        options.embed.quiet = true;
        Session::with_embedder(options, Box::new(HashEmbedder::new())).expect("opens")
    }

    #[test]
    fn rewards_equal_evaluate_per_sample_scores() {
        // The same answers scored as an evaluation and as rewards: R^K and
        // R^U of the reward are the evaluation's Struct and Sem, sample by sample.
        let mut s = session();
        let source = examples().join("predictions/scene.jsonl");
        let predictions = read_predictions(&source).expect("reads");
        let input = TaskPredictions {
            task: Task::Scene,
            predictions: predictions.clone(),
            source,
        };
        let evaluation = s.evaluate(&[input]).expect("scores").remove(0);
        let completions: Vec<Completion> = predictions
            .iter()
            .map(|p| Completion {
                id: p.id.clone(),
                task: Task::Scene,
                content: p.content.clone(),
            })
            .collect();
        let rewards = s.rewards(&completions).expect("rewards");
        for (p, r) in predictions.iter().zip(&rewards) {
            let Ok(r) = r else {
                assert!(s.samples(Task::Scene).iter().all(|x| x.id != p.id));
                continue;
            };
            let record = evaluation.samples.iter().find(|x| x.id == p.id).unwrap();
            assert_eq!(
                record.scores[0],
                ("Struct".to_owned(), r.reward.parts.structure)
            );
            let sem = r.reward.parts.semantic.expect("scene has R^U");
            assert_eq!(record.scores[1], ("Sem".to_owned(), sem));
        }
    }

    #[test]
    fn an_unknown_sample_is_answered_not_raised() {
        let mut s = session();
        let c = |id: &str, task| Completion {
            id: id.into(),
            task,
            content: PredictionContent::Response("None".into()),
        };
        // vid_0001 is an event sample, but not a scene sample (those are VIDEO|EVENT).
        let got = s
            .rewards(&[c("vid_0001", Task::Scene), c("vid_0001", Task::Event)])
            .expect("rewards");
        assert_eq!(
            got[0],
            Err(UnknownSample {
                task: Task::Scene,
                id: "vid_0001".into()
            })
        );
        assert!(got[1].is_ok());
    }

    #[test]
    fn settings_out_of_range_are_usage_errors() {
        let mut options = SessionOptions::new(examples().join("annotations.json"));
        options.lambda = 1.5;
        assert!(
            matches!(Session::open(options.clone()), Err(Error::Usage(m)) if m.contains("lambda"))
        );
        options.lambda = 0.2;
        options.settings.tau = -0.1;
        assert!(matches!(Session::open(options), Err(Error::Usage(m)) if m.contains("tau")));
    }
}
