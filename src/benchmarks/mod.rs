//! Sibling benchmarks scored with CueBench's file handling and reports.

pub mod separate;
pub mod vad_reasoning;
pub mod vau_bench;
