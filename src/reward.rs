//! The reward line protocol (docs/scoring.md §7): one CUE-R1 reward per
//! completion line, from a file in one batch or from a stream, one line in,
//! one line out, flushed; `cuebench reward` and the reward server (`serve`)
//! both answer through it. The [`Session`] keeps the model, taxonomy and vectors
//! loaded for the whole stream. A line that cannot be scored (invalid JSON,
//! an unknown id or task) is answered with `{"line": N, "error": "..."}`
//! and the stream goes on; only reading or writing can end it.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::evaluate::session::{RewardedCompletion, UnknownSample};
use crate::evaluate::{Completion, Session};
use crate::formats::jsonl;
use crate::formats::predictions::{MAX_STREAM_LINE_BYTES, parse_line};
use crate::formats::records::{nonblank_lines, read_line_bounded, read_text};
use crate::tasks::Task;

/// Reads the lines of a completions file and scores them in one batch;
/// writes one line per completion. Returns the number of lines answered
/// with an error record.
pub fn run_file(
    session: &mut Session,
    default_task: Option<Task>,
    input: &Path,
    out: &mut dyn Write,
) -> Result<usize> {
    let text = read_text(input)?;
    let lines: Vec<(usize, &str)> = nonblank_lines(&text).collect();
    let answers = score_lines(session, default_task, input, &lines)?;
    for answer in &answers {
        writeln!(out, "{}", jsonl::line(&answer.record)).map_err(|e| stdout_error(&e))?;
    }
    Ok(answers.iter().filter(|a| a.is_error).count())
}

/// Reads completions line by line and answers each at once, flushing after
/// every line, until the input ends. Returns the number of lines answered
/// with an error record.
pub fn run_stream(
    session: &mut Session,
    default_task: Option<Task>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<usize> {
    let source = PathBuf::from("<stdin>");
    let (mut number, mut errors) = (0, 0);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        number += 1;
        let length =
            read_line_bounded(input, &mut bytes, MAX_STREAM_LINE_BYTES).map_err(|source| {
                Error::Io {
                    path: PathBuf::from("<stdin>"),
                    source,
                }
            })?;
        if length == 0 {
            return Ok(errors);
        }
        let answers = match stream_line(&bytes, length, number, &source) {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => score_lines(session, default_task, &source, &[(number, text.trim_end())])?,
            Err(e) => vec![error_record(number, &e.to_string())],
        };
        for answer in answers {
            errors += usize::from(answer.is_error);
            writeln!(out, "{}", jsonl::line(&answer.record))
                .and_then(|_| out.flush())
                .map_err(|e| stdout_error(&e))?;
        }
    }
}

/// A stream line as text: an error when it was cut (over
/// [`MAX_STREAM_LINE_BYTES`]) or is not UTF-8, answered for that line alone.
fn stream_line<'a>(bytes: &'a [u8], length: usize, line: usize, source: &Path) -> Result<&'a str> {
    if length > bytes.len() {
        return Err(Error::LineTooLong {
            path: source.to_owned(),
            line,
            length,
            limit: MAX_STREAM_LINE_BYTES,
        });
    }
    std::str::from_utf8(bytes).map_err(|_| Error::Encoding {
        path: source.to_owned(),
        line,
        message: "not valid UTF-8".into(),
    })
}

/// The answer to one input line: a JSON record, and whether it is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct LineAnswer {
    /// A reward record, or `{"line": N, "error": "..."}`.
    pub record: Value,
    /// Whether `record` is an error record.
    pub is_error: bool,
}

/// A line read into a completion, or why it cannot be scored.
pub type ParsedLine = std::result::Result<Completion, Error>;

/// One answer per `(line number, text)`, in order: a reward record, or an
/// error record for a line that cannot be scored.
fn score_lines(
    session: &mut Session,
    default_task: Option<Task>,
    source: &Path,
    lines: &[(usize, &str)],
) -> Result<Vec<LineAnswer>> {
    let parsed = parse_lines(default_task, source, lines);
    let completions: Vec<Completion> = parsed.iter().flatten().cloned().collect();
    let rewarded = session.rewards(&completions)?;
    let numbers: Vec<usize> = lines.iter().map(|&(n, _)| n).collect();
    Ok(answer_lines(source, &numbers, &parsed, rewarded))
}

/// Reads each `(line number, text)` into a completion; its task is the
/// line's `task` field, else `default_task`.
pub fn parse_lines(
    default_task: Option<Task>,
    source: &Path,
    lines: &[(usize, &str)],
) -> Vec<ParsedLine> {
    lines
        .iter()
        .map(|&(n, text)| completion_of(text, n, source, default_task))
        .collect()
}

/// The answer to each parsed line (numbered by `numbers`), given the
/// session's rewards of its readable lines, in order.
pub fn answer_lines(
    source: &Path,
    numbers: &[usize],
    parsed: &[ParsedLine],
    rewarded: Vec<std::result::Result<RewardedCompletion, UnknownSample>>,
) -> Vec<LineAnswer> {
    let mut rewarded = rewarded.into_iter();
    parsed
        .iter()
        .zip(numbers)
        .map(|(p, &n)| match p {
            Err(e) => error_record(n, &e.to_string()),
            Ok(completion) => match rewarded.next() {
                Some(Ok(r)) => LineAnswer {
                    record: r.record(&completion.id),
                    is_error: false,
                },
                Some(Err(unknown)) => error_record(
                    n,
                    &Error::Field {
                        path: source.to_owned(),
                        line: n,
                        field: "id".into(),
                        message: unknown.to_string(),
                    }
                    .to_string(),
                ),
                None => error_record(n, "internal: no reward computed"),
            },
        })
        .collect()
}

/// Parses one line into a completion; its task is the line's `task` field,
/// else `default_task`.
fn completion_of(text: &str, line: usize, source: &Path, default_task: Option<Task>) -> ParsedLine {
    let prediction = parse_line(text, line, source)?;
    let field = |message: String| Error::Field {
        path: source.to_owned(),
        line,
        field: "task".into(),
        message,
    };
    let task = match (&prediction.task, default_task) {
        (Some(name), _) => name.parse().map_err(field)?,
        (None, Some(t)) => t,
        (None, None) => {
            return Err(field(
                "missing (give --task or a `task` on every line)".into(),
            ));
        }
    };
    Ok(Completion {
        id: prediction.id,
        task,
        content: prediction.content,
    })
}

fn error_record(line: usize, message: &str) -> LineAnswer {
    LineAnswer {
        record: json!({"line": line, "error": message}),
        is_error: true,
    }
}

fn stdout_error(e: &std::io::Error) -> Error {
    Error::Write {
        path: PathBuf::from("<stdout>"),
        source: std::io::Error::new(e.kind(), e.to_string()),
    }
}
