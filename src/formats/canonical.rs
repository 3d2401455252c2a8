//! The canonical form of an annotation file, whose sha256 is the
//! signature's `gt:sha256:` field (docs/results.md, "The annotation hash").
//!
//! The hash is over what the file *says*, not how it is laid out: CRLF or LF
//! line ends, indentation, a UTF-8 byte-order mark, JSON array or JSONL, key
//! order, `\u00e9` or `é`, `10` or `10.0`, CSV quoting all give the same
//! hash, so two runs on the same annotations stay comparable across
//! checkouts (a Windows one with `core.autocrlf`) and editors.

use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::records::{read_ground_truth_records, read_text};
use crate::error::{Error, Result};

/// How an annotation file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationFormat {
    /// JSON records: a JSON array or JSONL (CueBench, Vad-Reasoning).
    Records,
    /// A CSV table with a header row (VAU-Bench).
    Csv,
}

/// The sha256 (lower-case hex) of the canonical form of the annotation
/// file at `path`:
/// - `Records`: the records as one canonical JSON array ([`canonical_json`]);
/// - `Csv`: every row, the header first, as a canonical JSON array of
///   arrays of cell strings (cells as the CSV reader unquotes them, a CRLF
///   inside a quoted cell read as LF).
pub fn annotations_sha256(path: &Path, format: AnnotationFormat) -> Result<String> {
    let document = match format {
        AnnotationFormat::Records => Value::Array(
            read_ground_truth_records(path)?
                .into_iter()
                .map(|r| r.value)
                .collect(),
        ),
        AnnotationFormat::Csv => csv_rows(path)?,
    };
    let mut text = String::new();
    canonical_json(&document, &mut text);
    Ok(format!("{:x}", Sha256::digest(text.as_bytes())))
}

/// The rows of a CSV file (header included) as arrays of strings.
fn csv_rows(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|row| {
            row.map(|r| Value::Array(r.iter().map(|c| Value::String(one_line_end(c))).collect()))
                .map_err(|e| Error::Field {
                    path: path.to_owned(),
                    line: e.position().map_or(1, |p| p.line() as usize),
                    field: "row".to_owned(),
                    message: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// A cell's line ends as `\n`: a checkout that rewrites line ends (git's
/// `core.autocrlf`) rewrites those inside quoted cells too.
fn one_line_end(cell: &str) -> String {
    cell.replace("\r\n", "\n")
}

/// Writes `value` as canonical JSON: no white space between tokens, object
/// keys in byte order of their UTF-8 (a repeated key keeps its last value,
/// as the parser does), strings with only `"`, `\` and control characters
/// escaped, numbers by value: an integer, or a float with no fractional
/// part below 2^53 in magnitude, as an integer (`10.0` → `10`), any other
/// float in its shortest round-trip form (`0.1`, `1e+300`, `1e-7`).
pub fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&value.to_string()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                // Exact: |f| < 2^53 is an integer an i64 holds.
                out.push_str(&(f as i64).to_string());
            }
            _ => out.push_str(&n.to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(item, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(value: Value) -> String {
        let mut out = String::new();
        canonical_json(&value, &mut out);
        out
    }

    fn hash_of(name: &str, content: &str, format: AnnotationFormat) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("writes");
        annotations_sha256(&path, format).expect("hashes")
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_layout() {
        let v = json!({"b": [1, 2.5, "x\"y"], "a": {"z": null, "é": true}, "A": -0.0});
        assert_eq!(
            canonical(v),
            r#"{"A":0,"a":{"z":null,"é":true},"b":[1,2.5,"x\"y"]}"#
        );
        // Integral floats print as integers; others shortest round-trip.
        assert_eq!(
            canonical(json!([10.0, 1e2, 0.1, 1e300, -3, 1e16, 1e-7])),
            "[10,100,0.1,1e+300,-3,1e+16,1e-7]"
        );
        assert_eq!(canonical(json!("tab\there")), r#""tab\there""#);
    }

    #[test]
    fn records_hash_ignores_line_ends_indentation_and_layout() {
        use AnnotationFormat::Records;
        let compact = "[{\"video_id\":\"v1\",\"fps\":10,\"triplets\":[]}]\n";
        let base = hash_of("a.json", compact, Records);
        // CRLF and re-indented, keys reordered, an escaped é-free text.
        let crlf = "[\r\n  {\r\n    \"fps\": 10.0,\r\n    \"triplets\": [],\r\n    \"video_id\": \"v\\u0031\"\r\n  }\r\n]\r\n";
        assert_eq!(hash_of("b.json", crlf, Records), base);
        // The same record as JSONL, with a byte-order mark.
        let jsonl = "\u{feff}{\"video_id\": \"v1\", \"fps\": 10, \"triplets\": []}\r\n";
        assert_eq!(hash_of("c.jsonl", jsonl, Records), base);
        // A changed value is another hash.
        let other = compact.replace("10", "25");
        assert_ne!(hash_of("d.json", &other, Records), base);
        // The hash is sha256 of the canonical text.
        let text = r#"[{"fps":10,"triplets":[],"video_id":"v1"}]"#;
        assert_eq!(base, format!("{:x}", Sha256::digest(text.as_bytes())));
    }

    #[test]
    fn csv_hash_ignores_line_ends_and_quoting() {
        use AnnotationFormat::Csv;
        let lf = "Video Name,Start Time\na.mp4,1.0\n\"b, c.mp4\",2\n";
        let base = hash_of("a.csv", lf, Csv);
        let crlf = "Video Name,\"Start Time\"\r\n\"a.mp4\",1.0\r\n\"b, c.mp4\",2";
        // A line end inside a quoted cell is a line end too.
        let cell = "h\n\"x\ny\"\n";
        assert_eq!(
            hash_of("e.csv", cell, Csv),
            hash_of("f.csv", &cell.replace('\n', "\r\n"), Csv)
        );
        assert_eq!(hash_of("b.csv", crlf, Csv), base);
        let bom = format!("\u{feff}{lf}");
        assert_eq!(hash_of("c.csv", &bom, Csv), base);
        // A cell's text is content: `2` and `2.0` differ in a CSV.
        assert_ne!(hash_of("d.csv", &lf.replace(",2\n", ",2.0\n"), Csv), base);
    }
}
