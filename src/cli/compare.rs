//! `cuebench compare`: the CI gate between a baseline and a candidate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::model::Confidence;
use cuebench::report::compare::Paired;
use cuebench::report::render::Format;
use cuebench::{commands, console};

use super::args::OutputFormat;
use super::emit;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Baseline results: a results.json, an `eval --format json` output, or an `--output` folder.
    pub baseline: PathBuf,
    /// Candidate results, likewise.
    pub candidate: PathBuf,
    /// Largest tolerated drop, in points (percent); a number >= 0.
    #[arg(long, default_value_t = 0.5)]
    pub max_drop: f64,
    /// Paired bootstrap over the samples both runs share (needs `eval --output` folders):
    /// a drop is a regression only when it exceeds --max-drop and p < --alpha.
    #[arg(long)]
    pub paired_bs: bool,
    /// Resamples of the paired bootstrap.
    #[arg(long, default_value_t = Confidence::default().n)]
    pub paired_bs_n: usize,
    /// Significance level of the paired bootstrap.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Seed of the paired bootstrap.
    #[arg(long, default_value_t = Confidence::default().seed)]
    pub seed: u64,
    /// Output format (a pull-request comment: markdown).
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    use commands::compare::CompareOptions;
    let format = args.format.0;
    let comparison = commands::compare::run(&CompareOptions {
        baseline: args.baseline,
        candidate: args.candidate,
        max_drop: args.max_drop,
        paired: args.paired_bs.then_some(Paired {
            n: args.paired_bs_n,
            seed: args.seed,
            alpha: args.alpha,
        }),
    });
    // A CI summary (`--format markdown >> $GITHUB_STEP_SUMMARY`) shows why
    // the gate refused; the error itself still goes to stderr, exit 2.
    let comparison = match (comparison, format) {
        (Err(e), Format::Markdown) if e.markdown().is_some() => {
            emit(e.markdown().unwrap_or_default())?;
            return Err(e.into());
        }
        (comparison, _) => comparison?,
    };
    for w in &comparison.warnings {
        console::warning(w);
    }
    emit(&format.renderer().comparison(&comparison))?;
    Ok(if comparison.regressions().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
