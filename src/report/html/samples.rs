//! The worst samples of each task and run, collapsed, with what the model
//! said and what was expected.

use std::fmt::Write;

use serde_json::Value;

use super::input::{Run, SampleLine};
use super::{escape, no_samples_note, sample_score, tasks};

/// Samples shown per task and run in `worst`.
pub const WORST: usize = 5;

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn sample_details(sample: &SampleLine, score: &str) -> String {
    let value = sample.scores.get(score).copied().unwrap_or(0.0);
    let scores: Vec<String> = sample
        .scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    let mut out = format!(
        "<details><summary><code>{}</code>: {score} {value:.3} ({})</summary>",
        escape(&sample.id),
        escape(&sample.status)
    );
    let _ = write!(out, "<p>Scores: {}</p>", escape(&scores.join(", ")));
    if let Some(response) = &sample.response {
        let _ = write!(out, "<p>Response</p><pre>{}</pre>", escape(response));
    }
    let _ = write!(
        out,
        "<p>Extracted answer</p><pre>{}</pre><p>Ground truth</p><pre>{}</pre>",
        escape(&pretty(&sample.answer)),
        escape(&pretty(&sample.truth))
    );
    if !sample.pairs.is_empty() {
        out.push_str("<p>Matched pairs</p><table><thead><tr><th>answer #</th><th>truth #</th><th>cosine</th><th>distance</th><th>IoU</th></tr></thead><tbody>");
        for pair in &sample.pairs {
            let cell = |k: &str| match pair.get(k) {
                Some(Value::Number(n)) => n.as_f64().map_or_else(String::new, |x| {
                    if x.fract() == 0.0 {
                        format!("{x}")
                    } else {
                        format!("{x:.3}")
                    }
                }),
                _ => "–".into(),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cell("output"),
                cell("truth"),
                cell("cosine"),
                cell("distance"),
                cell("iou")
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
            let of = |s: &SampleLine| s.scores.get(&score).copied().unwrap_or(0.0);
            let (missing, mut answered): (Vec<&SampleLine>, Vec<&SampleLine>) =
                lines.iter().partition(|s| s.status == "missing");
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
