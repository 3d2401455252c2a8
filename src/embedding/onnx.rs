//! The real encoder: a BERT-family ONNX model on ONNX Runtime with its
//! Hugging Face tokenizer (docs/scoring.md §6).

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::manifest::{ModelFiles, load_model_files, resolve_model_dir};
use super::pooling::{Pooling, l2_normalize, pool};
use super::runtime::{check_device_supported, environment, library_for, model_error, open_session};
use super::{Device, EmbedOptions, Embedder, ModelId};
use crate::{Error, Result};

/// Texts tokenised at once when only their lengths are wanted.
const LENGTH_CHUNK: usize = 1024;

/// An ONNX sentence encoder: tokenise (padding to the batch's longest text,
/// truncating at the manifest's max length), run, pool, normalise. On the
/// CPU it holds one single-threaded session per worker and runs whole batches
/// in parallel ([`Embedder::embed_batches`]): a 6-layer encoder on short texts
/// is hundreds of small operators per batch, and splitting each of them over
/// threads costs more in synchronisation than it gains (docs/scoring.md §6).
pub(crate) struct OnnxEmbedder {
    id: ModelId,
    cache_key: String,
    sessions: Vec<Session>,
    graph: GraphSpec,
}

/// One batch's vectors, or why it failed.
type BatchResult = Result<Vec<Vec<f32>>>;

/// What a worker needs besides its session: shared, read-only.
struct GraphSpec {
    tokenizer: Tokenizer,
    output: String,
    pooling: Pooling,
    normalize: bool,
    dimension: Option<usize>,
    /// Whether the graph takes `token_type_ids` (all zeros for one sentence).
    wants_token_types: bool,
}

impl OnnxEmbedder {
    /// Loads the model directory and the runtime named by `opts`, with one
    /// session per worker ([`workers`]), opened in parallel.
    pub(crate) fn load(opts: &EmbedOptions) -> Result<Self> {
        check_device_supported(opts.device)?;
        let dir = resolve_model_dir(opts.model_dir.as_deref());
        let files = load_model_files(&dir)?;
        let tokenizer = load_tokenizer(&files)?;
        let library = library_for(opts)?;
        let env = environment(&library)?;
        let (count, threads) = workers(opts);
        let sessions = std::thread::scope(|scope| {
            let opening: Vec<_> = (0..count)
                .map(|_| scope.spawn(|| open_session(&env, &files.model, opts.device, threads)))
                .collect();
            opening
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Model(
                            "an ONNX Runtime session panicked while opening".into(),
                        ))
                    })
                })
                .collect::<Result<Vec<Session>>>()
        })?;
        let inputs: Vec<&str> = sessions[0].inputs().iter().map(|i| i.name()).collect();
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
            sessions,
            graph: GraphSpec {
                tokenizer,
                output: manifest.output,
                pooling: manifest.pooling,
                normalize: manifest.normalize,
                dimension: manifest.dimension,
                wants_token_types,
            },
        })
    }
}

/// How many sessions to open and the intra-op threads of each: on the CPU,
/// one single-threaded session per `--threads` (default: every core); on a
/// GPU, one session.
pub(crate) fn workers(opts: &EmbedOptions) -> (usize, Option<usize>) {
    match opts.device {
        Device::Cpu => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            (opts.threads.unwrap_or(cores).max(1), Some(1))
        }
        Device::Cuda(_) => (1, opts.threads),
    }
}

impl GraphSpec {
    /// Tokenises, runs, pools and normalises one batch on `session`.
    fn embed(&self, session: &mut Session, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, mask, seq) = self.tokenize(texts)?;
        let mut vectors = self.run(session, &ids, &mask, texts.len(), seq)?;
        if self.normalize {
            vectors.iter_mut().for_each(|v| l2_normalize(v));
        }
        Ok(vectors)
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
        &self,
        session: &mut Session,
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
        let outputs = session
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
        self.graph.embed(&mut self.sessions[0], texts)
    }

    /// Each worker takes the next batch not yet taken until none is left.
    fn embed_batches(&mut self, batches: &[&[&str]]) -> Result<Vec<Vec<Vec<f32>>>> {
        if self.sessions.len() == 1 || batches.len() < 2 {
            let session = &mut self.sessions[0];
            return batches
                .iter()
                .map(|b| self.graph.embed(session, b))
                .collect();
        }
        let next = AtomicUsize::new(0);
        let done: Vec<Mutex<Option<BatchResult>>> =
            batches.iter().map(|_| Mutex::new(None)).collect();
        let graph = &self.graph;
        std::thread::scope(|scope| {
            for session in &mut self.sessions {
                let (next, done) = (&next, &done);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(i) else { break };
                        let result = graph.embed(session, batch);
                        let failed = result.is_err();
                        *done[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                        if failed {
                            // Stop the others early: the first error is reported.
                            next.store(batches.len(), Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let mut out = Vec::with_capacity(batches.len());
        for slot in done {
            match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
                Some(result) => out.push(result?),
                None => {
                    return Err(Error::Model(
                        "an embedding worker stopped before finishing its batch".into(),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn parallelism(&self) -> usize {
        self.sessions.len()
    }

    /// Real token counts (with special tokens, after truncation), counted in
    /// chunks so that padding to each chunk's longest text stays small.
    fn token_lengths(&self, texts: &[&str]) -> Result<Vec<usize>> {
        let mut lengths = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(LENGTH_CHUNK) {
            let encodings = self
                .graph
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
