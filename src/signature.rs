//! Reproducibility signatures (docs/scoring.md §8, §11, after sacrebleu):
//! every choice that can change a number, as `key:value` fields joined with
//! `|`, ending with the tool version that computed it.

use std::fmt;

use crate::error::{Error, Result};

/// The version of the scoring rules; bump it when a score changes meaning.
/// 2: the signature names the annotation file and the model's vector settings.
pub const SCORING_VERSION: &str = "2";

/// The tool version every new signature ends with.
pub const TOOL_VERSION: &str = crate::VERSION;

/// A signature: ordered `key:value` fields, the first being `cuebench:VERSION`,
/// printed with `version:X.Y.Z` last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    fields: Vec<(String, String)>,
    /// The tool version; `None` only for a parsed signature that lacks one.
    version: Option<String>,
}

impl Signature {
    /// A signature holding only `cuebench:VERSION` (and this tool's version).
    pub fn new() -> Self {
        Signature {
            fields: vec![("cuebench".into(), SCORING_VERSION.into())],
            version: Some(TOOL_VERSION.into()),
        }
    }

    /// Adds a field (a `|` in the value is replaced, keeping it parseable;
    /// keys never hold `:`, so values may).
    pub fn with(mut self, key: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string().replace('|', "_");
        self.fields.push((key.to_owned(), value));
        self
    }

    /// Adds `gt:sha256:XXXXXXXX` (the annotation file's sha256, first 8 hex;
    /// docs/scoring.md §11) right after `task`, or last when there is none.
    pub fn with_annotations(mut self, sha256: &str) -> Self {
        let field = ("gt".to_owned(), format!("sha256:{}", short_hash(sha256)));
        match self.fields.iter().position(|(k, _)| k == "task") {
            Some(i) => self.fields.insert(i + 1, field),
            None => self.fields.push(field),
        }
        self
    }

    /// Parses `key:value|key:value...`; a last `version:` field is the version.
    pub fn parse(text: &str) -> Option<Self> {
        let mut fields = text
            .split('|')
            .map(|f| f.split_once(':').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect::<Option<Vec<_>>>()?;
        let version = match fields.last() {
            Some((k, _)) if k == "version" => fields.pop().map(|(_, v)| v),
            _ => None,
        };
        (!fields.is_empty()).then_some(Signature { fields, version })
    }

    /// The value of field `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The tool version that wrote it.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The fields other than `task` and `version`: two results are
    /// comparable when these agree.
    fn scoring_fields(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .filter(|(k, _)| k != "task")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

impl Default for Signature {
    fn default() -> Self {
        Signature::new()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        if let Some(v) = &self.version {
            parts.push(format!("version:{v}"));
        }
        f.write_str(&parts.join("|"))
    }
}

/// `name@sha256:first8` for a file-backed resource (model, taxonomy, annotations).
pub fn resource_id(name: &str, sha256: &str) -> String {
    format!("{name}@sha256:{}", short_hash(sha256))
}

/// The first 8 characters of a hex digest, as signatures print hashes.
pub fn short_hash(sha256: &str) -> &str {
    sha256.get(..8).unwrap_or(sha256)
}

/// Whether two results may be compared (docs/scoring.md §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparability {
    /// The signatures agree except for `task`.
    Same,
    /// They agree except for `task` and the tool version: compare, but warn.
    VersionDiffers,
    /// A scoring choice or input differs: refuse.
    Differs,
}

/// The comparability rule of docs/scoring.md §11, the one place `compare`
/// and `leaderboard` ask it.
pub fn comparability(a: &Signature, b: &Signature) -> Comparability {
    if a.scoring_fields() != b.scoring_fields() {
        Comparability::Differs
    } else if a.version != b.version {
        Comparability::VersionDiffers
    } else {
        Comparability::Same
    }
}

/// Applies the rule to two labelled signatures: `Ok(None)` when they agree,
/// `Ok(Some(warning))` when only the version differs, and an
/// [`Error::Usage`] showing both when anything else differs.
pub fn check_comparable(
    (label_a, a): (&str, &Signature),
    (label_b, b): (&str, &Signature),
) -> Result<Option<String>> {
    match comparability(a, b) {
        Comparability::Same => Ok(None),
        Comparability::VersionDiffers => Ok(Some(format!(
            "results from different cuebench versions ({} and {}); the scoring fields agree, comparing anyway",
            a.version().unwrap_or("unknown"),
            b.version().unwrap_or("unknown")
        ))),
        Comparability::Differs => Err(differences((label_a, a), (label_b, b))),
    }
}

/// The scoring fields (all but `task` and `version`) whose values differ,
/// in the order of `a` and then of the fields only `b` has: `(key, value
/// in a, value in b)`, `None` where a signature lacks the field.
pub fn differing_fields<'s>(
    a: &'s Signature,
    b: &'s Signature,
) -> Vec<(&'s str, Option<&'s str>, Option<&'s str>)> {
    let (fa, fb) = (a.scoring_fields(), b.scoring_fields());
    let value = |fields: &[(&'s str, &'s str)], key: &str| {
        fields.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    };
    let mut keys: Vec<&str> = fa.iter().map(|&(k, _)| k).collect();
    keys.extend(
        fb.iter()
            .map(|&(k, _)| k)
            .filter(|k| value(&fa, k).is_none()),
    );
    keys.into_iter()
        .map(|k| (k, value(&fa, k), value(&fb, k)))
        .filter(|(_, va, vb)| va != vb)
        .collect()
}

/// The [`Error::SignaturesDiffer`] for two labelled signatures: a headline
/// (with the task when both name the same), one line per differing field,
/// and the same as Markdown.
fn differences((label_a, a): (&str, &Signature), (label_b, b): (&str, &Signature)) -> Error {
    let task = match (a.get("task"), b.get("task")) {
        (Some(x), Some(y)) if x == y => format!(" (task {x})"),
        _ => String::new(),
    };
    let headline = format!("signatures differ, results are not comparable{task}");
    let fields = differing_fields(a, b);
    let shown = |v: Option<&str>| v.unwrap_or("(no such field)").to_owned();
    let lines = fields
        .iter()
        .map(|&(k, va, vb)| format!("{k}: {label_a} {}, {label_b} {}", shown(va), shown(vb)))
        .collect();
    let cell = |v: Option<&str>| match v {
        Some(v) => format!("`{}`", v.replace('`', "'").replace('|', "\\|")),
        None => "(no such field)".to_owned(),
    };
    let mut markdown = format!(
        "**Not comparable**: the signatures differ{task}.\n\n| field | {label_a} | {label_b} |\n| --- | --- | --- |\n"
    );
    for &(k, va, vb) in &fields {
        markdown += &format!("| `{k}` | {} | {} |\n", cell(va), cell(vb));
    }
    Error::SignaturesDiffer {
        headline,
        fields: lines,
        markdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_ends_with_the_version() {
        let a = Signature::new().with("task", "event").with("tau", "1.0");
        let text = a.to_string();
        assert_eq!(
            text,
            format!("cuebench:2|task:event|tau:1.0|version:{TOOL_VERSION}")
        );
        assert_eq!(Signature::parse(&text), Some(a.clone()));
        assert_eq!(a.get("tau"), Some("1.0"));
        assert_eq!(a.version(), Some(TOOL_VERSION));
        assert_eq!(Signature::parse("nonsense"), None);
        assert_eq!(
            Signature::parse("cuebench:1|task:x").unwrap().version(),
            None
        );
    }

    #[test]
    fn the_annotations_follow_the_task() {
        let s = Signature::new()
            .with("bench", "vau-bench")
            .with("task", "qa")
            .with("letter", "x")
            .with_annotations("ab12cd34ef56");
        assert_eq!(
            s.to_string(),
            format!(
                "cuebench:2|bench:vau-bench|task:qa|gt:sha256:ab12cd34|letter:x|version:{TOOL_VERSION}"
            )
        );
        assert_eq!(s.get("gt"), Some("sha256:ab12cd34"));
    }

    #[test]
    fn values_cannot_break_the_format() {
        let s = Signature::new().with("model", resource_id("minilm|l6", "ab12cd34ef"));
        assert!(
            s.to_string()
                .starts_with("cuebench:2|model:minilm_l6@sha256:ab12cd34|version:")
        );
        assert_eq!(Signature::parse(&s.to_string()), Some(s));
        assert_eq!(short_hash("abc"), "abc");
    }

    fn sig(text: &str) -> Signature {
        Signature::parse(text).unwrap()
    }

    #[test]
    fn task_is_ignored_version_warns_anything_else_refuses() {
        let a = sig("cuebench:2|task:event|gt:sha256:aaaaaaaa|tiou:union|version:0.2.0");
        let scene = sig("cuebench:2|task:scene|gt:sha256:aaaaaaaa|tiou:union|version:0.2.0");
        let newer = sig("cuebench:2|task:event|gt:sha256:aaaaaaaa|tiou:union|version:0.3.0");
        let other_gt = sig("cuebench:2|task:event|gt:sha256:bbbbbbbb|tiou:union|version:0.2.0");
        let fewer = sig("cuebench:2|task:event|tiou:union|version:0.2.0");
        assert_eq!(comparability(&a, &scene), Comparability::Same);
        assert_eq!(comparability(&a, &newer), Comparability::VersionDiffers);
        assert_eq!(comparability(&a, &other_gt), Comparability::Differs);
        assert_eq!(comparability(&a, &fewer), Comparability::Differs);
        assert_eq!(check_comparable(("a", &a), ("b", &scene)).unwrap(), None);
        let warning = check_comparable(("a", &a), ("b", &newer)).unwrap().unwrap();
        assert!(warning.contains("0.2.0 and 0.3.0"), "{warning}");
        let err = check_comparable(("baseline", &a), ("candidate", &other_gt)).unwrap_err();
        assert_eq!(
            err.lines(),
            [
                "signatures differ, results are not comparable (task event):",
                "  gt: baseline sha256:aaaaaaaa, candidate sha256:bbbbbbbb",
            ]
        );
    }

    #[test]
    fn differences_are_named_one_field_per_line_and_in_markdown() {
        // gt and tau differ, top-k only in b, sem-norm only in a; task and
        // version are never a difference.
        let a = sig("cuebench:2|task:event|gt:sha256:aaaaaaaa|tau:1.0|sem-norm:rt|version:0.2.0");
        let b = sig("cuebench:2|task:scene|gt:sha256:bbbbbbbb|tau:0.5|top-k:5|version:0.3.0");
        assert_eq!(
            differing_fields(&a, &b),
            [
                ("gt", Some("sha256:aaaaaaaa"), Some("sha256:bbbbbbbb")),
                ("tau", Some("1.0"), Some("0.5")),
                ("sem-norm", Some("rt"), None),
                ("top-k", None, Some("5")),
            ]
        );
        let err = check_comparable(("old.json", &a), ("new.json", &b)).unwrap_err();
        assert_eq!(
            err.lines(),
            [
                "signatures differ, results are not comparable:",
                "  gt: old.json sha256:aaaaaaaa, new.json sha256:bbbbbbbb",
                "  tau: old.json 1.0, new.json 0.5",
                "  sem-norm: old.json rt, new.json (no such field)",
                "  top-k: old.json (no such field), new.json 5",
            ]
        );
        // Printed whole it stays one line.
        assert!(!err.to_string().contains('\n'), "{err}");
        assert_eq!(
            err.markdown(),
            Some(
                "**Not comparable**: the signatures differ.\n\n\
                 | field | old.json | new.json |\n\
                 | --- | --- | --- |\n\
                 | `gt` | `sha256:aaaaaaaa` | `sha256:bbbbbbbb` |\n\
                 | `tau` | `1.0` | `0.5` |\n\
                 | `sem-norm` | `rt` | (no such field) |\n\
                 | `top-k` | (no such field) | `5` |\n"
            )
        );
    }
}
