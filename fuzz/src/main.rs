//! `cuebench-fuzz`: a small mutation fuzzer over cuebench's input surfaces
//! that runs on stable Rust (CI needs no nightly toolchain or cargo-fuzz).
//!
//! Each target starts from seeds taken from `examples/` and `tests/fixtures/`
//! and mutates them (bit flips, byte edits, splices, hostile tokens). An
//! input that panics, or takes longer than `--hang-ms`, is a finding: it is
//! saved under `fuzz/artifacts/<target>/` and the run exits 1. The RNG is
//! seeded (`--seed`), so a run is reproducible.
//!
//! Usage: `cuebench-fuzz [--seconds N | --runs N] [--seed S] [--hang-ms M] [TARGET...]`
//! (`--seconds` is the budget of each target; default: every target).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::cell::RefCell;

use cuebench::benchmarks::vau_bench::{self, VauTask};
use cuebench::embedding::HashEmbedder;
use cuebench::evaluate::{Session, SessionOptions, TaskPredictions};
use cuebench::extraction::{extract_answer, format_ok};
use cuebench::formats::annotations::read_annotations;
use cuebench::formats::layout::{Layout, parse_predictions};
use cuebench::formats::predictions::{Prediction, PredictionContent, parse_line};
use cuebench::intervals::{parse_interval, parse_timestamp};
use cuebench::tasks::Task;
use cuebench::tasks::derive::{Sample, derive_samples};
use cuebench::taxonomy::Taxonomy;
use serde_json::Value;

/// Largest input the mutator builds: enough for every reader's structure,
/// small enough that an execution stays in microseconds.
const MAX_INPUT: usize = 16 * 1024;

/// One input surface.
struct Target {
    name: &'static str,
    /// Seeds: files (relative to the repository root) or inline texts.
    seeds: fn(&Path) -> Vec<Vec<u8>>,
    /// Runs one input; a panic is a finding.
    run: fn(&[u8], &Scratch),
}

/// A private folder for targets whose reader takes a path.
struct Scratch {
    dir: tempfile::TempDir,
    fixtures: PathBuf,
}

impl Scratch {
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        // Removing first: truncating a file in place can flush it to disk
        // (ext4's auto_da_alloc), 50 times slower.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, bytes).expect("scratch folder is writable");
        path
    }
}

const TARGETS: &[Target] = &[
    Target {
        name: "extraction",
        seeds: response_seeds,
        run: |bytes, _| {
            let text = String::from_utf8_lossy(bytes);
            let _ = extract_answer(&text);
            let _ = format_ok(&text);
        },
    },
    Target {
        name: "timestamps",
        seeds: |_| {
            [
                "[\"00:00\", \"00:22\"]",
                "[1.5, 3]",
                "\"01:02:03.5\"",
                "[\"1:00\", 90]",
                "[-0.0, 1e308]",
                "\"99:99\"",
                "[\"00:10\", \"00:05\"]",
            ]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect()
        },
        run: |bytes, _| {
            let text = String::from_utf8_lossy(bytes);
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()));
            let _ = parse_interval(&value);
            let _ = parse_timestamp(&value);
        },
    },
    Target {
        name: "prediction-lines",
        seeds: |root| {
            let mut seeds = lines_of(root, "examples/predictions");
            // JSON-array files too: each element is read like a line.
            let lines = lines_of(root, "examples/predictions");
            let array: Vec<String> = lines[..lines.len().min(4)]
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            seeds.push(format!("[\n{}\n]", array.join(",\n")).into_bytes());
            seeds
        },
        run: |bytes, _| {
            let text = String::from_utf8_lossy(bytes);
            for (i, line) in text.lines().enumerate() {
                let _ = parse_line(line, i + 1, Path::new("fuzz.jsonl"));
            }
            let _ = parse_predictions(&text, Path::new("fuzz.json"), Layout::Cuebench);
        },
    },
    Target {
        name: "annotations",
        seeds: |root| {
            let mut seeds = lines_of_file(&root.join("examples/annotations.json"));
            seeds.extend(files(root, "examples", "annotations.json"));
            seeds
        },
        run: |bytes, scratch| {
            let path = scratch.file("annotations.jsonl", bytes);
            if let Ok(videos) = read_annotations(&path) {
                for task in Task::ALL {
                    let _ = derive_samples(&videos, task);
                }
            }
        },
    },
    Target {
        name: "taxonomy",
        seeds: |root| files(root, "tests/fixtures/taxonomy", ".json"),
        run: |bytes, _| {
            let text = String::from_utf8_lossy(bytes);
            let _ = Taxonomy::from_json(&text, Path::new("fuzz-taxonomy.json"));
        },
    },
    Target {
        name: "vau-csv",
        seeds: |root| files(root, "tests/fixtures/vau-bench", ".csv"),
        run: |bytes, scratch| {
            let input = scratch.file("input.csv", bytes);
            let gt = scratch.fixtures.join("vau-bench/annotations.csv");
            // One evaluation per input, picked by its length: the task, and
            // the mutated file as the ground truth or as the predictions.
            let (task, preds) = [
                (VauTask::Qa, "preds_qa.csv"),
                (VauTask::Grounding, "preds_grounding.csv"),
                (VauTask::Cls, "preds_cls.csv"),
            ][bytes.len() % 3];
            let preds = scratch.fixtures.join("vau-bench").join(preds);
            let _ = match bytes.len() / 3 % 2 {
                0 => vau_bench::evaluate(task, &input, &preds),
                _ => vau_bench::evaluate(task, &gt, &input),
            };
        },
    },
    Target {
        name: "compare",
        seeds: |root| {
            ["example", "strong", "weak"]
                .iter()
                .filter_map(|m| {
                    std::fs::read(root.join("examples/results").join(m).join("results.json")).ok()
                })
                .collect()
        },
        run: |bytes, scratch| {
            use cuebench::commands::compare::{CompareOptions, run};
            let input = scratch.file("result.json", bytes);
            let other = scratch
                .fixtures
                .join("../../examples/results/example/results.json");
            let options =
                |baseline: &std::path::Path, candidate: &std::path::Path| CompareOptions {
                    baseline: baseline.to_owned(),
                    candidate: candidate.to_owned(),
                    max_drop: 0.5,
                    paired: None,
                };
            let _ = run(&options(&input, &other));
            let _ = run(&options(&other, &input));
        },
    },
    Target {
        name: "scoring",
        seeds: scoring_seeds,
        run: |bytes, _| score_checked(bytes),
    },
    Target {
        name: "server-request",
        seeds: |root| {
            let lines: Vec<String> = lines_of(root, "examples/predictions")
                .iter()
                .take(6)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            let labels: Vec<String> = (0..lines.len())
                .map(|i| format!("{{\"id\": \"vid_000{i}\", \"task\": \"event\"}}"))
                .collect();
            vec![
                format!("{{\"completions\": [{}]}}", lines.join(", ")).into_bytes(),
                serde_json::json!({"query": lines, "prompts": [], "labels": labels})
                    .to_string()
                    .into_bytes(),
            ]
        },
        run: |bytes, _| {
            use cuebench::reward::parse_lines;
            use cuebench::serve::{openrlhf, request};
            let source = Path::new("<request>");
            if let Ok(texts) = request::reward_completions(bytes) {
                let lines: Vec<(usize, &str)> =
                    texts.iter().enumerate().map(|(i, t)| (i + 1, *t)).collect();
                for task in [None, Some(Task::Event)] {
                    assert_eq!(parse_lines(task, source, &lines).len(), texts.len());
                }
            }
            for task in [None, Some(Task::Grounding)] {
                if let Ok(items) = openrlhf::items(bytes, task) {
                    assert!(openrlhf::readable(&items).len() <= items.len());
                }
            }
        },
    },
];

thread_local! {
    /// The message of the last panic, reported with its finding.
    static PANIC: RefCell<String> = const { RefCell::new(String::new()) };
    /// The scoring target's session: the example ground truth, the
    /// deterministic stand-in embedder, no disk cache (opened once).
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// The scoring target's seeds: a `cuebench tasks` record of each example
/// sample, a newline, and an example response to it.
fn scoring_seeds(root: &Path) -> Vec<Vec<u8>> {
    let videos = read_annotations(&root.join("examples/annotations.json")).expect("examples");
    let mut seeds = Vec::new();
    for task in Task::ALL {
        let responses =
            lines_of_file(&root.join(format!("examples/predictions/{}.jsonl", task.name())));
        for (i, sample) in derive_samples(&videos, task).iter().enumerate().take(4) {
            let mut seed = serde_json::to_vec(sample).expect("plain data");
            seed.push(b'\n');
            if let Some(line) = responses.get(i)
                && let Ok(record) = serde_json::from_slice::<Value>(line)
                && let Some(response) = record["response"].as_str()
            {
                seed.extend_from_slice(response.as_bytes());
            }
            seeds.push(seed);
        }
    }
    seeds
}

/// Extraction -> matching -> metrics on an arbitrary truth (the first line,
/// a `cuebench tasks` record; an example sample when it does not read) and
/// an arbitrary answer (the rest), through the reward and through a whole
/// evaluation; panics when an invariant breaks: every score finite and in
/// its range ([0, 1] per sample score, [0, 100] per percent figure, the
/// reward's of docs/scoring.md §7), the reward the sum of its parts, the
/// counts adding up to the samples.
fn score_checked(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let (truth, response) = text.split_once('\n').unwrap_or((&text, ""));
    let content = PredictionContent::Response(response.to_owned());
    SESSION.with(|cell| {
        let mut cell = cell.borrow_mut();
        let session = cell.get_or_insert_with(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let mut options = SessionOptions::new(root.join("examples/annotations.json"));
            options.embed.no_cache = true;
            options.embed.quiet = true;
            Session::with_embedder(options, Box::new(HashEmbedder::new())).expect("opens")
        });
        let task = Task::ALL[bytes.len() % Task::ALL.len()];
        let known = session.samples(task).to_vec();
        let sample: Sample = match serde_json::from_str(truth) {
            Ok(sample) => sample,
            Err(_) => known[bytes.len() % known.len()].clone(),
        };
        let within = |what: &str, x: f64, low: f64, high: f64| {
            assert!(x.is_finite() && (low..=high).contains(&x), "{what} = {x}");
        };
        let unit = |what: &str, x: f64| within(what, x, 0.0, 1.0);
        if let Ok(rewarded) = session.rewards_against(&[(&sample, &content)]) {
            for r in &rewarded {
                let p = &r.reward.parts;
                // docs/scoring.md §7: R^H has no cut-off, so it lies in
                // [-1, 1] (a distance is at most twice the depth), R_task in
                // [-1, 1], and R = R_format + R^K + R_task in [-1, 3].
                assert!(p.format == 0.0 || p.format == 1.0, "format = {}", p.format);
                unit("structure", p.structure);
                within("task part", p.task, -1.0, 1.0);
                within("reward", r.reward.reward, -1.0, 3.0);
                let sum = p.format + p.structure + p.task;
                assert!((r.reward.reward - sum).abs() <= 1e-12, "reward != parts");
                for (name, x) in [("semantic", p.semantic), ("tiou", p.tiou)] {
                    if let Some(x) = x {
                        unit(name, x);
                    }
                }
                if let Some(h) = p.hierarchy {
                    within("hierarchy", h, -1.0, 1.0);
                }
            }
        }
        // The same answer to a known sample of the task, in a whole
        // evaluation: every other sample is missing.
        let id = known[bytes.len() % known.len()].id.clone();
        let input = TaskPredictions {
            task,
            predictions: vec![Prediction {
                id,
                line: 1,
                task: None,
                content,
            }],
            source: PathBuf::from("fuzz.jsonl"),
        };
        if let Ok(evaluations) = session.evaluate(&[input]) {
            for e in &evaluations {
                let c = &e.result.counts;
                assert_eq!(c.scored + c.missing + c.parse_failed, c.samples, "{c:?}");
                assert_eq!(c.samples, known.len());
                assert_eq!(e.samples.len(), c.samples);
                for m in &e.result.metrics {
                    assert!(
                        m.value.is_finite() && (0.0..=100.0).contains(&m.value),
                        "{} = {}",
                        m.name,
                        m.value
                    );
                }
                for s in &e.samples {
                    for (name, x) in &s.scores {
                        unit(name, *x);
                    }
                }
            }
        }
    });
}

/// Hostile tokens the mutator inserts: structure, escapes, huge and
/// negative numbers, separators, encodings.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    ",",
    ":",
    "null",
    "1e400",
    "-0",
    "-0.0",
    "1e-310",
    "NaN",
    "|",
    "\n",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "<answer>",
    "</answer>",
    "<think>",
    "```json",
    "```",
    "None",
    "99999999999999999999",
    "00:00",
    "::",
    "\"task\": \"x\"",
    "\"id\": 1",
    "é",
    "\u{10ffff}",
];

fn main() {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("cuebench-fuzz: {message}");
            std::process::exit(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // A panic is reported by the driver, once, with its input saved.
    // The panic's message (which invariant, where) goes with the finding.
    std::panic::set_hook(Box::new(|info| {
        PANIC.with(|p| *p.borrow_mut() = info.to_string().replace('\n', " "));
    }));
    let mut findings = 0;
    for target in TARGETS
        .iter()
        .filter(|t| options.targets.is_empty() || options.targets.iter().any(|n| n == t.name))
    {
        findings += fuzz(target, &root, &options);
    }
    if findings > 0 {
        eprintln!("cuebench-fuzz: {findings} finding(s), inputs in fuzz/artifacts/");
        std::process::exit(1);
    }
}

struct Options {
    seconds: Option<f64>,
    runs: Option<u64>,
    seed: u64,
    hang: Duration,
    targets: Vec<String>,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut o = Options {
            seconds: None,
            runs: None,
            seed: 1,
            hang: Duration::from_millis(1000),
            targets: Vec::new(),
        };
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--seconds" => o.seconds = Some(number(&value("--seconds")?)?),
                "--runs" => o.runs = Some(number(&value("--runs")?)? as u64),
                "--seed" => o.seed = number(&value("--seed")?)? as u64,
                "--hang-ms" => o.hang = Duration::from_millis(number(&value("--hang-ms")?)? as u64),
                name if TARGETS.iter().any(|t| t.name == name) => o.targets.push(name.to_owned()),
                other => {
                    let names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
                    return Err(format!(
                        "unknown argument `{other}` (targets: {})",
                        names.join(", ")
                    ));
                }
            }
        }
        if o.seconds.is_none() && o.runs.is_none() {
            o.seconds = Some(10.0);
        }
        Ok(o)
    }
}

fn number(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or(format!("`{text}` is not a non-negative number"))
}

/// Fuzzes one target within the budget; returns its number of findings.
fn fuzz(target: &Target, root: &Path, options: &Options) -> usize {
    // Memory-backed when the system has one: file targets write every input.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    let scratch = Scratch {
        dir: dir.expect("a temporary folder"),
        fixtures: root.join("tests/fixtures"),
    };
    let mut corpus: Vec<Vec<u8>> = (target.seeds)(root)
        .into_iter()
        .map(|mut s| {
            s.truncate(MAX_INPUT);
            s
        })
        .collect();
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let mut rng = Rng(options.seed ^ fnv(target.name.as_bytes()));
    let start = Instant::now();
    let (mut runs, mut findings, mut slowest) = (0u64, 0usize, Duration::ZERO);
    let budget = options.seconds.map(Duration::from_secs_f64);
    loop {
        let done = match (options.runs, budget) {
            (Some(n), _) => runs >= n,
            (None, Some(b)) => runs % 256 == 0 && start.elapsed() >= b,
            (None, None) => true,
        };
        if done {
            break;
        }
        // Seeds first, as they are; then mutants.
        let input = if (runs as usize) < corpus.len() {
            corpus[runs as usize].clone()
        } else {
            mutate(&corpus, &mut rng)
        };
        let began = Instant::now();
        let outcome = std::panic::catch_unwind(|| (target.run)(&input, &scratch));
        let took = began.elapsed();
        slowest = slowest.max(took);
        runs += 1;
        let finding = match outcome {
            Err(_) => Some("crash"),
            Ok(()) if took > options.hang => Some("hang"),
            Ok(()) => None,
        };
        if let Some(kind) = finding {
            findings += 1;
            let saved = save(root, target.name, kind, &input);
            let why = PANIC.with(|p| std::mem::take(&mut *p.borrow_mut()));
            eprintln!(
                "{}: {kind} after {:?} on {} byte(s), saved to {}: {why}",
                target.name,
                took,
                input.len(),
                saved.display()
            );
        } else if rng.below(64) == 0 && corpus.len() < 4096 {
            // Keep some mutants as new starting points.
            corpus.push(input);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<18} {:>10} execs {:>8.1} s {:>9.0}/s  slowest {:>8.2} ms  findings {}",
        target.name,
        runs,
        secs,
        runs as f64 / secs.max(1e-9),
        slowest.as_secs_f64() * 1e3,
        findings
    );
    findings
}

fn save(root: &Path, target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = root.join("fuzz/artifacts").join(target);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{kind}-{:016x}", fnv(input)));
    let _ = std::fs::write(&path, input);
    path
}

/// One mutant of a corpus entry: 1 to 4 edits.
fn mutate(corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.below(256) as u8;
            }
            2 if at < data.len() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let times = 1 + if rng.below(8) == 0 { rng.below(300) } else { 0 };
                for _ in 0..times {
                    data.splice(at..at, token.iter().copied());
                }
            }
            4 if !data.is_empty() => {
                // Duplicate a chunk.
                let from = rng.below(data.len());
                let end = (from + 1 + rng.below(64)).min(data.len());
                let chunk = data[from..end].to_vec();
                data.splice(at..at, chunk);
            }
            5 => {
                // Splice in part of another entry.
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let end = (from + 1 + rng.below(256)).min(other.len());
                    data.splice(at..at, other[from..end].iter().copied());
                }
            }
            6 => data.truncate(at),
            _ => {
                // Replace a digit run with a hostile number.
                let numbers = [
                    "0",
                    "-1",
                    "1e400",
                    "1e-400",
                    "18446744073709551616",
                    "-0",
                    "1.5",
                ];
                data.splice(at..at, numbers[rng.below(numbers.len())].bytes());
            }
        }
    }
    data.truncate(MAX_INPUT);
    data
}

/// xorshift64*: small, fast, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-enough in `0..n` (`n` > 0; 0 gives 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Files under `root/dir` whose name ends with `suffix`, sorted.
fn files(root: &Path, dir: &str, suffix: &str) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.to_string_lossy().ends_with(suffix));
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Every non-blank line of one file, each a seed.
fn lines_of_file(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim_end_matches(',').as_bytes().to_vec())
        .collect()
}

/// Every line of every `.jsonl` file under `root/dir`.
fn lines_of(root: &Path, dir: &str) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .flat_map(|p| lines_of_file(p))
        .collect()
}

/// The `response` texts of the example predictions, plus hostile shapes.
fn response_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = lines_of(root, "examples/predictions")
        .iter()
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .filter_map(|v| v.get("response")?.as_str().map(|s| s.as_bytes().to_vec()))
        .collect();
    seeds.push("[".repeat(4096).into_bytes());
    seeds.push("[\"[".repeat(1024).into_bytes());
    seeds.push(format!("{}[{{\"event\": \"a\"}}]", "{\"a\": [".repeat(200)).into_bytes());
    seeds
}
