//! `cuebench report`: one self-contained HTML report for runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::{commands, console};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results: `eval --output` folders (with their per-sample files), their results.json,
    /// or `eval --format json` outputs; one per model.
    #[arg(required = true, value_name = "RESULTS")]
    pub results: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long, default_value = "report.html", value_name = "FILE")]
    pub out: PathBuf,
}

/// Writes the report and says where.
pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let written = commands::report::run(&args.results, &args.out)?;
    console::line(&format!(
        "wrote {} ({} run(s), {} bytes)",
        args.out.display(),
        written.runs,
        written.bytes
    ));
    Ok(ExitCode::SUCCESS)
}
