//! Vad-Reasoning ground truth in two layouts, told apart by their fields:
//! cuebench's own (`id`, `label`, `reference`, `interval`) and the
//! published `Vad-Reasoning-SFT-test.jsonl` rows (`video`, `anomaly_type`,
//! `think`, `answer`, `start`, `end`, ...).

use std::path::Path;

use serde_json::Value;

use super::VadTask;
use crate::error::Result;
use crate::formats::records::{Fields, read_ground_truth_records, reject_duplicate_ids};
use crate::intervals::{Interval, parse_interval, parse_timestamp};

/// One ground-truth video.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// Sample id.
    pub id: String,
    /// 1-based line in the ground-truth file.
    pub line: usize,
    /// Whether the video is abnormal.
    pub abnormal: bool,
    /// The reference reasoning text (P2C-CoT annotation), if given.
    pub reference: Option<String>,
    /// The anomaly time range in seconds (abnormal videos).
    pub interval: Option<Interval>,
}

impl GroundTruth {
    /// The record read from the row `f`.
    fn at_row(
        f: &Fields<'_>,
        id: &str,
        abnormal: bool,
        reference: Option<String>,
        interval: Option<Interval>,
    ) -> Self {
        Self {
            id: id.to_owned(),
            line: f.line,
            abnormal,
            reference,
            interval,
        }
    }
}

/// The unit of the published layout's `start` / `end` (the published
/// README does not state it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum TimeUnit {
    /// Seconds (numbers, or `SS` / `MM:SS` / `HH:MM:SS` strings).
    #[default]
    Seconds,
    /// Frame numbers, turned into seconds as `frame / fps`.
    Frames {
        /// Frames per second, > 0.
        fps: f64,
    },
}

impl TimeUnit {
    /// The signature value: `seconds` or `frames@FPS`.
    pub fn label(self) -> String {
        match self {
            TimeUnit::Seconds => "seconds".to_owned(),
            TimeUnit::Frames { fps } => format!("frames@{fps}"),
        }
    }
}

/// Reads the ground truth (JSONL or a JSON array). Each record is in one
/// of two layouts, told apart by its fields: a record with `video` and
/// `anomaly_type` is a published Vad-Reasoning row (see `parse_published`),
/// any other is cuebench's own layout: `id`, `label`
/// (`abnormal`/`normal`), `reference` (required for reasoning) and
/// `interval` (`[start, end]`, required for abnormal videos in detection).
/// `unit` applies to the published rows' `start` / `end`. Records are
/// returned sorted by id; a repeated id is an error.
pub fn read_ground_truth(path: &Path, task: VadTask, unit: TimeUnit) -> Result<Vec<GroundTruth>> {
    let records = read_ground_truth_records(path)?;
    let mut truth = records
        .iter()
        .map(|r| {
            let f = Fields::of(path, r.line, &r.value, "")?;
            if f.get("video").is_some() && f.get("anomaly_type").is_some() {
                parse_published(&f, task, unit)
            } else {
                parse_ground_truth(&f, task)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    reject_duplicate_ids(path, truth.iter().map(|g| (g.id.as_str(), g.line)))?;
    truth.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(truth)
}

fn parse_ground_truth(f: &Fields<'_>, task: VadTask) -> Result<GroundTruth> {
    let id = f.string("id")?;
    if id.is_empty() {
        return Err(f.error("id", "must not be empty"));
    }
    let abnormal = match f.string("label")?.trim().to_lowercase().as_str() {
        "abnormal" | "anomaly" => true,
        "normal" => false,
        other => {
            return Err(f.error(
                "label",
                format!("expected `abnormal` or `normal`, found `{other}`"),
            ));
        }
    };
    let reference = f.optional_string("reference")?.map(str::to_owned);
    if task.needs_reference() && reference.is_none() {
        return Err(f.error(
            "reference",
            "missing (the reasoning task needs the reference text)",
        ));
    }
    let interval = match f.get("interval") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_interval(v).ok_or_else(|| {
            f.error(
                "interval",
                "expected [start, end] with readable timestamps and start <= end",
            )
        })?),
    };
    if task == VadTask::Detection && abnormal && interval.is_none() {
        return Err(f.error(
            "interval",
            "missing (an abnormal video needs its anomaly time range)",
        ));
    }
    Ok(GroundTruth::at_row(f, id, abnormal, reference, interval))
}

/// A published `Vad-Reasoning-SFT-test.jsonl` row: id = `video`; normal
/// when `anomaly_type` is `Normal` (any case), else abnormal; reference =
/// `think` and `answer` (both required for reasoning); interval = [`start`,
/// `end`] in `unit` (required for abnormal videos in detection, ignored for
/// normal ones). `source`, `path`, `total_frames` and other fields are not
/// read.
fn parse_published(f: &Fields<'_>, task: VadTask, unit: TimeUnit) -> Result<GroundTruth> {
    let id = f.string("video")?;
    let abnormal = !f
        .string("anomaly_type")?
        .trim()
        .eq_ignore_ascii_case("normal");
    let reference = match (f.optional_string("think")?, f.optional_string("answer")?) {
        (Some(think), Some(answer)) => Some(format!("{think}\n{answer}")),
        (None, _) if task.needs_reference() => {
            return Err(f.error("think", "missing (the reasoning task needs it)"));
        }
        (_, None) if task.needs_reference() => {
            return Err(f.error("answer", "missing (the reasoning task needs it)"));
        }
        _ => None,
    };
    let interval = if abnormal && task == VadTask::Detection {
        let start = published_time(f, "start", unit)?;
        let end = published_time(f, "end", unit)?;
        if start > end {
            return Err(f.error("end", format!("{end} s is before the start, {start} s")));
        }
        Some(Interval { start, end })
    } else {
        None
    };
    Ok(GroundTruth::at_row(f, id, abnormal, reference, interval))
}

/// `start` or `end` of a published row, in seconds.
fn published_time(f: &Fields<'_>, key: &str, unit: TimeUnit) -> Result<f64> {
    let value = f.get(key).ok_or_else(|| {
        f.error(
            key,
            "missing (an abnormal video needs its anomaly time range)",
        )
    })?;
    let seconds = match unit {
        TimeUnit::Seconds => parse_timestamp(value),
        TimeUnit::Frames { fps } => value
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|frame| frame / fps),
    };
    seconds.ok_or_else(|| {
        let expected = match unit {
            TimeUnit::Seconds => "a non-negative number of seconds or an MM:SS time",
            TimeUnit::Frames { .. } => "a non-negative frame number",
        };
        f.error(key, format!("expected {expected}, found {value}"))
    })
}
