//! Seeing results: `eval --by` breakdowns end to end on the bundled sample data.
//!
//! Golden files: `tests/expected/by-<task>.json`, the task's entry of
//! `eval --by ... --format json`.
//! The group figures are the task's own formula over the group's samples (hand-
//! checked in the unit tests of `evaluate::groups`); Sem and Hier come from the
//! real default model, as in `tests/cli.rs`. Regenerate after an intended
//! change with `CUEBENCH_BLESS=1 cargo test --test report` and say why in the
//! commit.

use std::process::{Command, Output};

mod common;
use common::root;

/// Runs the binary in the repository root with its own vector cache.
fn cuebench(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(args)
        .args(["--cache-dir", cache.path().to_str().unwrap(), "--quiet"])
        .current_dir(root())
        .env_remove("CUEBENCH_GT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `eval --task TASK --by ...` on the example data as JSON, checked against
/// (or, with CUEBENCH_BLESS=1, written to) `tests/expected/by-TASK.json`.
fn golden_by(task: &str, by: &[&str]) {
    let predictions = format!("examples/predictions/{task}.jsonl");
    let mut args = vec![
        "eval",
        "--task",
        task,
        "--gt",
        "examples/annotations.json",
        &predictions,
        "--format",
        "json",
    ];
    for b in by {
        args.extend(["--by", b]);
    }
    let out = cuebench(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The task's entry of the results document (provenance changes with the
    // machine; the figures and groups do not).
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = format!(
        "{}\n",
        serde_json::to_string_pretty(&document["results"][0]).unwrap()
    );
    let path = root().join(format!("tests/expected/by-{task}.json"));
    if std::env::var_os("CUEBENCH_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    assert_eq!(got, std::fs::read_to_string(&path).unwrap());
}

#[test]
fn by_groups_a_when_task_by_branch_and_genre() {
    golden_by("detection", &["branch", "genre"]);
}

#[test]
fn by_groups_a_what_task_by_domain_and_camera_view() {
    golden_by("event", &["domain", "camera_view"]);
}

#[test]
fn by_marks_small_groups_in_the_table_instead_of_hiding_them() {
    let out = cuebench(&[
        "eval",
        "--task",
        "detection",
        "--gt",
        "examples/annotations.json",
        "examples/predictions/detection.jsonl",
        "--by",
        "genre",
    ]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    // One sports video: shown, marked small.
    assert!(stdout.contains("genre: sports            1*"), "{stdout}");
    assert!(stdout.contains("* fewer than 10 samples"), "{stdout}");
}

#[test]
fn by_without_the_field_warns_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let gt = dir.path().join("gt.json");
    let videos: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/annotations.json")).unwrap(),
    )
    .unwrap();
    let stripped: Vec<serde_json::Value> = videos
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("genre");
            v
        })
        .collect();
    std::fs::write(&gt, serde_json::to_string(&stripped).unwrap()).unwrap();
    let out = cuebench(&[
        "eval",
        "--task",
        "detection",
        "--gt",
        gt.to_str().unwrap(),
        "examples/predictions/detection.jsonl",
        "--by",
        "genre",
    ]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--by genre: no detection sample falls in a group"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("warning"));
}

#[test]
fn by_is_a_usage_error_for_the_siblings() {
    let out = cuebench(&[
        "eval",
        "--bench",
        "vad-reasoning",
        "--task",
        "detection",
        "--gt",
        "examples/vad-reasoning/ground_truth.jsonl",
        "examples/vad-reasoning/predictions.jsonl",
        "--by",
        "branch",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // The registry refuses a flag the benchmark does not read.
    assert!(
        text(&out.stderr).contains("--by does not apply to --bench vad-reasoning"),
        "{}",
        text(&out.stderr)
    );
}

/// The report of the fixture runs (two CueBench runs written to the
/// `eval --output` layout, one with intervals, and a separate-protocol run
/// without per-sample files), as text.
fn fixture_report() -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let result = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "report",
            "tests/fixtures/results/model-a",
            "tests/fixtures/results/model-b/results.json",
            "tests/fixtures/results/clip-separate.json",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", text(&result.stderr));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("clip-separate.json: no per-sample files"),
        "{stderr}"
    );
    assert!(!stderr.contains("model-a"), "{stderr}");
    std::fs::read_to_string(out).unwrap()
}

fn count(html: &scraper::Html, selector: &str) -> usize {
    html.select(&scraper::Selector::parse(selector).unwrap())
        .count()
}

#[test]
fn report_parses_and_holds_every_section() {
    let page = fixture_report();
    let html = scraper::Html::parse_document(&page);
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    for id in [
        "summary",
        "tables",
        "tasks",
        "groups",
        "when",
        "what",
        "worst",
        "provenance",
    ] {
        assert_eq!(count(&html, &format!("section#{id} h2")), 1, "section {id}");
    }
    // Table 2 for the two unified runs, Table 3 for the separate one.
    assert_eq!(count(&html, "#tables table"), 2);
    assert_eq!(count(&html, "#tables caption"), 2);
    assert!(page.contains("Table 2: CueBench, unified protocol"));
    assert!(page.contains("Table 3: CueBench, separate protocol"));
    // Table 3 in the paper's columns, the tasks a run lacks left empty.
    assert!(page.contains("Event Recognition Top-5"));
    assert!(page.contains("Anomaly Detection TIoU"));
    // Best and second-best marked; model-a's intervals shown.
    assert!(count(&html, "#tables td.best") >= 20);
    assert!(count(&html, "#tables td.second") >= 1);
    assert!(count(&html, "#tables td .ci") >= 20);
    // A bar chart per task: 8 unified tasks and the separate run's 2.
    assert_eq!(count(&html, "#tasks figure svg[role=img][aria-label]"), 10);
    // Group charts: 8 tasks x (branch, genre).
    assert_eq!(count(&html, "#groups figure svg"), 16);
    // When: IoU distribution and R@k curve for grounding and detection.
    assert_eq!(count(&html, "#when figure svg"), 4);
    // What: a distribution per What task with samples (6), the separate
    // event task has none and says so.
    assert_eq!(count(&html, "#what figure svg"), 6);
    assert!(count(&html, "#what p.note") >= 1);
    // Worst samples: up to 5 answered samples per task and run, all
    // collapsed; model-b misses a third of its predictions, which are
    // counted instead (anticipation has 5 samples, so model-b lists fewer).
    let worst = count(&html, "#worst details");
    assert!((8 * 2 * 5 - 5..8 * 2 * 5).contains(&worst), "{worst}");
    assert_eq!(count(&html, "#worst h4"), 8 * 2);
    assert_eq!(count(&html, "#worst details[open]"), 0);
    assert!(!page.contains("(missing)</summary>"));
    assert!(page.contains("samples without a prediction"));
    assert!(count(&html, "#worst details pre") >= worst * 2);
    assert!(count(&html, "#worst details table") >= 1);
    // Provenance: hashes, command lines and signatures of every run.
    let provenance: String = html
        .select(&scraper::Selector::parse("#provenance").unwrap())
        .flat_map(|s| s.text())
        .collect();
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/results/model-a/results.json"))
            .unwrap(),
    )
    .unwrap();
    let sha = written["inputs"]["annotations"]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(provenance.contains(sha));
    assert!(provenance.contains(
        "cuebench eval --all --gt examples/annotations.json --model models/minilm-l6-v2 --by branch"
    ));
    assert!(provenance.contains("signature detection"));
    assert_eq!(count(&html, "#provenance h3"), 3);
}

#[test]
fn report_is_self_contained_and_accessible() {
    let page = fixture_report();
    let html = scraper::Html::parse_document(&page);
    // Nothing to fetch: no scripts, no external sources or style sheets, and a
    // policy that forbids fetching anyway.
    assert_eq!(count(&html, "script"), 0);
    assert_eq!(count(&html, "[src]"), 0);
    assert_eq!(count(&html, "link"), 0);
    // The only URL is the SVG namespace, a name that is never fetched.
    let urls = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!urls.contains("http://") && !urls.contains("https://"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Every chart has a text alternative, a caption and its numbers.
    let charts = count(&html, "figure svg");
    assert_eq!(count(&html, "figure svg[role=img][aria-label]"), charts);
    assert_eq!(count(&html, "figure figcaption"), charts);
    assert_eq!(count(&html, "figure details table"), charts);
    // Okabe–Ito colours, a print style sheet, a language.
    assert!(page.contains("#0072b2") && page.contains("#e69f00"));
    assert!(page.contains("@media print"));
    assert_eq!(count(&html, "html[lang=en]"), 1);
}

#[test]
fn report_is_byte_identical_across_runs() {
    assert_eq!(fixture_report(), fixture_report());
}

#[test]
fn report_of_something_else_is_an_input_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(["report", "tests/expected/event.json", "--out", "/dev/null"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("tests/expected/event.json:1: field `schema`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn report_never_writes_over_a_results_file_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    std::fs::copy(
        root().join("tests/fixtures/results/clip-separate.json"),
        &results,
    )
    .unwrap();
    let before = std::fs::read(&results).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "report",
            results.to_str().unwrap(),
            "--out",
            results.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&results).unwrap(), before);
}

#[test]
fn by_with_confidence_gives_every_group_its_own_interval() {
    let out = cuebench(&[
        "eval",
        "--task",
        "detection",
        "--gt",
        "examples/annotations.json",
        "examples/predictions/detection.jsonl",
        "--by",
        "branch",
        "--confidence",
        "--confidence-n",
        "200",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = document["results"][0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        for m in g["metrics"].as_array().unwrap() {
            let (low, value, high) = (
                m["ci"]["low"].as_f64().unwrap(),
                m["value"].as_f64().unwrap(),
                m["ci"]["high"].as_f64().unwrap(),
            );
            assert!(low <= value && value <= high, "{m}");
        }
    }
    // A group's interval is its own: wider than the whole task's (fewer samples).
    let width = |m: &serde_json::Value| {
        m["ci"]["high"].as_f64().unwrap() - m["ci"]["low"].as_f64().unwrap()
    };
    let whole = &document["results"][0]["metrics"][0];
    assert!(width(&groups[1]["metrics"][0]) > width(whole));
}

#[test]
fn eval_and_leaderboard_write_the_report_with_format_html() {
    let eval = cuebench(&[
        "eval",
        "--task",
        "grounding",
        "--gt",
        "examples/annotations.json",
        "examples/predictions/grounding.jsonl",
        "--by",
        "branch",
        "--format",
        "html",
    ]);
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    let page = text(&eval.stdout);
    let html = scraper::Html::parse_document(&page);
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    // The run's own samples are in memory: distributions and worst samples
    // are drawn without --output.
    assert_eq!(count(&html, "#when figure svg"), 2);
    assert_eq!(count(&html, "#groups figure svg"), 1);
    assert_eq!(count(&html, "#worst details"), 5);
    assert!(page.contains("Matched pairs"));

    let board = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "leaderboard",
            "tests/fixtures/results/model-a",
            "tests/fixtures/results/model-b",
            "--format",
            "html",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(board.status.success(), "{}", text(&board.stderr));
    let html = scraper::Html::parse_document(&text(&board.stdout));
    assert_eq!(count(&html, "#tables table"), 1);
    assert_eq!(count(&html, "#tables tbody tr"), 2);
    assert_eq!(
        count(&html, "#worst details"),
        count(&html, "#worst details:not([open])")
    );
}

#[test]
fn report_refuses_runs_scored_under_different_settings() {
    // model-b as if scored with another --tau: not comparable with model-a,
    // the same refusal as leaderboard.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    let mut document: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/results/model-b/results.json"))
            .unwrap(),
    )
    .unwrap();
    for entry in document["results"].as_array_mut().unwrap() {
        let signature = entry["signature"]
            .as_str()
            .unwrap()
            .replace("|tau:1.0|", "|tau:0.5|");
        entry["signature"] = signature.into();
        entry.as_object_mut().unwrap().remove("samples_file");
    }
    let document = document.to_string();
    std::fs::write(&other, document).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args([
            "report",
            "tests/fixtures/results/model-a",
            other.to_str().unwrap(),
            "--out",
            dir.path().join("r.html").to_str().unwrap(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("tau"), "{}", text(&out.stderr));
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn output_sample_lines_name_their_groups() {
    // The fixtures are written by `eval --by branch --by genre --output`.
    let lines = std::fs::read_to_string(
        root().join("tests/fixtures/results/model-a/samples_grounding.jsonl"),
    )
    .unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    // vid_0001|t1 is the normal climbing triplet of a documentary.
    assert_eq!(first["id"], "vid_0001|t1");
    assert_eq!(
        first["groups"],
        serde_json::json!({"branch": ["normality"], "genre": ["documentary"]})
    );
}
