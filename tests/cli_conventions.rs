//! What a newcomer expects of a command-line tool, end to end: inputs found
//! without flags (docs/scoring.md §13), `init`, `--version`, completions and a
//! man page, predictions from stdin, as a JSON array or from lmms-eval, and
//! progress lines in a log.
//!
//! Every run starts in a temporary folder (so no `cuebench.toml` of the
//! developer's is found) with the input variables removed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{TASKS, as_lmms_log, root, stderr, stdout};

fn example(path: &str) -> PathBuf {
    root().join("examples").join(path)
}

/// The binary in `dir`, with no input variables and a private vector cache.
fn cuebench(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command
        .current_dir(dir)
        .env_remove("CUEBENCH_GT")
        .env_remove("CUEBENCH_TAXONOMY")
        .env_remove("CUEBENCH_MODEL")
        .env("XDG_CACHE_HOME", dir.join(".cache"));
    command
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

/// Runs with `input` on stdin.
fn run_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The figures line of `--format csv` (its second line).
fn csv_row(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o).lines().nth(1).unwrap_or_default().to_owned()
}

/// A project folder: `data/annotations.json`, `preds.jsonl` (anomaly-bu) and
/// a `cuebench.toml` naming the annotations relative to itself.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::copy(
        example("annotations.json"),
        dir.path().join("data/annotations.json"),
    )
    .unwrap();
    std::fs::copy(
        example("predictions/anomaly-bu.jsonl"),
        dir.path().join("preds.jsonl"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cuebench.toml"),
        "gt = \"data/annotations.json\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_used_by_command_works_as_written_under_a_project_file() {
    let dir = project();
    let sub = dir.path().join("runs/today");
    std::fs::create_dir_all(&sub).unwrap();
    // From a sub-folder: the project file is found upwards and its path is
    // taken relative to the file, not to the current folder.
    let out = run(cuebench(&sub).args(["eval", "--task", "anomaly-bu", "../../preds.jsonl"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // The README's figures for anomaly-bu (tests/expected/anomaly-bu.json).
    for figure in ["Struct   87.06", "Sem      49.25", "Hier     46.21"] {
        assert!(text.contains(figure), "{text}");
    }
}

#[test]
fn gt_resolves_flag_then_environment_then_project_file() {
    let dir = project();
    std::fs::write(
        dir.path().join("cuebench.toml"),
        "gt = \"from-toml.json\"\n",
    )
    .unwrap();
    let real = dir.path().join("data/annotations.json");
    let eval = |flag: bool, env: bool| {
        let mut command = cuebench(dir.path());
        command.args([
            "eval",
            "--task",
            "anomaly-bu",
            "preds.jsonl",
            "--format",
            "csv",
        ]);
        if flag {
            command.arg("--gt").arg(&real);
        }
        if env {
            command.env("CUEBENCH_GT", "from-env.json");
        }
        run(&mut command)
    };
    // The flag wins over both.
    assert!(csv_row(&eval(true, true)).starts_with("cuebench,anomaly-bu,87.06,"));
    // Without the flag the variable wins over the project file...
    let out = eval(false, true);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("from-env.json: cannot read"),
        "{}",
        stderr(&out)
    );
    // ... and without both, the project file's path, joined to its folder.
    let out = eval(false, false);
    assert_eq!(out.status.code(), Some(2));
    let expected = dir.path().join("from-toml.json");
    assert!(
        stderr(&out).contains(&format!("{}: cannot read", expected.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_annotation_file_lists_every_way_of_giving_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        example("predictions/event.jsonl"),
        dir.path().join("p.jsonl"),
    )
    .unwrap();
    let out = run(cuebench(dir.path()).args(["eval", "--task", "event", "p.jsonl"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "cuebench: no annotation file given: pass --gt FILE, set CUEBENCH_GT, or put \
         `gt = \"FILE\"` in a cuebench.toml in this folder or a parent (`cuebench init` writes one)\n"
    );
}

#[test]
fn a_broken_project_file_is_an_input_error_naming_its_line() {
    let dir = project();
    std::fs::write(
        dir.path().join("cuebench.toml"),
        "gt = \"a.json\"\ngt_file = \"b\"\n",
    )
    .unwrap();
    let out = run(cuebench(dir.path()).args(["validate", "preds.jsonl"]));
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("cuebench.toml:2: "), "{message}");
    assert!(message.contains("gt_file"), "{message}");
    // Commands that read no inputs are not stopped by it.
    assert!(
        run(cuebench(dir.path()).args(["completions", "bash"]))
            .status
            .success()
    );
}

#[test]
fn init_writes_a_commented_project_file_and_keeps_an_existing_one() {
    let dir = project();
    std::fs::remove_file(dir.path().join("cuebench.toml")).unwrap();
    let out = run(cuebench(dir.path()).args(["init", "--gt", "data/annotations.json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("cuebench.toml")).unwrap();
    assert!(
        text.contains("\ngt = \"data/annotations.json\"\n"),
        "{text}"
    );
    assert!(
        text.contains("# taxonomy = ") && text.contains("# model = "),
        "{text}"
    );
    // The file it wrote is the one the next command finds.
    let out = run(cuebench(dir.path()).args([
        "eval",
        "--task",
        "anomaly-bu",
        "preds.jsonl",
        "--format",
        "csv",
    ]));
    assert!(csv_row(&out).starts_with("cuebench,anomaly-bu,87.06,"));
    let again = run(cuebench(dir.path()).arg("init"));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists (--force replaces it)"));
    let forced = run(cuebench(dir.path()).args(["init", "--force"]));
    assert!(forced.status.success());
    let text = std::fs::read_to_string(dir.path().join("cuebench.toml")).unwrap();
    assert!(text.contains("\n# gt = \"annotations.json\"\n"), "{text}");
}

#[test]
fn version_names_the_source_revision() {
    let out = run(cuebench(&root()).arg("--version"));
    assert_eq!(
        stdout(&out),
        format!("cuebench {} ({})\n", cuebench::VERSION, cuebench::REVISION)
    );
    // Built from a git checkout, the revision is a short commit hash.
    assert!(
        cuebench::REVISION == "unknown"
            || cuebench::REVISION.chars().all(|c| c.is_ascii_hexdigit()),
        "{}",
        cuebench::REVISION
    );
}

#[test]
fn completions_for_every_shell_and_the_man_page_come_from_the_flags() {
    for (shell, marker) in [
        ("bash", "_cuebench()"),
        ("zsh", "#compdef cuebench"),
        ("fish", "complete -c cuebench"),
        ("elvish", "cuebench"),
        ("powershell", "cuebench"),
    ] {
        let out = run(cuebench(&root()).args(["completions", shell]));
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}");
        // Subcommands and their flags are in it.
        assert!(
            script.contains("anomaly") || script.contains("eval"),
            "{shell}"
        );
        assert!(script.contains("per-sample"), "{shell}");
    }
    let man = run(cuebench(&root()).arg("man"));
    assert!(man.status.success());
    let page = stdout(&man);
    assert!(page.contains(".TH cuebench"), "{page}");
    assert!(page.contains(cuebench::VERSION));
    assert!(page.contains("eval") && page.contains("completions"));
    let out = run(cuebench(&root()).args(["completions", "tcsh"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn predictions_from_stdin_and_as_a_json_array_score_like_the_jsonl_file() {
    let dir = project();
    let jsonl = std::fs::read_to_string(dir.path().join("preds.jsonl")).unwrap();
    let eval = |preds: &str| {
        let mut command = cuebench(dir.path());
        command.args(["eval", "--task", "anomaly-bu", preds, "--format", "csv"]);
        command
    };
    let from_file = csv_row(&run(&mut eval("preds.jsonl")));
    let from_stdin = csv_row(&run_with_stdin(&mut eval("-"), jsonl.as_bytes()));
    assert_eq!(from_stdin, from_file);
    // The same records as one indented JSON array.
    let records: Vec<serde_json::Value> = jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    std::fs::write(
        dir.path().join("preds.json"),
        serde_json::to_string_pretty(&records).unwrap(),
    )
    .unwrap();
    assert_eq!(csv_row(&run(&mut eval("preds.json"))), from_file);
    // A bad record on stdin is named as such.
    let out = run_with_stdin(&mut eval("-"), b"{\"id\": \"vid_0001\"}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("cuebench: <stdin>:1: field `response`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stdin_feeds_every_task_of_eval_all() {
    let dir = project();
    let all = std::fs::read(example("predictions/all.jsonl")).unwrap();
    let out = run_with_stdin(cuebench(dir.path()).args(["eval", "--all", "-"]), &all);
    assert!(out.status.success(), "{}", stderr(&out));
    // Read once, split by task: no task lost its predictions (README figures).
    assert!(
        stdout(&out).contains("scored: event 20/22, scene 35/38, attribute 28/30, anomaly-td 20/22, anomaly-bu 20/22, grounding 43/45, detection 20/22, anticipation 3/5"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn lmms_eval_samples_score_like_the_same_responses_as_jsonl() {
    let dir = project();
    let jsonl = std::fs::read_to_string(dir.path().join("preds.jsonl")).unwrap();
    let (ours, lmms) = as_lmms_log(&jsonl, |doc_id, record| {
        serde_json::json!({
            "doc_id": doc_id,
            "doc": {"id": record["id"], "video_id": record["id"], "prompt": "..."},
            "target": "",
            "arguments": [],
            "resps": [[record["response"]]],
            "filtered_resps": [record["response"]],
        })
    });
    std::fs::write(dir.path().join("ours.jsonl"), ours).unwrap();
    std::fs::write(dir.path().join("samples_cuebench_anomaly_bu.jsonl"), lmms).unwrap();
    let eval = |file: &str, from: &str| {
        csv_row(&run(cuebench(dir.path()).args([
            "eval",
            "--task",
            "anomaly-bu",
            file,
            "--from",
            from,
            "--format",
            "csv",
        ])))
    };
    let expected = eval("ours.jsonl", "cuebench");
    assert_eq!(
        eval("samples_cuebench_anomaly_bu.jsonl", "lmms-eval"),
        expected
    );
    // A folder of per-task logs for --all is read in the same layout
    // (regression: its files were read as cuebench records).
    for (folder, file) in [
        ("ours", "ours.jsonl"),
        ("logs", "samples_cuebench_anomaly_bu.jsonl"),
    ] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::copy(
            dir.path().join(file),
            dir.path().join(folder).join("anomaly-bu.jsonl"),
        )
        .unwrap();
    }
    let row_of_all =
        |folder: &str, from: &str| {
            let row = csv_row(&run(cuebench(dir.path())
                .args(["eval", "--all", folder, "--from", from, "--format", "csv"])));
            // Drop the first column, which names the folder.
            row.split_once(',')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default()
        };
    assert_eq!(
        row_of_all("logs", "lmms-eval"),
        row_of_all("ours", "cuebench")
    );
    // Sibling benchmarks read their own formats.
    let out = run(cuebench(dir.path()).args([
        "eval",
        "--bench",
        "vau-bench",
        "--task",
        "qa",
        "ours.jsonl",
        "--from",
        "lmms-eval",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_long_run_logs_progress_lines_when_stderr_is_piped() {
    let dir = project();
    // 22 videos x 13 made-up events: 286 distinct texts, above the 256 below
    // which embedding is too quick to report on.
    let mut preds = String::new();
    for v in 1..=22 {
        let answer: Vec<_> = (0..13)
            .map(|i| serde_json::json!({"event": format!("made-up event {v} {i}")}))
            .collect();
        let line = serde_json::json!({"id": format!("vid_{v:04}"), "answer": answer});
        preds.push_str(&format!("{line}\n"));
    }
    std::fs::write(dir.path().join("event.jsonl"), preds).unwrap();
    let eval = |quiet: bool| {
        let mut command = cuebench(dir.path());
        command.args(["eval", "--task", "event", "event.jsonl", "--no-cache"]);
        if quiet {
            command.arg("--quiet");
        }
        run(&mut command)
    };
    let out = eval(false);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    // 286 made-up texts plus the example ground truth's event texts: a start
    // line, perhaps lines every 5 s, and a closing line; no bar redraws.
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].starts_with("cuebench: embedding ") && lines[0].ends_with(" texts"),
        "{log}"
    );
    let last = lines.iter().rev().find(|l| l.contains("embedd")).unwrap();
    assert!(last.starts_with("cuebench: embedded "), "{log}");
    assert!(!log.contains('\r'), "no bar redraws in a log: {log:?}");
    let quiet = eval(true);
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("embedding"), "{}", stderr(&quiet));
}

#[test]
fn prompts_all_writes_one_file_per_task_with_video_and_cut_time() {
    let dir = project();
    let out = run(cuebench(dir.path()).args([
        "prompts",
        "--all",
        "--out",
        "prompts",
        "--video-name",
        "videos/{video_id}.mp4",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |task: &str| {
        std::fs::read_to_string(dir.path().join(format!("prompts/{task}.jsonl"))).unwrap()
    };
    // Sample counts of the example data (tasks --out gives the same).
    let counts: Vec<usize> = TASKS.iter().map(|t| read(t).lines().count()).collect();
    assert_eq!(counts, vec![22, 38, 30, 22, 22, 45, 22, 5]);
    let first: serde_json::Value =
        serde_json::from_str(read("anticipation").lines().next().unwrap()).unwrap();
    // examples/annotations.json: vid_0002 is observed until 9.0 s.
    assert_eq!(first["id"], "vid_0002");
    assert_eq!(first["task"], "anticipation");
    assert_eq!(first["video"], "videos/vid_0002.mp4");
    assert_eq!(first["cut_at_s"], 9.0);
    let grounding: serde_json::Value =
        serde_json::from_str(read("grounding").lines().next().unwrap()).unwrap();
    // One schema for every task: null where a field does not apply.
    assert!(grounding["cut_at_s"].is_null());
    assert_eq!(
        grounding["label"],
        serde_json::json!({"id": grounding["id"], "task": "grounding"})
    );
    // --all without --out is a usage error.
    let out = run(cuebench(dir.path()).args(["prompts", "--all"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bench_refuses_the_cache_flags_it_cannot_honour() {
    // bench times a cold and then a warm run in a cache of its own: a cache
    // flag would be silently ignored, so it is a usage error instead.
    let dir = tempfile::tempdir().unwrap();
    for flag in [&["--no-cache"][..], &["--cache-dir", "elsewhere"][..]] {
        let o = run(cuebench(dir.path()).arg("bench").args(flag));
        assert_eq!(o.status.code(), Some(2), "{flag:?}");
        assert!(stderr(&o).contains("--cache-dir and --no-cache do not apply"));
    }
}
