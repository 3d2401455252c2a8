//! `--device cuda[:N]` (docs/scoring.md §15): checks the NVIDIA driver and the
//! GPU, finds ONNX Runtime's GPU build and the CUDA libraries that
//! `scripts/setup.sh --cuda` put in a data folder's `cuda/`, and loads those
//! libraries by full path, so that the CUDA execution provider finds them
//! with no `LD_LIBRARY_PATH` set by hand. Every missing piece is an input
//! error naming it; nothing falls back to the CPU.

use std::path::{Path, PathBuf};

use crate::data_dir::RuntimeFile;
use crate::{Error, Result};

/// ONNX Runtime's GPU build, as `scripts/setup.sh --cuda` names its files.
pub(crate) const ORT_GPU_FILES: [&str; 3] = [
    "libonnxruntime.so",
    "libonnxruntime_providers_shared.so",
    "libonnxruntime_providers_cuda.so",
];

/// The CUDA 13 and cuDNN 9 libraries the CUDA execution provider links,
/// in load order (each after what it needs).
pub(crate) const CUDA_LIBRARIES: [&str; 14] = [
    "libcudart.so.13",
    "libcublasLt.so.13",
    "libcublas.so.13",
    "libnvrtc.so.13",
    "libcurand.so.10",
    "libcufft.so.12",
    "libcudnn.so.9",
    "libcudnn_graph.so.9",
    "libcudnn_ops.so.9",
    "libcudnn_heuristic.so.9",
    "libcudnn_adv.so.9",
    "libcudnn_cnn.so.9",
    "libcudnn_engines_precompiled.so.9",
    "libcudnn_engines_runtime_compiled.so.9",
];

/// The oldest CUDA the driver must support (`cuDriverGetVersion`: 1000 x
/// major + 10 x minor): onnxruntime-gpu 1.31.1 is built for CUDA 13.
const MIN_DRIVER_CUDA: i32 = 13000;

/// What to tell a user whose GPU files are missing.
const CUDA_SETUP_HINT: &str = "run `bash scripts/setup.sh --cuda` in a cuebench checkout \
     (with `--install DIR` to fill a data folder), or point CUEBENCH_DATA at a data folder \
     that has `cuda/`";

/// What the driver said when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DriverProbe {
    /// `libcuda.so.1` could not be loaded (why).
    NoDriver(String),
    /// `cuInit` failed with this CUDA error code (100: no device).
    InitFailed(i32),
    /// The driver runs: the CUDA version it supports and its GPU count.
    Ready {
        /// `cuDriverGetVersion`, e.g. 13000 for CUDA 13.0.
        version: i32,
        /// `cuDeviceGetCount`.
        devices: i32,
    },
}

/// Asks the NVIDIA driver (`libcuda.so.1`) for its CUDA version and GPU count.
pub(crate) fn probe_driver() -> DriverProbe {
    type Init = unsafe extern "C" fn(u32) -> i32;
    type GetInt = unsafe extern "C" fn(*mut i32) -> i32;
    // SAFETY: libcuda's initialiser has no preconditions; the symbols are
    // the driver API's stable C functions with these signatures.
    unsafe {
        let lib = match libloading::Library::new("libcuda.so.1") {
            Ok(lib) => lib,
            Err(e) => return DriverProbe::NoDriver(e.to_string()),
        };
        let symbols = (
            lib.get::<Init>(b"cuInit\0"),
            lib.get::<GetInt>(b"cuDriverGetVersion\0"),
            lib.get::<GetInt>(b"cuDeviceGetCount\0"),
        );
        let (Ok(init), Ok(version_of), Ok(count_of)) = symbols else {
            return DriverProbe::NoDriver("libcuda.so.1 lacks the CUDA driver API".into());
        };
        let code = init(0);
        if code != 0 {
            return DriverProbe::InitFailed(code);
        }
        let (mut version, mut devices) = (0, 0);
        version_of(&mut version);
        count_of(&mut devices);
        // The driver stays loaded: ONNX Runtime uses it next.
        std::mem::forget(lib);
        DriverProbe::Ready { version, devices }
    }
}

/// Turns what the driver said into an error naming what is missing for GPU
/// `gpu`, or `Ok`.
pub(crate) fn check_driver(probe: &DriverProbe, gpu: usize) -> Result<()> {
    let device = format!("--device cuda:{gpu}");
    let message = match probe {
        DriverProbe::NoDriver(why) => format!(
            "{device}: no NVIDIA driver: libcuda.so.1 cannot be loaded ({why}); install the \
             NVIDIA driver (580 or newer, for CUDA 13)"
        ),
        DriverProbe::InitFailed(100) => {
            format!("{device}: no GPU: the NVIDIA driver is installed but finds no device")
        }
        DriverProbe::InitFailed(code) => {
            format!("{device}: the NVIDIA driver did not start (cuInit error {code})")
        }
        DriverProbe::Ready { version, .. } if *version < MIN_DRIVER_CUDA => format!(
            "{device}: wrong CUDA: the NVIDIA driver supports CUDA {}.{}, onnxruntime-gpu 1.31.1 \
             needs CUDA 13 (driver 580 or newer)",
            version / 1000,
            version % 1000 / 10
        ),
        DriverProbe::Ready { devices, .. } if usize::try_from(*devices).unwrap_or(0) <= gpu => {
            format!("{device}: no GPU {gpu}: the NVIDIA driver sees {devices} GPU(s)")
        }
        DriverProbe::Ready { .. } => return Ok(()),
    };
    Err(Error::Model(message))
}

/// The files of `dir` that the GPU build needs and that are not there.
pub(crate) fn missing_files(dir: &Path) -> Vec<&'static str> {
    ORT_GPU_FILES
        .iter()
        .chain(CUDA_LIBRARIES.iter())
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect()
}

/// The first complete `cuda/` folder among `candidates`; if none is
/// complete, an error naming the missing files of the first that exists.
pub(crate) fn locate_in(candidates: &[PathBuf]) -> Result<PathBuf> {
    if let Some(found) = candidates.iter().find(|d| missing_files(d).is_empty()) {
        return Ok(found.clone());
    }
    let message = match candidates.iter().find(|d| d.is_dir()) {
        Some(dir) => format!(
            "--device cuda: {} lacks {}; {CUDA_SETUP_HINT}",
            dir.display(),
            missing_files(dir).join(", ")
        ),
        None => {
            let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            format!(
                "--device cuda: ONNX Runtime's GPU build and the CUDA libraries are not set up \
                 (no {}); {CUDA_SETUP_HINT}",
                looked.join(" or ")
            )
        }
    };
    Err(Error::Model(message))
}

/// Loads every CUDA library of `dir` by full path, in [`CUDA_LIBRARIES`]
/// order, then any other `libcudnn*`/`libnvrtc*` file there (cuDNN and NVRTC
/// open their parts by name at run time). Loaded libraries stay loaded.
pub(crate) fn preload(dir: &Path) -> Result<()> {
    for name in CUDA_LIBRARIES {
        load(&dir.join(name))?;
    }
    let mut extras: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name.starts_with("libcudnn") || name.starts_with("libnvrtc-builtins"))
                && !CUDA_LIBRARIES.contains(&name)
        })
        .collect();
    extras.sort();
    for path in extras {
        load(&path)?;
    }
    Ok(())
}

fn load(path: &Path) -> Result<()> {
    // SAFETY: loading a CUDA library runs only its own initialisers.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
        Error::Model(format!(
            "--device cuda: cannot load {}: {e}; {CUDA_SETUP_HINT}",
            path.display()
        ))
    })?;
    std::mem::forget(lib);
    Ok(())
}

/// The data folder's `cuda/` for GPU `gpu`, once the driver sees that GPU:
/// everything `--device cuda` needs short of loading a library. The lazy
/// encoder asks this up front, so a run whose vectors are all cached fails
/// on a machine without a GPU exactly as a cold run does (docs/scoring.md §15).
pub(crate) fn ready_dir(gpu: usize) -> Result<PathBuf> {
    check_driver(&probe_driver(), gpu)?;
    locate_in(&RuntimeFile::Cuda.candidates())
}

/// Everything `--device cuda:N` needs before ONNX Runtime starts: a working
/// driver that sees GPU `gpu`, a complete `cuda/` folder (the data folders,
/// then the checkout's `.setup/cuda`), its libraries loaded. Returns that
/// folder's ONNX Runtime library.
pub(crate) fn prepare(gpu: usize) -> Result<PathBuf> {
    let dir = ready_dir(gpu)?;
    preload(&dir)?;
    Ok(dir.join(ORT_GPU_FILES[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(r: Result<()>) -> String {
        match r {
            Err(Error::Model(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_driver_failure_names_what_is_missing() {
        let no_driver =
            DriverProbe::NoDriver("libcuda.so.1: cannot open shared object file".into());
        assert!(error(check_driver(&no_driver, 0)).contains("no NVIDIA driver"));
        assert!(error(check_driver(&DriverProbe::InitFailed(100), 0)).contains("no GPU"));
        assert!(error(check_driver(&DriverProbe::InitFailed(3), 0)).contains("cuInit error 3"));
        let old = DriverProbe::Ready {
            version: 12040,
            devices: 1,
        };
        let message = error(check_driver(&old, 0));
        assert!(
            message.contains("wrong CUDA") && message.contains("CUDA 12.4"),
            "{message}"
        );
        let one = DriverProbe::Ready {
            version: 13000,
            devices: 1,
        };
        assert!(check_driver(&one, 0).is_ok());
        assert!(error(check_driver(&one, 1)).contains("no GPU 1: the NVIDIA driver sees 1 GPU(s)"));
    }

    /// This machine's real driver probe: without a GPU it is an error that
    /// names the driver; with one it passes for GPU 0.
    #[test]
    fn the_real_probe_answers() {
        let probe = probe_driver();
        let result = check_driver(&probe, 0);
        match probe {
            DriverProbe::Ready { version, devices }
                if version >= MIN_DRIVER_CUDA && devices > 0 =>
            {
                assert!(result.is_ok())
            }
            _ => assert!(error(result).starts_with("--device cuda:0: "), "{probe:?}"),
        }
    }

    #[test]
    fn a_partial_folder_names_its_missing_files() {
        let empty = tempfile::tempdir().unwrap();
        let absent = empty.path().join("nowhere");
        let message = error(locate_in(std::slice::from_ref(&absent)).map(|_| ()));
        assert!(
            message.contains("not set up") && message.contains("setup.sh --cuda"),
            "{message}"
        );
        let partial = tempfile::tempdir().unwrap();
        for f in ORT_GPU_FILES.iter().chain(&CUDA_LIBRARIES[..2]) {
            std::fs::write(partial.path().join(f), "").unwrap();
        }
        let dirs = [absent, partial.path().to_owned()];
        let message = error(locate_in(&dirs).map(|_| ()));
        assert!(
            message.contains("lacks libcublas.so.13, libnvrtc.so.13")
                && !message.contains("libcudart"),
            "{message}"
        );
        for f in &CUDA_LIBRARIES[2..] {
            std::fs::write(partial.path().join(f), "").unwrap();
        }
        assert_eq!(locate_in(&dirs).unwrap(), partial.path());
    }

    #[test]
    fn a_library_that_does_not_load_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CUDA_LIBRARIES[0]), "not a library").unwrap();
        let message = error(preload(dir.path()));
        assert!(
            message.contains("cannot load") && message.contains("libcudart.so.13"),
            "{message}"
        );
    }
}
