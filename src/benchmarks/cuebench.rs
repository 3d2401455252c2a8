//! CueBench under its unified protocol (docs/scoring.md §2-8): the paper
//! table its `--all` row follows.

use crate::model::RowGroup;
use crate::model::names::{HIER, SEM, STRUCT, TIOU};

/// The paper's Table 2 (CueBench, unified protocol): 20 columns.
pub const TABLE2: [RowGroup; 8] = [
    ("event", "Event", &[STRUCT, SEM, HIER]),
    ("scene", "Scene", &[STRUCT, SEM]),
    ("attribute", "Attribute", &[STRUCT, SEM]),
    ("anomaly-td", "Anomaly TD", &[STRUCT, SEM, HIER]),
    ("anomaly-bu", "Anomaly BU", &[STRUCT, SEM, HIER]),
    ("grounding", "Grounding", &[STRUCT, TIOU]),
    ("detection", "Detection", &[STRUCT, TIOU]),
    ("anticipation", "Anticipation", &[STRUCT, SEM, HIER]),
];
