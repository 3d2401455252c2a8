//! `cuebench bench`: times embedding and a whole `eval --all` on a generated
//! CueBench-sized input, with a cold and then a warm vector cache.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::benchmarks::cuebench::{EvalOptions, read_inputs, run as eval};
use crate::embedding::floor::{EncoderCost, Floor, matmul_rate};
use crate::embedding::{EmbedOptions, embed_texts, load_embedder, token_plan};
use crate::error::{Error, Result};
use crate::evaluate::Session;
use crate::evaluate::confidence::add_confidence;
use crate::formats::records::write_file;
use crate::model::{Confidence, Settings};
use crate::synthetic;
use crate::tasks::Task;

/// Timings of one benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// Ground-truth samples over all tasks.
    pub samples: usize,
    /// Distinct texts embedded by a cold run (answers, ground truth, candidates).
    pub texts: usize,
    /// `eval --all` with an empty cache, seconds.
    pub eval_cold_s: f64,
    /// `eval --all` again with the cache filled, seconds.
    pub eval_warm_s: f64,
    /// What `--confidence` (1000 resamples) adds to a run, seconds.
    pub confidence_s: f64,
    /// Embedding alone, no cache: texts per second at the chosen batch size.
    pub embed_texts_per_s: f64,
    /// Batch size used.
    pub batch_size: usize,
    /// The arithmetic floor of embedding those texts on this machine
    /// (tokens, padded tokens, FLOP per token, the measured MatMul rate).
    pub floor: Floor,
    /// `eval_cold_s` as a multiple of `floor.floor_s`.
    pub eval_cold_ratio: f64,
    /// The embedding pass (no cache) as a multiple of `floor.floor_s`.
    pub embed_ratio: f64,
}

impl BenchReport {
    /// The figures as `cuebench bench` prints them: each time, then the
    /// floor it is judged by.
    pub fn text(&self) -> String {
        let f = &self.floor;
        format!(
            "samples {} | distinct texts {}\n\
             eval --all, cold cache  {:8.2} s   {:5.2}x the floor\n\
             eval --all, warm cache  {:8.2} s\n\
             --confidence (n=1000)   {:8.2} s more\n\
             embedding (no cache)    {:8.0} texts/s at batch {}, {:5.2}x the floor\n\
             floor: {} tokens ({} computed with padding) x {:.1} MFLOP/token = {:.1} GFLOP \
             (attention included) at {:.1} GFLOP/s (one MatMul through ONNX Runtime) = {:.2} s\n",
            self.samples,
            self.texts,
            self.eval_cold_s,
            self.eval_cold_ratio,
            self.eval_warm_s,
            self.confidence_s,
            self.embed_texts_per_s,
            self.batch_size,
            self.embed_ratio,
            f.tokens,
            f.padded_tokens,
            f.flops_per_token / 1e6,
            f.flops / 1e9,
            f.matmul_flops_per_s / 1e9,
            f.floor_s,
        )
    }
}

/// Generates the data under `work`, then runs and times the three passes.
pub fn run(work: &Path, embed: &EmbedOptions) -> Result<BenchReport> {
    std::fs::create_dir_all(work).map_err(|source| Error::Write {
        path: work.to_owned(),
        source,
    })?;
    let videos = synthetic::videos(2026);
    let gt = work.join("annotations.jsonl");
    let predictions = work.join("predictions.jsonl");
    write_file(&gt, synthetic::annotations_jsonl(&videos).as_bytes())?;
    write_file(
        &predictions,
        synthetic::predictions_jsonl(&videos, 2026).as_bytes(),
    )?;
    let cache = work.join("cache");
    let _ = std::fs::remove_dir_all(&cache);
    let options = EvalOptions {
        tasks: Task::ALL.to_vec(),
        gt,
        predictions,
        layout: Default::default(),
        settings: Settings::default(),
        embed: EmbedOptions {
            cache_dir: Some(cache),
            no_cache: false,
            ..embed.clone()
        },
        taxonomy: None,
        by: Vec::new(),
    };
    let (cold, _) = timed(|| eval(&options))?;
    let (warm, mut run) = timed(|| eval(&options))?;
    let confidence = Confidence::default();
    let (confidence_s, ()) = timed(|| {
        run.evaluations
            .iter_mut()
            .for_each(|e| add_confidence(e, confidence));
        Ok(())
    })?;
    let texts =
        Session::open(options.session_options())?.texts_to_embed(&read_inputs(&options)?)?;
    let no_cache = EmbedOptions {
        no_cache: true,
        ..embed.clone()
    };
    let mut embedder = load_embedder(&no_cache)?;
    let (embed_s, _) = timed(|| embed_texts(embedder.as_mut(), &texts, &no_cache))?;
    let plan = token_plan(embedder.as_ref(), &texts, &no_cache)?;
    drop(embedder);
    let floor = Floor::new(
        &EncoderCost::of_model(embed)?,
        &plan.lengths,
        plan.padded_tokens,
        matmul_rate(embed)?,
    );
    Ok(BenchReport {
        samples: run
            .evaluations
            .iter()
            .map(|e| e.result.counts.samples)
            .sum(),
        texts: texts.len(),
        eval_cold_s: cold,
        eval_warm_s: warm,
        confidence_s,
        embed_texts_per_s: texts.len() as f64 / embed_s.max(1e-9),
        batch_size: embed.batch_size,
        eval_cold_ratio: floor.ratio(cold),
        embed_ratio: floor.ratio(embed_s),
        floor,
    })
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(f64, T)> {
    let start = Instant::now();
    let value = f()?;
    Ok((start.elapsed().as_secs_f64(), value))
}

/// The default work folder: `cuebench-bench` under the system temp folder.
pub fn default_work_dir() -> PathBuf {
    std::env::temp_dir().join("cuebench-bench")
}
