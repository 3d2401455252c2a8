//! Many runs, one pass (docs/many-runs.md): several prediction folders
//! (the checkpoints of a training run, say) scored together, as `eval
//! --all runs/ckpt-*/` does.
//!
//! Every run is read first, so a bad file stops the whole before anything
//! is embedded. Under CueBench's unified protocol one session then embeds
//! the union of the runs' distinct texts in one pass and scores each run
//! from it; the other protocols embed nothing and score run after run.
//! Each run's [`EvalRun`] is the one it gets scored alone: a text's vector
//! does not depend on the texts embedded with it (docs/scoring.md §6), and
//! a session's scores do not depend on what it scored before.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::Request;
use super::cuebench::{ReadRun, eval_options, read_run, score_read};
use super::registry::checked;
use super::run::EvalRun;
use crate::error::{Error, Result};
use crate::evaluate::{Session, TaskPredictions};
use crate::model::{BenchmarkId, Protocol, RowGroup};

/// One run: a predictions folder and the name its results carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFolder {
    /// The folder's last component: the name `eval` gives the folder's
    /// results when it is scored alone, and the run's `--output` sub-folder.
    pub name: String,
    /// The folder as given.
    pub path: PathBuf,
}

impl RunFolder {
    /// The run's folder inside an `--output` folder: `<dir>/<name>`.
    pub fn output_dir(&self, dir: &Path) -> PathBuf {
        dir.join(&self.name)
    }
}

/// Characters a shell expands in a pattern: a path holding one that does
/// not exist is most likely a pattern that matched nothing.
const PATTERN_CHARS: [char; 3] = ['*', '?', '['];

/// Checks that each of `paths` is a folder and names its run after the
/// folder's last component. Usage errors: no path at all, a path that does
/// not exist (a shell pattern that matched nothing, when it looks like
/// one), a file, a folder without a name of its own (`.`, `/`), and two
/// runs of one name (their results could not be told apart).
pub fn run_folders(paths: &[PathBuf]) -> Result<Vec<RunFolder>> {
    if paths.is_empty() {
        return Err(Error::Usage("no run folder given".into()));
    }
    let mut named: BTreeMap<String, &Path> = BTreeMap::new();
    let mut runs = Vec::with_capacity(paths.len());
    for path in paths {
        let shown = path.display();
        if !path.exists() {
            let hint = if path.to_string_lossy().contains(PATTERN_CHARS) {
                " (a shell pattern that matched nothing is passed on as it is)"
            } else {
                ""
            };
            return Err(Error::Usage(format!("{shown}: no such run folder{hint}")));
        }
        if !path.is_dir() {
            return Err(Error::Usage(format!(
                "{shown}: not a folder: each of several runs is a folder of <task>.jsonl files"
            )));
        }
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(Error::Usage(format!(
                "{shown}: a run folder needs a name of its own (its last component names the \
                 run); give it by its name, e.g. ../<name>"
            )));
        };
        if let Some(other) = named.insert(name.clone(), path) {
            return Err(Error::Usage(format!(
                "{} and {shown} are both runs named `{name}` (a run is named after its folder, \
                 and so is its --output sub-folder): score them in separate evals",
                other.display()
            )));
        }
        runs.push(RunFolder {
            name,
            path: path.clone(),
        });
    }
    Ok(runs)
}

/// Several runs scored together.
#[derive(Debug)]
pub struct ScoredRuns {
    /// One scored run per folder, in the order given.
    pub runs: Vec<EvalRun>,
    /// The `--all` row layout (a paper table).
    pub row: &'static [RowGroup],
    /// The distinct texts of all runs together, embedded (or found in the
    /// cache) in one pass; `None` when the protocol embeds nothing.
    pub texts: Option<usize>,
}

/// Scores every task (`--all`) of each run in `runs` with the benchmark
/// `bench` under `protocol`, after `eval`'s checks: `request` as for one
/// run, its `predictions` replaced by each run's folder. Under CueBench's
/// unified protocol, every run is read before one embedding pass over the
/// union of their texts.
pub fn score_runs(
    bench: BenchmarkId,
    protocol: Protocol,
    request: &Request,
    runs: &[RunFolder],
) -> Result<ScoredRuns> {
    if let Some(task) = &request.task {
        return Err(Error::Usage(format!(
            "several runs are scored with --all, not --task {task} (each run is a folder of \
             <task>.jsonl files)"
        )));
    }
    let (benchmark, row) = checked(bench, protocol, true, request)?;
    let row = row.ok_or_else(|| Error::Usage("several runs need --all".into()))?;
    let requests: Vec<Request> = runs
        .iter()
        .map(|r| Request {
            predictions: r.path.clone(),
            ..request.clone()
        })
        .collect();
    if (bench, protocol) != (BenchmarkId::CueBench, Protocol::Unified) {
        return Ok(ScoredRuns {
            runs: requests
                .iter()
                .map(|r| benchmark.run(r))
                .collect::<Result<_>>()?,
            row,
            texts: None,
        });
    }
    let (runs, texts) = one_pass(&requests)?;
    Ok(ScoredRuns {
        runs,
        row,
        texts: Some(texts),
    })
}

/// CueBench's unified runs from one session: read every run, embed the
/// union of their texts once, score each; with the union's size.
fn one_pass(requests: &[Request]) -> Result<(Vec<EvalRun>, usize)> {
    let options = requests
        .iter()
        .map(eval_options)
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = options.first() else {
        return Ok((Vec::new(), 0));
    };
    let mut session = Session::open(first.session_options())?;
    let read = options
        .iter()
        .map(read_run)
        .collect::<Result<Vec<ReadRun>>>()?;
    let inputs: Vec<TaskPredictions> = read.iter().flat_map(ReadRun::inputs).collect();
    let texts = session.embed_ahead(&inputs)?;
    drop(inputs);
    let runs = options
        .iter()
        .zip(&read)
        .map(|(o, r)| score_read(&mut session, o, r))
        .collect::<Result<_>>()?;
    Ok((runs, texts))
}

/// The command line that scores `run` alone, as its results document
/// records it (docs/results.md): `command` (program, subcommand, arguments)
/// with the run folders among its arguments (those equal to one as given)
/// reduced to `run`'s, and the value of
/// `--output` made the run's sub-folder of it. Running it writes the same
/// bytes.
pub fn solo_command(
    command: &[String],
    runs: &[RunFolder],
    run: &RunFolder,
    output: Option<&Path>,
) -> Vec<String> {
    let is_run = |arg: &str| runs.iter().any(|r| r.path.as_os_str() == OsStr::new(arg));
    let sub_folder = output.map(|dir| run.output_dir(dir).to_string_lossy().into_owned());
    // The program and the subcommand stay as they are (a run folder may be
    // called `eval`).
    let mut solo: Vec<String> = command.iter().take(2).cloned().collect();
    let mut placed = false;
    let mut args = command.iter().skip(2);
    while let Some(arg) = args.next() {
        match (arg.as_str(), &sub_folder) {
            ("--output", Some(dir)) => {
                solo.push(arg.clone());
                if args.next().is_some() {
                    solo.push(dir.clone());
                }
            }
            (a, Some(dir)) if a.starts_with("--output=") => solo.push(format!("--output={dir}")),
            (a, _) if is_run(a) => {
                if !placed {
                    solo.push(run.path.to_string_lossy().into_owned());
                    placed = true;
                }
            }
            _ => solo.push(arg.clone()),
        }
    }
    solo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    fn folder(name: &str, path: &str) -> RunFolder {
        RunFolder {
            name: name.into(),
            path: path.into(),
        }
    }

    #[test]
    fn the_solo_command_keeps_one_run_and_its_output_sub_folder() {
        let runs = [folder("a", "runs/a/"), folder("b", "runs/b")];
        let command = strings(&[
            "cuebench", "eval", "--all", "runs/a/", "runs/b", "--gt", "gt.json", "--output", "out",
        ]);
        let out = Some(Path::new("out"));
        assert_eq!(
            solo_command(&command, &runs, &runs[1], out),
            strings(&[
                "cuebench", "eval", "--all", "runs/b", "--gt", "gt.json", "--output", "out/b"
            ])
        );
        // `--output=DIR`, the folders after the flags, no --output.
        let command = strings(&[
            "cuebench",
            "eval",
            "--output=o",
            "--all",
            "runs/a/",
            "runs/b",
        ]);
        assert_eq!(
            solo_command(&command, &runs, &runs[0], Some(Path::new("o"))),
            strings(&["cuebench", "eval", "--output=o/a", "--all", "runs/a/"])
        );
        let command = strings(&["cuebench", "eval", "--all", "runs/a/", "runs/b"]);
        assert_eq!(
            solo_command(&command, &runs, &runs[0], None),
            strings(&["cuebench", "eval", "--all", "runs/a/"])
        );
        // A run folder called like the subcommand.
        let runs = [folder("eval", "eval"), folder("b", "runs/b")];
        let command = strings(&["cuebench", "eval", "--all", "eval", "runs/b"]);
        assert_eq!(
            solo_command(&command, &runs, &runs[1], None),
            strings(&["cuebench", "eval", "--all", "runs/b"])
        );
    }

    #[test]
    fn folders_are_named_after_their_last_component() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["ckpt-1", "ckpt-2"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        let with_slash = PathBuf::from(format!("{}/", dir.path().join("ckpt-1").display()));
        let runs = run_folders(&[with_slash.clone(), dir.path().join("ckpt-2")]).unwrap();
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ckpt-1", "ckpt-2"]);
        assert_eq!(runs[0].path, with_slash);
        assert_eq!(
            runs[1].output_dir(Path::new("out")),
            Path::new("out/ckpt-2")
        );
    }

    fn refused(paths: &[PathBuf]) -> String {
        match run_folders(paths) {
            Err(Error::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn what_is_no_run_folder_is_a_usage_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x/ckpt"), dir.path().join("y/ckpt"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d).unwrap();
        }
        let file = dir.path().join("preds.jsonl");
        std::fs::write(&file, "").unwrap();
        assert_eq!(refused(&[]), "no run folder given");
        let pattern = dir.path().join("ckpt-*");
        assert_eq!(
            refused(std::slice::from_ref(&pattern)),
            format!(
                "{}: no such run folder (a shell pattern that matched nothing is passed on as it is)",
                pattern.display()
            )
        );
        let missing = dir.path().join("gone");
        assert_eq!(
            refused(&[a.clone(), missing.clone()]),
            format!("{}: no such run folder", missing.display())
        );
        assert!(
            refused(&[a.clone(), file.clone()])
                .starts_with(&format!("{}: not a folder", file.display()))
        );
        assert!(
            refused(&[PathBuf::from("/")]).starts_with("/: a run folder needs a name of its own")
        );
        assert_eq!(
            refused(&[a.clone(), b.clone()]),
            format!(
                "{} and {} are both runs named `ckpt` (a run is named after its folder, and so is \
                 its --output sub-folder): score them in separate evals",
                a.display(),
                b.display()
            )
        );
    }

    #[test]
    fn several_runs_need_all() {
        let request = Request {
            task: Some("event".into()),
            ..Request::default()
        };
        let err = score_runs(BenchmarkId::CueBench, Protocol::Unified, &request, &[]);
        assert!(
            matches!(err, Err(Error::Usage(m)) if m.starts_with("several runs are scored with --all"))
        );
        let err = score_runs(
            BenchmarkId::VadReasoning,
            Protocol::Unified,
            &Request::default(),
            &[],
        );
        assert!(matches!(err, Err(Error::Usage(m)) if m.contains("--all does not apply")));
    }
}
