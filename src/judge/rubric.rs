//! The two judged rubrics (docs/judge.md): Vad-R1's LLM-guided scores
//! (Appendix D.1, Table 8: Reasonability, Detail, Consistency in [0, 1]) and
//! VAU-R1's VAU-Eval (five criteria, whole numbers 0-10). Each rubric's
//! prompt is a file under `prompts/judge/`, embedded in the binary; its
//! sha256 enters the signature, so a changed prompt never passes for the old.

use sha2::{Digest, Sha256};

/// A judged rubric: its prompt and the fields the judge's reply must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rubric {
    /// Vad-R1, Appendix D.1 (following HAWK): three scores in [0, 1].
    VadReasoning,
    /// VAU-R1's VAU-Eval: five whole-number scores 0-10.
    VauEval,
}

/// One score the judge gives: the reply's key, the figure's name and its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Criterion {
    /// The key in the judge's JSON reply.
    pub key: &'static str,
    /// The figure's name in results.
    pub name: &'static str,
    /// The largest allowed score (the smallest is 0).
    pub max: f64,
    /// Whether the score must be a whole number.
    pub integer: bool,
}

const VAD_CRITERIA: [Criterion; 3] = [
    unit("reasonability", "Reasonability"),
    unit("detail", "Detail"),
    unit("consistency", "Consistency"),
];

const VAU_CRITERIA: [Criterion; 5] = [
    tenth("classification", "Classification"),
    tenth("key_matching", "KeyMatching"),
    tenth("fluency", "Fluency"),
    tenth("informativeness", "Informativeness"),
    tenth("factual", "Factual"),
];

const fn unit(key: &'static str, name: &'static str) -> Criterion {
    Criterion {
        key,
        name,
        max: 1.0,
        integer: false,
    }
}

const fn tenth(key: &'static str, name: &'static str) -> Criterion {
    Criterion {
        key,
        name,
        max: 10.0,
        integer: true,
    }
}

/// The placeholder the ground-truth text fills.
pub const REFERENCE: &str = "{reference}";
/// The placeholder the model's output fills.
pub const PREDICTION: &str = "{prediction}";

/// The system and user messages of one filled-in prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The system message.
    pub system: String,
    /// The user message, placeholders filled.
    pub user: String,
}

impl Rubric {
    /// The prompt file's text (`prompts/judge/<name>.txt`).
    pub fn prompt_file(self) -> &'static str {
        match self {
            Rubric::VadReasoning => include_str!("../../prompts/judge/vad-reasoning.txt"),
            Rubric::VauEval => include_str!("../../prompts/judge/vau-eval.txt"),
        }
    }

    /// The rubric's name (its prompt file's stem).
    pub fn name(self) -> &'static str {
        match self {
            Rubric::VadReasoning => "vad-reasoning",
            Rubric::VauEval => "vau-eval",
        }
    }

    /// The scores the judge gives, in reply order.
    pub fn criteria(self) -> &'static [Criterion] {
        match self {
            Rubric::VadReasoning => &VAD_CRITERIA,
            Rubric::VauEval => &VAU_CRITERIA,
        }
    }

    /// The prompt file's sha256 in hex.
    pub fn prompt_sha256(self) -> String {
        hex(&Sha256::digest(self.prompt_file().as_bytes()))
    }

    /// Fills the prompt: `{reference}` with `reference`, `{prediction}` with
    /// `prediction`, in one pass, so a placeholder written inside either
    /// text is left as it is.
    pub fn prompt(self, reference: &str, prediction: &str) -> Prompt {
        let (system, user) = split_sections(self.prompt_file());
        Prompt {
            system: system.trim().to_owned(),
            user: fill(user.trim(), reference.trim(), prediction.trim()),
        }
    }
}

/// The text after `[system]` and after `[user]` of a prompt file.
fn split_sections(file: &str) -> (&str, &str) {
    let body = file.strip_prefix("[system]").unwrap_or(file);
    body.split_once("\n[user]").unwrap_or(("", body))
}

fn fill(template: &str, reference: &str, prediction: &str) -> String {
    let mut out = String::with_capacity(template.len() + reference.len() + prediction.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if let Some(after) = tail.strip_prefix(REFERENCE) {
            out.push_str(reference);
            rest = after;
        } else if let Some(after) = tail.strip_prefix(PREDICTION) {
            out.push_str(prediction);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_files_have_both_sections_and_both_placeholders() {
        for rubric in [Rubric::VadReasoning, Rubric::VauEval] {
            let file = rubric.prompt_file();
            assert!(file.starts_with("[system]\n"), "{}", rubric.name());
            let (system, user) = split_sections(file);
            assert!(!system.trim().is_empty());
            assert_eq!(user.matches(REFERENCE).count(), 1, "{}", rubric.name());
            assert_eq!(user.matches(PREDICTION).count(), 1, "{}", rubric.name());
            // The reply form the prompt shows names every criterion.
            for c in rubric.criteria() {
                assert!(user.contains(&format!("\"{}\":", c.key)), "{}", c.key);
            }
        }
    }

    #[test]
    fn filling_is_one_pass() {
        // A prediction that itself writes `{reference}` is not filled again.
        let p = Rubric::VadReasoning.prompt("the truth", " says {reference} ");
        assert!(p.user.contains("Reference annotation:\nthe truth\n"));
        assert!(p.user.contains("Model answer:\nsays {reference}\n"));
        assert!(p.user.contains("{\"reasonability\": 0.0"));
        assert!(p.system.starts_with("You are a careful evaluator"));
    }

    #[test]
    fn prompt_hashes_are_distinct_hex() {
        let a = Rubric::VadReasoning.prompt_sha256();
        let b = Rubric::VauEval.prompt_sha256();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
