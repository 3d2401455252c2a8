//! Markdown tables (GitHub's dialect), `|` escaped in every cell: best in
//! bold and second-best underlined in the leaderboard.

use std::fmt::Write;

use super::{Renderer, any_small, cell, results_grid, small_note};
use crate::model::ResultsDocument;
use crate::report::compare::Comparison;
use crate::report::leaderboard::Board;

/// A Markdown table per view.
pub struct Markdown;

/// `|` escaped, as a cell needs it.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A Markdown table from a header and rows, `|` escaped in cells;
/// `right` lists the columns to right-align.
fn table(header: &[String], rows: &[Vec<String>], right: &[usize]) -> String {
    let line = |cells: &[String]| {
        let escaped: Vec<String> = cells.iter().map(|c| escape(c)).collect();
        format!("| {} |\n", escaped.join(" | "))
    };
    let mut out = line(header);
    let rule: Vec<&str> = (0..header.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

impl Renderer for Markdown {
    /// One row per task.
    fn results(&self, document: &ResultsDocument) -> String {
        let (header, rows) = results_grid(&document.task_results(), false);
        table(&header, &rows, &[])
    }

    /// A table per task with groups, small groups marked `*`.
    fn groups(&self, document: &ResultsDocument) -> String {
        let mut out = String::new();
        for entry in document.results.iter().filter(|e| !e.groups.is_empty()) {
            let result = &entry.result;
            let names: Vec<String> = result.metrics.iter().map(|m| escape(&m.name)).collect();
            let _ = writeln!(
                out,
                "\n**{} / {} by group**\n\n| by | group | samples | {} |\n|---|---|---:|{}",
                result.benchmark,
                escape(&result.task),
                names.join(" | "),
                "---:|".repeat(names.len())
            );
            for g in &entry.groups {
                let values: Vec<String> = g.metrics.iter().map(cell).collect();
                let mark = if g.small { "*" } else { "" };
                let _ = writeln!(
                    out,
                    "| {} | {} | {}{mark} | {} |",
                    escape(&g.by),
                    escape(&g.group),
                    g.samples,
                    values.join(" | ")
                );
            }
        }
        if any_small(document) {
            out.push('\n');
            out.push_str(&small_note());
        }
        out
    }

    /// Best in bold, second-best underlined, the signature below.
    fn leaderboard(&self, board: &Board) -> String {
        let header: Vec<String> = std::iter::once("model".to_owned())
            .chain(board.layout.titles())
            .collect();
        let rows: Vec<Vec<String>> = board
            .names()
            .into_iter()
            .zip(&board.ranks)
            .enumerate()
            .map(|(row, (name, rs))| {
                std::iter::once(name.to_owned())
                    .chain(rs.iter().enumerate().map(|(c, r)| match r {
                        Some(1) => format!("**{}**", board.text(row, c)),
                        Some(2) => format!("<u>{}</u>", board.text(row, c)),
                        _ => board.text(row, c),
                    }))
                    .collect()
            })
            .collect();
        let right: Vec<usize> = (1..header.len()).collect();
        format!(
            "{}\n{}Signature: `{}`\n",
            table(&header, &rows, &right),
            if board.ranked() {
                "Best in bold, second-best underlined. "
            } else {
                ""
            },
            board.signature
        )
    }

    /// A pull-request comment: header, table (regressions in bold), summary.
    fn comparison(&self, comparison: &Comparison) -> String {
        let mut out = format!("**cuebench compare**: {}\n\n", comparison.header());
        let (header, rows) = comparison.grid(true);
        let right: Vec<usize> = (2..header.len() - 1).collect();
        out.push_str(&table(&header, &rows, &right));
        let _ = writeln!(out, "\n{}", comparison.summary());
        out
    }
}
