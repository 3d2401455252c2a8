//! ONNX Runtime itself: finding its shared library, loading it once per
//! process, and opening sessions on the requested device (docs/scoring.md §6).
//!
//! `ort` is built with `load-dynamic`: the library is `dlopen`ed at run time.
//! Its own fallback lookup panics when nothing is found, so the path is always
//! resolved here first and handed to `ort::init_from`.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::SessionBuilder;

use super::{Device, EmbedOptions};
use crate::data_dir::{RuntimeFile, SETUP_HINT, executable_dir, ort_library_file_name};
use crate::{Error, Result};

/// The ONNX Runtime library to load: `--ort-library`, then `ORT_DYLIB_PATH`,
/// then next to the executable, then the data folders (`crate::data_dir`).
pub(crate) fn resolve_library(flag: Option<&Path>) -> Result<PathBuf> {
    let beside_exe = executable_dir().map(|d| d.join(ort_library_file_name()));
    let candidates: Vec<PathBuf> = beside_exe
        .into_iter()
        .chain(RuntimeFile::OrtLibrary.candidates())
        .collect();
    resolve_library_from(flag, std::env::var_os("ORT_DYLIB_PATH"), &candidates)
}

/// The ONNX Runtime library for `opts.device`: on the CPU, [`resolve_library`];
/// for `--device cuda:N`, after checking the driver and the GPU and loading
/// the CUDA libraries of the data folder's `cuda/`, that folder's GPU build
/// (unless `--ort-library` or `ORT_DYLIB_PATH` names one).
pub(crate) fn library_for(opts: &EmbedOptions) -> Result<PathBuf> {
    check_device_supported(opts.device)?;
    match opts.device {
        Device::Cpu => resolve_library(opts.ort_library.as_deref()),
        Device::Cuda(gpu) => {
            let gpu_build = super::cuda::prepare(gpu)?;
            let named = opts.ort_library.is_some()
                || std::env::var_os("ORT_DYLIB_PATH").is_some_and(|p| !p.is_empty());
            if named {
                resolve_library(opts.ort_library.as_deref())
            } else {
                Ok(gpu_build)
            }
        }
    }
}

/// [`resolve_library`] over explicit inputs. An explicit path (flag or
/// variable) that does not exist is an error, not a reason to look further:
/// the user asked for that file.
fn resolve_library_from(
    flag: Option<&Path>,
    env: Option<OsString>,
    candidates: &[PathBuf],
) -> Result<PathBuf> {
    if let Some(path) = flag {
        return existing(path.to_path_buf(), "--ort-library");
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return existing(path.into(), "ORT_DYLIB_PATH");
    }
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        Error::Model(format!(
            "ONNX Runtime library not found (no --ort-library, no ORT_DYLIB_PATH, none at {}); {SETUP_HINT}",
            looked.join(" or ")
        ))
    })
}

fn existing(path: PathBuf, source: &str) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Model(format!(
            "{source}: ONNX Runtime library {} does not exist",
            path.display()
        )))
    }
}

/// The process's one ONNX Runtime environment and the library it came from.
static RUNTIME: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

/// Loads the library at `library` (once per process) and returns the
/// environment. Asking for a different library later is an error: ONNX
/// Runtime cannot be unloaded or loaded twice.
pub(crate) fn environment(library: &Path) -> Result<Environment> {
    let mut slot = RUNTIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let wanted = std::fs::canonicalize(library).unwrap_or_else(|_| library.to_path_buf());
    if let Some((loaded, env)) = slot.as_ref() {
        if *loaded == wanted {
            return Ok(env.clone());
        }
        return Err(Error::Model(format!(
            "ONNX Runtime is already loaded from {}; cannot also load {} in the same process",
            loaded.display(),
            wanted.display()
        )));
    }
    let env = ort::init_from(&wanted)
        .map_err(|e| {
            model_error(
                format!("cannot load ONNX Runtime from {}", wanted.display()),
                format!("{e} (cuebench needs ONNX Runtime 1.24 or newer; {SETUP_HINT})"),
            )
        })?
        .with_name("cuebench")
        .with_telemetry(false)
        .build()
        .map_err(|e| model_error("cannot start ONNX Runtime", e))?;
    *slot = Some((wanted, env.clone()));
    Ok(env)
}

/// A session builder on `device` with `threads` intra-op threads.
pub(crate) fn session_builder(
    env: &Environment,
    device: Device,
    threads: Option<usize>,
) -> Result<SessionBuilder> {
    let builder = Session::builder(env)
        .map_err(|e| model_error("cannot create an ONNX Runtime session", e))?;
    let builder = match threads {
        Some(n) => builder
            .with_intra_threads(n)
            .map_err(|e| model_error("cannot set --threads", e))?,
        None => builder,
    };
    register_device(builder, device)
}

/// Opens `model` on `device` with `threads` intra-op threads.
pub(crate) fn open_session(
    env: &Environment,
    model: &Path,
    device: Device,
    threads: Option<usize>,
) -> Result<Session> {
    let mut builder = session_builder(env, device, threads)?;
    builder.commit_from_file(model).map_err(|e| {
        let context = match device {
            Device::Cpu => format!("{}: cannot load the model", model.display()),
            Device::Cuda(_) => format!("{}: cannot load the model on {device}", model.display()),
        };
        model_error(context, e)
    })
}

/// Fails early, before any library is loaded, when the device cannot work in
/// this build.
pub(crate) fn check_device_supported(device: Device) -> Result<()> {
    match device {
        Device::Cuda(_) if !cfg!(feature = "cuda") => Err(Error::Model(format!(
            "--device {device}: this cuebench was built without CUDA support; rebuild with \
             `cargo build --release --features cuda` (and use the onnxruntime-gpu library)"
        ))),
        _ => Ok(()),
    }
}

#[cfg(feature = "cuda")]
fn register_device(builder: SessionBuilder, device: Device) -> Result<SessionBuilder> {
    let Device::Cuda(n) = device else {
        return Ok(builder);
    };
    let id = i32::try_from(n)
        .map_err(|_| Error::Usage(format!("--device {device}: no such GPU number")))?;
    // error_on_failure: never fall back to the CPU silently. TF32 off: fp32
    // products as on the CPU (with TF32, per-sample cosines moved by up to
    // 2.7e-4 on an H200; without, 3.4e-7: docs/scoring.md §15's 1e-4 holds).
    let cuda = ort::ep::CUDA::default()
        .with_device_id(id)
        .with_tf32(false)
        .build()
        .error_on_failure();
    builder.with_execution_providers([cuda]).map_err(|e| {
        model_error(
            format!(
                "--device {device}: the CUDA execution provider did not start (it needs onnxruntime-gpu \
                 1.31.1 with CUDA 13 and cuDNN 9: `bash scripts/setup.sh --cuda`)"
            ),
            e,
        )
    })
}

#[cfg(not(feature = "cuda"))]
fn register_device(builder: SessionBuilder, device: Device) -> Result<SessionBuilder> {
    check_device_supported(device).map(|()| builder)
}

/// An [`Error::Model`] of one line: `context: cause`.
pub(crate) fn model_error(context: impl Display, cause: impl Display) -> Error {
    let cause = cause.to_string();
    let cause: Vec<&str> = cause
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Error::Model(format!("{context}: {}", cause.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_paths_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib.so");
        std::fs::write(&lib, "").unwrap();
        assert_eq!(resolve_library_from(Some(&lib), None, &[]).unwrap(), lib);
        let missing = dir.path().join("nope.so");
        let flag = resolve_library_from(Some(&missing), Some(lib.clone().into()), &[]);
        assert!(matches!(flag, Err(Error::Model(m)) if m.starts_with("--ort-library")));
        let env = resolve_library_from(None, Some(missing.into()), &[]);
        assert!(matches!(env, Err(Error::Model(m)) if m.starts_with("ORT_DYLIB_PATH")));
        assert_eq!(
            resolve_library_from(None, Some(lib.clone().into()), &[]).unwrap(),
            lib
        );
    }

    #[test]
    fn the_first_existing_candidate_wins() {
        let exe = tempfile::tempdir().unwrap();
        let setup = tempfile::tempdir().unwrap();
        let beside = exe.path().join(ort_library_file_name());
        let in_setup = setup.path().join(ort_library_file_name());
        std::fs::write(&in_setup, "").unwrap();
        let candidates = [beside.clone(), in_setup.clone()];
        let found = resolve_library_from(None, Some(OsString::new()), &candidates);
        assert_eq!(found.unwrap(), in_setup);
        std::fs::write(&beside, "").unwrap();
        assert_eq!(
            resolve_library_from(None, None, &candidates).unwrap(),
            beside
        );
    }

    #[test]
    fn nothing_found_names_the_setup_command() {
        let empty = tempfile::tempdir().unwrap();
        match resolve_library_from(None, None, &[empty.path().join("x.so")]) {
            Err(Error::Model(m)) => {
                assert!(m.contains("scripts/setup.sh") && !m.contains('\n'), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn model_errors_are_one_line() {
        let e = model_error("ctx", "first\n  second\n\n");
        assert!(matches!(e, Error::Model(m) if m == "ctx: first second"));
    }

    #[test]
    fn cuda_without_feature_is_refused() {
        let r = check_device_supported(Device::Cuda(1));
        assert_eq!(r.is_err(), !cfg!(feature = "cuda"));
        assert!(check_device_supported(Device::Cpu).is_ok());
    }
}
