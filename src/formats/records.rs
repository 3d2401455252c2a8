//! JSON records with line numbers: a JSON array of objects or JSONL.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One JSON value read from a file, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based line number where the record starts.
    pub line: usize,
    /// The parsed value.
    pub value: Value,
}

/// Reads a whole file as text, mapping failures to [`Error::Io`]. A leading
/// UTF-8 byte order mark (what some Windows tools write) is dropped.
pub fn read_text(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads a whole file as text, or all of standard input when `path` is `-`;
/// also returns the name to use in messages (`<stdin>` for `-`).
pub fn read_text_or_stdin(path: &Path) -> Result<(String, std::path::PathBuf)> {
    if path != Path::new("-") {
        return Ok((read_text(path)?, path.to_owned()));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text).map_err(|source| {
        Error::Io {
            path: STDIN_NAME.into(),
            source,
        }
    })?;
    Ok((text, STDIN_NAME.into()))
}

/// Writes a whole file, mapping failures to [`Error::Write`].
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// Parses `text` as a JSON array of records if it starts with `[`, else as
/// JSONL (one value per non-blank line).
pub fn parse_records(text: &str, path: &Path) -> Result<Vec<Record>> {
    if text.trim_start().starts_with('[') {
        parse_array(text, path)
    } else {
        parse_jsonl(text, path)
    }
}

/// Parses JSONL: one JSON value per line, blank lines skipped; the first
/// bad line is the error.
pub fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<Record>> {
    jsonl_records(text, path).collect()
}

/// Each non-blank line of a JSONL text as a record or the error for that
/// line, so a checker can report every bad line at once.
pub fn jsonl_records<'a>(
    text: &'a str,
    path: &'a Path,
) -> impl Iterator<Item = Result<Record>> + 'a {
    text.lines()
        .enumerate()
        .filter(|(_, raw)| !raw.trim().is_empty())
        .map(move |(index, raw)| {
            let line = index + 1;
            serde_json::from_str(raw.trim())
                .map(|value| Record { line, value })
                .map_err(|e| Error::Json {
                    path: path.to_owned(),
                    line,
                    message: e.to_string(),
                })
        })
}

/// Parses a JSON array, keeping the line on which each element starts.
fn parse_array(text: &str, path: &Path) -> Result<Vec<Record>> {
    // Validate the whole document first so a syntax error reports serde's
    // own line; then walk the elements to learn where each one starts.
    let whole: Value = serde_json::from_str(text).map_err(|e| Error::Json {
        path: path.to_owned(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let Value::Array(values) = whole else {
        return Err(Error::Json {
            path: path.to_owned(),
            line: 1,
            message: "expected a JSON array of records".into(),
        });
    };
    let starts = element_start_lines(text);
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Record {
            line: starts.get(i).copied().unwrap_or(1),
            value,
        })
        .collect())
}

/// The 1-based start line of each top-level element of a valid JSON array.
fn element_start_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_string, mut escaped, mut expect_element) = (false, false, false);
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            if c == '\n' {
                line += 1;
            }
            continue;
        }
        if expect_element && !c.is_whitespace() && c != ']' {
            starts.push(line);
            expect_element = false;
        }
        match c {
            '\n' => line += 1,
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                expect_element = depth == 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expect_element = true,
            _ => {}
        }
    }
    starts
}

/// Fails with [`Error::DuplicateIds`] when an id occurs on several lines,
/// listing every repeated id with its lines, in id order.
pub fn reject_duplicate_ids<'a>(
    path: &Path,
    ids: impl IntoIterator<Item = (&'a str, usize)>,
) -> Result<()> {
    let mut lines: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (id, line) in ids {
        lines.entry(id).or_default().push(line);
    }
    let repeated: Vec<String> = lines
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(id, at)| {
            let at: Vec<String> = at.iter().map(usize::to_string).collect();
            format!("{id} (lines {})", at.join(", "))
        })
        .collect();
    if repeated.is_empty() {
        return Ok(());
    }
    Err(Error::DuplicateIds {
        path: path.to_owned(),
        ids: repeated.join("; "),
    })
}

/// Field access on a record's object with errors that name file, line and field.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The file the record came from.
    pub path: &'a Path,
    /// The record's line.
    pub line: usize,
    /// The object.
    pub object: &'a Map<String, Value>,
    /// Dotted prefix naming where this object sits (e.g. `triplets[1]`).
    pub prefix: &'a str,
}

impl<'a> Fields<'a> {
    /// Views `value` as an object, or fails naming `prefix` (or `record`).
    pub fn of(path: &'a Path, line: usize, value: &'a Value, prefix: &'a str) -> Result<Self> {
        match value {
            Value::Object(object) => Ok(Fields {
                path,
                line,
                object,
                prefix,
            }),
            _ => Err(Error::Field {
                path: path.to_owned(),
                line,
                field: if prefix.is_empty() { "record" } else { prefix }.to_owned(),
                message: "expected a JSON object".into(),
            }),
        }
    }

    /// The dotted name of `key` under this object's prefix.
    pub fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// An [`Error::Field`] for `key`.
    pub fn error(&self, key: &str, message: impl Into<String>) -> Error {
        Error::Field {
            path: self.path.to_owned(),
            line: self.line,
            field: self.name(key),
            message: message.into(),
        }
    }

    /// The raw value of `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.object.get(key).filter(|v| !v.is_null())
    }

    /// A required value.
    pub fn required(&self, key: &str) -> Result<&'a Value> {
        self.get(key).ok_or_else(|| self.error(key, "missing"))
    }

    /// A required non-empty string.
    pub fn string(&self, key: &str) -> Result<&'a str> {
        match self.required(key)? {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            Value::String(_) => Err(self.error(key, "must not be empty")),
            other => Err(self.error(key, format!("expected a string, found {}", kind(other)))),
        }
    }

    /// An optional string.
    pub fn optional_string(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(self.error(key, format!("expected a string, found {}", kind(other))))
            }
        }
    }

    /// An optional finite, non-negative number.
    pub fn optional_number(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(self.error(key, format!("expected a non-negative number, found {v}"))),
            },
        }
    }

    /// A required array.
    pub fn array(&self, key: &str) -> Result<&'a [Value]> {
        match self.required(key)? {
            Value::Array(items) => Ok(items),
            other => Err(self.error(key, format!("expected an array, found {}", kind(other)))),
        }
    }

    /// A list of non-empty strings (missing -> empty list).
    pub fn string_list(&self, key: &str) -> Result<Vec<String>> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(self.error(
                key,
                format!("expected an array of strings, found {}", kind(value)),
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                _ => Err(self.error(&format!("{key}[{i}]"), "expected a non-empty string")),
            })
            .collect()
    }
}

/// A short name for a JSON value's type, for error messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("f.json")
    }

    #[test]
    fn array_elements_keep_their_start_lines() {
        let text = "[\n  {\"a\": \"x,y]\"},\n\n  {\"b\": [1,\n 2]}, {\"c\": 3}\n]\n";
        let lines: Vec<_> = parse_records(text, p())
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![2, 4, 5]);
    }

    #[test]
    fn jsonl_skips_blank_lines_and_names_the_bad_line() {
        let recs = parse_records("{\"a\":1}\n\n{\"b\":2}\n", p()).unwrap();
        assert_eq!(recs.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 3]);
        let err = parse_records("{\"a\":1}\n{oops\n", p()).unwrap_err();
        assert!(
            err.to_string().starts_with("f.json:2: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn broken_array_reports_serde_line() {
        let err = parse_records("[\n{\"a\": 1},\n{\"a\" 2}\n]", p()).unwrap_err();
        assert!(
            err.to_string().starts_with("f.json:3: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn field_errors_name_the_dotted_field() {
        let v: Value = serde_json::json!({"x": 3, "list": ["a", ""]});
        let f = Fields::of(p(), 7, &v, "triplets[1]").unwrap();
        assert_eq!(
            f.string("x").unwrap_err().to_string(),
            "f.json:7: field `triplets[1].x`: expected a string, found a number"
        );
        assert_eq!(
            f.string_list("list").unwrap_err().to_string(),
            "f.json:7: field `triplets[1].list[1]`: expected a non-empty string"
        );
        assert!(
            f.string("missing")
                .unwrap_err()
                .to_string()
                .ends_with("missing")
        );
    }
}
