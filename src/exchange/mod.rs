//! A results document in the exchange formats leaderboards and result hubs
//! read (docs/results.md "Exchange formats"): Every Eval Ever's
//! `eval.schema.json` 0.3.0 ([`eee`]) and Hugging Face's `.eval_results/*.yaml`
//! entries for a model repository ([`hf`]). Both are written from the results
//! document alone (plus its per-sample files when the run wrote them); every
//! figure keeps its full precision and carries the run's signature.

pub mod eee;
pub mod hf;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::formats::records::write_file;
use crate::model::{BenchmarkId, ResultsDocument};
use crate::report::results::{read_document, read_entry_samples, results_path};

/// The exchange formats `cuebench export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeFormat {
    /// Every Eval Ever's `eval.schema.json` 0.3.0 record (with its per-sample
    /// companion when written to a folder).
    Eee,
    /// Hugging Face's `.eval_results/*.yaml` entries for a model repository.
    Hf,
}

/// What the results document does not say and an export needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The model's Hub id, `ORG/NAME` (EEE's `model_info.id`, which also
    /// names the datastore folder).
    pub model_id: Option<String>,
    /// The benchmark's Hub dataset id; default [`default_dataset_id`].
    pub dataset_id: Option<String>,
    /// Who published the numbers (EEE `source_organization_name`).
    pub organization: Option<String>,
    /// A link to the run's logs or paper (HF `source.url`).
    pub source_url: Option<String>,
}

/// The files an export of the results at `run` (a results document or an
/// `--output` folder) consists of, as (path relative to the output folder,
/// text). With `with_samples`, an EEE export also carries the per-sample
/// companion when the run wrote per-sample files.
pub fn export_files(
    run: &Path,
    format: ExchangeFormat,
    options: &ExportOptions,
    with_samples: bool,
) -> Result<Vec<(String, String)>> {
    let document = read_document(run)?;
    match format {
        ExchangeFormat::Hf => Ok(vec![(
            format!(".eval_results/{}", hf::file_name(&document)),
            hf::export(&document, options)?,
        )]),
        ExchangeFormat::Eee => {
            let samples = if with_samples {
                let path = results_path(run);
                document
                    .results
                    .iter()
                    .map(|entry| read_entry_samples(&path, entry))
                    .collect::<Result<Vec<_>>>()?
            } else {
                Vec::new()
            };
            let export = eee::export(&document, &samples, options)?;
            let mut files = vec![(export.aggregate_path, export.aggregate)];
            files.extend(export.samples);
            Ok(files)
        }
    }
}

/// Writes `files` under `dir` (each atomically) and returns their paths.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    files
        .iter()
        .map(|(relative, text)| {
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                    path: parent.to_owned(),
                    source,
                })?;
            }
            write_file(&path, text.as_bytes())?;
            Ok(path)
        })
        .collect()
}

/// The Hub dataset a benchmark's results belong to: CueBench's own
/// (README "Where to get the CueBench data"); the sibling benchmarks have no
/// Hub benchmark dataset, so they need `--dataset-id`.
pub fn default_dataset_id(benchmark: BenchmarkId) -> Option<&'static str> {
    (benchmark == BenchmarkId::CueBench).then_some("CueBench/CueBench")
}

/// The dataset id of `document`'s results: the option, else the default.
pub fn dataset_id(document: &ResultsDocument, options: &ExportOptions) -> Option<String> {
    options
        .dataset_id
        .clone()
        .or_else(|| default_dataset_id(document.run.benchmark).map(str::to_owned))
}

/// The identifier of one figure, `BENCHMARK/TASK/FIGURE` (e.g.
/// `cuebench/anomaly-bu/Hier`): EEE's `evaluation_result_id`, HF's `task_id`.
pub fn figure_id(benchmark: BenchmarkId, task: &str, figure: &str) -> String {
    format!("{benchmark}/{task}/{figure}")
}

/// `ORG/NAME` split in two; anything else is a usage error naming the flag.
pub fn hub_id(id: &str, flag: &str) -> Result<(String, String)> {
    let bad = |why: &str| Error::Usage(format!("{flag} {id:?}: {why}; expected ORG/NAME"));
    let (org, name) = id.split_once('/').ok_or_else(|| bad("no `/`"))?;
    let portable = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !portable(org) || !portable(name) {
        return Err(bad(
            "each part must be letters, digits, `-`, `_` or `.` (a Hub id)",
        ));
    }
    Ok((org.to_owned(), name.to_owned()))
}

/// Seconds since 1970 of a `YYYY-MM-DDTHH:MM:SSZ` timestamp (the results
/// document's `created`), by H. Hinnant's `days_from_civil`: the inverse of
/// [`crate::provenance::utc_timestamp`]. `None` when it is not one.
pub fn unix_seconds(timestamp: &str) -> Option<i64> {
    let b = timestamp.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| timestamp.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::utc_timestamp;

    #[test]
    fn unix_seconds_inverts_the_document_timestamp() {
        for s in [0, 951_782_400 + 3661, 1_767_225_600, 4_107_542_400, -1] {
            assert_eq!(unix_seconds(&utc_timestamp(s)), Some(s));
        }
        assert_eq!(unix_seconds("2026-01-01"), None);
        assert_eq!(unix_seconds("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn hub_ids_are_org_and_name() {
        assert_eq!(
            hub_id("Qwen/Qwen2.5-VL-7B", "--model-id").unwrap(),
            ("Qwen".into(), "Qwen2.5-VL-7B".into())
        );
        for bad in ["flat", "a/b/c", "/x", "a/", "a/..", "a b/c"] {
            let err = hub_id(bad, "--model-id").unwrap_err().to_string();
            assert!(
                err.contains("--model-id") && err.contains("ORG/NAME"),
                "{err}"
            );
        }
    }
}
