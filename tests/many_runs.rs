//! `cuebench eval --all RUN...`: several run folders scored in one pass
//! (docs/many-runs.md), read like a specification. Each run's results
//! document, per-sample files included, is byte for byte what scoring
//! that run alone writes; bad run folders are input errors that name them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{root, stderr, stdout};

/// Three runs of the bundled predictions with overlapping answers:
/// `ckpt-1` is the bundled folder, `ckpt-2` and `ckpt-3` change the words
/// of every other line (different lines each), so most texts are shared
/// and some are each run's own.
fn three_runs(dir: &Path) -> Vec<PathBuf> {
    let edits: [&[(&str, &str)]; 3] = [
        &[],
        &[("fighting", "a fight"), ("street", "road")],
        &[
            ("man", "person"),
            ("car", "vehicle"),
            ("fighting", "a fight"),
        ],
    ];
    let mut runs = Vec::new();
    for (k, edit) in edits.iter().enumerate() {
        let run = dir.join(format!("runs/ckpt-{}", k + 1));
        std::fs::create_dir_all(&run).unwrap();
        for entry in std::fs::read_dir(root().join("examples/predictions")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name == "all.jsonl" {
                continue;
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .enumerate()
                .map(|(i, line)| {
                    let mut line = line.to_owned();
                    if (i + k) % 2 == 0 {
                        for (from, to) in edit.iter() {
                            line = line.replace(from, to);
                        }
                    }
                    line + "\n"
                })
                .collect();
            std::fs::write(run.join(name), text).unwrap();
        }
        runs.push(run);
    }
    runs
}

/// Runs `cuebench ARGS` in `dir` with a fixed creation time.
fn cuebench<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .current_dir(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "0")
        .env_remove("CUEBENCH_GT")
        .output()
        .unwrap()
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path.strip_prefix(dir).unwrap().to_owned(), bytes)
        })
        .collect();
    all.sort();
    all
}

#[test]
fn each_run_is_byte_identical_to_scoring_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    three_runs(dir.path());
    let gt = root().join("examples/annotations.json");
    let gt = gt.to_str().unwrap();
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let args = [
        "eval",
        "--all",
        "runs/ckpt-1/",
        "runs/ckpt-2",
        "runs/ckpt-3",
        "--gt",
        gt,
        "--output",
        "out",
        "--cache-dir",
        cache,
        "--confidence",
        "--confidence-n",
        "50",
    ];
    let together = cuebench(dir.path(), &args);
    assert!(together.status.success(), "{}", stderr(&together));
    // One table row per run, named after its folder.
    let table = stdout(&together);
    let rows: Vec<&str> = table.lines().skip(2).take(3).collect();
    for (row, name) in rows.iter().zip(["ckpt-1", "ckpt-2", "ckpt-3"]) {
        assert!(row.starts_with(&format!("{name} ")), "{table}");
    }
    assert!(table.contains("* best, + second-best"), "{table}");
    // The union was embedded in one pass: the cold cache holds each of its
    // texts once.
    let said = stderr(&together);
    let union: usize = said
        .lines()
        .find_map(|l| l.strip_prefix("cuebench: 3 runs, "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of texts in: {said}"));
    let vectors = std::fs::read_dir(cache).unwrap().next().unwrap().unwrap();
    let records = std::fs::read(vectors.path()).unwrap();
    let records = records.windows(8).filter(|w| w == b"CUEVEC1\n").count();
    assert_eq!(records, union);
    std::fs::rename(dir.path().join("out"), dir.path().join("together")).unwrap();
    // Each document records the command that scores its run alone; run
    // cold (an empty cache), it writes the same bytes.
    for run in ["ckpt-1", "ckpt-2", "ckpt-3"] {
        let doc = dir.path().join("together").join(run).join("results.json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(doc).unwrap()).unwrap();
        let command: Vec<String> = doc["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        assert!(command.contains(&format!("out/{run}")), "{command:?}");
        assert_eq!(
            command.iter().filter(|a| a.starts_with("runs/")).count(),
            1,
            "{command:?}"
        );
        std::fs::remove_dir_all(cache).unwrap();
        let alone = cuebench(dir.path(), &command[1..]);
        assert!(alone.status.success(), "{run}: {}", stderr(&alone));
        let (a, b) = (
            files(&dir.path().join("together").join(run)),
            files(&dir.path().join("out").join(run)),
        );
        assert_eq!(a.len(), 9, "results.json and 8 per-sample files");
        for ((name_a, bytes_a), (name_b, bytes_b)) in a.iter().zip(&b) {
            assert_eq!(name_a, name_b);
            assert!(
                bytes_a == bytes_b,
                "{run}/{}: differs from scoring the run alone",
                name_a.display()
            );
        }
        assert_eq!(a.len(), b.len());
    }
}

#[test]
fn bad_run_folders_are_input_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    three_runs(dir.path());
    let gt = root().join("examples/annotations.json");
    let gt = gt.to_str().unwrap();
    std::fs::create_dir_all(dir.path().join("other/ckpt-1")).unwrap();
    let bad = dir.path().join("runs/ckpt-2/scene.jsonl");
    let mut text = std::fs::read_to_string(&bad).unwrap();
    let broken_line = text.lines().count() + 1;
    text.push_str("{\"id\": \"vid_0001\", \"respo\n");
    std::fs::write(&bad, text).unwrap();
    let cases: [(&[&str], String); 7] = [
        (
            &["runs/ckpt-1", "runs/ckpt-2", "runs/ckpt-3"],
            format!("cuebench: runs/ckpt-2/scene.jsonl:{broken_line}: invalid JSON"),
        ),
        (
            &["runs/ckpt-1", "runs/step-*"],
            "cuebench: runs/step-*: no such run folder (a shell pattern that matched nothing \
             is passed on as it is)"
                .into(),
        ),
        (
            &["runs/ckpt-1", "runs/ckpt-3/event.jsonl"],
            "cuebench: runs/ckpt-3/event.jsonl: not a folder".into(),
        ),
        (
            &["runs/ckpt-1", "other/ckpt-1"],
            "cuebench: runs/ckpt-1 and other/ckpt-1 are both runs named `ckpt-1`".into(),
        ),
        (
            &["runs/ckpt-1", "runs/ckpt-1/"],
            "cuebench: runs/ckpt-1 and runs/ckpt-1/ are both runs named `ckpt-1`".into(),
        ),
        (
            &["runs/ckpt-1", "runs/ckpt-3", "--name", "x"],
            "cuebench: --name is for one run".into(),
        ),
        (
            &["runs/ckpt-1", "runs/ckpt-3", "--bench", "vau-bench"],
            "cuebench: --all does not apply to --bench vau-bench".into(),
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["eval", "--all", "--gt", gt, "--output", "out", "--no-cache"];
        args.extend(extra);
        let out = cuebench(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
        assert!(!dir.path().join("out").exists(), "{extra:?} wrote output");
    }
    let task = cuebench(
        dir.path(),
        &[
            "eval",
            "--task",
            "event",
            "--gt",
            gt,
            "runs/ckpt-1",
            "runs/ckpt-3",
        ],
    );
    assert_eq!(task.status.code(), Some(2));
    assert!(stderr(&task).starts_with("cuebench: several runs are scored with --all, not --task"));
}
