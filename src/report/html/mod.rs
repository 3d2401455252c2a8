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

pub mod charts;
pub mod input;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::export::percent;
use super::leaderboard::TABLE2;
use charts::{Bar, BarSeries, LineSeries, css_colour};
use input::{Entry, Figure, Run, SampleLine};

/// Samples shown per task and run in `worst`.
pub const WORST: usize = 5;

/// The IoU thresholds of the R@k curve: 0, 0.05, ..., 1.
const CURVE_STEPS: usize = 20;

/// Histogram bins over [0, 1]; a score of 1 falls in the last.
const BINS: usize = 10;

/// The whole report.
pub fn render(runs: &[Run]) -> String {
    let mut body = String::new();
    body.push_str(&summary(runs));
    body.push_str(&tables(runs));
    body.push_str(&task_charts(runs));
    body.push_str(&group_charts(runs));
    body.push_str(&when_charts(runs));
    body.push_str(&what_charts(runs));
    body.push_str(&worst_samples(runs));
    body.push_str(&provenance(runs));
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>cuebench report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>cuebench report</h1><p>{}</p>\n{}</header>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(&names.join(", ")),
        escape(&names.join(" · ")),
        NAV
    )
}

const NAV: &str = "<nav aria-label=\"Sections\"><ul>\
<li><a href=\"#tables\">Tables</a></li><li><a href=\"#tasks\">Tasks</a></li>\
<li><a href=\"#groups\">Groups</a></li><li><a href=\"#when\">When</a></li>\
<li><a href=\"#what\">What</a></li><li><a href=\"#worst\">Worst samples</a></li>\
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
    benchmark: String,
    protocol: String,
    task: String,
}

impl TaskKey {
    fn title(&self) -> String {
        match (self.benchmark.as_str(), self.protocol.as_str()) {
            ("cuebench", "unified") => self.task.clone(),
            ("cuebench", protocol) => format!("{} ({protocol})", self.task),
            (benchmark, _) => format!("{benchmark} {}", self.task),
        }
    }
}

fn protocol(run: &Run) -> String {
    run.document
        .protocol
        .clone()
        .unwrap_or_else(|| "unified".into())
}

/// Every task of the runs in first-seen order, with each run's entry.
fn tasks(runs: &[Run]) -> Vec<(TaskKey, Vec<Option<&Entry>>)> {
    let mut keys: Vec<TaskKey> = Vec::new();
    for run in runs {
        for e in &run.document.results {
            let key = TaskKey {
                benchmark: e.benchmark.clone(),
                protocol: protocol(run),
                task: e.task.clone(),
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
                    (protocol(run) == key.protocol)
                        .then(|| {
                            run.document
                                .results
                                .iter()
                                .find(|e| e.benchmark == key.benchmark && e.task == key.task)
                        })
                        .flatten()
                })
                .collect();
            (key, entries)
        })
        .collect()
}

fn figure<'a>(entry: &'a Entry, name: &str) -> Option<&'a Figure> {
    entry.metrics.iter().find(|m| m.name == name)
}

/// A When task reports mIoU.
fn is_when(entry: &Entry) -> bool {
    figure(entry, "mIoU").is_some()
}

/// The per-sample score behind a task's distribution and its worst samples:
/// IoU for When tasks, else Sem, else the first figure.
fn sample_score(entry: &Entry) -> String {
    if is_when(entry) {
        "IoU".into()
    } else if figure(entry, "Sem").is_some() {
        "Sem".into()
    } else {
        entry
            .metrics
            .first()
            .map_or_else(|| "Struct".into(), |m| m.name.clone())
    }
}

/// The figure a group chart shows: TIoU for When tasks, else Sem, else the first.
fn headline(entry: &Entry) -> Option<&Figure> {
    figure(entry, "TIoU")
        .or_else(|| figure(entry, "Sem"))
        .or_else(|| entry.metrics.first())
}

/// A run as a chart shows it: its colour index (its place among all runs,
/// so it keeps its colour in every chart) and its name.
type Shown<'a> = (usize, &'a str);

/// The runs with an entry for a task, with their colour index.
fn members<'a>(runs: &'a [Run], entries: &[Option<&'a Entry>]) -> Vec<(Shown<'a>, &'a Entry)> {
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

fn cell_text(f: &Figure) -> String {
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

/// Dense ranks of printed values, higher better: 1 best, 2 second-best
/// (ties share a rank; one distinct value has no second-best).
fn ranks(values: &[Option<f64>]) -> Vec<Option<u8>> {
    let printed = |v: f64| (v * 100.0).round() as i64;
    let mut distinct: Vec<i64> = values.iter().flatten().map(|&v| printed(v)).collect();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    values
        .iter()
        .map(
            |v| match distinct.iter().position(|&d| Some(d) == v.map(printed)) {
                Some(0) => Some(1),
                Some(1) => Some(2),
                _ => None,
            },
        )
        .collect()
}

fn summary(runs: &[Run]) -> String {
    let mut out = String::from(
        "<section id=\"summary\"><h2>Runs</h2><table><thead><tr><th class=\"label\">run</th>\
         <th class=\"label\">benchmark</th><th class=\"label\">protocol</th><th>tasks</th>\
         <th>samples</th><th>scored</th><th>missing</th><th>parse failed</th></tr></thead><tbody>",
    );
    for run in runs {
        let count = |key: &str| -> u64 {
            run.document
                .results
                .iter()
                .filter_map(|e| e.counts.get(key).and_then(Value::as_u64))
                .sum()
        };
        let _ = write!(
            out,
            "<tr><td class=\"label\">{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&run.name),
            escape(run.document.benchmark.as_deref().unwrap_or("cuebench")),
            escape(&protocol(run)),
            run.document.results.len(),
            count("samples"),
            count("scored"),
            count("missing"),
            count("parse_failed")
        );
    }
    out.push_str("</tbody></table>");
    out.push_str(
        "<p class=\"note\">Figures are percent. In tables the best value of a column is bold and the second-best \
         underlined (as printed, ties shared); brackets give the bootstrap interval when the run was scored \
         with <code>--confidence</code>.</p></section>\n",
    );
    out
}

/// One table per benchmark and protocol: Table 2 for CueBench's unified
/// protocol, the runs' own figures otherwise (Table 3 for the separate one).
fn tables(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"tables\"><h2>Results tables</h2>\n");
    let all = tasks(runs);
    let mut families: Vec<(String, String)> = Vec::new();
    for (key, _) in &all {
        let family = (key.benchmark.clone(), key.protocol.clone());
        if !families.contains(&family) {
            families.push(family);
        }
    }
    for (benchmark, protocol) in families {
        let columns: Vec<(String, String, String)> =
            if benchmark == "cuebench" && protocol == "unified" {
                TABLE2
                    .iter()
                    .flat_map(|(task, heading, metrics)| {
                        metrics.iter().map(move |m| {
                            (
                                task.name().to_owned(),
                                (*heading).to_owned(),
                                (*m).to_owned(),
                            )
                        })
                    })
                    .collect()
            } else {
                let mut columns = Vec::new();
                for (key, entries) in all
                    .iter()
                    .filter(|(k, _)| k.benchmark == benchmark && k.protocol == protocol)
                {
                    for e in entries.iter().flatten() {
                        for m in &e.metrics {
                            let column = (key.task.clone(), key.task.clone(), m.name.clone());
                            if !columns.contains(&column) {
                                columns.push(column);
                            }
                        }
                    }
                }
                columns
            };
        let title = match (benchmark.as_str(), protocol.as_str()) {
            ("cuebench", "unified") => "Table 2: CueBench, unified protocol".to_owned(),
            ("cuebench", _) => "Table 3: CueBench, separate protocol".to_owned(),
            (b, _) => b.to_owned(),
        };
        let members: Vec<&Run> = runs
            .iter()
            .filter(|r| {
                crate::report::html::protocol(r) == protocol
                    && r.document.results.iter().any(|e| e.benchmark == benchmark)
            })
            .collect();
        fn value<'r>(
            run: &'r Run,
            benchmark: &str,
            (task, _, metric): &(String, String, String),
        ) -> Option<&'r Figure> {
            run.document
                .results
                .iter()
                .find(|e| e.benchmark == benchmark && &e.task == task)
                .and_then(|e| figure(e, metric))
        }
        let column_ranks: Vec<Vec<Option<u8>>> = columns
            .iter()
            .map(|c| {
                let values: Vec<Option<f64>> = members
                    .iter()
                    .map(|r| value(r, &benchmark, c).map(|f| f.value))
                    .collect();
                ranks(&values)
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"scroll\"><table><caption>{}</caption><thead><tr><th class=\"label\" scope=\"col\">run</th>",
            escape(&title)
        );
        for (_, heading, metric) in &columns {
            let _ = write!(
                out,
                "<th scope=\"col\">{} {}</th>",
                escape(heading),
                escape(metric)
            );
        }
        out.push_str("</tr></thead><tbody>");
        for (r, run) in members.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><th class=\"label\" scope=\"row\">{}</th>",
                escape(&run.name)
            );
            for (c, column) in columns.iter().enumerate() {
                let class = match column_ranks[c][r] {
                    Some(1) => " class=\"best\"",
                    Some(2) => " class=\"second\"",
                    _ => "",
                };
                let text = value(run, &benchmark, column).map_or_else(|| "–".to_owned(), cell_text);
                let _ = write!(out, "<td{class}>{text}</td>");
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
    out
}

fn bar_of(f: Option<&Figure>) -> Option<Bar> {
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

fn task_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"tasks\"><h2>Per task</h2>\n");
    for (key, entries) in tasks(runs) {
        let members = members(runs, &entries);
        let shown: Vec<Shown> = members.iter().map(|(s, _)| *s).collect();
        let mut names: Vec<String> = Vec::new();
        for m in members.iter().flat_map(|(_, e)| &e.metrics) {
            if !names.contains(&m.name) {
                names.push(m.name.clone());
            }
        }
        let series: Vec<BarSeries> = members
            .iter()
            .map(|((colour, _), e)| BarSeries {
                colour: *colour,
                bars: names.iter().map(|n| bar_of(figure(e, n))).collect(),
            })
            .collect();
        let values: Vec<Vec<Option<String>>> = members
            .iter()
            .map(|(_, e)| names.iter().map(|n| figure(e, n).map(cell_text)).collect())
            .collect();
        let title = key.title();
        out.push_str(&chart_figure(
            &format!("{title}: every figure, by run"),
            &format!(
                "Bar chart of the {title} figures ({}) of {} run(s), percent; the numbers follow in a table.",
                names.join(", "),
                shown.len()
            ),
            charts::bars(&names, &series, "percent"),
            &shown,
            &data_table(&names, &shown, &values),
        ));
    }
    out.push_str("</section>\n");
    out
}

fn group_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"groups\"><h2>Per group</h2>\n");
    let mut any = false;
    for (key, entries) in tasks(runs) {
        let members: Vec<(Shown, &Entry)> = members(runs, &entries)
            .into_iter()
            .filter(|(_, e)| !e.groups.is_empty())
            .collect();
        let shown: Vec<Shown> = members.iter().map(|(s, _)| *s).collect();
        let mut bys: Vec<&str> = Vec::new();
        for g in members.iter().flat_map(|(_, e)| &e.groups) {
            if !bys.contains(&g.by.as_str()) {
                bys.push(&g.by);
            }
        }
        let Some(metric) = members
            .iter()
            .find_map(|(_, e)| headline(e))
            .map(|f| f.name.clone())
        else {
            continue;
        };
        for by in bys {
            any = true;
            out.push_str(&group_chart(&key, by, &metric, &members, &shown));
        }
    }
    if !any {
        out.push_str(
            "<p class=\"note\">No run holds per-group figures: score with <code>eval --by branch</code> \
             (or domain, effect, event, genre, camera_view).</p>",
        );
    } else {
        out.push_str("<p class=\"note\">* fewer than 10 samples: shown, but the figure is noisy. A sample whose triplets differ at a level counts in each of its groups.</p>");
    }
    out.push_str("</section>\n");
    out
}

/// One task's `metric` per group of `by`, a bar per run.
fn group_chart(
    key: &TaskKey,
    by: &str,
    metric: &str,
    members: &[(Shown<'_>, &Entry)],
    shown: &[Shown<'_>],
) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut small: BTreeMap<String, bool> = BTreeMap::new();
    for g in members
        .iter()
        .flat_map(|(_, e)| &e.groups)
        .filter(|g| g.by == by)
    {
        if !groups.contains(&g.group) {
            groups.push(g.group.clone());
        }
        *small.entry(g.group.clone()).or_default() |= g.small;
    }
    let find = |e: &Entry, group: &str| -> Option<input::GroupFigures> {
        e.groups
            .iter()
            .find(|g| g.by == by && g.group == group)
            .cloned()
    };
    let labels: Vec<String> = groups
        .iter()
        .map(|g| {
            if small[g] {
                format!("{g} *")
            } else {
                g.clone()
            }
        })
        .collect();
    let series: Vec<BarSeries> = members
        .iter()
        .map(|((colour, _), e)| BarSeries {
            colour: *colour,
            bars: groups
                .iter()
                .map(|g| {
                    bar_of(
                        find(e, g)
                            .as_ref()
                            .and_then(|g| g.metrics.iter().find(|m| m.name == metric)),
                    )
                })
                .collect(),
        })
        .collect();
    let values: Vec<Vec<Option<String>>> = members
        .iter()
        .map(|(_, e)| {
            groups
                .iter()
                .map(|g| {
                    find(e, g).map(|g| {
                        let figures: Vec<String> = g
                            .metrics
                            .iter()
                            .map(|m| format!("{} {}", escape(&m.name), cell_text(m)))
                            .collect();
                        let class = if g.small {
                            " class=\"small-group\""
                        } else {
                            ""
                        };
                        format!(
                            "<span{class}>n = {}</span><br>{}",
                            g.samples,
                            figures.join("<br>")
                        )
                    })
                })
                .collect()
        })
        .collect();
    let title = key.title();
    chart_figure(
        &format!("{title}: {metric} by {by}"),
        &format!(
            "Bar chart of {title} {metric} per {by} group ({} groups) for {} run(s); groups marked * have fewer than 10 samples.",
            groups.len(),
            shown.len()
        ),
        charts::bars(&labels, &series, &format!("{metric} (percent)")),
        shown,
        &data_table(&labels, shown, &values),
    )
}

/// Per-sample `score` of each run that wrote samples for the task.
fn sample_scores<'a>(
    runs: &'a [Run],
    key: &TaskKey,
    entries: &[Option<&'a Entry>],
    score: &str,
) -> Vec<(Shown<'a>, Vec<f64>)> {
    members(runs, entries)
        .into_iter()
        .filter_map(|((i, name), _)| {
            let lines = runs[i].samples.get(&key.task)?;
            let scores = lines
                .iter()
                .map(|s| s.scores.get(score).copied().unwrap_or(0.0))
                .collect();
            Some(((i, name), scores))
        })
        .collect()
}

/// Share of scores (percent) per bin of [0, 1], plotted at bin centres.
fn histogram(scores: &[f64]) -> Vec<(f64, f64)> {
    let mut counts = [0usize; BINS];
    for &s in scores {
        let bin = ((s.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let n = scores.len().max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| ((i as f64 + 0.5) / BINS as f64, 100.0 * c as f64 / n))
        .collect()
}

/// R@k (percent of samples with IoU >= k) for k = 0, 0.05, ..., 1.
fn recall_curve(ious: &[f64]) -> Vec<(f64, f64)> {
    let n = ious.len().max(1) as f64;
    (0..=CURVE_STEPS)
        .map(|i| {
            let k = i as f64 / CURVE_STEPS as f64;
            (
                k,
                100.0 * ious.iter().filter(|&&x| x >= k).count() as f64 / n,
            )
        })
        .collect()
}

/// A line chart over the runs that wrote samples, with its data table.
fn line_figure(
    per_run: &[(Shown<'_>, Vec<f64>)],
    curve: fn(&[f64]) -> Vec<(f64, f64)>,
    caption: &str,
    alt: &str,
    axes: (&str, &str),
) -> String {
    let shown: Vec<Shown> = per_run.iter().map(|(s, _)| *s).collect();
    let lines: Vec<LineSeries> = per_run
        .iter()
        .map(|((colour, _), scores)| LineSeries {
            colour: *colour,
            points: curve(scores),
        })
        .collect();
    let categories: Vec<String> = lines
        .first()
        .map(|l| l.points.iter().map(|(x, _)| format!("{x:.2}")).collect())
        .unwrap_or_default();
    let values: Vec<Vec<Option<String>>> = lines
        .iter()
        .map(|l| l.points.iter().map(|(_, y)| Some(percent(*y))).collect())
        .collect();
    chart_figure(
        caption,
        alt,
        charts::lines(&lines, axes.0, axes.1),
        &shown,
        &data_table(&categories, &shown, &values),
    )
}

fn no_samples_note() -> &'static str {
    "<p class=\"note\">No run of this task has per-sample results: score with <code>eval --output DIR</code>.</p>"
}

fn when_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"when\"><h2>When tasks: IoU</h2>\n");
    for (key, entries) in tasks(runs) {
        if !entries.iter().flatten().any(|e| is_when(e)) {
            continue;
        }
        let title = key.title();
        let ious = sample_scores(runs, &key, &entries, "IoU");
        let _ = write!(out, "<h3>{}</h3>", escape(&title));
        if ious.is_empty() {
            out.push_str(no_samples_note());
            continue;
        }
        out.push_str(&line_figure(
            &ious,
            histogram,
            &format!("{title}: distribution of per-sample IoU"),
            &format!("Line chart: share of {title} samples (percent) per IoU bin of width 0.1, one line per run."),
            ("IoU (bin centre)", "samples (%)"),
        ));
        out.push_str(&line_figure(
            &ious,
            recall_curve,
            &format!("{title}: R@k, the share of samples with IoU ≥ k"),
            &format!("Line chart: R@k of {title} for k from 0 to 1, one line per run; it falls as k grows."),
            ("threshold k", "R@k (%)"),
        ));
    }
    out.push_str("</section>\n");
    out
}

fn what_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"what\"><h2>What tasks: per-sample scores</h2>\n");
    for (key, entries) in tasks(runs) {
        let Some(first) = entries.iter().flatten().next() else {
            continue;
        };
        if is_when(first) {
            continue;
        }
        let score = sample_score(first);
        let title = key.title();
        let scores = sample_scores(runs, &key, &entries, &score);
        let _ = write!(out, "<h3>{}</h3>", escape(&title));
        if scores.is_empty() {
            out.push_str(no_samples_note());
            continue;
        }
        out.push_str(&line_figure(
            &scores,
            histogram,
            &format!("{title}: distribution of per-sample {score}"),
            &format!("Line chart: share of {title} samples (percent) per {score} bin of width 0.1, one line per run."),
            (&format!("{score} (bin centre)"), "samples (%)"),
        ));
    }
    out.push_str("</section>\n");
    out
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn sample_details(sample: &SampleLine, score: &str) -> String {
    let value = sample.scores.get(score).copied().unwrap_or(0.0);
    let scores: Vec<String> = sample
        .scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    let mut out = format!(
        "<details><summary><code>{}</code>: {score} {value:.3} ({})</summary>",
        escape(&sample.id),
        escape(&sample.status)
    );
    let _ = write!(out, "<p>Scores: {}</p>", escape(&scores.join(", ")));
    if let Some(response) = &sample.response {
        let _ = write!(out, "<p>Response</p><pre>{}</pre>", escape(response));
    }
    let _ = write!(
        out,
        "<p>Extracted answer</p><pre>{}</pre><p>Ground truth</p><pre>{}</pre>",
        escape(&pretty(&sample.answer)),
        escape(&pretty(&sample.truth))
    );
    if !sample.pairs.is_empty() {
        out.push_str("<p>Matched pairs</p><table><thead><tr><th>answer #</th><th>truth #</th><th>cosine</th><th>distance</th><th>IoU</th></tr></thead><tbody>");
        for pair in &sample.pairs {
            let cell = |k: &str| match pair.get(k) {
                Some(Value::Number(n)) => n.as_f64().map_or_else(String::new, |x| {
                    if x.fract() == 0.0 {
                        format!("{x}")
                    } else {
                        format!("{x:.3}")
                    }
                }),
                _ => "–".into(),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cell("output"),
                cell("truth"),
                cell("cosine"),
                cell("distance"),
                cell("iou")
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</details>");
    out
}

fn worst_samples(runs: &[Run]) -> String {
    let mut out = format!(
        "<section id=\"worst\"><h2>Worst samples</h2><p class=\"note\">Per task and run, the {WORST} answered \
         samples with the lowest per-sample score (IoU for When tasks, Sem for What tasks; ties by id; an \
         unparseable answer scores 0 and is listed), collapsed: open one for the response, the extracted \
         answer, the truth and the matched pairs. Samples without a prediction also score 0; they are counted, \
         not listed.</p>\n"
    );
    for (key, entries) in tasks(runs) {
        let Some(first) = entries.iter().flatten().next() else {
            continue;
        };
        let score = sample_score(first);
        let _ = write!(out, "<h3>{}</h3>", escape(&key.title()));
        let mut shown = false;
        for (run, entry) in runs.iter().zip(&entries) {
            let (Some(_), Some(lines)) = (entry, run.samples.get(&key.task)) else {
                continue;
            };
            shown = true;
            let of = |s: &SampleLine| s.scores.get(&score).copied().unwrap_or(0.0);
            let (missing, mut answered): (Vec<&SampleLine>, Vec<&SampleLine>) =
                lines.iter().partition(|s| s.status == "missing");
            answered.sort_by(|a, b| of(a).total_cmp(&of(b)).then_with(|| a.id.cmp(&b.id)));
            let _ = write!(
                out,
                "<h4>{}</h4><p class=\"note\">{} of {} samples without a prediction.</p>",
                escape(&run.name),
                missing.len(),
                lines.len()
            );
            for sample in answered.into_iter().take(WORST) {
                out.push_str(&sample_details(sample, &score));
            }
        }
        if !shown {
            out.push_str(no_samples_note());
        }
    }
    out.push_str("</section>\n");
    out
}

/// `key = value` lines for every leaf of a JSON value, in document order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), "null".into())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn key_value_table(rows: &[(String, String)]) -> String {
    let mut out = String::from("<table><tbody>");
    for (k, v) in rows {
        let _ = write!(
            out,
            "<tr><th class=\"label\" scope=\"row\">{}</th><td class=\"label\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A command line as one shell-readable string.
fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn provenance(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"provenance\"><h2>Provenance</h2>\n");
    for run in runs {
        let d = &run.document;
        let _ = write!(out, "<h3>{}</h3>", escape(&run.name));
        let mut rows: Vec<(String, String)> = Vec::new();
        flatten("tool", &d.tool, &mut rows);
        rows.push((
            "created".into(),
            d.created.clone().unwrap_or_else(|| "–".into()),
        ));
        rows.push(("command".into(), command_line(&d.command)));
        flatten("inputs", &d.inputs, &mut rows);
        flatten("settings", &d.settings, &mut rows);
        for e in &d.results {
            rows.push((format!("signature {}", e.task), e.signature.clone()));
        }
        out.push_str(&key_value_table(&rows));
    }
    out.push_str("</section>\n");
    out
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

    #[test]
    fn ranks_are_dense_on_printed_values() {
        // 50.001 and 50.004 print alike (50.00): both best; 40 second; 10 unranked.
        let r = ranks(&[Some(50.001), Some(40.0), None, Some(50.004), Some(10.0)]);
        assert_eq!(r, [Some(1), Some(2), None, Some(1), None]);
        assert_eq!(ranks(&[Some(3.0), Some(3.0)]), [Some(1), Some(1)]);
    }

    #[test]
    fn histogram_and_recall_by_hand() {
        // Scores 0, 0.05, 0.55, 1.0: bins 0, 0, 5, 9 -> 50% in bin 0, 25% in 5 and 9.
        let h = histogram(&[0.0, 0.05, 0.55, 1.0]);
        assert_eq!(h[0], (0.05, 50.0));
        assert_eq!(h[5].1, 25.0);
        assert_eq!(h[9].1, 25.0);
        assert_eq!(h.iter().map(|(_, y)| y).sum::<f64>(), 100.0);
        // IoUs 0.2, 0.6, 0.8: R@0 = 100, R@0.5 = 2/3, R@1 = 0.
        let c = recall_curve(&[0.2, 0.6, 0.8]);
        assert_eq!(c[0], (0.0, 100.0));
        assert!((c[10].1 - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(c[20], (1.0, 0.0));
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let words = ["cuebench", "eval", "--gt", "my file.json", "it's"].map(String::from);
        assert_eq!(
            command_line(&words),
            "cuebench eval --gt 'my file.json' 'it'\\''s'"
        );
    }
}
