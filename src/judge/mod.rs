//! Judged reasoning metrics: a language model scores free text against the
//! ground truth through any OpenAI-compatible Chat Completions endpoint
//! (docs/scoring.md §14; docs/judge.md). One file per concern:
//! [`rubric`] (the prompts and their criteria), [`client`] (HTTP, retries,
//! the key), [`cache`] (replies on disk), [`reply`] (the strict reader);
//! this file runs the samples through them, concurrently.
//!
//! Per sample: a missing prediction scores 0 without asking; otherwise the
//! reply is taken from the cache or asked for, and read. An unreadable reply
//! is asked again (at most 2 more asks, each with the next seed, so the
//! question differs and a rerun replays the same asks from the cache);
//! after that the sample is `judge_failed` and scores 0.

pub mod cache;
pub mod client;
pub mod reply;
pub mod rubric;
pub mod score;
#[cfg(test)]
mod test_double;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::console;
use crate::error::{Error, Result};
use cache::{CacheKey, ReplyCache};
use client::{ApiKey, AskError, JudgeClient};
pub use reply::{Verdict, read_reply};
pub use rubric::{Criterion, Rubric};

/// Asks per sample when replies cannot be read: the first and 2 more.
pub const MAX_ASKS: u64 = 3;

/// The sampling temperature of every request.
pub const TEMPERATURE: u32 = 0;

/// How the request asks the server to shape its reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, strum::EnumString, strum::Display)]
#[strum(serialize_all = "kebab-case")]
pub enum ReplyFormat {
    /// `response_format: json_schema` with the rubric's fields (OpenAI,
    /// vLLM, llama.cpp's server and Ollama constrain the reply to it).
    #[default]
    JsonSchema,
    /// `response_format: json_object` (any JSON object; e.g. DeepSeek).
    JsonObject,
    /// No `response_format`: the prompt alone asks for JSON.
    None,
}

/// Where the judge is and how to ask it.
#[derive(Debug, Clone)]
pub struct JudgeConfig {
    /// The API base (`--judge-url`), e.g. `http://127.0.0.1:8080/v1`.
    pub url: String,
    /// The model name sent with each request (`--judge-model`).
    pub model: String,
    /// Requests in flight at once (`--judge-concurrency`, at least 1).
    pub concurrency: usize,
    /// The limit on one request (`--judge-timeout`).
    pub timeout: Duration,
    /// The first retry's wait; each further retry doubles it.
    pub backoff: Duration,
    /// Ask again even when a reply is cached (`--judge-refresh`).
    pub refresh: bool,
    /// The reply cache's folder; `None`: `judge/` in the user's cache folder.
    pub cache_dir: Option<PathBuf>,
    /// The seed of the first ask (the n-th re-ask uses seed + n).
    pub seed: u64,
    /// The most tokens a reply may have.
    pub max_tokens: u32,
    /// How the reply is constrained (`--judge-format`).
    pub format: ReplyFormat,
    /// Progress lines on stderr.
    pub progress: bool,
}

impl JudgeConfig {
    /// A configuration with the defaults of docs/judge.md.
    pub fn new(url: &str, model: &str) -> Self {
        JudgeConfig {
            url: url.to_owned(),
            model: model.to_owned(),
            concurrency: 8,
            timeout: Duration::from_secs(120),
            backoff: Duration::from_millis(500),
            refresh: false,
            cache_dir: None,
            seed: 12345,
            max_tokens: 512,
            format: ReplyFormat::JsonSchema,
            progress: true,
        }
    }

    /// The reply cache's folder.
    pub fn effective_cache_dir(&self) -> PathBuf {
        self.cache_dir.clone().unwrap_or_else(|| {
            dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("cuebench")
                .join("judge")
        })
    }

    /// The signature fields (docs/scoring.md §14):
    /// `judge:MODEL|judge-prompt:sha256:XXXXXXXX|judge-temp:0`.
    pub fn signature_fields(&self, rubric: Rubric) -> Vec<(&'static str, String)> {
        vec![
            ("judge", self.model.clone()),
            (
                "judge-prompt",
                format!("sha256:{}", &rubric.prompt_sha256()[..8]),
            ),
            ("judge-temp", TEMPERATURE.to_string()),
        ]
    }

    /// The request fields that can change a reply, for ask number `ask`.
    fn settings(&self, rubric: Rubric, ask: u64) -> Value {
        let mut settings = json!({
            "temperature": TEMPERATURE,
            "seed": self.seed + ask,
            "max_tokens": self.max_tokens,
        });
        let format = match self.format {
            ReplyFormat::JsonSchema => Some(json!({
                "type": "json_schema",
                "json_schema": {"name": rubric.name(), "schema": reply_schema(rubric)},
            })),
            ReplyFormat::JsonObject => Some(json!({"type": "json_object"})),
            ReplyFormat::None => None,
        };
        if let (Some(format), Some(map)) = (format, settings.as_object_mut()) {
            map.insert("response_format".to_owned(), format);
        }
        settings
    }
}

/// The judge of a judged task, or the usage error that says how to name one.
pub fn required_judge(judge: Option<&JudgeConfig>) -> Result<&JudgeConfig> {
    judge.ok_or_else(|| {
        Error::Usage(
            "a judged task needs --judge-url URL and --judge-model NAME (any OpenAI-compatible \
             server; docs/judge.md)"
                .to_owned(),
        )
    })
}

/// The JSON schema of a rubric's reply: each criterion a number (an
/// integer where the rubric says so) in range, and a comment.
fn reply_schema(rubric: Rubric) -> Value {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for c in rubric.criteria() {
        let kind = if c.integer { "integer" } else { "number" };
        properties.insert(
            c.key.to_owned(),
            json!({"type": kind, "minimum": 0, "maximum": c.max}),
        );
        required.push(json!(c.key));
    }
    // A bounded comment keeps a small judge from rambling to the token limit.
    properties.insert(
        "comment".to_owned(),
        json!({"type": "string", "maxLength": 300}),
    );
    required.push(json!("comment"));
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// One sample to judge: the ground truth's text and the model's output
/// (`None`: no prediction; it scores 0 without asking).
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeItem {
    /// The ground-truth text the prompt's `{reference}` takes.
    pub reference: String,
    /// The model's output for `{prediction}`.
    pub prediction: Option<String>,
}

/// What the judge made of one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A readable reply.
    Judged(Verdict),
    /// No readable reply after [`MAX_ASKS`] asks; the last reader's complaint.
    Failed(String),
    /// No prediction: not asked.
    Missing,
}

/// The outcome of a whole run, with its request counts.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRun {
    /// One outcome per item, in item order.
    pub outcomes: Vec<Outcome>,
    /// HTTP requests sent (retries included).
    pub requests: usize,
    /// Replies taken from the cache.
    pub cache_hits: usize,
}

/// Counts shared by the workers, for the progress line.
struct Progress {
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
    cached: AtomicUsize,
    started: Instant,
    last_line: Mutex<Instant>,
    enabled: bool,
}

impl Progress {
    fn line(&self, client: &JudgeClient, last: bool) {
        if !self.enabled {
            return;
        }
        if !last {
            let Ok(mut at) = self.last_line.lock() else {
                return;
            };
            if at.elapsed() < Duration::from_secs(2) {
                return;
            }
            *at = Instant::now();
        }
        let seconds = self.started.elapsed().as_secs_f64();
        let requests = client.requests();
        console::line(&format!(
            "cuebench: judge: {}/{} done, {} judge_failed, {} from the cache, {} requests \
             ({} retried), {:.1} requests/s, {:.1} s",
            self.done.load(Ordering::Relaxed),
            self.total,
            self.failed.load(Ordering::Relaxed),
            self.cached.load(Ordering::Relaxed),
            requests,
            client.retries(),
            requests as f64 / seconds.max(1e-9),
            seconds,
        ));
    }
}

/// Judges every item with `rubric`: concurrently, through the cache, each
/// reply cached as soon as it arrives (a killed run resumes). Errors: the
/// judge cannot go on ([`Error::Judge`]) or the cache cannot be written.
pub fn judge(config: &JudgeConfig, rubric: Rubric, items: &[JudgeItem]) -> Result<JudgeRun> {
    let client = JudgeClient::new(
        &config.url,
        ApiKey::from_env(),
        config.timeout,
        config.backoff,
    );
    let cache = ReplyCache::new(config.effective_cache_dir());
    let to_ask = items.iter().filter(|i| i.prediction.is_some()).count();
    let progress = Progress {
        total: to_ask,
        done: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        cached: AtomicUsize::new(0),
        started: Instant::now(),
        last_line: Mutex::new(Instant::now()),
        enabled: config.progress && to_ask > 0,
    };
    let outcomes: Vec<Mutex<Option<Outcome>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let prompt_sha256 = rubric.prompt_sha256();
    let workers = config.concurrency.clamp(1, to_ask.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let asked = judge_one(
                        config,
                        rubric,
                        &prompt_sha256,
                        item,
                        &client,
                        &cache,
                        &progress,
                    );
                    match asked {
                        Ok(outcome) => {
                            if let Ok(mut slot) = outcomes[index].lock() {
                                *slot = Some(outcome);
                            }
                            progress.line(&client, false);
                        }
                        Err(error) => {
                            stop.store(true, Ordering::Relaxed);
                            if let Ok(mut first) = first_error.lock() {
                                first.get_or_insert(error);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = first_error.into_inner().ok().flatten() {
        return Err(error);
    }
    progress.line(&client, true);
    let outcomes = outcomes
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten().unwrap_or(Outcome::Missing))
        .collect();
    Ok(JudgeRun {
        outcomes,
        requests: client.requests(),
        cache_hits: progress.cached.load(Ordering::Relaxed),
    })
}

/// One sample: up to [`MAX_ASKS`] asks until a reply reads.
fn judge_one(
    config: &JudgeConfig,
    rubric: Rubric,
    prompt_sha256: &str,
    item: &JudgeItem,
    client: &JudgeClient,
    cache: &ReplyCache,
    progress: &Progress,
) -> Result<Outcome> {
    let Some(prediction) = &item.prediction else {
        return Ok(Outcome::Missing);
    };
    let prompt = rubric.prompt(&item.reference, prediction);
    let mut why = String::new();
    for ask in 0..MAX_ASKS {
        let settings = config.settings(rubric, ask);
        let digest = CacheKey {
            model: &config.model,
            prompt_sha256,
            system: &prompt.system,
            user: &prompt.user,
            settings: &settings,
        }
        .digest();
        let cached = if config.refresh {
            None
        } else {
            cache.get(&digest)
        };
        let reply = match cached {
            Some(reply) => {
                progress.cached.fetch_add(1, Ordering::Relaxed);
                reply
            }
            None => {
                let mut body = json!({
                    "model": config.model,
                    "messages": [
                        {"role": "system", "content": prompt.system},
                        {"role": "user", "content": prompt.user},
                    ],
                });
                if let (Some(body), Some(settings)) = (body.as_object_mut(), settings.as_object()) {
                    body.extend(settings.clone());
                }
                let reply = client.ask(&body).map_err(|e| match e {
                    AskError::Fatal(why) | AskError::Exhausted(why) => Error::Judge(why),
                })?;
                cache.put(&digest, &config.model, &reply)?;
                reply
            }
        };
        match read_reply(rubric, &reply) {
            Ok(verdict) => {
                progress.done.fetch_add(1, Ordering::Relaxed);
                return Ok(Outcome::Judged(verdict));
            }
            Err(reason) => why = reason,
        }
    }
    progress.done.fetch_add(1, Ordering::Relaxed);
    progress.failed.fetch_add(1, Ordering::Relaxed);
    Ok(Outcome::Failed(format!(
        "{MAX_ASKS} unreadable replies; last: {why}"
    )))
}

#[cfg(test)]
mod tests {
    use super::test_double::{Answer, Double};
    use super::*;

    const GOOD: &str =
        r#"{"reasonability": 0.5, "detail": 0.25, "consistency": 1, "comment": "fine"}"#;

    fn config(url: &str, cache: &std::path::Path) -> JudgeConfig {
        JudgeConfig {
            concurrency: 3,
            timeout: Duration::from_millis(500),
            backoff: Duration::from_millis(1),
            cache_dir: Some(cache.to_path_buf()),
            progress: false,
            ..JudgeConfig::new(url, "judge-model")
        }
    }

    fn items(n: usize) -> Vec<JudgeItem> {
        (0..n)
            .map(|i| JudgeItem {
                reference: format!("reference {i}"),
                prediction: (i % 4 != 3).then(|| format!("prediction {i}")),
            })
            .collect()
    }

    #[test]
    fn replies_are_cached_and_a_rerun_asks_nothing() {
        let double = Double::start(|_| Answer::Reply(GOOD.to_owned()));
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(&double.url, dir.path());
        let first = judge(&cfg, Rubric::VadReasoning, &items(8)).unwrap();
        // 8 items, every fourth has no prediction: 6 asked, 2 missing.
        assert_eq!(double.count(), 6);
        assert_eq!(first.requests, 6);
        assert_eq!(first.outcomes[3], Outcome::Missing);
        let Outcome::Judged(v) = &first.outcomes[0] else {
            panic!("{:?}", first.outcomes[0]);
        };
        assert_eq!(v.scores, vec![0.5, 0.25, 1.0]);
        let second = judge(&cfg, Rubric::VadReasoning, &items(8)).unwrap();
        assert_eq!(double.count(), 6, "the rerun asked the judge");
        assert_eq!((second.requests, second.cache_hits), (0, 6));
        assert_eq!(second.outcomes, first.outcomes);
        // --judge-refresh asks again.
        let refresh = JudgeConfig {
            refresh: true,
            ..cfg
        };
        judge(&refresh, Rubric::VadReasoning, &items(8)).unwrap();
        assert_eq!(double.count(), 12);
    }

    #[test]
    fn the_request_is_temperature_0_with_a_seed_and_the_schema() {
        let double = Double::start(|_| Answer::Reply(GOOD.to_owned()));
        let dir = tempfile::tempdir().unwrap();
        judge(
            &config(&double.url, dir.path()),
            Rubric::VadReasoning,
            &items(1),
        )
        .unwrap();
        let seen = double.seen.lock().unwrap()[0].clone();
        assert!(
            seen.head.starts_with("POST /v1/chat/completions "),
            "{}",
            seen.head
        );
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        assert_eq!(body["model"], "judge-model");
        assert_eq!(body["temperature"], 0);
        assert_eq!(body["seed"], 12345);
        assert_eq!(body["messages"][1]["role"], "user");
        assert!(
            body["messages"][1]["content"]
                .as_str()
                .unwrap()
                .contains("prediction 0")
        );
        let schema = &body["response_format"]["json_schema"]["schema"];
        assert_eq!(schema["required"][0], "reasonability");
    }

    #[test]
    fn unreadable_replies_are_asked_twice_more_then_judge_failed() {
        let double = Double::start(|_| Answer::Reply("I cannot say.".to_owned()));
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(&double.url, dir.path());
        let run = judge(&cfg, Rubric::VadReasoning, &items(1)).unwrap();
        assert_eq!(double.count(), 3);
        let Outcome::Failed(why) = &run.outcomes[0] else {
            panic!("{:?}", run.outcomes[0]);
        };
        assert!(why.contains("no JSON object"), "{why}");
        // Each ask used the next seed, and the rerun replays all three from the cache.
        let seeds: Vec<Value> = double
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| serde_json::from_str::<Value>(&s.body).unwrap()["seed"].clone())
            .collect();
        assert_eq!(seeds, vec![json!(12345), json!(12346), json!(12347)]);
        let again = judge(&cfg, Rubric::VadReasoning, &items(1)).unwrap();
        assert_eq!((double.count(), again.outcomes), (3, run.outcomes));
    }

    #[test]
    fn a_429_and_a_500_are_retried_then_answered() {
        let double = Double::start(|n| match n {
            0 => Answer::Status(429, "slow down".to_owned()),
            1 => Answer::Status(500, "oops".to_owned()),
            _ => Answer::Reply(GOOD.to_owned()),
        });
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&double.url, dir.path());
        cfg.concurrency = 1;
        let run = judge(&cfg, Rubric::VadReasoning, &items(1)).unwrap();
        assert!(matches!(run.outcomes[0], Outcome::Judged(_)));
        assert_eq!(run.requests, 3);
    }

    #[test]
    fn five_failed_tries_stop_the_run_and_keep_what_was_answered() {
        // The first sample is answered, every later request gets a 503.
        let double = Double::start(|n| match n {
            0 => Answer::Reply(GOOD.to_owned()),
            _ => Answer::Status(503, "overloaded".to_owned()),
        });
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&double.url, dir.path());
        cfg.concurrency = 1;
        let err = judge(&cfg, Rubric::VadReasoning, &items(3)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("failed 5 times") && text.contains("HTTP 503"),
            "{text}"
        );
        assert_eq!(double.count(), 6, "1 answered + 5 tries");
        // The answered sample is in the cache: a rerun against a good
        // server asks only the other two.
        let good = Double::start(|_| Answer::Reply(GOOD.to_owned()));
        let rerun = JudgeConfig {
            url: good.url.clone(),
            ..cfg
        };
        judge(&rerun, Rubric::VadReasoning, &items(3)).unwrap();
        assert_eq!(good.count(), 2, "3 predictions, 1 of them cached");
    }

    #[test]
    fn a_hanging_server_times_out_and_is_retried() {
        let double = Double::start(|n| match n {
            0 => Answer::Hang(Duration::from_secs(3)),
            _ => Answer::Reply(GOOD.to_owned()),
        });
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&double.url, dir.path());
        cfg.concurrency = 1;
        let started = Instant::now();
        let run = judge(&cfg, Rubric::VadReasoning, &items(1)).unwrap();
        assert!(matches!(run.outcomes[0], Outcome::Judged(_)));
        assert_eq!(run.requests, 2);
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_401_stops_at_once_without_retrying() {
        let double = Double::start(|_| Answer::Status(401, "{\"error\": \"bad key\"}".to_owned()));
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&double.url, dir.path());
        cfg.concurrency = 1;
        let err = judge(&cfg, Rubric::VadReasoning, &items(3))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("HTTP 401") && err.contains("CUEBENCH_JUDGE_API_KEY"),
            "{err}"
        );
        assert_eq!(double.count(), 1);
    }

    #[test]
    fn an_unreachable_server_stops_at_once() {
        // Bind a port, then free it: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(&format!("http://127.0.0.1:{port}/v1"), dir.path());
        let started = Instant::now();
        let err = judge(&cfg, Rubric::VadReasoning, &items(4))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot reach the judge"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn signature_fields_name_model_prompt_and_temperature() {
        let cfg = JudgeConfig::new("http://x/v1", "qwen2.5:7b");
        let fields = cfg.signature_fields(Rubric::VauEval);
        let sha = &Rubric::VauEval.prompt_sha256()[..8];
        assert_eq!(
            fields,
            vec![
                ("judge", "qwen2.5:7b".to_owned()),
                ("judge-prompt", format!("sha256:{sha}")),
                ("judge-temp", "0".to_owned()),
            ]
        );
    }
}
