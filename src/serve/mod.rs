//! `cuebench serve`: CUE-R1 rewards over HTTP for training loops
//! (docs/scoring.md §7). `POST /reward` takes cuebench's own batch
//! (`{"completions": [line, ...]}`, each line as `cuebench reward` reads
//! it) and answers `{"results": [...]}` with the same records;
//! `POST /get_reward` speaks OpenRLHF's schema; `GET /health` answers
//! `{"status": "ok"}`. One worker thread owns the session and scores every
//! request waiting in the queue together. A malformed request gets a 400
//! with `{"error": "..."}` and the server goes on; a completion that cannot
//! be read is answered alone, as the CLI stream answers such a line.
//! SIGTERM (or Ctrl-C) stops accepting and lets requests in flight finish
//! within the drain deadline, then exits.
//!
//! Hostile or broken clients are bounded ([`listen`], [`intake`]): header
//! and body read timeouts, a connection limit, a body limit checked against
//! `Content-Length` before reading, completions per request, and budgets of
//! bytes and completions in flight, so memory has a ceiling.
//!
//! There is no authentication: bind it to loopback (the default) and never
//! let it face a network.

mod intake;
mod listen;
pub mod openrlhf;
pub mod request;
mod worker;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::benchmarks::rewards::{BenchRewards, answer_line};
use crate::console;
use crate::error::{Error, Result};
use crate::evaluate::{Completion, Session};
use crate::reward::{answer_lines, parse_lines};
use crate::tasks::Task;
use intake::Intake;
pub use intake::IntakeLimits;
pub use listen::Limits;
use worker::{Refused, Worker};

/// How the server listens.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address and port (port 0: any free port; the chosen one is printed).
    pub address: SocketAddr,
    /// The task of completions that name none (and of OpenRLHF labels).
    pub task: Option<Task>,
    /// Requests waiting to be scored at most (more get 503).
    pub queue: usize,
    /// Request sizes, read timeouts and the work in flight.
    pub intake: IntakeLimits,
    /// Header timeout, connection limit and drain deadline.
    pub connections: Limits,
}

/// What `/reward` errors and records name as their source.
const REQUEST: &str = "<request>";

/// What scores the requests.
enum Scoring {
    /// CUE-R1, through the worker thread that owns the session.
    CueR1(Worker),
    /// A sibling benchmark's rewards (no model: scored in the handler).
    Bench(BenchRewards),
}

struct App {
    scoring: Scoring,
    task: Option<Task>,
    intake: Intake,
}

/// Serves `session` until SIGTERM or Ctrl-C, then lets requests in flight
/// finish within the drain deadline and returns. Prints `listening on http://ADDRESS` on stderr once
/// the port is bound.
pub fn run(session: Session, options: &ServeOptions) -> Result<()> {
    let runtime = runtime()?;
    let (worker, thread) = Worker::start(session, options.queue);
    let app = Arc::new(App {
        scoring: Scoring::CueR1(worker),
        task: options.task,
        intake: Intake::new(options.intake),
    });
    let served = runtime.block_on(serve(app, options));
    // Connections cut at the drain deadline go with the runtime; then every
    // worker handle is gone, and the worker finishes its batch and ends.
    runtime.shutdown_background();
    let _ = thread.join();
    served
}

/// Serves a sibling benchmark's training rewards (`serve --bench`), as
/// [`run`] serves CUE-R1's: `/reward` takes `reward --bench`'s lines,
/// `/get_reward` OpenRLHF's requests (a label's `task`, if given, must be
/// the benchmark task served).
pub fn run_bench(rewards: BenchRewards, options: &ServeOptions) -> Result<()> {
    let app = Arc::new(App {
        scoring: Scoring::Bench(rewards),
        task: None,
        intake: Intake::new(options.intake),
    });
    runtime()?.block_on(serve(app, options))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the server runtime: {e}")))
}

async fn serve(app: Arc<App>, options: &ServeOptions) -> Result<()> {
    let bind_error =
        |e: std::io::Error| Error::Usage(format!("cannot listen on {}: {e}", options.address));
    let listener = tokio::net::TcpListener::bind(options.address)
        .await
        .map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    if !address.ip().is_loopback() {
        console::warning(&format!(
            "listening on {address}, beyond this machine: the server has no authentication"
        ));
    }
    console::line(&format!("cuebench serve: listening on http://{address}"));
    let router = Router::new()
        .route("/health", get(health))
        .route("/reward", post(reward))
        .route("/get_reward", post(get_reward))
        .fallback(not_found)
        .with_state(app);
    let drained = listen::serve(listener, router, options.connections, stop_signal()).await;
    if !drained {
        console::warning(&format!(
            "connections still open after the drain deadline ({} s) were closed",
            options.connections.drain.as_secs_f64()
        ));
    }
    console::line("cuebench serve: stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn health() -> Response {
    (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such endpoint (POST /reward, POST /get_reward, GET /health)",
    )
}

async fn reward(State(app): State<Arc<App>>, request: Request) -> Response {
    let admitted = match app.intake.read(request).await {
        Ok(a) => a,
        Err((status, message)) => return error(status, &message),
    };
    let texts = match request::reward_completions(&admitted.body) {
        Ok(texts) => texts,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    let _room = match app.intake.admit(texts.len()).await {
        Ok(room) => room,
        Err((status, message)) => return error(status, &message),
    };
    if let Scoring::Bench(rewards) = &app.scoring {
        let results: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| answer_line(rewards, t, i + 1, Path::new(REQUEST)).unwrap_or_else(|e| e))
            .collect();
        return (StatusCode::OK, axum::Json(json!({ "results": results }))).into_response();
    }
    let lines: Vec<(usize, &str)> = texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i + 1, t))
        .collect();
    let source = Path::new(REQUEST);
    let parsed = parse_lines(app.task, source, &lines);
    let completions: Vec<Completion> = parsed.iter().flatten().cloned().collect();
    let scored = match score(&app, completions).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let numbers: Vec<usize> = lines.iter().map(|&(n, _)| n).collect();
    let results: Vec<Value> = answer_lines(source, &numbers, &parsed, scored)
        .into_iter()
        .map(|a| a.record)
        .collect();
    (StatusCode::OK, axum::Json(json!({ "results": results }))).into_response()
}

async fn get_reward(State(app): State<Arc<App>>, request: Request) -> Response {
    let admitted = match app.intake.read(request).await {
        Ok(a) => a,
        Err((status, message)) => return error(status, &message),
    };
    let body = match &app.scoring {
        Scoring::CueR1(_) => {
            let items = match openrlhf::items(&admitted.body, app.task) {
                Ok(items) => items,
                Err(e) => return error(StatusCode::BAD_REQUEST, &e),
            };
            let _room = match app.intake.admit(items.len()).await {
                Ok(room) => room,
                Err((status, message)) => return error(status, &message),
            };
            let scored = match score(&app, openrlhf::readable(&items)).await {
                Ok(s) => s,
                Err(response) => return response,
            };
            openrlhf::answer(&openrlhf::outcomes(&items, scored), &openrlhf::PARTS)
        }
        Scoring::Bench(rewards) => {
            let asked = match bench_items(rewards, &admitted.body) {
                Ok(asked) => asked,
                Err(e) => return error(StatusCode::BAD_REQUEST, &e),
            };
            let _room = match app.intake.admit(asked.len()).await {
                Ok(room) => room,
                Err((status, message)) => return error(status, &message),
            };
            bench_answer(rewards, asked)
        }
    };
    let failed = body["errors"]
        .as_array()
        .map_or(0, |e| e.iter().filter(|e| !e.is_null()).count());
    if failed > 0 {
        console::warning(&format!(
            "/get_reward: {failed} item(s) could not be scored (reward 0, extra_logs.error 1): {}",
            body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(Value::as_str)
                .unwrap_or("")
        ));
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The items of a `/get_reward` body for a sibling benchmark's server: a
/// label naming another task fails only its own item.
fn bench_items(
    rewards: &BenchRewards,
    body: &[u8],
) -> std::result::Result<Vec<Result<openrlhf::Asked<()>, String>>, String> {
    let served = rewards.task_name();
    openrlhf::asked(body, Some(()), rewards.benchmark(), |name| {
        if name == served {
            Ok(())
        } else {
            Err(format!("task `{name}`, but this server scores {served}"))
        }
    })
}

/// `/get_reward` for a sibling benchmark: each item's record, its parts
/// logged under the names the benchmark task gives them.
fn bench_answer(rewards: &BenchRewards, asked: Vec<Result<openrlhf::Asked<()>, String>>) -> Value {
    let outcomes: Vec<openrlhf::Outcome> = asked
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let a = a?;
            let record = rewards
                .record(&a.id, &a.response)
                .map_err(|e| format!("labels[{i}]: {e}"))?;
            let mut values = vec![record["reward"].as_f64().unwrap_or(0.0)];
            values.extend(
                rewards
                    .part_names()
                    .iter()
                    .map(|p| record["parts"][*p].as_f64().unwrap_or(0.0)),
            );
            Ok(values)
        })
        .collect();
    openrlhf::answer(&outcomes, rewards.part_names())
}

/// Scores through the worker; a refusal or a session failure becomes the
/// error response to send. The caller holds room for the completions in
/// the completions budget.
async fn score(
    app: &App,
    completions: Vec<Completion>,
) -> std::result::Result<Vec<worker::Scored>, Response> {
    let Scoring::CueR1(worker) = &app.scoring else {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal: no CUE-R1 session",
        ));
    };
    match worker.score(completions).await {
        Ok(Ok(scored)) => Ok(scored),
        Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, &e)),
        Err(Refused::Busy) => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the queue is full; retry later",
        )),
        Err(Refused::Stopped) => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping",
        )),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
