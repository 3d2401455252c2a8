//! The real encoder: a BERT-family ONNX model on ONNX Runtime with its
//! Hugging Face tokenizer (docs/scoring.md §6).

use std::borrow::Cow;

use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::manifest::{ModelFiles, load_model_files, resolve_model_dir};
use super::pooling::{Pooling, l2_normalize, pool};
use super::runtime::{
    check_device_supported, environment, model_error, open_session, resolve_library,
};
use super::{EmbedOptions, Embedder, ModelId};
use crate::{Error, Result};

/// Texts tokenised at once when only their lengths are wanted.
const LENGTH_CHUNK: usize = 1024;

/// An ONNX sentence encoder: tokenise (padding to the batch's longest text,
/// truncating at the manifest's max length), run, pool, normalise.
pub(crate) struct OnnxEmbedder {
    id: ModelId,
    cache_key: String,
    session: Session,
    tokenizer: Tokenizer,
    output: String,
    pooling: Pooling,
    normalize: bool,
    dimension: Option<usize>,
    /// Whether the graph takes `token_type_ids` (all zeros for one sentence).
    wants_token_types: bool,
}

impl OnnxEmbedder {
    /// Loads the model directory and the runtime named by `opts`.
    pub(crate) fn load(opts: &EmbedOptions) -> Result<Self> {
        check_device_supported(opts.device)?;
        let dir = resolve_model_dir(opts.model_dir.as_deref());
        let files = load_model_files(&dir)?;
        let tokenizer = load_tokenizer(&files)?;
        let library = resolve_library(opts.ort_library.as_deref())?;
        let env = environment(&library)?;
        let session = open_session(&env, &files.model, opts.device, opts.threads)?;
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for required in ["input_ids", "attention_mask"] {
            if !inputs.contains(&required) {
                return Err(Error::Model(format!(
                    "{}: not a BERT-style encoder: no `{required}` input (inputs: {})",
                    files.model.display(),
                    inputs.join(", ")
                )));
            }
        }
        let wants_token_types = inputs.contains(&"token_type_ids");
        let ModelFiles {
            manifest,
            id,
            cache_key,
            ..
        } = files;
        Ok(OnnxEmbedder {
            id,
            cache_key,
            session,
            tokenizer,
            output: manifest.output,
            pooling: manifest.pooling,
            normalize: manifest.normalize,
            dimension: manifest.dimension,
            wants_token_types,
        })
    }

    /// Tokenises a batch to row-major `[batch, seq]` ids and mask.
    fn tokenize(&self, texts: &[&str]) -> Result<(Vec<i64>, Vec<i64>, usize)> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| model_error("tokenizer failed", e))?;
        let seq = encodings.first().map_or(0, |e| e.len());
        let mut ids = Vec::with_capacity(texts.len() * seq);
        let mut mask = Vec::with_capacity(texts.len() * seq);
        for e in &encodings {
            if e.len() != seq {
                return Err(Error::Model(
                    "tokenizer did not pad the batch to one length".into(),
                ));
            }
            ids.extend(e.get_ids().iter().map(|&x| i64::from(x)));
            mask.extend(e.get_attention_mask().iter().map(|&x| i64::from(x)));
        }
        Ok((ids, mask, seq))
    }

    /// Runs the graph; returns the pooled (not yet normalised) vectors.
    fn run(
        &mut self,
        ids: &[i64],
        mask: &[i64],
        batch: usize,
        seq: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let shape = [batch, seq];
        let token_types = vec![0i64; ids.len()];
        let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
            ("input_ids".into(), input_tensor(shape, ids)?),
            ("attention_mask".into(), input_tensor(shape, mask)?),
        ];
        if self.wants_token_types {
            inputs.push(("token_type_ids".into(), input_tensor(shape, &token_types)?));
        }
        let outputs = self
            .session
            .run(inputs)
            .map_err(|e| model_error("the model failed to run", e))?;
        let value = outputs.get(&self.output).ok_or_else(|| {
            Error::Model(format!(
                "the model has no output `{}` (see the manifest's `output`)",
                self.output
            ))
        })?;
        let (out_shape, hidden) = value.try_extract_tensor::<f32>().map_err(|e| {
            model_error(format!("output `{}` is not an f32 tensor", self.output), e)
        })?;
        let dims: Vec<i64> = out_shape.iter().copied().collect();
        let dim = match dims.as_slice() {
            [b, s, d] if usize::try_from(*b) == Ok(batch) && usize::try_from(*s) == Ok(seq) => {
                usize::try_from(*d).unwrap_or(0)
            }
            _ => {
                return Err(Error::Model(format!(
                    "output `{}` has shape {dims:?}; expected [{batch}, {seq}, dim] token states",
                    self.output
                )));
            }
        };
        if let Some(want) = self.dimension.filter(|&want| want != dim) {
            return Err(Error::Model(format!(
                "output `{}` has vectors of length {dim}, the manifest says {want}",
                self.output
            )));
        }
        Ok(pool(hidden, mask, seq, dim, self.pooling))
    }
}

/// A borrowed `[batch, seq]` i64 input tensor.
fn input_tensor(shape: [usize; 2], data: &[i64]) -> Result<SessionInputValue<'_>> {
    TensorRef::from_array_view((shape, data))
        .map(SessionInputValue::from)
        .map_err(|e| model_error("cannot build an input tensor", e))
}

impl Embedder for OnnxEmbedder {
    fn id(&self) -> &ModelId {
        &self.id
    }

    /// The model's sha256 folded with the tokenizer's and the manifest's
    /// pooling, normalisation, max length and output.
    fn cache_key(&self) -> &str {
        &self.cache_key
    }

    fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, mask, seq) = self.tokenize(texts)?;
        let mut vectors = self.run(&ids, &mask, texts.len(), seq)?;
        if self.normalize {
            vectors.iter_mut().for_each(|v| l2_normalize(v));
        }
        Ok(vectors)
    }

    /// Real token counts (with special tokens, after truncation), counted in
    /// chunks so that padding to each chunk's longest text stays small.
    fn token_lengths(&self, texts: &[&str]) -> Result<Vec<usize>> {
        let mut lengths = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(LENGTH_CHUNK) {
            let encodings = self
                .tokenizer
                .encode_batch(chunk.to_vec(), true)
                .map_err(|e| model_error("tokenizer failed", e))?;
            lengths.extend(
                encodings
                    .iter()
                    .map(|e| e.get_attention_mask().iter().filter(|&&m| m != 0).count()),
            );
        }
        Ok(lengths)
    }
}

/// The tokenizer of `files`, padding to the longest text of each batch and
/// truncating at the manifest's max length (the file's own fixed padding and
/// truncation, if any, are replaced).
fn load_tokenizer(files: &ModelFiles) -> Result<Tokenizer> {
    let path = &files.tokenizer;
    let mut tokenizer = Tokenizer::from_file(path)
        .map_err(|e| model_error(format!("{}: invalid tokenizer", path.display()), e))?;
    let padding = PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        ..tokenizer.get_padding().cloned().unwrap_or_default()
    };
    let truncation = TruncationParams {
        max_length: files.manifest.max_length,
        ..TruncationParams::default()
    };
    tokenizer
        .with_padding(Some(padding))
        .with_truncation(Some(truncation))
        .map_err(|e| model_error(format!("{}: cannot set truncation", path.display()), e))?;
    Ok(tokenizer)
}
