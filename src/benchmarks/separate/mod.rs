//! The separate protocol for specialised models (docs/scoring.md §10, paper
//! Table 3 and Appendix D.2): CLIP-style classifiers ranking labels
//! (`event`, `anomaly`: Top-1 / Top-k hierarchy scores), grounding models
//! giving a start and an end (`grounding`: TIoU) and frame-level anomaly
//! detectors (`detection`: TIoU, plus frame-level ROC-AUC and AP when every
//! line gives scores).
//!
//! One file per concern: `labels` (label spaces and tree credit),
//! `predictions` (reading lines), one scorer per task kind.

mod detection;
mod grounding;
mod labels;
mod predictions;
mod recognition;
#[cfg(test)]
mod test_support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::run::{EvalRun, described_run};
use super::{Benchmark, Flag};
use crate::benchmarks::Request;
use crate::error::{Error, Result};
use crate::formats::annotations::{Triplet, Video, read_annotations};
use crate::intervals::Interval;
use crate::metrics::empty_answer_rule;
use crate::metrics::frame_level::{average_precision, roc_auc};
use crate::metrics::temporal::{iou_figures, mean, union_tiou};
use crate::model::names::TIOU;
use crate::model::{BenchmarkId, Protocol, Settings};
use crate::model::{
    Counts, Evaluation, Metric, RowGroup, SampleRecord, SampleStatus, TaskResult, TaxonomyInput,
};
use crate::signature::{Signature, resource_id};
use crate::tasks::TaskName;
use crate::taxonomy::{Taxonomy, add_ground_truth};
use detection::{FrameLabels, frame_is_anomalous, runs};
use labels::LabelSpace;
use predictions::{Line, read_lines};
use recognition::{Recognition, Truth, ranking};

crate::task_enum! {
    /// A task of the separate protocol; its names come from [`TaskName`].
    pub enum SeparateTask {
        /// Event recognition: ranked event names, per triplet segment.
        Event,
        /// Temporal grounding: a start and an end (or segments), per triplet segment.
        Grounding,
        /// Anomaly recognition: ranked triplet leaves, per triplet segment.
        Anomaly,
        /// Anomaly detection: frame-level predictions, per video.
        Detection,
    }
}

/// Choices of a run (all in the signature).
#[derive(Debug, Clone, PartialEq)]
pub struct SeparateOptions {
    /// `--taxonomy`; `None`: the built-in reconstruction.
    pub taxonomy: Option<PathBuf>,
    /// Hierarchy cut-off: labels farther than tau * d_max score 0.
    pub tau: f64,
    /// Top-k of the recognition tasks (at least 1).
    pub top_k: usize,
    /// Frame scores above it are anomalous.
    pub threshold: f64,
}

impl Default for SeparateOptions {
    /// The defaults of [`Settings`].
    fn default() -> Self {
        let defaults = Settings::default();
        SeparateOptions {
            taxonomy: None,
            tau: defaults.tau,
            top_k: defaults.top_k,
            threshold: defaults.threshold,
        }
    }
}

impl SeparateOptions {
    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.tau) {
            return Err(Error::Usage(format!(
                "--tau must lie in [0, 1], got {}",
                self.tau
            )));
        }
        if self.top_k == 0 {
            return Err(Error::Usage("--top-k must be at least 1".into()));
        }
        if !self.threshold.is_finite() {
            return Err(Error::Usage(format!(
                "--threshold must be a finite number, got {}",
                self.threshold
            )));
        }
        Ok(())
    }
}

/// What every task of a run shares: the annotations and the taxonomy with
/// the ground-truth triplets added, and its label spaces.
struct Context {
    videos: Vec<Video>,
    taxonomy: Taxonomy,
    taxonomy_id: String,
    events: LabelSpace,
    leaves: LabelSpace,
    options: SeparateOptions,
}

/// A scored run of the separate protocol.
#[derive(Debug, Clone)]
pub struct SeparateRun {
    /// One evaluation per task, in the order asked.
    pub evaluations: Vec<Evaluation>,
    /// The taxonomy the label spaces came from (before the ground truth
    /// was added), for the results document.
    pub taxonomy: TaxonomyInput,
}

/// Scores `tasks` of the separate protocol: `gt` is the CueBench annotation
/// file, `predictions` a JSONL file (lines may carry `task`; with several
/// tasks they must) or a folder of `<task>.jsonl` files. One
/// [`Evaluation`] per task, in the order given.
///
/// Errors: unreadable or malformed annotations, taxonomy or prediction
/// lines (not JSON, not an object, no `id`), repeated ids, bad options. A
/// malformed answer field is no error: the sample scores 0 and counts as
/// `parse_failed`.
pub fn evaluate(
    tasks: &[SeparateTask],
    gt: &Path,
    predictions: &Path,
    options: &SeparateOptions,
) -> Result<SeparateRun> {
    options.check()?;
    let videos = read_annotations(gt)?;
    let mut taxonomy = Taxonomy::load_or_builtin(options.taxonomy.as_deref())?;
    let taxonomy_id = resource_id(
        &format!("{}-{}", taxonomy.name(), taxonomy.version()),
        taxonomy.sha256(),
    );
    let taxonomy_input = TaxonomyInput {
        path: options.taxonomy.clone(),
        name: taxonomy.name().to_owned(),
        version: taxonomy.version().to_owned(),
        sha256: taxonomy.sha256().to_owned(),
    };
    add_ground_truth(&mut taxonomy, &videos, gt)?;
    let context = Context {
        events: LabelSpace::events(&taxonomy),
        leaves: LabelSpace::leaves(&taxonomy),
        videos,
        taxonomy,
        taxonomy_id,
        options: options.clone(),
    };
    let evaluations = tasks
        .iter()
        .map(|&task| {
            let (lines, _) = read_lines(task, predictions, tasks.len() > 1)?;
            Ok(context.score(task, &lines))
        })
        .collect::<Result<_>>()?;
    Ok(SeparateRun {
        evaluations,
        taxonomy: taxonomy_input,
    })
}

/// The file `task`'s lines are read from: `<dir>/<task>.jsonl` for a
/// folder, else the file itself.
pub fn predictions_file(predictions: &Path, task: &str) -> PathBuf {
    if predictions.is_dir() {
        predictions.join(format!("{task}.jsonl"))
    } else {
        predictions.to_owned()
    }
}

/// One sample's outcome before aggregation.
struct Outcome {
    record: SampleRecord,
    dropped: usize,
    unknown_labels: usize,
    ambiguous_labels: usize,
}

impl Outcome {
    fn new(id: &str, status: SampleStatus, scores: Vec<(String, f64)>) -> Self {
        Outcome {
            record: SampleRecord {
                id: id.to_owned(),
                status,
                scores,
                detail: None,
            },
            dropped: 0,
            unknown_labels: 0,
            ambiguous_labels: 0,
        }
    }
}

impl Context {
    /// The signature: protocol, task and every choice that moves a number.
    fn signature(&self, task: SeparateTask) -> Signature {
        Signature::new()
            .with("protocol", Protocol::Separate.name())
            .with("task", task)
            .with("tax", &self.taxonomy_id)
            .with("tau", format!("{:?}", self.options.tau))
            .with("top-k", self.options.top_k)
            .with("threshold", format!("{:?}", self.options.threshold))
            .with("tiou", "union")
    }

    fn score(&self, task: SeparateTask, lines: &[Line]) -> Evaluation {
        let by_id: HashMap<&str, &Line> = lines.iter().map(|l| (l.id.as_str(), l)).collect();
        let (outcomes, extra) = match task {
            SeparateTask::Event | SeparateTask::Anomaly => self.recognise(task, &by_id),
            SeparateTask::Grounding => self.ground(&by_id),
            SeparateTask::Detection => self.detect(&by_id),
        };
        let ids: HashSet<&str> = outcomes.iter().map(|o| o.record.id.as_str()).collect();
        let mut counts = Counts {
            samples: outcomes.len(),
            unknown_ids: lines
                .iter()
                .filter(|l| !ids.contains(l.id.as_str()))
                .count(),
            ..Counts::default()
        };
        for o in &outcomes {
            match o.record.status {
                SampleStatus::Scored => counts.scored += 1,
                SampleStatus::Missing => counts.missing += 1,
                SampleStatus::ParseFailed => counts.parse_failed += 1,
            }
            counts.dropped_intervals += o.dropped;
            counts.unknown_labels += o.unknown_labels;
            counts.ambiguous_labels += o.ambiguous_labels;
        }
        let mut samples: Vec<SampleRecord> = outcomes.into_iter().map(|o| o.record).collect();
        samples.sort_by(|a, b| a.id.cmp(&b.id));
        let mut metrics = aggregate(&samples);
        metrics.extend(extra);
        Evaluation {
            result: TaskResult {
                benchmark: BenchmarkId::CueBench,
                task: task.name().to_owned(),
                signature: self.signature(task).to_string(),
                counts,
                metrics,
            },
            samples,
        }
    }

    /// Every triplet segment with its id `VIDEO|TRIPLET_ID`.
    fn segments(&self) -> impl Iterator<Item = (String, &Video, &Triplet)> {
        self.videos.iter().flat_map(|v| {
            v.triplets
                .iter()
                .map(move |t| (format!("{}|{}", v.video_id, t.id), v, t))
        })
    }

    fn recognise(&self, task: SeparateTask, by_id: &HashMap<&str, &Line>) -> Scored {
        let k = self.options.top_k;
        let space = if task == SeparateTask::Event {
            &self.events
        } else {
            &self.leaves
        };
        let scorer = Recognition {
            taxonomy: &self.taxonomy,
            space,
            tau: self.options.tau,
            k,
        };
        let names = [
            "Top-1".to_owned(),
            format!("Top-{k}"),
            "Acc@1".to_owned(),
            format!("Acc@{k}"),
        ];
        let outcomes = self
            .segments()
            .map(|(id, _, t)| {
                let truth = if task == SeparateTask::Event {
                    Truth {
                        label: t.event.clone(),
                        nodes: self
                            .taxonomy
                            .node_at_path(&t.taxonomy)
                            .into_iter()
                            .collect(),
                    }
                } else {
                    Truth {
                        label: Taxonomy::leaf_text(&t.event, &t.scene, &t.attributes),
                        nodes: self
                            .taxonomy
                            .leaf_at(&t.taxonomy, &t.event, &t.scene, &t.attributes)
                            .into_iter()
                            .collect(),
                    }
                };
                let line = by_id.get(id.as_str());
                let ranked = line.map(|l| ranking(&l.object));
                let (status, s) = match ranked {
                    None => (SampleStatus::Missing, Default::default()),
                    Some(None) => (SampleStatus::ParseFailed, Default::default()),
                    Some(Some(labels)) => (SampleStatus::Scored, scorer.score(&labels, &truth)),
                };
                let values = [s.top1, s.topk, s.acc1, s.acck];
                let scores = names.iter().cloned().zip(values).collect();
                let mut o = Outcome::new(&id, status, scores);
                o.unknown_labels = s.unknown;
                o
            })
            .collect();
        (outcomes, Vec::new())
    }

    fn ground(&self, by_id: &HashMap<&str, &Line>) -> Scored {
        let outcomes = self
            .segments()
            .map(|(id, v, t)| {
                let truth: Vec<Interval> = t
                    .seconds(v.fps)
                    .iter()
                    .map(|&[start, end]| Interval { start, end })
                    .collect();
                let read = by_id
                    .get(id.as_str())
                    .map(|l| grounding::segments(&l.object));
                let (status, tiou, dropped) = match read {
                    None => (SampleStatus::Missing, 0.0, 0),
                    Some(None) => (SampleStatus::ParseFailed, 0.0, 0),
                    Some(Some((kept, dropped))) => {
                        (SampleStatus::Scored, union_tiou(&kept, &truth), dropped)
                    }
                };
                let mut o = Outcome::new(&id, status, vec![(TIOU.to_owned(), tiou)]);
                o.dropped = dropped;
                o
            })
            .collect();
        (outcomes, Vec::new())
    }

    fn detect(&self, by_id: &HashMap<&str, &Line>) -> Scored {
        let reader = FrameLabels {
            taxonomy: &self.taxonomy,
            events: &self.events,
            leaves: &self.leaves,
        };
        let mut frames_scored: Vec<(f64, bool)> = Vec::new();
        let mut every_line_scores = true;
        let mut outcomes = Vec::with_capacity(self.videos.len());
        for v in &self.videos {
            let truth: Vec<Interval> = v
                .triplets
                .iter()
                .filter(|t| t.anomaly)
                .flat_map(|t| t.seconds(v.fps))
                .map(|[start, end]| Interval { start, end })
                .collect();
            let read = by_id
                .get(v.video_id.as_str())
                .map(|l| reader.read(&l.object, v.fps, self.options.threshold));
            let (status, tiou, frames) = match read {
                None => (SampleStatus::Missing, 0.0, None),
                Some(None) => (SampleStatus::ParseFailed, 0.0, None),
                Some(Some(f)) => {
                    let predicted = runs(&f.anomalous, f.fps);
                    let tiou = empty_answer_rule(predicted.len(), truth.len())
                        .unwrap_or_else(|| union_tiou(&predicted, &truth));
                    (SampleStatus::Scored, tiou, Some(f))
                }
            };
            if status != SampleStatus::Missing {
                match frames
                    .as_ref()
                    .and_then(|f| f.scores.as_ref().map(|s| (f.fps, s)))
                {
                    Some((fps, scores)) => frames_scored.extend(
                        scores
                            .iter()
                            .enumerate()
                            .map(|(i, &s)| (s, frame_is_anomalous(i, fps, &truth))),
                    ),
                    None => every_line_scores = false,
                }
            }
            let mut o = Outcome::new(&v.video_id, status, vec![(TIOU.to_owned(), tiou)]);
            if let Some(f) = frames {
                o.unknown_labels = f.unknown_labels;
                o.ambiguous_labels = f.ambiguous_labels;
            }
            outcomes.push(o);
        }
        let any_line = outcomes
            .iter()
            .any(|o| o.record.status != SampleStatus::Missing);
        let mut extra = Vec::new();
        if any_line && every_line_scores {
            let figures = [
                ("AUC", roc_auc(&frames_scored)),
                ("AP", average_precision(&frames_scored)),
            ];
            // With one class present both are undefined and left out.
            for (name, value) in figures {
                if let Some(v) = value {
                    extra.push(Metric::from_mean(name, v));
                }
            }
        }
        (outcomes, extra)
    }
}

/// Outcomes, and metrics beyond the per-sample means.
type Scored = (Vec<Outcome>, Vec<Metric>);

/// The task's figures in percent over all samples (missing and unparseable
/// ones count 0): the mean of each per-sample score, and for TIoU tasks
/// also mIoU and R@{0.3,0.5,0.7}.
fn aggregate(samples: &[SampleRecord]) -> Vec<Metric> {
    let Some(first) = samples.first() else {
        return Vec::new();
    };
    let column = |i: usize| -> Vec<f64> {
        samples
            .iter()
            .map(|s| s.scores.get(i).map_or(0.0, |x| x.1))
            .collect()
    };
    let mut metrics: Vec<Metric> = first
        .scores
        .iter()
        .enumerate()
        .map(|(i, (name, _))| Metric::from_mean(name, mean(&column(i))))
        .collect();
    if first.scores.first().is_some_and(|(n, _)| n == TIOU) {
        metrics.extend(iou_figures(&column(0)));
    }
    metrics
}

/// The paper's Table 3 row: Event Recognition Top-1 / Top-5, Temporal
/// Grounding TIoU, Anomaly Recognition Top-1 / Top-5, Anomaly Detection TIoU.
pub const TABLE3: [RowGroup; 4] = [
    ("event", "Event Recognition", &["Top-1", "Top-5"]),
    ("grounding", "Temporal Grounding", &[TIOU]),
    ("anomaly", "Anomaly Recognition", &["Top-1", "Top-5"]),
    ("detection", "Anomaly Detection", &[TIOU]),
];

impl SeparateOptions {
    /// The options a request gives, defaults filling what it does not.
    pub fn from_request(request: &Request) -> Self {
        let defaults = SeparateOptions::default();
        SeparateOptions {
            taxonomy: request.taxonomy.clone(),
            tau: request.tau.unwrap_or(defaults.tau),
            top_k: request.top_k.unwrap_or(defaults.top_k),
            threshold: request.threshold.unwrap_or(defaults.threshold),
        }
    }

    /// The settings as results record them (docs/scoring.md §11).
    pub fn settings_map(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("tau".into(), self.tau.into());
        map.insert("top_k".into(), self.top_k.into());
        map.insert("threshold".into(), self.threshold.into());
        map
    }
}

/// CueBench's separate protocol for specialised models (docs/scoring.md §10).
pub struct Separate;

impl Benchmark for Separate {
    fn id(&self) -> BenchmarkId {
        BenchmarkId::CueBench
    }

    fn protocol(&self) -> Protocol {
        Protocol::Separate
    }

    fn task_names(&self) -> &'static [&'static str] {
        SeparateTask::names()
    }

    fn flags(&self) -> &'static [Flag] {
        &[Flag::Taxonomy, Flag::Tau, Flag::TopK, Flag::Threshold]
    }

    fn row(&self) -> Option<&'static [RowGroup]> {
        Some(&TABLE3)
    }

    fn run(&self, request: &Request) -> Result<EvalRun> {
        let options = SeparateOptions::from_request(request);
        let scored = evaluate(
            &request.tasks::<SeparateTask>()?,
            &request.gt,
            &request.predictions,
            &options,
        )?;
        let mut run = described_run(scored.evaluations, &request.gt, |task| {
            predictions_file(&request.predictions, task)
        })?;
        run.inputs.taxonomy = Some(scored.taxonomy);
        run.settings = options.settings_map();
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A triplet of the built-in taxonomy's climbing event.
    fn triplet(id: &str, anomaly: bool, frames: [u64; 2]) -> String {
        let (branch, attribute) = if anomaly {
            ("anomaly", "without protection")
        } else {
            ("normality", "with protection")
        };
        format!(
            r#"{{"id": "{id}", "event": "climbing", "scene": "cliff", "attributes": ["{attribute}"], "anomaly": {}, "frames": [[{}, {}]], "taxonomy": ["{branch}", "safety", "personal", "climbing"]}}"#,
            u8::from(anomaly),
            frames[0],
            frames[1]
        )
    }

    fn video(id: &str, triplets: &[String]) -> String {
        format!(
            r#"{{"video_id": "{id}", "fps": 1, "triplets": [{}]}}"#,
            triplets.join(", ")
        )
    }

    fn file(dir: &tempfile::TempDir, name: &str, lines: &[String]) -> PathBuf {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).expect("create");
        for line in lines {
            writeln!(f, "{line}").expect("write");
        }
        path
    }

    fn detection(annotations: &[String], predictions: &[&str]) -> Evaluation {
        let dir = tempfile::tempdir().expect("temp dir");
        let gt = file(&dir, "gt.jsonl", annotations);
        let lines: Vec<String> = predictions.iter().map(|s| (*s).to_owned()).collect();
        let preds = file(&dir, "p.jsonl", &lines);
        let mut out = evaluate(
            &[SeparateTask::Detection],
            &gt,
            &preds,
            &SeparateOptions::default(),
        )
        .expect("evaluates");
        out.evaluations.remove(0)
    }

    fn metric(e: &Evaluation, name: &str) -> Option<f64> {
        e.result
            .metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }

    #[test]
    fn detection_normal_videos_and_frame_level_truth() {
        // v1 (1 fps): anomaly in frames 2-3 = [2, 3] s. Scores 0.1 0.2 0.9
        // 0.6 0.3 0.8: anomalous frames 2, 3, 5 -> [2, 3] and the single
        // frame [5, 5] (no length): ∩ 1 / ∪ 1 -> TIoU 1.
        // v2: a normal video with an anomalous frame (0.7) -> 0.
        // v3: abnormal, no line: missing, 0; its frames add nothing.
        // v9: an unknown id; its 0.99 frame adds nothing.
        // TIoU = (1 + 0 + 0) / 3.
        // Frames: v1 2 positives (0.9, 0.6; frame 5 is past the anomaly),
        // negatives 0.1 0.2 0.3 0.8 + v2's 0.7 0.1 = 6.
        // AUC: 0.9 beats all 6, 0.6 beats 4 -> 10/12.
        // AP: 0.9 T (P 1, +1/2), 0.8 F, 0.7 F, 0.6 T (P 2/4, +1/2 * 1/2)
        //   -> 0.75.
        let annotations = [
            video(
                "v1",
                &[triplet("t1", true, [2, 3]), triplet("t2", false, [0, 1])],
            ),
            video("v2", &[triplet("t1", false, [0, 1])]),
            video("v3", &[triplet("t1", true, [0, 4])]),
        ];
        let e = detection(
            &annotations,
            &[
                r#"{"id": "v1", "scores": [0.1, 0.2, 0.9, 0.6, 0.3, 0.8]}"#,
                r#"{"id": "v2", "scores": [0.7, 0.1]}"#,
                r#"{"id": "v9", "scores": [0.99]}"#,
            ],
        );
        let tiou = metric(&e, "TIoU").expect("TIoU");
        assert!((tiou - 100.0 / 3.0).abs() < 1e-9, "{tiou}");
        let auc = metric(&e, "AUC").expect("AUC");
        assert!((auc - 1000.0 / 12.0).abs() < 1e-9, "{auc}");
        assert!((metric(&e, "AP").expect("AP") - 75.0).abs() < 1e-9);
        let c = &e.result.counts;
        assert_eq!(
            (c.samples, c.scored, c.missing, c.unknown_ids),
            (3, 2, 1, 1)
        );
    }

    #[test]
    fn detection_normal_video_without_anomalous_frames_scores_1() {
        // Flags all 0 on a normal video: TIoU 1; no `scores` line: no AUC/AP.
        let e = detection(
            &[video("v", &[triplet("t1", false, [0, 3])])],
            &[r#"{"id": "v", "anomalous": [0, 0, false]}"#],
        );
        assert_eq!(metric(&e, "TIoU"), Some(100.0));
        assert_eq!(metric(&e, "AUC"), None);
    }

    #[test]
    fn detection_with_one_class_leaves_auc_and_ap_out() {
        // Only normal frames in the ground truth: AUC and AP are undefined.
        let e = detection(
            &[video("v", &[triplet("t1", false, [0, 3])])],
            &[r#"{"id": "v", "scores": [0.1, 0.9]}"#],
        );
        assert_eq!((metric(&e, "AUC"), metric(&e, "AP")), (None, None));
        // Frame 1 (0.9) is anomalous in a normal video: TIoU 0.
        assert_eq!(metric(&e, "TIoU"), Some(0.0));
    }

    #[test]
    fn detection_auc_needs_scores_on_every_line() {
        let annotations = [
            video("v1", &[triplet("t1", true, [1, 1])]),
            video("v2", &[triplet("t1", true, [0, 0])]),
        ];
        let e = detection(
            &annotations,
            &[
                r#"{"id": "v1", "scores": [0.1, 0.9]}"#,
                r#"{"id": "v2", "anomalous": [1]}"#,
            ],
        );
        assert_eq!(metric(&e, "AUC"), None);
        // v1: frame 1 -> [1, 1] against [1, 1]: both zero-length, the union
        // has no length -> 0; v2 likewise -> TIoU 0 (docs/scoring.md §4).
        assert_eq!(metric(&e, "TIoU"), Some(0.0));
    }

    #[test]
    fn several_tasks_in_one_file_need_task_tags() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gt = file(
            &dir,
            "gt.jsonl",
            &[video("v", &[triplet("t1", true, [0, 2])])],
        );
        let preds = file(
            &dir,
            "p.jsonl",
            &[
                r#"{"id": "v|t1", "task": "event", "ranked": ["climbing"]}"#.to_owned(),
                r#"{"id": "v|t1", "start": 0, "end": 2}"#.to_owned(),
            ],
        );
        let tasks = [SeparateTask::Event, SeparateTask::Grounding];
        match evaluate(&tasks, &gt, &preds, &SeparateOptions::default()) {
            Err(Error::Field { line, field, .. }) => {
                assert_eq!((line, field.as_str()), (2, "task"))
            }
            other => panic!("expected a field error, got {other:?}"),
        }
        // One task from the same file: the untagged line is read.
        let one = evaluate(
            &[SeparateTask::Grounding],
            &gt,
            &preds,
            &SeparateOptions::default(),
        )
        .expect("evaluates");
        assert_eq!(metric(&one.evaluations[0], "TIoU"), Some(100.0));
    }

    #[test]
    fn options_are_checked() {
        for bad in [
            SeparateOptions {
                tau: 1.5,
                ..SeparateOptions::default()
            },
            SeparateOptions {
                top_k: 0,
                ..SeparateOptions::default()
            },
            SeparateOptions {
                threshold: f64::NAN,
                ..SeparateOptions::default()
            },
        ] {
            assert!(matches!(bad.check(), Err(Error::Usage(_))), "{bad:?}");
        }
    }
}
