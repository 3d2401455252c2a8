//! Sibling benchmarks scored with CueBench's file handling and reports.

pub mod vau_bench;
