//! The runs and their results tables: Table 2 (CueBench, unified), Table 3
//! (separate protocol) or a sibling's own figures, in the leaderboard's
//! layouts with its best / second-best ranking (docs/results.md).

use std::fmt::Write;

use super::input::Run;
use super::{cell_text, escape, figure};
use crate::model::{BenchmarkId, Metric, Protocol, ResultsDocument};
use crate::report::leaderboard::{Column, Layout, ranks};

pub(super) fn summary(runs: &[Run]) -> String {
    let mut out = String::from(
        "<section id=\"summary\"><h2>Runs</h2><table><thead><tr><th class=\"label\">run</th>\
         <th class=\"label\">benchmark</th><th class=\"label\">protocol</th><th>tasks</th>\
         <th>samples</th><th>scored</th><th>missing</th><th>parse failed</th></tr></thead><tbody>",
    );
    for run in runs {
        let count = |f: fn(&crate::model::Counts) -> usize| -> usize {
            run.document
                .results
                .iter()
                .map(|e| f(&e.result.counts))
                .sum()
        };
        let _ = write!(
            out,
            "<tr><td class=\"label\">{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&run.name),
            escape(run.document.run.benchmark.name()),
            escape(run.document.run.protocol.name()),
            run.document.results.len(),
            count(|c| c.samples),
            count(|c| c.scored),
            count(|c| c.missing),
            count(|c| c.parse_failed)
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

/// One table per benchmark and protocol, in the order first seen.
pub(super) fn tables(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"tables\"><h2>Results tables</h2>\n");
    let mut families: Vec<(BenchmarkId, Protocol)> = Vec::new();
    for d in runs.iter().map(|r| &r.document) {
        let family = (d.run.benchmark, d.run.protocol);
        if !families.contains(&family) {
            families.push(family);
        }
    }
    for (benchmark, protocol) in families {
        let members: Vec<&Run> = runs
            .iter()
            .filter(|r| {
                r.document.run.benchmark == benchmark && r.document.run.protocol == protocol
            })
            .collect();
        let documents: Vec<ResultsDocument> = members.iter().map(|r| r.document.clone()).collect();
        let title = match (benchmark, protocol) {
            (BenchmarkId::CueBench, Protocol::Unified) => {
                "Table 2: CueBench, unified protocol".to_owned()
            }
            (BenchmarkId::CueBench, _) => "Table 3: CueBench, separate protocol".to_owned(),
            (b, p) => format!("{b} ({p})"),
        };
        out.push_str(&table(&title, &members, &Layout::for_documents(&documents)));
    }
    out.push_str("</section>\n");
    out
}

/// The figure of `column` in `run`, if scored.
fn cell<'r>(run: &'r Run, column: &Column) -> Option<&'r Metric> {
    run.document
        .results
        .iter()
        .find(|e| e.result.task == column.task)
        .and_then(|e| figure(e, &column.metric))
}

fn table(title: &str, members: &[&Run], layout: &Layout) -> String {
    let column_ranks: Vec<Vec<Option<u8>>> = layout
        .columns
        .iter()
        .map(|c| {
            let values: Vec<Option<f64>> = members
                .iter()
                .map(|r| cell(r, c).map(|m| m.value))
                .collect();
            ranks(&values)
        })
        .collect();
    let mut out = format!(
        "<div class=\"scroll\"><table><caption>{}</caption><thead><tr><th class=\"label\" scope=\"col\">run</th>",
        escape(title)
    );
    for c in &layout.columns {
        let _ = write!(
            out,
            "<th scope=\"col\">{} {}</th>",
            escape(&c.heading),
            escape(&c.metric)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for (r, run) in members.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th class=\"label\" scope=\"row\">{}</th>",
            escape(&run.name)
        );
        for (c, column) in layout.columns.iter().enumerate() {
            // A single row is not ranked (as in the leaderboard).
            let class = match column_ranks[c][r].filter(|_| members.len() > 1) {
                Some(1) => " class=\"best\"",
                Some(2) => " class=\"second\"",
                _ => "",
            };
            let text = cell(run, column).map_or_else(|| "–".to_owned(), cell_text);
            let _ = write!(out, "<td{class}>{text}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>\n");
    out
}
