//! Maximum-weight one-to-one assignment (Hungarian / Kuhn-Munkres), shared by
//! the semantic score (Eq. 3), the hierarchy score (Eq. 4) and matched TIoU.

use pathfinding::prelude::{Matrix, kuhn_munkres};

/// Fixed-point scale: `pathfinding` needs an integer (`Ord`) weight type.
/// Weights in [-1, 1] keep 12 decimals, far below the 1e-6 we promise, and the
/// scores themselves are always summed from the original `f64` weights.
const SCALE: f64 = 1e12;

/// Returns the pairs `(i, j)` (row of `weights`, column) of a maximum-weight
/// assignment with `min(rows, cols)` pairs, sorted by `i`.
///
/// `weights` is row-major with `rows * cols` entries. Any shape works,
/// including empty ones (no pairs). Ties are broken deterministically by the
/// algorithm's fixed scan order.
pub fn max_weight_assignment(weights: &[f64], rows: usize, cols: usize) -> Vec<(usize, usize)> {
    assert_eq!(weights.len(), rows * cols, "weights must be rows * cols");
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let scaled = |i: usize, j: usize| (weights[i * cols + j] * SCALE).round() as i64;
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
    fn rectangular_both_ways() {
        // 3 rows x 2 cols: best is row 2 -> col 0 (0.7), row 0 -> col 1 (0.6).
        let w = [0.1, 0.6, 0.2, 0.3, 0.7, 0.5];
        assert_eq!(max_weight_assignment(&w, 3, 2), vec![(0, 1), (2, 0)]);
        // Its transpose, 2 x 3.
        let t = [0.1, 0.2, 0.7, 0.6, 0.3, 0.5];
        assert_eq!(max_weight_assignment(&t, 2, 3), vec![(0, 2), (1, 0)]);
    }
}
