//! `cuebench eval`: score predictions for one task or all of them, with one
//! embedding pass over every text the run needs; describe the run
//! (docs/scoring.md §11) and say when it scores nothing for a likely mistake.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::embedding::{EmbedOptions, model_dir};
use crate::error::{Error, Result};
use crate::evaluate::groups::{Group, GroupBy, breakdown};
use crate::evaluate::{Session, SessionOptions, Settings, TaskPredictions};
use crate::extraction::{Answer, answer_of};
use crate::formats::canonical::{AnnotationFormat, annotations_sha256};
use crate::formats::predictions::{Layout, Prediction, for_task, read_predictions_from};
use crate::provenance::input_sha256;
use crate::report::Evaluation;
use crate::report::results::{InputFile, Inputs, ModelInput, TaxonomyInput};
use crate::signature::Signature;
use crate::tasks::Task;
use crate::tasks::keys::key_mismatch;

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
            ..SessionOptions::new(&self.gt)
        }
    }
}

/// A scored run: the evaluations, what was read, and what looks wrong.
#[derive(Debug, Clone)]
pub struct EvalRun {
    /// One evaluation per task, in task order.
    pub evaluations: Vec<Evaluation>,
    /// Each evaluation's groups (`--by`; docs/report.md), in `--by` order.
    pub groups: Vec<Vec<Group>>,
    /// Every input with its hash.
    pub inputs: Inputs,
    /// The scoring settings, by name.
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Likely mistakes (docs/scoring.md §11): warnings, or errors under `--strict`.
    pub findings: Vec<Finding>,
}

/// Something that makes a run score less than it should, likely by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was found, e.g. `scene: preds.jsonl: 22 prediction id(s) are not scene samples`.
    pub message: String,
    /// Its likely cause, starting with `; ` (or empty).
    pub hint: String,
    /// The offending ids or files (all of them).
    pub items: Vec<String>,
    /// Printed as a warning; otherwise only `--strict` reports it (a few
    /// missing samples are common and counted in the table already).
    pub warn: bool,
}

/// How many offending items a message lists before giving a count.
const LISTED: usize = 20;

impl Finding {
    /// The warning: the message, the first 3 items, the hint.
    pub fn warning(&self) -> String {
        if self.items.is_empty() {
            return format!("{}{}", self.message, self.hint);
        }
        format!("{} ({}){}", self.message, list(&self.items, 3), self.hint)
    }

    /// The `--strict` error: the message, the first 20 items and a count
    /// of the rest, the hint.
    pub fn error(&self) -> String {
        if self.items.is_empty() {
            return format!("{}{}", self.message, self.hint);
        }
        format!(
            "{}: {}{}",
            self.message,
            list(&self.items, LISTED),
            self.hint
        )
    }
}

/// The first `n` items, comma separated, then `and K more`.
pub fn list(items: &[String], n: usize) -> String {
    let mut text = items
        .iter()
        .take(n)
        .map(|s| escape(s))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > n {
        text.push_str(&format!(" and {} more", items.len() - n));
    }
    text
}

/// An id or file name as one printable token (newlines and other control
/// characters escaped, so a message stays one line).
fn escape(text: &str) -> String {
    format!("{:?}", text).trim_matches('"').to_owned()
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
    let sources = task_sources(&options.tasks, &options.predictions);
    let read = read_sources(&sources, options.layout)?;
    let inputs: Vec<TaskPredictions> = read.iter().map(|r| r.input.clone()).collect();
    let evaluations = session.evaluate(&inputs)?;
    let mut findings = folder_findings(&sources, &options.predictions);
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
        inputs: cuebench_inputs(options, session, &sources)?,
        settings: settings_map(&options.settings),
        evaluations,
        groups,
        findings,
    })
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

/// Each task's predictions, read from `options.predictions`. A file is read
/// once (standard input can only be read once) and split by task.
pub fn read_inputs(options: &EvalOptions) -> Result<Vec<TaskPredictions>> {
    let sources = task_sources(&options.tasks, &options.predictions);
    Ok(read_sources(&sources, options.layout)?
        .into_iter()
        .map(|r| r.input)
        .collect())
}

/// Where one task's predictions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSource {
    /// The task.
    pub task: Task,
    /// `<dir>/<task>.jsonl` for a folder, else the file itself.
    pub file: PathBuf,
    /// The file holds several tasks' lines (a file given to `--all`): every
    /// line needs a `task`.
    pub shared: bool,
    /// The file is to be read (a folder may lack a task's file: every sample is missing).
    pub exists: bool,
}

/// Which file each task reads: `<dir>/<task>.jsonl` when `path` is a folder,
/// else `path` itself (shared by the tasks when there are several). `eval`
/// and `validate` both find their inputs here.
pub fn task_sources(tasks: &[Task], path: &Path) -> Vec<TaskSource> {
    // A folder holds one file per task, so it is read only for several
    // tasks; a folder given for one task is read as a file and so refused
    // (it would score zeros).
    let folder = path.is_dir() && tasks.len() > 1;
    tasks
        .iter()
        .map(|&task| {
            let file = if folder {
                path.join(format!("{}.jsonl", task.name()))
            } else {
                path.to_owned()
            };
            TaskSource {
                task,
                // A file given by name must be readable; only a folder may lack one.
                exists: !folder || file.exists(),
                shared: !folder && tasks.len() > 1,
                file,
            }
        })
        .collect()
}

/// A task's predictions and what reading them skipped.
struct ReadSource {
    input: TaskPredictions,
    /// Lines tagged with another task, per task name (skipped).
    other_tasks: BTreeMap<String, usize>,
    exists: bool,
}

/// Reads every source once: a folder's task files as JSONL, a file (or
/// standard input) in `layout`, shared by the tasks that read it.
fn read_sources(sources: &[TaskSource], layout: Layout) -> Result<Vec<ReadSource>> {
    let mut cache: Option<(PathBuf, Vec<Prediction>)> = None;
    sources
        .iter()
        .map(|s| {
            // A folder is read only for several tasks (see task_sources).
            if s.file.is_dir() {
                let file = s.file.join(format!("{}.jsonl", s.task));
                return Err(Error::Usage(format!(
                    "{}: a folder: give --task one file ({}), or score each `<task>.jsonl` \
                     in the folder with --all",
                    s.file.display(),
                    file.display()
                )));
            }
            if !s.exists {
                return Ok(ReadSource {
                    input: TaskPredictions {
                        task: s.task,
                        predictions: Vec::new(),
                        source: s.file.clone(),
                    },
                    other_tasks: BTreeMap::new(),
                    exists: false,
                });
            }
            // A file shared by every task is read once.
            let all = match &cache {
                Some((path, lines)) if *path == s.file => lines.clone(),
                _ => {
                    // A folder's task files are in `layout` too (lmms-eval logs per task).
                    let lines = read_predictions_from(&s.file, layout)?;
                    reject_unknown_tasks(&lines, &s.file)?;
                    cache = Some((s.file.clone(), lines.clone()));
                    lines
                }
            };
            if s.shared
                && let Some(p) = all.iter().find(|p| p.task.is_none())
            {
                return Err(Error::Field {
                    path: s.file.clone(),
                    line: p.line,
                    field: "task".into(),
                    message:
                        "missing: a file scored for several tasks needs a `task` on every line"
                            .into(),
                });
            }
            let mut other_tasks = BTreeMap::new();
            for t in all
                .iter()
                .filter_map(|p| p.task.as_deref())
                .filter(|t| *t != s.task.name())
            {
                *other_tasks.entry(t.to_owned()).or_insert(0) += 1;
            }
            Ok(ReadSource {
                input: TaskPredictions {
                    task: s.task,
                    predictions: for_task(all, s.task.name()),
                    source: s.file.clone(),
                },
                other_tasks: if s.shared {
                    BTreeMap::new()
                } else {
                    other_tasks
                },
                exists: true,
            })
        })
        .collect()
}

/// The names of the files in folder `path` that none of `sources` reads
/// (hidden files aside), sorted; empty when `path` is not a folder.
pub fn unread_files(path: &Path, sources: &[TaskSource]) -> Vec<String> {
    if !path.is_dir() {
        return Vec::new();
    }
    let read: HashSet<&Path> = sources.iter().map(|s| s.file.as_path()).collect();
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| !read.contains(p.as_path()))
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Fails on the first line whose `task` names no task: it would be dropped
/// unscored.
fn reject_unknown_tasks(predictions: &[Prediction], path: &Path) -> Result<()> {
    for p in predictions {
        if let Some(Err(message)) = p.task.as_deref().map(str::parse::<Task>) {
            return Err(Error::Field {
                path: path.to_owned(),
                line: p.line,
                field: "task".into(),
                message,
            });
        }
    }
    Ok(())
}

/// Files of an `--all` folder that no task reads, and tasks whose file is
/// absent (docs/scoring.md §11).
fn folder_findings(sources: &[TaskSource], path: &Path) -> Vec<Finding> {
    if !path.is_dir() || sources.len() < 2 {
        return Vec::new();
    }
    let unread = unread_files(path, sources);
    let absent: Vec<String> = sources
        .iter()
        .filter(|s| !s.exists)
        .map(|s| s.task.name().to_owned())
        .collect();
    let mut findings = Vec::new();
    if !unread.is_empty() {
        let hint = if unread.iter().any(|n| n == "all.jsonl") {
            format!(
                "; a file holding every task is scored as a file: `--all {}`",
                path.join("all.jsonl").display()
            )
        } else {
            "; each task reads `<task>.jsonl`, e.g. `anomaly-td.jsonl`".to_owned()
        };
        findings.push(Finding {
            message: format!(
                "{}: {} file(s) that no task reads",
                path.display(),
                unread.len()
            ),
            hint,
            items: unread,
            warn: true,
        });
    }
    if !absent.is_empty() {
        findings.push(Finding {
            message: format!(
                "{}: no file for {} task(s), whose samples are all missing",
                path.display(),
                absent.len(),
            ),
            hint: String::new(),
            items: absent.iter().map(|t| format!("{t}.jsonl")).collect(),
            warn: true,
        });
    }
    findings
}

/// One task's likely mistakes: unknown ids (and whose ids they look like),
/// lines for other tasks in a per-task file, fewer than half the samples
/// answered, any sample missing (listed for `--strict`).
fn task_findings(session: &Session, read: &ReadSource, evaluation: &Evaluation) -> Vec<Finding> {
    let task = read.input.task;
    let source = read.input.source.display();
    let known: HashSet<&str> = session
        .samples(task)
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mut unknown: Vec<String> = read
        .input
        .predictions
        .iter()
        .filter(|p| !known.contains(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    unknown.sort();
    unknown.dedup();
    let looks_like = looks_like(session, task, &unknown) + &differs_in_case(&unknown, &known);
    let mut findings = Vec::new();
    // Per-video tasks share ids: answers written for another task match
    // every id and score 0 with nothing else to give them away.
    let answers: Vec<Answer> = read
        .input
        .predictions
        .iter()
        .filter(|p| known.contains(p.id.as_str()))
        .map(|p| answer_of(&p.content))
        .collect();
    let elements: Vec<&[serde_json::Value]> = answers.iter().map(Answer::elements).collect();
    if let Some(mismatch) = key_mismatch(task, &elements) {
        findings.push(Finding {
            message: format!("{task}: {source}: {}", mismatch.message()),
            hint: String::new(),
            items: Vec::new(),
            warn: true,
        });
    }
    if !unknown.is_empty() {
        findings.push(Finding {
            message: format!(
                "{task}: {source}: {} prediction id(s) are not {task} samples",
                unknown.len(),
            ),
            hint: looks_like.clone(),
            items: unknown,
            warn: true,
        });
    }
    if !read.other_tasks.is_empty() {
        let tags: Vec<String> = read
            .other_tasks
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        let n: usize = read.other_tasks.values().sum();
        findings.push(Finding {
            message: format!(
                "{task}: {source}: {n} line(s) carry a `task` field for another task and were skipped"
            ),
            hint: "; score such a file with --all".into(),
            items: tags,
            warn: true,
        });
    }
    let counts = &evaluation.result.counts;
    let answered = counts.samples - counts.missing;
    let missing: Vec<String> = evaluation
        .samples
        .iter()
        .filter(|s| s.status == crate::report::SampleStatus::Missing)
        .map(|s| s.id.clone())
        .collect();
    if counts.samples > 0 && answered * 2 < counts.samples && read.exists {
        findings.push(Finding {
            message: format!(
                "{task}: {source}: predictions for only {answered}/{} samples",
                counts.samples
            ),
            hint: looks_like,
            items: missing,
            warn: true,
        });
    } else if !missing.is_empty() && read.exists {
        findings.push(Finding {
            message: format!(
                "{task}: {} of {} samples have no prediction",
                missing.len(),
                counts.samples
            ),
            hint: String::new(),
            items: missing,
            warn: false,
        });
    }
    findings
}

/// `; did you mean `vid_0001` for `VID_0001`? (ids match exactly, case
/// included)` when unknown ids equal sample ids but for case (the first
/// three named).
fn differs_in_case(unknown: &[String], known: &HashSet<&str>) -> String {
    let by_lower: HashMap<String, &str> = known.iter().map(|k| (k.to_lowercase(), *k)).collect();
    let pairs: Vec<String> = unknown
        .iter()
        .filter_map(|u| {
            let k = by_lower.get(&u.to_lowercase())?;
            Some(format!("`{k}` for `{u}`"))
        })
        .collect();
    match pairs.len() {
        0 => String::new(),
        n => format!(
            "; did you mean {}{}? (ids match exactly, case included)",
            pairs[..n.min(3)].join(", "),
            if n > 3 {
                format!(" and {} more", n - 3)
            } else {
                String::new()
            }
        ),
    }
}

/// `; 22 look like `event` ids` when unknown ids are samples of other
/// tasks: the tasks matching the most of them.
fn looks_like(session: &Session, task: Task, unknown: &[String]) -> String {
    let counts: Vec<(Task, usize)> = Task::ALL
        .iter()
        .filter(|&&t| t != task)
        .map(|&t| {
            let ids: HashSet<&str> = session.samples(t).iter().map(|s| s.id.as_str()).collect();
            (
                t,
                unknown.iter().filter(|u| ids.contains(u.as_str())).count(),
            )
        })
        .collect();
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if best == 0 {
        return String::new();
    }
    let tasks: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n == best)
        .map(|(t, _)| format!("`{t}`"))
        .collect();
    format!("; {best} look like {} ids", tasks.join(" or "))
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

/// A file's path and sha256 (`None` for standard input, `-`, which is
/// gone once read).
pub fn input_file(path: &Path) -> Result<InputFile> {
    Ok(InputFile {
        path: path.to_owned(),
        sha256: match path.as_os_str() == "-" {
            true => None,
            false => Some(input_sha256(path)?),
        },
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

/// A sibling benchmark's evaluation as a run: its annotation file joins the
/// signature (docs/scoring.md §11) and the inputs are hashed.
pub fn sibling_run(
    evaluation: Evaluation,
    gt: &Path,
    format: AnnotationFormat,
    predictions: &Path,
) -> Result<EvalRun> {
    described_run(vec![evaluation], gt, format, |_| predictions.to_owned())
}

/// Evaluations of any benchmark as a run: the annotation file joins every
/// signature (the sha256 of its canonical form in `format`), the annotation
/// file and each task's predictions file (`file_of(task)`, when it exists)
/// are hashed, and each task's likely mistakes are found from its counts
/// and samples.
pub fn described_run(
    evaluations: Vec<Evaluation>,
    gt: &Path,
    format: AnnotationFormat,
    file_of: impl Fn(&str) -> PathBuf,
) -> Result<EvalRun> {
    let annotations = input_file(gt)?;
    let canonical = match annotations.sha256 {
        Some(_) => Some(annotations_sha256(gt, format)?),
        None => None,
    };
    let mut run = EvalRun {
        evaluations: Vec::with_capacity(evaluations.len()),
        groups: Vec::with_capacity(evaluations.len()),
        inputs: Inputs {
            annotations: annotations.clone(),
            predictions: Vec::new(),
            taxonomy: None,
            model: None,
        },
        settings: serde_json::Map::new(),
        findings: Vec::new(),
    };
    for mut evaluation in evaluations {
        if let (Some(signature), Some(sha256)) =
            (Signature::parse(&evaluation.result.signature), &canonical)
        {
            evaluation.result.signature = signature.with_annotations(sha256).to_string();
        }
        let file = file_of(&evaluation.result.task);
        let read = file.as_os_str() == "-" || file.is_file();
        if read && !run.inputs.predictions.iter().any(|p| p.path == file) {
            run.inputs.predictions.push(input_file(&file)?);
        }
        run.findings.extend(count_findings(&evaluation, &file));
        run.evaluations.push(evaluation);
        run.groups.push(Vec::new());
    }
    Ok(run)
}

/// A sibling benchmark's likely mistakes, from its counts and samples.
fn count_findings(evaluation: &Evaluation, source: &Path) -> Vec<Finding> {
    let r = &evaluation.result;
    let c = &r.counts;
    let missing: Vec<String> = evaluation
        .samples
        .iter()
        .filter(|s| s.status == crate::report::SampleStatus::Missing)
        .map(|s| s.id.clone())
        .collect();
    let mut findings = Vec::new();
    if c.unknown_ids > 0 {
        findings.push(Finding {
            message: format!(
                "{}: {}: {} prediction id(s) are not {} samples",
                r.task,
                source.display(),
                c.unknown_ids,
                r.task
            ),
            hint: String::new(),
            items: Vec::new(),
            warn: true,
        });
    }
    if !missing.is_empty() {
        let few = (c.samples - c.missing) * 2 < c.samples;
        findings.push(Finding {
            message: format!(
                "{}: {}: predictions for only {}/{} samples",
                r.task,
                source.display(),
                c.samples - c.missing,
                c.samples
            ),
            hint: String::new(),
            items: missing,
            warn: few,
        });
    }
    findings
}
