//! `cuebench serve`: CUE-R1 rewards over HTTP on loopback.

use std::process::ExitCode;

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
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_body: usize,
    /// Requests waiting to be scored at most (more get 503).
    #[arg(long, default_value_t = 1024)]
    pub queue: usize,
    #[command(flatten)]
    pub session: RewardSessionArgs,
}

/// Opens the reward session and serves until stopped.
pub fn serve(args: ServeArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let mut options = cuebench::serve::ServeOptions {
        address: std::net::SocketAddr::new(args.host, args.port),
        task: None,
        max_body: args.max_body,
        queue: args.queue.max(1),
    };
    if args.session.sibling() {
        cuebench::serve::run_bench(bench_rewards(&args.session, inputs)?, &options)?;
        return Ok(ExitCode::SUCCESS);
    }
    options.task = args.session.cuebench_task()?;
    cuebench::serve::run(reward_session(&args.session, inputs)?, &options)?;
    Ok(ExitCode::SUCCESS)
}
