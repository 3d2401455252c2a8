//! Many runs side by side in the layout of the paper's Table 2
//! (docs/scoring.md §8, §11): `cuebench leaderboard` and the row of
//! `eval --all`. The columns are a value ([`Layout`]), so another table
//! (e.g. the separate protocol's Table 3) plugs in as another layout.
//!
//! Best and second-best per column: values are ranked as printed (rounded
//! to two decimals), higher is better; every row sharing the best printed
//! value is best, the next lower printed value is second-best (dense
//! ranking, ties shared too); a column with one distinct value has no
//! second-best, and an empty cell is never ranked.

use std::fmt::Write;

use serde::Serialize;

use super::export::{Format, csv_table, markdown_table, percent};
use crate::benchmarks::cuebench::TABLE2;
use crate::benchmarks::separate;
use crate::error::Result;
use crate::model::{BenchmarkId, Protocol, RowGroup};
use crate::model::{Metric, ResultsDocument};
use crate::signature::{Signature, check_comparable};

/// One column: a task's figure under a group heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The task whose result holds the figure, e.g. `anomaly-td`.
    pub task: String,
    /// The group heading, e.g. `Anomaly TD`.
    pub heading: String,
    /// The figure's name, e.g. `Sem`.
    pub metric: String,
}

/// The columns of a leaderboard, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Every column.
    pub columns: Vec<Column>,
}

impl Layout {
    /// The paper's Table 2.
    pub fn table2() -> Self {
        Self::of_groups(&TABLE2)
    }

    /// The columns of `groups`: each task's heading over its figures (a
    /// paper table such as [`TABLE2`], or the separate protocol's Table 3).
    pub fn of_groups(groups: &[RowGroup]) -> Self {
        Layout {
            columns: groups
                .iter()
                .flat_map(|&(task, heading, metrics)| {
                    metrics.iter().map(move |&metric| Column {
                        task: task.into(),
                        heading: heading.into(),
                        metric: metric.into(),
                    })
                })
                .collect(),
        }
    }

    /// Every (task, figure) of the documents in first-seen order, headed by
    /// the task name: the layout of a benchmark without a paper table.
    pub fn of_results(documents: &[ResultsDocument]) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        for r in documents.iter().flat_map(|d| &d.results).map(|e| &e.result) {
            for m in &r.metrics {
                let column = Column {
                    task: r.task.clone(),
                    heading: r.task.clone(),
                    metric: m.name.clone(),
                };
                if !columns.contains(&column) {
                    columns.push(column);
                }
            }
        }
        Layout { columns }
    }

    /// The layout for these documents: Table 2 for CueBench's unified
    /// protocol, Table 3 for its separate one, else their own figures.
    pub fn for_documents(documents: &[ResultsDocument]) -> Self {
        match documents.first() {
            Some(d)
                if d.run.benchmark == BenchmarkId::CueBench
                    && d.run.protocol == Protocol::Unified =>
            {
                Self::table2()
            }
            Some(d)
                if d.run.benchmark == BenchmarkId::CueBench
                    && d.run.protocol == Protocol::Separate =>
            {
                Self::of_groups(&separate::TABLE3)
            }
            _ => Self::of_results(documents),
        }
    }

    /// `Heading Metric` per column.
    fn titles(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| format!("{} {}", c.heading, c.metric))
            .collect()
    }
}

/// A cell's place in its column: 1 best, 2 second-best.
pub type Rank = Option<u8>;

/// The figure of `column` in `document`, if scored.
fn cell<'a>(document: &'a ResultsDocument, column: &Column) -> Option<&'a Metric> {
    document
        .results
        .iter()
        .find(|e| e.result.task == column.task)
        .and_then(|e| e.result.metrics.iter().find(|m| m.name == column.metric))
}

/// Dense ranks of printed values (see the module documentation).
pub fn ranks(values: &[Option<f64>]) -> Vec<Rank> {
    let printed = |v: f64| (v * 100.0).round() as i64;
    let mut distinct: Vec<i64> = values.iter().flatten().map(|&v| printed(v)).collect();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    values
        .iter()
        .map(|v| {
            let p = printed((*v)?);
            match distinct.iter().position(|&d| d == p) {
                Some(0) => Some(1),
                Some(1) => Some(2),
                _ => None,
            }
        })
        .collect()
}

/// Refuses documents whose signatures are not comparable (anything but
/// `task` and `version` differs; docs/scoring.md §11) with an error showing
/// both; returns a warning per version difference.
pub fn check_signatures(documents: &[(String, ResultsDocument)]) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let mut first: Option<(String, Signature)> = None;
    for (label, document) in documents {
        for entry in &document.results {
            let Some(signature) = Signature::parse(&entry.result.signature) else {
                return Err(crate::Error::Usage(format!(
                    "{label}: {}: unreadable signature `{}`",
                    entry.result.task, entry.result.signature
                )));
            };
            match &first {
                None => first = Some((label.clone(), signature)),
                Some((first_label, first_sig)) => {
                    let here = format!("{label} ({})", entry.result.task);
                    if let Some(w) =
                        check_comparable((first_label, first_sig), (&here, &signature))?
                    {
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                }
            }
        }
    }
    Ok(warnings)
}

/// The leaderboard of `documents` (one row each, labelled by its `name`) in
/// `format`; `ci` adds the intervals the documents hold.
pub fn render(documents: &[ResultsDocument], layout: &Layout, format: Format, ci: bool) -> String {
    let cells: Vec<Vec<Option<&Metric>>> = documents
        .iter()
        .map(|d| layout.columns.iter().map(|c| cell(d, c)).collect())
        .collect();
    // One row has nothing to be best against: no marks.
    let ranked = documents.len() > 1;
    let ranks: Vec<Vec<Rank>> = {
        let by_column: Vec<Vec<Rank>> = (0..layout.columns.len())
            .map(|c| {
                ranks(
                    &cells
                        .iter()
                        .map(|row| row[c].map(|m| m.value).filter(|_| ranked))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        (0..documents.len())
            .map(|r| by_column.iter().map(|col| col[r]).collect())
            .collect()
    };
    let names: Vec<&str> = documents.iter().map(|d| d.run.name.as_str()).collect();
    let signature = combined_signature(documents);
    match format {
        Format::Table => table(layout, documents, &cells, &ranks, ci, &signature),
        Format::Markdown => format!(
            "{}\n{}Signature: `{signature}`\n",
            markdown(layout, &names, &cells, &ranks, ci),
            if ranked {
                "Best in bold, second-best underlined. "
            } else {
                ""
            }
        ),
        Format::Csv => csv(layout, &names, &cells, ci),
        Format::Json => json(layout, &names, &cells, &ranks, &signature),
    }
}

/// The first result's signature with `task:all`: what every row shares.
fn combined_signature(documents: &[ResultsDocument]) -> String {
    documents
        .first()
        .and_then(|d| d.results.first())
        .map(|e| {
            let r = &e.result;
            r.signature
                .replace(&format!("task:{}|", r.task), "task:all|")
        })
        .unwrap_or_default()
}

/// A figure as text, with its interval when asked: `61.28 [59.90, 62.60]`.
fn text(m: Option<&Metric>, ci: bool) -> String {
    match m {
        None => "-".into(),
        Some(m) => match m.ci.filter(|_| ci) {
            Some(i) => format!(
                "{} [{}, {}]",
                percent(m.value),
                percent(i.low),
                percent(i.high)
            ),
            None => percent(m.value),
        },
    }
}

/// Fixed-width columns; best marked `*`, second-best `+` (legend below).
fn table(
    layout: &Layout,
    documents: &[ResultsDocument],
    cells: &[Vec<Option<&Metric>>],
    ranks: &[Vec<Rank>],
    ci: bool,
    signature: &str,
) -> String {
    let names: Vec<&str> = documents.iter().map(|d| d.run.name.as_str()).collect();
    let mark = |r: Rank| match r {
        Some(1) => "*",
        Some(2) => "+",
        _ => " ",
    };
    let body: Vec<Vec<String>> = cells
        .iter()
        .zip(ranks)
        .map(|(row, rs)| {
            row.iter()
                .zip(rs)
                .map(|(m, r)| format!("{}{}", text(*m, ci), mark(*r)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = layout
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            body.iter()
                .map(|row| row[c].len())
                .chain([col.metric.len() + 1])
                .max()
                .unwrap_or(0)
                + 2
        })
        .collect();
    let name_width = names.iter().map(|n| n.len()).chain([5]).max().unwrap_or(5);
    let (groups, metrics) = table_header(layout, &widths, name_width);
    let mut out = format!("{}\n{}\n", groups.trim_end(), metrics.trim_end());
    for (name, row) in names.iter().zip(&body) {
        let mut line = format!("{name:<name_width$}");
        for (cell, w) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:>w$}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if names.len() > 1 {
        let _ = writeln!(out, "* best, + second-best (per column, as printed)");
    }
    if let [document] = documents {
        let counts: Vec<String> = document
            .results
            .iter()
            .map(|e| {
                format!(
                    "{} {}/{}",
                    e.result.task, e.result.counts.scored, e.result.counts.samples
                )
            })
            .collect();
        let _ = writeln!(out, "scored: {}", counts.join(", "));
    }
    let _ = writeln!(out, "{signature}");
    out
}

/// The two header lines of the fixed-width table: the group headings, each
/// spanning its columns, and the figure names, right-aligned.
fn table_header(layout: &Layout, widths: &[usize], name_width: usize) -> (String, String) {
    let mut groups = format!("{:name_width$}", "");
    let mut metrics = format!("{:<name_width$}", "model");
    let mut c = 0;
    while c < layout.columns.len() {
        let heading = &layout.columns[c].heading;
        let span: usize = layout.columns[c..]
            .iter()
            .zip(&widths[c..])
            .take_while(|(col, _)| &col.heading == heading)
            .map(|(_, w)| *w)
            .sum();
        let _ = write!(groups, "{:<span$}", format!("  {heading}"));
        while c < layout.columns.len() && &layout.columns[c].heading == heading {
            let _ = write!(
                metrics,
                "{:>w$}",
                format!("{} ", layout.columns[c].metric),
                w = widths[c]
            );
            c += 1;
        }
    }
    (groups, metrics)
}

/// A Markdown table: best in bold, second-best underlined.
fn markdown(
    layout: &Layout,
    names: &[&str],
    cells: &[Vec<Option<&Metric>>],
    ranks: &[Vec<Rank>],
    ci: bool,
) -> String {
    let header: Vec<String> = std::iter::once("model".to_owned())
        .chain(layout.titles())
        .collect();
    let rows: Vec<Vec<String>> = names
        .iter()
        .zip(cells.iter().zip(ranks))
        .map(|(name, (row, rs))| {
            std::iter::once((*name).to_owned())
                .chain(row.iter().zip(rs).map(|(m, r)| match r {
                    Some(1) => format!("**{}**", text(*m, ci)),
                    Some(2) => format!("<u>{}</u>", text(*m, ci)),
                    _ => text(*m, ci),
                }))
                .collect()
        })
        .collect();
    let right: Vec<usize> = (1..header.len()).collect();
    markdown_table(&header, &rows, &right)
}

/// CSV: plain numbers (empty when not scored); with `ci`, `low` and `high`
/// columns after each figure that has an interval.
fn csv(layout: &Layout, names: &[&str], cells: &[Vec<Option<&Metric>>], ci: bool) -> String {
    let with_ci: Vec<bool> = (0..layout.columns.len())
        .map(|c| {
            ci && cells
                .iter()
                .any(|row| row[c].is_some_and(|m| m.ci.is_some()))
        })
        .collect();
    let mut header = vec!["model".to_owned()];
    for (title, &w) in layout.titles().into_iter().zip(&with_ci) {
        if w {
            header.extend([
                title.clone(),
                format!("{title} low"),
                format!("{title} high"),
            ]);
        } else {
            header.push(title);
        }
    }
    let rows: Vec<Vec<String>> = names
        .iter()
        .zip(cells)
        .map(|(name, row)| {
            let mut out = vec![(*name).to_owned()];
            for (m, &w) in row.iter().zip(&with_ci) {
                out.push(m.map_or_else(String::new, |m| percent(m.value)));
                if w {
                    let i = m.and_then(|m| m.ci);
                    out.push(i.map_or_else(String::new, |i| percent(i.low)));
                    out.push(i.map_or_else(String::new, |i| percent(i.high)));
                }
            }
            out
        })
        .collect();
    csv_table(&header, &rows)
}

/// JSON: the layout, and per row every cell's full-precision value, interval
/// and rank (1 best, 2 second-best, null otherwise).
fn json(
    layout: &Layout,
    names: &[&str],
    cells: &[Vec<Option<&Metric>>],
    ranks: &[Vec<Rank>],
    signature: &str,
) -> String {
    let rows: Vec<serde_json::Value> = names
        .iter()
        .zip(cells.iter().zip(ranks))
        .map(|(name, (row, rs))| {
            let cells: Vec<serde_json::Value> = row
                .iter()
                .zip(rs)
                .map(|(m, r)| {
                    serde_json::json!({
                        "value": m.map(|m| m.value),
                        "ci": m.and_then(|m| m.ci),
                        "rank": r,
                    })
                })
                .collect();
            serde_json::json!({"name": name, "cells": cells})
        })
        .collect();
    let value = serde_json::json!({
        "columns": layout.columns,
        "rows": rows,
        "signature": signature,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::{for_tests, result_for_tests};
    use crate::model::{Interval, TaskResult};

    fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
        let signature = format!("cuebench:2|task:{task}|tiou:union|version:0.2.0");
        result_for_tests(task, &signature, metrics)
    }

    fn doc(name: &str, results: Vec<TaskResult>) -> ResultsDocument {
        let mut d = for_tests(results);
        d.run.name = name.into();
        d
    }

    #[test]
    fn table2_has_twenty_columns_in_paper_order() {
        let l = Layout::table2();
        assert_eq!(l.columns.len(), 20);
        assert_eq!(l.titles()[0], "Event Struct");
        assert_eq!(l.titles()[3], "Scene Struct");
        assert_eq!(l.titles()[19], "Anticipation Hier");
    }

    #[test]
    fn ranks_are_dense_on_printed_values_with_shared_ties() {
        // 80.004 and 80.001 both print 80.00: both best; 70 is second; 60 unranked.
        assert_eq!(
            ranks(&[Some(80.004), Some(70.0), None, Some(80.001), Some(60.0)]),
            vec![Some(1), Some(2), None, Some(1), None]
        );
        // One distinct value: all best, no second.
        assert_eq!(ranks(&[Some(5.0), Some(5.0)]), vec![Some(1), Some(1)]);
        assert_eq!(ranks(&[None]), vec![None]);
    }

    #[test]
    fn markdown_marks_best_bold_and_second_underlined() {
        let docs = [
            doc(
                "strong",
                vec![result("event", &[("Struct", 83.731), ("Sem", 10.0)])],
            ),
            doc(
                "weak",
                vec![result("event", &[("Struct", 58.46), ("Sem", 20.0)])],
            ),
        ];
        let md = render(&docs, &Layout::table2(), Format::Markdown, false);
        let lines: Vec<&str> = md.lines().collect();
        assert!(
            lines[0]
                .starts_with("| model | Event Struct | Event Sem | Event Hier | Scene Struct |")
        );
        assert!(lines[1].starts_with("| --- | ---: |"));
        assert!(
            lines[2].starts_with("| strong | **83.73** | <u>10.00</u> | - |"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with("| weak | <u>58.46</u> | **20.00** | - |"),
            "{}",
            lines[3]
        );
    }

    #[test]
    fn csv_and_json_keep_values_and_intervals() {
        let mut strong = result("grounding", &[("Struct", 1.0), ("TIoU", 2.5)]);
        strong.metrics[1].ci = Some(Interval {
            mean: 2.4,
            low: 1.0,
            high: 4.0,
        });
        let docs = [doc("a", vec![strong])];
        let csv = render(&docs, &Layout::table2(), Format::Csv, true);
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        assert!(
            header.contains(",Grounding TIoU,Grounding TIoU low,Grounding TIoU high,"),
            "{header}"
        );
        assert!(lines.next().unwrap().contains(",1.00,2.50,1.00,4.00,"));
        let v: serde_json::Value =
            serde_json::from_str(&render(&docs, &Layout::table2(), Format::Json, true)).unwrap();
        assert_eq!(v["columns"].as_array().unwrap().len(), 20);
        assert_eq!(v["rows"][0]["cells"][14]["value"], serde_json::json!(2.5));
        assert_eq!(
            v["rows"][0]["cells"][14]["ci"]["high"],
            serde_json::json!(4.0)
        );
        // A single row has nothing to be ranked against.
        assert_eq!(v["rows"][0]["cells"][14]["rank"], serde_json::Value::Null);
        assert_eq!(v["rows"][0]["cells"][0]["value"], serde_json::Value::Null);
        assert_eq!(
            v["signature"],
            "cuebench:2|task:all|tiou:union|version:0.2.0"
        );
    }

    #[test]
    fn differing_signatures_are_refused_and_versions_warned() {
        let a = doc("a", vec![result("event", &[("Struct", 1.0)])]);
        let mut b = doc("b", vec![result("scene", &[("Struct", 1.0)])]);
        assert!(
            check_signatures(&[("a".into(), a.clone()), ("b".into(), b.clone())])
                .unwrap()
                .is_empty()
        );
        b.results[0].result.signature = "cuebench:2|task:scene|tiou:union|version:0.3.0".into();
        let w = check_signatures(&[("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
        assert_eq!(w.len(), 1);
        b.results[0].result.signature = "cuebench:2|task:scene|tiou:matched|version:0.2.0".into();
        let err = check_signatures(&[("a".into(), a), ("b".into(), b)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("tiou:union") && err.contains("tiou:matched"),
            "{err}"
        );
    }
}
