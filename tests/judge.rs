//! The judged tasks end to end against a REAL judge: llama.cpp's
//! `llama-server` with SmolLM2-135M-Instruct on loopback, both installed by
//! `scripts/setup-judge.sh` (docs/judge.md). Such a small model judges
//! poorly; these tests check the plumbing: the request, reading the reply,
//! the cache (a rerun asks nothing and gives byte-identical JSON), resuming
//! after SIGKILL, the key (a real `--api-key` server: a wrong key is a real
//! 401), and that the key never leaks.
//!
//! They run with `CUEBENCH_REQUIRE_JUDGE=1` (set by `.ci/run`), where a
//! missing server fails them; without it they say so on stderr and pass, so
//! a plain `cargo test` stays fast. What a real server cannot be made to do
//! on demand (429, 500, a hang) is tested against a labelled test double in
//! `src/judge/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const MODEL_NAME: &str = "smollm2-135m";

/// The folder `scripts/setup-judge.sh` installs into.
fn judge_home() -> PathBuf {
    if let Some(dir) = std::env::var_os("CUEBENCH_JUDGE_HOME") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("cuebench").join("judge-b11434")
}

/// A running llama-server; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server (with `api_key` required when given), or `None`
    /// when the real-judge tests are not asked for.
    fn start(api_key: Option<&str>) -> Option<Server> {
        let home = judge_home();
        let (bin, model) = (
            home.join("bin/llama-server"),
            home.join("models").join(MODEL_FILE),
        );
        if std::env::var_os("CUEBENCH_REQUIRE_JUDGE").is_none() {
            eprintln!(
                "SKIPPED: the real-judge tests run with CUEBENCH_REQUIRE_JUDGE=1 (as .ci/run \
                 does), after scripts/setup-judge.sh"
            );
            return None;
        }
        assert!(
            bin.is_file() && model.is_file(),
            "the local judge is not installed in {} (run scripts/setup-judge.sh)",
            home.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(bin);
        // One thread, waiting passively: on a busy 2-core machine two
        // spinning OpenMP threads slow decoding 30-fold. --no-repack: no
        // AMX buffers (llama.cpp's AMX path crashes where the kernel grants
        // no AMX tiles).
        command
            .args(["-m", &model.to_string_lossy()])
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "-c",
                "16384",
                "-np",
                "8",
                "-t",
                "1",
                "--metrics",
                "--no-repack",
            ])
            .env("OMP_WAIT_POLICY", "passive")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(key) = api_key {
            command.args(["--api-key", key]);
        }
        let child = command.spawn().expect("start llama-server");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}/v1"),
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if server.get("/health").is_some() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("llama-server did not become healthy in 120 s");
    }

    /// GET a path of the server (no key needed for /health and /metrics).
    fn get(&self, path: &str) -> Option<String> {
        let base = self.url.trim_end_matches("/v1");
        let mut response = ureq::get(format!("{base}{path}")).call().ok()?;
        response.body_mut().read_to_string().ok()
    }

    /// Tokens the server has generated so far (its own counter).
    fn tokens_predicted(&self) -> f64 {
        let metrics = self.get("/metrics").expect("/metrics");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("llamacpp:tokens_predicted_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("llamacpp:tokens_predicted_total")
    }
}

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path)
}

/// `cuebench eval` of a judged task with the judge flags, no key variables.
fn judged(
    bench: &str,
    task: &str,
    gt: &Path,
    preds: &Path,
    url: &str,
    cache: &Path,
    extra: &[&str],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuebench"));
    command
        .args(["eval", "--bench", bench, "--task", task, "--gt"])
        .arg(gt)
        .arg(preds)
        .args([
            "--judge-url",
            url,
            "--judge-model",
            MODEL_NAME,
            "--judge-cache",
        ])
        .arg(cache)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("CUEBENCH_JUDGE_API_KEY")
        .env_remove("OPENAI_API_KEY");
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run cuebench");
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Bytes as text, so that a failed comparison shows readable lines.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The numbers in the judge's last progress line: (done, judge_failed,
/// from the cache, requests).
fn progress(stderr: &str) -> (usize, usize, usize, usize) {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("cuebench: judge: "))
        .unwrap_or_else(|| panic!("no judge progress line in:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit() && c != '/')
        .filter_map(|w| w.split('/').next()?.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2], numbers[3])
}

#[test]
fn example_predictions_are_judged_then_a_rerun_asks_nothing_and_is_byte_identical() {
    let Some(server) = Server::start(None) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp");
    let cache = dir.path().join("cache");
    let cases = [
        (
            "vad-reasoning",
            "llm-guided",
            example("vad-reasoning/ground_truth.jsonl"),
            example("vad-reasoning/predictions.jsonl"),
            vec!["Reasonability", "Detail", "Consistency"],
        ),
        (
            "vau-bench",
            "vau-eval",
            example("vau-bench/val.csv"),
            example("vau-bench/predictions.jsonl"),
            vec![
                "Classification",
                "KeyMatching",
                "Fluency",
                "Informativeness",
                "Factual",
                "Total",
            ],
        ),
    ];
    for (bench, task, gt, preds, figures) in cases {
        // The same command twice: the results document records the command
        // line, so the rerun writes to the same --output folder (with
        // another folder the `command` field differs, as it should).
        let out = dir.path().join(task);
        let command = || {
            let mut command = judged(bench, task, &gt, &preds, &server.url, &cache, &[]);
            command.args(["--format", "json", "--output"]).arg(&out);
            command
        };
        let first = run(&mut command());
        let first_results = std::fs::read(out.join("results.json")).expect("results 1");
        let (done, failed, cached, requests) = progress(&stderr(&first));
        assert_eq!(cached, 0, "{task}: a fresh cache");
        assert!(requests >= done, "{task}: every sample asked");
        let doc: Value = serde_json::from_slice(&first.stdout).expect("JSON on stdout");
        let result = &doc["results"][0];
        let signature = result["signature"].as_str().expect("signature");
        assert!(
            signature.contains(&format!("|judge:{MODEL_NAME}|judge-prompt:sha256:"))
                && signature.contains("|judge-temp:0|"),
            "{signature}"
        );
        let names: Vec<&str> = result["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| m["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, figures, "{task}");
        for m in result["metrics"].as_array().expect("metrics") {
            let v = m["value"].as_f64().expect("value");
            assert!((0.0..=100.0).contains(&v), "{task}: {m}");
        }
        assert_eq!(
            result["counts"]["judge_failed"].as_u64().unwrap_or(0) as usize,
            failed
        );
        // Each judged sample line holds the judge's scores and comment.
        let samples = std::fs::read_to_string(out.join(format!("samples_{task}.jsonl")))
            .expect("samples file");
        let judged_lines = samples
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("sample line"))
            .filter(|l| l["status"] == "scored")
            .inspect(|l| assert!(l["judge"]["scores"].is_object(), "{l}"))
            .count();
        assert_eq!(judged_lines + failed, done, "{task}");

        // The rerun: nothing generated, nothing asked, the same bytes.
        let before = server.tokens_predicted();
        let second = run(&mut command());
        assert_eq!(server.tokens_predicted(), before, "{task}: the rerun asked");
        let (_, _, cached2, requests2) = progress(&stderr(&second));
        // Every ask was answered from the cache (the first run's request
        // count also holds its retries, e.g. a 503 while the server loads).
        assert_eq!(requests2, 0, "{task}");
        assert!(cached2 >= done, "{task}: {cached2} from the cache");
        assert_eq!(
            text(&first.stdout),
            text(&second.stdout),
            "{task}: stdout differs"
        );
        assert_eq!(
            text(&first_results),
            text(&std::fs::read(out.join("results.json")).expect("results 2")),
            "{task}: results.json differs"
        );
        // --confidence works on judged figures like on any other.
        let with_ci = run(
            judged(bench, task, &gt, &preds, &server.url, &cache, &[]).args([
                "--format",
                "json",
                "--confidence",
            ]),
        );
        let doc: Value = serde_json::from_slice(&with_ci.stdout).expect("JSON");
        assert!(doc["results"][0]["metrics"][0]["ci"].is_object(), "{task}");
    }
}

/// Samples in the resume test: 10 by default, enough for a kill with
/// replies both cached and missing, and quick on a busy 2-core machine (the
/// 135M judge answers about one request in 3 s there); the acceptance's 200
/// with `CUEBENCH_JUDGE_RESUME_SAMPLES=200` (about 10 minutes). The resume
/// logic does not depend on the number.
fn resume_samples() -> usize {
    std::env::var("CUEBENCH_JUDGE_RESUME_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n >= 4)
        .unwrap_or(10)
}

/// `n` Vad-Reasoning samples in cuebench's own layout.
fn samples(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let (gt, preds) = (dir.join("gt.jsonl"), dir.join("preds.jsonl"));
    let mut gt_text = String::new();
    let mut preds_text = String::new();
    for i in 0..n {
        let what = ["a fight", "a car crash", "a robbery", "a fire"][i % 4];
        gt_text.push_str(&format!(
            "{{\"id\": \"v{i:03}\", \"label\": \"abnormal\", \"reference\": \"<think>Video {i} shows {what}.</think><answer>{what}</answer>\"}}\n"
        ));
        preds_text.push_str(&format!(
            "{{\"id\": \"v{i:03}\", \"response\": \"<think>In video {i} I see {}.</think><answer>anomaly</answer>\"}}\n",
            ["people talking", "a car crash", "a robbery", "smoke"][(i / 4) % 4]
        ));
    }
    std::fs::write(&gt, gt_text).expect("gt");
    std::fs::write(&preds, preds_text).expect("preds");
    (gt, preds)
}

fn cached_replies(cache: &Path) -> usize {
    std::fs::read_dir(cache)
        .map(|dirs| {
            dirs.flatten()
                .filter_map(|d| std::fs::read_dir(d.path()).ok())
                .flat_map(|files| files.flatten())
                .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_run_killed_mid_way_resumes_asking_only_what_was_not_answered() {
    let Some(server) = Server::start(None) else {
        return;
    };
    let n = resume_samples();
    let dir = tempfile::tempdir().expect("temp");
    let cache = dir.path().join("cache");
    let (gt, preds) = samples(dir.path(), n);
    let eval = |extra: &[&str]| {
        judged(
            "vad-reasoning",
            "llm-guided",
            &gt,
            &preds,
            &server.url,
            &cache,
            extra,
        )
    };
    // Two requests in flight: the kill then wastes at most two answers the
    // server goes on computing for a client that is gone.
    let mut child = eval(&["--format", "json", "--judge-concurrency", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (kill_at, started) = (n / 4 + 1, Instant::now());
    while cached_replies(&cache) < kill_at {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{kill_at} replies took over 300 s"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    child.wait().expect("reap");
    let before = cached_replies(&cache);
    assert!(before < n, "the kill came too late to test a resume");

    let resume = ["--format", "json", "--judge-concurrency", "2"];
    let resumed = run(&mut eval(&resume));
    let (done, _, from_cache, requests) = progress(&stderr(&resumed));
    assert_eq!(done, n);
    assert_eq!(
        from_cache, before,
        "every reply cached before the kill was used"
    );
    assert_eq!(
        cached_replies(&cache),
        before + requests,
        "each ask after the resume was new"
    );
    // The same command, uninterrupted, over the same cache: nothing asked,
    // the same document (which records the command line).
    let again = run(&mut eval(&resume));
    assert_eq!(progress(&stderr(&again)).3, 0);
    assert_eq!(text(&resumed.stdout), text(&again.stdout));
}

#[test]
fn the_key_is_sent_but_never_written_and_a_wrong_key_is_a_clear_401() {
    const KEY: &str = "sk-cuebench-test-3f9a1c77e2";
    let Some(server) = Server::start(Some(KEY)) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp");
    let cache = dir.path().join("cache");
    let out = dir.path().join("out");
    let gt = example("vad-reasoning/ground_truth.jsonl");
    let preds = example("vad-reasoning/predictions.jsonl");

    // A wrong key: the real server answers 401; the run stops at once, exit 2.
    let wrong = judged(
        "vad-reasoning",
        "llm-guided",
        &gt,
        &preds,
        &server.url,
        &cache,
        &[],
    )
    .env("CUEBENCH_JUDGE_API_KEY", "sk-wrong-key-000")
    .output()
    .expect("run");
    assert_eq!(wrong.status.code(), Some(2));
    let message = stderr(&wrong);
    assert!(
        message.contains("HTTP 401") && message.contains("CUEBENCH_JUDGE_API_KEY"),
        "{message}"
    );
    assert!(!message.contains("sk-wrong-key-000"), "{message}");

    // The right key, from OPENAI_API_KEY: the run works, and the key is in
    // no output, sample file, report or cache entry.
    let ok = run(judged(
        "vad-reasoning",
        "llm-guided",
        &gt,
        &preds,
        &server.url,
        &cache,
        &[],
    )
    .env("OPENAI_API_KEY", KEY)
    .arg("--output")
    .arg(&out));
    let report = run(Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .arg("report")
        .arg(out.join("results.json"))
        .arg("--out")
        .arg(dir.path().join("report.html")));
    let mut seen = vec![
        ("stdout", ok.stdout.clone()),
        ("stderr", ok.stderr.clone()),
        ("report stdout", report.stdout.clone()),
        ("report stderr", report.stderr.clone()),
    ];
    let mut files = vec![dir.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("dir")
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            seen.push(("file", std::fs::read(&path).expect("file")));
        }
    }
    assert!(
        seen.len() > 8,
        "outputs, samples, report and cache were read"
    );
    for (what, bytes) in seen {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY),
            "the key leaked into {what}"
        );
    }
}

#[test]
fn an_unreachable_judge_stops_at_once_with_a_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let dir = tempfile::tempdir().expect("temp");
    let started = Instant::now();
    let output = judged(
        "vad-reasoning",
        "llm-guided",
        &example("vad-reasoning/ground_truth.jsonl"),
        &example("vad-reasoning/predictions.jsonl"),
        &format!("http://127.0.0.1:{port}/v1"),
        dir.path(),
        &[],
    )
    .output()
    .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(started.elapsed() < Duration::from_secs(10));
    let message = stderr(&output);
    assert!(message.contains("cannot reach the judge"), "{message}");
}

#[test]
fn a_judged_task_without_a_judge_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(["eval", "--bench", "vau-bench", "--task", "vau-eval", "--gt"])
        .arg(example("vau-bench/val.csv"))
        .arg(example("vau-bench/predictions.jsonl"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--judge-url URL and --judge-model NAME"));
}
