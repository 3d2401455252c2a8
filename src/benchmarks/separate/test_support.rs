//! Helpers shared by the separate protocol's unit tests.

use std::path::Path;

use serde_json::{Map, Value};

use crate::intervals::Interval;
use crate::taxonomy::Taxonomy;

/// The 12-leaf fixture taxonomy (`tests/fixtures/taxonomy/small.json`):
/// root 0, branch 1, domain 2, effect 3, event 4, leaf 5; d_max = 5.
pub fn small() -> Taxonomy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/taxonomy/small.json");
    Taxonomy::load(&path).expect("fixture loads")
}

/// A JSON object literal as a map.
pub fn object(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

/// An interval in seconds.
pub fn iv(start: f64, end: f64) -> Interval {
    Interval { start, end }
}
