//! Maximum-weight one-to-one assignment (Hungarian / Kuhn-Munkres), shared by
//! the semantic score (Eq. 3), the hierarchy score (Eq. 4) and matched TIoU.

use pathfinding::prelude::{Matrix, kuhn_munkres};

/// Fixed-point scale: `pathfinding` needs an integer (`Ord`) weight type.
/// Weights in [-1, 1] keep 12 decimals, far below the 1e-6 we promise, and the
/// scores themselves are always summed from the original `f64` weights.
const SCALE: f64 = 1e12;

/// Elements of one side that take part in a matching: the first
/// `MAX_MATCHED_ELEMENTS` answer elements (rows) and ground-truth elements
/// (columns). Matching is cubic (4000 x 4000 took 86 s); past the cap an
/// element stays unmatched, so it still counts in r (or t) and scores 0, as an
/// over-long answer should (docs/scoring.md §4). Real answers and ground
/// truths hold a handful of elements.
pub const MAX_MATCHED_ELEMENTS: usize = 64;

/// Whether entry `(i, j)` of a weight matrix can be paired at all (both
/// within [`MAX_MATCHED_ELEMENTS`]). The builders of weight matrices compute
/// only these entries and leave the rest at their zero value, so an over-long
/// answer costs no more than a capped one.
pub fn is_matchable(i: usize, j: usize) -> bool {
    i < MAX_MATCHED_ELEMENTS && j < MAX_MATCHED_ELEMENTS
}

/// Returns the pairs `(i, j)` (row of `weights`, column) of a maximum-weight
/// assignment with `min(rows, cols, MAX_MATCHED_ELEMENTS)` pairs, sorted by
/// `i`; rows and columns past [`MAX_MATCHED_ELEMENTS`] are never paired.
///
/// `weights` is row-major with `rows * cols` entries. Any shape works,
/// including empty ones (no pairs). Ties are broken deterministically by the
/// algorithm's fixed scan order.
pub fn max_weight_assignment(weights: &[f64], rows: usize, cols: usize) -> Vec<(usize, usize)> {
    assert_eq!(weights.len(), rows * cols, "weights must be rows * cols");
    let stride = cols;
    let (rows, cols) = (
        rows.min(MAX_MATCHED_ELEMENTS),
        cols.min(MAX_MATCHED_ELEMENTS),
    );
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let scaled = |i: usize, j: usize| (weights[i * stride + j] * SCALE).round() as i64;
    let mut pairs: Vec<(usize, usize)> = if rows <= cols {
        let m = Matrix::from_fn(rows, cols, |(i, j)| scaled(i, j));
        let (_, cols_of_rows) = kuhn_munkres(&m);
        cols_of_rows.into_iter().enumerate().collect()
    } else {
        // kuhn_munkres needs rows <= columns: solve the transpose.
        let m = Matrix::from_fn(cols, rows, |(j, i)| scaled(i, j));
        let (_, rows_of_cols) = kuhn_munkres(&m);
        rows_of_cols
            .into_iter()
            .enumerate()
            .map(|(j, i)| (i, j))
            .collect()
    };
    pairs.sort_unstable();
    pairs
}

/// Sum of `weights[i][j]` over the pairs of a maximum-weight assignment, with
/// each term first passed through `term` (e.g. `|c| c.max(0.0)`).
pub fn assigned_sum(weights: &[f64], rows: usize, cols: usize, term: impl Fn(f64) -> f64) -> f64 {
    max_weight_assignment(weights, rows, cols)
        .into_iter()
        .map(|(i, j)| term(weights[i * cols + j]))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_shapes_have_no_pairs() {
        assert!(max_weight_assignment(&[], 0, 3).is_empty());
        assert!(max_weight_assignment(&[], 2, 0).is_empty());
    }

    #[test]
    fn beats_greedy() {
        // Greedy takes (0,0)=0.9 then (1,1)=0.1: 1.0. Optimal: (0,1)+(1,0) = 0.8+0.8 = 1.6.
        let w = [0.9, 0.8, 0.8, 0.1];
        assert_eq!(max_weight_assignment(&w, 2, 2), vec![(0, 1), (1, 0)]);
        assert!((assigned_sum(&w, 2, 2, |c| c) - 1.6).abs() < 1e-12);
    }

    #[test]
    fn elements_past_the_cap_are_never_matched() {
        // 70 answer rows x 1 truth column; only row 69 (past the cap of 64)
        // fits it (weight 1, the rest 0). It may not be paired, so the
        // best pair is a zero-weight one among the first 64 rows: sum 0.
        let rows = MAX_MATCHED_ELEMENTS + 6;
        let mut w = vec![0.0; rows];
        w[rows - 1] = 1.0;
        let pairs = max_weight_assignment(&w, rows, 1);
        assert_eq!(pairs.len(), 1);
        assert!(pairs[0].0 < MAX_MATCHED_ELEMENTS);
        assert_eq!(assigned_sum(&w, rows, 1, |c| c), 0.0);
        // The same on the truth side (1 row x 70 columns).
        let pairs = max_weight_assignment(&w, 1, rows);
        assert!(pairs[0].1 < MAX_MATCHED_ELEMENTS);
        // A square 2 x 70 matrix keeps its row-major layout under the cap:
        // row 1 fits column 1 exactly.
        let mut w = vec![0.0; 2 * rows];
        w[rows + 1] = 1.0;
        assert_eq!(assigned_sum(&w, 2, rows, |c| c), 1.0);
    }

    #[test]
    fn rectangular_both_ways() {
        // 3 rows x 2 cols: best is row 2 -> col 0 (0.7), row 0 -> col 1 (0.6).
        let w = [0.1, 0.6, 0.2, 0.3, 0.7, 0.5];
        assert_eq!(max_weight_assignment(&w, 3, 2), vec![(0, 1), (2, 0)]);
        // Its transpose, 2 x 3.
        let t = [0.1, 0.2, 0.7, 0.6, 0.3, 0.5];
        assert_eq!(max_weight_assignment(&t, 2, 3), vec![(0, 2), (1, 0)]);
    }
}
