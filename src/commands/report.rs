//! `cuebench report RESULTS... --out report.html`: one self-contained HTML
//! file for one or several runs (see `report::html`).

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::Result;
use crate::formats::records::write_output;
use crate::model::{BenchmarkId, Protocol, ResultsDocument};
use crate::report::html::input::{Run, read_run};
use crate::report::html::render;
use crate::report::leaderboard::check_signatures;
use crate::report::run_folder::referenced_files;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The runs in the report.
    pub runs: usize,
    /// The file's size in bytes.
    pub bytes: usize,
}

/// Reads every run, renders the report and writes it to `out` (never over a
/// file a run references: its results file or a per-sample file). Runs of one benchmark and protocol share a table,
/// so their signatures must be comparable, as for `leaderboard` (a version
/// difference is a warning). Runs without per-sample files leave the
/// distribution and worst-sample sections empty: that is said on stderr,
/// with the fix.
pub fn run(inputs: &[PathBuf], out: &Path) -> Result<Written> {
    let runs: Vec<Run> = inputs.iter().map(|p| read_run(p)).collect::<Result<_>>()?;
    check_families(&runs, inputs)?;
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
    let read: Vec<PathBuf> = runs
        .iter()
        .zip(inputs)
        .flat_map(|(run, p)| referenced_files(p, &run.document))
        .collect();
    let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
    write_output(out, html.as_bytes(), &read)?;
    Ok(Written {
        runs: runs.len(),
        bytes: html.len(),
    })
}

/// The leaderboard's comparability check within each benchmark and protocol.
fn check_families(runs: &[Run], inputs: &[PathBuf]) -> Result<()> {
    let mut families: Vec<(BenchmarkId, Protocol)> = Vec::new();
    for d in runs.iter().map(|r| &r.document) {
        if !families.contains(&(d.run.benchmark, d.run.protocol)) {
            families.push((d.run.benchmark, d.run.protocol));
        }
    }
    for (benchmark, protocol) in families {
        let family: Vec<(String, ResultsDocument)> = runs
            .iter()
            .zip(inputs)
            .filter(|(r, _)| {
                r.document.run.benchmark == benchmark && r.document.run.protocol == protocol
            })
            .map(|(r, p)| (p.display().to_string(), r.document.clone()))
            .collect();
        for warning in check_signatures(&family)? {
            console::warning(&warning);
        }
    }
    Ok(())
}
