//! From a BERT encoder's token states to one sentence vector (docs/scoring.md §6):
//! attention-mask mean pooling or the CLS token, then L2 normalisation.

use serde::Deserialize;

/// How token states become a sentence vector (the manifest's `pooling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Pooling {
    /// Mean over the tokens whose attention mask is 1 (sentence-transformers).
    Mean,
    /// The first token's state.
    Cls,
}

impl Pooling {
    /// The manifest's spelling, as signatures and results print it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
        }
    }
}

/// Norms below this are treated as zero: the vector is left as it is rather
/// than blown up.
const NORM_EPSILON: f64 = 1e-12;

/// Pools `hidden` (row-major `[batch, seq, dim]`) with `mask` (`[batch, seq]`)
/// into `batch` vectors of length `dim`. Each vector depends only on its own
/// row's unmasked tokens, so padding never changes it. Sums run in f64.
/// An empty shape gives no vectors.
pub(crate) fn pool(
    hidden: &[f32],
    mask: &[i64],
    seq: usize,
    dim: usize,
    pooling: Pooling,
) -> Vec<Vec<f32>> {
    if seq == 0 || dim == 0 {
        return Vec::new();
    }
    hidden
        .chunks_exact(seq * dim)
        .zip(mask.chunks_exact(seq))
        .map(|(states, row_mask)| match pooling {
            Pooling::Mean => mean_pool(states, row_mask, dim),
            Pooling::Cls => states[..dim].to_vec(),
        })
        .collect()
}

fn mean_pool(states: &[f32], mask: &[i64], dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0f64; dim];
    let mut count = 0usize;
    for (token, _) in states.chunks_exact(dim).zip(mask).filter(|(_, m)| **m != 0) {
        count += 1;
        for (s, &x) in sum.iter_mut().zip(token) {
            *s += f64::from(x);
        }
    }
    let n = count.max(1) as f64;
    sum.into_iter().map(|s| (s / n) as f32).collect()
}

/// Scales `v` to unit L2 norm (computed in f64); a (near) zero vector is left
/// unchanged.
pub(crate) fn l2_normalize(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm > NORM_EPSILON {
        for x in v.iter_mut() {
            *x = (f64::from(*x) / norm) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pool_ignores_masked_tokens() {
        // batch 2, seq 3, dim 2. Row 0 has 2 real tokens: mean of (1,2),(3,4) = (2,3).
        // Row 1 has 1 real token (5,6); its padding (100s) must not count.
        let hidden = [
            1.0, 2.0, 3.0, 4.0, 100.0, 100.0, 5.0, 6.0, 100.0, 100.0, 100.0, 100.0,
        ];
        let mask = [1, 1, 0, 1, 0, 0];
        let pooled = pool(&hidden, &mask, 3, 2, Pooling::Mean);
        assert_eq!(pooled, vec![vec![2.0, 3.0], vec![5.0, 6.0]]);
    }

    #[test]
    fn cls_takes_first_token_and_all_masked_gives_zero() {
        let hidden = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(
            pool(&hidden, &[1, 1], 2, 2, Pooling::Cls),
            vec![vec![1.0, 2.0]]
        );
        assert_eq!(
            pool(&hidden, &[0, 0], 2, 2, Pooling::Mean),
            vec![vec![0.0, 0.0]]
        );
    }

    #[test]
    fn normalize_makes_unit_length_and_keeps_zero() {
        // (3, 4) has norm 5.
        let mut v = [3.0, 4.0];
        l2_normalize(&mut v);
        assert_eq!(v, [0.6, 0.8]);
        let mut z = [0.0, 0.0];
        l2_normalize(&mut z);
        assert_eq!(z, [0.0, 0.0]);
    }
}
