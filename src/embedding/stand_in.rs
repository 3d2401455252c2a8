//! A deterministic stand-in for the real encoder, for tests of everything
//! downstream of embeddings: the runtime sits behind the small [`Embedder`]
//! trait precisely so that the metric code can be tested without a model.

use sha2::{Digest, Sha256};

use super::{Embedder, ModelId};
use crate::Result;

/// Vector length of the stand-in.
const DIM: usize = 32;

/// Bag-of-words hashing embedder: each lower-cased alphanumeric word adds +1
/// or -1 to one of 32 coordinates (both chosen by the word's FNV-1a hash),
/// and the sum is L2-normalised. Texts sharing words get positive cosines;
/// texts without words get the zero vector. Never use it for real scores.
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    id: ModelId,
}

impl HashEmbedder {
    /// The stand-in, named `hash-stand-in` with the sha256 of its own name.
    pub fn new() -> Self {
        let sha256 = format!("{:x}", Sha256::digest(b"cuebench hash stand-in v1"));
        HashEmbedder {
            id: ModelId {
                name: "hash-stand-in".into(),
                sha256,
                vectors: None,
            },
        }
    }
}

impl Default for HashEmbedder {
    fn default() -> Self {
        HashEmbedder::new()
    }
}

impl Embedder for HashEmbedder {
    fn id(&self) -> &ModelId {
        &self.id
    }

    fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| hash_vector(t)).collect())
    }
}

fn hash_vector(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; DIM];
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let h = fnv1a(word.as_bytes());
        let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
        v[(h % DIM as u64) as usize] += sign;
    }
    super::pooling::l2_normalize(&mut v);
    v
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn same_words_same_vector_and_unit_length() {
        let mut e = HashEmbedder::new();
        let v = e
            .embed(&["Rock climbing!", "rock  CLIMBING", "", "..."])
            .unwrap();
        assert_eq!(v[0], v[1]);
        assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-6);
        assert!(v[2].iter().chain(&v[3]).all(|&x| x == 0.0));
    }

    #[test]
    fn shared_words_give_higher_cosine() {
        let mut e = HashEmbedder::new();
        let v = e
            .embed(&["rock climbing", "climbing a cliff", "baking bread"])
            .unwrap();
        assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]));
    }
}
