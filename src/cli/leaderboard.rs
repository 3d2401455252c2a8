//! `cuebench leaderboard`: many runs side by side as the paper's table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::console;
use cuebench::report::leaderboard::read_board;

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

/// Prints the runs' leaderboard in `--format`, warnings on stderr.
pub fn leaderboard(args: LeaderboardArgs) -> anyhow::Result<ExitCode> {
    let format = args.format.0;
    let (board, warnings) = read_board(&args.results, format.needs_samples(), args.ci)?;
    for w in &warnings {
        console::warning(w);
    }
    emit(&format.renderer().leaderboard(&board))?;
    Ok(ExitCode::SUCCESS)
}
