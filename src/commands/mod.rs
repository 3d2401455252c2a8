//! What each subcommand does, over plain option structs; `main.rs` only
//! parses flags into these and prints.

pub mod bench;
pub mod bench_runs;
pub mod compare;
pub mod report;
pub mod tasks;
