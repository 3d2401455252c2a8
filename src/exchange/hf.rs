//! Hugging Face's `.eval_results/*.yaml` entries for a model repository
//! (huggingface/hub-docs `eval_results.yaml`; docs/results.md "Exchange
//! formats"): a YAML list with one entry per figure, `dataset.id` the
//! benchmark's Hub dataset, `dataset.task_id` the figure
//! (`BENCHMARK/TASK/FIGURE`), `value` in percent at full precision, `date`
//! the run's creation time, `source` when a link is given, and the run's
//! signature in `notes`.
//!
//! Written by hand: every scalar is a JSON string or number, which YAML
//! reads as the same value.

use super::{ExportOptions, dataset_id, figure_id};
use crate::error::{Error, Result};
use crate::model::ResultsDocument;

/// The file name of the entries inside the model repository's
/// `.eval_results/` folder.
pub fn file_name(document: &ResultsDocument) -> String {
    format!("{}.yaml", document.run.benchmark)
}

/// The YAML text of `document`'s entries.
pub fn export(document: &ResultsDocument, options: &ExportOptions) -> Result<String> {
    let dataset = dataset_id(document, options).ok_or_else(|| {
        Error::Usage(format!(
            "--format hf needs the benchmark's Hub dataset: --dataset-id ORG/NAME ({} has no default)",
            document.run.benchmark
        ))
    })?;
    super::hub_id(&dataset, "--dataset-id")?;
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = format!(
        "# {} on {}: written by cuebench {} from its results document\n",
        document.run.name, document.run.benchmark, document.tool.version
    );
    for entry in &document.results {
        let result = &entry.result;
        for metric in &result.metrics {
            out.push_str(&format!("- dataset:\n    id: {}\n", quote(&dataset)));
            out.push_str(&format!(
                "    task_id: {}\n",
                quote(&figure_id(result.benchmark, &result.task, &metric.name))
            ));
            out.push_str(&format!(
                "  value: {}\n",
                serde_json::Value::from(metric.value)
            ));
            out.push_str(&format!("  date: {}\n", quote(&document.created)));
            if let Some(url) = &options.source_url {
                out.push_str(&format!(
                    "  source:\n    url: {}\n    name: {}\n",
                    quote(url),
                    quote("cuebench results")
                ));
                if let Some(org) = &options.organization {
                    out.push_str(&format!("    org: {}\n", quote(org)));
                }
            }
            out.push_str(&format!("  notes: {}\n", quote(&result.signature)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BenchmarkId;
    use crate::model::document::{for_tests, result_for_tests};

    #[test]
    fn one_entry_per_figure_with_the_signature_in_the_notes() {
        let document = for_tests(vec![result_for_tests(
            "event",
            "cuebench:2|task:event",
            &[("Struct", 75.714_285_714_285_71), ("Sem", 46.0)],
        )]);
        let yaml = export(&document, &ExportOptions::default()).unwrap();
        assert_eq!(
            yaml,
            concat!(
                "# model on cuebench: written by cuebench 0.2.0 from its results document\n",
                "- dataset:\n    id: \"CueBench/CueBench\"\n    task_id: \"cuebench/event/Struct\"\n",
                "  value: 75.71428571428571\n  date: \"1970-01-01T00:00:00Z\"\n",
                "  notes: \"cuebench:2|task:event\"\n",
                "- dataset:\n    id: \"CueBench/CueBench\"\n    task_id: \"cuebench/event/Sem\"\n",
                "  value: 46.0\n  date: \"1970-01-01T00:00:00Z\"\n",
                "  notes: \"cuebench:2|task:event\"\n",
            )
        );
        assert_eq!(file_name(&document), "cuebench.yaml");
    }

    #[test]
    fn a_sibling_benchmark_needs_a_dataset_id() {
        let mut document = for_tests(vec![result_for_tests("qa", "s", &[("Acc", 40.0)])]);
        document.run.benchmark = BenchmarkId::VauBench;
        let err = export(&document, &ExportOptions::default()).unwrap_err();
        assert!(err.to_string().contains("--dataset-id"), "{err}");
        let options = ExportOptions {
            dataset_id: Some("me/vau-bench".into()),
            source_url: Some("https://example.org/run".into()),
            ..ExportOptions::default()
        };
        let yaml = export(&document, &options).unwrap();
        assert!(
            yaml.contains("  source:\n    url: \"https://example.org/run\"\n"),
            "{yaml}"
        );
    }
}
