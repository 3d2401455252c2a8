//! JSON at full precision: the results document itself (docs/results.md,
//! which holds each task's groups), or the view's own object.

use super::{EvalView, Renderer};
use crate::model::ResultsDocument;
use crate::report::compare::Comparison;
use crate::report::leaderboard::Board;

/// Pretty JSON.
pub struct Json;

/// `value` as pretty JSON with a final newline.
fn pretty(value: &serde_json::Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

impl Renderer for Json {
    /// The results document.
    fn results(&self, document: &ResultsDocument) -> String {
        document.to_json()
    }

    /// Nothing: the document holds each result's `groups`.
    fn groups(&self, _document: &ResultsDocument) -> String {
        String::new()
    }

    /// The layout, and per row every cell's full-precision value, interval
    /// and rank (1 best, 2 second-best, null otherwise).
    fn leaderboard(&self, board: &Board) -> String {
        let rows: Vec<serde_json::Value> = board
            .names()
            .into_iter()
            .zip(board.cells.iter().zip(&board.ranks))
            .map(|(name, (row, rs))| {
                let cells: Vec<serde_json::Value> = row
                    .iter()
                    .zip(rs)
                    .map(|(m, r)| {
                        serde_json::json!({
                            "value": m.as_ref().map(|m| m.value),
                            "ci": m.as_ref().and_then(|m| m.ci),
                            "rank": r,
                        })
                    })
                    .collect();
                serde_json::json!({"name": name, "cells": cells})
            })
            .collect();
        pretty(&serde_json::json!({
            "columns": board.layout.columns,
            "rows": rows,
            "signature": board.signature,
        }))
    }

    /// The comparison with its summary line.
    fn comparison(&self, comparison: &Comparison) -> String {
        let mut value = serde_json::to_value(comparison).unwrap_or_default();
        value["summary"] = comparison.summary().into();
        pretty(&value)
    }

    /// The results document alone, even for `--all` (it holds every task,
    /// so `compare` and `leaderboard` read it) and with `--by`.
    fn eval(&self, view: &EvalView<'_>) -> String {
        self.results(view.document)
    }
}
