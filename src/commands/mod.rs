//! What each subcommand does, over plain option structs; `main.rs` only
//! parses flags into these and prints.

pub mod bench;
pub mod benchmarks;
pub mod compare;
pub mod eval;
pub mod report;
pub mod tasks;
pub mod validate;
