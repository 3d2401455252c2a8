//! How a predictions file is laid out (`eval --from`): cuebench's own
//! records ([`super::predictions`]) or an lmms-eval sample log
//! ([`super::lmms_eval`]), read through one entry point.

use std::path::Path;

use super::lmms_eval::parse_samples;
use super::predictions::{Prediction, checked, parse_records};
use super::records::read_text_or_stdin;
use crate::error::Result;

/// How a predictions file is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// cuebench's own records (docs/scoring.md §3.3), as JSONL or one JSON array.
    #[default]
    Cuebench,
    /// lmms-eval's `samples_*.jsonl` log (0.7 included): the id from `doc.id`
    /// or `target`, the response from `resps` or `filtered_resps`.
    LmmsEval,
}

/// Reads predictions in `layout` from a file, or from standard input when
/// `path` is `-` (errors then name `<stdin>`); an empty or recognisably
/// wrong file is an error saying so ([`checked`]).
pub fn read_predictions_from(path: &Path, layout: Layout) -> Result<Vec<Prediction>> {
    let (text, name) = read_text_or_stdin(path)?;
    checked(parse_predictions(&text, &name, layout), &text, &name)
}

/// Parses a whole predictions text in `layout`.
pub fn parse_predictions(text: &str, path: &Path, layout: Layout) -> Result<Vec<Prediction>> {
    match layout {
        Layout::LmmsEval => parse_samples(text, path),
        Layout::Cuebench => parse_records(text, path),
    }
}
