//! `cuebench compare`: the CI regression gate over two results documents
//! (docs/scoring.md §11, §12). Each figure is listed once, with the paired
//! bootstrap's interval and p-value under `--paired-bs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::evaluate::confidence::figure_column;
use crate::metrics::bootstrap::{PairedTest, paired_tests};
use crate::model::names::{MIOU, TIOU};
use crate::model::{Confidence, Metric, ResultsDocument, SampleRecord, TaskResult};
use crate::report::compare::{Change, Comparison, EPSILON, Paired, Side};
use crate::report::results::{read_document, read_entry_samples, results_path};
use crate::signature::{Signature, check_comparable};

/// What `compare` is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Baseline: a results document or an `--output` folder.
    pub baseline: PathBuf,
    /// Candidate, likewise.
    pub candidate: PathBuf,
    /// Largest tolerated drop, in points.
    pub max_drop: f64,
    /// `--paired-bs`: needs `--output` folders on both sides.
    pub paired: Option<Paired>,
}

/// Compares two results documents (files or `--output` folders). Input
/// errors: a bad `--max-drop` or `--alpha`, a file that is not a results
/// document, signatures that are not comparable (docs/scoring.md §11), and
/// for `--paired-bs` a side without per-sample files or no shared sample.
pub fn run(options: &CompareOptions) -> Result<Comparison> {
    check_options(options)?;
    let base = read_document(&options.baseline)?;
    let cand = read_document(&options.candidate)?;
    let mut warnings = Vec::new();
    let mut changes = Vec::new();
    for b in base.results.iter().map(|e| &e.result) {
        let c = cand
            .results
            .iter()
            .map(|e| &e.result)
            .find(|c| c.benchmark == b.benchmark && c.task == b.task);
        if let Some(c) = c {
            let w = check_comparable(
                ("baseline", &signature(b, &options.baseline)?),
                ("candidate", &signature(c, &options.candidate)?),
            )?;
            warnings.extend(w.filter(|w| !warnings.contains(w)));
        }
        let tests = match (options.paired, c) {
            (Some(p), Some(c)) => Some(paired(
                b,
                c,
                (&options.baseline, &base),
                (&options.candidate, &cand),
                p,
            )?),
            _ => None,
        };
        for (i, m) in b.metrics.iter().enumerate() {
            if is_repeat(b, m) {
                continue;
            }
            let candidate = c
                .and_then(|c| c.metrics.iter().find(|x| x.name == m.name))
                .map(|x| x.value);
            let test = tests.as_ref().and_then(|t| t[i]);
            let mut change = Change {
                task: format!("{}/{}", b.benchmark, b.task),
                figure: m.name.clone(),
                baseline: m.value,
                candidate,
                test,
                regression: false,
            };
            let dropped = -change.difference() > options.max_drop + EPSILON;
            let significant = match (options.paired, test) {
                (Some(p), Some(t)) => t.p < p.alpha,
                _ => true,
            };
            change.regression = dropped && significant;
            changes.push(change);
        }
    }
    Ok(Comparison {
        baseline: side(&options.baseline, &base),
        candidate: side(&options.candidate, &cand),
        max_drop: options.max_drop,
        paired: options.paired,
        changes,
        warnings,
    })
}

fn side(path: &Path, document: &ResultsDocument) -> Side {
    Side {
        path: results_path(path),
        name: document.run.name.clone(),
    }
}

fn check_options(options: &CompareOptions) -> Result<()> {
    if !(options.max_drop.is_finite() && options.max_drop >= 0.0) {
        return Err(Error::Usage(format!(
            "--max-drop must be a number of points >= 0, got {}",
            options.max_drop
        )));
    }
    if let Some(p) = options.paired {
        if !(p.alpha > 0.0 && p.alpha < 1.0) {
            return Err(Error::Usage(format!(
                "--alpha must lie strictly between 0 and 1, got {}",
                p.alpha
            )));
        }
        if p.n == 0 {
            return Err(Error::Usage("--paired-bs-n must be at least 1".into()));
        }
    }
    Ok(())
}

fn signature(result: &TaskResult, path: &Path) -> Result<Signature> {
    Signature::parse(&result.signature).ok_or_else(|| Error::Field {
        path: results_path(path),
        line: 1,
        field: format!("results.{}.signature", result.task),
        message: format!("unreadable: `{}`", result.signature),
    })
}

/// Under `--tiou union` mIoU is the same number as TIoU (docs/scoring.md §4):
/// it is reported once, as TIoU.
fn is_repeat(result: &TaskResult, metric: &Metric) -> bool {
    metric.name == MIOU
        && result.metrics.iter().any(|m| m.name == TIOU)
        && Signature::parse(&result.signature).is_some_and(|s| s.get("tiou") == Some("union"))
}

/// Reads the per-sample file of `result` next to the document at `path`.
fn read_samples(
    path: &Path,
    document: &ResultsDocument,
    result: &TaskResult,
) -> Result<Vec<SampleRecord>> {
    let entry = document
        .results
        .iter()
        .find(|e| e.result.task == result.task && e.result.benchmark == result.benchmark);
    match entry
        .map(|e| read_entry_samples(path, e))
        .transpose()?
        .flatten()
    {
        Some(samples) => Ok(samples),
        None => Err(Error::Usage(format!(
            "{}: {}: no per-sample file; --paired-bs needs results written with `eval --output DIR`",
            results_path(path).display(),
            result.task
        ))),
    }
}

/// The paired test of every figure of `b` (by index; `None` where the figure
/// is not a per-sample mean on both sides) over the samples both share.
fn paired(
    b: &TaskResult,
    c: &TaskResult,
    (base_path, base): (&Path, &ResultsDocument),
    (cand_path, cand): (&Path, &ResultsDocument),
    p: Paired,
) -> Result<Vec<Option<PairedTest>>> {
    let base_samples = read_samples(base_path, base, b)?;
    let cand_samples = read_samples(cand_path, cand, c)?;
    let cand_index: HashMap<&str, usize> = cand_samples
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut shared: Vec<(usize, usize)> = base_samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| cand_index.get(s.id.as_str()).map(|&j| (i, j)))
        .collect();
    shared.sort_by(|x, y| base_samples[x.0].id.cmp(&base_samples[y.0].id));
    if shared.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the two runs share no sample; --paired-bs compares runs on the same annotations",
            b.task
        )));
    }
    let mut columns: Vec<Option<(Vec<f64>, Vec<f64>)>> = Vec::new();
    for m in &b.metrics {
        let Some(cm) = c.metrics.iter().find(|x| x.name == m.name) else {
            columns.push(None);
            continue;
        };
        let bc = figure_column(m, &base_samples).checked(&results_path(base_path), &b.task, m)?;
        let cc = figure_column(cm, &cand_samples).checked(&results_path(cand_path), &c.task, cm)?;
        columns.push(bc.zip(cc).map(|(bc, cc)| {
            (
                shared.iter().map(|&(i, _)| bc[i]).collect(),
                shared.iter().map(|&(_, j)| cc[j]).collect(),
            )
        }));
    }
    let present: Vec<(&[f64], &[f64])> = columns
        .iter()
        .flatten()
        .map(|(x, y)| (x.as_slice(), y.as_slice()))
        .collect();
    let mut tests = paired_tests(&present, p.n, p.seed, Confidence::default().level).into_iter();
    Ok(columns
        .iter()
        .map(|c| {
            c.as_ref().and_then(|_| tests.next()).map(|t| PairedTest {
                difference: t.difference * 100.0,
                interval: t.interval.scaled(100.0),
                p: t.p,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::{RESULTS_FILE, for_tests, result_for_tests};
    use crate::report::render::Format;

    fn result(task: &str, sig: &str, metrics: &[(&str, f64)]) -> TaskResult {
        result_for_tests(task, sig, metrics)
    }

    const SIG: &str = "cuebench:2|task:grounding|tiou:union|version:0.2.0";

    fn write(dir: &Path, name: &str, results: Vec<TaskResult>) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, for_tests(results).to_json()).unwrap();
        path
    }

    fn options(baseline: PathBuf, candidate: PathBuf, max_drop: f64) -> CompareOptions {
        CompareOptions {
            baseline,
            candidate,
            max_drop,
            paired: None,
        }
    }

    #[test]
    fn drops_beyond_the_threshold_are_regressions_and_miou_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let figures = |s: f64| {
            vec![result(
                "grounding",
                SIG,
                &[("Struct", s), ("TIoU", 40.0), ("mIoU", 40.0)],
            )]
        };
        let b = write(dir.path(), "b.json", figures(80.0));
        let c = write(dir.path(), "c.json", figures(79.6));
        let cmp = run(&options(b.clone(), c.clone(), 0.5)).unwrap();
        assert_eq!(cmp.changes.len(), 2, "mIoU folded into TIoU");
        assert!(cmp.regressions().is_empty(), "0.4 points is within 0.5");
        let cmp = run(&options(b, c, 0.3)).unwrap();
        assert_eq!(cmp.regressions().len(), 1);
        let table = Format::Table.renderer().comparison(&cmp);
        assert!(table.contains("REGRESSION"), "{table}");
        assert!(table.starts_with("compare baseline `model`"), "{table}");
        assert!(
            table.ends_with(
                "2 figures: 1 regression(s) (drop > 0.30); 1 lower, 0 higher, 1 unchanged\n"
            ),
            "{table}"
        );
    }

    #[test]
    fn a_task_missing_from_the_candidate_regresses() {
        let dir = tempfile::tempdir().unwrap();
        let b = write(
            dir.path(),
            "b.json",
            vec![
                result(
                    "event",
                    "cuebench:2|task:event|version:0.2.0",
                    &[("Struct", 80.0)],
                ),
                result(
                    "scene",
                    "cuebench:2|task:scene|version:0.2.0",
                    &[("Struct", 70.0)],
                ),
            ],
        );
        let c = write(
            dir.path(),
            "c.json",
            vec![result(
                "event",
                "cuebench:2|task:event|version:0.2.0",
                &[("Struct", 80.0)],
            )],
        );
        let cmp = run(&options(b, c, 0.5)).unwrap();
        let r = cmp.regressions();
        assert_eq!(
            (r.len(), r[0].task.as_str(), r[0].candidate),
            (1, "cuebench/scene", None)
        );
    }

    #[test]
    fn signatures_apply_the_comparability_rule() {
        let dir = tempfile::tempdir().unwrap();
        let b = write(
            dir.path(),
            "b.json",
            vec![result("grounding", SIG, &[("Struct", 1.0)])],
        );
        let newer = write(
            dir.path(),
            "n.json",
            vec![result(
                "grounding",
                &SIG.replace("0.2.0", "0.3.0"),
                &[("Struct", 1.0)],
            )],
        );
        let cmp = run(&options(b.clone(), newer, 0.5)).unwrap();
        assert_eq!(cmp.warnings.len(), 1);
        let other = write(
            dir.path(),
            "o.json",
            vec![result(
                "grounding",
                &SIG.replace("union", "matched"),
                &[("Struct", 1.0)],
            )],
        );
        let err = run(&options(b, other, 0.5)).unwrap_err().to_string();
        assert!(err.contains("signatures differ"), "{err}");
    }

    #[test]
    fn the_gate_cannot_be_switched_off() {
        let dir = tempfile::tempdir().unwrap();
        let b = write(
            dir.path(),
            "b.json",
            vec![result("grounding", SIG, &[("Struct", 1.0)])],
        );
        for bad in [f64::NAN, -1.0, f64::INFINITY] {
            let err = run(&options(b.clone(), b.clone(), bad))
                .unwrap_err()
                .to_string();
            assert!(err.contains("--max-drop"), "{err}");
        }
        let mut o = options(b.clone(), b, 0.5);
        o.paired = Some(Paired {
            n: 10,
            seed: 1,
            alpha: 1.5,
        });
        assert!(run(&o).unwrap_err().to_string().contains("--alpha"));
    }

    /// An `--output` folder with one grounding task and per-sample IoUs.
    fn output_dir(root: &Path, name: &str, ious: &[f64]) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir(&dir).unwrap();
        let mean = ious.iter().sum::<f64>() / ious.len() as f64 * 100.0;
        let mut doc = for_tests(vec![result(
            "grounding",
            SIG,
            &[("TIoU", mean), ("mIoU", mean)],
        )]);
        let lines: String = ious
            .iter()
            .enumerate()
            .map(|(i, x)| {
                format!("{{\"id\": \"v{i}\", \"status\": \"scored\", \"scores\": {{\"TIoU\": {x}, \"IoU\": {x}}}}}\n")
            })
            .collect();
        let (sha256, count) = crate::report::run_folder::fingerprint(&lines);
        doc.results[0].samples_file = Some("samples_grounding.jsonl".into());
        doc.results[0].samples_sha256 = Some(sha256);
        doc.results[0].samples_count = Some(count);
        doc.results[0].result.counts.samples = count;
        doc.results[0].result.counts.scored = count;
        std::fs::write(dir.join(RESULTS_FILE), doc.to_json()).unwrap();
        std::fs::write(dir.join("samples_grounding.jsonl"), lines).unwrap();
        dir
    }

    #[test]
    fn paired_bootstrap_against_itself_and_a_constant_shift() {
        let root = tempfile::tempdir().unwrap();
        let base = output_dir(root.path(), "base", &[0.2, 0.5, 0.9, 0.4]);
        let paired = Some(Paired {
            n: 999,
            seed: 7,
            alpha: 0.05,
        });
        let same = run(&CompareOptions {
            paired,
            ..options(base.clone(), base.clone(), 0.5)
        })
        .unwrap();
        let t = same.changes[0].test.unwrap();
        assert_eq!((t.difference, t.p), (0.0, 1.0));
        // Every sample loses 0.1 (10 points): no resample's centred
        // difference reaches 10, so p = 1 / (999 + 1) = 0.001 < alpha.
        let worse = output_dir(root.path(), "worse", &[0.1, 0.4, 0.8, 0.3]);
        let cmp = run(&CompareOptions {
            paired,
            ..options(base.clone(), worse, 0.5)
        })
        .unwrap();
        let t = cmp.changes[0].test.unwrap();
        assert!((t.difference + 10.0).abs() < 1e-9);
        assert_eq!(t.p, 0.001);
        assert_eq!(cmp.regressions().len(), 1);
        let md = Format::Markdown.renderer().comparison(&cmp);
        assert!(md.contains("| cuebench/grounding | TIoU |"), "{md}");
        assert!(md.contains("**REGRESSION**"), "{md}");
        // A noisy drop larger than max-drop but not significant is no regression.
        let noisy = output_dir(root.path(), "noisy", &[0.0, 0.5, 0.9, 0.4]);
        let cmp = run(&CompareOptions {
            paired,
            ..options(base, noisy, 0.5)
        })
        .unwrap();
        assert!(cmp.changes[0].test.unwrap().p > 0.05);
        assert!(cmp.regressions().is_empty());
    }

    #[test]
    fn paired_bootstrap_needs_per_sample_files() {
        let dir = tempfile::tempdir().unwrap();
        let b = write(
            dir.path(),
            "b.json",
            vec![result("grounding", SIG, &[("Struct", 1.0)])],
        );
        let o = CompareOptions {
            paired: Some(Paired {
                n: 10,
                seed: 1,
                alpha: 0.05,
            }),
            ..options(b.clone(), b, 0.5)
        };
        assert!(
            run(&o)
                .unwrap_err()
                .to_string()
                .contains("eval --output DIR")
        );
    }
}
