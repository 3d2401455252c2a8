//! `cuebench reward`: CUE-R1 rewards per completion line, from a file or a
//! stream, through the library's reward line protocol.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::config::Inputs;
use cuebench::console;
use cuebench::reward::{run_file, run_stream};

use cuebench::benchmarks::rewards::answer_line;

use super::args::{RewardSessionArgs, bench_rewards, reward_session};
use super::emit;

#[derive(Debug, Args)]
pub struct RewardArgs {
    /// Completions JSONL ({"id", "response"}, optional "task"); `-` or none: read stdin as a
    /// stream, answering each line as it arrives (for a training loop).
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub session: RewardSessionArgs,
}

pub fn reward(args: RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    if args.session.sibling() {
        return bench_reward(&args, inputs);
    }
    let task = args.session.cuebench_task()?;
    let mut session = reward_session(&args.session, inputs)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors = match args.input.filter(|p| p.as_os_str() != "-") {
        Some(path) => run_file(&mut session, task, &path, &mut out)?,
        None => run_stream(&mut session, task, &mut std::io::stdin().lock(), &mut out)?,
    };
    warn_errors(errors);
    Ok(ExitCode::SUCCESS)
}

fn warn_errors(errors: usize) {
    if errors > 0 {
        console::warning(&format!(
            "{errors} line(s) could not be scored and were answered with an error record"
        ));
    }
}

/// `reward --bench vau-bench|vad-reasoning`: the sibling's training rewards,
/// one line out per completion line in (a file, or stdin as a stream).
fn bench_reward(args: &RewardArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    let rewards = bench_rewards(&args.session, inputs)?;
    let (source, reader): (PathBuf, Box<dyn BufRead>) =
        match args.input.as_ref().filter(|p| p.as_os_str() != "-") {
            Some(path) => {
                let file = std::fs::File::open(path).map_err(|source| cuebench::Error::Io {
                    path: path.clone(),
                    source,
                })?;
                (path.clone(), Box::new(std::io::BufReader::new(file)))
            }
            None => (
                PathBuf::from("<stdin>"),
                Box::new(std::io::BufReader::new(std::io::stdin())),
            ),
        };
    let mut errors = 0;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| cuebench::Error::Io {
            path: source.clone(),
            source: e,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = answer_line(&rewards, &line, i + 1, &source).unwrap_or_else(|error| {
            errors += 1;
            error
        });
        emit(&format!("{record}\n"))?;
    }
    warn_errors(errors);
    Ok(ExitCode::SUCCESS)
}
