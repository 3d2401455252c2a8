//! `cuebench export`: a run's results in an exchange format (Every Eval
//! Ever, Hugging Face `.eval_results`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::console;

use super::args::Exchange;
use super::emit;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run: a results.json, an `eval --format json` output, or an `--output` folder.
    pub run: PathBuf,
    /// The exchange format.
    #[arg(long, value_enum)]
    pub format: Exchange,
    /// The model's Hub id, ORG/NAME (needed by eee: it names the datastore folder).
    #[arg(long, value_name = "ORG/NAME")]
    pub model_id: Option<String>,
    /// The benchmark's Hub dataset id [default for cuebench: CueBench/CueBench].
    #[arg(long, value_name = "ORG/NAME")]
    pub dataset_id: Option<String>,
    /// Who publishes the numbers (eee `source_organization_name`; hf `source.org`).
    #[arg(long)]
    pub organization: Option<String>,
    /// A link to the run's logs or paper (hf `source.url`).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// Write the files under DIR (eee: data/BENCHMARK/ORG/NAME/UUID.json and, from an
    /// `--output` folder, UUID_samples.jsonl; hf: .eval_results/BENCHMARK.yaml) instead of
    /// printing the record.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Writes the files under `--out`, or prints the record.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let options = cuebench::exchange::ExportOptions {
        model_id: args.model_id,
        dataset_id: args.dataset_id,
        organization: args.organization,
        source_url: args.source_url,
    };
    let files = cuebench::exchange::export_files(
        &args.run,
        args.format.into(),
        &options,
        args.out.is_some(),
    )?;
    match &args.out {
        Some(dir) => {
            for path in cuebench::exchange::write_files(dir, &files)? {
                console::line(&format!("wrote {}", path.display()));
            }
        }
        None => {
            for (_, text) in &files {
                emit(text)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
