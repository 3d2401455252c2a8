//! `cuebench bench`: time `eval --all` and the embedding on generated data.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::commands;
use cuebench::config::Inputs;

use super::args::EmbedArgs;
use super::emit;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Folder for the generated data and its vector cache (emptied first).
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Instead, time N generated runs scored cold together (one embedding pass) against N
    /// separate cold evals (docs/many-runs.md).
    #[arg(long, value_name = "N")]
    pub runs: Option<usize>,
    #[command(flatten)]
    pub embedding: EmbedArgs,
}

/// Runs the timings and prints them as text or JSON.
pub fn bench(args: BenchArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    // bench times a cold and a warm cache of its own, under --work.
    if args.embedding.cache_dir.is_some() || args.embedding.no_cache {
        return Err(cuebench::Error::Usage(
            "bench keeps its own vector cache under --work (it times a cold and a warm run); --cache-dir and --no-cache do not apply".into(),
        )
        .into());
    }
    let work = args.work.unwrap_or_else(commands::bench::default_work_dir);
    let options = args.embedding.options(inputs)?;
    let (json, text) = match args.runs {
        Some(n) => {
            let report = commands::bench_runs::run(&work, &options, n)?;
            (serde_json::to_string_pretty(&report)?, report.text())
        }
        None => {
            let report = commands::bench::run(&work, &options)?;
            (serde_json::to_string_pretty(&report)?, report.text())
        }
    };
    let text = if args.json { format!("{json}\n") } else { text };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
