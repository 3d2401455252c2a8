//! Metrics as pure functions over plain data (SPEC 4): no I/O, no globals.

pub mod assignment;
pub mod hierarchy;
