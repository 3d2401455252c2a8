//! What the HTML report reads: a results document (`eval --format json`,
//! `DIR/results.json`, or `DIR`; docs/results.md) and, where the run wrote
//! them, its per-sample files `samples_<task>.jsonl`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Result;
use crate::model::{Evaluation, ResultsDocument, SampleRecord};
use crate::report::results::{read_document, read_entry_samples};

/// One run (one model's results) as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The label: the document's `name`.
    pub name: String,
    /// The results document.
    pub document: ResultsDocument,
    /// Each task's sample records (with their detail), where the run wrote
    /// a per-sample file.
    pub samples: BTreeMap<String, Vec<SampleRecord>>,
}

impl Run {
    /// A run scored just now (`eval --format html`): its document and its
    /// evaluations' records.
    pub fn scored(document: ResultsDocument, evaluations: &[Evaluation]) -> Run {
        let samples = evaluations
            .iter()
            .map(|e| (e.result.task.clone(), e.samples.clone()))
            .collect();
        Run {
            name: document.run.name.clone(),
            document,
            samples,
        }
    }

    /// A run known by its document alone (no sample records).
    pub fn unsampled(document: ResultsDocument) -> Run {
        Run {
            name: document.run.name.clone(),
            document,
            samples: BTreeMap::new(),
        }
    }
}

/// Reads one run from a results file or an `--output` folder.
pub fn read_run(path: &Path) -> Result<Run> {
    let document = read_document(path)?;
    let mut samples = BTreeMap::new();
    for entry in &document.results {
        if let Some(records) = read_entry_samples(path, entry)? {
            samples.insert(entry.result.task.clone(), records);
        }
    }
    Ok(Run {
        name: document.run.name.clone(),
        document,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_brings_its_samples_with_their_detail() {
        let run = read_run(Path::new("tests/fixtures/results/model-a")).unwrap();
        assert_eq!(run.name, "model-a");
        assert_eq!(run.samples.len(), 8);
        let first = &run.samples["event"][0];
        assert_eq!(first.id, "vid_0001");
        let detail = first.detail.as_ref().unwrap();
        assert!(detail.response.as_deref().unwrap().contains("<answer>"));
        assert!(!detail.pairs.is_empty());
        assert!(run.document.results[0].result.metrics[0].ci.is_some());
    }

    #[test]
    fn a_results_file_without_samples_reads_alone() {
        let run = read_run(Path::new("tests/fixtures/results/clip-separate.json")).unwrap();
        assert!(run.samples.is_empty());
        assert_eq!(run.document.run.protocol, "separate");
    }
}
