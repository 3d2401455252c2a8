//! The library's error type: one meaning per variant, each naming the file,
//! line and field involved so the CLI can print a one-line message and exit 2.

use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading inputs or running a model.
///
/// A model's malformed *answer* is never an `Error`: it scores 0 and is
/// counted (docs/scoring.md §3.4). Errors are reserved for bad input files and set-up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A path that must name a regular file names a folder, a device or a pipe.
    #[error("{path}: expected a regular file, found {found}")]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a folder`, `not a regular file`).
        found: &'static str,
    },
    /// A text file is not UTF-8 (or starts with a UTF-16 byte-order mark).
    #[error("{path}:{line}: {message}")]
    Encoding {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A line of a stream is longer than the reader keeps.
    #[error("{path}:{line}: line of {length} bytes is over the limit of {limit}")]
    LineTooLong {
        /// The stream (`<stdin>`) or file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line's length in bytes.
        length: usize,
        /// The most bytes a line may have.
        limit: usize,
    },
    /// A ground-truth file holds no sample at all.
    #[error("{path}: the ground truth is empty (it would score every submission 0)")]
    EmptyGroundTruth {
        /// The file.
        path: PathBuf,
    },
    /// An output path names one of the run's own input files.
    #[error("{path}: refusing to overwrite an input file ({input})")]
    OutputIsInput {
        /// The output path as given.
        path: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// A line (or the whole file, line 1) is not valid JSON.
    #[error("{path}:{line}: invalid JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A record lacks a field or has it with the wrong type or value.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line number (for a JSON array file: the line the record starts on).
        line: usize,
        /// The field, as a dotted path (e.g. `triplets[2].frames`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The same id appears more than once where ids must be unique.
    #[error("{path}: duplicate id(s): {ids}{hint}")]
    DuplicateIds {
        /// The file.
        path: PathBuf,
        /// The repeated ids, comma separated, each with its line numbers.
        ids: String,
        /// How to fix it, starting with `; ` (or empty).
        hint: String,
    },
    /// The project file (`cuebench.toml`) is not valid TOML or has an unknown key.
    #[error("{path}:{line}: {message}")]
    ProjectFile {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What the TOML reader said.
        message: String,
    },
    /// A command-line value is not acceptable.
    #[error("{0}")]
    Usage(String),
    /// The embedding model or ONNX Runtime could not be loaded or run.
    #[error("{0}")]
    Model(String),
    /// The LLM judge cannot go on: it refused the key or the request, could
    /// not be reached, or failed every retry (docs/judge.md). Replies
    /// already received are cached, so a rerun resumes.
    #[error("judge: {0}")]
    Judge(String),
    /// The taxonomy file is malformed.
    #[error("{path}:{line}: taxonomy: {message}")]
    Taxonomy {
        /// The file.
        path: PathBuf,
        /// 1-based line where the offending entry starts (1 for the file as a whole).
        line: usize,
        /// What is wrong, naming the offending entry.
        message: String,
    },
    /// A file given where it does not belong (a results document as
    /// predictions, a VAU-Bench CSV as CueBench annotations): what it is
    /// and what reads it.
    #[error("{path}: {message}")]
    WrongFile {
        /// The file.
        path: PathBuf,
        /// What it is and which command or `--bench` reads it.
        message: String,
    },
    /// A predictions file holds no prediction at all: an input error, not a
    /// run whose every sample scores 0.
    #[error("{path}: no predictions: the file is empty (every sample would score 0)")]
    EmptyPredictions {
        /// The file (`<stdin>` for standard input).
        path: PathBuf,
    },
    /// Two results may not be compared: their signatures differ in a
    /// scoring field (docs/scoring.md §11). One line when printed as a
    /// whole; [`Error::lines`] gives one line per field.
    #[error("{headline}: {}", .fields.join("; "))]
    SignaturesDiffer {
        /// What differs, e.g. `signatures differ, results are not
        /// comparable (task event)`.
        headline: String,
        /// One line per differing field, e.g. `gt: baseline sha256:9e37d10f,
        /// candidate sha256:1a2b3c4d`.
        fields: Vec<String>,
        /// The same as a Markdown paragraph and table, for CI summaries.
        markdown: String,
    },
}

impl Error {
    /// The message as lines for the terminal: one line for every error
    /// but [`Error::SignaturesDiffer`], which gives its headline and then
    /// one indented line per differing field.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Error::SignaturesDiffer {
                headline, fields, ..
            } => std::iter::once(format!("{headline}:"))
                .chain(fields.iter().map(|f| format!("  {f}")))
                .collect(),
            other => vec![other.to_string()],
        }
    }

    /// The error as Markdown for a CI summary, where it has one
    /// ([`Error::SignaturesDiffer`]).
    pub fn markdown(&self) -> Option<&str> {
        match self {
            Error::SignaturesDiffer { markdown, .. } => Some(markdown),
            _ => None,
        }
    }
}
