//! The `cuebench` command line: the flags of every subcommand, declared
//! once with clap (one module per subcommand, shared groups in [`args`]),
//! and what each subcommand prints. The work is done by the library.

mod args;
mod bench;
mod compare;
mod completions;
mod eval;
mod eval_runs;
mod export;
mod init;
mod leaderboard;
mod prompts;
mod report;
mod reward;
#[cfg(feature = "serve")]
mod serve;
mod tasks;
mod validate;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cuebench::config::Inputs;

/// `--version`: the release and the source revision it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CUEBENCH_REVISION"),
    ")"
);

/// Fast, exact scoring for context-aware video anomaly understanding.
///
/// --gt, --taxonomy and --model may also come from CUEBENCH_GT, CUEBENCH_TAXONOMY,
/// CUEBENCH_MODEL or a cuebench.toml in this folder or a parent (`cuebench init`).
#[derive(Debug, Parser)]
#[command(name = "cuebench", version = VERSION, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score predictions: one task, or every task with --all (a leaderboard row).
    #[command(after_help = eval::EVAL_EXAMPLES)]
    Eval(Box<eval::EvalArgs>),
    /// Write each task's derived ground truth as <task>.jsonl files.
    Tasks(tasks::TasksArgs),
    /// Write the model inputs: per sample its id, video file, prompt (and anticipation cut time).
    Prompts(prompts::PromptsArgs),
    /// Check a predictions file (JSON, ids, duplicates, coverage) without scoring.
    Validate(validate::ValidateArgs),
    /// CUE-R1 reward per completion: JSONL in, one {id, reward, parts} line out per line.
    Reward(reward::RewardArgs),
    /// Time `eval --all` (cold and warm cache) and the embedding on a generated CueBench-sized input.
    Bench(bench::BenchArgs),
    /// CI gate: exit 1 if a figure of CANDIDATE dropped more than --max-drop points below BASELINE.
    Compare(compare::CompareArgs),
    /// Many models' results side by side as the paper's Table 2, best and second-best marked.
    Leaderboard(leaderboard::LeaderboardArgs),
    /// Write one self-contained HTML report (tables, charts, worst samples, provenance) for runs.
    Report(report::ReportArgs),
    /// Write a run's results in an exchange format: Every Eval Ever (`eee`) or Hugging Face
    /// `.eval_results` YAML (`hf`).
    Export(export::ExportArgs),
    /// Re-score a submission's predictions with its recorded settings: exit 0 when every figure
    /// and count equals the claim, 1 (with a table) when not, 2 when not comparable.
    Verify(verify::VerifyArgs),
    /// Write a commented cuebench.toml (annotation file, taxonomy, model) in the current folder.
    Init(init::InitArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
    /// Serve CUE-R1 rewards over HTTP (POST /reward, OpenRLHF's POST /get_reward, GET /health).
    /// No authentication: keep it on loopback.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// Runs one subcommand. Init, completions and man read no inputs, so a
/// broken cuebench.toml cannot stop them; every other command looks for it
/// first.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init(args) => init::init(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man => completions::man(),
        Command::Eval(args) => eval::eval(*args, &Inputs::discover()?),
        Command::Tasks(args) => tasks::tasks(args, &Inputs::discover()?),
        Command::Prompts(args) => prompts::prompts(args, &Inputs::discover()?),
        Command::Validate(args) => validate::validate(args, &Inputs::discover()?),
        Command::Reward(args) => reward::reward(args, &Inputs::discover()?),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::serve(args, &Inputs::discover()?),
        Command::Bench(args) => bench::bench(args, &Inputs::discover()?),
        Command::Compare(args) => compare::compare(args),
        Command::Export(args) => export::export(args),
        Command::Verify(args) => verify::verify(args),
        Command::Leaderboard(args) => leaderboard::leaderboard(args),
        Command::Report(args) => report::report(args),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}
