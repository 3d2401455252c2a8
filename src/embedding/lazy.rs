//! An encoder that starts ONNX Runtime only when a text really needs
//! embedding: a run whose vectors are all in the cache never loads the
//! runtime or the model session (0.3 s saved per warm run, and per reward
//! process whose texts are cached).

use std::cell::OnceCell;

use super::manifest::{load_model_files, resolve_model_dir};
use super::onnx::OnnxEmbedder;
use super::runtime::check_device_supported;
use super::{Device, EmbedOptions, Embedder, ModelId};
use crate::Result;

/// The model's identity and cache key, known up front from its verified
/// files; the session itself is opened on first use.
pub(crate) struct LazyEmbedder {
    options: EmbedOptions,
    id: ModelId,
    cache_key: String,
    dimension: Option<usize>,
    inner: OnceCell<OnnxEmbedder>,
}

impl LazyEmbedder {
    /// Reads and verifies the model folder (manifest, sha256) and checks the
    /// device (for CUDA: the driver, the GPU and the data folder's `cuda/`);
    /// the runtime is not touched yet.
    pub(crate) fn new(options: &EmbedOptions) -> Result<Self> {
        check_device_supported(options.device)?;
        if let Device::Cuda(gpu) = options.device {
            super::cuda::ready_dir(gpu)?;
        }
        let files = load_model_files(&resolve_model_dir(options.model_dir.as_deref()))?;
        Ok(LazyEmbedder {
            options: options.clone(),
            id: files.id,
            cache_key: files.cache_key,
            dimension: files.manifest.dimension,
            inner: OnceCell::new(),
        })
    }

    fn inner(&self) -> Result<&OnnxEmbedder> {
        if let Some(loaded) = self.inner.get() {
            return Ok(loaded);
        }
        let loaded = OnnxEmbedder::load(&self.options)?;
        Ok(self.inner.get_or_init(|| loaded))
    }
}

impl Embedder for LazyEmbedder {
    fn id(&self) -> &ModelId {
        &self.id
    }

    fn cache_key(&self) -> &str {
        &self.cache_key
    }

    fn dimension(&self) -> Option<usize> {
        self.dimension
    }

    fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.inner()?;
        match self.inner.get_mut() {
            Some(inner) => inner.embed(texts),
            None => Ok(Vec::new()),
        }
    }

    fn embed_batches(&mut self, batches: &[&[&str]]) -> Result<Vec<Vec<Vec<f32>>>> {
        self.inner()?;
        match self.inner.get_mut() {
            Some(inner) => inner.embed_batches(batches),
            None => Ok(Vec::new()),
        }
    }

    /// The workers the session will have, known before it opens.
    fn parallelism(&self) -> usize {
        super::onnx::workers(&self.options).0
    }

    fn token_lengths(&self, texts: &[&str]) -> Result<Vec<usize>> {
        self.inner()?.token_lengths(texts)
    }
}

#[cfg(all(test, feature = "cuda"))]
mod tests {
    use super::*;
    use crate::embedding::cuda::{DriverProbe, probe_driver};

    /// A warm run never opens a session, so the device is checked when the
    /// encoder is made: without a driver `--device cuda` fails even when
    /// every vector would come from the cache.
    #[test]
    fn cuda_without_a_driver_is_refused_before_any_vector_is_read() {
        if !matches!(probe_driver(), DriverProbe::NoDriver(_)) {
            return;
        }
        let options = EmbedOptions {
            device: Device::Cuda(0),
            ..EmbedOptions::default()
        };
        match LazyEmbedder::new(&options) {
            Err(crate::Error::Model(message)) => {
                assert!(message.contains("no NVIDIA driver"), "{message}")
            }
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("a CUDA encoder was made without a driver"),
        }
    }
}
