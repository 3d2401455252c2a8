//! The `cuebench` command line: parse the flags ([`cli`]), run the
//! subcommand, map errors to exit code 2 (bad input) with one line.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cuebench::console;

fn main() -> ExitCode {
    let parsed = cli::Cli::parse();
    match cli::run(parsed.command) {
        Ok(code) => code,
        Err(e) => {
            // Library errors already carry their cause in one line.
            console::line(&format!("cuebench: {e}"));
            ExitCode::from(2)
        }
    }
}
