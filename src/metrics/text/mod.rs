//! Text-overlap metrics of the Vad-R1 reasoning evaluation (Vad-R1 paper,
//! section 4.1: BLEU [43], METEOR [3], ROUGE [31]), each written to agree
//! with the Python implementation researchers cite:
//!
//! - [`bleu`]: nltk's `sentence_bleu` (3.10.4), with its smoothing methods 0 and 1;
//! - [`rouge`]: Google's `rouge-score` (0.1.2) ROUGE-N and ROUGE-L F1, with its
//!   tokeniser and optional Porter stemmer;
//! - [`meteor`]: nltk's `meteor_score` (3.10.4): exact, Porter-stem and
//!   WordNet-synonym stages ([`wordnet`] reads the WordNet 3.0 files);
//! - [`porter`]: nltk's `PorterStemmer()` in its default `NLTK_EXTENSIONS` mode.
//!
//! All are pure functions of their token lists; the conformance test
//! (`tests/text_metrics_conformance.rs`) checks them against values the Python
//! packages computed.

pub mod bleu;
pub mod meteor;
pub mod porter;
pub mod rouge;
pub mod tokenize;
pub mod wordnet;
