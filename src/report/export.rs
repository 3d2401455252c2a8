//! Output formats for results, one exporter per format behind one trait
//! (modelled on hyperfine's `export/`).

use std::fmt::Write;

use crate::model::{Interval, Metric, ResultsDocument, TaskResult};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// A readable table (the default).
    #[default]
    Table,
    /// The results document as pretty JSON (docs/results.md).
    Json,
    /// A Markdown table.
    Markdown,
    /// CSV with a header row.
    Csv,
}

/// Renders a run's results as text.
pub trait Exporter {
    /// The full output for `document`, ending in a newline.
    fn export(&self, document: &ResultsDocument) -> String;
}

impl Format {
    /// The exporter for this format.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Table => &TableExporter,
            Format::Json => &JsonExporter,
            Format::Markdown => &MarkdownExporter,
            Format::Csv => &CsvExporter,
        }
    }
}

/// Percent with two decimals, as every report prints it (docs/scoring.md §8).
/// A value that rounds to zero prints `0.00`, never `-0.00`.
pub fn percent(value: f64) -> String {
    let text = format!("{value:.2}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.bytes().all(|b| matches!(b, b'0' | b'.')) => {
            magnitude.to_owned()
        }
        _ => text,
    }
}

/// A figure with its interval when it has one: `61.28 [59.90, 62.60]`
/// (the bootstrap's 2.5th and 97.5th percentiles, docs/results.md).
pub fn figure(value: f64, ci: Option<&Interval>) -> String {
    match ci {
        Some(ci) => format!(
            "{} [{}, {}]",
            percent(value),
            percent(ci.low),
            percent(ci.high)
        ),
        None => percent(value),
    }
}

/// Share of samples with `format_ok`, in percent.
pub fn format_percent(result: &TaskResult) -> f64 {
    if result.counts.samples == 0 {
        0.0
    } else {
        100.0 * result.counts.format_ok as f64 / result.counts.samples as f64
    }
}

/// The metric names over all results, in first-seen order.
fn metric_columns(results: &[TaskResult]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for m in results.iter().flat_map(|r| &r.metrics) {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    names
}

fn metric<'a>(result: &'a TaskResult, name: &str) -> Option<&'a Metric> {
    result.metrics.iter().find(|m| m.name == name)
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
fn grid(results: &[TaskResult], split_ci: bool) -> (Vec<String>, Vec<Vec<String>>) {
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
                    row.push(m.map_or_else(String::new, |m| figure(m.value, m.ci.as_ref())));
                }
            }
            row.extend(count_cells(r).into_iter().map(|(_, v)| v));
            row.push(r.signature.clone());
            row
        })
        .collect();
    (header, rows)
}

/// The readable default: one block per task.
pub struct TableExporter;

impl Exporter for TableExporter {
    fn export(&self, document: &ResultsDocument) -> String {
        let mut out = String::new();
        for r in document.results.iter().map(|e| &e.result) {
            let c = &r.counts;
            let _ = writeln!(out, "{} / {}", r.benchmark, r.task);
            let width = r.metrics.iter().map(|m| m.name.len()).max().unwrap_or(0);
            for m in &r.metrics {
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>6}{}",
                    m.name,
                    percent(m.value),
                    m.ci.map_or_else(String::new, |ci| format!(
                        "  [{}, {}]",
                        percent(ci.low),
                        percent(ci.high)
                    ))
                );
            }
            let _ = writeln!(
                out,
                "  samples {} | scored {} | missing {} | parse_failed {} | dropped intervals {} | unknown ids {} | format {}%",
                c.samples,
                c.scored,
                c.missing,
                c.parse_failed,
                c.dropped_intervals,
                c.unknown_ids,
                percent(format_percent(r))
            );
            let _ = writeln!(out, "  {}", r.signature);
        }
        out
    }
}

/// A Markdown table, one row per task.
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn export(&self, document: &ResultsDocument) -> String {
        let (header, rows) = grid(&document.task_results(), false);
        markdown_table(&header, &rows, &[])
    }
}

/// A Markdown table from a header and rows, `|` escaped in cells;
/// `right` lists the columns to right-align.
pub fn markdown_table(header: &[String], rows: &[Vec<String>], right: &[usize]) -> String {
    let line = |cells: &[String]| {
        let escaped: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", escaped.join(" | "))
    };
    let mut out = line(header);
    let rule: Vec<String> = (0..header.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" }.to_owned())
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// CSV with a header row, one row per task.
pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, document: &ResultsDocument) -> String {
        let (header, rows) = grid(&document.task_results(), true);
        csv_table(&header, &rows)
    }
}

/// CSV text from a header and rows.
pub fn csv_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The results document itself (docs/results.md), at full precision.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn export(&self, document: &ResultsDocument) -> String {
        document.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(percent(-0.0), "0.00");
        assert_eq!(percent(-0.004), "0.00");
        assert_eq!(percent(-0.005), "-0.01");
        assert_eq!(percent(12.345), "12.35");
    }
    use crate::model::Counts;
    use crate::model::document::{for_tests, result_for_tests};

    fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
        TaskResult {
            counts: Counts {
                samples: 4,
                scored: 3,
                missing: 1,
                format_ok: 3,
                ..Counts::default()
            },
            ..result_for_tests(task, "cuebench:2|task:x", metrics)
        }
    }

    fn with_ci(mut r: TaskResult) -> TaskResult {
        r.metrics[0].ci = Some(Interval {
            mean: 83.7,
            low: 80.004,
            high: 87.456,
        });
        r
    }

    #[test]
    fn table() {
        let doc = for_tests(vec![result("event", &[("Struct", 83.7349), ("Sem", -0.0)])]);
        assert_eq!(
            TableExporter.export(&doc),
            "cuebench / event\n  Struct   83.73\n  Sem       0.00\n  samples 4 | scored 3 | missing 1 | parse_failed 0 | dropped intervals 0 | unknown ids 0 | format 75.00%\n  cuebench:2|task:x\n"
        );
        let doc = for_tests(vec![with_ci(result("event", &[("Struct", 83.7349)]))]);
        assert!(
            TableExporter
                .export(&doc)
                .contains("  Struct   83.73  [80.00, 87.46]\n")
        );
    }

    #[test]
    fn markdown_and_csv_share_columns() {
        let doc = for_tests(vec![
            result("event", &[("Struct", 50.0)]),
            result("grounding", &[("Struct", 1.0), ("TIoU", 2.0)]),
        ]);
        let md = MarkdownExporter.export(&doc);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(
            lines[0],
            "| benchmark | task | Struct | TIoU | samples | scored | missing | parse_failed | dropped_intervals | unknown_ids | format | signature |"
        );
        assert_eq!(
            lines[2],
            "| cuebench | event | 50.00 |  | 4 | 3 | 1 | 0 | 0 | 0 | 75.00 | cuebench:2\\|task:x |"
        );
        let csv = CsvExporter.export(&doc);
        assert_eq!(
            csv.lines().nth(2),
            Some("cuebench,grounding,1.00,2.00,4,3,1,0,0,0,75.00,cuebench:2|task:x")
        );
    }

    #[test]
    fn intervals_beside_the_value_in_markdown_in_own_columns_in_csv() {
        let doc = for_tests(vec![with_ci(result("event", &[("Struct", 83.7349)]))]);
        let md = MarkdownExporter.export(&doc);
        assert!(
            md.lines()
                .nth(2)
                .unwrap()
                .contains("| 83.73 [80.00, 87.46] |"),
            "{md}"
        );
        let csv = CsvExporter.export(&doc);
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("benchmark,task,Struct,Struct low,Struct high,samples")
        );
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("cuebench,event,83.73,80.00,87.46,4,")
        );
    }

    #[test]
    fn json_is_the_document_at_full_precision() {
        let doc = for_tests(vec![result("event", &[("Struct", 83.73499)])]);
        let v: serde_json::Value = serde_json::from_str(&JsonExporter.export(&doc)).unwrap();
        assert_eq!(v["schema"], "cuebench-results");
        assert_eq!(
            v["results"][0]["metrics"][0]["value"],
            serde_json::json!(83.73499)
        );
        assert_eq!(v["results"][0]["counts"]["missing"], serde_json::json!(1));
    }
}
