//! TEST DOUBLE, not a judge: a loopback HTTP server that answers from a
//! script, for what a real server cannot be made to do on demand (a 429, a
//! 500, a hang, a 401, a reply that cannot be read). The real judge in the
//! tests is llama.cpp's server (`tests/judge.rs`, `scripts/judge-server.sh`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// HTTP 200 with a Chat Completions body whose message is this text.
    Reply(String),
    /// Any status with this body.
    Status(u16, String),
    /// Accept, read the request, then say nothing for this long.
    Hang(Duration),
}

/// What the double saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The raw head (request line and headers).
    pub head: String,
    /// The body.
    pub body: String,
}

/// A running double; it stops with the test process.
pub struct Double {
    /// `http://127.0.0.1:PORT/v1`.
    pub url: String,
    /// The requests seen, in order of arrival.
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    /// Starts a double that gives `script(n)` to the n-th request (0-based).
    pub fn start(script: impl Fn(usize) -> Answer + Send + Sync + 'static) -> Double {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}/v1", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (script, log) = (Arc::clone(&script), Arc::clone(&log));
                std::thread::spawn(move || serve(stream, &*script, &log));
            }
        });
        Double { url, seen }
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.seen.lock().map_or(0, |s| s.len())
    }
}

fn serve(stream: TcpStream, script: &dyn Fn(usize) -> Answer, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = {
            let mut seen = log.lock().expect("log");
            seen.push(Seen {
                head,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            seen.len() - 1
        };
        let (status, text) = match script(n) {
            Answer::Reply(content) => (
                200,
                serde_json::json!({"choices": [{"index": 0, "message":
                    {"role": "assistant", "content": content}}]})
                .to_string(),
            ),
            Answer::Status(status, text) => (status, text),
            Answer::Hang(time) => {
                std::thread::sleep(time);
                return;
            }
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if reader.get_mut().write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
