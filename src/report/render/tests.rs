//! Every view in every format: the bytes the goldens and the README rely
//! on, and what no input may break.

use super::*;
use crate::model::document::{for_tests, result_for_tests};
use crate::model::{BenchmarkId, Counts, Group, Interval, TaskResult};

fn result(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
    TaskResult {
        counts: Counts {
            samples: 4,
            scored: 3,
            missing: 1,
            format_ok: 3,
            ..Counts::default()
        },
        ..result_for_tests(task, "cuebench:2|task:x", metrics)
    }
}

fn with_ci(mut r: TaskResult) -> TaskResult {
    r.metrics[0].ci = Some(Interval {
        mean: 83.7,
        low: 80.004,
        high: 87.456,
    });
    r
}

#[test]
fn table() {
    let doc = for_tests(vec![result("event", &[("Struct", 83.7349), ("Sem", -0.0)])]);
    assert_eq!(
        Format::Table.renderer().results(&doc),
        "cuebench / event\n  Struct   83.73\n  Sem       0.00\n  samples 4 | scored 3 | missing 1 | parse_failed 0 | dropped intervals 0 | unknown ids 0 | format 75.00%\n  cuebench:2|task:x\n"
    );
    let doc = for_tests(vec![with_ci(result("event", &[("Struct", 83.7349)]))]);
    assert!(
        Format::Table
            .renderer()
            .results(&doc)
            .contains("  Struct   83.73  [80.00, 87.46]\n")
    );
}

#[test]
fn markdown_and_csv_share_columns() {
    let doc = for_tests(vec![
        result("event", &[("Struct", 50.0)]),
        result("grounding", &[("Struct", 1.0), ("TIoU", 2.0)]),
    ]);
    let md = Format::Markdown.renderer().results(&doc);
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(
        lines[0],
        "| benchmark | task | Struct | TIoU | samples | scored | missing | parse_failed | dropped_intervals | unknown_ids | format | signature |"
    );
    assert_eq!(
        lines[2],
        "| cuebench | event | 50.00 |  | 4 | 3 | 1 | 0 | 0 | 0 | 75.00 | cuebench:2\\|task:x |"
    );
    let csv = Format::Csv.renderer().results(&doc);
    assert_eq!(
        csv.lines().nth(2),
        Some("cuebench,grounding,1.00,2.00,4,3,1,0,0,0,75.00,cuebench:2|task:x")
    );
}

#[test]
fn intervals_beside_the_value_in_markdown_in_own_columns_in_csv() {
    let doc = for_tests(vec![with_ci(result("event", &[("Struct", 83.7349)]))]);
    let md = Format::Markdown.renderer().results(&doc);
    assert!(
        md.lines()
            .nth(2)
            .unwrap()
            .contains("| 83.73 [80.00, 87.46] |"),
        "{md}"
    );
    let csv = Format::Csv.renderer().results(&doc);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("benchmark,task,Struct,Struct low,Struct high,samples")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("cuebench,event,83.73,80.00,87.46,4,")
    );
}

#[test]
fn json_is_the_document_at_full_precision() {
    let doc = for_tests(vec![result("event", &[("Struct", 83.73499)])]);
    let v: serde_json::Value =
        serde_json::from_str(&Format::Json.renderer().results(&doc)).unwrap();
    assert_eq!(v["schema"], "cuebench-results");
    assert_eq!(
        v["results"][0]["metrics"][0]["value"],
        serde_json::json!(83.73499)
    );
    assert_eq!(v["results"][0]["counts"]["missing"], serde_json::json!(1));
}

fn metric(value: f64) -> Metric {
    Metric::from_mean("Struct", value)
}

fn group(by: &str, name: &str, samples: usize, value: f64) -> Group {
    Group {
        by: by.into(),
        group: name.into(),
        samples,
        small: samples < SMALL_GROUP,
        metrics: vec![metric(value)],
        members: Vec::new(),
    }
}

/// Detection with Struct 50% over 3 samples, and the given groups.
fn document(groups: Vec<Group>) -> ResultsDocument {
    let mut d = for_tests(vec![TaskResult {
        benchmark: BenchmarkId::CueBench,
        task: "detection".into(),
        signature: "sig".into(),
        counts: Counts {
            samples: 3,
            ..Counts::default()
        },
        metrics: vec![metric(0.5)],
    }]);
    d.results[0].groups = groups;
    d
}

#[test]
fn every_format_shows_every_group_and_marks_small_ones() {
    let d = document(vec![
        group("branch", "anomaly", 2, 0.75),
        group("genre", "a|b", 12, 0.25),
    ]);
    let table = Format::Table.renderer().groups(&d);
    assert!(
        table.contains("branch: anomaly       2*    75.00"),
        "{table}"
    );
    assert!(
        table.contains("genre: a|b           12     25.00"),
        "{table}"
    );
    assert!(table.contains("* fewer than 10 samples"), "{table}");
    let markdown = Format::Markdown.renderer().groups(&d);
    assert!(
        markdown.contains("| branch | anomaly | 2* | 75.00 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| genre | a\\|b | 12 | 25.00 |"),
        "{markdown}"
    );
    assert_eq!(
        Format::Csv.renderer().groups(&d),
        "benchmark,task,by,group,samples,small,Struct\n\
         cuebench,detection,all,all,3,false,50.00\n\
         cuebench,detection,branch,anomaly,2,true,75.00\n\
         cuebench,detection,genre,a|b,12,false,25.00\n"
    );
    // JSON: the document itself carries the groups.
    assert_eq!(Format::Json.renderer().groups(&d), "");
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["results"][0]["groups"][0]["small"], true);
    assert_eq!(json["results"][0]["groups"][1]["metrics"][0]["value"], 25.0);
    assert!(json["results"][0]["groups"][0].get("members").is_none());
}

#[test]
fn intervals_show_beside_group_figures() {
    let mut g = group("branch", "anomaly", 12, 0.75);
    g.metrics[0].ci = Some(Interval {
        mean: 75.0,
        low: 60.0,
        high: 88.5,
    });
    let table = Format::Table.renderer().groups(&document(vec![g]));
    assert!(table.contains("75.00 [60.00, 88.50]"), "{table}");
    assert!(!table.contains("fewer than"), "{table}");
}

#[test]
fn no_groups_print_nothing_in_the_text_formats() {
    let d = document(Vec::new());
    assert_eq!(Format::Table.renderer().groups(&d), "");
    assert_eq!(Format::Markdown.renderer().groups(&d), "");
}

fn signed(task: &str, metrics: &[(&str, f64)]) -> TaskResult {
    let signature = format!("cuebench:2|task:{task}|tiou:union|version:0.2.0");
    result_for_tests(task, &signature, metrics)
}

fn doc(name: &str, results: Vec<TaskResult>) -> ResultsDocument {
    let mut d = for_tests(results);
    d.run.name = name.into();
    d
}

/// Table 2 of `docs`, `ci` showing intervals.
fn board(docs: &[ResultsDocument], ci: bool) -> Board {
    let runs = docs.iter().cloned().map(Run::unsampled).collect();
    Board::new(runs, Layout::table2(), ci)
}

#[test]
fn markdown_marks_best_bold_and_second_underlined() {
    let docs = [
        doc(
            "strong",
            vec![signed("event", &[("Struct", 83.731), ("Sem", 10.0)])],
        ),
        doc(
            "weak",
            vec![signed("event", &[("Struct", 58.46), ("Sem", 20.0)])],
        ),
    ];
    let md = Format::Markdown
        .renderer()
        .leaderboard(&board(&docs, false));
    let lines: Vec<&str> = md.lines().collect();
    assert!(
        lines[0].starts_with("| model | Event Struct | Event Sem | Event Hier | Scene Struct |")
    );
    assert!(lines[1].starts_with("| --- | ---: |"));
    assert!(
        lines[2].starts_with("| strong | **83.73** | <u>10.00</u> | - |"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("| weak | <u>58.46</u> | **20.00** | - |"),
        "{}",
        lines[3]
    );
}

#[test]
fn csv_and_json_keep_values_and_intervals() {
    let mut strong = signed("grounding", &[("Struct", 1.0), ("TIoU", 2.5)]);
    strong.metrics[1].ci = Some(Interval {
        mean: 2.4,
        low: 1.0,
        high: 4.0,
    });
    let docs = [doc("a", vec![strong])];
    let csv = Format::Csv.renderer().leaderboard(&board(&docs, true));
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains(",Grounding TIoU,Grounding TIoU low,Grounding TIoU high,"),
        "{header}"
    );
    assert!(lines.next().unwrap().contains(",1.00,2.50,1.00,4.00,"));
    let v: serde_json::Value =
        serde_json::from_str(&Format::Json.renderer().leaderboard(&board(&docs, true))).unwrap();
    assert_eq!(v["columns"].as_array().unwrap().len(), 20);
    assert_eq!(v["rows"][0]["cells"][14]["value"], serde_json::json!(2.5));
    assert_eq!(
        v["rows"][0]["cells"][14]["ci"]["high"],
        serde_json::json!(4.0)
    );
    // A single row has nothing to be ranked against.
    assert_eq!(v["rows"][0]["cells"][14]["rank"], serde_json::Value::Null);
    assert_eq!(v["rows"][0]["cells"][0]["value"], serde_json::Value::Null);
    assert_eq!(
        v["signature"],
        "cuebench:2|task:all|tiou:union|version:0.2.0"
    );
}

#[test]
fn long_names_are_elided_in_the_middle_and_short_ones_kept() {
    use super::table::{LONGEST, fit};
    assert_eq!(fit("branch: anomaly"), "branch: anomaly");
    let name = format!("start{}end", "x".repeat(100_000));
    let shown = fit(&name);
    assert_eq!(shown.chars().count(), LONGEST);
    assert!(shown.starts_with("startxx") && shown.ends_with("xxend"));
    assert!(shown.contains('…'));
}

#[test]
fn a_name_longer_than_65535_chars_does_not_crash_the_table() {
    let long = "n".repeat(70_000);
    // A run name, a task and a figure name in the leaderboard.
    let strong = doc(&long, vec![signed(&long, &[(long.as_str(), 10.0)])]);
    let weak = doc("weak", vec![signed(&long, &[(long.as_str(), 5.0)])]);
    let docs = [strong, weak];
    let runs = docs.iter().cloned().map(Run::unsampled).collect();
    let of_results = Layout::of_results(&docs);
    let text = Format::Table
        .renderer()
        .leaderboard(&Board::new(runs, of_results, false));
    assert!(text.lines().all(|l| l.chars().count() < 300), "{text}");
    assert!(text.contains("weak"), "{text}");
    // A group label and a figure name in the groups table.
    let mut d = document(vec![group(&long, &long, 12, 0.5)]);
    d.results[0].result.metrics[0].name = long.clone();
    let text = Format::Table.renderer().groups(&d);
    assert!(text.lines().all(|l| l.chars().count() < 300), "{text}");
    assert!(text.contains("50.00"), "{text}");
    // A figure name in the per-task results.
    let text = Format::Table.renderer().results(&d);
    assert!(text.contains("  nnn"), "{text}");
}

#[test]
fn the_html_comparison_escapes_every_name() {
    use crate::report::compare::{Change, Comparison, Side};
    let side = |name: &str| Side {
        path: "r.json".into(),
        name: name.into(),
    };
    let comparison = Comparison {
        baseline: side("<script>alert(1)</script>"),
        candidate: side("b&c"),
        max_drop: 0.5,
        paired: None,
        changes: vec![Change {
            task: "cuebench/<i>event</i>".into(),
            figure: "Struct".into(),
            baseline: 80.0,
            candidate: Some(70.0),
            test: None,
            regression: true,
        }],
        warnings: Vec::new(),
    };
    let html = Format::Html.renderer().comparison(&comparison);
    assert!(
        !html.contains("<script>") && !html.contains("<i>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;") && html.contains("b&amp;c"));
    assert!(
        html.contains("REGRESSION") && html.contains("-10.00"),
        "{html}"
    );
    assert!(html.contains("Content-Security-Policy"));
}
