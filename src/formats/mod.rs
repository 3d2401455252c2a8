//! Reading input files (docs/scoring.md §3): annotations, predictions, and the JSON /
//! JSONL record reader they share, which keeps each record's line number so
//! every error can name file, line and field; and writing JSON Lines.

pub mod annotations;
pub mod canonical;
pub mod jsonl;
pub mod layout;
pub mod lmms_eval;
pub mod predictions;
pub mod query;
pub mod records;
pub mod sniff;
