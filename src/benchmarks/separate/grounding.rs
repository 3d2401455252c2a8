//! Temporal grounding from a start and an end (docs/scoring.md §10): the
//! predicted segments against the triplet's intervals, union TIoU.

use serde_json::{Map, Value};

use crate::intervals::{Interval, parse_interval, parse_timestamp};

/// The segments of a grounding line and how many were unreadable:
/// `segments` (a list of `[start, end]`) when present, else `start` and
/// `end`; timestamps as in docs/scoring.md §4. `None` when the line has
/// neither form.
pub fn segments(object: &Map<String, Value>) -> Option<(Vec<Interval>, usize)> {
    let read = |items: &[Value]| {
        let kept: Vec<Interval> = items.iter().filter_map(parse_interval).collect();
        let dropped = items.len() - kept.len();
        (kept, dropped)
    };
    if let Some(list) = object.get("segments") {
        return list.as_array().map(|items| read(items));
    }
    let (start, end) = (object.get("start")?, object.get("end")?);
    let one = match (parse_timestamp(start), parse_timestamp(end)) {
        (Some(start), Some(end)) if start <= end => Some(Interval { start, end }),
        _ => None,
    };
    Some(match one {
        Some(interval) => (vec![interval], 0),
        None => (Vec::new(), 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmarks::separate::test_support::{iv, object};
    use serde_json::json;

    #[test]
    fn both_input_forms() {
        assert_eq!(
            segments(&object(json!({"start": "00:05", "end": 9.5}))),
            Some((vec![iv(5.0, 9.5)], 0))
        );
        assert_eq!(
            segments(&object(json!({"segments": [[0, 2], ["00:04", "00:06"]]}))),
            Some((vec![iv(0.0, 2.0), iv(4.0, 6.0)], 0))
        );
        // `segments` wins over start/end; a reversed or unreadable segment is
        // dropped and counted.
        assert_eq!(
            segments(&object(
                json!({"segments": [[3, 1], [1, 2], "x"], "start": 0, "end": 9})
            )),
            Some((vec![iv(1.0, 2.0)], 2))
        );
        assert_eq!(
            segments(&object(json!({"start": 8, "end": 2}))),
            Some((vec![], 1))
        );
        assert_eq!(segments(&object(json!({"start": 1}))), None);
        assert_eq!(segments(&object(json!({"segments": "0-2"}))), None);
    }
}
