//! The names of CueBench's figures (docs/scoring.md §4, §8), written once:
//! per-sample scores and aggregated metrics are keyed by these, and the
//! paper tables, the confidence intervals and the HTML report look them up.

/// S^K, the structure F1 (every task).
pub const STRUCT: &str = "Struct";
/// S^U, the semantic score (What tasks).
pub const SEM: &str = "Sem";
/// S^H, the hierarchy score (event and anomaly tasks).
pub const HIER: &str = "Hier";
/// The task-level temporal IoU under `--tiou` (When tasks).
pub const TIOU: &str = "TIoU";
/// A sample's union IoU (per-sample score behind [`MIOU`] and the recalls).
pub const IOU: &str = "IoU";
/// The mean of the samples' [`IOU`].
pub const MIOU: &str = "mIoU";
/// The prefix of a recall at an IoU threshold, e.g. `R@0.5`.
pub const RECALL_PREFIX: &str = "R@";

/// The recall figure at IoU threshold `k`, e.g. `R@0.5`.
pub fn recall_at(k: f64) -> String {
    format!("{RECALL_PREFIX}{k}")
}
