//! `cuebench reward`: one CUE-R1 reward per completion line (SPEC 7), from a
//! file in one batch or from a stream, one line in, one line out, flushed.
//! The model, taxonomy and vectors stay loaded for the whole stream.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use crate::embedding::{EmbedOptions, Embedder, Vectors, embed_texts, lazy_embedder};
use crate::error::{Error, Result};
use crate::evaluate::context::{Hierarchy, TextContext, candidate_texts, value_texts};
use crate::evaluate::cue_r1::reward;
use crate::evaluate::{Prepared, Settings, prepare_one, score_prepared};
use crate::formats::annotations::read_annotations;
use crate::formats::predictions::{Prediction, parse_line};
use crate::formats::records::read_text;
use crate::tasks::Task;
use crate::tasks::derive::{Sample, derive_samples};
use crate::taxonomy::{Taxonomy, add_ground_truth};

/// Inputs of a reward session.
#[derive(Debug, Clone)]
pub struct RewardOptions {
    /// The task of lines without a `task` field.
    pub task: Option<Task>,
    /// The annotation file.
    pub gt: PathBuf,
    /// Scoring choices (`--tiou`, `--tau` does not apply: R^H has no cut-off).
    pub settings: Settings,
    /// Eq. 5's lambda.
    pub lambda: f64,
    /// The embedding model.
    pub embed: EmbedOptions,
    /// `--taxonomy`.
    pub taxonomy: Option<PathBuf>,
}

/// A loaded scorer: ground truth, model and vectors, reused line after line.
pub struct RewardSession {
    options: RewardOptions,
    samples: HashMap<(Task, String), Sample>,
    embedder: Box<dyn Embedder>,
    context: TextContext,
    source: PathBuf,
}

impl RewardSession {
    /// Reads the annotations and taxonomy, loads the model and embeds every
    /// ground-truth and candidate text once (through the disk cache).
    /// `source` names the input in error messages.
    pub fn new(options: RewardOptions, source: &Path) -> Result<Self> {
        if !(0.0..=1.0).contains(&options.lambda) {
            return Err(Error::Usage(format!(
                "--lambda must lie in [0, 1], got {}",
                options.lambda
            )));
        }
        let videos = read_annotations(&options.gt)?;
        let mut taxonomy = Taxonomy::load_or_builtin(options.taxonomy.as_deref())?;
        add_ground_truth(&mut taxonomy, &videos, &options.gt)?;
        let samples: HashMap<(Task, String), Sample> = Task::ALL
            .iter()
            .flat_map(|&t| derive_samples(&videos, t))
            .map(|s| ((s.task, s.id.clone()), s))
            .collect();
        let mut embedder = lazy_embedder(&options.embed)?;
        let truths: Vec<Prepared> = samples.values().map(|s| prepare_one(s, None)).collect();
        let mut texts = value_texts(truths.iter().map(|p| (p.sample.task, p)));
        texts.extend(candidate_texts(&taxonomy));
        let vectors = embed_texts(embedder.as_mut(), &texts, &options.embed)?;
        let context = TextContext {
            vectors,
            hierarchy: Some(Hierarchy::new(taxonomy, 1.0)),
        };
        Ok(RewardSession {
            options,
            samples,
            embedder,
            context,
            source: source.to_owned(),
        })
    }

    /// Rewards for a batch of lines `(line number, text)`: one JSON line each,
    /// in order. New texts are embedded in one pass (memory only: the disk
    /// cache is for ground truth and candidates, not every completion).
    pub fn score_lines(&mut self, lines: &[(usize, String)]) -> Result<Vec<String>> {
        let predictions: Vec<Prediction> = lines
            .iter()
            .map(|(n, text)| parse_line(text, *n, &self.source))
            .collect::<Result<_>>()?;
        let mut prepared = Vec::with_capacity(predictions.len());
        for p in &predictions {
            let task = self.task_of(p)?;
            let sample = self
                .samples
                .get(&(task, p.id.clone()))
                .ok_or_else(|| Error::Field {
                    path: self.source.clone(),
                    line: p.line,
                    field: "id".into(),
                    message: format!("`{}` is not a {task} sample of the ground truth", p.id),
                })?;
            prepared.push(prepare_one(sample, Some(&p.content)));
        }
        let views = || prepared.iter().map(|p| (p.sample.task, p));
        let missing: Vec<String> = value_texts(views())
            .into_iter()
            .filter(|t| self.context.vectors.get(t).is_none())
            .collect();
        if !missing.is_empty() {
            let in_memory = EmbedOptions {
                no_cache: true,
                quiet: true,
                ..self.options.embed.clone()
            };
            let found: Vectors = embed_texts(self.embedder.as_mut(), &missing, &in_memory)?;
            self.context.vectors.merge(found);
        }
        if let Some(h) = self.context.hierarchy.as_mut() {
            h.add_proxies(&self.context.vectors, views());
        }
        Ok(prepared
            .iter()
            .zip(&predictions)
            .map(|(p, pred)| self.line_json(p, pred))
            .collect())
    }

    fn task_of(&self, p: &Prediction) -> Result<Task> {
        let field = |message: String| Error::Field {
            path: self.source.clone(),
            line: p.line,
            field: "task".into(),
            message,
        };
        match (&p.task, self.options.task) {
            (Some(name), _) => name.parse().map_err(field),
            (None, Some(t)) => Ok(t),
            (None, None) => Err(field(
                "missing (give --task or a `task` on every line)".into(),
            )),
        }
    }

    fn line_json(&self, p: &Prepared<'_>, prediction: &Prediction) -> String {
        let task = p.sample.task;
        let scores = score_prepared(task, p, &self.options.settings, Some(&self.context));
        let r = reward(task, &scores, p.format_ok, self.options.lambda);
        serde_json::json!({
            "id": prediction.id,
            "task": task.name(),
            "status": p.status,
            "reward": r.reward,
            "parts": r.parts,
        })
        .to_string()
    }
}

/// Scores a whole file in one batch and writes one line per completion.
pub fn run_file(session: &mut RewardSession, input: &Path, out: &mut dyn Write) -> Result<()> {
    let text = read_text(input)?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    for line in session.score_lines(&lines)? {
        writeln!(out, "{line}").map_err(|e| stdout_error(&e))?;
    }
    Ok(())
}

/// Reads completions line by line and answers each at once, flushing after
/// every line, until the input ends.
pub fn run_stream(
    session: &mut RewardSession,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<()> {
    let mut number = 0;
    let mut text = String::new();
    loop {
        text.clear();
        number += 1;
        let read = input.read_line(&mut text).map_err(|source| Error::Io {
            path: session.source.clone(),
            source,
        })?;
        if read == 0 {
            return Ok(());
        }
        if text.trim().is_empty() {
            continue;
        }
        for line in session.score_lines(&[(number, text.trim_end().to_owned())])? {
            writeln!(out, "{line}")
                .and_then(|_| out.flush())
                .map_err(|e| stdout_error(&e))?;
        }
    }
}

fn stdout_error(e: &std::io::Error) -> Error {
    Error::Write {
        path: PathBuf::from("<stdout>"),
        source: std::io::Error::new(e.kind(), e.to_string()),
    }
}
