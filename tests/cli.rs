//! The `cuebench` binary end to end on the bundled sample data
//! (`examples/`), read like a specification.
//!
//! Expected results live in `tests/expected/<task>.json`. Where they come from:
//! - Struct, TIoU, mIoU, R@k and every count are worked out by hand, sample by
//!   sample, in the tables of `examples/README.md` (e.g. event Struct 75.71 =
//!   mean of the per-sample fractions there: 16.657/22; grounding TIoU 77.24).
//! - Sem and Hier come from the real default model (all-MiniLM-L6-v2, int8
//!   weights) and the built-in taxonomy; they are pinned so any change in
//!   embedding, matching or taxonomy shows up. Their pieces are hand-checked
//!   in the unit tests of `metrics::semantic` and `metrics::hierarchy`, and the
//!   reward tests below check exact cases by hand.
//!
//! Each expected file holds one task's entry of the results document
//! (`results[0]` of `eval --format json`, docs/results.md) at full precision.
//!
//! Regenerate after an intended change with `CUEBENCH_BLESS=1 cargo test --test cli`
//! and explain the change in the commit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{TASKS, root, stderr, stdout};

fn annotations() -> PathBuf {
    root().join("examples/annotations.json")
}

fn predictions(task: &str) -> PathBuf {
    root().join(format!("examples/predictions/{task}.jsonl"))
}

/// Runs the binary. `eval` and `reward` get their own cold vector cache
/// unless `cache` is given, and no progress bar.
fn run(args: &[&str], cache: Option<&Path>) -> Output {
    let own = tempfile::tempdir().unwrap();
    let cache = cache.unwrap_or(own.path()).to_str().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command.args(args).env_remove("CUEBENCH_GT");
    if matches!(args[0], "eval" | "reward") {
        command.args(["--cache-dir", cache, "--quiet"]);
    }
    command.output().unwrap()
}

fn eval_json(task: &str, extra: &[&str]) -> Output {
    let (gt, p) = (annotations(), predictions(task));
    let mut args = vec![
        "eval",
        "--task",
        task,
        "--gt",
        gt.to_str().unwrap(),
        p.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run(&args, None)
}

/// The task entries of a results document printed by `eval --format json`.
fn results_of(out: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    assert_eq!(v["schema"], "cuebench-results");
    v["results"].clone()
}

#[test]
fn eval_matches_the_expected_json_for_every_task() {
    for task in TASKS {
        let out = eval_json(task, &[]);
        assert!(out.status.success(), "{task}: {}", stderr(&out));
        let got = format!(
            "{}\n",
            serde_json::to_string_pretty(&results_of(&out)[0]).unwrap()
        );
        let expected_path = root().join(format!("tests/expected/{task}.json"));
        if std::env::var_os("CUEBENCH_BLESS").is_some() {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap();
        assert_eq!(got, expected, "{task}");
    }
}

#[test]
fn eval_all_gives_the_per_task_numbers_in_table2_layout() {
    let (gt, dir) = (annotations(), root().join("examples/predictions"));
    let all_args = |input: &Path, format: &'static str| {
        run(
            &[
                "eval",
                "--all",
                "--gt",
                gt.to_str().unwrap(),
                input.to_str().unwrap(),
                "--format",
                format,
            ],
            None,
        )
    };
    let all = all_args(&dir, "json");
    assert!(all.status.success(), "{}", stderr(&all));
    let results = results_of(&all);
    for (i, task) in TASKS.iter().enumerate() {
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("tests/expected/{task}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(results[i], expected, "{task}");
    }
    let csv = all_args(&dir, "csv");
    let mut lines = csv.stdout.split(|&b| b == b'\n');
    let header = String::from_utf8(lines.next().unwrap().to_vec()).unwrap();
    assert_eq!(
        header.split(',').count(),
        21,
        "model and the 20 columns of Table 2"
    );
    assert!(header.starts_with("model,Event Struct,Event Sem,Event Hier,Scene Struct"));
    let row = String::from_utf8(lines.next().unwrap().to_vec()).unwrap();
    assert!(row.starts_with("predictions,75.71,"), "{row}");
    // The same from one file holding every task (lines tagged with "task").
    let file = root().join("examples/predictions/all.jsonl");
    let one = all_args(&file, "json");
    assert_eq!(results_of(&one), results);
}

#[test]
fn output_is_byte_identical_across_runs_threads_batches_and_cache_states() {
    let dir = tempfile::tempdir().unwrap();
    let per_sample = |name: &str| dir.path().join(name);
    let variants: [(&str, &[&str]); 5] = [
        ("a", &["--threads", "1", "--batch-size", "1"]),
        ("b", &["--threads", "2", "--batch-size", "64"]),
        ("c", &["--batch-size", "7"]),
        ("d", &[]),
        ("e", &[]),
    ];
    let cache = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (name, extra) in variants {
        let path = per_sample(name);
        let mut args = extra.to_vec();
        args.extend(["--per-sample", path.to_str().unwrap()]);
        // d runs cold on a shared cache, e warm on the same cache.
        let out = if name >= "d" {
            let (gt, p) = (annotations(), predictions("anomaly-bu"));
            let mut a = vec![
                "eval",
                "--task",
                "anomaly-bu",
                "--gt",
                gt.to_str().unwrap(),
                p.to_str().unwrap(),
                "--format",
                "json",
            ];
            a.extend(args);
            run(&a, Some(cache.path()))
        } else {
            eval_json("anomaly-bu", &args)
        };
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        outputs.push((stdout(&out), std::fs::read_to_string(&path).unwrap()));
    }
    // The command line (and so the document) differs; the results agree.
    let results =
        |json: &str| serde_json::from_str::<serde_json::Value>(json).unwrap()["results"].clone();
    for (json, samples) in &outputs[1..] {
        assert_eq!(results(json), results(&outputs[0].0));
        assert_per_sample_close(samples, &outputs[0].1);
    }
    // RAYON_NUM_THREADS, as a user might set it, changes nothing either.
    let (gt, p) = (annotations(), predictions("grounding"));
    let args = [
        "eval",
        "--task",
        "grounding",
        "--gt",
        gt.to_str().unwrap(),
        p.to_str().unwrap(),
        "--format",
        "json",
    ];
    let runs: Vec<String> = ["1", "2", "3"]
        .iter()
        .map(|n| {
            // SOURCE_DATE_EPOCH fixes the creation time: the documents are byte-identical.
            let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
                .args(args)
                .env("RAYON_NUM_THREADS", n)
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .output()
                .unwrap();
            stdout(&out)
        })
        .collect();
    assert!(runs.windows(2).all(|w| w[0] == w[1]));
}

/// Per-sample scores agree within 1e-6 (docs/scoring.md §6) line by line.
fn assert_per_sample_close(a: &str, b: &str) {
    for (x, y) in a.lines().zip(b.lines()) {
        let (x, y): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(x).unwrap(),
            serde_json::from_str(y).unwrap(),
        );
        assert_eq!(x["id"], y["id"]);
        for (k, v) in x["scores"].as_object().unwrap() {
            let d = (v.as_f64().unwrap() - y["scores"][k].as_f64().unwrap()).abs();
            assert!(d <= 1e-6, "{} {k}: {d}", x["id"]);
        }
    }
    assert_eq!(a.lines().count(), b.lines().count());
}

#[test]
fn per_sample_output_names_status_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let out = eval_json("event", &["--per-sample", path.to_str().unwrap()]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 22);
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!(by_id("vid_0009")["status"], "missing");
    assert_eq!(by_id("vid_0007")["status"], "parse_failed");
    assert_eq!(
        by_id("vid_0007")["scores"]["Struct"],
        serde_json::json!(0.0)
    );
    // Issue 22: a parse failure says why; other lines carry no such field.
    assert_eq!(
        by_id("vid_0007")["parse_error"],
        "no JSON list or object in the answer"
    );
    assert!(
        lines
            .iter()
            .filter(|l| l["status"] != "parse_failed")
            .all(|l| l.get("parse_error").is_none())
    );
    // vid_0005 answered the wrong key `events`: Struct 1/2 (README table).
    assert_eq!(
        by_id("vid_0005")["scores"]["Struct"],
        serde_json::json!(0.5)
    );
}

/// One line on stderr, exit code 2, naming what is wrong.
fn assert_input_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{err} should contain {needle}");
}

#[test]
fn bad_input_exits_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let gt = annotations();
    let gt = gt.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    // A missing file.
    let out = run(
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            gt,
            "/no/such/preds.jsonl",
        ],
        None,
    );
    assert_input_error(&out, "/no/such/preds.jsonl: cannot read");
    // Invalid JSON on line 2 of the predictions.
    let bad = write(
        "bad.jsonl",
        "{\"id\": \"vid_0001\", \"answer\": []}\n{\"id\": \"vid_0002\", \"response\": oops}\n",
    );
    assert_input_error(
        &run(&["eval", "--task", "event", "--gt", gt, &bad], None),
        "bad.jsonl:2: invalid JSON",
    );
    // A duplicate id.
    let dup = write(
        "dup.jsonl",
        "{\"id\": \"vid_0001\", \"answer\": []}\n{\"id\": \"vid_0001\", \"answer\": []}\n",
    );
    assert_input_error(
        &run(&["eval", "--task", "event", "--gt", gt, &dup], None),
        "duplicate id(s): vid_0001 (lines 1, 2)",
    );
    // An annotation missing a field.
    let text =
        std::fs::read_to_string(annotations())
            .unwrap()
            .replacen("\"scene\": \"cliff\", ", "", 1);
    let ann = write("ann.json", &text);
    let out = run(
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            &ann,
            &predictions("event").to_string_lossy(),
        ],
        None,
    );
    assert_input_error(&out, "ann.json:2: field `triplets[0].scene`: missing");
    // A task of another protocol.
    let out = run(&["eval", "--task", "anomaly", "--gt", gt, &dup], None);
    assert_input_error(
        &out,
        "--task anomaly is not a task of --bench cuebench --protocol unified",
    );
}

#[test]
fn malformed_answers_score_zero_and_are_counted_never_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.jsonl");
    std::fs::write(&p, "{\"id\": \"vid_0001\", \"response\": \"<answer>{not json</answer>\"}\n{\"id\": \"vid_0002\", \"answer\": 17}\n").unwrap();
    let out = run(
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            annotations().to_str().unwrap(),
            p.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = &results_of(&out)[0];
    assert_eq!(v["counts"]["parse_failed"], 2);
    assert_eq!(v["counts"]["missing"], 20);
    assert_eq!(v["metrics"][0]["value"], serde_json::json!(0.0));
    // 2/22 samples answered: the likely mistake is said on stderr, never stdout.
    assert!(stderr(&out).contains("warning: event:"), "{}", stderr(&out));
}

#[test]
fn a_parse_failure_says_why_in_its_sample_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.jsonl");
    std::fs::write(
        &p,
        "{\"id\": \"vid_0001\", \"response\": \"<answer>[{'event': 'climbing'}]</answer>\"}\n\
         {\"id\": \"vid_0002\", \"response\": \"<answer>[{\\\"event\\\": \\\"cli\"}\n\
         {\"id\": \"vid_0003\", \"answer\": 17}\n",
    )
    .unwrap();
    let out_dir = dir.path().join("run");
    let out = run(
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            annotations().to_str().unwrap(),
            p.to_str().unwrap(),
            "--output",
            out_dir.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(out_dir.join("samples_event.jsonl")).unwrap();
    let why: Vec<(String, String)> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|l| {
            Some((
                l["id"].as_str()?.to_owned(),
                l.get("parse_error")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let expected = [
        ("vid_0001", "single quotes: JSON needs double quotes"),
        ("vid_0002", "`<answer>` is never closed (truncated?)"),
        ("vid_0003", "`answer` is not a list of objects or an object"),
    ];
    assert_eq!(
        why,
        expected.map(|(a, b)| (a.to_owned(), b.to_owned())),
        "{text}"
    );
}

#[test]
fn validate_lists_every_problem() {
    let gt = annotations();
    let ok = run(
        &[
            "validate",
            predictions("event").to_str().unwrap(),
            "--task",
            "scene",
            "--gt",
            gt.to_str().unwrap(),
        ],
        None,
    );
    // event.jsonl has no `task` field: with --task scene its ids are unknown scene ids.
    assert_eq!(ok.status.code(), Some(2));
    let all = run(
        &[
            "validate",
            root()
                .join("examples/predictions/all.jsonl")
                .to_str()
                .unwrap(),
            "--gt",
            gt.to_str().unwrap(),
        ],
        None,
    );
    // all.jsonl carries the one unknown id of event.jsonl (vid_9999).
    assert_eq!(all.status.code(), Some(2));
    assert!(
        stderr(&all).contains("event: unknown id `vid_9999`"),
        "{}",
        stderr(&all)
    );
    assert_eq!(stderr(&all).matches("unknown id").count(), 1);
    assert!(
        stdout(&all)
            .contains("anomaly-bu: 21 predictions for 22 samples: 1 missing, 1 unparseable"),
        "{}",
        stdout(&all)
    );
    let good = run(
        &[
            "validate",
            predictions("scene").to_str().unwrap(),
            "--task",
            "scene",
            "--gt",
            gt.to_str().unwrap(),
        ],
        None,
    );
    assert!(good.status.success(), "{}", stderr(&good));
}

#[test]
fn compare_exits_0_1_and_2() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let out = eval_json("event", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    std::fs::write(&base, &text).unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let same = run(
        &["compare", base.to_str().unwrap(), base.to_str().unwrap()],
        None,
    );
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let structure = results_of(&out)[0]["metrics"][0]["value"].to_string();
    let worse = write(
        "worse.json",
        text.replace(&format!("\"value\": {structure}"), "\"value\": 74.0"),
    );
    let out = run(
        &[
            "compare",
            base.to_str().unwrap(),
            worse.to_str().unwrap(),
            "--max-drop",
            "1",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("REGRESSION"));
    let other = write("other.json", text.replace("tiou:union", "tiou:matched"));
    let out = run(
        &["compare", base.to_str().unwrap(), other.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("signatures differ"));
}

#[test]
fn tasks_and_prompts_write_what_spec_says() {
    let dir = tempfile::tempdir().unwrap();
    let gt = annotations();
    let out = run(
        &[
            "tasks",
            "--gt",
            gt.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: Vec<usize> = TASKS
        .iter()
        .map(|t| {
            std::fs::read_to_string(dir.path().join(format!("{t}.jsonl")))
                .unwrap()
                .lines()
                .count()
        })
        .collect();
    assert_eq!(counts, vec![22, 38, 30, 22, 22, 45, 22, 5]);
    let out = run(
        &[
            "prompts",
            "--task",
            "grounding",
            "--gt",
            gt.to_str().unwrap(),
        ],
        None,
    );
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "vid_0001|t1");
    assert!(
        first["prompt"]
            .as_str()
            .unwrap()
            .contains("namely: {Climbing, Cliff, With Protection, With Helmet}.")
    );
}

#[test]
fn reward_per_line_with_hand_computed_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.jsonl");
    let lines = [
        // anomaly-bu, vid_0001 answered exactly: R^K = 1; each answer text is its own
        // taxonomy leaf (cos 1) so S^U = R^H = (1 + 1) / (2 * 2) = 0.5 (1/(r*t));
        // R = 1 (format) + 1 + (0.2 * 0.5 + 0.8 * 0.5) = 2.5.
        r#"{"id": "vid_0001", "task": "anomaly-bu", "response": "<think>.</think><answer>[{\"event\": \"climbing\", \"scene\": \"cliff\", \"attribute\": \"with protection, with helmet\", \"anomaly\": 0.0}, {\"event\": \"climbing\", \"scene\": \"cliff\", \"attribute\": \"without protection\", \"anomaly\": 1}]</answer>"}"#,
        // event, vid_0001 (truth: climbing, at normality/safety/personal/climbing and
        // anomaly/safety/personal/climbing) answered "theft" (an event node at
        // anomaly/laws & rules/property/theft): nearest path climbing -> personal ->
        // safety -> anomaly -> laws & rules -> property -> theft = 6 edges, d_max = 5,
        // R^H = 1 - 6/5 = -0.2 (below zero). --lambda 0: R = 0 (no tags) + 1 - 0.2 = 0.8.
        r#"{"id": "vid_0001", "task": "event", "answer": [{"event": "theft"}]}"#,
        // grounding vid_0001|t1 (truth [0, 22] and [38, 42]): one answer [0, 22] ->
        // union IoU 22 / 26; R^K = 2*1/(2*1 + 0 + 1) = 2/3; R = 1 + 2/3 + 22/26.
        r#"{"id": "vid_0001|t1", "task": "grounding", "response": "<think>.</think><answer>[{\"duration\": [\"00:00\", \"00:22\"]}]</answer>"}"#,
    ];
    std::fs::write(&p, lines.join("\n")).unwrap();
    let out = run(
        &[
            "reward",
            p.to_str().unwrap(),
            "--gt",
            annotations().to_str().unwrap(),
            "--lambda",
            "0",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reward = |i: usize| got[i]["reward"].as_f64().unwrap();
    // With lambda 0, line 1 is 1 + 1 + R^H = 2.5 as well.
    assert!((reward(0) - 2.5).abs() < 1e-9, "{}", got[0]);
    assert!((reward(1) - 0.8).abs() < 1e-9, "{}", got[1]);
    assert!((got[1]["parts"]["hierarchy"].as_f64().unwrap() + 0.2).abs() < 1e-9);
    assert!(
        (reward(2) - (1.0 + 2.0 / 3.0 + 22.0 / 26.0)).abs() < 1e-9,
        "{}",
        got[2]
    );
}

#[test]
fn reward_streams_one_line_out_per_line_in() {
    use std::io::{BufRead, BufReader, Write};
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "reward",
            "--task",
            "scene",
            "--gt",
            annotations().to_str().unwrap(),
            "--quiet",
        ])
        .args(["--cache-dir", cache.path().to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..2 {
        // vid_0001|climbing answered exactly: 0 + 1 + 1 = 2 (scene is R^U only).
        writeln!(
            stdin,
            r#"{{"id": "vid_0001|climbing", "answer": [{{"scene": "cliff"}}]}}"#
        )
        .unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!((v["reward"].as_f64().unwrap() - 2.0).abs() < 1e-9, "{v}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn reward_stream_answers_a_bad_line_with_an_error_record_and_goes_on() {
    use std::io::{BufRead, BufReader, Write};
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(["reward", "--task", "scene", "--gt"])
        .arg(annotations())
        .args(["--quiet", "--cache-dir"])
        .arg(cache.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let good = r#"{"id": "vid_0001|climbing", "answer": [{"scene": "cliff"}]}"#;
    // Each bad line gets its own error record; the good line after it still scores 2.
    let cases = [
        ("not json", "invalid JSON"),
        (
            r#"{"id": "vid_9999|x", "response": "None"}"#,
            "is not a sample of the scene task",
        ),
        (
            r#"{"id": "vid_0001", "task": "anomaly_bu", "response": "None"}"#,
            "task",
        ),
        (
            r##"{"id": "vid_0001|climbing", "response": "<answer>[{"}"##,
            "",
        ),
    ];
    for (number, (bad, needle)) in cases.iter().enumerate() {
        writeln!(stdin, "{bad}\n{good}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if needle.is_empty() {
            // A malformed completion is not a bad line: it scores 0 + 0 + 0.
            assert_eq!(v["status"], "parse_failed", "{v}");
            assert_eq!(v["reward"].as_f64(), Some(0.0), "{v}");
        } else {
            assert_eq!(v["line"].as_u64(), Some(2 * number as u64 + 1), "{v}");
            assert!(v["error"].as_str().unwrap().contains(needle), "{v}");
        }
        line.clear();
        reader.read_line(&mut line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!((v["reward"].as_f64().unwrap() - 2.0).abs() < 1e-9, "{v}");
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 line(s) could not be scored"));
}

/// A copy of the default model folder whose files the test may break.
fn model_copy(dir: &Path) -> PathBuf {
    let src = root().join("models/minilm-l6-v2");
    let dst = dir.join("model");
    std::fs::create_dir_all(&dst).unwrap();
    for f in ["manifest.json", "tokenizer.json", "model.onnx"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    dst
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn model_and_runtime_problems_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (gt, p) = (annotations(), predictions("event"));
    let eval_with = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--task",
            "event",
            "--gt",
            gt.to_str().unwrap(),
            p.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args, None)
    };
    // A missing model file.
    let model = model_copy(dir.path());
    std::fs::remove_file(model.join("model.onnx")).unwrap();
    assert_input_error(
        &eval_with(&["--model", model.to_str().unwrap()]),
        "model.onnx",
    );
    // A wrong sha256: the file is there but is not the one the manifest names.
    std::fs::write(model.join("model.onnx"), b"not a model").unwrap();
    assert_input_error(&eval_with(&["--model", model.to_str().unwrap()]), "sha256");
    // A corrupt model whose manifest matches it: ONNX Runtime refuses it.
    let manifest = std::fs::read_to_string(model.join("manifest.json")).unwrap();
    let fixed = manifest.replace(
        "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        &sha256_hex(b"not a model"),
    );
    std::fs::write(model.join("manifest.json"), fixed).unwrap();
    assert_input_error(
        &eval_with(&["--model", model.to_str().unwrap()]),
        "model.onnx",
    );
    // A missing library.
    assert_input_error(
        &eval_with(&["--ort-library", "/no/such/libonnxruntime.so"]),
        "/no/such/libonnxruntime.so",
    );
    // A malformed taxonomy.
    let tax = dir.path().join("tax.json");
    std::fs::write(
        &tax,
        r#"{"name": "t", "version": "1", "levels": [], "triplets": [{"path": ["sideways"]}]}"#,
    )
    .unwrap();
    assert_input_error(
        &eval_with(&["--taxonomy", tax.to_str().unwrap()]),
        "tax.json",
    );
}

/// An "ONNX Runtime" that reports version 1.20.1, built with the system C
/// compiler: cuebench needs 1.24 or newer and must say so, not crash.
#[test]
fn an_incompatible_onnx_runtime_version_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("fake_ort.c");
    std::fs::write(
        &source,
        "typedef struct { const void *(*GetApi)(unsigned); const char *(*GetVersionString)(void); } OrtApiBase;\n\
         static const void *get_api(unsigned v) { (void)v; return 0; }\n\
         static const char *version(void) { return \"1.20.1\"; }\n\
         static const OrtApiBase base = { get_api, version };\n\
         const OrtApiBase *OrtGetApiBase(void) { return &base; }\n",
    )
    .unwrap();
    let library = dir.path().join("libonnxruntime.so");
    let built = Command::new("cc")
        .args([
            "-shared",
            "-fPIC",
            "-o",
            library.to_str().unwrap(),
            source.to_str().unwrap(),
        ])
        .status()
        .expect("a C compiler (cc) is needed for this test");
    assert!(built.success());
    let (gt, p) = (annotations(), predictions("event"));
    let out = run(
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            gt.to_str().unwrap(),
            p.to_str().unwrap(),
            "--ort-library",
            library.to_str().unwrap(),
        ],
        None,
    );
    assert_input_error(&out, "1.20.1");
}
