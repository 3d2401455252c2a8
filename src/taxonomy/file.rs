//! The taxonomy file format of docs/scoring.md §5: parsing and validation.
//!
//! The file is read into plain [`RawTaxonomy`] data here; building the tree
//! is the parent module's job. Every problem is reported as
//! [`Error::Taxonomy`] naming the offending entry (`triplets[3] (event ...)`),
//! so a hand-edited or converted file can be fixed from the message alone.

use std::path::Path;

use serde_json::{Map, Value};

use crate::formats::records::{JsonStrings, element_start_lines};
use crate::{Error, Result};

/// The two top-level branches every path starts with (docs/scoring.md §5).
pub(crate) const BRANCHES: [&str; 2] = ["anomaly", "normality"];

const TOP_KEYS: [&str; 5] = ["name", "version", "description", "levels", "triplets"];
const TRIPLET_KEYS: [&str; 5] = ["path", "event", "scene", "attributes", "source"];

/// A taxonomy file after validation, before the tree is built.
#[derive(Debug)]
pub(crate) struct RawTaxonomy {
    pub name: String,
    pub version: String,
    /// Level names, root excluded: the last one is the triplet leaf.
    pub levels: Vec<String>,
    pub triplets: Vec<RawTriplet>,
}

/// One triplet entry, names normalised with [`normalise`].
#[derive(Debug)]
pub(crate) struct RawTriplet {
    pub path: Vec<String>,
    pub event: String,
    pub scene: String,
    pub attributes: Vec<String>,
}

/// Node names are compared trimmed and in lower case, so `Climbing` in an
/// annotation file meets `climbing` in the taxonomy.
pub(crate) fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Parses and validates the text of a taxonomy file (docs/scoring.md §5).
pub(crate) fn parse(text: &str, path: &Path) -> Result<RawTaxonomy> {
    let value: Value = serde_json::from_str(text).map_err(|e| Error::Json {
        path: path.to_owned(),
        line: e.line().max(1),
        message: e.to_string(),
    })?;
    let err_at = |line: usize, message: String| Error::Taxonomy {
        path: path.to_owned(),
        line,
        message,
    };
    let err = |message: String| err_at(1, message);
    let triplet_lines = array_element_lines(text, "triplets");
    let line_of = |i: usize| triplet_lines.get(i).copied().unwrap_or(1);
    let top = value
        .as_object()
        .ok_or_else(|| err("the file must hold one JSON object".into()))?;
    reject_unknown_keys(top, &TOP_KEYS).map_err(|m| err(format!("top level: {m}")))?;
    let name = required_string(top, "name").map_err(|m| err(format!("top level: {m}")))?;
    let version = required_string(top, "version").map_err(|m| err(format!("top level: {m}")))?;
    if let Some(d) = top.get("description") {
        if !d.is_string() {
            return Err(err("top level: field `description` must be a string".into()));
        }
    }
    let levels = parse_levels(top).map_err(|m| err(format!("field `levels`: {m}")))?;
    let entries = match top.get("triplets") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) => return Err(err("field `triplets`: the list is empty".into())),
        _ => {
            return Err(err(
                "field `triplets`: a list of triplets is required".into()
            ));
        }
    };
    let mut triplets = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let triplet = parse_triplet(entry, levels.len() - 1)
            .map_err(|m| err_at(line_of(i), format!("triplets[{i}]{}: {m}", describe(entry))))?;
        triplets.push(triplet);
    }
    check_duplicates(&triplets).map_err(|(i, m)| err_at(line_of(i), m))?;
    Ok(RawTaxonomy {
        name,
        version,
        levels,
        triplets,
    })
}

/// Checks a ground-truth triplet's annotated path against the taxonomy's
/// shape: `depth` names, a known branch first, the event last (docs/scoring.md §3.1, 5).
pub(crate) fn check_path(path: &[String], event: &str, depth: usize) -> Result<(), String> {
    if path.len() != depth {
        return Err(format!(
            "path has {} level(s), expected {depth} (branch down to the event)",
            path.len()
        ));
    }
    if let Some(blank) = path.iter().position(|p| p.trim().is_empty()) {
        return Err(format!("path[{blank}] is empty"));
    }
    let branch = normalise(&path[0]);
    if !BRANCHES.contains(&branch.as_str()) {
        return Err(format!(
            "path starts with `{branch}`, expected `anomaly` or `normality`"
        ));
    }
    let last = normalise(&path[depth - 1]);
    if normalise(event) != last {
        return Err(format!(
            "event `{}` differs from the last path name `{last}`",
            event.trim()
        ));
    }
    Ok(())
}

fn parse_levels(top: &Map<String, Value>) -> Result<Vec<String>, String> {
    let list = top
        .get("levels")
        .and_then(Value::as_array)
        .ok_or("a list of level names is required")?;
    let levels: Vec<String> = list
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or("every level name must be a string")?;
    // At least a branch, an event and the leaf below it.
    if levels.len() < 3 {
        return Err(format!(
            "{} level(s) given, at least 3 needed (branch, ..., event, triplet)",
            levels.len()
        ));
    }
    Ok(levels)
}

fn parse_triplet(entry: &Value, depth: usize) -> Result<RawTriplet, String> {
    let obj = entry.as_object().ok_or("must be a JSON object")?;
    reject_unknown_keys(obj, &TRIPLET_KEYS)?;
    let path = string_list(obj, "path", true)?;
    let event = required_string(obj, "event")?;
    check_path(&path, &event, depth)?;
    let scene = match obj.get("scene") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("field `scene` must be a string (it may be empty)".into()),
    };
    let attributes = string_list(obj, "attributes", false)?;
    if attributes.iter().any(|a| a.trim().is_empty()) {
        return Err("field `attributes` holds an empty name".into());
    }
    if obj.get("source").is_some_and(|s| !s.is_string()) {
        return Err("field `source` must be a string".into());
    }
    Ok(RawTriplet {
        path: path.iter().map(|p| normalise(p)).collect(),
        event: normalise(&event),
        scene: normalise(&scene),
        attributes: attributes.iter().map(|a| normalise(a)).collect(),
    })
}

/// A duplicate leaf is the same leaf text under the same event path; the
/// error comes with the index of the second one.
fn check_duplicates(triplets: &[RawTriplet]) -> Result<(), (usize, String)> {
    let mut seen = std::collections::HashMap::new();
    for (i, t) in triplets.iter().enumerate() {
        let text = super::Taxonomy::leaf_text(&t.event, &t.scene, &t.attributes);
        if let Some(first) = seen.insert((t.path.clone(), text.clone()), i) {
            return Err((
                i,
                format!(
                    "triplets[{i}] (`{text}` under [{}]): duplicate of triplets[{first}]",
                    t.path.join(" / ")
                ),
            ));
        }
    }
    Ok(())
}

/// The 1-based start line of each element of the array under the top-level
/// object's `key`, read from the (valid) JSON text.
fn array_element_lines(text: &str, key: &str) -> Vec<usize> {
    let quoted = format!("\"{key}\"");
    let (mut depth, mut strings) = (0usize, JsonStrings::default());
    for (i, c) in text.char_indices() {
        if strings.inside(c) {
            continue;
        }
        match c {
            '"' if depth == 1 && text[i..].starts_with(&quoted) => {
                let rest = text[i + quoted.len()..].trim_start();
                if let Some(value) = rest.strip_prefix(':').map(str::trim_start)
                    && value.starts_with('[')
                {
                    let at = text.len() - value.len();
                    let before = text[..at].matches('\n').count();
                    return element_start_lines(&text[at..])
                        .into_iter()
                        .map(|line| line + before)
                        .collect();
                }
            }
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Vec::new()
}

fn reject_unknown_keys(obj: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown field `{k}` (expected: {})",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn required_string(obj: &Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("field `{key}` is empty")),
        Some(_) => Err(format!("field `{key}` must be a string")),
        None => Err(format!("field `{key}` is missing")),
    }
}

/// A list of strings; a missing optional list is empty.
fn string_list(obj: &Map<String, Value>, key: &str, required: bool) -> Result<Vec<String>, String> {
    let list = match obj.get(key) {
        Some(Value::Array(a)) => a,
        None if !required => return Ok(Vec::new()),
        None => return Err(format!("field `{key}` is missing")),
        Some(_) => return Err(format!("field `{key}` must be a list of strings")),
    };
    list.iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("field `{key}` must be a list of strings"))
}

/// A short identification of an entry for error messages: its event and path
/// when they can be read.
fn describe(entry: &Value) -> String {
    let event = entry.get("event").and_then(Value::as_str);
    let path = entry.get("path").and_then(Value::as_array).map(|p| {
        p.iter()
            .map(|v| v.as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(" / ")
    });
    match (event, path) {
        (Some(e), Some(p)) => format!(" (event `{e}`, path [{p}])"),
        (Some(e), None) => format!(" (event `{e}`)"),
        (None, Some(p)) => format!(" (path [{p}])"),
        (None, None) => String::new(),
    }
}
