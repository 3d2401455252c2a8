//! Sentence embeddings for the semantic and hierarchy scores (docs/scoring.md §6).
//!
//! A BERT-family encoder in ONNX ([`load_embedder`]) sits behind the small
//! [`Embedder`] trait, so metric code can be tested with the deterministic
//! [`HashEmbedder`]. [`embed_texts`] is the one driver every caller uses: it
//! de-duplicates, reads the on-disk cache, sorts misses by token length,
//! embeds them in batches and writes the cache back, so the same text always
//! gets the same vector whatever the batch size, thread count or cache state.

mod cache;
mod cuda;
pub mod floor;
mod lazy;
mod manifest;
mod onnx;
mod pooling;
mod progress;
mod runtime;
mod stand_in;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::{Error, Result};
use cache::VectorCache;

use crate::model::Settings;
pub use stand_in::HashEmbedder;

/// The default model's folder in the checkout this binary was built from
/// (docs/scoring.md §6); an installed binary looks in the data folders first
/// (`crate::data_dir`).
pub const DEFAULT_MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/minilm-l6-v2");

/// What identifies an embedding model in a result's signature (docs/scoring.md §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelId {
    /// The manifest's model name, e.g. `minilm-l6-v2`.
    pub name: String,
    /// The sha256 of the model file, lower-case hex.
    pub sha256: String,
    /// The manifest settings that change a vector; `None` for an encoder
    /// without a manifest (the test stand-in).
    pub vectors: Option<VectorSettings>,
}

/// The manifest settings that change vectors without changing the model file
/// (docs/scoring.md §8): a signature must name them, as the cache key does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VectorSettings {
    /// `mean` or `cls`.
    pub pooling: String,
    /// Truncation length in tokens.
    pub max_length: usize,
    /// Whether vectors are L2-normalised.
    pub normalize: bool,
}

impl fmt::Display for ModelId {
    /// `name@sha256:first8`, then `[pooling,max_length,norm|raw]` when the
    /// model has a manifest, as the signature prints it (docs/scoring.md §8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = self.sha256.get(..8).unwrap_or(&self.sha256);
        write!(f, "{}@sha256:{short}", self.name)?;
        if let Some(v) = &self.vectors {
            let norm = if v.normalize { "norm" } else { "raw" };
            write!(f, "[{},{},{norm}]", v.pooling, v.max_length)?;
        }
        Ok(())
    }
}

/// A sentence encoder: texts in, one vector per text out (docs/scoring.md §6).
pub trait Embedder: Send {
    /// The model's identity, for signatures (docs/scoring.md §8).
    fn id(&self) -> &ModelId;

    /// Names the model's vector cache (hex). Defaults to the model's sha256;
    /// an encoder whose vectors also depend on settings outside the model
    /// file must fold them in.
    fn cache_key(&self) -> &str {
        &self.id().sha256
    }

    /// The length of every vector, when known before running the model (the
    /// manifest's `dimension`); cached vectors of another length are
    /// recomputed.
    fn dimension(&self) -> Option<usize> {
        None
    }

    /// One vector per text, in order. Each vector must depend on its own text
    /// only, never on the rest of the batch.
    fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;

    /// One result per batch, in order, each as [`Embedder::embed`] gives it;
    /// an encoder with several workers runs the batches in parallel.
    fn embed_batches(&mut self, batches: &[&[&str]]) -> Result<Vec<Vec<Vec<f32>>>> {
        batches.iter().map(|b| self.embed(b)).collect()
    }

    /// How many batches [`Embedder::embed_batches`] runs at once.
    fn parallelism(&self) -> usize {
        1
    }

    /// Each text's length in tokens, used only to sort texts into batches of
    /// similar length. The default counts whitespace-separated words.
    fn token_lengths(&self, texts: &[&str]) -> Result<Vec<usize>> {
        Ok(texts.iter().map(|t| t.split_whitespace().count()).collect())
    }
}

/// Where the model runs (`--device cpu|cuda[:N]`, docs/scoring.md §1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Device {
    /// ONNX Runtime's CPU execution provider.
    #[default]
    Cpu,
    /// The CUDA execution provider on GPU N (needs the `cuda` feature).
    Cuda(usize),
}

impl FromStr for Device {
    type Err = String;

    /// Parses `cpu`, `cuda` (GPU 0) or `cuda:N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("unknown device `{s}` (expected cpu, cuda or cuda:N)");
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            _ => {
                let n = s.strip_prefix("cuda:").ok_or_else(bad)?;
                n.parse().map(Device::Cuda).map_err(|_| bad())
            }
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// Everything the embedding stack takes from the command line (docs/scoring.md §1, 6).
#[derive(Debug, Clone)]
pub struct EmbedOptions {
    /// The model folder (`--model`, `CUEBENCH_MODEL` or `cuebench.toml`);
    /// `None`: the first data folder holding `models/minilm-l6-v2`, then
    /// [`DEFAULT_MODEL_DIR`].
    pub model_dir: Option<PathBuf>,
    /// `--ort-library FILE`; `None`: `ORT_DYLIB_PATH`, then next to the
    /// executable, then the set-up directory.
    pub ort_library: Option<PathBuf>,
    /// `--device`.
    pub device: Device,
    /// `--threads`: ONNX Runtime intra-op threads; `None`: its default.
    pub threads: Option<usize>,
    /// `--batch-size`: texts per model call (at least 1).
    pub batch_size: usize,
    /// `--cache-dir`; `None`: `<user cache dir>/cuebench/embeddings`.
    pub cache_dir: Option<PathBuf>,
    /// `--no-cache`: neither read nor write cached vectors.
    pub no_cache: bool,
    /// `--quiet`: no progress bar or progress lines.
    pub quiet: bool,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            model_dir: None,
            ort_library: None,
            device: Device::Cpu,
            threads: None,
            batch_size: Settings::default().batch_size,
            cache_dir: None,
            no_cache: false,
            quiet: false,
        }
    }
}

impl EmbedOptions {
    /// The cache directory in use, or `None` when caching is off (or no user
    /// cache directory exists and none was given).
    pub fn effective_cache_dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        self.cache_dir
            .clone()
            .or_else(|| dirs::cache_dir().map(|d| d.join("cuebench").join("embeddings")))
    }

    fn check(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::Usage("--batch-size must be at least 1".into()));
        }
        if self.threads == Some(0) {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        Ok(())
    }
}

/// Loads the ONNX model of `opts.model_dir` on ONNX Runtime (docs/scoring.md §6): checks
/// the manifest and the model file's sha256, locates the runtime library and
/// starts a session on `opts.device`. Every failure is an [`Error::Model`]
/// (or [`Error::Usage`] for bad options) with a one-line explanation.
pub fn load_embedder(opts: &EmbedOptions) -> Result<Box<dyn Embedder>> {
    opts.check()?;
    Ok(Box::new(onnx::OnnxEmbedder::load(opts)?))
}

/// The configured model's identity as its manifest states it, without
/// loading the model or ONNX Runtime: what signatures record even for runs
/// that embed nothing (docs/scoring.md §8).
pub fn model_id(opts: &EmbedOptions) -> Result<ModelId> {
    let manifest =
        manifest::read_manifest(&manifest::resolve_model_dir(opts.model_dir.as_deref()))?;
    Ok(manifest::model_id(&manifest, manifest.sha256.clone()))
}

/// The model folder `opts` selects (the flag, the environment, then the
/// defaults), as results record it.
pub fn model_dir(opts: &EmbedOptions) -> std::path::PathBuf {
    manifest::resolve_model_dir(opts.model_dir.as_deref())
}

/// Like [`load_embedder`], but ONNX Runtime and the model session start only
/// when a text is not in the cache: the model files and device are checked
/// now, a missing or bad runtime is reported on first use.
pub fn lazy_embedder(opts: &EmbedOptions) -> Result<Box<dyn Embedder>> {
    opts.check()?;
    Ok(Box::new(lazy::LazyEmbedder::new(opts)?))
}

/// Text -> vector for every distinct non-empty text of a run (docs/scoring.md §6).
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    by_text: HashMap<String, Vec<f32>>,
}

impl Vectors {
    /// The vector of `text`; `None` for the empty text (which has cosine 0
    /// with everything, docs/scoring.md §4) and for texts that were not embedded.
    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.by_text.get(text).map(Vec::as_slice)
    }

    /// The number of distinct texts held.
    pub fn len(&self) -> usize {
        self.by_text.len()
    }

    /// True when no text is held.
    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }

    /// Forgets the vectors of `texts` (a session bounding its memory).
    pub fn remove(&mut self, texts: impl IntoIterator<Item = String>) {
        for text in texts {
            self.by_text.remove(&text);
        }
    }

    /// Adds the vectors of `other` (a text keeps one vector: the same text
    /// always embeds the same way).
    pub fn merge(&mut self, other: Vectors) {
        self.by_text.extend(other.by_text);
    }
}

/// Embeds every distinct non-empty text of `texts` (docs/scoring.md §6): de-duplicates,
/// reads cached vectors, sorts the misses by token length, embeds them in
/// batches of `opts.batch_size` (showing progress on stderr unless
/// `opts.quiet`), appends them to the cache, and returns text -> vector.
/// Empty texts are skipped.
pub fn embed_texts(
    embedder: &mut dyn Embedder,
    texts: &[String],
    opts: &EmbedOptions,
) -> Result<Vectors> {
    opts.check()?;
    let wanted = distinct(texts);
    let cache = match opts.effective_cache_dir() {
        Some(dir) => Some(VectorCache::open(&dir, embedder.cache_key())?),
        None => None,
    };
    let mut by_text = match &cache {
        Some(c) => c.load(&wanted, embedder.dimension())?,
        None => HashMap::new(),
    };
    let (lengths, misses) = sorted_misses(&*embedder, &wanted, &by_text)?;
    let mut progress = progress::Progress::start(misses.len(), opts.quiet);
    let ranges = batch_ranges(&lengths, opts.batch_size, batch_tokens(opts.device));
    // A few batches per worker at a time: parallel, yet the cache and the
    // progress line advance often.
    let group = embedder.parallelism().max(1) * BATCHES_PER_WORKER;
    for ranges in ranges.chunks(group) {
        let batches: Vec<&[&str]> = ranges.iter().map(|r| &misses[r.clone()]).collect();
        let results = embedder.embed_batches(&batches)?;
        if results.len() != batches.len() {
            return Err(Error::Model(format!(
                "model {} returned {} result(s) for {} batch(es)",
                embedder.id(),
                results.len(),
                batches.len()
            )));
        }
        for (batch, vectors) in batches.into_iter().zip(results) {
            check_vectors(&*embedder, batch, &vectors)?;
            if let Some(c) = &cache {
                c.append(batch, &vectors)?;
            }
            progress.advance(batch.len());
            by_text.extend(batch.iter().map(|t| (*t).to_owned()).zip(vectors));
        }
    }
    progress.finish();
    Ok(Vectors { by_text })
}

/// Batches handed to each worker per round of [`embed_texts`].
const BATCHES_PER_WORKER: usize = 4;

/// On the CPU, the most tokens one batch computes (texts x its longest text),
/// unless a single text is longer: long texts go in smaller batches, so a batch's
/// activations stay in cache (measured: 1.15x the floor's CPU time at up
/// to 512 tokens a batch, 1.56x at 4096).
pub const MAX_BATCH_TOKENS: usize = 1024;

/// The work [`embed_texts`] would do for `texts` with no cache: each distinct
/// text's token length, and the tokens computed once every batch is padded
/// to its longest text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPlan {
    /// Token lengths of the distinct non-empty texts, shortest first.
    pub lengths: Vec<usize>,
    /// The sum over batches of texts x the batch's longest length.
    pub padded_tokens: u64,
    /// Model calls.
    pub batches: usize,
}

/// The distinct non-empty texts of `texts`.
fn distinct(texts: &[String]) -> HashSet<&str> {
    texts
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect()
}

/// How [`embed_texts`] batches `texts` when nothing is cached.
pub fn token_plan(
    embedder: &dyn Embedder,
    texts: &[String],
    opts: &EmbedOptions,
) -> Result<TokenPlan> {
    opts.check()?;
    let wanted = distinct(texts);
    let (lengths, _) = sorted_misses(embedder, &wanted, &HashMap::new())?;
    let ranges = batch_ranges(&lengths, opts.batch_size, batch_tokens(opts.device));
    let padded_tokens = ranges
        .iter()
        .map(|r| (r.len() * lengths[r.end - 1]) as u64)
        .sum();
    Ok(TokenPlan {
        batches: ranges.len(),
        lengths,
        padded_tokens,
    })
}

/// The most padded tokens a batch may compute on `device`: a GPU wants the
/// largest batches `--batch-size` allows.
fn batch_tokens(device: Device) -> usize {
    match device {
        Device::Cpu => MAX_BATCH_TOKENS,
        Device::Cuda(_) => usize::MAX,
    }
}

/// Splits texts sorted by token length (`lengths`, ascending) into model
/// calls of at most `batch_size` texts and `max_tokens` padded tokens (at
/// least one text each).
fn batch_ranges(
    lengths: &[usize],
    batch_size: usize,
    max_tokens: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let count = i - start + 1;
        if count > 1 && (count > batch_size || count.saturating_mul(len) > max_tokens) {
            ranges.push(start..i);
            start = i;
        }
    }
    if start < lengths.len() {
        ranges.push(start..lengths.len());
    }
    ranges
}

/// The texts not yet embedded, shortest first (ties by text, so the order is
/// deterministic), with their token lengths: batches of similar length waste
/// little padding.
fn sorted_misses<'t>(
    embedder: &dyn Embedder,
    wanted: &HashSet<&'t str>,
    done: &HashMap<String, Vec<f32>>,
) -> Result<(Vec<usize>, Vec<&'t str>)> {
    let misses: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|t| !done.contains_key(*t))
        .collect();
    if misses.is_empty() {
        return Ok((Vec::new(), misses));
    }
    let lengths = embedder.token_lengths(&misses)?;
    let mut keyed: Vec<(usize, &str)> = lengths.into_iter().zip(misses).collect();
    keyed.sort_unstable();
    Ok(keyed.into_iter().unzip())
}

/// Checks that an embedder kept its contract for `batch`: one finite vector
/// per text, all of one dimension.
fn check_vectors(embedder: &dyn Embedder, batch: &[&str], vectors: &[Vec<f32>]) -> Result<()> {
    let dim = vectors.first().map_or(0, Vec::len);
    let consistent = vectors
        .iter()
        .all(|v| v.len() == dim && v.iter().all(|x| x.is_finite()));
    if vectors.len() != batch.len() || dim == 0 || !consistent {
        return Err(Error::Model(format!(
            "model {} returned {} malformed vector(s) for {} text(s)",
            embedder.id(),
            vectors.len(),
            batch.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_parses_and_prints() {
        assert_eq!("cpu".parse(), Ok(Device::Cpu));
        assert_eq!("cuda".parse(), Ok(Device::Cuda(0)));
        assert_eq!("cuda:3".parse(), Ok(Device::Cuda(3)));
        for bad in ["gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", ""] {
            assert!(bad.parse::<Device>().is_err(), "{bad}");
        }
        assert_eq!(Device::Cuda(3).to_string(), "cuda:3");
        assert_eq!(Device::Cpu.to_string(), "cpu");
    }

    #[test]
    fn model_id_prints_short_hash() {
        let id = ModelId {
            name: "minilm-l6-v2".into(),
            sha256: "8199be6f699a395f".into(),
            vectors: Some(VectorSettings {
                pooling: "mean".into(),
                max_length: 256,
                normalize: true,
            }),
        };
        assert_eq!(
            id.to_string(),
            "minilm-l6-v2@sha256:8199be6f[mean,256,norm]"
        );
        let short = ModelId {
            name: "m".into(),
            sha256: "ab".into(),
            vectors: None,
        };
        assert_eq!(short.to_string(), "m@sha256:ab");
    }

    /// Counts calls and texts, to see what the driver asks the model for.
    struct Counting {
        inner: HashEmbedder,
        calls: Vec<Vec<String>>,
    }

    impl Embedder for Counting {
        fn id(&self) -> &ModelId {
            self.inner.id()
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            self.calls
                .push(texts.iter().map(|t| (*t).to_owned()).collect());
            self.inner.embed(texts)
        }
    }

    fn counting() -> Counting {
        Counting {
            inner: HashEmbedder::new(),
            calls: Vec::new(),
        }
    }

    fn strings(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    fn no_cache(batch_size: usize) -> EmbedOptions {
        EmbedOptions {
            batch_size,
            no_cache: true,
            ..EmbedOptions::default()
        }
    }

    #[test]
    fn deduplicates_skips_empty_and_sorts_by_length() {
        let mut e = counting();
        let texts = strings(&["a b c", "a", "", "a b", "a", "a b c"]);
        let v = embed_texts(&mut e, &texts, &no_cache(2)).unwrap();
        // 3 distinct non-empty texts, shortest first, 2 per batch.
        assert_eq!(e.calls, vec![strings(&["a", "a b"]), strings(&["a b c"])]);
        assert_eq!(v.len(), 3);
        assert!(v.get("").is_none());
        assert_eq!(
            v.get("a b").unwrap(),
            HashEmbedder::new().embed(&["a b"]).unwrap()[0]
        );
    }

    #[test]
    fn batches_stop_at_the_text_count_or_the_token_budget() {
        // Short texts: the text count cuts.
        assert_eq!(
            batch_ranges(&[1, 1, 2, 2, 3], 2, 100),
            vec![0..2, 2..4, 4..5]
        );
        // Long texts: the padded-token budget cuts (3 x 40 > 100), and a
        // text over the budget still gets a batch of its own.
        assert_eq!(
            batch_ranges(&[30, 40, 40, 300], 32, 100),
            vec![0..2, 2..3, 3..4]
        );
        assert!(batch_ranges(&[], 32, 100).is_empty());
        assert_eq!(batch_tokens(Device::Cpu), MAX_BATCH_TOKENS);
        assert_eq!(batch_tokens(Device::Cuda(0)), usize::MAX);
    }

    #[test]
    fn the_token_plan_counts_padding() {
        let e = counting();
        let texts = strings(&["a", "a b c", "a b", "", "a"]);
        let plan = token_plan(&e, &texts, &no_cache(2)).unwrap();
        // Word counts 1, 2, 3; batches [1, 2] and [3].
        assert_eq!(plan.lengths, vec![1, 2, 3]);
        assert_eq!((plan.padded_tokens, plan.batches), (2 * 2 + 3, 2));
    }

    /// Runs each round of batches as one call, as a parallel encoder would.
    struct Parallel {
        inner: Counting,
        rounds: Vec<usize>,
    }

    impl Embedder for Parallel {
        fn id(&self) -> &ModelId {
            self.inner.id()
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            self.inner.embed(texts)
        }
        fn embed_batches(&mut self, batches: &[&[&str]]) -> Result<Vec<Vec<Vec<f32>>>> {
            self.rounds.push(batches.len());
            batches.iter().map(|b| self.inner.embed(b)).collect()
        }
        fn parallelism(&self) -> usize {
            2
        }
    }

    #[test]
    fn parallel_rounds_give_the_same_vectors() {
        let texts: Vec<String> = (0..40)
            .map(|i| "w ".repeat(i % 7 + 1) + &i.to_string())
            .collect();
        let mut one = counting();
        let alone = embed_texts(&mut one, &texts, &no_cache(3)).unwrap();
        let mut parallel = Parallel {
            inner: counting(),
            rounds: Vec::new(),
        };
        let together = embed_texts(&mut parallel, &texts, &no_cache(3)).unwrap();
        // 14 batches in rounds of 2 workers x BATCHES_PER_WORKER.
        assert_eq!(parallel.rounds, vec![8, 6]);
        assert_eq!(parallel.inner.calls, one.calls);
        for t in &texts {
            assert_eq!(alone.get(t), together.get(t));
        }
    }

    #[test]
    fn nothing_to_embed_makes_no_call() {
        let mut e = counting();
        let v = embed_texts(&mut e, &strings(&["", ""]), &no_cache(8)).unwrap();
        assert!(v.is_empty());
        assert!(e.calls.is_empty());
    }

    #[test]
    fn warm_cache_embeds_nothing_and_gives_identical_bits() {
        let dir = tempfile::tempdir().unwrap();
        let opts = EmbedOptions {
            cache_dir: Some(dir.path().to_path_buf()),
            batch_size: 4,
            ..EmbedOptions::default()
        };
        let texts = strings(&["rock climbing", "baking bread", "a", "rock climbing"]);
        let mut cold = counting();
        let first = embed_texts(&mut cold, &texts, &opts).unwrap();
        assert_eq!(cold.calls.len(), 1);
        let mut warm = counting();
        let second = embed_texts(&mut warm, &texts, &opts).unwrap();
        assert!(warm.calls.is_empty());
        for t in &texts {
            let (a, b) = (first.get(t).unwrap(), second.get(t).unwrap());
            assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
        // A new text is the only miss.
        let mut more = counting();
        embed_texts(&mut more, &strings(&["a", "new text"]), &opts).unwrap();
        assert_eq!(more.calls, vec![strings(&["new text"])]);
    }

    #[test]
    fn bad_options_are_usage_errors() {
        let mut e = counting();
        let zero_batch = embed_texts(&mut e, &strings(&["a"]), &no_cache(0));
        assert!(matches!(zero_batch, Err(Error::Usage(_))));
        let zero_threads = EmbedOptions {
            threads: Some(0),
            ..no_cache(1)
        };
        assert!(matches!(load_embedder(&zero_threads), Err(Error::Usage(_))));
    }

    /// Breaks the contract: returns one vector too few.
    struct Lossy(HashEmbedder);

    impl Embedder for Lossy {
        fn id(&self) -> &ModelId {
            self.0.id()
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            let mut v = self.0.embed(texts)?;
            v.pop();
            Ok(v)
        }
    }

    #[test]
    fn malformed_model_output_is_a_model_error() {
        let mut e = Lossy(HashEmbedder::new());
        let r = embed_texts(&mut e, &strings(&["a", "b"]), &no_cache(8));
        assert!(matches!(r, Err(Error::Model(m)) if m.contains("malformed")));
    }
}
