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

fn sample_details(sample: &SampleRecord, score: &str) -> String {
    let scores: Vec<String> = sample
        .scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    let mut out = format!(
        "<details><summary><code>{}</code>: {score} {:.3} ({})</summary>",
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

pub(super) fn worst_samples(runs: &[Run]) -> String {
    let mut out = format!(
        "<section id=\"worst\"><h2>Worst samples</h2><p class=\"note\">Per task and run, the {WORST} answered \
         samples with the lowest per-sample score (IoU for When tasks, Sem for What tasks; ties by id; an \
         unparseable answer scores 0 and is listed), collapsed: open one for the response, the extracted \
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
            let of = |s: &SampleRecord| score_of(s, &score);
            let (missing, mut answered): (Vec<&SampleRecord>, Vec<&SampleRecord>) = lines
                .iter()
                .partition(|s| s.status == SampleStatus::Missing);
            answered.sort_by(|a, b| of(a).total_cmp(&of(b)).then_with(|| a.id.cmp(&b.id)));
            let _ = write!(
                out,
                "<h4>{}</h4><p class=\"note\">{} of {} samples without a prediction.</p>",
                escape(&run.name),
                missing.len(),
                lines.len()
            );
            for sample in answered.into_iter().take(WORST) {
                out.push_str(&sample_details(sample, &score));
            }
        }
        if !shown {
            out.push_str(no_samples_note());
        }
    }
    out.push_str("</section>\n");
    out
}
