//! `cuebench report`: one self-contained HTML file for one or several runs.
//!
//! Everything is inline (CSS, SVG charts); a Content-Security-Policy forbids
//! every fetch, so the file opens the same offline. Sections, each an element
//! with its id: `summary`, `tables` (Table 2 / Table 3 / a sibling's figures,
//! best bold, second-best underlined, intervals when present), `tasks`
//! (per-task bars across runs), `groups` (per-group bars, `eval --by`),
//! `when` (IoU distribution and R@k curve), `what` (per-sample score
//! distribution), `worst` (the lowest-scoring samples, collapsed) and
//! `provenance` (signatures, tool, inputs with hashes, command lines).
//! The same inputs give the same bytes.

mod bars;
pub mod charts;
mod distributions;
pub mod input;
mod provenance;
mod samples;
mod tables;

use std::fmt::Write;

use super::numbers::percent;
use crate::model::names::{IOU, MIOU, SEM, STRUCT, TIOU};
use crate::model::{BenchmarkId, Metric, Protocol, ResultEntry, SampleRecord};
use charts::{Bar, css_colour};
use input::Run;

/// The whole report.
pub fn render(runs: &[Run]) -> String {
    let mut body = String::new();
    body.push_str(&tables::summary(runs));
    body.push_str(&tables::tables(runs));
    body.push_str(&bars::task_charts(runs));
    body.push_str(&bars::group_charts(runs));
    body.push_str(&distributions::when_charts(runs));
    body.push_str(&distributions::what_charts(runs));
    body.push_str(&samples::worst_samples(runs));
    body.push_str(&provenance::provenance(runs));
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    page(
        &format!("cuebench report: {}", names.join(", ")),
        &format!(
            "<h1>cuebench report</h1><p>{}</p>\n{NAV}",
            escape(&names.join(" · "))
        ),
        &body,
    )
}

/// A self-contained page: `title` (escaped here), the `header` and `body`
/// markup (escaped by their makers), the report's style, and a
/// Content-Security-Policy that forbids every fetch.
pub fn page(title: &str, header: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>{header}</header>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

const NAV: &str = "<nav aria-label=\"Sections\"><ul>\
<li><a href=\"#tables\">Tables</a></li><li><a href=\"#tasks\">Tasks</a></li>\
<li><a href=\"#groups\">Groups</a></li><li><a href=\"#when\">Temporal</a></li>\
<li><a href=\"#what\">Recognition</a></li><li><a href=\"#worst\">Worst samples</a></li>\
<li><a href=\"#provenance\">Provenance</a></li></ul></nav>";

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:0 1rem 3rem;color:#1a1a1a;background:#fff;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #0072b2;padding-bottom:.2rem;margin-top:2.5rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem 1rem}
a{color:#0072b2}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.2rem .45rem;text-align:right;vertical-align:top}
th{background:#f2f2f2}td.label,th.label{text-align:left}th.label{white-space:nowrap}
.scroll{overflow-x:auto}caption{text-align:left;font-weight:600;padding:.2rem 0}
#tables table{font-size:.75rem}#tables th,#tables td{padding:.1rem .2rem}#tables .ci{font-size:.68rem}#tables th.group{text-align:center}
.best{font-weight:700}.second{text-decoration:underline}
.ci{display:block;color:#555;font-size:.75rem}
.small-group{color:#8a4b00}
figure{margin:1rem 0;break-inside:avoid}figcaption{font-weight:600;margin-bottom:.3rem}
figure svg{max-width:100%;height:auto}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;margin:.2rem 0}
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;vertical-align:middle;border:1px solid #333}
details{margin:.3rem 0}summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.4rem;font-size:.8rem;margin:.2rem 0}
.note{color:#555;font-size:.9rem}
@media print{nav{display:none}body{max-width:none;font-size:10pt}.scroll{overflow:visible}#tables table{font-size:7pt}h2{break-after:avoid}
table,figure,details{break-inside:avoid}a{color:inherit;text-decoration:none}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A task as the report orders it: benchmark, protocol and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TaskKey {
    benchmark: BenchmarkId,
    protocol: Protocol,
    task: String,
}

impl TaskKey {
    fn title(&self) -> String {
        match (self.benchmark, self.protocol) {
            (BenchmarkId::CueBench, Protocol::Unified) => self.task.clone(),
            (BenchmarkId::CueBench, protocol) => format!("{} ({protocol})", self.task),
            (benchmark, _) => format!("{benchmark} {}", self.task),
        }
    }
}

/// Every task of the runs in first-seen order, with each run's entry.
fn tasks(runs: &[Run]) -> Vec<(TaskKey, Vec<Option<&ResultEntry>>)> {
    let mut keys: Vec<TaskKey> = Vec::new();
    for run in runs {
        for e in &run.document.results {
            let key = TaskKey {
                benchmark: e.result.benchmark,
                protocol: run.document.run.protocol,
                task: e.result.task.clone(),
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .map(|key| {
            let entries = runs
                .iter()
                .map(|run| {
                    (run.document.run.protocol == key.protocol)
                        .then(|| {
                            run.document.results.iter().find(|e| {
                                e.result.benchmark == key.benchmark && e.result.task == key.task
                            })
                        })
                        .flatten()
                })
                .collect();
            (key, entries)
        })
        .collect()
}

fn figure<'a>(entry: &'a ResultEntry, name: &str) -> Option<&'a Metric> {
    entry.result.metrics.iter().find(|m| m.name == name)
}

/// A When task reports mIoU.
fn is_when(entry: &ResultEntry) -> bool {
    figure(entry, MIOU).is_some()
}

/// The per-sample score behind a task's distribution and its worst samples:
/// IoU for When tasks, else Sem, else the first figure.
fn sample_score(entry: &ResultEntry) -> String {
    if is_when(entry) {
        IOU.into()
    } else if figure(entry, SEM).is_some() {
        SEM.into()
    } else {
        entry
            .result
            .metrics
            .first()
            .map_or_else(|| STRUCT.into(), |m| m.name.clone())
    }
}

/// The figure a group chart shows: TIoU for When tasks, else Sem, else the first.
fn headline(entry: &ResultEntry) -> Option<&Metric> {
    figure(entry, TIOU)
        .or_else(|| figure(entry, SEM))
        .or_else(|| entry.result.metrics.first())
}

/// A sample's score `name` (a score it lacks counts 0, as in the means).
fn score_of(sample: &SampleRecord, name: &str) -> f64 {
    sample
        .scores
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0.0, |(_, v)| *v)
}

/// A run as a chart shows it: its colour index (its place among all runs,
/// so it keeps its colour in every chart) and its name.
type Shown<'a> = (usize, &'a str);

/// The runs with an entry for a task, with their colour index.
fn members<'a>(
    runs: &'a [Run],
    entries: &[Option<&'a ResultEntry>],
) -> Vec<(Shown<'a>, &'a ResultEntry)> {
    runs.iter()
        .zip(entries)
        .enumerate()
        .filter_map(|(i, (run, e))| e.map(|e| ((i, run.name.as_str()), e)))
        .collect()
}

fn legend(shown: &[Shown<'_>]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (i, name) in shown {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
            css_colour(*i),
            escape(name)
        );
    }
    out.push_str("</ul>");
    out
}

/// A chart in a figure: caption, the SVG as an image with a text
/// alternative, the legend, and the numbers behind it as a collapsed table.
fn chart_figure(
    caption: &str,
    alt: &str,
    svg: Result<String, String>,
    shown: &[Shown<'_>],
    data: &str,
) -> String {
    let body = match svg {
        Ok(svg) => svg.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(alt)),
            1,
        ),
        Err(e) => format!(
            "<p class=\"note\">The chart could not be drawn ({}); its numbers follow.</p>",
            escape(&e)
        ),
    };
    format!(
        "<figure><figcaption>{}</figcaption>\n{body}\n{}\n<details><summary>Numbers behind the chart</summary>{data}</details></figure>\n",
        escape(caption),
        legend(shown)
    )
}

fn cell_text(f: &Metric) -> String {
    match f.ci {
        Some(ci) => format!(
            "{}<span class=\"ci\">[{}, {}]</span>",
            percent(f.value),
            percent(ci.low),
            percent(ci.high)
        ),
        None => percent(f.value),
    }
}

fn bar_of(f: Option<&Metric>) -> Option<Bar> {
    f.map(|f| Bar {
        value: f.value,
        interval: f.ci.map(|ci| (ci.low, ci.high)),
    })
}

/// A data table: a row per category, a column per run.
fn data_table(
    categories: &[String],
    shown: &[Shown<'_>],
    values: &[Vec<Option<String>>],
) -> String {
    let mut out = String::from("<table><thead><tr><th class=\"label\"></th>");
    for (_, name) in shown {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    out.push_str("</tr></thead><tbody>");
    for (c, category) in categories.iter().enumerate() {
        let _ = write!(out, "<tr><th class=\"label\">{}</th>", escape(category));
        for column in values {
            let text = column
                .get(c)
                .cloned()
                .flatten()
                .unwrap_or_else(|| "–".into());
            let _ = write!(out, "<td>{text}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn no_samples_note() -> &'static str {
    "<p class=\"note\">No run of this task has per-sample results: score with <code>eval --output DIR</code>.</p>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
