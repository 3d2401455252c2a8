//! HTML: the self-contained report page of [`crate::report::html`] (every
//! name escaped, no fetch allowed), for one run or many; `compare`'s table
//! on a page of its own in the same style.

use std::fmt::Write;

use super::{EvalView, Renderer};
use crate::model::ResultsDocument;
use crate::report::compare::Comparison;
use crate::report::html::input::Run;
use crate::report::html::{escape, page, render};
use crate::report::leaderboard::Board;

/// The HTML report.
pub struct Html;

impl Renderer for Html {
    /// The report page of one run, without sample records.
    fn results(&self, document: &ResultsDocument) -> String {
        render(&[Run::unsampled(document.clone())])
    }

    /// Nothing more: the page holds the groups (`#groups`).
    fn groups(&self, _document: &ResultsDocument) -> String {
        String::new()
    }

    /// The report page of the board's runs.
    fn leaderboard(&self, board: &Board) -> String {
        render(&board.runs)
    }

    /// The comparison's header, table (regressions in bold) and summary.
    fn comparison(&self, comparison: &Comparison) -> String {
        let (header, rows) = comparison.grid(false);
        let mut body = format!(
            "<section id=\"compare\"><h2>Compare</h2>\n<p>{}</p>\n<table><thead><tr>",
            escape(&comparison.header())
        );
        for (i, h) in header.iter().enumerate() {
            let class = if i < 2 { " class=\"label\"" } else { "" };
            let _ = write!(body, "<th{class}>{}</th>", escape(h));
        }
        body.push_str("</tr></thead><tbody>\n");
        for (row, change) in rows.iter().zip(&comparison.changes) {
            let class = if change.regression {
                " class=\"best\""
            } else {
                ""
            };
            let _ = write!(body, "<tr{class}>");
            for (i, cell) in row.iter().enumerate() {
                let class = if i < 2 { " class=\"label\"" } else { "" };
                let _ = write!(body, "<td{class}>{}</td>", escape(cell));
            }
            body.push_str("</tr>\n");
        }
        let _ = write!(
            body,
            "</tbody></table>\n<p>{}</p></section>\n",
            escape(&comparison.summary())
        );
        page(
            &format!(
                "cuebench compare: {} vs {}",
                comparison.baseline.name, comparison.candidate.name
            ),
            "<h1>cuebench compare</h1>",
            &body,
        )
    }

    /// The report page of the run just scored, with its sample records.
    fn eval(&self, view: &EvalView<'_>) -> String {
        render(&[Run::scored(view.document.clone(), view.evaluations)])
    }
}
