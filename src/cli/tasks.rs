//! `cuebench tasks`: write each task's derived ground truth.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::config::{Input, Inputs};
use cuebench::{commands, console};

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    pub gt: Option<PathBuf>,
    /// Output folder, one `<task>.jsonl` per task.
    #[arg(long, default_value = "tasks")]
    pub out: PathBuf,
}

/// Writes one `<task>.jsonl` per task into `--out`.
pub fn tasks(args: TasksArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    for (path, n) in commands::tasks::run(&gt, &args.out)? {
        console::line(&format!("wrote {} ({n} samples)", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}
