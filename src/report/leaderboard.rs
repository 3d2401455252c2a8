//! The whole-benchmark row in the layout of the paper's Table 2 (SPEC 8):
//! Event S/Sem/Hier, Scene S/Sem, Attribute S/Sem, Anomaly TD S/Sem/Hier,
//! Anomaly BU S/Sem/Hier, Grounding S/TIoU, Detection S/TIoU, Anticipation
//! S/Sem/Hier — 20 columns.

use std::fmt::Write;

use super::TaskResult;
use super::export::{Format, json_object, percent, round2};
use crate::benchmarks::RowGroup;

/// The column groups of Table 2: the task, a heading and the metrics under it.
pub const TABLE2: [RowGroup; 8] = [
    ("event", "Event", &["Struct", "Sem", "Hier"]),
    ("scene", "Scene", &["Struct", "Sem"]),
    ("attribute", "Attribute", &["Struct", "Sem"]),
    ("anomaly-td", "Anomaly TD", &["Struct", "Sem", "Hier"]),
    ("anomaly-bu", "Anomaly BU", &["Struct", "Sem", "Hier"]),
    ("grounding", "Grounding", &["Struct", "TIoU"]),
    ("detection", "Detection", &["Struct", "TIoU"]),
    ("anticipation", "Anticipation", &["Struct", "Sem", "Hier"]),
];

/// The cells of the row laid out by `groups`: (group, metric, value in
/// percent if scored).
pub fn cells(
    groups: &[RowGroup],
    results: &[TaskResult],
) -> Vec<(&'static str, &'static str, Option<f64>)> {
    groups
        .iter()
        .flat_map(|&(task, heading, metrics)| {
            let result = results.iter().find(|r| r.task == task);
            metrics.iter().map(move |&m| {
                let value = result
                    .and_then(|r| r.metrics.iter().find(|x| x.name == m))
                    .map(|x| x.value);
                (heading, m, value)
            })
        })
        .collect()
}

/// The row laid out by `groups` (e.g. [`TABLE2`]) rendered in `format`,
/// labelled `label` (e.g. the predictions path).
pub fn render(groups: &[RowGroup], results: &[TaskResult], label: &str, format: Format) -> String {
    let cells = cells(groups, results);
    let text = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), percent);
    let names: Vec<String> = cells.iter().map(|(h, m, _)| format!("{h} {m}")).collect();
    let values: Vec<String> = cells.iter().map(|(_, _, v)| text(*v)).collect();
    match format {
        Format::Table => table(groups, &cells, label, results),
        Format::Markdown => {
            let mut out = format!("| run | {} |\n", names.join(" | "));
            out.push_str(&format!("|---|{}\n", "---:|".repeat(names.len())));
            out.push_str(&format!(
                "| {} | {} |\n",
                label.replace('|', "\\|"),
                values.join(" | ")
            ));
            out
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let _ = writer.write_record(std::iter::once("run".to_owned()).chain(names));
            let _ = writer.write_record(std::iter::once(label.to_owned()).chain(values));
            String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
        }
        Format::Json => {
            let row: serde_json::Map<String, serde_json::Value> = cells
                .iter()
                .map(|(h, m, v)| {
                    (
                        format!("{h} {m}"),
                        v.map_or(serde_json::Value::Null, |x| round2(x).into()),
                    )
                })
                .collect();
            let value = serde_json::json!({
                "run": label,
                "row": row,
                "results": results.iter().map(json_object).collect::<Vec<_>>(),
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    }
}

/// A two-line header (group over metric) and the row, in fixed-width columns.
fn table(
    layout: &[RowGroup],
    cells: &[(&str, &str, Option<f64>)],
    label: &str,
    results: &[TaskResult],
) -> String {
    let mut groups = String::new();
    let mut metrics = String::new();
    let mut values = String::new();
    for &(_, heading, names) in layout {
        let _ = write!(
            groups,
            "{:<w$}",
            format!("   {heading}"),
            w = names.len() * 8
        );
        for name in names {
            let _ = write!(metrics, "{name:>8}");
        }
    }
    for (_, _, v) in cells {
        let _ = write!(values, "{:>8}", v.map_or_else(|| "-".to_owned(), percent));
    }
    let mut out = format!("{label}\n{}\n{metrics}\n{values}\n", groups.trim_end());
    let counts: Vec<String> = results
        .iter()
        .map(|r| format!("{} {}/{}", r.task, r.counts.scored, r.counts.samples))
        .collect();
    let _ = writeln!(out, "scored: {}", counts.join(", "));
    if let Some(first) = results.first() {
        let _ = writeln!(
            out,
            "{}",
            first
                .signature
                .replace(&format!("task:{}", first.task), "task:all")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Counts, Metric};

    fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
        TaskResult {
            benchmark: "cuebench".into(),
            task: task.into(),
            signature: format!("cuebench:1|task:{task}|tiou:union"),
            counts: Counts::default(),
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
    fn twenty_cells_in_table2_order() {
        let rs = [
            result("scene", &[("Struct", 96.68), ("Sem", 82.27)]),
            result("event", &[("Struct", 83.73)]),
        ];
        let c = cells(&TABLE2, &rs);
        assert_eq!(c.len(), 20);
        assert_eq!(c[0], ("Event", "Struct", Some(83.73)));
        assert_eq!(c[1], ("Event", "Sem", None));
        assert_eq!(c[3], ("Scene", "Struct", Some(96.68)));
        assert_eq!(c[19], ("Anticipation", "Hier", None));
    }

    #[test]
    fn csv_and_markdown_rows() {
        let rs = [result(
            "event",
            &[("Struct", 83.731), ("Sem", 73.21), ("Hier", 49.16)],
        )];
        let csv = render(&TABLE2, &rs, "cue-r1", Format::Csv);
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("run,Event Struct,Event Sem,Event Hier,Scene Struct,")
        );
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("cue-r1,83.73,73.21,49.16,-,")
        );
        let md = render(&TABLE2, &rs, "cue-r1", Format::Markdown);
        assert_eq!(md.lines().nth(2).unwrap().matches('|').count(), 22);
    }

    #[test]
    fn json_row_keeps_results_for_compare() {
        let rs = [result("grounding", &[("Struct", 1.0), ("TIoU", 2.0)])];
        let v: serde_json::Value =
            serde_json::from_str(&render(&TABLE2, &rs, "x", Format::Json)).unwrap();
        assert_eq!(v["row"]["Grounding TIoU"], serde_json::json!(2.0));
        assert_eq!(v["row"]["Event Struct"], serde_json::Value::Null);
        assert_eq!(v["results"][0]["task"], "grounding");
    }
}
