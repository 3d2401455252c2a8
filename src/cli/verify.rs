//! `cuebench verify`: re-score a submission with its recorded settings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::emit;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The claim: a results.json, an `eval --format json` output, or an `--output` folder.
    pub run: PathBuf,
    /// The submitted predictions: the file (or, for --all, the folder) the run scored.
    pub predictions: PathBuf,
    /// The annotation file to score against.
    #[arg(long, value_name = "FILE")]
    pub gt: PathBuf,
    /// The embedding model folder the run used, when it is not the default.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// The taxonomy file the run used, when it is not the built-in one.
    #[arg(long, value_name = "FILE")]
    pub taxonomy: Option<PathBuf>,
}

/// Exit 0 when the claim is reproduced, 1 with a table of differences.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    if let Some(model) = &args.model {
        extra.extend(["--model".to_owned(), model.display().to_string()]);
    }
    if let Some(taxonomy) = &args.taxonomy {
        extra.extend(["--taxonomy".to_owned(), taxonomy.display().to_string()]);
    }
    let options = cuebench::verify::VerifyOptions {
        run: args.run,
        gt: args.gt,
        predictions: args.predictions,
        extra,
    };
    let outcome = cuebench::verify::verify(&std::env::current_exe()?, &options)?;
    let (tasks, figures, counts) = cuebench::verify::claim_size(&outcome.claim);
    if outcome.differences.is_empty() {
        emit(&format!(
            "verified: `{}` ({}): {figures} figures and {counts} counts of {tasks} task(s) equal the claim\n",
            outcome.claim.run.name,
            options.run.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    emit(&format!(
        "NOT verified: `{}` ({}): {} difference(s) from the claim\n{}",
        outcome.claim.run.name,
        options.run.display(),
        outcome.differences.len(),
        cuebench::verify::difference_table(&outcome.differences)
    ))?;
    Ok(ExitCode::from(1))
}
