//! The real encoder (docs/scoring.md §6) against reference vectors, plus the invariance
//! and error guarantees of the embedding stack, through the library API.
//!
//! Needs `scripts/setup.sh` to have fetched ONNX Runtime and the default
//! model; without them every test here fails with the set-up hint.
//!
//! `tests/fixtures/embedding/reference.json` was made once by
//! `tests/fixtures/embedding/make_reference.py` (Python onnxruntime 1.31.1 and
//! tokenizers 0.23.3 on the same `model.onnx` and `tokenizer.json`, one phrase
//! per run, mean pooling over the attention mask, L2 normalisation); the
//! script's docstring has the exact commands.

use std::path::{Path, PathBuf};

use cuebench::Error;
use cuebench::embedding::{
    DEFAULT_MODEL_DIR, EmbedOptions, Embedder, Vectors, embed_texts, load_embedder,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    model_sha256: String,
    phrases: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

fn reference() -> Reference {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/embedding/reference.json");
    let text = std::fs::read_to_string(path).expect("reference.json");
    serde_json::from_str(&text).expect("reference.json parses")
}

fn options(batch_size: usize, threads: Option<usize>) -> EmbedOptions {
    EmbedOptions {
        batch_size,
        threads,
        no_cache: true,
        quiet: true,
        ..EmbedOptions::default()
    }
}

fn load(opts: &EmbedOptions) -> Box<dyn Embedder> {
    load_embedder(opts).unwrap_or_else(|e| panic!("cannot load the default model: {e}"))
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The largest component difference between two runs over `texts`.
fn max_diff_between(texts: &[String], a: &Vectors, b: &Vectors) -> f32 {
    texts
        .iter()
        .map(|t| max_abs_diff(a.get(t).unwrap(), b.get(t).unwrap()))
        .fold(0.0, f32::max)
}

#[test]
fn matches_python_onnxruntime_reference() {
    let reference = reference();
    let opts = options(32, None);
    let mut embedder = load(&opts);
    assert_eq!(embedder.id().sha256, reference.model_sha256);
    assert_eq!(embedder.id().name, "minilm-l6-v2");
    let vectors = embed_texts(embedder.as_mut(), &reference.phrases, &opts).unwrap();
    assert_eq!(reference.phrases.len(), 20);
    for (phrase, want) in reference.phrases.iter().zip(&reference.vectors) {
        let got = vectors.get(phrase).unwrap();
        assert_eq!(got.len(), 384);
        let diff = max_abs_diff(got, want);
        assert!(diff <= 1e-5, "{phrase:?}: max component difference {diff}");
    }
}

#[test]
fn related_phrases_are_closer() {
    let opts = options(8, None);
    let mut embedder = load(&opts);
    let v = embedder
        .embed(&["rock climbing", "climbing a cliff", "baking bread"])
        .unwrap();
    let (related, unrelated) = (dot(&v[0], &v[1]), dot(&v[0], &v[2]));
    assert!(related > unrelated, "{related} <= {unrelated}");
}

#[test]
fn batch_size_does_not_change_vectors() {
    let texts = reference().phrases;
    let mut embedder = load(&options(1, None));
    let one = embed_texts(embedder.as_mut(), &texts, &options(1, None)).unwrap();
    let many = embed_texts(embedder.as_mut(), &texts, &options(64, None)).unwrap();
    let diff = max_diff_between(&texts, &one, &many);
    assert!(diff <= 1e-6, "batch 1 vs 64: {diff}");
}

#[test]
fn thread_count_does_not_change_vectors() {
    let texts = reference().phrases;
    let (one_opts, two_opts) = (options(16, Some(1)), options(16, Some(2)));
    let one = embed_texts(load(&one_opts).as_mut(), &texts, &one_opts).unwrap();
    let two = embed_texts(load(&two_opts).as_mut(), &texts, &two_opts).unwrap();
    let diff = max_diff_between(&texts, &one, &two);
    assert!(diff <= 1e-6, "threads 1 vs 2: {diff}");
}

#[test]
fn warm_cache_gives_the_cold_vectors() {
    let texts = reference().phrases;
    let cache = tempfile::tempdir().unwrap();
    let opts = EmbedOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        no_cache: false,
        ..options(8, None)
    };
    let mut embedder = load(&opts);
    let cold = embed_texts(embedder.as_mut(), &texts, &opts).unwrap();
    let warm = embed_texts(embedder.as_mut(), &texts, &opts).unwrap();
    // Bit-for-bit, not merely within 1e-6.
    assert_eq!(max_diff_between(&texts, &cold, &warm), 0.0);
    let files: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "one cache file per model");
}

/// A model directory in a temporary folder whose manifest is the default one
/// with `edit` applied; file names are made absolute so nothing is copied.
fn edited_model_dir(edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::TempDir {
    let default = PathBuf::from(DEFAULT_MODEL_DIR);
    let text = std::fs::read_to_string(default.join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in ["model_file", "tokenizer_file"] {
        let name = manifest[key].as_str().unwrap().to_owned();
        manifest[key] = default.join(name).display().to_string().into();
    }
    edit(&mut manifest);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
    dir
}

/// The one-line message of the `Error::Model` that loading `opts` gives.
fn model_error(opts: &EmbedOptions) -> String {
    match load_embedder(opts) {
        Err(Error::Model(m)) => {
            assert!(!m.contains('\n'), "not one line: {m}");
            m
        }
        Err(other) => panic!("expected Error::Model, got {other}"),
        Ok(_) => panic!("expected Error::Model, got an embedder"),
    }
}

fn with_model_dir(dir: &Path) -> EmbedOptions {
    EmbedOptions {
        model_dir: Some(dir.to_path_buf()),
        ..options(8, None)
    }
}

#[test]
fn wrong_sha256_is_refused() {
    let dir = edited_model_dir(|m| m["sha256"] = "00".repeat(32).into());
    let m = model_error(&with_model_dir(dir.path()));
    assert!(
        m.contains("sha256") && m.contains("scripts/setup.sh"),
        "{m}"
    );
}

#[test]
fn missing_model_file_names_setup() {
    let dir = edited_model_dir(|m| m["model_file"] = "absent.onnx".into());
    let m = model_error(&with_model_dir(dir.path()));
    assert!(
        m.contains("model file missing") && m.contains("scripts/setup.sh"),
        "{m}"
    );
}

#[test]
fn corrupt_model_file_is_a_model_error() {
    // A file whose sha256 the manifest agrees with, but which is not ONNX.
    let junk = b"this is not an onnx model";
    let dir = edited_model_dir(|m| {
        m["model_file"] = "junk.onnx".into();
        m["sha256"] = sha256_hex(junk).into();
    });
    std::fs::write(dir.path().join("junk.onnx"), junk).unwrap();
    let m = model_error(&with_model_dir(dir.path()));
    assert!(m.contains("cannot load the model"), "{m}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

#[test]
fn missing_library_is_a_model_error() {
    let opts = EmbedOptions {
        ort_library: Some(PathBuf::from("/nonexistent/libonnxruntime.so")),
        ..options(8, None)
    };
    let m = model_error(&opts);
    assert!(
        m.contains("--ort-library") && m.contains("does not exist"),
        "{m}"
    );
}

#[test]
#[cfg(not(feature = "cuda"))]
fn cuda_without_the_feature_says_why() {
    let opts = EmbedOptions {
        device: cuebench::embedding::Device::Cuda(0),
        ..options(8, None)
    };
    let m = model_error(&opts);
    assert!(m.contains("--features cuda"), "{m}");
}
