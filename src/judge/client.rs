//! The HTTP client for an OpenAI-compatible Chat Completions endpoint
//! (docs/judge.md, "Talking to the judge"), on `ureq` with rustls: blocking
//! calls fit the worker threads the judge runs on, and it brings no async
//! runtime.
//!
//! One call is one request with a timeout. 429, 408, 5xx, a timeout after
//! the connection was made and a dropped connection are retried with
//! exponential backoff and jitter, at most [`MAX_TRIES`] tries in all; a
//! 401/403, any other 4xx, and a server that cannot be reached end the run
//! at once with a message that says what to do. The API key goes into the
//! `Authorization` header and nowhere else: no message, log or cache holds it.

use std::fmt;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::console::one_line;

/// Tries per request, the first included (docs/scoring.md §14).
pub const MAX_TRIES: u32 = 5;

/// The environment variables the key is read from, in order.
pub const KEY_VARIABLES: [&str; 2] = ["CUEBENCH_JUDGE_API_KEY", "OPENAI_API_KEY"];

/// An API key; its `Debug` never shows it.
#[derive(Clone)]
pub struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    /// The key from the first of [`KEY_VARIABLES`] that is set and not
    /// empty; `None` for a local server that needs none.
    pub fn from_env() -> Option<Self> {
        KEY_VARIABLES
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .map(|v| v.trim().to_owned())
            .find(|v| !v.is_empty())
            .map(ApiKey)
    }
}

/// Why a request gave no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskError {
    /// The run cannot go on (refused key, bad request, unreachable server).
    Fatal(String),
    /// Every try failed with a retryable error; the last one is described.
    Exhausted(String),
}

/// What one try gave.
enum Try {
    Reply(String),
    Retry { why: String, wait: Option<Duration> },
    Fatal(String),
}

/// A client for one endpoint.
#[derive(Debug)]
pub struct JudgeClient {
    agent: ureq::Agent,
    endpoint: String,
    key: Option<ApiKey>,
    backoff: Duration,
    requests: AtomicUsize,
    retries: AtomicUsize,
}

impl JudgeClient {
    /// A client for `url` (the API base, e.g. `http://127.0.0.1:8080/v1`,
    /// or the full `.../chat/completions` address), each request limited
    /// to `timeout`; retries wait `backoff`, `2 backoff`, `4 backoff`, ...
    /// plus jitter.
    pub fn new(url: &str, key: Option<ApiKey>, timeout: Duration, backoff: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
            .max_idle_connections_per_host(64)
            .user_agent(concat!("cuebench/", env!("CARGO_PKG_VERSION")))
            .build();
        let base = url.trim_end_matches('/');
        let endpoint = if base.ends_with("/chat/completions") {
            base.to_owned()
        } else {
            format!("{base}/chat/completions")
        };
        JudgeClient {
            agent: ureq::Agent::new_with_config(config),
            endpoint,
            key,
            backoff,
            requests: AtomicUsize::new(0),
            retries: AtomicUsize::new(0),
        }
    }

    /// The address requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Retries so far.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// Sends one Chat Completions request and returns the first choice's
    /// message text, retrying as the module says.
    pub fn ask(&self, body: &Value) -> Result<String, AskError> {
        let mut last = String::new();
        for attempt in 0..MAX_TRIES {
            if attempt > 0 {
                self.retries.fetch_add(1, Ordering::Relaxed);
            }
            match self.try_once(body) {
                Try::Reply(text) => return Ok(text),
                Try::Fatal(why) => return Err(AskError::Fatal(why)),
                Try::Retry { why, wait } => {
                    last = why;
                    if attempt + 1 < MAX_TRIES {
                        std::thread::sleep(wait.unwrap_or_else(|| self.backoff_wait(attempt)));
                    }
                }
            }
        }
        Err(AskError::Exhausted(format!(
            "{} failed {MAX_TRIES} times; last: {last}",
            self.endpoint
        )))
    }

    /// `backoff * 2^attempt` plus up to as much again of jitter, at most 30 s.
    fn backoff_wait(&self, attempt: u32) -> Duration {
        let base = self.backoff.saturating_mul(1 << attempt.min(10));
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = base.mul_f64(f64::from(nanos % 1000) / 1000.0);
        (base + jitter).min(Duration::from_secs(30))
    }

    fn try_once(&self, body: &Value) -> Try {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", "application/json");
        if let Some(ApiKey(key)) = &self.key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = match request.send(body.to_string()) {
            Ok(response) => response,
            Err(error) => return self.transport_error(error),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(30)));
        let text = match response.body_mut().read_to_string() {
            Ok(text) => text,
            Err(error) if status == 200 => return self.transport_error(error),
            Err(_) => String::new(),
        };
        let said = || snippet(&text);
        match status {
            200 => match message_content(&text) {
                Some(content) => Try::Reply(content),
                None => Try::Fatal(format!(
                    "{}: the answer is not a Chat Completions response: {}",
                    self.endpoint,
                    said()
                )),
            },
            401 | 403 => Try::Fatal(format!(
                "{}: HTTP {status}: the judge refused the request ({}); set the API key in \
                 {} (or {}), never on the command line",
                self.endpoint,
                said(),
                KEY_VARIABLES[0],
                KEY_VARIABLES[1]
            )),
            408 | 429 | 500..=599 => Try::Retry {
                why: format!("HTTP {status} {}", said()),
                wait: retry_after,
            },
            _ => Try::Fatal(format!(
                "{}: HTTP {status}: {} (check --judge-url and --judge-model)",
                self.endpoint,
                said()
            )),
        }
    }

    fn transport_error(&self, error: ureq::Error) -> Try {
        let unreachable = |why: String| {
            Try::Fatal(format!(
                "cannot reach the judge at {}: {why}; is the server running (see --judge-url)?",
                self.endpoint
            ))
        };
        match error {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                unreachable("connecting timed out".to_owned())
            }
            ureq::Error::Timeout(_) => Try::Retry {
                why: "timed out".to_owned(),
                wait: None,
            },
            ureq::Error::HostNotFound => unreachable("host not found".to_owned()),
            ureq::Error::ConnectionFailed => unreachable("connection failed".to_owned()),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable
                ) =>
            {
                unreachable(io.to_string())
            }
            ureq::Error::Io(io) => Try::Retry {
                why: format!("connection lost: {io}"),
                wait: None,
            },
            ureq::Error::BadUri(uri) => Try::Fatal(format!("--judge-url: not a URL: {uri}")),
            other => Try::Retry {
                why: other.to_string(),
                wait: None,
            },
        }
    }
}

/// `choices[0].message.content` of a Chat Completions response.
fn message_content(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value
        .pointer("/choices/0/message/content")?
        .as_str()
        .map(str::to_owned)
}

/// The first 300 characters of a server's answer, on one line.
fn snippet(text: &str) -> String {
    let cut: String = text.trim().chars().take(300).collect();
    one_line(&cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug() {
        let client = JudgeClient::new(
            "http://127.0.0.1:9/v1/",
            Some(ApiKey("sk-secret-123".to_owned())),
            Duration::from_secs(1),
            Duration::from_millis(1),
        );
        let text = format!("{client:?}");
        assert!(!text.contains("sk-secret-123"), "{text}");
        assert_eq!(client.endpoint(), "http://127.0.0.1:9/v1/chat/completions");
    }

    #[test]
    fn the_content_of_the_first_choice_is_the_reply() {
        let body = r#"{"choices": [{"message": {"role": "assistant", "content": "{\"a\": 1}"}}]}"#;
        assert_eq!(message_content(body).as_deref(), Some("{\"a\": 1}"));
        assert_eq!(message_content(r#"{"choices": []}"#), None);
        assert_eq!(message_content("not json"), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let client = JudgeClient::new(
            "http://x/v1",
            None,
            Duration::from_secs(1),
            Duration::from_millis(100),
        );
        for attempt in 0..4 {
            let wait = client.backoff_wait(attempt);
            let base = Duration::from_millis(100 << attempt);
            assert!(wait >= base && wait < base * 2, "{attempt}: {wait:?}");
        }
        assert_eq!(client.backoff_wait(20), Duration::from_secs(30));
    }
}
