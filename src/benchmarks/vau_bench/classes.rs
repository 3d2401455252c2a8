//! The 20 VAU-Bench anomaly classes (VAU-R1 `evaluation_cls.py`, data README).

/// The class names, in the reference script's order (which is also the
/// order in which alternatives are tried at one position of an answer).
pub const CLASS_NAMES: [&str; 20] = [
    "Abuse",
    "Agriculture",
    "Arrest",
    "Arson",
    "Assault",
    "Explosion",
    "Fighting",
    "Fire",
    "Food Safety",
    "Medical Abnormality",
    "Natural Hazard",
    "Normal",
    "Object_falling",
    "People_falling",
    "Robbery",
    "Shooting",
    "Stealing",
    "Traffic_accident",
    "Vandalism",
    "Water_incident",
];

/// The class of normal videos; every other class is an anomaly.
pub const NORMAL: &str = "Normal";

/// The canonical class an annotation names: case-insensitive, any run of
/// spaces or underscores counting as one separator (the reference's
/// `_normalize`). `None` for a name outside the 20.
pub fn canonical_class(text: &str) -> Option<&'static str> {
    let wanted = normalize(text);
    CLASS_NAMES
        .into_iter()
        .find(|name| normalize(name) == wanted)
}

fn normalize(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    words.join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_names_are_canonicalised() {
        assert_eq!(
            canonical_class("Traffic_accident"),
            Some("Traffic_accident")
        );
        assert_eq!(
            canonical_class(" traffic  ACCIDENT "),
            Some("Traffic_accident")
        );
        assert_eq!(canonical_class("food_safety"), Some("Food Safety"));
        assert_eq!(canonical_class("Burglary"), None);
        assert_eq!(canonical_class(""), None);
    }
}
