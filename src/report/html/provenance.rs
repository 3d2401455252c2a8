//! Where each run's numbers come from: tool, time, command line, inputs
//! with their hashes, settings and signatures.

use std::fmt::Write;

use serde_json::Value;

use super::escape;
use super::input::Run;

/// `key = value` lines for every leaf of a JSON value, in document order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), "null".into())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn key_value_table(rows: &[(String, String)]) -> String {
    let mut out = String::from("<table><tbody>");
    for (k, v) in rows {
        let _ = write!(
            out,
            "<tr><th class=\"label\" scope=\"row\">{}</th><td class=\"label\"><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A command line as one shell-readable string.
fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A typed part of the document as JSON, to list its leaves.
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

pub(super) fn provenance(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"provenance\"><h2>Provenance</h2>\n");
    for run in runs {
        let d = &run.document;
        let _ = write!(out, "<h3>{}</h3>", escape(&run.name));
        let mut rows: Vec<(String, String)> = Vec::new();
        flatten("tool", &json(&d.tool), &mut rows);
        rows.push(("created".into(), d.created.clone()));
        rows.push(("command".into(), command_line(&d.run.command)));
        flatten("inputs", &json(&d.run.inputs), &mut rows);
        flatten("settings", &json(&d.run.settings), &mut rows);
        for e in &d.results {
            rows.push((
                format!("signature {}", e.result.task),
                e.result.signature.clone(),
            ));
        }
        out.push_str(&key_value_table(&rows));
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let words = ["cuebench", "eval", "--gt", "my file.json", "it's"].map(String::from);
        assert_eq!(
            command_line(&words),
            "cuebench eval --gt 'my file.json' 'it'\\''s'"
        );
    }
}
