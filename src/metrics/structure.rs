//! Struct score S^K (paper Eq. 2, docs/scoring.md §4 "Struct").

use std::collections::BTreeMap;

use serde_json::Value;

/// The key bag of a list of answer elements: the multiset of leaf key paths
/// (nested objects joined with `.`), top-level `optional` keys left out. An
/// element that is not an object contributes no keys; an empty nested object
/// is a leaf.
pub fn key_bag(elements: &[Value], optional: &[&str]) -> BTreeMap<String, usize> {
    let mut bag = BTreeMap::new();
    for element in elements {
        if let Value::Object(map) = element {
            for (key, value) in map {
                if !optional.contains(&key.as_str()) {
                    add_leaf_paths(key, value, &mut bag);
                }
            }
        }
    }
    bag
}

fn add_leaf_paths(path: &str, value: &Value, bag: &mut BTreeMap<String, usize>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                add_leaf_paths(&format!("{path}.{key}"), inner, bag);
            }
        }
        _ => *bag.entry(path.to_owned()).or_insert(0) += 1,
    }
}

/// S^K = 2|I| / (2|I| + |O^K \ G^K| + |G^K \ O^K|) over multisets, where I
/// is the multiset intersection. Two empty bags are identical: 1. Keys the
/// answer format marks `optional` (e.g. `caption`) are in neither bag.
pub fn struct_f1(output: &[Value], truth: &[Value], optional: &[&str]) -> f64 {
    let (o, g) = (key_bag(output, optional), key_bag(truth, optional));
    let count = |bag: &BTreeMap<String, usize>, k: &str| bag.get(k).copied().unwrap_or(0);
    let mut inter = 0;
    let mut only_o = 0;
    for (k, &n) in &o {
        let m = count(&g, k);
        inter += n.min(m);
        only_o += n.saturating_sub(m);
    }
    let only_g: usize = g.iter().map(|(k, &m)| m.saturating_sub(count(&o, k))).sum();
    let denominator = 2 * inter + only_o + only_g;
    if denominator == 0 {
        1.0
    } else {
        (2 * inter) as f64 / denominator as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The optional keys of CueBench's answer formats.
    const CAPTION: &[&str] = &["caption"];

    fn f1(o: Value, g: Value) -> f64 {
        struct_f1(o.as_array().unwrap(), g.as_array().unwrap(), CAPTION)
    }

    #[test]
    fn identical_structure_scores_one_whatever_the_values() {
        assert_eq!(
            f1(
                json!([{"event": "a"}, {"event": "b"}]),
                json!([{"event": "x"}, {"event": "y"}])
            ),
            1.0
        );
    }

    #[test]
    fn nested_keys_are_dotted_paths() {
        let bag = key_bag(
            json!([{"anomaly": {"event": "e", "scene": "s", "attribute": ""}}])
                .as_array()
                .unwrap(),
            CAPTION,
        );
        assert_eq!(
            bag.keys().collect::<Vec<_>>(),
            ["anomaly.attribute", "anomaly.event", "anomaly.scene"]
        );
        // Flat keys where nested ones are expected: I = 0 -> 0.
        assert_eq!(
            f1(
                json!([{"event": "e", "scene": "s"}]),
                json!([{"anomaly": {"event": "e", "scene": "s"}}])
            ),
            0.0
        );
        // Missing one nested key: O = {a.e, a.s}, G = {a.e, a.s, a.a}: 2*2 / (4 + 0 + 1) = 0.8.
        assert_eq!(
            f1(
                json!([{"anomaly": {"event": "e", "scene": "s"}}]),
                json!([{"anomaly": {"event": "e", "scene": "s", "attribute": "a"}}])
            ),
            0.8
        );
    }

    #[test]
    fn duplicate_keys_count_as_a_multiset() {
        // O = {event x3}, G = {event x2}: I = 2, O\G = 1 -> 4/5.
        assert_eq!(
            f1(
                json!([{"event": "a"}, {"event": "b"}, {"event": "c"}]),
                json!([{"event": "a"}, {"event": "b"}])
            ),
            0.8
        );
        // O = {event x1}, G = {event x3}: I = 1, G\O = 2 -> 2/4.
        assert_eq!(
            f1(
                json!([{"event": "a"}]),
                json!([{"event": "a"}, {"event": "b"}, {"event": "c"}])
            ),
            0.5
        );
    }

    #[test]
    fn unknown_keys_stay_as_errors() {
        // O = {event, confidence}, G = {event}: I = 1, O\G = 1 -> 2/3.
        assert!(
            (f1(
                json!([{"event": "a", "confidence": 0.9}]),
                json!([{"event": "a"}])
            ) - 2.0 / 3.0)
                .abs()
                < 1e-12
        );
        // A misspelt key: O = {events}, G = {event}: 0.
        assert_eq!(f1(json!([{"events": "a"}]), json!([{"event": "a"}])), 0.0);
    }

    #[test]
    fn optional_caption_is_ignored_on_both_sides() {
        assert_eq!(
            f1(
                json!([{"duration": [0, 1], "caption": "x"}]),
                json!([{"duration": [0, 2]}])
            ),
            1.0
        );
        assert_eq!(
            f1(
                json!([{"duration": [0, 1]}]),
                json!([{"duration": [0, 2], "caption": "y"}])
            ),
            1.0
        );
    }

    #[test]
    fn non_objects_have_no_keys() {
        // O = {event} from one element, the string adds nothing; G = {event x2}: 2/(2+1).
        assert!(
            (f1(
                json!([{"event": "a"}, "b"]),
                json!([{"event": "a"}, {"event": "b"}])
            ) - 2.0 / 3.0)
                .abs()
                < 1e-12
        );
        assert_eq!(f1(json!([]), json!([])), 1.0);
    }

    fn element() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!({"event": "a"})),
            Just(json!({"scene": "b", "caption": "c"})),
            Just(json!({"anomaly": {"event": "e", "scene": "s"}})),
            Just(json!("text")),
            Just(json!({"x": 1, "event": "z"})),
        ]
    }

    proptest! {
        #[test]
        fn in_unit_range_symmetric_and_order_free(
            mut o in prop::collection::vec(element(), 0..6),
            g in prop::collection::vec(element(), 0..6),
        ) {
            let s = struct_f1(&o, &g, CAPTION);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert_eq!(s, struct_f1(&g, &o, CAPTION));
            o.reverse();
            prop_assert_eq!(s, struct_f1(&o, &g, CAPTION));
        }
    }
}
