//! `cuebench compare`: the CI regression gate over two JSON results.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::formats::records::read_text;
use crate::signature::Signature;

/// One task's scores read back from a JSON result.
#[derive(Debug, Clone, PartialEq)]
struct Scored {
    key: String,
    signature: Signature,
    metrics: Vec<(String, f64)>,
}

/// A metric that moved between baseline and candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `benchmark/task`.
    pub task: String,
    /// Metric name.
    pub metric: String,
    /// Baseline value, percent.
    pub baseline: f64,
    /// Candidate value, percent (`None`: missing from the candidate).
    pub candidate: Option<f64>,
}

impl Change {
    /// Points lost (positive is worse); a missing value loses everything.
    pub fn drop(&self) -> f64 {
        self.baseline - self.candidate.unwrap_or(0.0)
    }
}

/// The outcome: every metric of the baseline, and those that dropped too far.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Every baseline metric with its candidate value.
    pub changes: Vec<Change>,
    /// The threshold in points.
    pub max_drop: f64,
}

impl Comparison {
    /// Metrics that dropped by more than `max_drop` points.
    pub fn regressions(&self) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| c.drop() > self.max_drop + 1e-9)
            .collect()
    }

    /// A readable diff: one line per metric, regressions marked.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let cand = c
                .candidate
                .map_or_else(|| "missing".to_owned(), |v| format!("{v:.2}"));
            let mark = if c.drop() > self.max_drop + 1e-9 {
                "  REGRESSION"
            } else {
                ""
            };
            out.push_str(&format!(
                "{:<24} {:<8} {:>7.2} -> {:>7} ({:+.2}){mark}\n",
                c.task,
                c.metric,
                c.baseline,
                cand,
                // `+ 0.0` prints an unchanged metric as +0.00, not -0.00.
                -c.drop() + 0.0
            ));
        }
        out
    }
}

/// Compares two JSON results written by `eval --format json` (one task or
/// several). Results whose signatures differ are refused ([`Error::Usage`]).
pub fn run(baseline: &Path, candidate: &Path, max_drop: f64) -> Result<Comparison> {
    let base = read_results(baseline)?;
    let cand = read_results(candidate)?;
    let mut changes = Vec::new();
    for b in &base {
        let c = cand.iter().find(|c| c.key == b.key);
        if let Some(c) = c
            && c.signature != b.signature
        {
            return Err(Error::Usage(format!(
                "{}: signatures differ, results are not comparable:\n  baseline:  {}\n  candidate: {}",
                b.key, b.signature, c.signature
            )));
        }
        for (metric, value) in &b.metrics {
            let candidate =
                c.and_then(|c| c.metrics.iter().find(|(m, _)| m == metric).map(|(_, v)| *v));
            changes.push(Change {
                task: b.key.clone(),
                metric: metric.clone(),
                baseline: *value,
                candidate,
            });
        }
    }
    Ok(Comparison { changes, max_drop })
}

fn read_results(path: &Path) -> Result<Vec<Scored>> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Json {
        path: path.to_owned(),
        line: e.line(),
        message: e.to_string(),
    })?;
    // `eval --format json` writes one object or an array; `eval --all` an
    // object whose `results` holds the per-task objects.
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) if o.contains_key("results") => match o.remove("results") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        one => vec![one],
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| scored(item, i, path))
        .collect()
}

fn scored(item: &Value, index: usize, path: &Path) -> Result<Scored> {
    let bad = |field: &str, message: &str| Error::Field {
        path: path.to_owned(),
        line: 1,
        field: format!("[{index}].{field}"),
        message: message.to_owned(),
    };
    let text = |field: &str| {
        item.get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(field, "missing or not a string"))
    };
    let signature =
        Signature::parse(text("signature")?).ok_or_else(|| bad("signature", "unreadable"))?;
    let metrics = item
        .get("metrics")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("metrics", "missing or not an object"))?
        .iter()
        .map(|(k, v)| {
            v.as_f64()
                .map(|x| (k.clone(), x))
                .ok_or_else(|| bad(&format!("metrics.{k}"), "not a number"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Scored {
        key: format!("{}/{}", text("benchmark")?, text("task")?),
        signature,
        metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn result(task: &str, sig: &str, structure: f64) -> String {
        format!(
            r#"{{"benchmark": "cuebench", "task": "{task}", "signature": "{sig}", "metrics": {{"Struct": {structure}, "Sem": 50.0}}}}"#
        )
    }

    #[test]
    fn drops_beyond_the_threshold_are_regressions() {
        let sig = "cuebench:1|task:event|tiou:union";
        let b = file(&result("event", sig, 80.0));
        let c = file(&result("event", sig, 79.6));
        let cmp = run(b.path(), c.path(), 0.5).unwrap();
        assert!(cmp.regressions().is_empty(), "0.4 points is within 0.5");
        let cmp = run(b.path(), c.path(), 0.3).unwrap();
        assert_eq!(cmp.regressions().len(), 1);
        assert!(cmp.render().contains("REGRESSION"));
    }

    #[test]
    fn a_task_missing_from_the_candidate_regresses() {
        let b = file(&format!(
            "[{}, {}]",
            result("event", "cuebench:1|task:event", 80.0),
            result("scene", "cuebench:1|task:scene", 70.0)
        ));
        let c = file(&result("event", "cuebench:1|task:event", 80.0));
        let cmp = run(b.path(), c.path(), 0.5).unwrap();
        let r = cmp.regressions();
        assert_eq!(
            (r.len(), r[0].task.as_str(), r[0].candidate),
            (2, "cuebench/scene", None)
        );
    }

    #[test]
    fn reads_the_results_of_an_all_run() {
        let b = file(&format!(
            r#"{{"run": "x", "row": {{}}, "results": [{}]}}"#,
            result("event", "cuebench:1|task:event", 80.0)
        ));
        let c = file(&result("event", "cuebench:1|task:event", 70.0));
        assert_eq!(run(b.path(), c.path(), 0.5).unwrap().regressions().len(), 1);
    }

    #[test]
    fn different_signatures_are_refused() {
        let b = file(&result("event", "cuebench:1|task:event|tiou:union", 80.0));
        let c = file(&result("event", "cuebench:1|task:event|tiou:matched", 80.0));
        let err = run(b.path(), c.path(), 0.5).unwrap_err().to_string();
        assert!(err.contains("signatures differ"), "{err}");
    }

    #[test]
    fn malformed_results_name_the_field() {
        let b = file(
            r#"{"benchmark": "cuebench", "task": "event", "signature": "cuebench:1", "metrics": {"Struct": "x"}}"#,
        );
        let err = run(b.path(), b.path(), 0.5).unwrap_err().to_string();
        assert!(
            err.contains("field `[0].metrics.Struct`: not a number"),
            "{err}"
        );
    }
}
