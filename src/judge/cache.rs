//! The disk cache of judge replies (docs/judge.md, "The cache"): one file
//! per reply, `DIR/<first 2 hex>/<sha256 of the key>.json`, written to a
//! temporary file in the same folder and renamed into place.
//!
//! Why one file per entry rather than an append-only log: a rename is
//! atomic, so a run killed mid-write leaves at most a stray temporary file
//! (never a torn entry), and two runs at once need no lock: both write the
//! same reply for the same key, and whichever rename lands last wins. A log
//! shared by two processes would need file locking and a checksum per line
//! to get the same guarantees.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::rubric::hex;
use crate::error::{Error, Result};

/// Everything that makes a judge's reply what it is (docs/scoring.md §14):
/// hashed, it names the cache entry.
#[derive(Debug, Clone, Serialize)]
pub struct CacheKey<'a> {
    /// The judge model's name as sent.
    pub model: &'a str,
    /// The prompt file's sha256.
    pub prompt_sha256: &'a str,
    /// The filled-in system message.
    pub system: &'a str,
    /// The filled-in user message.
    pub user: &'a str,
    /// The request settings that can change the reply (temperature, seed,
    /// token limit, reply format), as sent.
    pub settings: &'a serde_json::Value,
}

impl CacheKey<'_> {
    /// The sha256 of the key's JSON, in hex.
    pub fn digest(&self) -> String {
        // Serialising plain strings and a Value cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex(&Sha256::digest(&json))
    }
}

/// One cached reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Entry {
    /// The judge model, for a person reading the file.
    model: String,
    /// The reply text, exactly as the judge wrote it.
    reply: String,
}

/// The reply cache in one folder.
#[derive(Debug, Clone)]
pub struct ReplyCache {
    dir: PathBuf,
}

impl ReplyCache {
    /// The cache in `dir` (created on the first write).
    pub fn new(dir: PathBuf) -> Self {
        ReplyCache { dir }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(&digest[..2]).join(format!("{digest}.json"))
    }

    /// The cached reply for the key digest, if any. An entry that cannot be
    /// read as one (it cannot be torn, but a person may have edited it)
    /// counts as absent and is asked again.
    pub fn get(&self, digest: &str) -> Option<String> {
        let text = fs::read(self.path(digest)).ok()?;
        serde_json::from_slice::<Entry>(&text)
            .ok()
            .map(|entry| entry.reply)
    }

    /// Stores a reply: written to a temporary file beside its place, then
    /// renamed into place, so readers see the whole entry or none.
    pub fn put(&self, digest: &str, model: &str, reply: &str) -> Result<()> {
        let path = self.path(digest);
        let folder = path.parent().unwrap_or(&self.dir);
        let write_error = |source| Error::Write {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(folder).map_err(write_error)?;
        let entry = Entry {
            model: model.to_owned(),
            reply: reply.to_owned(),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(folder).map_err(write_error)?;
        let json = serde_json::to_vec(&entry).map_err(|e| write_error(e.into()))?;
        tmp.write_all(&json).map_err(write_error)?;
        tmp.as_file().sync_data().map_err(write_error)?;
        tmp.persist(&path).map_err(|e| write_error(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: &str) -> String {
        let settings = serde_json::json!({"temperature": 0, "seed": 1});
        CacheKey {
            model: "m",
            prompt_sha256: "ab",
            system: "s",
            user,
            settings: &settings,
        }
        .digest()
    }

    #[test]
    fn a_reply_round_trips_and_the_key_covers_the_prompt_text() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ReplyCache::new(dir.path().join("judge"));
        let (a, b) = (key("one"), key("two"));
        assert_ne!(a, b);
        assert_eq!(cache.get(&a), None);
        cache.put(&a, "m", "{\"x\": 1}\nwith \"quotes\"").unwrap();
        assert_eq!(
            cache.get(&a).as_deref(),
            Some("{\"x\": 1}\nwith \"quotes\"")
        );
        assert_eq!(cache.get(&b), None);
        // Rewriting the same key (a second run at once) leaves one whole entry.
        cache.put(&a, "m", "again").unwrap();
        assert_eq!(cache.get(&a).as_deref(), Some("again"));
        let files: Vec<_> = fs::read_dir(dir.path().join("judge").join(&a[..2]))
            .unwrap()
            .collect();
        assert_eq!(files.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_damaged_entry_counts_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ReplyCache::new(dir.path().to_path_buf());
        let a = key("one");
        cache.put(&a, "m", "r").unwrap();
        fs::write(cache.path(&a), b"{\"model\": \"m\", \"rep").unwrap();
        assert_eq!(cache.get(&a), None);
    }
}
