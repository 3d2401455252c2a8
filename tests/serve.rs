//! `cuebench serve` end to end, over loopback only: concurrent clients get
//! the CLI's rewards, malformed requests get 400s and the server goes on,
//! SIGTERM lets a request in flight finish.

#![cfg(feature = "serve")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

mod common;
use common::root;

/// The example completions (every task, malformed answers included).
fn completions_file() -> PathBuf {
    root().join("python/tests/data/completions.jsonl")
}

fn completions() -> Vec<Value> {
    std::fs::read_to_string(completions_file())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `cuebench reward` on the example completions: one record per line.
fn cli_records(cache: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .arg("reward")
        .arg(completions_file())
        .arg("--gt")
        .arg(root().join("examples/annotations.json"))
        .arg("--cache-dir")
        .arg(cache)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A running server; killed if a test fails before stopping it.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    /// Starts on a free loopback port (port 0) and waits for the address.
    fn start(cache: &Path, extra: &[&str]) -> Server {
        Server::start_with("examples/annotations.json", cache, extra)
    }

    /// [`Server::start`] with another annotation file.
    fn start_with(gt: &str, cache: &Path, extra: &[&str]) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_cuebench"))
            .args(["serve", "--port", "0", "--quiet", "--gt"])
            .arg(root().join(gt))
            .arg("--cache-dir")
            .arg(cache)
            .args(extra)
            .env_remove("CUEBENCH_GT")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Owned by the guard at once, so a failure below still reaps it.
        let mut server = Server {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let mut stderr = BufReader::new(server.child.stderr.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "server ended");
            if let Some(at) = line
                .trim()
                .strip_prefix("cuebench serve: listening on http://")
            {
                server.address = at.parse().unwrap();
                // Keep draining stderr so the server never blocks on it.
                std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
                return server;
            }
        }
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop within 10 s");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange; returns the status and the body parsed as JSON.
fn request(address: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()));
    (status, body)
}

fn post(address: SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    request(address, "POST", path, body.to_string().as_bytes())
}

fn assert_same_record(got: &Value, want: &Value) {
    for key in ["id", "task", "status"] {
        assert_eq!(got[key], want[key], "{got} vs {want}");
    }
    let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() <= 1e-12;
    assert!(close(&got["reward"], &want["reward"]), "{got} vs {want}");
    let parts = want["parts"].as_object().unwrap();
    assert_eq!(got["parts"].as_object().unwrap().len(), parts.len());
    for (k, v) in parts {
        assert!(close(&got["parts"][k], v), "{k}: {got} vs {want}");
    }
}

#[test]
fn concurrent_clients_get_the_clis_rewards_and_bad_requests_get_400() {
    let caches = tempfile::tempdir().unwrap();
    let want = cli_records(&caches.path().join("cli"));
    let lines = completions();
    let mut server = Server::start(&caches.path().join("serve"), &[]);
    let address = server.address;
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (lines, want) = (lines.clone(), want.clone());
            std::thread::spawn(move || {
                let mut bad = 0;
                for i in 0..200 {
                    if (client + i) % 10 == 0 {
                        // Malformed: not JSON, the wrong shape, a wrong type.
                        let body: &[u8] = match i % 3 {
                            0 => b"{not json",
                            1 => br#"{"completion": []}"#,
                            _ => br#"{"completions": 5}"#,
                        };
                        let (status, answer) = request(address, "POST", "/reward", body);
                        assert_eq!(status, 400, "{answer}");
                        assert!(answer["error"].as_str().unwrap().starts_with("request body"));
                        bad += 1;
                        continue;
                    }
                    // 1 to 8 lines, picked deterministically from the whole set.
                    let picked: Vec<usize> = (0..1 + (client * 31 + i) % 8)
                        .map(|k| (client * 97 + i * 13 + k * 29) % lines.len())
                        .collect();
                    let body = json!({"completions": picked.iter().map(|&k| &lines[k]).collect::<Vec<_>>()});
                    let (status, answer) = post(address, "/reward", &body);
                    assert_eq!(status, 200, "{answer}");
                    let results = answer["results"].as_array().unwrap();
                    assert_eq!(results.len(), picked.len());
                    for (got, &k) in results.iter().zip(&picked) {
                        assert_same_record(got, &want[k]);
                    }
                }
                bad
            })
        })
        .collect();
    let bad: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(bad, 160);
    assert!(server.is_running(), "the server must never exit");
    assert_eq!(
        request(address, "GET", "/health", b""),
        (200, json!({"status": "ok"}))
    );
}

#[test]
fn openrlhf_requests_get_rewards_scores_and_logs() {
    let caches = tempfile::tempdir().unwrap();
    let want = cli_records(&caches.path().join("cli"));
    let lines = completions();
    let mut server = Server::start(&caches.path().join("serve"), &[]);
    let picked = [0usize, 40, 90, 150];
    let label = |k: usize| json!({"id": lines[k]["id"], "task": lines[k]["task"]}).to_string();
    let body = json!({
        "query": picked.iter().map(|&k| format!("PROMPT{}", lines[k]["response"].as_str().unwrap())).collect::<Vec<_>>(),
        "prompts": picked.iter().map(|_| "PROMPT").collect::<Vec<_>>(),
        "labels": picked.iter().map(|&k| label(k)).collect::<Vec<_>>(),
    });
    let (status, answer) = post(server.address, "/get_reward", &body);
    assert_eq!(status, 200, "{answer}");
    for (i, &k) in picked.iter().enumerate() {
        let expected = want[k]["reward"].as_f64().unwrap();
        assert!((answer["rewards"][i].as_f64().unwrap() - expected).abs() <= 1e-12);
        assert_eq!(answer["scores"][i], answer["rewards"][i]);
        assert_eq!(
            answer["extra_logs"]["format"][i],
            want[k]["parts"]["format"]
        );
    }
    // Labels may also be objects (a dataset's struct column). One bad item
    // fails alone: reward 0, extra_logs.error 1, its message in `errors`.
    let mixed = json!({
        "query": ["PROMPTx", "PROMPTx", "PROMPTx", lines[0]["response"]],
        "prompts": ["PROMPT", "PROMPT", "PROMPT", ""],
        "labels": [{"id": "nope", "task": "event"}, "vid_0001", {"id": 3, "task": "event"},
                   {"id": lines[0]["id"], "task": lines[0]["task"]}],
    });
    let (status, answer) = post(server.address, "/get_reward", &mixed);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["extra_logs"]["error"], json!([1.0, 1.0, 1.0, 0.0]));
    assert_eq!(
        answer["rewards"].as_array().unwrap()[..3],
        vec![json!(0.0); 3]
    );
    let errors = answer["errors"].as_array().unwrap();
    assert!(errors[0].as_str().unwrap().starts_with("labels[0]: `nope`"));
    assert!(
        errors[1]
            .as_str()
            .unwrap()
            .starts_with("labels[1]: expected")
    );
    assert!(
        errors[2]
            .as_str()
            .unwrap()
            .contains("`id` must be the sample id")
    );
    assert!(errors[3].is_null());
    let expected = want[0]["reward"].as_f64().unwrap();
    assert!((answer["rewards"][3].as_f64().unwrap() - expected).abs() <= 1e-12);
    // A body that is not an OpenRLHF request is still a 400.
    let (status, _) = post(server.address, "/get_reward", &json!({"query": ["x"]}));
    assert_eq!(status, 400);
    assert!(server.is_running());
}

/// The chat-templated prompt of the first sample of `task`, as OpenRLHF's
/// dataset gives it (`apply_chat_template` with the generation prompt).
fn chat_prompt(task: &str) -> (String, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(["prompts", "--task", task, "--gt"])
        .arg(root().join("examples/annotations.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let line: Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let prompt = format!(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<video>{}<|im_end|>\n<|im_start|>assistant\n",
        line["prompt"].as_str().unwrap()
    );
    (prompt, json!({"id": line["id"], "task": task}))
}

/// Regression: a query that did not start with the exact prompt (OpenRLHF
/// cut the prompt on the left, or a tokenizer round trip respaced it) had
/// the prompt's own format example scored: a random response earned 1.76
/// on anomaly-bu and 2.0 on grounding. Now it earns 0, and a real response
/// after such a prompt earns what it earns alone.
#[test]
fn regression_openrlhf_never_scores_text_from_a_truncated_or_retokenised_prompt() {
    let caches = tempfile::tempdir().unwrap();
    let mut server = Server::start(caches.path(), &[]);
    let random = "the quick brown fox jumps over the lazy dog";
    for task in ["anomaly-bu", "grounding", "event", "detection"] {
        let (prompt, label) = chat_prompt(task);
        let n = prompt.len();
        // Left cuts as OpenRLHF makes them (the last tokens kept), and
        // round trips that drop or add spaces.
        let mut queries: Vec<String> = [0, 7, n / 3, n / 2, n - 60]
            .iter()
            .map(|&cut| format!("{}{random}", &prompt[prompt.ceil_char_boundary(cut)..]))
            .collect();
        queries.push(format!(
            "{}{random}",
            prompt.replace(" </", "</").replace("> <", "><")
        ));
        queries.push(format!(
            "{}{random}",
            prompt.replace(": ", " : ").replace('\n', " \n")
        ));
        queries.push(format!("\u{fffd}{}{random}", &prompt[n / 2..]));
        let body = json!({
            "query": queries,
            "prompts": vec![prompt.clone(); queries.len()],
            "labels": vec![label.clone(); queries.len()],
        });
        let (status, answer) = post(server.address, "/get_reward", &body);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["errors"],
            json!(vec![Value::Null; queries.len()]),
            "{task}"
        );
        for (i, reward) in answer["rewards"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                reward.as_f64(),
                Some(0.0),
                "{task}: query {i} scored prompt text"
            );
        }
    }
    assert!(server.is_running());
}

#[test]
fn a_body_over_the_limit_is_refused_and_sigterm_finishes_in_flight_requests() {
    let caches = tempfile::tempdir().unwrap();
    let mut server = Server::start(caches.path(), &["--max-body", "2000", "--task", "event"]);
    let big = json!({"completions": [{"id": "vid_0001", "response": "x".repeat(3000)}]});
    assert_eq!(post(server.address, "/reward", &big).0, 413);
    assert!(server.is_running());
    let address = server.address;
    let in_flight = std::thread::spawn(move || {
        let body = json!({"completions": (0..20).map(|i| json!({"id": "vid_0001", "response": format!("<answer>[{{\"event\": \"climbing {i}\"}}]</answer>")})).collect::<Vec<_>>()});
        post(address, "/reward", &body)
    });
    std::thread::sleep(Duration::from_millis(50));
    server.terminate();
    let (status, answer) = in_flight.join().unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"].as_array().unwrap().len(), 20);
    assert!(server.wait().success());
}

/// A connection that sent `bytes` and then stopped, as a hostile or broken
/// client does.
fn half_sent(address: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(bytes).unwrap();
    stream
}

/// The status line's code of what `stream` answers within `within`, or
/// `None` when it closes without an answer.
fn answer_status(stream: &mut TcpStream, within: Duration) -> Option<u16> {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("no answer within {within:?}: {e}"),
    }
    let text = String::from_utf8_lossy(&response);
    text.split(' ').nth(1).map(|code| code.parse().unwrap())
}

/// What the CLI's memory probe and the README's ceiling read: the server's
/// peak resident set, in MiB (`VmHWM` of /proc/PID/status).
#[cfg(target_os = "linux")]
fn peak_rss_mib(pid: u32) -> u64 {
    status_mib(pid, "VmHWM:")
}

/// The server's resident set now, in MiB (`VmRSS`).
#[cfg(target_os = "linux")]
fn rss_mib(pid: u32) -> u64 {
    status_mib(pid, "VmRSS:")
}

#[cfg(target_os = "linux")]
fn status_mib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

const HALF_HEAD: &[u8] = b"POST /reward HTTP/1.1\r\nHost: x\r\n";

#[test]
fn held_half_sent_connections_neither_stop_health_nor_sigterm() {
    // Issue 21, item 1: 200 clients that sent half a head and stopped. The
    // header timeout is long here, so only the drain deadline can end them.
    let caches = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        caches.path(),
        &["--header-timeout", "600", "--drain-timeout", "2"],
    );
    let held: Vec<TcpStream> = (0..200)
        .map(|_| half_sent(server.address, HALF_HEAD))
        .collect();
    let started = std::time::Instant::now();
    assert_eq!(
        request(server.address, "GET", "/health", b""),
        (200, json!({"status": "ok"}))
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "/health took {:?} behind 200 held connections",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    server.terminate();
    assert!(server.wait().success());
    assert!(
        started.elapsed() < Duration::from_millis(3500),
        "SIGTERM took {:?} with a drain deadline of 2 s",
        started.elapsed()
    );
    drop(held);
}

#[test]
fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(caches.path(), &["--header-timeout", "1"]);
    let started = std::time::Instant::now();
    let mut held = half_sent(server.address, HALF_HEAD);
    // hyper answers a timed-out head with 408 or just closes.
    let status = answer_status(&mut held, Duration::from_secs(10));
    assert!(matches!(status, None | Some(408)), "{status:?}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "closed after {waited:?} with a header timeout of 1 s"
    );
}

#[test]
fn a_stalled_body_gets_408_after_the_body_timeout() {
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(caches.path(), &["--body-timeout", "1"]);
    let started = std::time::Instant::now();
    let mut held = half_sent(
        server.address,
        b"POST /reward HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"comple",
    );
    assert_eq!(answer_status(&mut held, Duration::from_secs(10)), Some(408));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "answered after {waited:?} with a body timeout of 1 s"
    );
}

#[test]
fn an_oversized_content_length_gets_413_before_any_body() {
    let caches = tempfile::tempdir().unwrap();
    let mut server = Server::start(caches.path(), &[]);
    for length in ["9223372036854775808", "16777217"] {
        let started = std::time::Instant::now();
        let head = format!("POST /reward HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        let mut held = half_sent(server.address, head.as_bytes());
        assert_eq!(
            answer_status(&mut held, Duration::from_secs(5)),
            Some(413),
            "Content-Length: {length}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    assert!(server.is_running());
}

#[test]
fn connections_over_the_limit_are_answered_503_and_closed() {
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(caches.path(), &["--max-connections", "4"]);
    let held: Vec<TcpStream> = (0..4)
        .map(|_| half_sent(server.address, HALF_HEAD))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let (status, answer) = request(server.address, "GET", "/health", b"");
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("too many connections")
    );
    drop(held);
    // The held ones closed: room again.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(request(server.address, "GET", "/health", b"").0, 200);
}

/// POSTs `body` to `path` and expects 413 with an error naming
/// `--max-completions`.
fn assert_413_naming_max_completions(address: SocketAddr, path: &str, body: &Value) {
    let (status, answer) = post(address, path, body);
    assert_eq!(status, 413, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("--max-completions"), "{error}");
}

#[test]
fn more_completions_than_max_completions_get_413_naming_the_limit() {
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(
        caches.path(),
        &["--max-completions", "3", "--task", "event"],
    );
    let body = json!({"completions": (0..4).map(|_| json!({"id": "vid_0001", "response": "x"})).collect::<Vec<_>>()});
    assert_413_naming_max_completions(server.address, "/reward", &body);
    let body = json!({"query": ["a", "b", "c", "d"], "labels": ["vid_0001", "vid_0001", "vid_0001", "vid_0001"]});
    assert_eq!(post(server.address, "/get_reward", &body).0, 413);
}

#[test]
fn a_sibling_benchmarks_get_reward_is_held_to_max_completions_too() {
    // /get_reward on `serve --bench` used to skip the completions limit and
    // the in-flight budget that /reward keeps.
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        "examples/vau-bench/val.csv",
        caches.path(),
        &[
            "--bench",
            "vau-bench",
            "--task",
            "qa",
            "--max-completions",
            "3",
        ],
    );
    let body = json!({"query": ["a", "b", "c", "d"], "labels": ["ecva_05", "ecva_05", "ecva_05", "ecva_05"]});
    assert_413_naming_max_completions(server.address, "/get_reward", &body);
    let body = json!({"query": ["a", "b", "c"], "labels": ["ecva_05", "ecva_05", "ecva_05"]});
    assert_eq!(post(server.address, "/get_reward", &body).0, 200);
}

#[test]
fn one_unreadable_completion_is_answered_alone_as_the_cli_stream_does() {
    // Issue 21, item 7: a lone surrogate, a number out of range and deep
    // nesting used to refuse the whole batch with a 400.
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(caches.path(), &["--task", "event"]);
    let good = r#"{"id": "vid_0001", "response": "<answer>[{\"event\": \"climbing\"}]</answer>"}"#;
    let odd = [
        r#"{"id": "vid_0001", "response": "<answer>\ud800</answer>"}"#.to_owned(),
        r#"{"id": "vid_0001", "answer": [{"event": 1e400}]}"#.to_owned(),
        format!(
            r#"{{"id": "vid_0001", "answer": {}1{}}}"#,
            "[".repeat(130),
            "]".repeat(130)
        ),
    ];
    let body = format!("{{\"completions\": [{good}, {}]}}", odd.join(", "));
    let (status, answer) = request(server.address, "POST", "/reward", body.as_bytes());
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["status"], "scored");
    for odd in &results[1..] {
        assert_eq!(odd["status"], "parse_failed", "{odd}");
    }
    // The CLI stream on the same lines: the same records.
    let stream = Command::new(env!("CARGO_BIN_EXE_cuebench"))
        .args(["reward", "--quiet", "--task", "event", "--gt"])
        .arg(root().join("examples/annotations.json"))
        .arg("--cache-dir")
        .arg(caches.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!("{good}\n{}\n", odd.join("\n"));
    stream
        .stdin
        .as_ref()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = stream.wait_with_output().unwrap();
    let cli: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cli.len(), 4);
    for (got, want) in results.iter().zip(&cli) {
        assert_eq!(got["status"], want["status"], "{got} vs {want}");
        assert_eq!(got["reward"], want["reward"], "{got} vs {want}");
    }
}

#[test]
fn regression_one_odd_openrlhf_item_fails_alone_not_the_batch() {
    // Issue 18: a lone surrogate or a query that is not a string refused
    // the whole /get_reward batch with a 400; OpenRLHF retries it five
    // times, then drops every reward. Now each such item gets reward 0,
    // extra_logs.error 1 and its message; its neighbours are scored.
    let caches = tempfile::tempdir().unwrap();
    let want = cli_records(&caches.path().join("cli"));
    let lines = completions();
    let good = serde_json::to_string(&lines[0]["response"]).unwrap();
    let label = json!({"id": lines[0]["id"], "task": lines[0]["task"]}).to_string();
    let body = format!(
        r#"{{"query": [{good}, "<answer>\ud800</answer>", 7, {good}],
        "labels": [{label}, {label}, {label}, "\udfff"]}}"#
    );
    for args in [&[][..], &["--task", "event"][..]] {
        let server = Server::start(&caches.path().join("serve"), args);
        let (status, answer) = request(server.address, "POST", "/get_reward", body.as_bytes());
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["extra_logs"]["error"], json!([0.0, 1.0, 1.0, 1.0]));
        let expected = want[0]["reward"].as_f64().unwrap();
        assert!((answer["rewards"][0].as_f64().unwrap() - expected).abs() <= 1e-12);
        assert_eq!(
            answer["rewards"].as_array().unwrap()[1..],
            vec![json!(0.0); 3]
        );
        let errors = answer["errors"].as_array().unwrap();
        assert!(
            errors[1]
                .as_str()
                .unwrap()
                .contains("query[1]: unreadable (")
        );
        assert!(errors[2].as_str().unwrap().contains("query[2]: unreadable"));
        assert!(
            errors[3]
                .as_str()
                .unwrap()
                .contains("labels[3]: unreadable")
        );
    }
    // The same on a sibling benchmark's server.
    let server = Server::start_with(
        "examples/vau-bench/val.csv",
        &caches.path().join("bench"),
        &["--bench", "vau-bench", "--task", "qa"],
    );
    let body = r#"{"query": ["<think>t</think><answer>A</answer>", "\ud800"],
        "labels": [{"id": "ecva_01", "task": "qa"}, {"id": "ecva_01", "task": "qa"}]}"#;
    let (status, answer) = request(server.address, "POST", "/get_reward", body.as_bytes());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["rewards"], json!([2.0, 0.0]));
    assert_eq!(answer["extra_logs"]["error"], json!([0.0, 1.0]));
}

#[cfg(target_os = "linux")]
#[test]
fn peak_memory_under_eight_maximal_requests_stays_under_the_readme_ceiling() {
    // Issue 21, item 2: one 13 MB body of 10^5 completions peaked at 1.7 GB
    // and 8 at 2.6 GB. Now a request holds at most --max-completions (8192)
    // and --max-body (16 MiB); the README states a ceiling of 1 GiB.
    const CEILING_MIB: u64 = 1024;
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("peak memory stays under 1 GiB"));
    let caches = tempfile::tempdir().unwrap();
    let server = Server::start(caches.path(), &[]);
    let lines = completions();
    let pad = "x".repeat(1800);
    let body = json!({"completions": (0..8192).map(|i| {
        let mut line = lines[i % lines.len()].clone();
        let response = line["response"].as_str().unwrap().to_owned();
        line["response"] = json!(format!("<think>{pad}</think>{response}"));
        line
    }).collect::<Vec<_>>()})
    .to_string();
    assert!(body.len() > 15 << 20 && body.len() <= 16 << 20);
    let body = std::sync::Arc::new(body);
    let address = server.address;
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let body = std::sync::Arc::clone(&body);
            std::thread::spawn(move || request(address, "POST", "/reward", body.as_bytes()).0)
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    let peak = peak_rss_mib(server.child.id());
    assert!(peak < CEILING_MIB, "peak RSS {peak} MiB");
    // Issue 21, item 2: and an idle server gives the burst's memory back
    // (it kept 93% of the peak before; about 45% with malloc_trim).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut now = rss_mib(server.child.id());
    while now * 3 > peak * 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        now = rss_mib(server.child.id());
    }
    assert!(
        now * 3 <= peak * 2,
        "{now} MiB still held after a peak of {peak} MiB"
    );
}

#[test]
fn serve_bench_gives_a_sibling_benchmarks_rewards_on_both_endpoints() {
    let caches = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(
        "examples/vau-bench/val.csv",
        caches.path(),
        &["--bench", "vau-bench", "--task", "grounding"],
    );
    // ecva_05's span is [2, 4]; glue [3, 5]: IoU 1/3, + format 1 + answer A 1.
    let response = "<think>t</think><answer>Anomaly</answer><glue>[3, 5]</glue>";
    let (status, answer) = post(
        server.address,
        "/reward",
        &json!({"completions": [{"id": "ecva_05", "response": response}, {"id": "nope", "response": "x"}]}),
    );
    assert_eq!(status, 200, "{answer}");
    let reward = answer["results"][0]["reward"].as_f64().unwrap();
    assert!((reward - (2.0 + 1.0 / 3.0)).abs() < 1e-12, "{answer}");
    assert!(answer["results"][1]["error"].is_string());
    let prompt = "<|im_start|>user\nOutput <think> </think> <answer> </answer> <glue>[0, 1]</glue><|im_end|>\n<|im_start|>assistant\n";
    let (status, answer) = post(
        server.address,
        "/get_reward",
        &json!({
            "query": [format!("{prompt}{response}"), format!("{}random", &prompt[30..]), "x"],
            "prompts": [prompt, prompt, prompt],
            "labels": [{"id": "ecva_05", "task": "grounding"}, {"id": "ecva_05"}, {"id": "ecva_05", "task": "qa"}],
        }),
    );
    assert_eq!(status, 200, "{answer}");
    let rewards = answer["rewards"].as_array().unwrap();
    assert!((rewards[0].as_f64().unwrap() - (2.0 + 1.0 / 3.0)).abs() < 1e-12);
    assert_eq!(rewards[1], 0.0, "prompt text is never scored");
    assert_eq!(answer["extra_logs"]["error"], json!([0.0, 0.0, 1.0]));
    assert_eq!(answer["extra_logs"]["iou"].as_array().unwrap().len(), 3);
    assert!(server.is_running());
}
