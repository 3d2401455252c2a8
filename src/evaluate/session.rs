//! A scoring session: everything a run sets up once — annotations, the
//! taxonomy with the ground truth added, every task's samples, the embedding
//! model and the vectors embedded so far — and then scores with, again and
//! again. `eval`, `reward`, `bench`, the reward server and the Python
//! package all score through it, so they cannot drift apart.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use std::path::PathBuf;

use super::context::{Hierarchy, TextContext, candidate_texts, value_texts};
use super::cue_r1::{Reward, reward};
use super::{Prepared, SampleScores, prepare, prepare_one, score_prepared, score_task};
use crate::embedding::{EmbedOptions, Embedder, ModelId, embed_texts, lazy_embedder, model_id};
use crate::error::{Error, Result};
use crate::formats::annotations::{Video, read_annotations};
use crate::formats::canonical::{AnnotationFormat, annotations_sha256};
use crate::formats::predictions::{Prediction, PredictionContent, index_by_id};
use crate::model::{Evaluation, SampleStatus, Settings};
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
    /// Scoring choices (all in the signature) and Eq. 5's lambda, for
    /// rewards (docs/scoring.md §7).
    pub settings: Settings,
    /// The embedding model and how to run it.
    pub embed: EmbedOptions,
}

impl SessionOptions {
    /// Options with the default settings and model for `gt`.
    pub fn new(gt: impl Into<PathBuf>) -> Self {
        SessionOptions {
            gt: gt.into(),
            taxonomy: None,
            settings: Settings::default(),
            embed: EmbedOptions::default(),
        }
    }

    fn check(&self) -> Result<()> {
        self.embed.check()?;
        if !(0.0..=1.0).contains(&self.settings.tau) {
            return Err(Error::Usage(format!(
                "--tau must lie in [0, 1], got {}",
                self.settings.tau
            )));
        }
        if !(0.0..=1.0).contains(&self.settings.lambda) {
            return Err(Error::Usage(format!(
                "--lambda must lie in [0, 1], got {}",
                self.settings.lambda
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

impl RewardedCompletion {
    /// The reward record of the completion of sample `id`, as `cuebench
    /// reward` writes it and the Python package and the server return it:
    /// `{"id", "task", "status", "reward", "parts"}`.
    pub fn record(&self, id: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id,
            "task": self.task.name(),
            "status": self.status,
            "reward": self.reward.reward,
            "parts": self.reward.parts,
        })
    }
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
            "`{}` is not a sample of the {} task in the ground truth",
            self.id, self.task
        )
    }
}

/// The sha256 of empty input: what the signature records as the
/// annotations of a session opened with no videos.
pub const NO_ANNOTATIONS_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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
    /// Texts whose vectors were embedded in memory only (answers), to
    /// forget past [`IN_MEMORY_VECTOR_CAP`].
    in_memory: HashSet<String>,
    /// [`IN_MEMORY_VECTOR_CAP`]; smaller in tests.
    in_memory_cap: usize,
}

impl Session {
    /// Reads the annotations and the taxonomy (ground-truth triplets added,
    /// docs/scoring.md §5) and derives every task's samples. The model's
    /// files are checked when the first text needs embedding; nothing is
    /// embedded yet.
    pub fn open(options: SessionOptions) -> Result<Self> {
        options.check()?;
        let videos = read_annotations(&options.gt)?;
        let annotations_sha256 = annotations_sha256(&options.gt, AnnotationFormat::Records)?;
        Session::with_videos(options, videos, annotations_sha256)
    }

    /// Like [`Session::open`], with videos already read (`options.gt`
    /// names them in error messages, `annotations_sha256`, the sha256 of
    /// their canonical form, in signatures).
    /// With no videos at all, the session knows no sample and scores only
    /// through [`rewards_against`](Session::rewards_against), against the
    /// taxonomy alone.
    pub fn with_videos(
        options: SessionOptions,
        videos: Vec<Video>,
        annotations_sha256: String,
    ) -> Result<Self> {
        options.check()?;
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
            in_memory: HashSet::new(),
            in_memory_cap: IN_MEMORY_VECTOR_CAP,
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

    /// The sha256 of the annotation file's canonical form
    /// ([`crate::formats::canonical`]), as the signature's `gt` field.
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

    /// Embeds now, in one pass (through the disk cache), every text an
    /// [`evaluate`](Session::evaluate) of `inputs` would need, so that
    /// evaluating any part of them later embeds nothing: several runs
    /// scored together share one pass over the union of their texts.
    /// Returns how many distinct texts that union holds.
    pub fn embed_ahead(&mut self, inputs: &[TaskPredictions]) -> Result<usize> {
        let texts = self.texts_to_embed(inputs)?;
        let count = texts.len();
        let (embedder, context) = (&mut self.embedder, &mut self.context);
        embed_missing(embedder, context, &self.options.embed, texts, true)?;
        Ok(count)
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
        embed_missing(embedder, context, &self.options.embed, texts, true).map(drop)
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
        let found: Vec<std::result::Result<(&Sample, &PredictionContent), UnknownSample>> =
            completions
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
                    Ok((&self.samples[&c.task][i], &c.content))
                })
                .collect();
        let known: Vec<_> = found.iter().flatten().copied().collect();
        let mut scorer = Scorer {
            options: &self.options,
            embedder: &mut self.embedder,
            context: &mut self.context,
            in_memory: &mut self.in_memory,
            cap: self.in_memory_cap,
        };
        let mut rewarded = scorer.rewards(&known)?.into_iter();
        // The scorer answers each known completion once, in order.
        Ok(found
            .into_iter()
            .filter_map(|f| match f {
                Ok(_) => rewarded.next().map(Ok),
                Err(unknown) => Some(Err(unknown)),
            })
            .collect())
    }

    /// The CUE-R1 reward of each answer against a sample given with it (a
    /// `cuebench tasks` record, read back), in order: for a trainer that
    /// carries the truth with each prompt. The truth's anchors are looked
    /// up in the session's taxonomy, which this never changes (so scores do
    /// not depend on what was scored before); an anchor missing from it
    /// gets the largest distance.
    pub fn rewards_against(
        &mut self,
        answers: &[(&Sample, &PredictionContent)],
    ) -> Result<Vec<RewardedCompletion>> {
        // A record keeps one anchor per truth element, or none (an older
        // record); any other count was edited by hand.
        for (i, (sample, _)) in answers.iter().enumerate() {
            let (anchors, truth) = (sample.anchors.len(), sample.truth.len());
            if anchors != 0 && anchors != truth {
                return Err(Error::Usage(format!(
                    "ground_truth[{i}]: {anchors} anchors for {truth} truth elements (a `cuebench tasks` record has one per element, or none)"
                )));
            }
        }
        Scorer {
            options: &self.options,
            embedder: &mut self.embedder,
            context: &mut self.context,
            in_memory: &mut self.in_memory,
            cap: self.in_memory_cap,
        }
        .rewards(answers)
    }
}

/// Answer vectors a session keeps in memory before it forgets them all
/// (about 1.5 KB each at 384 dimensions, so ~150 MB): a long training run
/// must not grow without bound. Forgotten texts are embedded again when
/// they come back, to the same vectors, so no reward depends on it.
pub const IN_MEMORY_VECTOR_CAP: usize = 100_000;

/// What scoring a batch of answers borrows from a [`Session`].
struct Scorer<'s> {
    options: &'s SessionOptions,
    embedder: &'s mut Option<Box<dyn Embedder>>,
    context: &'s mut TextContext,
    in_memory: &'s mut HashSet<String>,
    cap: usize,
}

impl Scorer<'_> {
    /// Embeds what the answers and truths need (candidates through the disk
    /// cache, the rest in memory), retrieves proxies and rewards each.
    fn rewards(
        &mut self,
        answers: &[(&Sample, &PredictionContent)],
    ) -> Result<Vec<RewardedCompletion>> {
        if self.in_memory.len() > self.cap {
            self.forget_in_memory();
        }
        let prepared: Vec<Prepared> = answers
            .iter()
            .map(|&(sample, content)| prepare_one(sample, Some(content)))
            .collect();
        let views = prepared.iter().map(|p| (p.sample.task, p));
        let texts = value_texts(views.clone());
        if let Some(h) = &self.context.hierarchy
            && prepared.iter().any(|p| p.sample.task.has_hierarchy())
        {
            let candidates = candidate_texts(&h.taxonomy);
            embed_missing(
                self.embedder,
                self.context,
                &self.options.embed,
                candidates,
                true,
            )?;
        }
        let added = embed_missing(
            self.embedder,
            self.context,
            &self.options.embed,
            texts,
            false,
        )?;
        self.in_memory.extend(added);
        if let Some(h) = self.context.hierarchy.as_mut() {
            h.add_proxies(&self.context.vectors, views);
        }
        let (settings, lambda) = (&self.options.settings, self.options.settings.lambda);
        let context = Some(&*self.context);
        Ok(prepared
            .par_iter()
            .map(|p| {
                let task = p.sample.task;
                let scores: SampleScores = score_prepared(task, p, settings, context);
                RewardedCompletion {
                    task,
                    status: p.status,
                    reward: reward(task, &scores, p.format_ok, lambda),
                }
            })
            .collect())
    }

    /// Drops every vector embedded in memory and every proxy (proxies are
    /// retrieved again on demand, from the same vectors).
    fn forget_in_memory(&mut self) {
        self.context.vectors.remove(self.in_memory.drain());
        if let Some(h) = self.context.hierarchy.as_mut() {
            h.forget_proxies();
        }
    }
}

/// Embeds the texts not yet in `context` (one pass; through the disk cache
/// when `persist`, else in memory only), adds their vectors and returns
/// the texts it embedded. The encoder
/// is loaded on first need, so a run with nothing to embed never checks the
/// model files.
fn embed_missing(
    embedder: &mut Option<Box<dyn Embedder>>,
    context: &mut TextContext,
    options: &EmbedOptions,
    texts: Vec<String>,
    persist: bool,
) -> Result<Vec<String>> {
    let missing: Vec<String> = texts
        .into_iter()
        .filter(|t| !t.is_empty() && context.vectors.get(t).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(missing);
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
    Ok(missing)
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
        options.settings.lambda = 1.5;
        assert!(
            matches!(Session::open(options.clone()), Err(Error::Usage(m)) if m.contains("lambda"))
        );
        options.settings.lambda = 0.2;
        options.settings.tau = -0.1;
        assert!(matches!(Session::open(options), Err(Error::Usage(m)) if m.contains("tau")));
    }

    fn scene_completions() -> Vec<Completion> {
        let source = examples().join("predictions/scene.jsonl");
        read_predictions(&source)
            .expect("reads")
            .into_iter()
            .map(|p| Completion {
                id: p.id,
                task: Task::Scene,
                content: p.content,
            })
            .collect()
    }

    #[test]
    fn rewards_against_a_given_truth_equal_rewards_by_id() {
        // The truth read back from a `cuebench tasks` line scores exactly as
        // the session's own sample, hierarchy tasks included.
        let mut s = session();
        for task in [Task::AnomalyBu, Task::Event] {
            let samples = s.samples(task).to_vec();
            let response = PredictionContent::Response(
                "<answer>[{\"event\": \"fighting\", \"scene\": \"street\", \"attribute\": \"two men\", \"anomaly\": 0.9}]</answer>".into(),
            );
            let completions: Vec<Completion> = samples
                .iter()
                .map(|x| Completion {
                    id: x.id.clone(),
                    task,
                    content: response.clone(),
                })
                .collect();
            let by_id: Vec<_> = s.rewards(&completions).expect("rewards");
            let records: Vec<Sample> = samples
                .iter()
                .map(|x| serde_json::from_value(serde_json::to_value(x).unwrap()).unwrap())
                .collect();
            let pairs: Vec<_> = records.iter().map(|x| (x, &response)).collect();
            let against = s.rewards_against(&pairs).expect("rewards");
            for (a, b) in by_id.iter().zip(&against) {
                assert_eq!(a.as_ref().ok(), Some(b));
            }
        }
    }

    #[test]
    fn a_truth_record_without_anchors_scores_instead_of_panicking() {
        // Issue 21 (the scoring fuzzer's finding): a `cuebench tasks`
        // record read back without its anchors indexed past the hierarchy's
        // distance matrix; its elements now lie at the largest distance.
        // An anchor count that matches nothing is an input error.
        let mut s = session();
        let response = PredictionContent::Response(
            "<answer>[{\"event\": \"fighting\", \"scene\": \"street\", \"attribute\": \"two men\", \"anomaly\": 0.9}]</answer>".into(),
        );
        let mut sample = s.samples(Task::AnomalyBu)[0].clone();
        assert!(!sample.truth.is_empty() && sample.anchors.len() == sample.truth.len());
        let whole = s.rewards_against(&[(&sample, &response)]).expect("rewards");
        sample.anchors.clear();
        let bare = s.rewards_against(&[(&sample, &response)]).expect("rewards");
        let h = bare[0].reward.parts.hierarchy.expect("a hierarchy task");
        assert!((-1.0..=1.0).contains(&h), "{h}");
        assert!(h <= whole[0].reward.parts.hierarchy.expect("a hierarchy task"));
        sample.anchors = s.samples(Task::AnomalyBu)[0].anchors.clone();
        sample.anchors.extend(sample.anchors.clone());
        let err = s.rewards_against(&[(&sample, &response)]).unwrap_err();
        assert!(err.to_string().starts_with("ground_truth[0]: "), "{err}");
    }

    #[test]
    fn forgetting_answer_vectors_changes_no_reward() {
        // With a cap of 0 every call forgets the previous call's answer
        // vectors and proxies; the same completions must reward the same.
        let mut s = session();
        let completions = scene_completions();
        let first = s.rewards(&completions).expect("rewards");
        assert!(!s.in_memory.is_empty());
        s.in_memory_cap = 0;
        let second = s.rewards(&completions).expect("rewards");
        assert_eq!(first, second);
        let third = s.rewards(&completions).expect("rewards");
        assert_eq!(first, third);
    }

    #[test]
    fn a_session_without_videos_knows_no_sample() {
        let mut options = SessionOptions::new("<none>");
        options.embed.no_cache = true;
        let s =
            Session::with_videos(options, Vec::new(), NO_ANNOTATIONS_SHA256.into()).expect("opens");
        assert!(Task::ALL.iter().all(|&t| s.samples(t).is_empty()));
    }
}
