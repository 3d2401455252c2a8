//! The `cuebench` command line: parse the flags ([`cli`]), run the
//! subcommand, map errors to exit code 2 (bad input) with one line, or one
//! line per item where an error lists several (a signature difference).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cuebench::console;

fn main() -> ExitCode {
    let parsed = cli::Cli::parse();
    match cli::run(parsed.command) {
        Ok(code) => code,
        Err(e) => {
            let lines = match e.downcast_ref::<cuebench::Error>() {
                Some(e) => e.lines(),
                None => vec![e.to_string()],
            };
            for (i, line) in lines.iter().enumerate() {
                match i {
                    0 => console::line(&format!("cuebench: {line}")),
                    _ => console::line(line),
                }
            }
            ExitCode::from(2)
        }
    }
}
