//! Reproducibility signatures (SPEC 8, after sacrebleu): every choice that
//! can change a number, as `key:value` fields joined with `|`.

use std::fmt;

/// The version of the scoring rules; bump it when a score changes meaning.
pub const SCORING_VERSION: &str = "1";

/// A signature: ordered `key:value` fields, the first being `cuebench:VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    fields: Vec<(String, String)>,
}

impl Signature {
    /// A signature holding only `cuebench:VERSION`.
    pub fn new() -> Self {
        Signature {
            fields: vec![("cuebench".into(), SCORING_VERSION.into())],
        }
    }

    /// Adds a field (a `|` in the value is replaced, keeping it parseable;
    /// keys never hold `:`, so values may).
    pub fn with(mut self, key: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string().replace('|', "_");
        self.fields.push((key.to_owned(), value));
        self
    }

    /// Parses `key:value|key:value...`.
    pub fn parse(text: &str) -> Option<Self> {
        let fields = text
            .split('|')
            .map(|f| f.split_once(':').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect::<Option<Vec<_>>>()?;
        (!fields.is_empty()).then_some(Signature { fields })
    }

    /// The fields other than `task`: two results are comparable when these agree.
    pub fn without_task(&self) -> Vec<(&str, &str)> {
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
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        f.write_str(&parts.join("|"))
    }
}

/// `name@sha256:first8` for a file-backed resource (model, taxonomy).
pub fn resource_id(name: &str, sha256: &str) -> String {
    format!("{name}@sha256:{}", sha256.get(..8).unwrap_or(sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_task_free_comparison() {
        let a = Signature::new().with("task", "event").with("tau", "1.0");
        assert_eq!(a.to_string(), "cuebench:1|task:event|tau:1.0");
        let b = Signature::parse("cuebench:1|task:scene|tau:1.0").unwrap();
        assert_eq!(a.without_task(), b.without_task());
        assert_eq!(Signature::parse(&a.to_string()), Some(a));
        assert_eq!(Signature::parse("nonsense"), None);
    }

    #[test]
    fn values_cannot_break_the_format() {
        let s = Signature::new().with("model", resource_id("minilm|l6", "ab12cd34ef"));
        assert_eq!(s.to_string(), "cuebench:1|model:minilm_l6@sha256:ab12cd34");
        assert_eq!(Signature::parse(&s.to_string()), Some(s));
    }
}
