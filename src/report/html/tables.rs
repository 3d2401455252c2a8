//! The runs and their results tables: Table 2 (CueBench, unified), Table 3
//! (separate protocol) or a sibling's own figures, best and second-best marked.

use std::fmt::Write;

use serde_json::Value;

use super::input::{Figure, Run};
use super::{cell_text, escape, figure, protocol, tasks};
use crate::report::leaderboard::TABLE2;

/// Dense ranks of printed values, higher better: 1 best, 2 second-best
/// (ties share a rank; one distinct value has no second-best).
fn ranks(values: &[Option<f64>]) -> Vec<Option<u8>> {
    let printed = |v: f64| (v * 100.0).round() as i64;
    let mut distinct: Vec<i64> = values.iter().flatten().map(|&v| printed(v)).collect();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    values
        .iter()
        .map(
            |v| match distinct.iter().position(|&d| Some(d) == v.map(printed)) {
                Some(0) => Some(1),
                Some(1) => Some(2),
                _ => None,
            },
        )
        .collect()
}

pub(super) fn summary(runs: &[Run]) -> String {
    let mut out = String::from(
        "<section id=\"summary\"><h2>Runs</h2><table><thead><tr><th class=\"label\">run</th>\
         <th class=\"label\">benchmark</th><th class=\"label\">protocol</th><th>tasks</th>\
         <th>samples</th><th>scored</th><th>missing</th><th>parse failed</th></tr></thead><tbody>",
    );
    for run in runs {
        let count = |key: &str| -> u64 {
            run.document
                .results
                .iter()
                .filter_map(|e| e.counts.get(key).and_then(Value::as_u64))
                .sum()
        };
        let _ = write!(
            out,
            "<tr><td class=\"label\">{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&run.name),
            escape(run.document.benchmark.as_deref().unwrap_or("cuebench")),
            escape(&protocol(run)),
            run.document.results.len(),
            count("samples"),
            count("scored"),
            count("missing"),
            count("parse_failed")
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

/// One table per benchmark and protocol: Table 2 for CueBench's unified
/// protocol, the runs' own figures otherwise (Table 3 for the separate one).
pub(super) fn tables(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"tables\"><h2>Results tables</h2>\n");
    let all = tasks(runs);
    let mut families: Vec<(String, String)> = Vec::new();
    for (key, _) in &all {
        let family = (key.benchmark.clone(), key.protocol.clone());
        if !families.contains(&family) {
            families.push(family);
        }
    }
    for (benchmark, protocol) in families {
        let columns: Vec<(String, String, String)> =
            if benchmark == "cuebench" && protocol == "unified" {
                TABLE2
                    .iter()
                    .flat_map(|(task, heading, metrics)| {
                        metrics.iter().map(move |m| {
                            (
                                task.name().to_owned(),
                                (*heading).to_owned(),
                                (*m).to_owned(),
                            )
                        })
                    })
                    .collect()
            } else {
                let mut columns = Vec::new();
                for (key, entries) in all
                    .iter()
                    .filter(|(k, _)| k.benchmark == benchmark && k.protocol == protocol)
                {
                    for e in entries.iter().flatten() {
                        for m in &e.metrics {
                            let column = (key.task.clone(), key.task.clone(), m.name.clone());
                            if !columns.contains(&column) {
                                columns.push(column);
                            }
                        }
                    }
                }
                columns
            };
        let title = match (benchmark.as_str(), protocol.as_str()) {
            ("cuebench", "unified") => "Table 2: CueBench, unified protocol".to_owned(),
            ("cuebench", _) => "Table 3: CueBench, separate protocol".to_owned(),
            (b, _) => b.to_owned(),
        };
        let members: Vec<&Run> = runs
            .iter()
            .filter(|r| {
                crate::report::html::protocol(r) == protocol
                    && r.document.results.iter().any(|e| e.benchmark == benchmark)
            })
            .collect();
        fn value<'r>(
            run: &'r Run,
            benchmark: &str,
            (task, _, metric): &(String, String, String),
        ) -> Option<&'r Figure> {
            run.document
                .results
                .iter()
                .find(|e| e.benchmark == benchmark && &e.task == task)
                .and_then(|e| figure(e, metric))
        }
        let column_ranks: Vec<Vec<Option<u8>>> = columns
            .iter()
            .map(|c| {
                let values: Vec<Option<f64>> = members
                    .iter()
                    .map(|r| value(r, &benchmark, c).map(|f| f.value))
                    .collect();
                ranks(&values)
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"scroll\"><table><caption>{}</caption><thead><tr><th class=\"label\" scope=\"col\">run</th>",
            escape(&title)
        );
        for (_, heading, metric) in &columns {
            let _ = write!(
                out,
                "<th scope=\"col\">{} {}</th>",
                escape(heading),
                escape(metric)
            );
        }
        out.push_str("</tr></thead><tbody>");
        for (r, run) in members.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><th class=\"label\" scope=\"row\">{}</th>",
                escape(&run.name)
            );
            for (c, column) in columns.iter().enumerate() {
                let class = match column_ranks[c][r] {
                    Some(1) => " class=\"best\"",
                    Some(2) => " class=\"second\"",
                    _ => "",
                };
                let text = value(run, &benchmark, column).map_or_else(|| "–".to_owned(), cell_text);
                let _ = write!(out, "<td{class}>{text}</td>");
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_dense_on_printed_values() {
        // 50.001 and 50.004 print alike (50.00): both best; 40 second; 10 unranked.
        let r = ranks(&[Some(50.001), Some(40.0), None, Some(50.004), Some(10.0)]);
        assert_eq!(r, [Some(1), Some(2), None, Some(1), None]);
        assert_eq!(ranks(&[Some(3.0), Some(3.0)]), [Some(1), Some(1)]);
    }
}
