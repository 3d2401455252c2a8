//! The `cuebench` Python package's native module: a scoring session that
//! loads once (annotations, taxonomy, model, vectors) and scores batches
//! with the GIL released. Everything is scored by the library's
//! `evaluate::Session`, so rewards equal `cuebench reward`'s and
//! evaluations equal `cuebench eval --format json`'s.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use cuebench::benchmarks::cuebench::{EvalOptions, run_in};
use cuebench::benchmarks::rewards::BenchRewards;
use cuebench::benchmarks::run::RunHeader;
use cuebench::embedding::{Device, EmbedOptions};
use cuebench::evaluate::session::{NO_ANNOTATIONS_SHA256, RewardedCompletion};
use cuebench::evaluate::{Completion, Session as Core, SessionOptions};
use cuebench::formats::layout::Layout;
use cuebench::formats::predictions::{PredictionContent, response_content};
use cuebench::model::{BenchmarkId, Protocol, Settings};
use cuebench::tasks::Task;
use cuebench::tasks::derive::Sample;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::Value;

/// A loaded scorer: annotations, taxonomy (ground truth added), model and
/// vectors, kept for the life of the object.
#[pyclass(module = "cuebench._cuebench", name = "Session", frozen)]
struct Session {
    core: Mutex<Core>,
    task: Option<Task>,
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (
        gt=None, taxonomy=None, model=None, device="cpu", cache_dir=None, tau=None, lam=None,
        *, task=None, tiou=None, sem_norm=None, batch_size=None, threads=None,
        ort_library=None, warm_up=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        gt: Option<PathBuf>,
        taxonomy: Option<PathBuf>,
        model: Option<PathBuf>,
        device: &str,
        cache_dir: Option<PathBuf>,
        tau: Option<f64>,
        lam: Option<f64>,
        task: Option<&str>,
        tiou: Option<&str>,
        sem_norm: Option<&str>,
        batch_size: Option<usize>,
        threads: Option<usize>,
        ort_library: Option<PathBuf>,
        warm_up: bool,
    ) -> PyResult<Self> {
        let task = task.map(|t| parse_task(t, "task")).transpose()?;
        let usage = |field: &str, e: String| PyValueError::new_err(format!("{field}: {e}"));
        // What is not given comes from the library's one set of defaults.
        let defaults = Settings::default();
        let settings = Settings {
            tiou: tiou
                .map_or(Ok(defaults.tiou), str::parse)
                .map_err(|e| usage("tiou", e))?,
            sem_norm: sem_norm
                .map_or(Ok(defaults.sem_norm), str::parse)
                .map_err(|e| usage("sem_norm", e))?,
            tau: tau.unwrap_or(defaults.tau),
            lambda: lam.unwrap_or(defaults.lambda),
            ..defaults
        };
        // As the CLI: `model=`, else $CUEBENCH_MODEL, else the data folder's.
        let model = model.or_else(|| std::env::var_os("CUEBENCH_MODEL").map(PathBuf::from));
        let embed = EmbedOptions {
            model_dir: model,
            ort_library,
            device: device.parse::<Device>().map_err(|e| usage("device", e))?,
            threads,
            batch_size: batch_size.unwrap_or(defaults.batch_size),
            cache_dir,
            quiet: true,
            ..EmbedOptions::default()
        };
        let options = SessionOptions {
            gt: gt
                .clone()
                .unwrap_or_else(|| PathBuf::from("<no annotations>")),
            taxonomy,
            settings,
            embed,
        };
        let core = py
            .detach(|| {
                let mut core = match gt {
                    Some(_) => Core::open(options)?,
                    None => Core::with_videos(options, Vec::new(), NO_ANNOTATIONS_SHA256.into())?,
                };
                if warm_up {
                    core.warm_up()?;
                }
                Ok(core)
            })
            .map_err(to_py_error)?;
        Ok(Session {
            core: Mutex::new(core),
            task,
        })
    }

    /// The CUE-R1 reward of each completion (docs/scoring.md §7), in order.
    #[pyo3(signature = (completions, ids, tasks=None, *, on_unknown="raise"))]
    fn rewards(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        tasks: Option<&Bound<'_, PyAny>>,
        on_unknown: &str,
    ) -> PyResult<Vec<Option<f64>>> {
        let raise = raises_on_unknown(on_unknown)?;
        let batch = self.batch(completion_contents(completions)?, texts(ids, "ids")?, tasks)?;
        let rewarded = py.detach(|| self.lock()?.rewards(&batch).map_err(to_py_error))?;
        rewards_or_none(
            rewarded.into_iter().map(|r| r.map(|r| r.reward.reward)),
            raise,
        )
    }

    /// One record per completion, as `cuebench reward` writes them.
    #[pyo3(signature = (completions, ids, tasks=None))]
    fn reward_details(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        tasks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let batch = self.batch(completion_contents(completions)?, texts(ids, "ids")?, tasks)?;
        let rewarded = py.detach(|| self.lock()?.rewards(&batch).map_err(to_py_error))?;
        rewarded
            .iter()
            .zip(&batch)
            .map(|(r, c)| {
                let record = match r {
                    Ok(r) => r.record(&c.id),
                    Err(unknown) => unknown_record(&c.id, c.task.name(), &unknown.to_string()),
                };
                to_python(py, &record)
            })
            .collect()
    }

    /// The reward of each completion against the truth given with it.
    fn rewards_against(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        truths: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<f64>> {
        let rewarded = self.score_against(py, completions, truths)?;
        Ok(rewarded.iter().map(|r| r.reward.reward).collect())
    }

    /// One record per completion scored against the truth given with it:
    /// `{"id", "task", "status", "reward", "parts"}`, as `reward_details`.
    fn reward_details_against(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        truths: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let samples = samples_of(&texts(truths, "ground_truth")?)?;
        let rewarded = self.score_against(py, completions, truths)?;
        rewarded
            .iter()
            .zip(&samples)
            .map(|(r, s)| to_python(py, &r.record(&s.id)))
            .collect()
    }

    /// Scores one task's predictions like `cuebench eval --format json`.
    #[pyo3(signature = (task, predictions, *, name=None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        task: &str,
        predictions: &Bound<'_, PyAny>,
        name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let task = parse_task(task, "task")?;
        let (path, _listed) = predictions_file(py, predictions)?;
        let name = name.unwrap_or_else(|| {
            path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            )
        });
        let (json, warnings) = py.detach(|| {
            let mut core = self.lock()?;
            let session = core.options().clone();
            let options = EvalOptions {
                tasks: vec![task],
                gt: session.gt,
                predictions: path.clone(),
                layout: Layout::default(),
                settings: session.settings,
                embed: session.embed,
                taxonomy: session.taxonomy,
                by: Vec::new(),
            };
            let run = run_in(&mut core, &options).map_err(to_py_error)?;
            let warnings: Vec<String> = run
                .findings
                .iter()
                .filter(|f| f.warn)
                .map(|f| f.warning())
                .collect();
            let header = RunHeader {
                command: vec!["cuebench.Session.evaluate".into(), task.name().into()],
                name,
                benchmark: BenchmarkId::CueBench,
                protocol: Protocol::Unified,
            };
            let document = run
                .into_document(header, None)
                .map_err(to_py_error)?
                .document;
            Ok::<_, PyErr>((document.to_json(), warnings))
        })?;
        // Never a silent zero: likely mistakes are Python warnings.
        let warn = py.import("warnings")?.getattr("warn")?;
        for w in warnings {
            warn.call1((w,))?;
        }
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| PyRuntimeError::new_err(format!("internal: bad result JSON: {e}")))?;
        to_python(py, &value)
    }

    /// The signature of a result for `task` (docs/scoring.md §8).
    fn signature(&self, task: &str) -> PyResult<String> {
        let task = parse_task(task, "task")?;
        Ok(self.lock()?.signature(task).to_string())
    }
}

impl Session {
    /// Scores completions against the `cuebench tasks` lines given with them.
    fn score_against(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        truths: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<RewardedCompletion>> {
        let contents = completion_contents(completions)?;
        let truths = texts(truths, "ground_truth")?;
        same_length(contents.len(), truths.len(), "ground_truth")?;
        let samples = samples_of(&truths)?;
        let pairs: Vec<(&Sample, &PredictionContent)> = samples.iter().zip(&contents).collect();
        py.detach(|| self.lock()?.rewards_against(&pairs).map_err(to_py_error))
    }

    fn lock(&self) -> PyResult<MutexGuard<'_, Core>> {
        self.core
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the session failed in another thread"))
    }

    /// The completions of a call, each with its task: `tasks` is one task
    /// name for all, one per completion, or `None` for the session's `task`.
    fn batch(
        &self,
        completions: Vec<PredictionContent>,
        ids: Vec<String>,
        tasks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Completion>> {
        same_length(completions.len(), ids.len(), "ids")?;
        let tasks: Vec<Task> = match tasks {
            None => {
                let task = self.task.ok_or_else(|| {
                    PyValueError::new_err(
                        "tasks: missing (give tasks=, or task= when opening the session)",
                    )
                })?;
                vec![task; ids.len()]
            }
            Some(t) if t.is_instance_of::<PyString>() => {
                vec![parse_task(&t.extract::<String>()?, "tasks")?; ids.len()]
            }
            Some(t) => {
                let names = optional_texts(t, "tasks")?;
                same_length(completions.len(), names.len(), "tasks")?;
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| match n {
                        Some(n) => parse_task(n, &format!("tasks[{i}]")),
                        // A row without a task takes the session's.
                        None => self.task.ok_or_else(|| {
                            PyValueError::new_err(format!(
                                "tasks[{i}]: None, and the session has no task= to use instead"
                            ))
                        }),
                    })
                    .collect::<PyResult<_>>()?
            }
        };
        Ok(completions
            .into_iter()
            .zip(ids)
            .zip(tasks)
            .map(|((content, id), task)| Completion { id, task, content })
            .collect())
    }
}

/// A sibling benchmark's training rewards (VAU-Bench: VAU-R1's GRPO rewards;
/// Vad-Reasoning: Vad-R1's AVA-GRPO rewards), loaded once; records equal
/// `cuebench reward --bench`'s.
#[pyclass(module = "cuebench._cuebench", name = "BenchSession", frozen)]
struct BenchSession {
    rewards: BenchRewards,
}

#[pymethods]
impl BenchSession {
    #[new]
    fn new(py: Python<'_>, bench: &str, gt: PathBuf, task: &str) -> PyResult<Self> {
        let rewards = py
            .detach(|| BenchRewards::open(bench, task, &gt))
            .map_err(to_py_error)?;
        Ok(BenchSession { rewards })
    }

    /// The task's name.
    #[getter]
    fn task(&self) -> &'static str {
        self.rewards.task_name()
    }

    /// The reward of each completion, in order; an unknown id raises
    /// `ValueError` (`on_unknown="raise"`) or gets `None`.
    #[pyo3(signature = (completions, ids, tasks=None, *, on_unknown="raise"))]
    fn rewards(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        tasks: Option<&Bound<'_, PyAny>>,
        on_unknown: &str,
    ) -> PyResult<Vec<Option<f64>>> {
        let raise = raises_on_unknown(on_unknown)?;
        let records = self.records(py, completions, ids, tasks)?;
        rewards_or_none(
            records
                .into_iter()
                .map(|r| r.map(|record| record["reward"].as_f64().unwrap_or(f64::NAN))),
            raise,
        )
    }

    /// One record per completion, as `cuebench reward --bench` writes them
    /// (`status` `"unknown"` with `"error"` for an unknown id).
    #[pyo3(signature = (completions, ids, tasks=None))]
    fn reward_details(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        tasks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let ids_list = texts(ids, "ids")?;
        self.records(py, completions, ids, tasks)?
            .into_iter()
            .zip(ids_list)
            .map(|(r, id)| {
                let record = r.unwrap_or_else(|unknown| {
                    unknown_record(&id, self.rewards.task_name(), &unknown)
                });
                to_python(py, &record)
            })
            .collect()
    }
}

/// The `reward_details` record of a completion whose id is not a sample
/// of its task: `status` `"unknown"`, no reward, and why.
fn unknown_record(id: &str, task: &str, error: &str) -> Value {
    serde_json::json!({
        "id": id,
        "task": task,
        "status": "unknown",
        "reward": null,
        "parts": null,
        "error": error,
    })
}

impl BenchSession {
    /// Each completion's record, or why its id is unknown; `tasks` (one
    /// name, one per completion, or `None`s) must name the session's task.
    fn records(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        tasks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Result<Value, String>>> {
        let completions = texts(completions, "completions")?;
        let ids = texts(ids, "ids")?;
        same_length(completions.len(), ids.len(), "ids")?;
        let names: Vec<Option<String>> = match tasks {
            None => Vec::new(),
            Some(t) if t.is_instance_of::<PyString>() => vec![Some(t.extract()?)],
            Some(t) => optional_texts(t, "tasks")?,
        };
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name.as_deref().filter(|&n| n != self.rewards.task_name()) {
                return Err(PyValueError::new_err(format!(
                    "tasks[{i}]: `{name}`, but this session scores {}",
                    self.rewards.task_name()
                )));
            }
        }
        Ok(py.detach(|| {
            completions
                .iter()
                .zip(&ids)
                .map(|(c, id)| self.rewards.record(id, c))
                .collect()
        }))
    }
}

/// The predictions file to score: a path as it is; a list of lines
/// (`dict`s or JSON strings) written to a temporary JSONL file, kept until
/// the returned guard is dropped.
fn predictions_file(
    py: Python<'_>,
    predictions: &Bound<'_, PyAny>,
) -> PyResult<(PathBuf, Option<tempfile::TempPath>)> {
    if let Ok(path) = predictions.extract::<PathBuf>() {
        return Ok((path, None));
    }
    let dumps = py.import("json")?.getattr("dumps")?;
    let mut text = String::new();
    for item in predictions.try_iter()? {
        let item = item?;
        let line: String = if item.is_instance_of::<PyString>() {
            item.extract()?
        } else {
            dumps.call1((item,))?.extract()?
        };
        text.push_str(&line);
        text.push('\n');
    }
    let io = |e: std::io::Error| PyOSError::new_err(format!("temporary predictions file: {e}"));
    let mut file = tempfile::Builder::new()
        .prefix("predictions-")
        .suffix(".jsonl")
        .tempfile()
        .map_err(io)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    let path = file.into_temp_path();
    Ok((path.to_path_buf(), Some(path)))
}

/// A sequence of `str`, each item checked: a `TypeError` names the first
/// item that is not a `str` (`ids[3]: expected str, got int 17`).
fn texts(items: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<String>> {
    optional_texts(items, field)?
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            t.ok_or_else(|| PyTypeError::new_err(format!("{field}[{i}]: expected str, got None")))
        })
        .collect()
}

/// A sequence of `str` or `None`, each item checked.
fn optional_texts(items: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<Option<String>>> {
    items_of(items, field)?
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if item.is_none() {
                return Ok(None);
            }
            item.cast::<PyString>()
                .map(|s| Some(s.to_string_lossy().into_owned()))
                .map_err(|_| {
                    let hint = if field == "ids" {
                        " (sample ids are texts such as \"vid_0001|t1\")"
                    } else {
                        ""
                    };
                    PyTypeError::new_err(format!(
                        "{field}[{i}]: expected str, got {} {}{hint}",
                        type_name(&item),
                        item.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                    ))
                })
        })
        .collect()
}

/// The items of a sequence argument (not a lone `str`, which Python would
/// also iterate, one character at a time).
fn items_of<'py>(items: &Bound<'py, PyAny>, field: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if items.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{field}: expected a sequence of str, got one str"
        )));
    }
    items
        .try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{field}: expected a sequence of str, got {}",
                type_name(items)
            ))
        })?
        .collect()
}

/// Each completion as the CLI and the server read the same text: over the
/// 1 MiB line cap, or not valid Unicode (a lone surrogate), it is an
/// unreadable answer (status `parse_failed`, reward 0) for that completion
/// alone, not an exception for the whole call. A `TypeError` names the first
/// item that is not a `str`.
fn completion_contents(items: &Bound<'_, PyAny>) -> PyResult<Vec<PredictionContent>> {
    items_of(items, "completions")?
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let text = item.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "completions[{i}]: expected str, got {} {}",
                    type_name(&item),
                    item.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                ))
            })?;
            Ok(response_content(text.to_cow().ok().as_deref()))
        })
        .collect()
}

fn type_name(item: &Bound<'_, PyAny>) -> String {
    item.get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string())
}

/// `cuebench tasks` lines read as samples; a `ValueError` names the line.
fn samples_of(truths: &[String]) -> PyResult<Vec<Sample>> {
    truths
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::from_str(t).map_err(|e| {
                PyValueError::new_err(format!(
                    "ground_truth[{i}]: not a `cuebench tasks` record: {e}"
                ))
            })
        })
        .collect()
}

/// Where the policy's response starts in a trainer's query (prompt and
/// response as one text); `None` when it cannot be told from the prompt.
/// The rule is the server's (`docs/python-and-server.md`).
#[pyfunction]
#[pyo3(signature = (query, prompt=None))]
fn response_of(query: &str, prompt: Option<&str>) -> Option<String> {
    cuebench::formats::query::response_of(query, prompt)
        .ok()
        .map(str::to_owned)
}

/// Each reward, an unknown id raising `ValueError` naming it (`raise`) or
/// giving `None`.
fn rewards_or_none<E: std::fmt::Display>(
    rewards: impl Iterator<Item = Result<f64, E>>,
    raise: bool,
) -> PyResult<Vec<Option<f64>>> {
    rewards
        .enumerate()
        .map(|(i, r)| match r {
            Ok(reward) => Ok(Some(reward)),
            Err(unknown) if raise => Err(PyValueError::new_err(format!("ids[{i}]: {unknown}"))),
            Err(_) => Ok(None),
        })
        .collect()
}

/// `on_unknown`: whether an unknown id raises (`"raise"`) or gets `None`.
fn raises_on_unknown(on_unknown: &str) -> PyResult<bool> {
    match on_unknown {
        "raise" => Ok(true),
        "none" => Ok(false),
        other => Err(PyValueError::new_err(format!(
            "on_unknown: expected \"raise\" or \"none\", got {other:?}"
        ))),
    }
}

fn parse_task(name: &str, field: &str) -> PyResult<Task> {
    name.parse()
        .map_err(|e: String| PyValueError::new_err(format!("{field}: {e}")))
}

fn same_length(completions: usize, other: usize, field: &str) -> PyResult<()> {
    if completions == other {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{field}: {other} given for {completions} completions"
    )))
}

/// Input errors (file:line:field) are `ValueError`s, unreadable files
/// `OSError`s, a missing or broken model `RuntimeError`s.
fn to_py_error(e: cuebench::Error) -> PyErr {
    use cuebench::Error;
    let message = pythonic(&e.to_string());
    match e {
        Error::Io { .. } | Error::Write { .. } => PyOSError::new_err(message),
        Error::Model(_) => PyRuntimeError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// The CLI's flags in a library message, said as this package's keyword
/// arguments (`--model DIR` -> `model=`).
fn pythonic(message: &str) -> String {
    [
        ("--model DIR", "model="),
        ("--ort-library", "ort_library="),
        ("--gt FILE", "gt="),
        ("--taxonomy", "taxonomy="),
        ("--cache-dir", "cache_dir="),
        ("--device", "device="),
    ]
    .iter()
    .fold(message.to_owned(), |m, (flag, keyword)| {
        m.replace(flag, keyword)
    })
}

/// A JSON value as the Python object `json.loads` would give.
fn to_python(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any().unbind(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any().unbind(),
            _ => n
                .as_f64()
                .unwrap_or(f64::NAN)
                .into_pyobject(py)?
                .into_any()
                .unbind(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(fields) => {
            let dict = PyDict::new(py);
            for (k, v) in fields {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// The native module.
#[pymodule]
fn _cuebench(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Session>()?;
    m.add_class::<BenchSession>()?;
    m.add_function(wrap_pyfunction!(response_of, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
