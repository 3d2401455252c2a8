//! Per-group figures (`eval --by`) in every output format.
//!
//! `table` and `markdown` print one table per task after the usual output;
//! `csv` and `json` print one document instead of it: csv in long form (one
//! row per task and group, the whole task first as group `all`), json as the
//! task results with their `groups`.

use std::fmt::Write;

use super::TaskResult;
use super::export::{Format, json_object, percent};
use crate::evaluate::groups::{Group, SMALL_GROUP};

/// A task's result with its groups.
pub type Grouped<'a> = (&'a TaskResult, &'a [Group]);

/// The groups of `results` in `format` (see the module documentation).
pub fn render(results: &[Grouped<'_>], format: Format) -> String {
    match format {
        Format::Table => table(results),
        Format::Markdown => markdown(results),
        Format::Csv => csv(results),
        Format::Json => json(results),
    }
}

/// Whether the csv and json forms replace the usual output.
pub fn replaces_output(format: Format) -> bool {
    matches!(format, Format::Csv | Format::Json)
}

fn small_note() -> String {
    format!("* fewer than {SMALL_GROUP} samples: a noisy figure\n")
}

fn table(results: &[Grouped<'_>]) -> String {
    let mut out = String::new();
    for (result, groups) in results.iter().filter(|(_, g)| !g.is_empty()) {
        let names: Vec<&str> = result.metrics.iter().map(|m| m.name.as_str()).collect();
        let width = groups
            .iter()
            .map(|g| g.by.len() + g.group.len() + 3)
            .max()
            .unwrap_or(0);
        let _ = writeln!(out, "\n{} / {} by group", result.benchmark, result.task);
        let _ = write!(out, "  {:<width$} {:>7}", "group", "samples");
        for name in &names {
            let _ = write!(out, " {name:>8}");
        }
        out.push('\n');
        for g in groups.iter() {
            let mark = if g.small { "*" } else { " " };
            let label = format!("{}: {}", g.by, g.group);
            let _ = write!(out, "  {label:<width$} {:>6}{mark}", g.samples);
            for m in &g.metrics {
                let _ = write!(out, " {:>8}", percent(m.value));
            }
            out.push('\n');
        }
    }
    if results.iter().any(|(_, g)| g.iter().any(|g| g.small)) {
        out.push_str(&small_note());
    }
    out
}

fn markdown(results: &[Grouped<'_>]) -> String {
    let mut out = String::new();
    let cell = |s: &str| s.replace('|', "\\|");
    for (result, groups) in results.iter().filter(|(_, g)| !g.is_empty()) {
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
            let values: Vec<String> = g.metrics.iter().map(|m| percent(m.value)).collect();
            let mark = if g.small { "*" } else { "" };
            let _ = writeln!(
                out,
                "| {} | {} | {}{mark} | {} |",
                cell(&g.by),
                cell(&g.group),
                g.samples,
                values.join(" | ")
            );
        }
    }
    if results.iter().any(|(_, g)| g.iter().any(|g| g.small)) {
        out.push('\n');
        out.push_str(&small_note());
    }
    out
}

fn csv(results: &[Grouped<'_>]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for m in results.iter().flat_map(|(r, _)| &r.metrics) {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["benchmark", "task", "by", "group", "samples", "small"];
    let _ = writer.write_record(header.iter().copied().chain(names.iter().copied()));
    for (result, groups) in results {
        let whole = Group {
            by: "all".into(),
            group: "all".into(),
            samples: result.counts.samples,
            small: false,
            metrics: result.metrics.clone(),
        };
        for g in std::iter::once(&whole).chain(groups.iter()) {
            let mut row = vec![
                result.benchmark.clone(),
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

fn json(results: &[Grouped<'_>]) -> String {
    let objects: Vec<serde_json::Value> = results
        .iter()
        .map(|(result, groups)| {
            let mut object = json_object(result);
            object["groups"] = serde_json::json!(groups);
            object
        })
        .collect();
    let value = match objects.as_slice() {
        [one] => one.clone(),
        _ => serde_json::Value::Array(objects),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Counts, Metric};

    fn result() -> TaskResult {
        TaskResult {
            benchmark: "cuebench".into(),
            task: "detection".into(),
            signature: "sig".into(),
            counts: Counts {
                samples: 3,
                ..Counts::default()
            },
            metrics: vec![Metric::from_mean("Struct", 0.5)],
        }
    }

    fn groups() -> Vec<Group> {
        vec![
            Group {
                by: "branch".into(),
                group: "anomaly".into(),
                samples: 2,
                small: true,
                metrics: vec![Metric::from_mean("Struct", 0.75)],
            },
            Group {
                by: "genre".into(),
                group: "a|b".into(),
                samples: 12,
                small: false,
                metrics: vec![Metric::from_mean("Struct", 0.25)],
            },
        ]
    }

    #[test]
    fn every_format_shows_every_group_and_marks_small_ones() {
        let (r, g) = (result(), groups());
        let grouped = [(&r, g.as_slice())];
        let table = render(&grouped, Format::Table);
        assert!(
            table.contains("branch: anomaly       2*    75.00"),
            "{table}"
        );
        assert!(
            table.contains("genre: a|b           12     25.00"),
            "{table}"
        );
        assert!(table.contains("* fewer than 10 samples"), "{table}");
        let markdown = render(&grouped, Format::Markdown);
        assert!(
            markdown.contains("| branch | anomaly | 2* | 75.00 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| genre | a\\|b | 12 | 25.00 |"),
            "{markdown}"
        );
        let csv = render(&grouped, Format::Csv);
        assert_eq!(
            csv,
            "benchmark,task,by,group,samples,small,Struct\n\
             cuebench,detection,all,all,3,false,50.00\n\
             cuebench,detection,branch,anomaly,2,true,75.00\n\
             cuebench,detection,genre,a|b,12,false,25.00\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&grouped, Format::Json)).unwrap();
        assert_eq!(json["groups"][0]["small"], true);
        assert_eq!(json["groups"][1]["metrics"][0]["value"], 25.0);
    }

    #[test]
    fn no_groups_print_nothing_in_the_text_formats() {
        let r = result();
        let grouped = [(&r, &[][..])];
        assert_eq!(render(&grouped, Format::Table), "");
        assert_eq!(render(&grouped, Format::Markdown), "");
    }
}
