//! Regression tests for issue 21 items 4 to 6: an `eval --output` run
//! folder is whole or absent, and readers prove it (`report`, `compare`,
//! `leaderboard` refuse a folder whose files do not match, naming the file);
//! no output replaces a file a run references; values a results file cannot
//! hold are input errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

mod common;
use common::{TASKS, root, stderr, stdout};

fn cuebench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(args)
        .env_remove("CUEBENCH_GT")
        .env_remove("CUEBENCH_TEST_KILL_AT")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `eval --all --output OUT PREDICTIONS` command, with its own cache.
fn eval_command(predictions: &Path, out: &Path, cache: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command
        .args(["eval", "--all", "--quiet", "--gt"])
        .arg(root().join("examples/annotations.json"))
        .arg("--model")
        .arg(root().join("models/minilm-l6-v2"))
        .args(["--cache-dir", s(cache), "--output", s(out), s(predictions)])
        .env_remove("CUEBENCH_GT")
        .env_remove("CUEBENCH_TEST_KILL_AT")
        .env("SOURCE_DATE_EPOCH", "1700000000");
    command
}

/// Two runs of the examples: `old` (every other prediction line) and `new`
/// (all of them), as prediction folders under `dir`.
fn two_prediction_sets(dir: &Path) -> (PathBuf, PathBuf) {
    let old = dir.join("old-predictions");
    std::fs::create_dir_all(&old).unwrap();
    for task in TASKS {
        let text =
            std::fs::read_to_string(root().join(format!("examples/predictions/{task}.jsonl")))
                .unwrap();
        let half: String = text.lines().step_by(2).map(|l| format!("{l}\n")).collect();
        std::fs::write(old.join(format!("{task}.jsonl")), half).unwrap();
    }
    (old, root().join("examples/predictions"))
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// What each reader makes of `run`: `(exit code, output)` of `leaderboard`,
/// `compare BASELINE run --paired-bs` and `report run` (the HTML).
fn readers(run: &Path, baseline: &Path, html: &Path) -> Vec<(Option<i32>, String)> {
    let _ = std::fs::remove_file(html);
    let leaderboard = cuebench(&["leaderboard", s(run), "--format", "json"]);
    let compare = cuebench(&[
        "compare",
        s(baseline),
        s(run),
        "--paired-bs",
        "--paired-bs-n",
        "50",
        "--format",
        "json",
    ]);
    let report = cuebench(&["report", s(run), "--out", s(html)]);
    vec![
        (
            leaderboard.status.code(),
            stdout(&leaderboard) + &stderr(&leaderboard),
        ),
        (compare.status.code(), stdout(&compare) + &stderr(&compare)),
        (
            report.status.code(),
            std::fs::read_to_string(html).unwrap_or_else(|_| stderr(&report)),
        ),
    ]
}

/// Removes the run folder and any hidden sibling an interrupted write left.
fn clear(parent: &Path) {
    for entry in std::fs::read_dir(parent).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "run" || name.starts_with(".run.cuebench-") {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
}

/// Which run each reader saw after an interruption: the old, the new, or a
/// refusal (exit 2); anything else fails.
fn classify(
    got: &[(Option<i32>, String)],
    old: &[(Option<i32>, String)],
    new: &[(Option<i32>, String)],
    at: &str,
) -> Vec<&'static str> {
    got.iter()
        .zip(old.iter().zip(new))
        .map(|(g, (o, n))| {
            if g == o {
                "old"
            } else if g == n {
                "new"
            } else {
                assert_eq!(g.0, Some(2), "{at}: a reader accepted a mix: {}", g.1);
                "refused"
            }
        })
        .collect()
}

#[test]
fn sigkill_during_eval_output_over_an_older_run_never_leaves_a_mix_a_reader_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let (old_predictions, new_predictions) = two_prediction_sets(dir.path());
    let cache = dir.path().join("cache");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let run = work.join("run");
    let html = dir.path().join("report.html");
    let (pristine, baseline) = (dir.path().join("pristine"), dir.path().join("baseline"));
    let made = eval_command(&old_predictions, &run, &cache)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    copy_folder(&run, &pristine);
    copy_folder(&run, &baseline);
    let old = readers(&run, &baseline, &html);
    assert!(
        old.iter().all(|(code, _)| matches!(code, Some(0 | 1))),
        "{old:?}"
    );
    let made = eval_command(&new_predictions, &run, &cache)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let new = readers(&run, &baseline, &html);
    assert!(
        new.iter().all(|(code, _)| matches!(code, Some(0 | 1))),
        "{new:?}"
    );
    assert_ne!(old, new);

    let mut seen = Vec::new();
    // Every step of the write (debug builds): half of each file, each file
    // synced, the folder synced, each rename, the clean-up.
    if cfg!(debug_assertions) {
        for step in 1.. {
            clear(&work);
            copy_folder(&pristine, &run);
            let out = eval_command(&new_predictions, &run, &cache)
                .env("CUEBENCH_TEST_KILL_AT", step.to_string())
                .output()
                .unwrap();
            if out.status.success() {
                assert!(step > 20, "the write has only {} steps", step - 1);
                break;
            }
            assert_eq!(out.status.code(), None, "step {step}: {}", stderr(&out));
            let got = readers(&run, &baseline, &html);
            let kinds = classify(&got, &old, &new, &format!("step {step}"));
            if kinds.contains(&"refused") {
                // Only between the two renames, and then every reader says
                // where the old run is.
                assert!(!run.exists(), "step {step}: {got:?}");
                for (_, message) in &got {
                    assert!(message.contains("interrupted"), "{message}");
                }
            }
            seen.extend(kinds);
        }
        assert!(seen.contains(&"refused"), "{seen:?}");
    }
    // And SIGKILL from outside after growing delays.
    for delay_ms in (0..8).map(|i| i * 40) {
        clear(&work);
        copy_folder(&pristine, &run);
        let mut child = eval_command(&new_predictions, &run, &cache)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let got = readers(&run, &baseline, &html);
        seen.extend(classify(&got, &old, &new, &format!("after {delay_ms} ms")));
    }
    assert!(seen.contains(&"old") && seen.contains(&"new"), "{seen:?}");

    // A rerun after an interruption writes the new run and leaves nothing behind.
    let made = eval_command(&new_predictions, &run, &cache)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    assert_eq!(readers(&run, &baseline, &html), new);
    let names: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["run"]);
}

#[test]
fn a_folder_mixing_two_runs_is_refused_by_every_reader_naming_the_file() {
    // The case: six new per-sample files, two old ones, the old
    // results.json.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("mixed");
    copy_folder(&root().join("examples/results/example"), &run);
    for task in &TASKS[..6] {
        let name = format!("samples_{task}.jsonl");
        std::fs::copy(
            root().join("examples/results/weak").join(&name),
            run.join(&name),
        )
        .unwrap();
    }
    let html = dir.path().join("r.html");
    let example = root().join("examples/results/example");
    for args in [
        vec!["leaderboard", s(&run)],
        vec!["compare", s(&example), s(&run)],
        vec!["compare", s(&example), s(&run), "--paired-bs"],
        vec!["report", s(&run), "--out", s(&html)],
        vec!["export", "--format", "hf", s(&run)],
    ] {
        let out = cuebench(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("samples_event.jsonl is not the file this document was written with"),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    assert!(!html.exists());
    // A changed sample count, or a figure that is not the mean of its
    // per-sample scores, is refused too (the sha256 alone would catch an
    // edit of the file; the figure check catches an edit of results.json).
    let run = dir.path().join("edited");
    copy_folder(&example, &run);
    let text = std::fs::read_to_string(run.join("results.json")).unwrap();
    let edited = text.replacen("\"value\": 75.71428571428572", "\"value\": 99.5", 1);
    assert_ne!(text, edited);
    std::fs::write(run.join("results.json"), edited).unwrap();
    let out = cuebench(&["compare", s(&example), s(&run), "--paired-bs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("field `results.event.metrics.Struct`: 99.5 is not the mean"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn report_out_over_a_runs_own_sample_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("ex");
    copy_folder(&root().join("examples/results/example"), &run);
    let target = run.join("samples_event.jsonl");
    let before = std::fs::read(&target).unwrap();
    let out = cuebench(&["report", s(&run), "--out", s(&target)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refusing to overwrite an input file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
}

#[test]
fn eval_output_never_replaces_a_folder_it_would_lose_files_of() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let predictions = root().join("examples/predictions");
    // A subfolder would be lost: refused, nothing touched.
    let busy = dir.path().join("busy");
    std::fs::create_dir_all(busy.join("sub")).unwrap();
    let out = eval_command(&predictions, &busy, &cache).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it holds `sub`, a folder"),
        "{}",
        stderr(&out)
    );
    assert!(busy.join("sub").is_dir());
    // A file of the user's (or an input) in an older run folder is kept.
    let run = dir.path().join("run");
    copy_folder(&root().join("examples/results/weak"), &run);
    std::fs::write(run.join("notes.txt"), "mine").unwrap();
    let out = eval_command(&predictions, &run, &cache).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(run.join("notes.txt")).unwrap(),
        "mine"
    );
    let lb = cuebench(&["leaderboard", s(&run)]);
    assert!(lb.status.success(), "{}", stderr(&lb));
    // The current folder is never replaced.
    let out = eval_command(&predictions, Path::new("."), &cache)
        .current_dir(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it is the current folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn figures_out_of_range_and_per_sample_files_outside_the_run_folder_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let example = root().join("examples/results/example");
    let text = std::fs::read_to_string(example.join("results.json")).unwrap();
    // A tampered figure, interval or per-sample file path: exit 2 naming
    // the file and the field, whichever reader reads it.
    let first = "\"value\": 75.71428571428572";
    let cases = [
        (
            "minus",
            text.replacen(first, "\"value\": -5", 1),
            "results[0].metrics[0].value`: -5 for `Struct`",
        ),
        (
            "thousand",
            text.replacen(first, "\"value\": 1000", 1),
            "1000 for `Struct` is not a percentage",
        ),
        (
            "huge",
            text.replacen(first, "\"value\": 1e300", 1),
            "1e300 for `Struct`",
        ),
        (
            "ci",
            text.replacen("\"high\": ", "\"high\": 1e9, \"x\": ", 1),
            "results[0].metrics[0].ci.high`",
        ),
        (
            "twice",
            text.replacen(first, "\"value\": 1, \"value\": 75.7", 1),
            "duplicate field `value`",
        ),
        (
            "counts",
            text.replacen("\"scored\": 20,", "\"scored\": 21,", 1),
            "field `results[0].counts`: do not add up: 22 samples, but scored + missing + parse_failed + judge_failed = 23",
        ),
        (
            "lines",
            text.replacen("\"samples_count\": 22", "\"samples_count\": 21", 1),
            "field `results.event.samples_count`: 21, but the task counts 22 samples",
        ),
        (
            "absolute",
            text.replacen("\"samples_event.jsonl\"", "\"/etc/passwd\"", 1),
            "field `results.event.samples_file`: `/etc/passwd` is not a file name inside the run folder",
        ),
        (
            "escape",
            text.replacen(
                "\"samples_event.jsonl\"",
                "\"../example/samples_event.jsonl\"",
                1,
            ),
            "is not a file name inside the run folder",
        ),
    ];
    for (name, edited, needle) in cases {
        assert_ne!(edited, text, "{name}");
        let run = dir.path().join(name);
        copy_folder(&example, &run);
        std::fs::write(run.join("results.json"), edited).unwrap();
        for args in [
            vec!["leaderboard", s(&run)],
            vec!["compare", s(&example), s(&run)],
        ] {
            let out = cuebench(&args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name} {args:?}: {}",
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(err.contains(needle), "{name}: {err}");
            assert!(
                err.contains(&format!("{name}/results.json")),
                "{name}: {err}"
            );
        }
    }
    // A per-sample file that is a link out of the folder.
    #[cfg(unix)]
    {
        let run = dir.path().join("linked");
        copy_folder(&example, &run);
        let outside = dir.path().join("outside.jsonl");
        std::fs::rename(run.join("samples_event.jsonl"), &outside).unwrap();
        std::os::unix::fs::symlink(&outside, run.join("samples_event.jsonl")).unwrap();
        let out = cuebench(&["leaderboard", s(&run)]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is a link to a file outside the run folder"),
            "{}",
            stderr(&out)
        );
    }
    // A per-sample score outside [0, 1] (its sha256 recorded to match).
    let run = dir.path().join("score");
    copy_folder(&example, &run);
    let samples = std::fs::read_to_string(run.join("samples_event.jsonl")).unwrap();
    let edited = samples.replacen("\"Struct\":1.0", "\"Struct\":7.0", 1);
    assert_ne!(edited, samples);
    std::fs::write(run.join("samples_event.jsonl"), &edited).unwrap();
    let sha = |t: &str| cuebench::report::run_folder::fingerprint(t).0;
    let document = text.replace(&sha(&samples), &sha(&edited));
    std::fs::write(run.join("results.json"), document).unwrap();
    let out = cuebench(&["compare", s(&example), s(&run), "--paired-bs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "samples_event.jsonl:1: field `scores.Struct`: 7.0 is not a per-sample score in [0, 1]"
        ),
        "{}",
        stderr(&out)
    );
}
