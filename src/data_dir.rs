//! Where the run-time files live (ONNX Runtime, the default embedding model,
//! WordNet), so a copied or installed binary finds them without the checkout
//! it was built from.
//!
//! A *data folder* holds them in one layout:
//! `lib/libonnxruntime.so`, `models/minilm-l6-v2/`, `wordnet/`, and for
//! `--device cuda` `cuda/` (ONNX Runtime's GPU build and the CUDA libraries).
//! `bash scripts/setup.sh --install DIR` fills one. The folders looked at, in
//! order: `$CUEBENCH_DATA`; the executable's own folder; `../share/cuebench`
//! beside it (the layout of `cargo install --root PREFIX`); the user's data folder
//! (`~/.local/share/cuebench` on Linux); then the set-up folders of the
//! checkout the binary was built from (`.setup/lib`, `models/`,
//! `.setup/wordnet`). Flags and the file's own environment variable
//! (`--ort-library`/`ORT_DYLIB_PATH`, `--model`, `--wordnet`/`CUEBENCH_WORDNET`)
//! come first.

use std::path::{Path, PathBuf};

/// Environment variable naming a data folder.
pub const DATA_ENV: &str = "CUEBENCH_DATA";

/// What to tell a user whose run-time files are missing.
pub const SETUP_HINT: &str = "run `bash scripts/setup.sh` in a cuebench checkout (with `--install DIR` \
     to fill a data folder), or point CUEBENCH_DATA at a data folder";

/// The checkout this binary was built from.
const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");

/// A run-time file (or folder) cuebench needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeFile {
    /// The ONNX Runtime shared library.
    OrtLibrary,
    /// The default embedding model's folder.
    Model,
    /// The WordNet 3.0 database folder (METEOR, Vad-Reasoning).
    WordNet,
    /// The folder of ONNX Runtime's GPU build and the CUDA libraries it
    /// needs (`scripts/setup.sh --cuda`, docs/scoring.md §15).
    Cuda,
}

/// The ONNX Runtime library's file name on this platform, e.g. `libonnxruntime.so`.
pub fn ort_library_file_name() -> String {
    format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

impl RuntimeFile {
    /// Where it sits inside a data folder.
    pub fn in_data_dir(self, dir: &Path) -> PathBuf {
        match self {
            RuntimeFile::OrtLibrary => dir.join("lib").join(ort_library_file_name()),
            RuntimeFile::Model => dir.join("models").join("minilm-l6-v2"),
            RuntimeFile::WordNet => dir.join("wordnet"),
            RuntimeFile::Cuda => dir.join("cuda"),
        }
    }

    /// Where `scripts/setup.sh` puts it in the checkout this binary was built from.
    pub fn in_checkout(self) -> PathBuf {
        let checkout = Path::new(CHECKOUT);
        match self {
            RuntimeFile::OrtLibrary => checkout
                .join(".setup")
                .join("lib")
                .join(ort_library_file_name()),
            RuntimeFile::Model => checkout.join("models").join("minilm-l6-v2"),
            RuntimeFile::WordNet => checkout.join(".setup").join("wordnet"),
            RuntimeFile::Cuda => checkout.join(".setup").join("cuda"),
        }
    }

    /// Whether `path` holds it: the library file, a model folder with its
    /// manifest, a WordNet folder with its noun index.
    fn is_present(self, path: &Path) -> bool {
        match self {
            RuntimeFile::OrtLibrary => path.is_file(),
            RuntimeFile::Model => path.join("manifest.json").is_file(),
            RuntimeFile::WordNet => path.join("index.noun").is_file(),
            RuntimeFile::Cuda => path.join("libonnxruntime_providers_cuda.so").is_file(),
        }
    }

    /// Every place looked at, in order: each data folder, then the checkout.
    pub fn candidates(self) -> Vec<PathBuf> {
        candidates_in(self, &data_dirs())
    }

    /// The first place that holds it, or every place looked at.
    pub fn locate(self) -> Result<PathBuf, Vec<PathBuf>> {
        first_present(self, self.candidates())
    }

    /// The first place that holds it, else the checkout's place (whose
    /// absence the caller then reports with its own message).
    pub fn locate_or_checkout(self) -> PathBuf {
        self.locate().unwrap_or_else(|_| self.in_checkout())
    }
}

/// The data folders, in order: `$CUEBENCH_DATA`, the executable's folder,
/// `<exe folder>/../share/cuebench`, `<user data dir>/cuebench`.
pub fn data_dirs() -> Vec<PathBuf> {
    let env = std::env::var_os(DATA_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let exe_dir = executable_dir();
    let share = exe_dir
        .as_deref()
        .and_then(Path::parent)
        .map(|prefix| prefix.join("share").join("cuebench"));
    let user = dirs::data_dir().map(|d| d.join("cuebench"));
    [env, exe_dir, share, user].into_iter().flatten().collect()
}

/// The folder holding the running executable.
pub fn executable_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
}

/// The places a file may be, for these data folders.
fn candidates_in(file: RuntimeFile, dirs: &[PathBuf]) -> Vec<PathBuf> {
    dirs.iter()
        .map(|dir| file.in_data_dir(dir))
        .chain([file.in_checkout()])
        .collect()
}

/// The first candidate holding `file`, or all of them.
fn first_present(file: RuntimeFile, candidates: Vec<PathBuf>) -> Result<PathBuf, Vec<PathBuf>> {
    match candidates.iter().find(|p| file.is_present(p)) {
        Some(found) => Ok(found.clone()),
        None => Err(candidates),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data folder holding `files`.
    fn data_dir(files: &[RuntimeFile]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = file.in_data_dir(dir.path());
            let marker = match file {
                RuntimeFile::OrtLibrary => path.clone(),
                RuntimeFile::Model => path.join("manifest.json"),
                RuntimeFile::WordNet => path.join("index.noun"),
                RuntimeFile::Cuda => path.join("libonnxruntime_providers_cuda.so"),
            };
            std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
            std::fs::write(&marker, "").unwrap();
        }
        dir
    }

    #[test]
    fn the_first_data_folder_holding_a_file_wins() {
        let first = data_dir(&[RuntimeFile::WordNet]);
        let second = data_dir(&[RuntimeFile::WordNet, RuntimeFile::Model]);
        let dirs = [first.path().to_owned(), second.path().to_owned()];
        let locate = |file| first_present(file, candidates_in(file, &dirs));
        assert_eq!(
            locate(RuntimeFile::WordNet).unwrap(),
            first.path().join("wordnet")
        );
        assert_eq!(
            locate(RuntimeFile::Model).unwrap(),
            second.path().join("models/minilm-l6-v2")
        );
    }

    #[test]
    fn the_checkout_comes_last_and_a_miss_lists_every_place() {
        let empty = data_dir(&[]);
        let candidates = candidates_in(RuntimeFile::OrtLibrary, &[empty.path().to_owned()]);
        assert_eq!(
            candidates,
            vec![
                empty.path().join("lib").join(ort_library_file_name()),
                Path::new(CHECKOUT)
                    .join(".setup/lib")
                    .join(ort_library_file_name()),
            ]
        );
        // A folder without the model's manifest does not count as the model.
        let model = RuntimeFile::Model.in_data_dir(empty.path());
        std::fs::create_dir_all(&model).unwrap();
        let looked = first_present(RuntimeFile::Model, vec![model.clone()]).unwrap_err();
        assert_eq!(looked, vec![model]);
    }
}
