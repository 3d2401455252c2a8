//! ONNX Runtime library failures (docs/scoring.md §6). ONNX Runtime is loaded at most
//! once per process, so these checks live in their own test binary, in one
//! test, in a fixed order: a bad library first, while nothing is loaded yet.
//!
//! Needs `scripts/setup.sh` (the real library and model) for the last steps.

use std::path::Path;

use cuebench::Error;
use cuebench::embedding::{EmbedOptions, load_embedder};

fn options(library: Option<&Path>) -> EmbedOptions {
    EmbedOptions {
        ort_library: library.map(Path::to_path_buf),
        no_cache: true,
        quiet: true,
        ..EmbedOptions::default()
    }
}

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

#[test]
fn bad_library_then_good_library_then_no_second_library() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("libonnxruntime.so");
    std::fs::write(&bogus, "not a shared library").unwrap();

    // A file that is not a loadable library: a clean error, no panic.
    let m = model_error(&options(Some(&bogus)));
    assert!(m.starts_with("cannot load ONNX Runtime from"), "{m}");

    // The failed attempt left nothing behind: the real library still loads.
    let embedder = load_embedder(&options(None));
    assert!(
        embedder.is_ok(),
        "{:?}",
        embedder.err().map(|e| e.to_string())
    );

    // Once loaded, another library cannot replace it in this process.
    let m = model_error(&options(Some(&bogus)));
    assert!(m.contains("already loaded"), "{m}");
}
