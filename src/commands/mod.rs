//! What each subcommand does, over plain option structs; `main.rs` only
//! parses flags into these and prints.

pub mod bench;
pub mod benchmarks;
pub mod compare;
pub mod eval;
pub mod reward_stream;
pub mod tasks;
pub mod validate;
