//! Anomaly detection from frame-level predictions (docs/scoring.md §10):
//! per-frame labels, scores or flags become anomalous frame runs, the runs
//! become intervals, scored by union TIoU against the video's anomalies.

use serde_json::{Map, Value};

use super::labels::{Branch, LabelSpace, branch, label_text};
use crate::intervals::Interval;
use crate::taxonomy::Taxonomy;

/// The label spaces a frame label is looked up in.
pub struct FrameLabels<'a> {
    /// The taxonomy (ground-truth triplets added).
    pub taxonomy: &'a Taxonomy,
    /// Event names.
    pub events: &'a LabelSpace,
    /// Triplet leaves.
    pub leaves: &'a LabelSpace,
}

/// A detection line read: per-frame anomaly flags at `fps`, the frame
/// scores when the line gave `scores`, and the label counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frames {
    /// Frames per second of the arrays.
    pub fps: f64,
    /// Whether each frame is anomalous.
    pub anomalous: Vec<bool>,
    /// The `scores` array, when that was the form used.
    pub scores: Option<Vec<f64>>,
    /// Frame labels outside both label spaces (read as normal).
    pub unknown_labels: usize,
    /// Frame labels naming a conditional event (read as normal).
    pub ambiguous_labels: usize,
}

/// What one frame label says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Anomalous,
    Normal,
    Ambiguous,
    Unknown,
}

impl FrameLabels<'_> {
    /// A frame's label: a leaf or an event name standing only under the
    /// anomaly branch is anomalous, only under normality normal, under both
    /// ambiguous; anything else unknown. A list stands for its first item.
    fn verdict(&self, entry: &Value) -> Verdict {
        let entry = match entry {
            Value::Array(items) => items.first().unwrap_or(&Value::Null),
            other => other,
        };
        let Some(text) = label_text(entry) else {
            return Verdict::Unknown;
        };
        let nodes = self
            .events
            .nodes(&text)
            .or_else(|| self.leaves.nodes(&text));
        match nodes.map(|n| branch(self.taxonomy, n)) {
            Some(Branch::Anomaly) => Verdict::Anomalous,
            Some(Branch::Normality) => Verdict::Normal,
            Some(Branch::Both) => Verdict::Ambiguous,
            None => Verdict::Unknown,
        }
    }

    /// Reads a detection line: `labels`, else `scores` (anomalous when
    /// above `threshold`), else `anomalous` (0/1 or booleans); `fps` from
    /// the line, else `default_fps`. `None` (unparseable) when no form is
    /// present, the array holds an unreadable entry (a score that is not a
    /// number, a flag that is not 0/1/boolean), or `fps` is not a positive
    /// number.
    pub fn read(
        &self,
        object: &Map<String, Value>,
        default_fps: f64,
        threshold: f64,
    ) -> Option<Frames> {
        let fps = match object.get("fps") {
            None => default_fps,
            Some(v) => v.as_f64().filter(|f| f.is_finite() && *f > 0.0)?,
        };
        let mut frames = Frames {
            fps,
            ..Frames::default()
        };
        if let Some(labels) = object.get("labels") {
            for entry in labels.as_array()? {
                let verdict = self.verdict(entry);
                frames.unknown_labels += usize::from(verdict == Verdict::Unknown);
                frames.ambiguous_labels += usize::from(verdict == Verdict::Ambiguous);
                frames.anomalous.push(verdict == Verdict::Anomalous);
            }
        } else if let Some(scores) = object.get("scores") {
            let scores: Vec<f64> = scores
                .as_array()?
                .iter()
                .map(|v| v.as_f64().filter(|s| s.is_finite()))
                .collect::<Option<_>>()?;
            frames.anomalous = scores.iter().map(|&s| s > threshold).collect();
            frames.scores = Some(scores);
        } else {
            frames.anomalous = object
                .get("anomalous")?
                .as_array()?
                .iter()
                .map(|v| match v {
                    Value::Bool(b) => Some(*b),
                    Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
                    Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
                    _ => None,
                })
                .collect::<Option<_>>()?;
        }
        Some(frames)
    }
}

/// Each run of anomalous frames i..=j as the interval [i/fps, j/fps] (a
/// single frame is a zero-length interval).
pub fn runs(anomalous: &[bool], fps: f64) -> Vec<Interval> {
    let mut intervals = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &on) in anomalous.iter().chain(std::iter::once(&false)).enumerate() {
        match (on, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                intervals.push(Interval {
                    start: s as f64 / fps,
                    end: (i - 1) as f64 / fps,
                });
                start = None;
            }
            _ => {}
        }
    }
    intervals
}

/// Whether frame `index` at `fps` lies inside one of `truth` (seconds,
/// ends included): the frame-level ground truth of ROC-AUC and AP.
pub fn frame_is_anomalous(index: usize, fps: f64, truth: &[Interval]) -> bool {
    let t = index as f64 / fps;
    truth.iter().any(|i| i.start <= t && t <= i.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmarks::separate::test_support::{iv, object, small};
    use serde_json::json;

    /// Reads a line against the fixture taxonomy (annotation fps 30).
    fn read(line: Value, threshold: f64) -> Option<Frames> {
        let tax = small();
        let (events, leaves) = (LabelSpace::events(&tax), LabelSpace::leaves(&tax));
        let reader = FrameLabels {
            taxonomy: &tax,
            events: &events,
            leaves: &leaves,
        };
        reader.read(&object(line), 30.0, threshold)
    }

    #[test]
    fn frame_runs_become_intervals() {
        // Frames 1-2 and 4 anomalous at 2 fps: [0.5, 1.0] and [2.0, 2.0].
        let flags = [false, true, true, false, true];
        assert_eq!(runs(&flags, 2.0), vec![iv(0.5, 1.0), iv(2.0, 2.0)]);
        assert_eq!(runs(&[true, true], 1.0), vec![iv(0.0, 1.0)]);
        assert_eq!(runs(&[false; 3], 1.0), vec![]);
        assert_eq!(runs(&[], 1.0), vec![]);
    }

    #[test]
    fn labels_by_branch() {
        // theft: anomaly only; "smoking, street": a normality leaf;
        // motorcycling: both branches (conditional) -> ambiguous, normal;
        // "smoking, bus": a leaf text under both branches -> ambiguous;
        // a ranked list counts its first item; 7 and "nope" are unknown.
        let line = json!({"labels": [
            "Theft", "smoking, street", "motorcycling", "smoking, bus",
            ["theft", "smoking, street"], 7, "nope",
            {"event": "climbing", "scene": "cliff", "attributes": ["without protection"]}
        ]});
        let f = read(line, 0.5).expect("readable");
        assert_eq!(
            f.anomalous,
            [true, false, false, false, true, false, false, true]
        );
        assert_eq!((f.ambiguous_labels, f.unknown_labels, f.fps), (2, 2, 30.0));
        assert_eq!(f.scores, None);
    }

    #[test]
    fn scores_threshold_is_strict_and_flags_are_read() {
        // A score equal to the threshold is normal.
        let f = read(json!({"fps": 10, "scores": [0.2, 0.5, 0.51]}), 0.5).expect("readable");
        assert_eq!((f.anomalous, f.fps), (vec![false, false, true], 10.0));
        assert_eq!(f.scores, Some(vec![0.2, 0.5, 0.51]));
        let f = read(json!({"anomalous": [1, 0, true, false]}), 0.5).expect("readable");
        assert_eq!(f.anomalous, [true, false, true, false]);
        for bad in [
            json!({"scores": [0.2, "x"]}),
            json!({"anomalous": [2]}),
            json!({"fps": 0, "anomalous": [1]}),
            json!({"frames": [1]}),
        ] {
            assert_eq!(read(bad.clone(), 0.5), None, "{bad}");
        }
    }

    #[test]
    fn frame_truth_includes_both_ends() {
        let truth = [iv(1.0, 2.0)];
        // At 2 fps frames 2, 3, 4 are 1.0, 1.5, 2.0 s; 5 is 2.5 s.
        let flags: Vec<bool> = (0..6).map(|i| frame_is_anomalous(i, 2.0, &truth)).collect();
        assert_eq!(flags, [false, false, true, true, true, false]);
    }
}
