//! Verifying a submitted run (docs/results.md "Verifying a submission"): a
//! results document is a claim. A leaderboard maintainer re-scores the
//! submitted predictions with the settings the document records
//! ([`replay_arguments`]) and holds the two documents side by side
//! ([`differences`]): the predictions must be the files the run hashed, and
//! every figure, interval and count must equal the claim exactly (the JSON
//! holds full precision, and a run is byte-identical on every machine and
//! thread count, docs/scoring.md §11).
//!
//! Inputs that make the two runs incomparable (other annotations, another
//! embedding model or taxonomy, bootstrap settings this build cannot replay)
//! are errors, not differences.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::model::{
    BenchmarkId, Confidence, Counts, Metric, Protocol, ResultEntry, ResultsDocument,
};
use crate::report::results::read_document;

/// What a maintainer gives `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The claim: a results document or an `--output` folder.
    pub run: PathBuf,
    /// The annotation file to score against.
    pub gt: PathBuf,
    /// The submitted predictions (a file, or a folder for `--all`).
    pub predictions: PathBuf,
    /// Extra `eval` arguments naming run-time inputs (`--model DIR`,
    /// `--taxonomy FILE`).
    pub extra: Vec<String>,
}

/// A verification: the claim, the re-scored run and what differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The claimed document.
    pub claim: ResultsDocument,
    /// What the re-scoring does not reproduce (empty: verified).
    pub differences: Vec<Difference>,
}

/// Re-scores the claim's predictions by running `program` (this cuebench)
/// with [`replay_arguments`] and compares ([`differences`]). A re-scoring
/// that fails (bad input) is an error carrying its message.
pub fn verify(program: &Path, options: &VerifyOptions) -> Result<Verification> {
    let claim = read_document(&options.run)?;
    let mut args = replay_arguments(&claim, &options.gt, &options.predictions)?;
    // Run-time inputs go before the predictions, the last argument.
    let last = args.pop().unwrap_or_default();
    args.extend(options.extra.iter().cloned());
    args.push(last);
    let output = Command::new(program)
        .args(&args)
        .output()
        .map_err(|source| Error::Io {
            path: program.to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(Error::Usage(format!(
            "re-scoring the predictions failed (`cuebench {}`): {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let rescored: ResultsDocument = serde_json::from_slice(&output.stdout)
        .map_err(|e| Error::Usage(format!("re-scoring gave no results document: {e}")))?;
    let differences = differences(&claim, &rescored)?;
    Ok(Verification { claim, differences })
}

/// One thing the re-scored run does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs, e.g. `cuebench/event Struct` or `predictions sha256`.
    pub what: String,
    /// The claimed value, as the document holds it.
    pub claimed: String,
    /// The value the re-scoring gives.
    pub rescored: String,
}

/// `eval` arguments (after the program name) that re-score `predictions`
/// against `gt` as the claim records: benchmark, protocol, tasks, the
/// scoring settings (each key as its flag: `sem_norm` -> `--sem-norm`), the
/// bootstrap (`--confidence`), how the recorded command line read its inputs
/// (`--from`, `--frames`, `--fps`), and `--format json`.
pub fn replay_arguments(
    claim: &ResultsDocument,
    gt: &Path,
    predictions: &Path,
) -> Result<Vec<String>> {
    let mut args = vec!["eval".to_owned()];
    if claim.run.benchmark != BenchmarkId::CueBench {
        args.extend(["--bench".to_owned(), claim.run.benchmark.to_string()]);
    }
    if claim.run.protocol != Protocol::Unified {
        args.extend(["--protocol".to_owned(), claim.run.protocol.to_string()]);
    }
    match claim.results.as_slice() {
        [one] => args.extend(["--task".to_owned(), one.result.task.clone()]),
        _ => args.push("--all".to_owned()),
    }
    args.extend(["--gt".to_owned(), gt.display().to_string()]);
    for (key, value) in &claim.run.settings.scoring {
        let flag = format!("--{}", key.replace('_', "-"));
        match value {
            serde_json::Value::Bool(true) => args.push(flag),
            serde_json::Value::Bool(false) | serde_json::Value::Null => {}
            serde_json::Value::String(s) => args.extend([flag, s.clone()]),
            serde_json::Value::Number(n) => args.extend([flag, n.to_string()]),
            other => {
                return Err(Error::Usage(format!(
                    "the claim's setting `{key}` is {other}, which this cuebench cannot replay"
                )));
            }
        }
    }
    if let Some(confidence) = claim.run.settings.confidence {
        let level = Confidence::default().level;
        if confidence.level != level {
            return Err(Error::Usage(format!(
                "the claim's intervals are at level {}, this cuebench computes {level}: not comparable",
                confidence.level
            )));
        }
        args.extend([
            "--confidence".to_owned(),
            "--confidence-n".to_owned(),
            confidence.n.to_string(),
            "--seed".to_owned(),
            confidence.seed.to_string(),
        ]);
    }
    // How the inputs were read is not a scoring setting, so only the
    // command line has it: the predictions' layout, Vad-Reasoning's frames.
    for flag in ["--from", "--fps"] {
        if let Some(value) = recorded_value(&claim.run.command, flag) {
            args.extend([flag.to_owned(), value]);
        }
    }
    if claim.run.command.iter().any(|a| a == "--frames") {
        args.push("--frames".to_owned());
    }
    args.extend([
        "--format".to_owned(),
        "json".to_owned(),
        "--quiet".to_owned(),
        predictions.display().to_string(),
    ]);
    Ok(args)
}

/// The value of `flag` on a recorded command line (`--flag V` or
/// `--flag=V`), if it has one.
fn recorded_value(command: &[String], flag: &str) -> Option<String> {
    command.iter().enumerate().find_map(|(i, arg)| {
        if arg == flag {
            command.get(i + 1).cloned()
        } else {
            arg.strip_prefix(flag)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_owned)
        }
    })
}

/// What the re-scored run does not reproduce of the claim: the predictions'
/// hashes, each claimed task's signature, counts, figures and intervals.
/// Other annotations, another model or taxonomy make the runs incomparable:
/// an error naming both hashes.
pub fn differences(claim: &ResultsDocument, rescored: &ResultsDocument) -> Result<Vec<Difference>> {
    type Hash = fn(&ResultsDocument) -> Option<String>;
    let inputs: [(&str, Hash); 3] = [
        ("annotations", |d| d.run.inputs.annotations.sha256.clone()),
        ("embedding model", |d| {
            d.run.inputs.model.as_ref().map(|m| m.sha256.clone())
        }),
        ("taxonomy", |d| {
            d.run.inputs.taxonomy.as_ref().map(|t| t.sha256.clone())
        }),
    ];
    for (what, hash) in inputs {
        let (claimed, given) = (hash(claim), hash(rescored));
        if claimed != given {
            let none = || "none".to_owned();
            return Err(Error::Usage(format!(
                "not comparable: the run was scored with {what} sha256 {}, this one with {}",
                claimed.unwrap_or_else(none),
                given.unwrap_or_else(none)
            )));
        }
    }

    let mut out = Vec::new();
    let hashes = |d: &ResultsDocument| {
        let mut h: Vec<String> = d
            .run
            .inputs
            .predictions
            .iter()
            .map(|p| p.sha256.clone().unwrap_or_else(|| "stdin".into()))
            .collect();
        h.sort();
        h
    };
    let (claimed, given) = (hashes(claim), hashes(rescored));
    if claimed != given {
        out.push(Difference {
            what: "predictions sha256".into(),
            claimed: short_list(&claimed),
            rescored: short_list(&given),
        });
    }
    for entry in &claim.results {
        let found = rescored.results.iter().find(|r| {
            r.result.benchmark == entry.result.benchmark && r.result.task == entry.result.task
        });
        match found {
            Some(again) => compare_entry(entry, again, &mut out),
            None => out.push(Difference {
                what: format!("{}/{}", entry.result.benchmark, entry.result.task),
                claimed: "scored".into(),
                rescored: "absent".into(),
            }),
        }
    }
    Ok(out)
}

/// Sorted hashes, each cut to 12 digits, comma separated.
fn short_list(hashes: &[String]) -> String {
    let cut: Vec<&str> = hashes.iter().map(|h| h.get(..12).unwrap_or(h)).collect();
    cut.join(",")
}

/// The differences of one task: signature (the version aside), counts,
/// figures and their intervals.
fn compare_entry(claim: &ResultEntry, again: &ResultEntry, out: &mut Vec<Difference>) {
    let (c, r) = (&claim.result, &again.result);
    let task = format!("{}/{}", c.benchmark, c.task);
    let mut push = |what: String, claimed: String, rescored: String| {
        if claimed != rescored {
            out.push(Difference {
                what,
                claimed,
                rescored,
            });
        }
    };
    let unversioned = |s: &str| {
        s.split('|')
            .filter(|f| !f.starts_with("version:"))
            .collect::<Vec<_>>()
            .join("|")
    };
    push(
        format!("{task} signature"),
        unversioned(&c.signature),
        unversioned(&r.signature),
    );
    for ((name, a), (_, b)) in c.counts.named().into_iter().zip(r.counts.named()) {
        push(format!("{task} {name}"), a.to_string(), b.to_string());
    }
    for metric in &c.metrics {
        let Some(again) = r.metrics.iter().find(|m| m.name == metric.name) else {
            push(
                format!("{task} {}", metric.name),
                metric.value.to_string(),
                "absent".into(),
            );
            continue;
        };
        push(
            format!("{task} {}", metric.name),
            metric.value.to_string(),
            again.value.to_string(),
        );
        let interval = |m: &Metric| {
            m.ci.map_or("none".to_owned(), |ci| {
                format!("[{}, {}] mean {}", ci.low, ci.high, ci.mean)
            })
        };
        push(
            format!("{task} {} interval", metric.name),
            interval(metric),
            interval(again),
        );
    }
}

/// The table `verify` prints when the claim is not reproduced.
pub fn difference_table(differences: &[Difference]) -> String {
    let headers = ["what", "claimed", "re-scored"];
    let rows: Vec<[&str; 3]> = differences
        .iter()
        .map(|d| [d.what.as_str(), d.claimed.as_str(), d.rescored.as_str()])
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([headers[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    let mut out = format!("{:<w0$}  {:<w1$}  {}\n", headers[0], headers[1], headers[2]);
    for [what, claimed, rescored] in rows {
        out.push_str(&format!("{what:<w0$}  {claimed:<w1$}  {rescored}\n"));
    }
    out
}

/// How many figures and counts a verified claim holds (for the success line).
pub fn claim_size(claim: &ResultsDocument) -> (usize, usize, usize) {
    let figures = claim.results.iter().map(|e| e.result.metrics.len()).sum();
    let counts = claim.results.len() * Counts::default().named().len();
    (claim.results.len(), figures, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::document::{for_tests, result_for_tests};

    fn claim() -> ResultsDocument {
        let mut d = for_tests(vec![
            result_for_tests(
                "event",
                "cuebench:2|task:event|version:0.2.0",
                &[("Struct", 75.5)],
            ),
            result_for_tests(
                "scene",
                "cuebench:2|task:scene|version:0.2.0",
                &[("Sem", 10.0)],
            ),
        ]);
        d.run
            .settings
            .scoring
            .insert("sem_norm".into(), "rt".into());
        d.run.settings.scoring.insert("tau".into(), 1.0.into());
        d.run.command = [
            "cuebench",
            "eval",
            "--from",
            "lmms-eval",
            "--frames",
            "--fps=25",
        ]
        .map(String::from)
        .to_vec();
        d
    }

    #[test]
    fn replays_the_recorded_settings() {
        let args = replay_arguments(&claim(), Path::new("gt.json"), Path::new("preds")).unwrap();
        assert_eq!(
            args.join(" "),
            "eval --all --gt gt.json --sem-norm rt --tau 1.0 --from lmms-eval --fps 25 --frames --format json --quiet preds"
        );
    }

    #[test]
    fn an_identical_run_has_no_difference_and_an_edit_is_one() {
        let c = claim();
        assert_eq!(differences(&c, &c).unwrap(), vec![]);
        let mut edited = c.clone();
        edited.results[0].result.metrics[0].value = 99.5;
        edited.results[1].result.counts.scored = 3;
        let found = differences(&edited, &c).unwrap();
        let what: Vec<&str> = found.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(what, ["cuebench/event Struct", "cuebench/scene scored"]);
        assert_eq!(
            (found[0].claimed.as_str(), found[0].rescored.as_str()),
            ("99.5", "75.5")
        );
        let table = difference_table(&found);
        assert!(table.starts_with("what"), "{table}");
        // Another version of cuebench alone is no difference.
        let mut newer = c.clone();
        newer.results[0].result.signature = "cuebench:2|task:event|version:0.3.0".into();
        assert_eq!(differences(&c, &newer).unwrap(), vec![]);
    }

    #[test]
    fn other_annotations_are_not_comparable() {
        let c = claim();
        let mut other = c.clone();
        other.run.inputs.annotations.sha256 = Some("11".repeat(32));
        let err = differences(&c, &other).unwrap_err().to_string();
        assert!(
            err.contains("not comparable") && err.contains("annotations"),
            "{err}"
        );
    }
}
