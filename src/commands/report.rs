//! `cuebench report RESULTS... --out report.html`: one self-contained HTML
//! file for one or several runs (see `report::html`).

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::Result;
use crate::formats::records::write_output;
use crate::model::{BenchmarkId, Protocol, ResultsDocument};
use crate::report::html::input::{Run, read_run};
use crate::report::leaderboard::{Board, Layout, check_signatures, missing_samples};
use crate::report::render::Format;
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
    for warning in missing_samples(&runs, inputs) {
        console::warning(&warning);
    }
    // The page lays out its own tables per benchmark and protocol.
    let board = Board::new(
        runs,
        Layout {
            columns: Vec::new(),
        },
        true,
    );
    let html = Format::Html.renderer().leaderboard(&board);
    let read: Vec<PathBuf> = board
        .runs
        .iter()
        .zip(inputs)
        .flat_map(|(run, p)| referenced_files(p, &run.document))
        .collect();
    let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
    write_output(out, html.as_bytes(), &read)?;
    Ok(Written {
        runs: board.runs.len(),
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
        let family: Vec<(String, &ResultsDocument)> = runs
            .iter()
            .zip(inputs)
            .filter(|(r, _)| {
                r.document.run.benchmark == benchmark && r.document.run.protocol == protocol
            })
            .map(|(r, p)| (p.display().to_string(), &r.document))
            .collect();
        for warning in check_signatures(&family)? {
            console::warning(&warning);
        }
    }
    Ok(())
}
