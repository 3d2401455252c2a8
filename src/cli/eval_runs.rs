//! `cuebench eval --all RUN...` with several run folders (docs/many-runs.md):
//! the wiring of `benchmarks::many_runs`. One embedding pass over the
//! union of the runs' texts, one results document per run (`--output
//! DIR` writes `DIR/<run>/`), and one table of every run.

use std::path::PathBuf;
use std::process::ExitCode;

use cuebench::benchmarks::many_runs::{run_folders, score_runs, solo_command};
use cuebench::benchmarks::run::{RunHeader, Scored};
use cuebench::config::Inputs;
use cuebench::console;
use cuebench::report::html::input::Run;
use cuebench::report::leaderboard::{Board, Layout};
use cuebench::report::results::write_output;

use super::emit;
use super::eval::{EvalArgs, confidence, input_files, report_findings, request};

/// Scores every run, writes each run's `--output` sub-folder and prints
/// the table of all runs in `--format`.
pub fn eval_runs(args: &EvalArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    for (given, flag) in [
        (args.name.is_some(), "--name"),
        (args.per_sample.is_some(), "--per-sample"),
    ] {
        if given {
            return Err(cuebench::Error::Usage(format!(
                "{flag} is for one run; several runs are named after their folders, and \
                 --output DIR writes each run's per-sample files to DIR/<run>/"
            ))
            .into());
        }
    }
    let folders = run_folders(&args.predictions)?;
    let request = request(args, inputs, &folders[0].path)?;
    let scored = score_runs(args.bench, args.protocol, &request, &folders)?;
    let findings: Vec<_> = scored
        .runs
        .iter()
        .flat_map(|r| r.findings.clone())
        .collect();
    report_findings(&findings, args.strict)?;
    if let Some(texts) = scored.texts.filter(|_| !args.embedding.quiet) {
        console::line(&format!(
            "cuebench: {} runs, {texts} distinct texts embedded in one pass",
            folders.len()
        ));
    }
    // Outputs may never replace a file any run reads.
    let protected: Vec<PathBuf> = folders
        .iter()
        .flat_map(|f| input_files(&request.gt, &f.path, request.taxonomy.as_deref()))
        .collect();
    let protected: Vec<&std::path::Path> = protected.iter().map(PathBuf::as_path).collect();
    let command: Vec<String> = std::env::args().collect();
    let format = args.format.0;
    let mut runs = Vec::with_capacity(folders.len());
    for (folder, run) in folders.iter().zip(scored.runs) {
        let header = RunHeader {
            command: solo_command(&command, &folders, folder, args.output.as_deref()),
            name: folder.name.clone(),
            benchmark: args.bench,
            protocol: args.protocol,
        };
        let Scored {
            mut document,
            evaluations,
        } = run.into_document(header, confidence(args))?;
        if let Some(dir) = &args.output {
            write_output(
                &folder.output_dir(dir),
                &mut document,
                &evaluations,
                &protected,
            )?;
        }
        runs.push(if format.needs_samples() {
            Run::scored(document, &evaluations)
        } else {
            Run::unsampled(document)
        });
    }
    let board = Board::new(runs, Layout::of_groups(scored.row), args.confidence);
    emit(&format.renderer().leaderboard(&board))?;
    Ok(ExitCode::SUCCESS)
}
