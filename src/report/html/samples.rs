//! The worst samples of each task and run, collapsed, with what the model
//! said and what was expected.

use std::fmt::Write;

use serde_json::Value;

use super::input::Run;
use super::{escape, no_samples_note, sample_score, score_of, tasks};
use crate::model::{SampleRecord, SampleStatus};

/// Samples shown per task and run in `worst`.
pub const WORST: usize = 5;

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `scored`, `missing` or `parse_failed`, as the files write it.
fn status_name(status: SampleStatus) -> String {
    match serde_json::to_value(status) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A number of a matched pair: integers as they are, others to 3 decimals.
fn number<T: Into<f64>>(x: Option<T>) -> String {
    x.map_or_else(
        || "–".into(),
        |x| {
            let x: f64 = x.into();
            if x.fract() == 0.0 {
                format!("{x}")
            } else {
                format!("{x:.3}")
            }
        },
    )
}

fn sample_details(sample: &SampleRecord, score: &str, most: Option<f64>) -> String {
    let scores: Vec<String> = sample
        .scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    let of_most = most.map_or_else(String::new, |m| format!(" of at most {m:.3} for its size"));
    let mut out = format!(
        "<details><summary><code>{}</code>: {score} {:.3}{of_most} ({})</summary>",
        escape(&sample.id),
        score_of(sample, score),
        escape(&status_name(sample.status))
    );
    let _ = write!(out, "<p>Scores: {}</p>", escape(&scores.join(", ")));
    let Some(detail) = &sample.detail else {
        out.push_str("<p class=\"note\">The run wrote no detail for this sample.</p></details>");
        return out;
    };
    if let Some(response) = &detail.response {
        let _ = write!(out, "<p>Response</p><pre>{}</pre>", escape(response));
    }
    let _ = write!(
        out,
        "<p>Extracted answer</p><pre>{}</pre><p>Ground truth</p><pre>{}</pre>",
        escape(&pretty(&detail.answer)),
        escape(&pretty(&detail.truth))
    );
    if !detail.pairs.is_empty() {
        out.push_str("<p>Matched pairs</p><table><thead><tr><th>answer #</th><th>truth #</th><th>cosine</th><th>distance</th><th>IoU</th></tr></thead><tbody>");
        for pair in &detail.pairs {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                pair.output,
                pair.truth,
                number(pair.cosine),
                number(pair.distance),
                number(pair.iou)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</details>");
    out
}

/// How much of what it could score a sample got: its score over the most an
/// answer of its size can score, so that what the model got wrong ranks it,
/// not the 1/(r·t) of docs/scoring.md §4 (a perfect two-element answer has
/// Sem 0.5 and is not a worst sample). With r answer and t true elements,
/// Sem and Hier reach at most min(r, t)/(r·t) under `--sem-norm rt` and
/// min(r, t)/max(r, t) under `max`. Other figures, and samples without
/// detail, keep the score as it is.
fn share_of_attainable(sample: &SampleRecord, score: &str, sem_norm: &str) -> f64 {
    let value = score_of(sample, score);
    match attainable(sample, score, sem_norm) {
        Some(most) => (value / most).min(1.0),
        None => value,
    }
}

/// The most a Sem or Hier answer of the sample's size can score (see
/// [`share_of_attainable`]); `None` for other figures, for samples without
/// detail, and where it is 1.
fn attainable(sample: &SampleRecord, score: &str, sem_norm: &str) -> Option<f64> {
    let detail = sample.detail.as_ref()?;
    let (r, t) = (detail.answer.as_ref()?.len(), detail.truth.len());
    if r == 0 || t == 0 || !(score == "Sem" || score == "Hier") {
        return None;
    }
    let matched = r.min(t) as f64;
    let most = match sem_norm {
        "max" => matched / r.max(t) as f64,
        _ => matched / (r * t) as f64,
    };
    (most < 1.0).then_some(most)
}

pub(super) fn worst_samples(runs: &[Run]) -> String {
    let mut out = format!(
        "<section id=\"worst\"><h2>Worst samples</h2><p class=\"note\">Per task and run, the {WORST} answered \
         samples that got the least of what they could score: IoU for the temporal tasks; for the others Sem \
         over the most an answer of that size can reach (Sem divides by r·t, so a perfect two-element answer \
         scores 50 and is not listed, nor is any sample that got all it could); ties by score, then id; an unparseable answer scores 0 and is listed. \
         Collapsed: open one for the response, the extracted \
         answer, the truth and the matched pairs. Samples without a prediction also score 0; they are counted, \
         not listed.</p>\n"
    );
    for (key, entries) in tasks(runs) {
        let Some(first) = entries.iter().flatten().next() else {
            continue;
        };
        let score = sample_score(first);
        let _ = write!(out, "<h3>{}</h3>", escape(&key.title()));
        let mut shown = false;
        for (run, entry) in runs.iter().zip(&entries) {
            let (Some(_), Some(lines)) = (entry, run.samples.get(&key.task)) else {
                continue;
            };
            shown = true;
            let sem_norm = run
                .document
                .run
                .settings
                .scoring
                .get("sem_norm")
                .and_then(Value::as_str)
                .unwrap_or("rt");
            let of = |s: &SampleRecord| share_of_attainable(s, &score, sem_norm);
            let (missing, mut answered): (Vec<&SampleRecord>, Vec<&SampleRecord>) = lines
                .iter()
                .partition(|s| s.status == SampleStatus::Missing);
            answered.sort_by(|a, b| {
                of(a)
                    .total_cmp(&of(b))
                    .then_with(|| score_of(a, &score).total_cmp(&score_of(b, &score)))
                    .then_with(|| a.id.cmp(&b.id))
            });
            let _ = write!(
                out,
                "<h4>{}</h4><p class=\"note\">{} of {} samples without a prediction.</p>",
                escape(&run.name),
                missing.len(),
                lines.len()
            );
            // A sample that got all it could is nothing to look at.
            for sample in answered.into_iter().filter(|s| of(s) < 1.0).take(WORST) {
                let most = attainable(sample, &score, sem_norm);
                out.push_str(&sample_details(sample, &score, most));
            }
        }
        if !shown {
            out.push_str(no_samples_note());
        }
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SampleDetail;
    use serde_json::json;

    fn sample(sem: f64, r: usize, t: usize) -> SampleRecord {
        SampleRecord {
            id: "v".into(),
            status: SampleStatus::Scored,
            scores: vec![("Sem".into(), sem), ("IoU".into(), sem)],
            detail: Some(Box::new(SampleDetail {
                format_ok: true,
                response: None,
                answer: Some(vec![json!({}); r]),
                truth: vec![json!({}); t],
                pairs: Vec::new(),
                dropped_intervals: 0,
                judge: None,
                parse_error: None,
            })),
        }
    }

    #[test]
    fn worst_means_furthest_from_what_an_answer_of_its_size_can_score() {
        // A perfect two-element answer: Sem 0.5 = min(2,2)/(2·2), all of it.
        assert_eq!(share_of_attainable(&sample(0.5, 2, 2), "Sem", "rt"), 1.0);
        // One element of three right (cosine 0.9): 0.9/3 of at most 1/3.
        let one_of_three = share_of_attainable(&sample(0.3, 1, 3), "Sem", "rt");
        assert!((one_of_three - 0.9).abs() < 1e-12);
        // A single wrong element, 0.3 of 1: ranked below both.
        assert!((share_of_attainable(&sample(0.3, 1, 1), "Sem", "rt") - 0.3).abs() < 1e-12);
        // Under max(r, t): 2 of 3 elements reach at most 2/3.
        let max = share_of_attainable(&sample(0.5, 2, 3), "Sem", "max");
        assert!((max - 0.75).abs() < 1e-12);
        // IoU is not normalised by size; no detail keeps the score.
        assert_eq!(share_of_attainable(&sample(0.25, 2, 2), "IoU", "rt"), 0.25);
        let mut bare = sample(0.5, 2, 2);
        bare.detail = None;
        assert_eq!(share_of_attainable(&bare, "Sem", "rt"), 0.5);
    }
}
