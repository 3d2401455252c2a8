//! The eight CueBench tasks (docs/scoring.md §2): names, answer keys, which scores
//! apply, and (in `derive`) their ground truth derived from annotations.

pub mod derive;
pub mod keys;
pub mod name;

use std::str::FromStr;

use serde_json::Value;

pub use name::TaskName;

crate::task_enum! {
    /// A CueBench task (docs/scoring.md §2, paper Figure 11); its names come from
    /// [`TaskName`].
    #[derive(PartialOrd, Ord)]
    pub enum Task {
        /// Context recognition: the events of the video.
        Event,
        /// Context recognition: the scenes of one event.
        Scene,
        /// Context recognition: the attributes of one event.
        Attribute,
        /// Top-down context-aware anomaly recognition.
        AnomalyTd,
        /// Bottom-up context-aware anomaly recognition (with anomaly scores).
        AnomalyBu,
        /// Context-aware temporal grounding of one triplet.
        Grounding,
        /// Context-aware anomaly detection (time ranges of all anomalies).
        Detection,
        /// Context-aware anticipation of future events.
        Anticipation,
    }
}

impl Task {
    /// All tasks, in the column order of the paper's Table 2.
    pub const ALL: [Task; 8] = [
        Task::Event,
        Task::Scene,
        Task::Attribute,
        Task::AnomalyTd,
        Task::AnomalyBu,
        Task::Grounding,
        Task::Detection,
        Task::Anticipation,
    ];

    /// The task's command-line name, e.g. `anomaly-bu`.
    pub fn name(self) -> &'static str {
        TaskName::name(self)
    }

    /// A "When" task, scored by temporal IoU instead of semantic similarity.
    pub fn is_temporal(self) -> bool {
        matches!(self, Task::Grounding | Task::Detection)
    }

    /// Scored with the semantic score S^U (docs/scoring.md §2: every "What" task).
    pub fn has_semantic(self) -> bool {
        !self.is_temporal()
    }

    /// Scored with the hierarchy score S^H: the tasks whose values start
    /// with an event (docs/scoring.md §2, Eq. 5 `<E, ...>`).
    pub fn has_hierarchy(self) -> bool {
        matches!(
            self,
            Task::Event | Task::AnomalyTd | Task::AnomalyBu | Task::Anticipation
        )
    }

    /// Whether the ground truth can be the answer `None` (docs/scoring.md §3.2).
    pub fn allows_none(self) -> bool {
        matches!(self, Task::AnomalyTd | Task::Detection)
    }

    /// The key paths whose values form an element's value text, in order
    /// (docs/scoring.md §4, "Semantic"). Empty for the temporal tasks.
    pub fn value_keys(self) -> &'static [&'static str] {
        match self {
            Task::Event => &["event"],
            Task::Scene => &["scene"],
            Task::Attribute => &["attribute"],
            Task::AnomalyTd => &["anomaly.event", "anomaly.scene", "anomaly.attribute"],
            Task::AnomalyBu => &["event", "scene", "attribute"],
            Task::Anticipation => &[
                "event_probability.event",
                "event_probability.scene",
                "event_probability.attribute",
            ],
            Task::Grounding | Task::Detection => &[],
        }
    }

    /// The key holding an element's `[start, end]` interval (temporal tasks).
    pub fn interval_key(self) -> Option<&'static str> {
        match self {
            Task::Grounding => Some("duration"),
            Task::Detection => Some("anomaly_duration"),
            _ => None,
        }
    }

    /// The key path holding an element's anomaly score, used to pick the
    /// taxonomy branch for the hierarchy score (docs/scoring.md §4, "Hierarchy").
    pub fn anomaly_score_key(self) -> Option<&'static str> {
        match self {
            Task::AnomalyBu => Some("anomaly"),
            Task::Anticipation => Some("event_probability.anomaly"),
            _ => None,
        }
    }
}

impl Task {
    /// An element's value text (docs/scoring.md §4, "Semantic"): the values at
    /// [`Task::value_keys`] joined with ", ", empty values skipped, lists
    /// joined with ", ", numbers written as text. A non-object is empty.
    pub fn value_text(self, element: &Value) -> String {
        let mut parts = Vec::new();
        for key in self.value_keys() {
            if let Some(v) = lookup(element, key) {
                push_text(v, &mut parts);
            }
        }
        parts.join(", ")
    }
}

/// The value at a dotted key path, if every step is an object key.
pub fn lookup<'a>(element: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(element, |v, key| v.as_object()?.get(key))
}

fn push_text(value: &Value, parts: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => parts.push(s.trim().to_owned()),
        Value::Number(n) => parts.push(n.to_string()),
        Value::Bool(b) => parts.push(b.to_string()),
        Value::Array(items) => items.iter().for_each(|item| push_text(item, parts)),
        _ => {}
    }
}

/// Keys the format prompt marks optional; they are left out of both key bags.
pub const OPTIONAL_KEYS: &[&str] = &["caption"];

impl serde::Serialize for Task {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Task {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Task {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Task::parse_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Task::all(), Task::ALL, "ALL is the declaration order");
        assert_eq!(Task::AnomalyBu.name(), "anomaly-bu");
        for t in Task::ALL {
            assert_eq!(t.name().parse::<Task>(), Ok(t));
        }
        assert!(
            "anomaly"
                .parse::<Task>()
                .unwrap_err()
                .contains("anomaly-bu")
        );
    }
}
