//! Per-group figures (`eval --by`, docs/report.md) in the text formats.
//!
//! `table` and `markdown` add one table per task after the usual output;
//! `csv` prints one long table instead of it (one row per task and group,
//! the whole task first as group `all`); `json` needs nothing here: the
//! results document holds each task's `groups`.

use std::fmt::Write;

use super::export::{Format, figure, percent};
use crate::model::group::SMALL_GROUP;
use crate::model::{Group, ResultEntry, ResultsDocument};

/// The groups of `document` in `format` (see the module documentation).
pub fn render(document: &ResultsDocument, format: Format) -> String {
    let entries = &document.results;
    match format {
        Format::Table => table(entries),
        Format::Markdown => markdown(entries),
        Format::Csv => csv(entries),
        Format::Json => String::new(),
    }
}

/// Whether the groups replace the usual output (csv: one table per document).
pub fn replaces_output(format: Format) -> bool {
    format == Format::Csv
}

/// A figure as the tables print it, with its interval when there is one.
fn cell(m: &crate::model::Metric) -> String {
    figure(m.value, m.ci.as_ref())
}

fn small_note() -> String {
    format!("* fewer than {SMALL_GROUP} samples: a noisy figure\n")
}

fn table(entries: &[ResultEntry]) -> String {
    let mut out = String::new();
    for entry in entries.iter().filter(|e| !e.groups.is_empty()) {
        let (result, groups) = (&entry.result, &entry.groups);
        let names: Vec<&str> = result.metrics.iter().map(|m| m.name.as_str()).collect();
        let column = groups
            .iter()
            .flat_map(|g| &g.metrics)
            .map(|m| cell(m).len())
            .max()
            .unwrap_or(0)
            .max(8);
        let width = groups
            .iter()
            .map(|g| g.by.len() + g.group.len() + 3)
            .max()
            .unwrap_or(0);
        let _ = writeln!(out, "\n{} / {} by group", result.benchmark, result.task);
        let _ = write!(out, "  {:<width$} {:>7}", "group", "samples");
        for name in &names {
            let _ = write!(out, " {name:>column$}");
        }
        out.push('\n');
        for g in groups.iter() {
            let mark = if g.small { "*" } else { " " };
            let label = format!("{}: {}", g.by, g.group);
            let _ = write!(out, "  {label:<width$} {:>6}{mark}", g.samples);
            for m in &g.metrics {
                let _ = write!(out, " {:>column$}", cell(m));
            }
            out.push('\n');
        }
    }
    if any_small(entries) {
        out.push_str(&small_note());
    }
    out
}

fn any_small(entries: &[ResultEntry]) -> bool {
    entries.iter().flat_map(|e| &e.groups).any(|g| g.small)
}

fn markdown(entries: &[ResultEntry]) -> String {
    let mut out = String::new();
    let escape = |s: &str| s.replace('|', "\\|");
    for entry in entries.iter().filter(|e| !e.groups.is_empty()) {
        let (result, groups) = (&entry.result, &entry.groups);
        let names: Vec<&str> = result.metrics.iter().map(|m| m.name.as_str()).collect();
        let _ = writeln!(
            out,
            "\n**{} / {} by group**\n\n| by | group | samples | {} |\n|---|---|---:|{}",
            result.benchmark,
            result.task,
            names.join(" | "),
            "---:|".repeat(names.len())
        );
        for g in groups.iter() {
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
    if any_small(entries) {
        out.push('\n');
        out.push_str(&small_note());
    }
    out
}

fn csv(entries: &[ResultEntry]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for m in entries.iter().flat_map(|e| &e.result.metrics) {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["benchmark", "task", "by", "group", "samples", "small"];
    let _ = writer.write_record(header.iter().copied().chain(names.iter().copied()));
    for entry in entries {
        let result = &entry.result;
        let whole = Group {
            by: "all".into(),
            group: "all".into(),
            samples: result.counts.samples,
            small: false,
            metrics: result.metrics.clone(),
            members: Vec::new(),
        };
        for g in std::iter::once(&whole).chain(&entry.groups) {
            let mut row = vec![
                result.benchmark.to_string(),
                result.task.clone(),
                g.by.clone(),
                g.group.clone(),
                g.samples.to_string(),
                g.small.to_string(),
            ];
            row.extend(names.iter().map(|n| {
                g.metrics
                    .iter()
                    .find(|m| m.name == *n)
                    .map_or_else(String::new, |m| percent(m.value))
            }));
            let _ = writer.write_record(&row);
        }
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::for_tests;
    use crate::model::{BenchmarkId, Counts, Interval, Metric, TaskResult};

    fn metric(value: f64) -> Metric {
        Metric::from_mean("Struct", value)
    }

    fn group(by: &str, name: &str, samples: usize, value: f64) -> Group {
        Group {
            by: by.into(),
            group: name.into(),
            samples,
            small: samples < SMALL_GROUP,
            metrics: vec![metric(value)],
            members: Vec::new(),
        }
    }

    /// Detection with Struct 50% over 3 samples, and the given groups.
    fn document(groups: Vec<Group>) -> ResultsDocument {
        let mut d = for_tests(vec![TaskResult {
            benchmark: BenchmarkId::CueBench,
            task: "detection".into(),
            signature: "sig".into(),
            counts: Counts {
                samples: 3,
                ..Counts::default()
            },
            metrics: vec![metric(0.5)],
        }]);
        d.results[0].groups = groups;
        d
    }

    #[test]
    fn every_format_shows_every_group_and_marks_small_ones() {
        let d = document(vec![
            group("branch", "anomaly", 2, 0.75),
            group("genre", "a|b", 12, 0.25),
        ]);
        let table = render(&d, Format::Table);
        assert!(
            table.contains("branch: anomaly       2*    75.00"),
            "{table}"
        );
        assert!(
            table.contains("genre: a|b           12     25.00"),
            "{table}"
        );
        assert!(table.contains("* fewer than 10 samples"), "{table}");
        let markdown = render(&d, Format::Markdown);
        assert!(
            markdown.contains("| branch | anomaly | 2* | 75.00 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| genre | a\\|b | 12 | 25.00 |"),
            "{markdown}"
        );
        assert_eq!(
            render(&d, Format::Csv),
            "benchmark,task,by,group,samples,small,Struct\n\
             cuebench,detection,all,all,3,false,50.00\n\
             cuebench,detection,branch,anomaly,2,true,75.00\n\
             cuebench,detection,genre,a|b,12,false,25.00\n"
        );
        // JSON: the document itself carries the groups.
        assert_eq!(render(&d, Format::Json), "");
        let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(json["results"][0]["groups"][0]["small"], true);
        assert_eq!(json["results"][0]["groups"][1]["metrics"][0]["value"], 25.0);
        assert!(json["results"][0]["groups"][0].get("members").is_none());
    }

    #[test]
    fn intervals_show_beside_group_figures() {
        let mut g = group("branch", "anomaly", 12, 0.75);
        g.metrics[0].ci = Some(Interval {
            mean: 75.0,
            low: 60.0,
            high: 88.5,
        });
        let table = render(&document(vec![g]), Format::Table);
        assert!(table.contains("75.00 [60.00, 88.50]"), "{table}");
        assert!(!table.contains("fewer than"), "{table}");
    }

    #[test]
    fn no_groups_print_nothing_in_the_text_formats() {
        let d = document(Vec::new());
        assert_eq!(render(&d, Format::Table), "");
        assert_eq!(render(&d, Format::Markdown), "");
    }
}
