//! The one output seam: every format is one file behind [`Renderer`]
//! (modelled on hyperfine's `export/`), and every view is rendered through
//! it: a run's per-task results (`eval`), its `--by` groups, the
//! leaderboard (`leaderboard`, `eval --all`'s row) and the comparison
//! (`compare`). A new format is one file and one [`Format`] variant; a new
//! view is one method here, which every format must then implement.
//!
//! - `table`: fixed-width text for a terminal; long names are elided so
//!   widths never depend on the input's length.
//! - `markdown`, `csv`: one table per view (`|` escaped; RFC 4180 quoting).
//! - `json`: the results document itself, or the view's own object.
//! - `html`: the self-contained report page of [`crate::report::html`],
//!   escaped throughout.

mod csv;
mod html;
mod json;
mod markdown;
mod table;

use crate::model::group::SMALL_GROUP;
use crate::model::{Evaluation, Metric, ResultsDocument, RowGroup, TaskResult};
use crate::report::compare::Comparison;
use crate::report::html::input::Run;
use crate::report::leaderboard::{Board, Layout};
use crate::report::numbers::{figure, format_percent, percent};

/// An output format (`--format`; [`Format::help`] says what each writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Markdown,
    Csv,
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Markdown,
        Format::Csv,
        Format::Html,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// What the format writes, in a line.
    pub fn help(self) -> &'static str {
        match self {
            Format::Table => "A readable table (the default)",
            Format::Json => "The results document as pretty JSON (docs/results.md)",
            Format::Markdown => "A Markdown table",
            Format::Csv => "CSV with a header row",
            Format::Html => "One self-contained HTML page with tables and charts (docs/report.md)",
        }
    }

    /// The renderer of this format.
    pub fn renderer(self) -> &'static dyn Renderer {
        match self {
            Format::Table => &table::Table,
            Format::Json => &json::Json,
            Format::Markdown => &markdown::Markdown,
            Format::Csv => &csv::Csv,
            Format::Html => &html::Html,
        }
    }

    /// Whether the format shows sample records (the HTML page's
    /// distributions and worst samples), so they are worth reading.
    pub fn needs_samples(self) -> bool {
        self == Format::Html
    }
}

/// What `eval` prints: the run, the paper row it fills (`--all`), and
/// whether groups were asked for (`--by`).
#[derive(Debug, Clone, Copy)]
pub struct EvalView<'a> {
    /// The results document.
    pub document: &'a ResultsDocument,
    /// The evaluations behind it, with their sample records.
    pub evaluations: &'a [Evaluation],
    /// The paper table `--all` fills (one row), if the benchmark has one.
    pub row: Option<&'static [RowGroup]>,
    /// Show the figures' intervals in that row (`--confidence`).
    pub ci: bool,
    /// `--by` was given: add the groups.
    pub by: bool,
}

/// Renders every view in one format. Each method returns the whole output,
/// ending in a newline (or empty where the format shows the view elsewhere).
pub trait Renderer {
    /// A run's per-task figures, counts and signatures.
    fn results(&self, document: &ResultsDocument) -> String;

    /// The `--by` figures of each task (docs/report.md).
    fn groups(&self, document: &ResultsDocument) -> String;

    /// Runs side by side, best and second-best marked.
    fn leaderboard(&self, board: &Board) -> String;

    /// `compare`'s figures and verdicts.
    fn comparison(&self, comparison: &Comparison) -> String;

    /// `eval`'s output: the paper row of `--all` when the benchmark has one,
    /// else the per-task results; then the `--by` groups.
    fn eval(&self, view: &EvalView<'_>) -> String {
        let mut text = results_or_row(self, view);
        if view.by {
            text.push_str(&self.groups(view.document));
        }
        text
    }
}

/// `eval`'s run in `renderer`: the paper row of `--all` when the benchmark
/// has one, else the per-task results.
fn results_or_row<R: Renderer + ?Sized>(renderer: &R, view: &EvalView<'_>) -> String {
    match view.row {
        Some(row) => renderer.leaderboard(&Board::new(
            vec![Run::unsampled(view.document.clone())],
            Layout::of_groups(row),
            view.ci,
        )),
        None => renderer.results(view.document),
    }
}

/// The metric names over all results, in first-seen order.
fn metric_columns<'a>(results: impl IntoIterator<Item = &'a TaskResult>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for m in results.into_iter().flat_map(|r| &r.metrics) {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    names
}

fn metric<'a>(result: &'a TaskResult, name: &str) -> Option<&'a Metric> {
    result.metrics.iter().find(|m| m.name == name)
}

/// A figure as the tables print it, with its interval when there is one.
fn cell(m: &Metric) -> String {
    figure(m.value, m.ci.as_ref())
}

/// The count columns shared by markdown and CSV, with their values.
fn count_cells(r: &TaskResult) -> [(&'static str, String); 7] {
    let c = &r.counts;
    [
        ("samples", c.samples.to_string()),
        ("scored", c.scored.to_string()),
        ("missing", c.missing.to_string()),
        ("parse_failed", c.parse_failed.to_string()),
        ("dropped_intervals", c.dropped_intervals.to_string()),
        ("unknown_ids", c.unknown_ids.to_string()),
        ("format", percent(format_percent(r))),
    ]
}

/// One header and one row per result: benchmark, task, metrics, counts,
/// signature. `split_ci`: intervals in their own `low`/`high` columns (CSV)
/// rather than beside the value (Markdown).
fn results_grid(results: &[TaskResult], split_ci: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let names = metric_columns(results);
    let with_ci = |n: &str| {
        split_ci
            && results
                .iter()
                .any(|r| metric(r, n).is_some_and(|m| m.ci.is_some()))
    };
    let mut header: Vec<String> = vec!["benchmark".into(), "task".into()];
    for n in &names {
        header.push(n.to_string());
        if with_ci(n) {
            header.extend([format!("{n} low"), format!("{n} high")]);
        }
    }
    if let Some(first) = results.first() {
        header.extend(count_cells(first).iter().map(|(k, _)| k.to_string()));
    }
    header.push("signature".into());
    let rows = results
        .iter()
        .map(|r| {
            let mut row = vec![r.benchmark.to_string(), r.task.clone()];
            for n in &names {
                let m = metric(r, n);
                if with_ci(n) {
                    let ci = m.and_then(|m| m.ci);
                    row.push(m.map_or_else(String::new, |m| percent(m.value)));
                    row.push(ci.map_or_else(String::new, |c| percent(c.low)));
                    row.push(ci.map_or_else(String::new, |c| percent(c.high)));
                } else {
                    row.push(m.map_or_else(String::new, cell));
                }
            }
            row.extend(count_cells(r).into_iter().map(|(_, v)| v));
            row.push(r.signature.clone());
            row
        })
        .collect();
    (header, rows)
}

/// The note under group tables that mark small groups.
fn small_note() -> String {
    format!("* fewer than {SMALL_GROUP} samples: a noisy figure\n")
}

/// Whether any group of the document is small.
fn any_small(document: &ResultsDocument) -> bool {
    document
        .results
        .iter()
        .flat_map(|e| &e.groups)
        .any(|g| g.small)
}

#[cfg(test)]
mod tests;
