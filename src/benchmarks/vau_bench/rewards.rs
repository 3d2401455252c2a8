//! VAU-R1's GRPO rewards on VAU-Bench (`docs/vau-bench.md`, "Training
//! rewards"), as GVCLab/VAU-R1's `src/open_r1/grpo_qa.py`, `grpo_gqa.py` and
//! `grpo_cls.py` compute them with their default `reward_funcs`:
//!
//! - `qa`: format + answer (the option letter, as the reference's
//!   `extract_characters_regex` reads it, equals the correct letter);
//! - `grounding`: format (with `<glue>`) + answer (the letter read from the
//!   answer is `A`, the reference's reading of "Anomaly") + IoU of the
//!   `<glue>[start, end]</glue>` span (`iou_glue_reward`);
//! - `cls`: format + answer (the answer text equals the class, case and
//!   surrounding space ignored).

use std::collections::HashMap;
use std::path::Path;

use super::VauTask;
use super::annotations::{Target, read_ground_truth};
use super::video_key;
use crate::error::Result;
use crate::intervals::Interval;

/// The rewards of one VAU-Bench task against its annotation file.
#[derive(Debug, Clone)]
pub struct VauRewards {
    task: VauTask,
    /// By matching key: the sample id as written and its target.
    targets: HashMap<String, (String, Target)>,
}

impl VauRewards {
    /// Reads the task's samples from the annotation CSV.
    pub fn open(task: VauTask, gt: &Path) -> Result<Self> {
        let targets = read_ground_truth(gt, task)?
            .into_iter()
            .filter_map(|v| v.target.map(|t| (v.key, (v.name, t))))
            .collect();
        Ok(VauRewards { task, targets })
    }

    /// The task.
    pub fn task(&self) -> VauTask {
        self.task
    }

    /// The sample id and reward parts of the completion of `id` (matched as
    /// the evaluator matches names), or `None` for an id that is not a
    /// sample of the task.
    pub fn parts(&self, id: &str, response: &str) -> Option<(&str, Vec<(&'static str, f64)>)> {
        let (name, target) = self.targets.get(&video_key(id))?;
        let point = |ok: bool| if ok { 1.0 } else { 0.0 };
        let answer = first_tag(response, "answer");
        let parts = match *target {
            Target::Letter(letter) => vec![
                (
                    "format",
                    point(fullmatch_tags(response, &["think", "answer"])),
                ),
                (
                    "accuracy",
                    point(answer.and_then(option_letter) == Some(letter)),
                ),
            ],
            // VAU-Eval is judged free text: VAU-R1 trains no reward on it.
            Target::Text(_) => return None,
            Target::Span(span) => {
                let glue = first_tag(response, "glue").and_then(single_interval);
                let format =
                    fullmatch_tags(response, &["think", "answer", "glue"]) && glue.is_some();
                vec![
                    ("format", point(format)),
                    (
                        "accuracy",
                        point(answer.and_then(option_letter) == Some('A')),
                    ),
                    ("iou", glue.map_or(0.0, |g| glue_iou(g, span))),
                ]
            }
            Target::Class(class) => vec![
                (
                    "format",
                    point(fullmatch_tags(response, &["think", "answer"])),
                ),
                (
                    "accuracy",
                    point(answer.is_some_and(|a| a.trim().to_lowercase() == class.to_lowercase())),
                ),
            ],
        };
        Some((name, parts))
    }
}

/// The content of the first `<tag>...</tag>` (the reference's
/// `re.search(r'<tag>(.*?)</tag>', text, re.DOTALL)`).
fn first_tag<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&close)?;
    Some(&text[start..start + end])
}

/// `re.fullmatch(r'<t1>.*?</t1>\s*<t2>.*?</t2>...', text.strip(), re.DOTALL)`:
/// the stripped text is the tags' elements in order, only whitespace between.
fn fullmatch_tags(text: &str, tags: &[&str]) -> bool {
    fn from(rest: &str, tags: &[&str]) -> bool {
        let Some((tag, later)) = tags.split_first() else {
            return rest.is_empty();
        };
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let Some(body) = rest.strip_prefix(&open) else {
            return false;
        };
        // Any `</tag>` may end the element (`.*?` backtracks to find one).
        body.match_indices(&close).any(|(at, _)| {
            let after = &body[at + close.len()..];
            from(
                if later.is_empty() {
                    after
                } else {
                    after.trim_start()
                },
                later,
            )
        })
    }
    from(text.trim(), tags)
}

/// The reference's `extract_characters_regex`: its answer phrases removed
/// (in its order, `"Best answer:" "Best option:"` being one string in
/// Python), the first capital A-G.
fn option_letter(answer: &str) -> Option<char> {
    const PREFIXES: [&str; 7] = [
        "The best answer is",
        "The correct answer is",
        "The answer is",
        "The answer",
        "The best option is",
        "The correct option is",
        "Best answer:Best option:",
    ];
    let text = PREFIXES
        .iter()
        .fold(answer.trim().to_owned(), |t, p| t.replace(p, ""));
    text.chars().find(|c| ('A'..='G').contains(c))
}

/// `is_valid_single_interval_format` then `ast.literal_eval`: `[a, b]` with
/// optionally signed decimal numbers (digits on both sides of a point),
/// `a <= b`; a final line break is allowed, as Python's `$` allows it.
fn single_interval(text: &str) -> Option<(f64, f64)> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    let (a, b) = inner.split_once(',')?;
    let number = |s: &str| -> Option<f64> {
        let s = s.trim_matches(|c: char| c.is_whitespace());
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "1"));
        let ok = |d: &str| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit());
        (ok(whole) && ok(fraction))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (a, b) = (number(a)?, number(b)?);
    (a <= b).then_some((a, b))
}

/// `iou_glue_reward`'s `compute_iou` for one predicted and one true span:
/// `[-1, -1]` marks "no anomaly" (1 when both say it, 0 when one does);
/// a zero union is 1.
fn glue_iou(pred: (f64, f64), truth: Interval) -> f64 {
    let invalid = |(s, e): (f64, f64)| s == -1.0 && e == -1.0;
    let truth = (truth.start, truth.end);
    match (invalid(pred), invalid(truth)) {
        (true, true) => return 1.0,
        (true, false) | (false, true) => return 0.0,
        _ => {}
    }
    let length = |(s, e): (f64, f64)| (e - s).max(0.0);
    let (start, end) = (pred.0.max(truth.0), pred.1.min(truth.1));
    let intersection = if start < end { end - start } else { 0.0 };
    let union = length(pred) + length(truth) - intersection;
    if union <= 0.0 {
        1.0
    } else {
        intersection / union
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_a_fullmatch_of_the_tags_in_order() {
        let ok = |t: &str| fullmatch_tags(t, &["think", "answer"]);
        assert!(ok("<think>a</think><answer>B</answer>"));
        assert!(ok("  <think>a</think>\n <answer>B</answer>\n"));
        // `.*?` may run over an inner `</think>`.
        assert!(ok("<think>a</think>b</think> <answer>B</answer>"));
        assert!(!ok("x<think>a</think><answer>B</answer>"));
        assert!(!ok("<think>a</think>x<answer>B</answer>"));
        assert!(!ok("<think>a</think><answer>B</answer> trailing"));
        let glue = |t: &str| fullmatch_tags(t, &["think", "answer", "glue"]);
        assert!(glue(
            "<think>t</think><answer>Anomaly</answer> <glue>[1.0, 2.5]</glue>"
        ));
        assert!(!glue("<think>t</think><answer>Anomaly</answer>"));
    }

    #[test]
    fn letters_are_read_as_the_reference_reads_them() {
        assert_eq!(option_letter(" The answer is C. A cat"), Some('C'));
        assert_eq!(option_letter("b"), None);
        // The reference's quirks, kept: "Anomaly" reads as A, "Normal" as nothing.
        assert_eq!(option_letter("Anomaly"), Some('A'));
        assert_eq!(option_letter("Normal"), None);
        assert_eq!(option_letter("I think D"), Some('D'));
    }

    #[test]
    fn glue_spans_and_their_iou() {
        assert_eq!(single_interval("[1.5, 4]"), Some((1.5, 4.0)));
        assert_eq!(single_interval("[ -1.0 , -1.0 ]\n"), Some((-1.0, -1.0)));
        for bad in [
            "[4, 1]",
            "(1, 2)",
            "[1., 2]",
            "[.5, 2]",
            "[1, 2, 3]",
            "1, 2",
            "[1e3, 2e3]",
        ] {
            assert_eq!(single_interval(bad), None, "{bad}");
        }
        let truth = Interval {
            start: 10.0,
            end: 20.0,
        };
        // [15, 25] vs [10, 20]: intersection 5, union 10 + 10 - 5 = 15 -> 1/3.
        assert!((glue_iou((15.0, 25.0), truth) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(glue_iou((-1.0, -1.0), truth), 0.0);
        assert_eq!(glue_iou((30.0, 40.0), truth), 0.0);
        // A zero-length prediction inside the truth: union 10, intersection 0.
        assert_eq!(glue_iou((12.0, 12.0), truth), 0.0);
    }
}
