//! Text-overlap metrics of the Vad-R1 reasoning evaluation (Vad-R1 paper,
//! section 4.1: BLEU, METEOR, ROUGE — refs. 43, 3, 31), each written to agree
//! with the Python implementation researchers cite:
//!
//! - [`bleu`]: nltk's `sentence_bleu` (3.10.4), with its smoothing methods 0 and 1;
//! - [`rouge`]: Google's `rouge-score` (0.1.2) ROUGE-N and ROUGE-L F1, with its
//!   tokeniser and optional Porter stemmer;
//! - [`meteor`]: nltk's `meteor_score` (3.10.4): exact, Porter-stem and
//!   WordNet-synonym stages (the synonyms come through the [`meteor::Synonyms`]
//!   trait; `crate::wordnet` reads the WordNet 3.0 files);
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

#[cfg(test)]
mod invariants {
    use std::collections::HashSet;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::bleu::{BleuSmoothing, sentence_bleu};
    use super::meteor::{Synonyms, meteor};
    use super::porter::porter_stem;
    use super::rouge::rouge;
    use super::tokenize::whitespace_tokens;

    /// No synonyms at all.
    struct NoSynonyms;

    impl Synonyms for NoSynonyms {
        fn synonyms(&self, _: &str) -> Arc<HashSet<String>> {
            Arc::default()
        }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                "[a-z]{1,8}",
                "[A-Za-z'.,!]{1,6}",
                "\\PC{1,4}",
                Just("the".to_owned())
            ],
            0..12,
        )
        .prop_map(|words| words.join(" "))
    }

    proptest! {
        #[test]
        fn scores_stay_in_unit_range(h in text(), r in text()) {
            let (ht, rt) = (whitespace_tokens(&h), whitespace_tokens(&r));
            for s in [BleuSmoothing::None, BleuSmoothing::METHOD1] {
                let b = sentence_bleu(&ht, &rt, 2, s);
                prop_assert!((0.0..=1.0 + 1e-12).contains(&b));
            }
            let m = meteor(&ht, &rt, &NoSynonyms);
            prop_assert!((0.0..1.0).contains(&m));
            let x = rouge(&h, &r, true);
            for v in [x.rouge1, x.rouge2, x.rouge_l] {
                prop_assert!((0.0..=1.0 + 1e-12).contains(&v));
            }
        }

        #[test]
        fn rouge_f1_is_symmetric(h in text(), r in text()) {
            let (a, b) = (rouge(&h, &r, true), rouge(&r, &h, true));
            prop_assert!((a.rouge1 - b.rouge1).abs() < 1e-12);
            prop_assert!((a.rouge2 - b.rouge2).abs() < 1e-12);
            prop_assert!((a.rouge_l - b.rouge_l).abs() < 1e-12);
        }

        #[test]
        fn stemming_never_panics_and_is_lowercase_ascii_for_ascii(w in "\\PC{0,12}") {
            let stem = porter_stem(&w);
            if w.is_ascii() {
                prop_assert!(!stem.chars().any(|c| c.is_ascii_uppercase()));
            }
        }
    }

    #[test]
    fn smoothing_names() {
        assert_eq!(BleuSmoothing::None.name(), "method0");
        assert_eq!(BleuSmoothing::METHOD1.name(), "method1");
        assert_eq!(BleuSmoothing::Epsilon(0.01).name(), "method1-eps0.01");
    }
}
