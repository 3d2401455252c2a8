//! Writing JSON Lines: one record per line, with U+2028 and U+2029 escaped.
//! JSON allows both raw inside strings, but readers that split on every
//! Unicode line break (JavaScript's, Python's `str.splitlines`) would cut a
//! record there and miscount lines; every JSONL the project writes goes
//! through [`line`].

use serde::Serialize;

/// `value` as one JSONL line, without the newline, with U+2028 and U+2029
/// written as `\u2028` and `\u2029` (they can only occur inside strings,
/// where the escape means the same).
pub fn line<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain data cannot fail: a map with non-string keys is the
    // only error, and no record the project writes has one.
    let text = serde_json::to_string(value).unwrap_or_default();
    escape_line_separators(text)
}

/// `text` with every U+2028 and U+2029 written as a JSON escape.
pub fn escape_line_separators(text: String) -> String {
    if !text.contains(['\u{2028}', '\u{2029}']) {
        return text;
    }
    text.replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn line_separators_are_escaped_and_read_back_the_same() {
        let value = json!({"error": "a\u{2028}b\u{2029}c", "n": 1});
        let text = line(&value);
        assert_eq!(text, r#"{"error":"a\u2028b\u2029c","n":1}"#);
        assert_eq!(text.lines().count(), 1);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }
}
