//! The label spaces of the separate protocol (docs/scoring.md §10): event
//! names and triplet leaves of the taxonomy (ground-truth triplets added),
//! matched after folding, with the nodes each label stands for.

use std::collections::HashMap;

use serde_json::Value;

use crate::taxonomy::{CandidateSet, NodeId, Taxonomy};

/// A label as matched (docs/scoring.md §10): trimmed, every run of Unicode
/// white space (NBSP and tab included) one space, then fully case-folded
/// with the CaseFolding.txt C+F mappings, as Python's `str.casefold()`
/// (`ſ`→`s`, `ß`/`ẞ`→`ss`, `ﬁ`→`fi`, `ς`→`σ`, Kelvin sign→`k`). Plain
/// lower-casing leaves `ſ`, `ß` and `ﬁ` as they are and turns a final `Σ`
/// into `ς`, so a predicted label written that way would miss its match.
pub fn fold(label: &str) -> String {
    let spaced = label.split_whitespace().collect::<Vec<_>>().join(" ");
    caseless::default_case_fold_str(&spaced)
}

/// The text of a predicted label: a string as written, or an object
/// `{"event", "scene", "attributes"}` as its leaf text "event, scene,
/// attributes" (`attributes` a list of strings or one string). `None` for
/// anything else.
pub fn label_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
            let attributes: Vec<String> = match o.get("attributes") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            Some(Taxonomy::leaf_text(
                part("event"),
                part("scene"),
                &attributes,
            ))
        }
        _ => None,
    }
}

/// Which branch a label stands under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// Every node of the label lies under the anomaly branch.
    Anomaly,
    /// Every node lies under the normality branch.
    Normality,
    /// Nodes under both (a conditional event).
    Both,
}

/// One label space: folded label -> its nodes.
#[derive(Debug, Default)]
pub struct LabelSpace {
    nodes: HashMap<String, Vec<NodeId>>,
}

impl LabelSpace {
    /// The event names of `taxonomy` (one label per distinct name).
    pub fn events(taxonomy: &Taxonomy) -> Self {
        Self::of(taxonomy, CandidateSet::Events)
    }

    /// The triplet leaves of `taxonomy`, named by their value text.
    pub fn leaves(taxonomy: &Taxonomy) -> Self {
        Self::of(taxonomy, CandidateSet::AllLeaves)
    }

    fn of(taxonomy: &Taxonomy, set: CandidateSet) -> Self {
        let mut nodes: HashMap<String, Vec<NodeId>> = HashMap::new();
        for c in taxonomy.candidates(set) {
            nodes.entry(fold(&c.text)).or_default().extend(&c.nodes);
        }
        LabelSpace { nodes }
    }

    /// The nodes a label stands for; `None` outside the label space.
    pub fn nodes(&self, label: &str) -> Option<&[NodeId]> {
        self.nodes.get(&fold(label)).map(Vec::as_slice)
    }
}

/// The branch of a set of nodes.
pub fn branch(taxonomy: &Taxonomy, nodes: &[NodeId]) -> Branch {
    let anomalous = nodes.iter().filter(|&&n| taxonomy.is_anomaly(n)).count();
    match anomalous {
        0 => Branch::Normality,
        n if n == nodes.len() => Branch::Anomaly,
        _ => Branch::Both,
    }
}

/// h(p, g) of docs/scoring.md §10: (1 - d/d_max) * [d <= tau * d_max],
/// d the smallest tree distance between the two node sets.
pub fn hierarchy_credit(
    taxonomy: &Taxonomy,
    predicted: &[NodeId],
    truth: &[NodeId],
    tau: f64,
) -> f64 {
    let d_max = f64::from(taxonomy.d_max());
    let d = f64::from(taxonomy.min_distance(predicted, truth));
    if d <= tau * d_max {
        1.0 - d / d_max
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmarks::separate::test_support::small;
    use serde_json::json;

    #[test]
    fn labels_fold_case_space_and_trim() {
        assert_eq!(fold("  Traffic   ACCIDENT\t"), "traffic accident");
        assert_eq!(fold("ÉVÉNEMENT"), "événement");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" \t\u{a0} "), "");
    }

    /// The characters where full case folding (C+F, Python's
    /// `str.casefold()`) and lower-casing part ways.
    #[test]
    fn labels_fold_fully_not_just_lower_case() {
        // U+017F LATIN SMALL LETTER LONG S: lower case already, folds to s.
        assert_eq!(fold("ſmoking"), "smoking");
        // U+00DF ß and U+1E9E ẞ: the F mapping to "ss".
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
        // U+FB01 LATIN SMALL LIGATURE FI.
        assert_eq!(fold("ﬁghting"), "fighting");
        // U+03C2 final sigma folds to σ; to_lowercase would turn a final Σ
        // into ς, so both spellings meet at σ.
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("οδος"), "οδοσ");
        // U+212A KELVIN SIGN folds to k; U+00B5 MICRO SIGN to μ.
        assert_eq!(fold("\u{212a}nife"), "knife");
        assert_eq!(fold("5 \u{b5}m"), "5 μm");
    }

    #[test]
    fn labels_collapse_mixed_nbsp_and_tab() {
        // NBSP (U+00A0), tab, narrow NBSP (U+202F) and ideographic space
        // (U+3000) are white space: trimmed at the ends, one space inside.
        assert_eq!(
            fold("\u{a0}Traffic\t\u{a0} Accident\u{202f}\u{3000}on\tRoad\u{a0}"),
            "traffic accident on road"
        );
        assert_eq!(fold("smoking,\u{a0}\tbus"), fold("Smoking, BUS"));
    }

    #[test]
    fn object_labels_become_leaf_texts() {
        let v = json!({"event": "Climbing", "scene": "cliff", "attributes": ["a", "b"]});
        assert_eq!(label_text(&v).as_deref(), Some("Climbing, cliff, a, b"));
        let one = json!({"event": "e", "scene": "", "attributes": "x"});
        assert_eq!(label_text(&one).as_deref(), Some("e, x"));
        assert_eq!(label_text(&json!(3)), None);
    }

    #[test]
    fn spaces_branches_and_credit() {
        let tax = small();
        let events = LabelSpace::events(&tax);
        let leaves = LabelSpace::leaves(&tax);
        assert!(leaves.nodes("smoking, bus").is_some());
        // Every event name maps to nodes at event depth; a name in both
        // branches (a conditional event) has nodes under both.
        for c in tax.candidates(CandidateSet::Events) {
            let nodes = events.nodes(&c.text.to_uppercase()).expect("folded match");
            let b = branch(&tax, nodes);
            let both = nodes.iter().any(|&n| tax.is_anomaly(n))
                && nodes.iter().any(|&n| !tax.is_anomaly(n));
            assert_eq!(b == Branch::Both, both, "{}", c.text);
            // A label's credit against itself is 1 (d = 0).
            assert_eq!(hierarchy_credit(&tax, nodes, nodes, 1.0), 1.0);
        }
        assert_eq!(events.nodes("no such event"), None);
    }
}
