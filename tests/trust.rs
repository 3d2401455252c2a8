//! Results you can trust (docs/scoring.md §11, §12), end to end: signatures
//! that refuse what is not comparable, no silent zeros, bootstrap intervals
//! that do not depend on the machine, `compare` as a gate, `leaderboard`.
//!
//! The three example result sets under `examples/results/` come from
//! `examples/results/make.sh`; the leaderboard golden file from them is
//! regenerated with `CUEBENCH_BLESS=1 cargo test --test trust`.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{cuebench, path, root, stderr, stdout};

/// `eval` with its own vector cache and no progress bar.
fn eval(args: &[&str], cache: &Path) -> Output {
    let mut all = vec!["eval"];
    all.extend_from_slice(args);
    all.extend(["--quiet", "--cache-dir", cache.to_str().unwrap()]);
    cuebench(&all)
}

/// Exit 2 with one line on stderr holding `needle`; nothing on stdout.
fn assert_input_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let err = stderr(out);
    assert!(err.contains(needle), "{err} should contain {needle}");
    assert!(stdout(out).is_empty(), "stdout: {}", stdout(out));
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap()
}

/// `eval --task grounding` of the example predictions against `gt`, as a
/// results document written to `dir/name`.
fn grounding_run(gt: &str, dir: &Path, name: &str) -> String {
    let preds = path("examples/predictions/grounding.jsonl");
    let args = [
        "--task",
        "grounding",
        "--gt",
        gt,
        &preds,
        "--format",
        "json",
    ];
    let out = eval(&args, dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = dir.join(name);
    std::fs::write(&file, stdout(&out)).unwrap();
    file.to_str().unwrap().to_owned()
}

#[test]
fn the_same_annotations_with_crlf_line_ends_or_reindented_stay_comparable() {
    // The gt hash is over the parsed annotations' canonical form
    // (docs/results.md), not the bytes: a Windows checkout (CRLF) or an
    // editor's re-indentation keeps the signature, so compare accepts the
    // runs (identical scores: exit 0). The files' own sha256 differ.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/annotations.json")).unwrap();
    let videos: serde_json::Value = serde_json::from_str(&text).unwrap();
    let crlf = dir.path().join("crlf.json");
    let pretty = serde_json::to_string_pretty(&videos).unwrap();
    std::fs::write(&crlf, pretty.replace('\n', "\r\n")).unwrap();
    let a = grounding_run(&path("examples/annotations.json"), dir.path(), "a.json");
    let b = grounding_run(crlf.to_str().unwrap(), dir.path(), "b.json");
    let doc = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap()
    };
    let (da, db) = (doc(&a), doc(&b));
    assert_eq!(da["results"][0]["signature"], db["results"][0]["signature"]);
    assert!(
        da["results"][0]["signature"]
            .as_str()
            .unwrap()
            .contains("|gt:sha256:9e37d10f|")
    );
    assert_ne!(
        da["inputs"]["annotations"]["sha256"],
        db["inputs"]["annotations"]["sha256"]
    );
    let out = cuebench(&["compare", &a, &b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn a_vau_bench_csv_with_crlf_line_ends_keeps_its_gt_hash() {
    // The CSV's rows, header first, are what is hashed: CRLF line ends and
    // quoting a cell that needs none give the same `gt`.
    let dir = tempfile::tempdir().unwrap();
    let gt = root().join("tests/fixtures/vau-bench/annotations.csv");
    let text = std::fs::read_to_string(&gt).unwrap();
    let crlf = dir.path().join("crlf.csv");
    let requoted = text.replace("abn_2.mp4,", "\"abn_2.mp4\",");
    std::fs::write(&crlf, requoted.replace('\n', "\r\n")).unwrap();
    let preds = path("tests/fixtures/vau-bench/preds_qa.csv");
    let signature = |gt: &str| {
        let args = ["eval", "--bench", "vau-bench", "--task", "qa", "--gt", gt];
        let out = cuebench(&[&args[..], &[preds.as_str(), "--format", "json"]].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["results"][0]["signature"].clone()
    };
    assert_eq!(
        signature(gt.to_str().unwrap()),
        signature(crlf.to_str().unwrap())
    );
}

#[test]
fn compare_on_results_from_two_annotation_files_names_the_differing_field() {
    // Runs on two annotation files ("half.json" of issue 11: the example
    // less its last video): the refusal names `gt` with both values, one
    // field per line on stderr, no escaped `\n`; with --format markdown the
    // same goes to stdout as a table for a CI summary. Exit 2 either way.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/annotations.json")).unwrap();
    let mut videos: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    videos.pop();
    let fewer = dir.path().join("fewer.json");
    std::fs::write(&fewer, serde_json::to_string(&videos).unwrap()).unwrap();
    let a = grounding_run(&path("examples/annotations.json"), dir.path(), "a.json");
    let b = grounding_run(fewer.to_str().unwrap(), dir.path(), "b.json");
    let out = cuebench(&["compare", &a, &b]);
    assert_input_error(&out, "signatures differ");
    assert_eq!(stderr(&out).lines().count(), 2, "{}", stderr(&out));
    let out = cuebench(&["compare", &a, &b, "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.starts_with("**Not comparable**: the signatures differ (task grounding).\n\n| field | baseline | candidate |\n| --- | --- | --- |\n| `gt` | `sha256:9e37d10f` | `sha256:"),
        "{md}"
    );
    assert_eq!(md.lines().count(), 5, "{md}");
    let err = stderr(&out);
    assert!(
        err.starts_with("cuebench: signatures differ, results are not comparable (task grounding):\n  gt: baseline sha256:9e37d10f, candidate sha256:"),
        "{err}"
    );
    assert!(!err.contains("\\n"), "no escaped newline: {err}");
}

#[test]
fn a_version_only_difference_warns_on_stderr_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    let base = path("examples/results/example/results.json");
    let text = std::fs::read_to_string(&base).unwrap();
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, text.replace("|version:0.2.0\"", "|version:0.3.0\"")).unwrap();
    let out = cuebench(&["compare", &base, newer.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: results from different cuebench versions (0.2.0 and 0.3.0)")
    );
    assert!(!stdout(&out).contains("warning"));
    assert!(stdout(&out).contains("0 regression(s)"), "{}", stdout(&out));
}

#[test]
fn the_signature_covers_the_models_vector_settings() {
    // issue 11 item 6: pooling `cls` changes Sem and Hier, so it must change the signature.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    for f in ["tokenizer.json", "model.onnx"] {
        std::fs::copy(root().join("models/minilm-l6-v2").join(f), model.join(f)).unwrap();
    }
    let manifest =
        std::fs::read_to_string(root().join("models/minilm-l6-v2/manifest.json")).unwrap();
    std::fs::write(
        model.join("manifest.json"),
        manifest.replace("\"mean\"", "\"cls\""),
    )
    .unwrap();
    let preds = path("examples/predictions/scene.jsonl");
    let gt = path("examples/annotations.json");
    let run = |extra: &[&str], name: &str| {
        let mut args = vec!["--task", "scene", "--gt", &gt, &preds, "--format", "json"];
        args.extend_from_slice(extra);
        let out = eval(&args, dir.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let file = dir.path().join(name);
        std::fs::write(&file, stdout(&out)).unwrap();
        (file.to_str().unwrap().to_owned(), json(&out))
    };
    let (mean, v) = run(&[], "mean.json");
    assert!(
        v["results"][0]["signature"]
            .as_str()
            .unwrap()
            .contains("[mean,256,norm]")
    );
    assert_eq!(v["inputs"]["model"]["pooling"], "mean");
    let (cls, w) = run(&["--model", model.to_str().unwrap()], "cls.json");
    assert!(
        w["results"][0]["signature"]
            .as_str()
            .unwrap()
            .contains("[cls,256,norm]")
    );
    assert_input_error(&cuebench(&["compare", &mean, &cls]), "signatures differ");
}

/// `eval --all` of a folder, with `--strict` or not.
fn eval_all(folder: &Path, strict: bool, cache: &Path) -> Output {
    let gt = path("examples/annotations.json");
    let mut args = vec!["--all", "--gt", &gt, folder.to_str().unwrap()];
    if strict {
        args.push("--strict");
    }
    eval(&args, cache)
}

#[test]
fn silent_zero_cases_warn_on_stderr_and_strict_exits_2_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let examples = root().join("examples/predictions");
    let folder = |name: &str, files: &[(&str, &str)]| {
        let f = dir.path().join(name);
        std::fs::create_dir(&f).unwrap();
        for (from, to) in files {
            std::fs::copy(examples.join(from), f.join(to)).unwrap();
        }
        f
    };
    let cases = [
        (
            folder("only_all", &[("all.jsonl", "all.jsonl")]),
            "1 file(s) that no task reads: all.jsonl; a file holding every task is scored as a file",
        ),
        (
            folder("empty", &[]),
            "no file for 8 task(s), whose samples are all missing: event.jsonl, scene.jsonl",
        ),
        (
            folder(
                "names",
                &[
                    ("detection.jsonl", "Detection.jsonl"),
                    ("anomaly-td.jsonl", "anomaly_td.jsonl"),
                ],
            ),
            "2 file(s) that no task reads: Detection.jsonl, anomaly_td.jsonl; each task reads `<task>.jsonl`",
        ),
    ];
    for (f, needle) in &cases {
        let loose = eval_all(f, false, &cache);
        assert!(loose.status.success(), "{}", stderr(&loose));
        assert!(
            stderr(&loose).contains("cuebench: warning: "),
            "{}",
            stderr(&loose)
        );
        assert!(!stdout(&loose).contains("warning"));
        let strict = eval_all(f, true, &cache);
        assert_input_error(&strict, needle);
        assert!(stderr(&strict).contains("cuebench: --strict: "));
    }
    // Ids of another task: "0/38 matched; they look like event ids".
    let gt = path("examples/annotations.json");
    let event = path("examples/predictions/event.jsonl");
    let out = eval(&["--task", "scene", "--gt", &gt, &event], &cache);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("scene: "), "{err}");
    assert!(err.contains("predictions for only 0/38 samples"), "{err}");
    assert!(
        err.contains("look like `event` or `anomaly-td` or `anomaly-bu` or `detection` ids"),
        "{err}"
    );
    let out = eval(
        &["--task", "scene", "--gt", &gt, &event, "--strict"],
        &cache,
    );
    assert_input_error(
        &out,
        "22 prediction id(s) are not scene samples: vid_0001, vid_0002,",
    );
    assert!(
        stderr(&out).contains(" and 2 more"),
        "first 20 and a count: {}",
        stderr(&out)
    );
    // A file whose lines carry `task` fields given to a per-task run.
    let all = path("examples/predictions/all.jsonl");
    let out = eval(&["--task", "event", "--gt", &gt, &all], &cache);
    assert!(
        stderr(&out).contains("176 line(s) carry a `task` field for another task and were skipped")
    );
    let out = eval(&["--task", "event", "--gt", &gt, &all, "--strict"], &cache);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
}

#[test]
fn bootstrap_intervals_are_the_same_for_every_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let gt = path("examples/annotations.json");
    let preds = path("examples/predictions/grounding.jsonl");
    let base = [
        "--task",
        "grounding",
        "--gt",
        &gt,
        &preds,
        "--format",
        "json",
        "--confidence",
    ];
    let results = |extra: &[&str], rayon: Option<&str>| {
        let mut args = vec!["eval"];
        args.extend_from_slice(&base);
        args.extend_from_slice(extra);
        args.extend(["--quiet", "--cache-dir", dir.path().to_str().unwrap()]);
        let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
        command.args(&args).env("SOURCE_DATE_EPOCH", "0");
        if let Some(n) = rayon {
            command.env("RAYON_NUM_THREADS", n);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["results"].clone()
    };
    let one = results(&["--threads", "1"], None);
    assert_eq!(one, results(&["--threads", "2"], None));
    assert_eq!(one, results(&[], Some("3")));
    let ci = &one[0]["metrics"][1]["ci"];
    assert!(
        ci["low"].as_f64().unwrap() <= ci["high"].as_f64().unwrap(),
        "{ci}"
    );
    // Another seed, other intervals.
    assert_ne!(one, results(&["--seed", "7"], None));
}

#[test]
fn json_is_byte_identical_across_runs_with_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let gt = path("examples/annotations.json");
    let preds = path("examples/predictions");
    let args = [
        "--all",
        "--gt",
        &gt,
        &preds,
        "--format",
        "json",
        "--confidence",
    ];
    let a = eval(&args, dir.path());
    let b = eval(&args, dir.path());
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    let v = json(&a);
    assert_eq!(v["created"], "2023-11-14T22:13:20Z");
    assert_eq!(v["tool"]["version"], "0.2.0");
    assert_eq!(
        v["inputs"]["annotations"]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(v["inputs"]["predictions"].as_array().unwrap().len(), 8);
}

#[test]
fn eval_output_writes_results_and_samples_and_still_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let gt = path("examples/annotations.json");
    let preds = path("examples/predictions/event.jsonl");
    let out = eval(
        &[
            "--task",
            "event",
            "--gt",
            &gt,
            &preds,
            "--output",
            out_dir.to_str().unwrap(),
            "--name",
            "my-model",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("cuebench / event\n  Struct   75.71"),
        "{}",
        stdout(&out)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    assert_eq!(doc["name"], "my-model");
    assert_eq!(doc["results"][0]["samples_file"], "samples_event.jsonl");
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(out_dir.join("samples_event.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(lines.len(), 22);
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap();
    // vid_0001 answered "rock climbing" for "climbing": one pair with its cosine and distance.
    let v1 = by_id("vid_0001");
    assert_eq!(
        v1["answer"],
        serde_json::json!([{"event": "rock climbing"}])
    );
    assert_eq!(v1["truth"], serde_json::json!([{"event": "climbing"}]));
    assert_eq!(v1["pairs"][0]["output"], 0);
    assert!(v1["pairs"][0]["cosine"].as_f64().unwrap() > 0.5);
    assert!(v1["pairs"][0]["distance"].is_u64());
    assert!(v1["pairs"][0]["iou"].is_null());
    assert!(v1["response"].as_str().unwrap().starts_with("<think>"));
    assert_eq!(by_id("vid_0009")["status"], "missing");
    assert!(by_id("vid_0009")["answer"].is_null());
    // The default name is the predictions' file name without extension.
    let out = eval(
        &["--task", "event", "--gt", &gt, &preds, "--format", "json"],
        dir.path(),
    );
    assert_eq!(json(&out)["name"], "event");
}

#[test]
fn paired_bootstrap_of_a_run_against_itself_gives_zero_and_p_one() {
    let example = path("examples/results/example");
    let out = cuebench(&[
        "compare",
        &example,
        &example,
        "--paired-bs",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    let figures = v["changes"].as_array().unwrap();
    // 20 Table 2 figures plus R@k of the two When tasks (mIoU folded into TIoU).
    assert!(figures.iter().all(|f| f["figure"] != "mIoU"));
    for f in figures {
        assert_eq!(f["test"]["difference"], serde_json::json!(0.0), "{f}");
        assert_eq!(f["test"]["p"], serde_json::json!(1.0), "{f}");
    }
    // Paired bootstrap needs --output folders, not a bare document.
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.json");
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/results/example/results.json")).unwrap(),
    )
    .unwrap();
    for r in doc["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("samples_file");
    }
    std::fs::write(&bare, doc.to_string()).unwrap();
    let out = cuebench(&["compare", bare.to_str().unwrap(), &example, "--paired-bs"]);
    assert_input_error(&out, "eval --output DIR");
}

#[test]
fn paired_bootstrap_gate_in_markdown_for_a_pull_request() {
    let out = cuebench(&[
        "compare",
        &path("examples/results/example"),
        &path("examples/results/weak"),
        "--paired-bs",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.starts_with("**cuebench compare**: baseline `example`"),
        "{md}"
    );
    assert!(
        md.contains("| task | figure | baseline | candidate | diff | 95% CI | p | verdict |"),
        "{md}"
    );
    assert!(md.contains("**REGRESSION**"), "{md}");
    assert!(
        md.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("regression(s) (drop > 0.50 and p < 0.05)"),
        "{md}"
    );
}

#[test]
fn issue11_item7_the_compare_gate_cannot_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let base = path("examples/results/example/results.json");
    let text = std::fs::read_to_string(&base).unwrap();
    for bad in ["nan", "-1", "inf"] {
        let out = cuebench(&["compare", &base, &base, &format!("--max-drop={bad}")]);
        assert_input_error(&out, "--max-drop must be a number of points >= 0");
    }
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let with_results = |results: serde_json::Value| {
        let mut d = doc.clone();
        d["results"] = results;
        d.to_string()
    };
    let twice = with_results(serde_json::json!([doc["results"][0], doc["results"][0]]));
    let cases = [
        ("array.json", "[]".to_owned(), "expected a results object"),
        (
            "null.json",
            with_results(serde_json::Value::Null),
            "field `results`: expected a list of task results, found null",
        ),
        ("string.json", "\"x\"".to_owned(), "found a string"),
        ("text.json", with_results("x".into()), "found a string"),
        (
            "twice.json",
            twice,
            "field `results[1].task`: cuebench/event appears twice",
        ),
    ];
    for (name, content, needle) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = cuebench(&["compare", file.to_str().unwrap(), &base]);
        assert_input_error(&out, needle);
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
}

#[test]
fn leaderboard_on_the_three_example_result_sets_matches_the_golden_file() {
    let sets = ["strong", "example", "weak"].map(|n| path(&format!("examples/results/{n}")));
    let mut args = vec!["leaderboard"];
    args.extend(sets.iter().map(String::as_str));
    args.extend(["--format", "markdown"]);
    let out = cuebench(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let golden = root().join("tests/expected/leaderboard.md");
    if std::env::var_os("CUEBENCH_BLESS").is_some() {
        std::fs::write(&golden, stdout(&out)).unwrap();
    }
    assert_eq!(stdout(&out), std::fs::read_to_string(&golden).unwrap());
    // Table 2 layout: model plus 20 columns; one row per result set.
    let md = stdout(&out);
    let header = md.lines().next().unwrap();
    assert_eq!(header.matches(" | ").count(), 20, "{header}");
    assert_eq!(md.lines().count(), 7);
    // A tie (Anticipation Hier: strong and example both 50.00) is best twice; weak is second.
    let cells = |row: usize| -> Vec<String> {
        md.lines()
            .nth(row)
            .unwrap()
            .split(" | ")
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(cells(2)[20].trim_end_matches(" |"), "**50.00**");
    assert_eq!(cells(3)[20].trim_end_matches(" |"), "**50.00**");
    assert_eq!(cells(4)[20].trim_end_matches(" |"), "<u>30.00</u>");
    // csv and json, with intervals.
    let mut csv_args = args[..4].to_vec();
    csv_args.extend(["--format", "csv", "--ci"]);
    let csv = stdout(&cuebench(&csv_args));
    assert!(
        csv.starts_with("model,Event Struct,Event Struct low,Event Struct high,"),
        "{csv}"
    );
    let mut json_args = args[..4].to_vec();
    json_args.extend(["--format", "json"]);
    let v = json(&cuebench(&json_args));
    assert_eq!(v["rows"][0]["name"], "strong");
    assert_eq!(v["rows"][0]["cells"][0]["rank"], 1);
}

#[test]
fn leaderboard_refuses_results_whose_signatures_differ() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/results/weak/results.json")).unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, text.replace("tiou:union", "tiou:matched")).unwrap();
    let out = cuebench(&[
        "leaderboard",
        &path("examples/results/example"),
        other.to_str().unwrap(),
    ]);
    assert_input_error(&out, "signatures differ");
    let err = stderr(&out);
    assert!(err.contains("\n  tiou: "), "{err}");
    assert!(
        err.contains(" union, ") && err.ends_with(" matched\n"),
        "{err}"
    );
}

#[test]
fn validate_is_a_gate_that_lists_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let gt = path("examples/annotations.json");
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let e = empty.to_str().unwrap();
    let out = cuebench(&["validate", e, "--task", "event", "--gt", &gt]);
    // Well-formed but incomplete: exit 0, and the summary says so (never "valid").
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("event: 0 predictions for 22 samples: 22 missing, 0 unparseable")
    );
    assert!(stdout(&out).contains("  missing: vid_0001, vid_0002,"));
    assert!(stdout(&out).contains(" and 2 more"), "first 20 and a count");
    assert!(
        stderr(&out).contains("well-formed, but incomplete: 22 sample(s) missing"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("valid:"));
    let out = cuebench(&["validate", e, "--task", "event", "--gt", &gt, "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    // A folder, as eval --all reads it: every task, all.jsonl flagged as unread.
    let out = cuebench(&["validate", &path("examples/predictions"), "--gt", &gt]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("anomaly-bu: 21 predictions for 22 samples: 1 missing, 1 unparseable")
    );
    assert!(stderr(&out).contains("all.jsonl: no task reads this file"));
    // --all on the tagged file: every task checked.
    let out = cuebench(&[
        "validate",
        &path("examples/predictions/all.jsonl"),
        "--all",
        "--gt",
        &gt,
    ]);
    assert_eq!(
        stdout(&out).lines().filter(|l| !l.starts_with(' ')).count(),
        8,
        "{}",
        stdout(&out)
    );
    let out = cuebench(&[
        "validate",
        &path("examples/predictions/scene.jsonl"),
        "--task",
        "scene",
        "--gt",
        &gt,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn answers_written_for_another_task_with_the_same_ids_are_named() {
    // anomaly-td and anomaly-bu share their ids (one sample per video), so
    // anomaly-bu answers scored as anomaly-td match every id and score 0.
    // Their keys give them away: eval warns (exit 0), --strict refuses
    // (exit 2); validate --strict no longer calls the file valid.
    let dir = tempfile::tempdir().unwrap();
    let gt = path("examples/annotations.json");
    let bu = path("examples/predictions/anomaly-bu.jsonl");
    let needle = "anomaly-td: ".to_owned()
        + &bu
        + ": 20 of 20 answers lack the anomaly-td answer keys (`anomaly.event`); these look like \
           anomaly-bu answers (`event`, `anomaly`): score them with --task anomaly-bu";
    let out = eval(&["--task", "anomaly-td", "--gt", &gt, &bu], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cuebench: warning: {needle}")),
        "{}",
        stderr(&out)
    );
    let out = eval(
        &["--task", "anomaly-td", "--gt", &gt, &bu, "--strict"],
        dir.path(),
    );
    assert_input_error(&out, &format!("cuebench: --strict: {needle}"));
    let validate = |strict: bool| {
        let mut args = vec!["validate", &bu, "--task", "anomaly-td", "--gt", &gt];
        if strict {
            args.push("--strict");
        }
        cuebench(&args)
    };
    let out = validate(false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(&needle), "{}", stderr(&out));
    assert_eq!(validate(true).status.code(), Some(2));
    // The right task says nothing of the kind.
    let out = eval(&["--task", "anomaly-bu", "--gt", &gt, &bu], dir.path());
    assert!(!stderr(&out).contains("answer keys"), "{}", stderr(&out));
}

#[test]
fn an_empty_predictions_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("event.jsonl");
    std::fs::write(&empty, "\n\n").unwrap();
    let e = empty.to_str().unwrap();
    let gt = path("examples/annotations.json");
    let out = eval(&["--task", "event", "--gt", &gt, e], dir.path());
    assert_input_error(
        &out,
        &format!("cuebench: {e}: no predictions: the file is empty"),
    );
}

#[test]
fn files_given_where_they_do_not_belong_say_what_they_are() {
    // A results document as predictions or annotations, a VAU-Bench CSV and
    // Vad-Reasoning annotations as CueBench annotations: exit 2 with what
    // the file is and what reads it, not "invalid JSON at line 1".
    let dir = tempfile::tempdir().unwrap();
    let gt = path("examples/annotations.json");
    let event = path("examples/predictions/event.jsonl");
    let results = path("examples/results/weak/results.json");
    let vau = path("examples/vau-bench/val.csv");
    let vad = path("examples/vad-reasoning/ground_truth.jsonl");
    let cases = [
        (
            [gt.as_str(), results.as_str()],
            format!(
                "{results}: this is a cuebench results document (\"schema\": \"cuebench-results\"), not a predictions file; `compare`, `leaderboard` and `report` read it"
            ),
        ),
        (
            [results.as_str(), event.as_str()],
            format!(
                "{results}: this is a cuebench results document (\"schema\": \"cuebench-results\"), not CueBench annotations (--gt)"
            ),
        ),
        (
            [vau.as_str(), event.as_str()],
            format!(
                "{vau}: this is a VAU-Bench annotation CSV (`Video Name`, `Question`, ... columns), not CueBench annotations (--gt); score against it with `eval --bench vau-bench"
            ),
        ),
        (
            [gt.as_str(), vau.as_str()],
            format!("{vau}: this is a VAU-Bench annotation CSV"),
        ),
        (
            [vad.as_str(), event.as_str()],
            format!("{vad}: these are Vad-Reasoning annotations"),
        ),
    ];
    for ([gt, preds], needle) in &cases {
        let out = eval(&["--task", "event", "--gt", gt, preds], dir.path());
        assert_input_error(&out, needle);
        assert!(!stderr(&out).contains("invalid JSON"), "{}", stderr(&out));
    }
    let out = eval(&["--task", "event", "--gt", &vad, &event], dir.path());
    assert!(
        stderr(&out).contains("`eval --bench vad-reasoning --task reasoning|detection"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ids_that_differ_only_in_case_get_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/predictions/event.jsonl")).unwrap();
    let upper = dir.path().join("event.jsonl");
    std::fs::write(&upper, text.replace("\"vid_", "\"VID_")).unwrap();
    let gt = path("examples/annotations.json");
    let out = eval(
        &["--task", "event", "--gt", &gt, upper.to_str().unwrap()],
        dir.path(),
    );
    let err = stderr(&out);
    assert!(
        err.contains("did you mean `vid_0001` for `VID_0001`, `vid_0002` for `VID_0002`, `vid_0003` for `VID_0003` and 18 more? (ids match exactly, case included)"),
        "{err}"
    );
}

// Small frictions a new user met (issue 22 §6): messages that say what to do next.

#[test]
fn eval_without_task_names_both_ways_to_choose() {
    let gt = path("examples/annotations.json");
    let out = cuebench(&[
        "eval",
        "--gt",
        &gt,
        &path("examples/predictions/event.jsonl"),
    ]);
    assert_input_error(
        &out,
        "cuebench: eval needs --task TASK to score one task, or --all to score every task",
    );
}

#[test]
fn a_duplicate_id_under_all_says_how_to_keep_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.jsonl");
    let line = r#"{"task": "event", "id": "vid_0001", "answer": [{"event": "climbing"}]}"#;
    std::fs::write(&file, format!("{line}\n{line}\n")).unwrap();
    let f = file.to_str().unwrap();
    let gt = path("examples/annotations.json");
    let out = cuebench(&["eval", "--all", "--gt", &gt, f, "--quiet"]);
    assert_input_error(
        &out,
        &format!(
            "{f}: duplicate id(s): vid_0001 (lines 1, 2); each id is answered once per task: \
             keep one of its lines"
        ),
    );
}

#[test]
fn leaderboard_ci_on_runs_without_intervals_says_so() {
    // model-b was scored without --confidence (tests/fixtures/results).
    let with = path("tests/fixtures/results/model-a");
    let without = path("tests/fixtures/results/model-b");
    let out = cuebench(&["leaderboard", &with, &without, "--ci"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "cuebench: warning: --ci: no intervals in {without} (scored without --confidence)"
        )),
        "{}",
        stderr(&out)
    );
    let out = cuebench(&["leaderboard", &with, &without]);
    assert!(!stderr(&out).contains("--ci"), "{}", stderr(&out));
}

#[test]
fn eval_help_ends_with_examples() {
    let out = cuebench(&["eval", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("\nExamples:\n  # One task\n  cuebench eval --task event"),
        "{help}"
    );
}
