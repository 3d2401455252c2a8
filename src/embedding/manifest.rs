//! The model directory (docs/scoring.md §6): `manifest.json` says which files make the
//! model, how to pool, and the model file's sha256, which is checked before
//! the file is used and which names the model in signatures and the cache.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::pooling::Pooling;
use super::{ModelId, VectorSettings};
use crate::data_dir::{RuntimeFile, SETUP_HINT};
use crate::provenance::sha256_file;
use crate::{Error, Result};

/// The manifest's file name inside a model directory.
const MANIFEST: &str = "manifest.json";

/// What `manifest.json` holds. Informational keys (sources, licence) are
/// allowed and ignored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    /// Short model name for signatures, e.g. `minilm-l6-v2`.
    pub name: String,
    /// The ONNX file, relative to the directory.
    pub model_file: String,
    /// The Hugging Face `tokenizer.json`, relative to the directory.
    pub tokenizer_file: String,
    /// The graph output holding token states `[batch, seq, dim]`.
    #[serde(default = "default_output")]
    pub output: String,
    /// How token states become one vector.
    pub pooling: Pooling,
    /// Whether to L2-normalise the pooled vector.
    #[serde(alias = "normalise")]
    pub normalize: bool,
    /// Truncation length in tokens.
    pub max_length: usize,
    /// Expected vector length, checked against the model's output if given.
    #[serde(default)]
    pub dimension: Option<usize>,
    /// sha256 of the model file, lower-case hex.
    pub sha256: String,
    /// sha256 of the tokenizer file, checked if given.
    #[serde(default)]
    pub tokenizer_sha256: Option<String>,
}

fn default_output() -> String {
    "last_hidden_state".into()
}

/// A model directory whose manifest was read and whose files were verified.
#[derive(Debug, Clone)]
pub(crate) struct ModelFiles {
    pub manifest: Manifest,
    pub model: PathBuf,
    pub tokenizer: PathBuf,
    pub id: ModelId,
    /// Names this model's vector cache: every input that shapes a vector.
    pub cache_key: String,
}

/// The model directory to use: the one given (`--model`, `CUEBENCH_MODEL` or
/// `cuebench.toml`, found by `crate::config`), else the first data folder
/// holding `models/minilm-l6-v2`, else the checkout's.
pub(crate) fn resolve_model_dir(given: Option<&Path>) -> PathBuf {
    given.map_or_else(
        || RuntimeFile::Model.locate_or_checkout(),
        Path::to_path_buf,
    )
}

/// Reads `dir/manifest.json` and verifies the files it names (sha256).
pub(crate) fn load_model_files(dir: &Path) -> Result<ModelFiles> {
    let manifest = read_manifest(dir)?;
    if manifest.max_length == 0 {
        return Err(Error::Model(format!(
            "{}: max_length must be at least 1",
            dir.join(MANIFEST).display()
        )));
    }
    let model = dir.join(&manifest.model_file);
    let tokenizer = dir.join(&manifest.tokenizer_file);
    let sha256 = verify_sha256(&model, "model", Some(&manifest.sha256))?;
    let tokenizer_sha256 = verify_sha256(
        &tokenizer,
        "tokenizer",
        manifest.tokenizer_sha256.as_deref(),
    )?;
    let cache_key = cache_key(&manifest, &sha256, &tokenizer_sha256);
    let id = model_id(&manifest, sha256);
    Ok(ModelFiles {
        manifest,
        model,
        tokenizer,
        id,
        cache_key,
    })
}

/// The model's identity for signatures: name, file hash and the settings
/// that change vectors.
pub(crate) fn model_id(manifest: &Manifest, sha256: String) -> ModelId {
    ModelId {
        name: manifest.name.clone(),
        sha256,
        vectors: Some(VectorSettings {
            pooling: manifest.pooling.name().to_owned(),
            max_length: manifest.max_length,
            normalize: manifest.normalize,
        }),
    }
}

/// sha256 over the model file's sha256 and everything else that shapes a
/// vector (tokenizer, pooling, normalisation, max length, output), so vectors
/// made under other settings are never reused.
fn cache_key(manifest: &Manifest, model_sha256: &str, tokenizer_sha256: &str) -> String {
    let inputs = format!(
        "{model_sha256}\n{tokenizer_sha256}\n{:?}\n{}\n{}\n{}",
        manifest.pooling, manifest.normalize, manifest.max_length, manifest.output
    );
    format!("{:x}", Sha256::digest(inputs.as_bytes()))
}

pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::Model(format!(
            "{}: not a model directory (no {MANIFEST}); pass --model DIR or {SETUP_HINT}",
            dir.display()
        )),
        _ => Error::Model(format!("{}: cannot read: {e}", path.display())),
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Model(format!("{}: invalid manifest: {e}", path.display())))
}

/// Hashes `path` and compares with `expected` (if any); returns the hash.
fn verify_sha256(path: &Path, what: &str, expected: Option<&str>) -> Result<String> {
    let actual = sha256_file(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::Model(format!(
            "{}: {what} file missing; {SETUP_HINT}",
            path.display()
        )),
        _ => Error::Model(format!("{}: cannot read {what} file: {e}", path.display())),
    })?;
    match expected {
        Some(want) if !want.eq_ignore_ascii_case(&actual) => Err(Error::Model(format!(
            "{}: sha256 is {actual} but the manifest says {want}: the {what} file is damaged or not the one \
             the manifest names; {SETUP_HINT} or fix the manifest",
            path.display()
        ))),
        _ => Ok(actual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOY_MANIFEST: &str = r#"{"name": "toy", "model_file": "m.onnx", "tokenizer_file": "t.json",
        "pooling": "mean", "normalise": true, "max_length": 8, "licence": "ignored",
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}"#;

    /// A model directory with the files `m.onnx` = "hello" (whose sha256 the
    /// manifest above holds) and `t.json`.
    fn toy_dir(manifest: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), manifest).unwrap();
        std::fs::write(dir.path().join("m.onnx"), "hello").unwrap();
        std::fs::write(dir.path().join("t.json"), "{}").unwrap();
        dir
    }

    fn model_error(dir: &Path) -> String {
        match load_model_files(dir) {
            Err(Error::Model(m)) => m,
            other => panic!("expected a model error, got {other:?}"),
        }
    }

    #[test]
    fn reads_and_verifies_a_model_directory() {
        let dir = toy_dir(TOY_MANIFEST);
        let files = load_model_files(dir.path()).unwrap();
        assert_eq!(files.id.name, "toy");
        assert_eq!(files.manifest.output, "last_hidden_state");
        assert_eq!(files.manifest.pooling, Pooling::Mean);
        assert!(files.manifest.normalize);
        assert_eq!(files.model, dir.path().join("m.onnx"));
    }

    #[test]
    fn cache_key_changes_with_every_vector_setting() {
        let key = |manifest: &str| {
            load_model_files(toy_dir(manifest).path())
                .unwrap()
                .cache_key
        };
        let base = key(TOY_MANIFEST);
        assert_eq!(base, key(TOY_MANIFEST), "deterministic");
        for (from, to) in [
            ("\"mean\"", "\"cls\""),
            ("\"normalise\": true", "\"normalise\": false"),
            ("\"max_length\": 8", "\"max_length\": 9"),
            ("\"name\": \"toy\"", "\"output\": \"x\", \"name\": \"toy\""),
        ] {
            assert_ne!(base, key(&TOY_MANIFEST.replace(from, to)), "{to}");
        }
    }

    #[test]
    fn wrong_sha256_is_one_line_model_error() {
        let dir = toy_dir(TOY_MANIFEST);
        std::fs::write(dir.path().join("m.onnx"), "hellO").unwrap();
        let m = model_error(dir.path());
        assert!(
            m.contains("sha256") && m.contains("scripts/setup.sh") && !m.contains('\n'),
            "{m}"
        );
    }

    #[test]
    fn missing_files_and_manifest_are_model_errors() {
        let dir = toy_dir(TOY_MANIFEST);
        std::fs::remove_file(dir.path().join("m.onnx")).unwrap();
        assert!(model_error(dir.path()).contains("model file missing"));
        let dir = toy_dir(TOY_MANIFEST);
        std::fs::remove_file(dir.path().join("t.json")).unwrap();
        assert!(model_error(dir.path()).contains("tokenizer file missing"));
        let empty = tempfile::tempdir().unwrap();
        assert!(model_error(empty.path()).contains("not a model directory"));
    }

    #[test]
    fn malformed_manifest_is_model_error() {
        let dir = toy_dir(r#"{"name": "toy"}"#);
        assert!(model_error(dir.path()).contains("invalid manifest"));
        let zero = TOY_MANIFEST.replace("\"max_length\": 8", "\"max_length\": 0");
        assert!(model_error(toy_dir(&zero).path()).contains("max_length"));
    }

    #[test]
    fn flag_wins_over_defaults() {
        assert_eq!(
            resolve_model_dir(Some(Path::new("/x"))),
            PathBuf::from("/x")
        );
    }

    #[test]
    fn committed_manifest_parses() {
        let m = read_manifest(Path::new(super::super::DEFAULT_MODEL_DIR)).unwrap();
        assert_eq!(
            (m.name.as_str(), m.max_length, m.dimension),
            ("minilm-l6-v2", 256, Some(384))
        );
    }
}
