//! `cuebench bench --runs N`: how the time of scoring many runs grows
//! (docs/many-runs.md). N generated runs of the bench input answer the
//! same samples, mostly alike (each drifts from the truth its own way, as
//! checkpoints of one training run do); they are scored cold together
//! (`eval --all run-*/`: one embedding pass over the union of their texts)
//! and as N separate cold evals one after another (sharing the vector
//! cache, as a script of N `eval` calls would).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::benchmarks::Request;
use crate::benchmarks::cuebench::{eval_options, read_inputs, run as eval};
use crate::benchmarks::many_runs::{RunFolder, run_folders, score_runs};
use crate::embedding::EmbedOptions;
use crate::error::{Error, Result};
use crate::evaluate::Session;
use crate::formats::records::write_file;
use crate::model::{BenchmarkId, Protocol};
use crate::synthetic;

/// The seed of the generated videos and of the first run's predictions.
const SEED: u64 = 2026;

/// How scoring N runs together compares with N separate evals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunsReport {
    /// Runs scored.
    pub runs: usize,
    /// Distinct texts of the first run alone.
    pub texts_first: usize,
    /// Distinct texts of all runs together: what one pass embeds.
    pub texts_union: usize,
    /// The N runs scored together from an empty cache, seconds.
    pub together_s: f64,
    /// The N runs scored one `eval` after another from an empty cache
    /// (shared by them), seconds.
    pub separate_s: f64,
    /// The first of those separate evals (one run, cold), seconds.
    pub first_s: f64,
}

impl RunsReport {
    /// The figures as `cuebench bench --runs N` prints them.
    pub fn text(&self) -> String {
        format!(
            "{} runs | distinct texts: {} in the first, {} in all\n\
             together (one pass), cold cache    {:8.2} s\n\
             {} separate evals, cold cache      {:8.2} s   (the first alone {:.2} s)\n\
             together / separate                {:8.2}\n\
             (separate evals that share no cache take about {} x the first: {:.0} s)\n",
            self.runs,
            self.texts_first,
            self.texts_union,
            self.together_s,
            self.runs,
            self.separate_s,
            self.first_s,
            self.together_s / self.separate_s.max(1e-9),
            self.runs,
            self.first_s * self.runs as f64,
        )
    }
}

/// Generates `n` runs under `work` and times them together, then apart.
pub fn run(work: &Path, embed: &EmbedOptions, n: usize) -> Result<RunsReport> {
    if n == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    let (gt, folders) = generate(work, n)?;
    let folders = run_folders(&folders)?;
    let cache = work.join("cache");
    let embed = EmbedOptions {
        cache_dir: Some(cache.clone()),
        no_cache: false,
        ..embed.clone()
    };
    let request = Request {
        gt,
        embed,
        ..Request::default()
    };
    let empty_cache = || match std::fs::remove_dir_all(&cache) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Write {
            path: cache.clone(),
            source: e,
        }),
        _ => Ok(()),
    };
    empty_cache()?;
    let start = Instant::now();
    let together = score_runs(BenchmarkId::CueBench, Protocol::Unified, &request, &folders)?;
    let together_s = start.elapsed().as_secs_f64();
    empty_cache()?;
    let mut times = Vec::with_capacity(n);
    for folder in &folders {
        let start = Instant::now();
        eval(&eval_options(&run_request(&request, folder))?)?;
        times.push(start.elapsed().as_secs_f64());
    }
    let first = eval_options(&run_request(&request, &folders[0]))?;
    let texts_first = Session::open(first.session_options())?
        .texts_to_embed(&read_inputs(&first)?)?
        .len();
    Ok(RunsReport {
        runs: n,
        texts_first,
        texts_union: together.texts.unwrap_or(0),
        together_s,
        separate_s: times.iter().sum(),
        first_s: times[0],
    })
}

/// `request` for one run's folder.
fn run_request(request: &Request, folder: &RunFolder) -> Request {
    Request {
        predictions: folder.path.clone(),
        ..request.clone()
    }
}

/// Writes the bench input's annotations and `n` run folders of
/// `<task>.jsonl` files (the predictions of seeds 2026, 2027, ...).
fn generate(work: &Path, n: usize) -> Result<(PathBuf, Vec<PathBuf>)> {
    let videos = synthetic::videos(SEED);
    let runs = work.join("runs");
    let _ = std::fs::remove_dir_all(&runs);
    let gt = work.join("annotations.jsonl");
    make_dir(work)?;
    write_file(&gt, synthetic::annotations_jsonl(&videos).as_bytes())?;
    let mut folders = Vec::with_capacity(n);
    for k in 0..n {
        let folder = runs.join(format!("run-{k:03}"));
        make_dir(&folder)?;
        let mut by_task: BTreeMap<String, String> = BTreeMap::new();
        for line in synthetic::predictions_jsonl(&videos, SEED + k as u64).lines() {
            let record: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| Error::Usage(format!("bench: a generated line is not JSON ({e})")))?;
            let task = record["task"].as_str().unwrap_or_default().to_owned();
            let text = by_task.entry(task).or_default();
            text.push_str(line);
            text.push('\n');
        }
        for (task, text) in by_task {
            write_file(&folder.join(format!("{task}.jsonl")), text.as_bytes())?;
        }
        folders.push(folder);
    }
    Ok((gt, folders))
}

fn make_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })
}
