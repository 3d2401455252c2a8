//! One group's figures (`eval --by`, docs/report.md): the task's metrics
//! over the samples of one branch, domain, effect, event, genre or camera
//! view.

use serde::{Deserialize, Serialize};

use super::result::Metric;

/// Groups with fewer samples than this are marked `small`: shown, but their
/// figures are noisy.
pub const SMALL_GROUP: usize = 10;

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// What it groups by, e.g. `branch`.
    pub by: String,
    /// The group, e.g. `anomaly`.
    pub group: String,
    /// Samples in the group (the denominator of its means).
    pub samples: usize,
    /// Fewer than [`SMALL_GROUP`] samples.
    pub small: bool,
    /// The task's figures over the group, in percent (with intervals after
    /// `evaluate::groups::add_group_confidence`).
    pub metrics: Vec<Metric>,
    /// Its samples, as indices into the evaluation's records (not written).
    #[serde(skip)]
    pub members: Vec<usize>,
}
