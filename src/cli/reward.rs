//! `cuebench reward`: CUE-R1 rewards per completion line, from a file or a
//! stream, through the library's reward line protocol.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::config::Inputs;
use cuebench::console;
use cuebench::reward::{run_file, run_stream};

use super::args::{RewardSessionArgs, reward_session};

#[derive(Debug, Args)]
pub struct RewardArgs {
    /// Completions JSONL ({"id", "response"}, optional "task"); `-` or none: read stdin as a
    /// stream, answering each line as it arrives (for a training loop).
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub session: RewardSessionArgs,
}

pub fn reward(args: RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let mut session = reward_session(&args.session, inputs)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors = match args.input.filter(|p| p.as_os_str() != "-") {
        Some(path) => run_file(&mut session, args.session.task, &path, &mut out)?,
        None => run_stream(
            &mut session,
            args.session.task,
            &mut std::io::stdin().lock(),
            &mut out,
        )?,
    };
    if errors > 0 {
        console::warning(&format!(
            "{errors} line(s) could not be scored and were answered with an error record"
        ));
    }
    Ok(ExitCode::SUCCESS)
}
