//! What any benchmark's scoring hands back ([`EvalRun`]: evaluations,
//! groups, hashed inputs, settings, likely mistakes, docs/scoring.md §11),
//! and the one pipeline that turns a run into its results document:
//! bootstrap intervals, per-group figures, the document (docs/results.md).
//! The command line and the Python package both call it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::evaluate::confidence::add_confidence;
use crate::evaluate::groups::add_group_confidence;
use crate::model::{
    BenchmarkId, Confidence, Evaluation, Group, InputFile, Inputs, Protocol, ResultsDocument,
    RunInfo, RunSettings,
};
use crate::provenance::input_sha256;
use crate::signature::Signature;

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

/// What a results document says about its run besides what the run itself
/// knows: how it was asked for.
#[derive(Debug, Clone)]
pub struct RunHeader {
    /// The command line (or the Python call), program name first.
    pub command: Vec<String>,
    /// The model's label.
    pub name: String,
    /// The benchmark.
    pub benchmark: BenchmarkId,
    /// The protocol.
    pub protocol: Protocol,
}

/// A run with its results document: the document and the evaluations it
/// was made from (with their intervals), for the output formats.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The results document (docs/results.md), groups included.
    pub document: ResultsDocument,
    /// One evaluation per task, in task order.
    pub evaluations: Vec<Evaluation>,
}

impl EvalRun {
    /// The run's results document (docs/results.md): with `confidence`,
    /// bootstrap intervals on every per-sample-mean figure and group
    /// (docs/scoring.md §12); then each task's groups (`--by`).
    pub fn into_document(
        self,
        header: RunHeader,
        confidence: Option<Confidence>,
    ) -> Result<Scored> {
        let mut evaluations = self.evaluations;
        let mut groups = self.groups;
        if let Some(c) = confidence {
            if c.n == 0 {
                return Err(Error::Usage("--confidence-n must be at least 1".into()));
            }
            evaluations.iter_mut().for_each(|e| add_confidence(e, c));
            for (g, e) in groups.iter_mut().zip(&evaluations) {
                add_group_confidence(g, e, c);
            }
        }
        let info = RunInfo {
            command: header.command,
            name: header.name,
            benchmark: header.benchmark,
            protocol: header.protocol,
            inputs: self.inputs,
            settings: RunSettings {
                scoring: self.settings,
                confidence,
            },
        };
        let results = evaluations.iter().map(|e| e.result.clone()).collect();
        let mut document = ResultsDocument::new(info, results)?;
        for (entry, g) in document.results.iter_mut().zip(groups) {
            entry.groups = g;
        }
        Ok(Scored {
            document,
            evaluations,
        })
    }
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

/// A sibling benchmark's evaluation as a run: its annotation file joins the
/// signature (docs/scoring.md §11) and the inputs are hashed.
pub fn sibling_run(evaluation: Evaluation, gt: &Path, predictions: &Path) -> Result<EvalRun> {
    described_run(vec![evaluation], gt, |_| predictions.to_owned())
}

/// Evaluations of any benchmark as a run: the annotation file joins every
/// signature, the annotation file and each task's predictions file
/// (`file_of(task)`, when it exists) are hashed, and each task's likely
/// mistakes are found from its counts and samples.
pub fn described_run(
    evaluations: Vec<Evaluation>,
    gt: &Path,
    file_of: impl Fn(&str) -> PathBuf,
) -> Result<EvalRun> {
    let annotations = input_file(gt)?;
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
        if let (Some(signature), Some(sha256)) = (
            Signature::parse(&evaluation.result.signature),
            &annotations.sha256,
        ) {
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
    let missing = evaluation.missing_ids();
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
