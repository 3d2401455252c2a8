//! Output formats for results, one exporter per format behind one trait
//! (modelled on hyperfine's `export/`).

use std::fmt::Write;

use super::{Metric, TaskResult};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A readable table (the default).
    #[default]
    Table,
    /// Pretty-printed JSON.
    Json,
    /// A Markdown table.
    Markdown,
    /// CSV with a header row.
    Csv,
}

/// Renders results as text.
pub trait Exporter {
    /// The full output for `results`, ending in a newline.
    fn export(&self, results: &[TaskResult]) -> String;
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

/// One header and one row per result: benchmark, task, metrics, counts, signature.
fn grid(results: &[TaskResult]) -> (Vec<String>, Vec<Vec<String>>) {
    let names = metric_columns(results);
    let mut header: Vec<String> = vec!["benchmark".into(), "task".into()];
    header.extend(names.iter().map(|n| n.to_string()));
    if let Some(first) = results.first() {
        header.extend(count_cells(first).iter().map(|(k, _)| k.to_string()));
    }
    header.push("signature".into());
    let rows = results
        .iter()
        .map(|r| {
            let mut row = vec![r.benchmark.clone(), r.task.clone()];
            row.extend(
                names
                    .iter()
                    .map(|n| metric(r, n).map_or_else(String::new, |m| percent(m.value))),
            );
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
    fn export(&self, results: &[TaskResult]) -> String {
        let mut out = String::new();
        for r in results {
            let c = &r.counts;
            let _ = writeln!(out, "{} / {}", r.benchmark, r.task);
            let width = r.metrics.iter().map(|m| m.name.len()).max().unwrap_or(0);
            for m in &r.metrics {
                let _ = writeln!(out, "  {:<width$}  {:>6}", m.name, percent(m.value));
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
    fn export(&self, results: &[TaskResult]) -> String {
        let (header, rows) = grid(results);
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&header);
        out.push_str(&line(&vec!["---".to_owned(); header.len()]));
        for row in rows {
            let escaped: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
            out.push_str(&line(&escaped));
        }
        out
    }
}

/// CSV with a header row, one row per task.
pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, results: &[TaskResult]) -> String {
        let (header, rows) = grid(results);
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(&header);
        for row in rows {
            let _ = writer.write_record(&row);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Pretty JSON: one object per task (an array when there are several).
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn export(&self, results: &[TaskResult]) -> String {
        let objects: Vec<serde_json::Value> = results.iter().map(json_object).collect();
        let value = match objects.as_slice() {
            [one] => one.clone(),
            _ => serde_json::Value::Array(objects),
        };
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The JSON object of one result: metrics as a name -> percent map with two
/// decimals, counts, format %, signature.
pub fn json_object(r: &TaskResult) -> serde_json::Value {
    let metrics: serde_json::Map<String, serde_json::Value> = r
        .metrics
        .iter()
        .map(|m| (m.name.clone(), serde_json::json!(round2(m.value))))
        .collect();
    serde_json::json!({
        "benchmark": r.benchmark,
        "task": r.task,
        "metrics": metrics,
        "counts": r.counts,
        "format": round2(format_percent(r)),
        "signature": r.signature,
    })
}

/// Rounds to two decimals (the printed precision) so JSON stays stable.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
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
    use crate::report::Counts;

    fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
        TaskResult {
            benchmark: "cuebench".into(),
            task: task.into(),
            signature: "cuebench:1|task:x".into(),
            counts: Counts {
                samples: 4,
                scored: 3,
                missing: 1,
                format_ok: 3,
                ..Counts::default()
            },
            metrics: metrics
                .iter()
                .map(|(n, v)| Metric {
                    name: n.to_string(),
                    value: *v,
                })
                .collect(),
        }
    }

    #[test]
    fn table() {
        let out = TableExporter.export(&[result("event", &[("Struct", 83.7349), ("Sem", 5.0)])]);
        assert_eq!(
            out,
            "cuebench / event\n  Struct   83.73\n  Sem       5.00\n  samples 4 | scored 3 | missing 1 | parse_failed 0 | dropped intervals 0 | unknown ids 0 | format 75.00%\n  cuebench:1|task:x\n"
        );
    }

    #[test]
    fn markdown_and_csv_share_columns() {
        let rs = [
            result("event", &[("Struct", 50.0)]),
            result("grounding", &[("Struct", 1.0), ("TIoU", 2.0)]),
        ];
        let md = MarkdownExporter.export(&rs);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(
            lines[0],
            "| benchmark | task | Struct | TIoU | samples | scored | missing | parse_failed | dropped_intervals | unknown_ids | format | signature |"
        );
        assert_eq!(
            lines[2],
            "| cuebench | event | 50.00 |  | 4 | 3 | 1 | 0 | 0 | 0 | 75.00 | cuebench:1\\|task:x |"
        );
        let csv = CsvExporter.export(&rs);
        assert_eq!(
            csv.lines().nth(2),
            Some("cuebench,grounding,1.00,2.00,4,3,1,0,0,0,75.00,cuebench:1|task:x")
        );
    }

    #[test]
    fn json_rounds_to_two_decimals() {
        let out = JsonExporter.export(&[result("event", &[("Struct", 83.73499)])]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["metrics"]["Struct"], serde_json::json!(83.73));
        assert_eq!(v["format"], serde_json::json!(75.0));
        assert_eq!(v["counts"]["missing"], serde_json::json!(1));
    }
}
