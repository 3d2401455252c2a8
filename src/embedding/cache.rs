//! The on-disk vector cache (docs/scoring.md §6: "may be cached on disk keyed by model
//! hash and text").
//!
//! One append-only file per model, `<dir>/<model sha256>.vectors`, of
//! self-checking records:
//!
//! ```text
//! magic "CUEVEC1\n" | text length u32 LE | dim u32 LE | text (UTF-8)
//!                   | dim x f32 LE | first 8 bytes of sha256(length .. vector)
//! ```
//!
//! Each batch is appended with one `write` on a file opened in append mode.
//! A crash mid-write leaves a torn record at the end; its checksum fails, the
//! reader skips to the next magic, and later records still count. So a torn
//! or damaged record is ignored, never read as a wrong vector. Vectors are
//! stored bit-exactly, so a cached vector equals the one first computed.

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"CUEVEC1\n";
const CHECKSUM_LEN: usize = 8;
/// Header after the magic: text length and dimension.
const HEADER_LEN: usize = 8;

/// The cache file of one model.
#[derive(Debug)]
pub(crate) struct VectorCache {
    path: PathBuf,
}

impl VectorCache {
    /// Opens (creating `dir` if needed) the cache of the model whose sha256
    /// is `model_sha256` (hex; anything else is refused, it names a file).
    pub(crate) fn open(dir: &Path, model_sha256: &str) -> Result<Self> {
        if model_sha256.is_empty() || !model_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Model(format!(
                "model sha256 `{model_sha256}` is not hex"
            )));
        }
        fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(format!("{}.vectors", model_sha256.to_ascii_lowercase()));
        Ok(VectorCache { path })
    }

    /// The cached vectors of the texts in `wanted` (a missing file is an
    /// empty cache). When a text occurs twice, the last record wins. Only
    /// usable vectors are returned: finite values, and all of one length,
    /// `dim` when the model states it, else the most common one (ties: the
    /// shorter). A record that passes its checksum but fails these (forged or
    /// written by a broken encoder) is left out, so its text is recomputed.
    pub(crate) fn load(
        &self,
        wanted: &HashSet<&str>,
        dim: Option<usize>,
    ) -> Result<HashMap<String, Vec<f32>>> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
            Err(source) => {
                return Err(Error::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let found: HashMap<String, Vec<f32>> = Records::new(&bytes)
            .filter(|(text, _)| wanted.contains(text))
            .map(|(text, vector)| (text.to_owned(), vector))
            .collect();
        let Some(dim) = dim.or_else(|| most_common_length(found.values())) else {
            return Ok(HashMap::new());
        };
        Ok(found
            .into_iter()
            .filter(|(_, v)| v.len() == dim && v.iter().all(|x| x.is_finite()))
            .collect())
    }

    /// Appends one record per (text, vector), in a single write.
    pub(crate) fn append(&self, texts: &[&str], vectors: &[Vec<f32>]) -> Result<()> {
        let mut buf = Vec::new();
        for (text, vector) in texts.iter().zip(vectors) {
            encode_record(text, vector, &mut buf);
        }
        let write = || -> io::Result<()> {
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            file.write_all(&buf)
        };
        write().map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(payload);
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

fn encode_record(text: &str, vector: &[f32], buf: &mut Vec<u8>) {
    buf.extend_from_slice(MAGIC);
    let start = buf.len();
    // Texts and vectors beyond u32 sizes cannot come from a text encoder;
    // saturating keeps the record well-formed-or-rejected, never wrong.
    buf.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(
        &u32::try_from(vector.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    buf.extend_from_slice(text.as_bytes());
    for x in vector {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    let sum = checksum(&buf[start..]);
    buf.extend_from_slice(&sum);
}

/// Iterates over the valid records of a cache file, skipping damage.
struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Records { bytes, pos: 0 }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (&'a str, Vec<f32>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let offset = find_magic(self.bytes.get(self.pos..)?)?;
            let start = self.pos + offset;
            match decode_record(self.bytes, start) {
                Some((record, end)) => {
                    self.pos = end;
                    return Some(record);
                }
                // Not a record after all (torn or damaged): look further.
                None => self.pos = start + 1,
            }
        }
    }
}

/// The most common non-zero length among finite vectors (ties: the shorter).
fn most_common_length<'a>(vectors: impl Iterator<Item = &'a Vec<f32>>) -> Option<usize> {
    let mut counts: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for v in vectors.filter(|v| !v.is_empty() && v.iter().all(|x| x.is_finite())) {
        *counts.entry(v.len()).or_default() += 1;
    }
    // max_by_key keeps the last maximum: iterate longest first so ties
    // resolve to the shorter length.
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .map(|(len, _)| len)
}

fn find_magic(bytes: &[u8]) -> Option<usize> {
    bytes.windows(MAGIC.len()).position(|w| w == MAGIC)
}

/// The record starting at `start` (at its magic) and the offset after it, or
/// `None` if it is truncated, fails its checksum or is not UTF-8.
fn decode_record(bytes: &[u8], start: usize) -> Option<((&str, Vec<f32>), usize)> {
    let payload_start = start.checked_add(MAGIC.len())?;
    let header = bytes.get(payload_start..payload_start.checked_add(HEADER_LEN)?)?;
    let text_len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    let dim = u32::from_le_bytes(header[4..].try_into().ok()?) as usize;
    let text_start = payload_start + HEADER_LEN;
    let vector_start = text_start.checked_add(text_len)?;
    let payload_end = vector_start.checked_add(dim.checked_mul(4)?)?;
    let end = payload_end.checked_add(CHECKSUM_LEN)?;
    let stored_sum = bytes.get(payload_end..end)?;
    if checksum(&bytes[payload_start..payload_end]) != stored_sum {
        return None;
    }
    let text = std::str::from_utf8(&bytes[text_start..vector_start]).ok()?;
    let vector = bytes[vector_start..payload_end]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some(((text, vector), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab12cd34";

    fn wanted<'a>(texts: &[&'a str]) -> HashSet<&'a str> {
        texts.iter().copied().collect()
    }

    #[test]
    fn round_trips_bit_exactly_and_filters_to_wanted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VectorCache::open(&dir.path().join("sub"), SHA).unwrap();
        assert!(cache.load(&wanted(&["a"]), None).unwrap().is_empty());
        let tiny = f32::from_bits(1); // a subnormal: must survive exactly
        cache
            .append(&["a", "héllo"], &[vec![0.1, -0.2], vec![tiny, 1.0]])
            .unwrap();
        let got = cache.load(&wanted(&["héllo", "zzz"]), None).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got["héllo"][0].to_bits(), 1);
    }

    #[test]
    fn torn_and_damaged_records_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VectorCache::open(dir.path(), SHA).unwrap();
        cache.append(&["first"], &[vec![1.0, 2.0]]).unwrap();
        // A crash mid-write: only half of a record reached the disk.
        let mut torn = Vec::new();
        encode_record("torn", &[3.0, 4.0], &mut torn);
        let half = torn.len() / 2;
        let mut file = OpenOptions::new().append(true).open(&cache.path).unwrap();
        file.write_all(&torn[..half]).unwrap();
        // A complete record with one flipped bit in its vector.
        let mut damaged = Vec::new();
        encode_record("damaged", &[5.0, 6.0], &mut damaged);
        let n = damaged.len();
        damaged[n - CHECKSUM_LEN - 1] ^= 1;
        file.write_all(&damaged).unwrap();
        cache.append(&["last"], &[vec![7.0, 8.0]]).unwrap();
        let got = cache
            .load(&wanted(&["first", "torn", "damaged", "last"]), None)
            .unwrap();
        let mut keys: Vec<&str> = got.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["first", "last"]);
        assert_eq!(got["last"], vec![7.0, 8.0]);
    }

    #[test]
    fn garbage_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VectorCache::open(dir.path(), SHA).unwrap();
        let mut junk = MAGIC.to_vec();
        junk.extend_from_slice(&[0xff; 64]); // absurd lengths
        junk.extend_from_slice(MAGIC);
        fs::write(&cache.path, junk).unwrap();
        assert!(cache.load(&wanted(&["a"]), None).unwrap().is_empty());
    }

    #[test]
    fn forged_records_of_a_wrong_length_or_not_finite_are_recomputed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VectorCache::open(dir.path(), SHA).unwrap();
        // Valid checksums, unusable vectors: 0, 3 and 1000 values, a NaN.
        cache
            .append(
                &["good", "empty", "three", "long", "nan", "inf"],
                &[
                    vec![1.0, 2.0],
                    vec![],
                    vec![1.0; 3],
                    vec![1.0; 1000],
                    vec![f32::NAN, 1.0],
                    vec![f32::INFINITY, 1.0],
                ],
            )
            .unwrap();
        let all = wanted(&["good", "empty", "three", "long", "nan", "inf"]);
        let got = cache.load(&all, Some(2)).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["good"]);
        // Without a stated length the most common usable one wins: 2 (good),
        // 3 and 1000 once each, tie broken to the shortest.
        let got = cache.load(&all, None).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["good"]);
    }

    #[test]
    fn one_file_per_model_and_non_hex_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = VectorCache::open(dir.path(), "aa").unwrap();
        let b = VectorCache::open(dir.path(), "bb").unwrap();
        a.append(&["x"], &[vec![1.0]]).unwrap();
        assert!(b.load(&wanted(&["x"]), None).unwrap().is_empty());
        assert!(matches!(
            VectorCache::open(dir.path(), "../x"),
            Err(Error::Model(_))
        ));
    }
}
