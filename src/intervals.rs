//! Time on the ground floor: intervals in seconds, timestamp parsing
//! (`SS`, `MM:SS`, `HH:MM:SS`, numbers) and merging. Plain data, used by the
//! ground-truth derivation and by the temporal metrics alike (docs/scoring.md §4,
//! "Temporal TIoU").

use serde_json::Value;

/// A time interval in seconds with `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
}

impl Interval {
    /// Length in seconds.
    pub fn length(self) -> f64 {
        self.end - self.start
    }
}

/// Reads a timestamp: a non-negative number of seconds, or a string `SS`,
/// `MM:SS` or `HH:MM:SS`, each with optional fractional seconds. In the colon
/// forms every part after the first must be below 60. Anything else is `None`.
pub fn parse_timestamp(value: &Value) -> Option<f64> {
    let seconds = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => parse_clock(s.trim())?,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let (last, leading) = parts.split_last()?;
    let mut total = 0.0;
    for (i, part) in leading.iter().enumerate() {
        let v = parse_unsigned(part, false)?;
        if i > 0 && v >= 60.0 {
            return None;
        }
        total = total * 60.0 + v;
    }
    let secs = parse_unsigned(last, true)?;
    if !leading.is_empty() && secs >= 60.0 {
        return None;
    }
    Some(total * 60.0 + secs)
}

/// Digits, with an optional fractional part when `fraction` is allowed.
fn parse_unsigned(text: &str, fraction: bool) -> Option<f64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) if fraction => (w, Some(f)),
        Some(_) => return None,
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    text.parse().ok()
}

/// Reads an interval value: a two-item list of readable timestamps with
/// `start <= end`. Anything else is `None` (the element is dropped).
pub fn parse_interval(value: &Value) -> Option<Interval> {
    match value.as_array()?.as_slice() {
        [s, e] => {
            let (start, end) = (parse_timestamp(s)?, parse_timestamp(e)?);
            (start <= end).then_some(Interval { start, end })
        }
        _ => None,
    }
}

/// Sorts and merges intervals; touching or overlapping ones become one.
pub fn merge(intervals: &[Interval]) -> Vec<Interval> {
    let mut sorted = intervals.to_vec();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
    let mut merged: Vec<Interval> = Vec::with_capacity(sorted.len());
    for next in sorted {
        match merged.last_mut() {
            Some(last) if next.start <= last.end => last.end = last.end.max(next.end),
            _ => merged.push(next),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iv(start: f64, end: f64) -> Interval {
        Interval { start, end }
    }

    #[test]
    fn every_timestamp_form() {
        let cases = [
            (json!(12), Some(12.0)),
            (json!(12.5), Some(12.5)),
            (json!("7"), Some(7.0)),
            (json!("7.25"), Some(7.25)),
            (json!("01:05"), Some(65.0)),
            (json!("1:05.5"), Some(65.5)),
            (json!("00:00"), Some(0.0)),
            (json!("01:02:03"), Some(3723.0)),
            (json!("1:02:03.5"), Some(3723.5)),
            (json!("120:00"), Some(7200.0)), // the leading part is unbounded
            (json!(" 00:22 "), Some(22.0)),
        ];
        for (v, want) in cases {
            assert_eq!(parse_timestamp(&v), want, "{v}");
        }
    }

    #[test]
    fn unreadable_timestamps() {
        for v in [
            json!(-1),
            json!("-3"),
            json!("01:60"),
            json!("1:60:00"),
            json!("1:2:3:4"),
            json!("ab"),
            json!(""),
            json!(":30"),
            json!("1.5:30"),
            json!("1e3"),
            json!(null),
            json!([1]),
            json!(true),
            json!("00:22s"),
        ] {
            assert_eq!(parse_timestamp(&v), None, "{v}");
        }
    }

    #[test]
    fn intervals_need_two_readable_ordered_bounds() {
        assert_eq!(parse_interval(&json!(["00:10", 15])), Some(iv(10.0, 15.0)));
        assert_eq!(parse_interval(&json!([5, 5])), Some(iv(5.0, 5.0)));
        assert_eq!(parse_interval(&json!([20, 10])), None, "reversed");
        assert_eq!(parse_interval(&json!([1, 2, 3])), None);
        assert_eq!(parse_interval(&json!(["00:10", "later"])), None);
        assert_eq!(parse_interval(&json!("00:10-00:20")), None);
    }

    #[test]
    fn merging_joins_touching_and_overlapping_intervals() {
        let merged = merge(&[iv(5.0, 6.0), iv(0.0, 2.0), iv(2.0, 3.0), iv(1.0, 1.5)]);
        assert_eq!(merged, vec![iv(0.0, 3.0), iv(5.0, 6.0)]);
    }
}
