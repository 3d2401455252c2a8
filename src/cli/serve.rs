//! `cuebench serve`: CUE-R1 rewards over HTTP on loopback.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use cuebench::config::Inputs;

use super::args::{RewardSessionArgs, bench_rewards, reward_session};

#[cfg(feature = "serve")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. There is no authentication: never expose it to a network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port (0: any free port; the one chosen is printed on stderr).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Largest request body in bytes (a larger Content-Length gets 413 at once). Four bodies
    /// this size are read or scored at once at most; more wait.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_body: usize,
    /// Completions in one request at most (more: 413). Twice this many are scored at once at
    /// most; more wait.
    #[arg(long, default_value_t = 8192, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_completions: u32,
    /// Requests waiting to be scored at most (more get 503).
    #[arg(long, default_value_t = 1024)]
    pub queue: usize,
    /// Connections open at once at most (more are answered 503 and closed).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a client may take to send a request's head; also how long a kept-alive
    /// connection may sit idle.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS", value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds a client may take to send a request's body (else 408).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS", value_parser = seconds)]
    pub body_timeout: f64,
    /// Seconds requests in flight may run after SIGTERM or Ctrl-C; then the server exits.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS", value_parser = seconds)]
    pub drain_timeout: f64,
    #[command(flatten)]
    pub session: RewardSessionArgs,
}

/// Opens the reward session and serves until stopped.
pub fn serve(args: ServeArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let mut options = cuebench::serve::ServeOptions {
        address: std::net::SocketAddr::new(args.host, args.port),
        task: None,
        queue: args.queue.max(1),
        intake: cuebench::serve::IntakeLimits::new(
            args.max_body,
            args.max_completions as usize,
            Duration::from_secs_f64(args.body_timeout),
        ),
        connections: cuebench::serve::Limits {
            header_timeout: Duration::from_secs_f64(args.header_timeout),
            max_connections: args.max_connections as usize,
            drain: Duration::from_secs_f64(args.drain_timeout),
        },
    };
    if args.session.sibling() {
        cuebench::serve::run_bench(bench_rewards(&args.session, inputs)?, &options)?;
        return Ok(ExitCode::SUCCESS);
    }
    options.task = args.session.cuebench_task()?;
    cuebench::serve::run(reward_session(&args.session, inputs)?, &options)?;
    Ok(ExitCode::SUCCESS)
}

/// A positive, finite number of seconds, at most a day (the timeouts).
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds in (0, 86400], got `{text}`"
        )),
    }
}
