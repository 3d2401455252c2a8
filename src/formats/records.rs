//! JSON records with line numbers: a JSON array of objects or JSONL.

use std::io::Write;
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

/// Reads a whole input file as UTF-8 text. Only regular files are read (a
/// folder, a device such as `/dev/zero` or a FIFO is refused before reading:
/// it would be read forever or mean a wrong argument). A UTF-8 byte-order
/// mark is skipped; a UTF-16 one, or bytes that are not UTF-8, is an
/// [`Error::Encoding`] naming the line.
pub fn read_text(path: &Path) -> Result<String> {
    check_regular_file(path)?;
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    decode_utf8(bytes, path)
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads a whole file as text, or all of standard input when `path` is `-`;
/// also returns the name to use in messages (`<stdin>` for `-`).
pub fn read_text_or_stdin(path: &Path) -> Result<(String, std::path::PathBuf)> {
    if path != Path::new("-") {
        return Ok((read_text(path)?, path.to_owned()));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(|source| {
        Error::Io {
            path: STDIN_NAME.into(),
            source,
        }
    })?;
    Ok((
        decode_utf8(bytes, Path::new(STDIN_NAME))?,
        STDIN_NAME.into(),
    ))
}

/// Fails unless `path` (symlinks followed) is a regular file: an
/// [`Error::NotAFile`] for a folder, a device or a pipe, an [`Error::Io`]
/// when it cannot be looked at.
pub fn check_regular_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_file() {
        return Ok(());
    }
    Err(Error::NotAFile {
        path: path.to_owned(),
        found: if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        },
    })
}

/// Reads a ground-truth file of records (JSON array or JSONL). A file with
/// no record is an [`Error::EmptyGroundTruth`]: it would score every
/// submission 0 without a word.
pub fn read_ground_truth_records(path: &Path) -> Result<Vec<Record>> {
    let records = parse_records(&read_text(path)?, path)?;
    if records.is_empty() {
        return Err(Error::EmptyGroundTruth {
            path: path.to_owned(),
        });
    }
    Ok(records)
}

/// UTF-8 bytes read from `path` as text, without a leading UTF-8
/// byte-order mark (an [`Error::Encoding`] naming the line otherwise).
pub fn decode_utf8(mut bytes: Vec<u8>, path: &Path) -> Result<String> {
    let encoding = |line: usize, message: &str| Error::Encoding {
        path: path.to_owned(),
        line,
        message: message.to_owned(),
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(encoding(
            1,
            "UTF-16 byte-order mark (BOM): save the file as UTF-8",
        ));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        encoding(line, "not valid UTF-8")
    })
}

/// Reads one line (through its `\n`) into `buf`, keeping at most `limit`
/// bytes of it: the rest of an over-long line is read and dropped, so a
/// stream without newlines (`/dev/zero`) cannot fill the memory. Returns
/// the length the line had (0 at the end of the input).
pub fn read_line_bounded(
    input: &mut dyn std::io::BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(total);
        }
        let newline = chunk.iter().position(|&b| b == b'\n');
        let take = newline.map_or(chunk.len(), |i| i + 1);
        let keep = take.min(limit.saturating_sub(buf.len()));
        buf.extend_from_slice(&chunk[..keep]);
        input.consume(take);
        total += take;
        if newline.is_some() {
            return Ok(total);
        }
    }
}

/// Writes a whole output file atomically: the bytes go to a temporary file in
/// the same folder, which then replaces `path` by a rename, so an interrupted
/// run (full disk, `ulimit -f`, SIGKILL) leaves the previous file whole.
/// A symlink is followed (its target is replaced). Refused with
/// [`Error::OutputIsInput`] when `path` is the same file as one of `inputs`
/// (symlinks and hard links included), before anything is written.
pub fn write_output(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<()> {
    refuse_input(path, inputs)?;
    let write_error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    // Replace a symlink's target, not the link.
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let mut temp = temp_builder().tempfile_in(&folder).map_err(write_error)?;
    temp.write_all(bytes)
        .and_then(|_| temp.as_file().sync_all())
        .map_err(write_error)?;
    temp.persist(&target).map_err(|e| write_error(e.error))?;
    Ok(())
}

/// An [`Error::OutputIsInput`] when writing `path` would replace one of
/// `inputs` (the same file after symlinks; hard links too on Unix).
pub fn refuse_input(path: &Path, inputs: &[&Path]) -> Result<()> {
    match inputs.iter().find(|input| same_file(path, input)) {
        Some(input) => Err(Error::OutputIsInput {
            path: path.to_owned(),
            input: input.to_path_buf(),
        }),
        None => Ok(()),
    }
}

/// Writes a whole file that has no input to protect (e.g. generated data);
/// atomic like [`write_output`].
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_output(path, bytes, &[])
}

/// Temporary output files: hidden, named for the tool, and (on Unix) created
/// with the permissions a plain create would give (0666 less the umask).
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cuebench-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Whether two paths name the same existing file (after symlinks; hard links
/// count as the same file on Unix).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
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

/// Each non-blank line of a text with its 1-based line number.
pub fn nonblank_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, raw)| !raw.trim().is_empty())
        .map(|(index, raw)| (index + 1, raw))
}

/// Each non-blank line of a JSONL text as a record or the error for that
/// line, so a checker can report every bad line at once.
pub fn jsonl_records<'a>(
    text: &'a str,
    path: &'a Path,
) -> impl Iterator<Item = Result<Record>> + 'a {
    nonblank_lines(text).map(move |(line, raw)| {
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

/// The 1-based start line of each top-level element of a valid JSON array
/// (text after the array is not read).
pub fn element_start_lines(text: &str) -> Vec<usize> {
    array_elements(text).iter().map(|&(line, _)| line).collect()
}

/// Each top-level element of a JSON array whose syntax is already checked,
/// with the 1-based line it starts on; the scan ends at the array's
/// closing bracket. Linear, and builds no values.
pub fn array_elements(text: &str) -> Vec<(usize, &str)> {
    let mut elements = Vec::new();
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut strings, mut expect_element) = (JsonStrings::default(), false);
    let mut current: Option<(usize, usize)> = None;
    let mut finish = |current: &mut Option<(usize, usize)>, end: usize| {
        if let Some((line, start)) = current.take() {
            elements.push((line, text[start..end].trim_end()));
        }
    };
    for (i, c) in text.char_indices() {
        if strings.inside(c) {
            if c == '\n' {
                line += 1;
            }
            continue;
        }
        if expect_element && !c.is_whitespace() && c != ']' {
            current = Some((line, i));
            expect_element = false;
        }
        match c {
            '\n' => line += 1,
            '[' | '{' => {
                depth += 1;
                expect_element = depth == 1;
            }
            ']' | '}' if depth == 1 => {
                finish(&mut current, i);
                break;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => {
                finish(&mut current, i);
                expect_element = true;
            }
            _ => {}
        }
    }
    elements
}

/// Where a left-to-right scan of JSON text stands with respect to strings:
/// fed every character in order, it says which ones lie inside a string
/// literal, so the scanner around it sees only the structure and where each
/// string opens.
#[derive(Default)]
pub struct JsonStrings {
    in_string: bool,
    escaped: bool,
}

impl JsonStrings {
    /// Takes the next character; true when it lies inside a string literal
    /// (its closing quote and escapes included). An opening quote is false:
    /// the caller sees where a string starts.
    pub fn inside(&mut self, c: char) -> bool {
        if !self.in_string {
            self.in_string = c == '"';
            return false;
        }
        match (self.escaped, c) {
            (true, _) => self.escaped = false,
            (false, '\\') => self.escaped = true,
            (false, '"') => self.in_string = false,
            _ => {}
        }
        true
    }
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
        hint: String::new(),
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
    fn array_elements_are_cut_at_their_own_commas() {
        let text = "[\n {\"a\": \"x,]\\\"\"},\n [1, [2]] ,\n\n 3\n] trailing, [9]";
        assert_eq!(
            array_elements(text),
            vec![(2, "{\"a\": \"x,]\\\"\"}"), (3, "[1, [2]]"), (5, "3")]
        );
        assert!(array_elements("[]").is_empty());
        // Strings as elements: each starts at its opening quote.
        assert_eq!(
            array_elements(r#"["a,b", "c\"]\n", 1]"#),
            vec![(1, r#""a,b""#), (1, r#""c\"]\n""#), (1, "1")]
        );
    }

    #[test]
    fn json_strings_mark_what_lies_inside_a_literal() {
        // a " b \" ] " c: the opening quote is structure, the rest up to the
        // closing quote (the escaped one and the bracket included) is inside.
        let mut strings = JsonStrings::default();
        let inside: String =
            r#"a"b\"]"c"#.chars().map(|c| if strings.inside(c) { 'i' } else { '.' }).collect();
        assert_eq!(inside, "..iiiii.");
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
    fn a_utf8_bom_is_skipped_and_utf16_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, b"\xEF\xBB\xBF{\"a\": 1}\n").unwrap();
        assert_eq!(read_text(&path).unwrap(), "{\"a\": 1}\n");
        std::fs::write(&path, b"\xFF\xFE{\x00").unwrap();
        let err = read_text(&path).unwrap_err().to_string();
        assert!(
            err.ends_with("a.jsonl:1: UTF-16 byte-order mark (BOM): save the file as UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, b"{}\n{}\n{\"a\": \"\xFF\"}\n").unwrap();
        let err = read_text(&path).unwrap_err().to_string();
        assert!(err.ends_with("a.jsonl:3: not valid UTF-8"), "{err}");
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with(": expected a regular file, found a folder"),
            "{err}"
        );
        #[cfg(unix)]
        {
            let err = read_text(Path::new("/dev/null")).unwrap_err().to_string();
            assert_eq!(
                err,
                "/dev/null: expected a regular file, found not a regular file"
            );
        }
    }

    #[test]
    fn outputs_replace_whole_files_and_never_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        let out = dir.path().join("out.jsonl");
        std::fs::write(&input, "keep").unwrap();
        write_output(&out, b"one", &[&input]).unwrap();
        write_output(&out, b"two", &[&input]).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "two");
        let err = write_output(&input, b"x", &[&out, &input]).unwrap_err();
        assert!(
            err.to_string()
                .contains("refusing to overwrite an input file"),
            "{err}"
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(write_output(&link, b"x", &[&input]).is_err());
            // A link to a non-input: its target is written, the link stays.
            let other = dir.path().join("link2.jsonl");
            std::os::unix::fs::symlink(&out, &other).unwrap();
            write_output(&other, b"three", &[&input]).unwrap();
            assert!(
                std::fs::symlink_metadata(&other)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&out).unwrap(), "three");
        }
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "keep");
        // No temporary file is left behind.
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            if cfg!(unix) { 4 } else { 2 }
        );
    }

    #[test]
    fn bounded_lines_keep_a_prefix_and_skip_the_rest() {
        let mut input = std::io::BufReader::with_capacity(4, &b"abcdefgh\nij\n\nk"[..]);
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        loop {
            buf.clear();
            let n = read_line_bounded(&mut input, &mut buf, 5).unwrap();
            if n == 0 {
                break;
            }
            lines.push((n, String::from_utf8(buf.clone()).unwrap()));
        }
        let expected = [(9, "abcde"), (3, "ij\n"), (1, "\n"), (1, "k")];
        let expected: Vec<(usize, String)> =
            expected.iter().map(|&(n, s)| (n, s.to_owned())).collect();
        assert_eq!(lines, expected);
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
