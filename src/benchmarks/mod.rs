//! Sibling benchmarks scored with their papers' own metrics.

pub mod vad_reasoning;
