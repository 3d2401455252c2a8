//! CueBench annotations in the normalised per-video form of docs/scoring.md §3.1.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::records::{Fields, Record, read_ground_truth_records, reject_duplicate_ids};
use super::sniff::{Role, wrong_file};
use crate::error::{Error, Result};

/// Frames per second assumed when a video has no `fps` (docs/scoring.md §3.1).
pub const DEFAULT_FPS: f64 = 30.0;

/// The accepted range of `fps`: any real video lies inside, and frame / fps
/// stays a finite, ordinary number (1e-310 or 1e308 would not).
pub const FPS_RANGE: std::ops::RangeInclusive<f64> = 0.01..=10_000.0;

/// Separates the parts of a sample id (`VIDEO|EVENT`, `VIDEO|TRIPLET_ID`),
/// so a video id may not contain it: `v` with event `x|y` and `v|x` with
/// event `y` would both be `v|x|y`.
pub const ID_SEPARATOR: char = '|';

/// One annotated video (docs/scoring.md §3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Unique video id.
    pub video_id: String,
    /// Frames per second of the frame indices.
    pub fps: f64,
    /// Context triplets, in file order.
    pub triplets: Vec<Triplet>,
    /// The anticipation block, for videos cut after their first event.
    pub anticipation: Option<Anticipation>,
    /// The video's genre (e.g. `news`), when annotated; only groups results.
    pub genre: Option<String>,
    /// The camera view (e.g. `surveillance`), when annotated; only groups results.
    pub camera_view: Option<String>,
    /// Line of the record in the annotation file.
    pub line: usize,
}

/// An (event, scene, attributes) context triplet with its time and taxonomy.
#[derive(Debug, Clone, PartialEq)]
pub struct Triplet {
    /// Id unique within the video.
    pub id: String,
    /// The event.
    pub event: String,
    /// The scene.
    pub scene: String,
    /// Attributes, possibly none.
    pub attributes: Vec<String>,
    /// Whether the triplet is an anomaly.
    pub anomaly: bool,
    /// Inclusive frame ranges `[start, end]`.
    pub frames: Vec<[u64; 2]>,
    /// Taxonomy path from the branch down to the event node.
    pub taxonomy: Vec<String>,
}

/// The future a model is asked to anticipate (docs/scoring.md §3.1 `anticipation`).
#[derive(Debug, Clone, PartialEq)]
pub struct Anticipation {
    /// Seconds of video the model sees.
    pub observed_until_s: f64,
    /// The events that follow.
    pub future: Vec<FutureEvent>,
}

/// One anticipated event.
#[derive(Debug, Clone, PartialEq)]
pub struct FutureEvent {
    /// The event.
    pub event: String,
    /// The scene.
    pub scene: String,
    /// Attributes, possibly none.
    pub attributes: Vec<String>,
    /// Anomaly score in [0, 1].
    pub anomaly: f64,
    /// Probability in [0, 1].
    pub probability: f64,
    /// Taxonomy path from the branch down to the event node.
    pub taxonomy: Vec<String>,
}

impl Triplet {
    /// The triplet's intervals in seconds (frame / fps).
    pub fn seconds(&self, fps: f64) -> Vec<[f64; 2]> {
        self.frames
            .iter()
            .map(|&[s, e]| [s as f64 / fps, e as f64 / fps])
            .collect()
    }
}

/// Reads an annotation file (a JSON array or JSONL of videos), validating
/// every field and rejecting duplicate video or triplet ids and an empty file.
/// A file that fails and is recognisably something else (a results
/// document, a VAU-Bench CSV, Vad-Reasoning annotations) is an
/// [`crate::Error::WrongFile`] saying so.
pub fn read_annotations(path: &Path) -> Result<Vec<Video>> {
    read_videos(path).map_err(|e| match e {
        Error::Io { .. } | Error::NotAFile { .. } => e,
        _ => wrong_file(path, Role::Annotations).unwrap_or(e),
    })
}

fn read_videos(path: &Path) -> Result<Vec<Video>> {
    let records = read_ground_truth_records(path)?;
    let videos = records
        .iter()
        .map(|r| parse_video(r, path))
        .collect::<Result<Vec<_>>>()?;
    reject_duplicate_ids(path, videos.iter().map(|v| (v.video_id.as_str(), v.line)))?;
    Ok(videos)
}

fn parse_video(record: &Record, path: &Path) -> Result<Video> {
    let f = Fields::of(path, record.line, &record.value, "")?;
    let video_id = f.string("video_id")?;
    if video_id.contains(ID_SEPARATOR) {
        return Err(f.error(
            "video_id",
            format!(
                "`{video_id}` contains `{ID_SEPARATOR}`, which separates the parts of sample ids"
            ),
        ));
    }
    let fps = f.optional_number("fps")?.unwrap_or(DEFAULT_FPS);
    if !FPS_RANGE.contains(&fps) {
        return Err(f.error(
            "fps",
            format!(
                "must lie in [{}, {}], found {fps}",
                FPS_RANGE.start(),
                FPS_RANGE.end()
            ),
        ));
    }
    let triplet_values = f.array("triplets")?;
    let mut triplets = Vec::with_capacity(triplet_values.len());
    let mut ids = HashSet::with_capacity(triplet_values.len());
    for (i, value) in triplet_values.iter().enumerate() {
        let prefix = format!("triplets[{i}]");
        let triplet = parse_triplet(&Fields::of(path, record.line, value, &prefix)?)?;
        if !ids.insert(triplet.id.clone()) {
            return Err(f.error(
                &format!("{prefix}.id"),
                format!("duplicate triplet id `{}`", triplet.id),
            ));
        }
        triplets.push(triplet);
    }
    let anticipation = match f.get("anticipation") {
        None => None,
        Some(value) => Some(parse_anticipation(&Fields::of(
            path,
            record.line,
            value,
            "anticipation",
        )?)?),
    };
    Ok(Video {
        video_id: video_id.to_owned(),
        fps,
        triplets,
        anticipation,
        genre: f.optional_string("genre")?.map(str::to_owned),
        camera_view: f.optional_string("camera_view")?.map(str::to_owned),
        line: record.line,
    })
}

fn parse_triplet(f: &Fields<'_>) -> Result<Triplet> {
    Ok(Triplet {
        id: f.string("id")?.to_owned(),
        event: f.string("event")?.to_owned(),
        scene: f.string("scene")?.to_owned(),
        attributes: f.string_list("attributes")?,
        anomaly: parse_anomaly_flag(f)?,
        frames: parse_frames(f)?,
        taxonomy: parse_taxonomy(f)?,
    })
}

fn parse_anomaly_flag(f: &Fields<'_>) -> Result<bool> {
    match f.required("anomaly")? {
        Value::Bool(b) => Ok(*b),
        v if v.as_f64() == Some(0.0) => Ok(false),
        v if v.as_f64() == Some(1.0) => Ok(true),
        v => Err(f.error("anomaly", format!("expected 0 or 1, found {v}"))),
    }
}

fn parse_frames(f: &Fields<'_>) -> Result<Vec<[u64; 2]>> {
    let ranges = f.array("frames")?;
    if ranges.is_empty() {
        return Err(f.error("frames", "must hold at least one [start, end] range"));
    }
    ranges
        .iter()
        .enumerate()
        .map(|(i, range)| {
            let bad = || {
                f.error(
                    &format!("frames[{i}]"),
                    format!("expected [start, end] frame indices with start <= end, found {range}"),
                )
            };
            let pair = range.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
            match (pair[0].as_u64(), pair[1].as_u64()) {
                (Some(s), Some(e)) if s <= e => Ok([s, e]),
                _ => Err(bad()),
            }
        })
        .collect()
}

fn parse_taxonomy(f: &Fields<'_>) -> Result<Vec<String>> {
    let path = f.string_list("taxonomy")?;
    match path.first().map(String::as_str) {
        Some("anomaly" | "normality") => Ok(path),
        Some(other) => Err(f.error(
            "taxonomy[0]",
            format!("branch must be `anomaly` or `normality`, found `{other}`"),
        )),
        None => Err(f.error("taxonomy", "missing")),
    }
}

fn parse_anticipation(f: &Fields<'_>) -> Result<Anticipation> {
    let observed_until_s = f
        .optional_number("observed_until_s")?
        .ok_or_else(|| f.error("observed_until_s", "missing"))?;
    let future = f
        .array("future")?
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let prefix = format!("{}.future[{i}]", f.prefix);
            parse_future_event(&Fields::of(f.path, f.line, value, &prefix)?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Anticipation {
        observed_until_s,
        future,
    })
}

fn parse_future_event(f: &Fields<'_>) -> Result<FutureEvent> {
    let unit = |key: &str| -> Result<f64> {
        match f.optional_number(key)? {
            Some(x) if x <= 1.0 => Ok(x),
            Some(x) => Err(f.error(key, format!("must lie in [0, 1], found {x}"))),
            None => Err(f.error(key, "missing")),
        }
    };
    Ok(FutureEvent {
        event: f.string("event")?.to_owned(),
        scene: f.string("scene")?.to_owned(),
        attributes: f.string_list("attributes")?,
        anomaly: unit("anomaly")?,
        probability: unit("probability")?,
        taxonomy: parse_taxonomy(f)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::records::parse_records;

    /// Parses JSONL test input; multi-line records are joined into one line each.
    fn parse(text: &str) -> Result<Vec<Video>> {
        let text = text.replace("\n        ", " ");
        let path = Path::new("ann.json");
        let videos = parse_records(&text, path)?
            .iter()
            .map(|r| parse_video(r, path))
            .collect::<Result<Vec<_>>>()?;
        reject_duplicate_ids(path, videos.iter().map(|v| (v.video_id.as_str(), v.line)))?;
        Ok(videos)
    }

    const GOOD: &str = r#"{"video_id": "v1", "fps": 25, "triplets": [
        {"id": "t1", "event": "climbing", "scene": "cliff", "attributes": ["with helmet"], "anomaly": 0,
         "frames": [[0, 50], [100, 125]], "taxonomy": ["normality", "safety", "personal", "climbing"]}],
        "anticipation": {"observed_until_s": 4, "future": [{"event": "theft", "scene": "shop", "attributes": [],
         "anomaly": 1, "probability": 0.5, "taxonomy": ["anomaly", "laws & rules", "property", "theft"]}]}}"#;

    #[test]
    fn reads_a_full_record() {
        let v = &parse(GOOD).unwrap()[0];
        assert_eq!(v.fps, 25.0);
        assert_eq!(v.triplets[0].seconds(v.fps), vec![[0.0, 2.0], [4.0, 5.0]]);
        assert_eq!(v.anticipation.as_ref().unwrap().future[0].probability, 0.5);
    }

    #[test]
    fn fps_defaults_to_30() {
        let text = GOOD.replace("\"fps\": 25,", "");
        assert_eq!(parse(&text).unwrap()[0].fps, 30.0);
    }

    #[test]
    fn errors_name_line_and_field() {
        let cases = [
            (
                GOOD.replace("\"scene\": \"cliff\", ", ""),
                "ann.json:1: field `triplets[0].scene`: missing",
            ),
            (
                GOOD.replace("[100, 125]", "[125, 100]"),
                "ann.json:1: field `triplets[0].frames[1]`",
            ),
            (
                GOOD.replace("\"normality\"", "\"normal\""),
                "ann.json:1: field `triplets[0].taxonomy[0]`",
            ),
            (
                GOOD.replace("\"probability\": 0.5", "\"probability\": 2"),
                "field `anticipation.future[0].probability`: must lie in [0, 1]",
            ),
            (
                GOOD.replace("\"anomaly\": 0", "\"anomaly\": 0.5"),
                "field `triplets[0].anomaly`: expected 0 or 1",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }

    #[test]
    fn video_ids_that_make_sample_ids_ambiguous_are_rejected() {
        let err = parse(&GOOD.replace("\"v1\"", "\"v|x\"")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ann.json:1: field `video_id`: `v|x` contains `|`, which separates the parts of sample ids"
        );
    }

    #[test]
    fn fps_must_be_an_ordinary_frame_rate() {
        for fps in ["1e-310", "1e308", "0", "0.001", "10001"] {
            let err = parse(&GOOD.replace("\"fps\": 25", &format!("\"fps\": {fps}"))).unwrap_err();
            assert!(
                err.to_string()
                    .contains("field `fps`: must lie in [0.01, 10000]"),
                "{err}"
            );
        }
        for fps in ["0.01", "10000", "29.97"] {
            assert!(parse(&GOOD.replace("\"fps\": 25", &format!("\"fps\": {fps}"))).is_ok());
        }
    }

    #[test]
    fn an_empty_annotation_file_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("a.json", "[]"), ("b.jsonl", ""), ("c.jsonl", "\n  \n")] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let err = read_annotations(&path).unwrap_err();
            assert!(
                matches!(err, crate::Error::EmptyGroundTruth { .. }),
                "{name}: {err}"
            );
        }
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let two = format!("{GOOD}\n{GOOD}\n");
        assert_eq!(
            parse(&two).unwrap_err().to_string(),
            "ann.json: duplicate id(s): v1 (lines 1, 2)"
        );
        let t = GOOD.replace(
            "\"triplets\": [",
            "\"triplets\": [{\"id\": \"t1\", \"event\": \"e\", \"scene\": \"s\", \"anomaly\": 1, \"frames\": [[1, 2]], \"taxonomy\": [\"anomaly\"]},",
        );
        assert!(
            parse(&t)
                .unwrap_err()
                .to_string()
                .contains("field `triplets[1].id`: duplicate triplet id `t1`")
        );
    }
}
