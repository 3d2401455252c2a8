//! Metrics as pure functions over plain data (docs/scoring.md §4): no I/O, no globals.

pub mod assignment;
pub mod bootstrap;
pub mod frame_level;
pub mod hierarchy;
pub mod semantic;
pub mod structure;
pub mod temporal;
pub mod text;

/// docs/scoring.md §4 "Empty answers": with t = 0 every metric is 1 when r = 0, else 0;
/// with r = 0 < t every metric is 0. `None` when both lists are non-empty and
/// the metric itself decides.
pub fn empty_answer_rule(r: usize, t: usize) -> Option<f64> {
    match (r, t) {
        (0, 0) => Some(1.0),
        (_, 0) | (0, _) => Some(0.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::empty_answer_rule;

    #[test]
    fn empty_answer_cases() {
        assert_eq!(empty_answer_rule(0, 0), Some(1.0));
        assert_eq!(empty_answer_rule(2, 0), Some(0.0));
        assert_eq!(empty_answer_rule(0, 3), Some(0.0));
        assert_eq!(empty_answer_rule(1, 1), None);
    }
}
