//! `cuebench report RESULTS... --out report.html`: one self-contained HTML
//! file for one or several runs (see `report::html`).

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::Result;
use crate::formats::records::write_output;
use crate::report::html::input::{Run, read_run};
use crate::report::html::render;
use crate::report::results::results_path;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The runs in the report.
    pub runs: usize,
    /// The file's size in bytes.
    pub bytes: usize,
}

/// Reads every run, renders the report and writes it to `out` (never over a
/// results file it read). Runs without
/// per-sample files leave the distribution and worst-sample sections empty:
/// that is said on stderr, with the fix.
pub fn run(inputs: &[PathBuf], out: &Path) -> Result<Written> {
    let runs: Vec<Run> = inputs.iter().map(|p| read_run(p)).collect::<Result<_>>()?;
    for (run, path) in runs.iter().zip(inputs) {
        if run.samples.is_empty() {
            console::warning(&format!(
                "{}: no per-sample files, so the report shows no distributions or worst samples for `{}` \
                 (write results with `cuebench eval --output DIR`)",
                path.display(),
                run.name
            ));
        }
    }
    let html = render(&runs);
    let read: Vec<PathBuf> = inputs.iter().map(|p| results_path(p)).collect();
    let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
    write_output(out, html.as_bytes(), &read)?;
    Ok(Written {
        runs: runs.len(),
        bytes: html.len(),
    })
}
