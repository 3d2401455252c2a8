//! `cuebench leaderboard`: many runs side by side as the paper's table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::console;
use cuebench::report::html::input::read_run;
use cuebench::report::results::read_document;
use cuebench::report::{html, leaderboard};

use super::args::OutputFormat;
use super::emit;

#[derive(Debug, Args)]
pub struct LeaderboardArgs {
    /// Results: results.json files, `eval --format json` outputs or `--output` folders, one row each.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Output format; `html` writes the self-contained report of `cuebench report` to stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Show the confidence intervals the results hold (`eval --confidence`).
    #[arg(long)]
    pub ci: bool,
}

pub fn leaderboard(args: LeaderboardArgs) -> anyhow::Result<ExitCode> {
    let documents = args
        .results
        .iter()
        .map(|p| Ok((p.display().to_string(), read_document(p)?)))
        .collect::<cuebench::Result<Vec<_>>>()?;
    for w in leaderboard::check_signatures(&documents)? {
        console::warning(&w);
    }
    let Some(format) = args.format.text() else {
        let runs = args
            .results
            .iter()
            .map(|p| read_run(p))
            .collect::<cuebench::Result<Vec<_>>>()?;
        emit(&html::render(&runs))?;
        return Ok(ExitCode::SUCCESS);
    };
    let documents: Vec<_> = documents.into_iter().map(|(_, d)| d).collect();
    let layout = leaderboard::Layout::for_documents(&documents);
    emit(&leaderboard::render(&documents, &layout, format, args.ci))?;
    Ok(ExitCode::SUCCESS)
}
