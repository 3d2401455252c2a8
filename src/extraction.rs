//! Answer extraction from a model's response (SPEC 3.4).

use serde_json::Value;

use crate::formats::predictions::PredictionContent;

/// A model answer after extraction.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The answer elements (an object answer is a one-element list).
    Elements(Vec<Value>),
    /// The answer `None` (or an empty list): no elements.
    Empty,
    /// Nothing could be read: the sample scores 0 and is counted.
    ParseFailed,
}

impl Answer {
    /// The elements, empty for `Empty` and `ParseFailed`.
    pub fn elements(&self) -> &[Value] {
        match self {
            Answer::Elements(e) => e,
            _ => &[],
        }
    }
}

/// Extracts the answer of a prediction line: a raw response goes through
/// [`extract_answer`]; a pre-parsed `answer` is used as it is (a string is
/// read like a response's answer text, `null` is the answer `None`).
pub fn answer_of(content: &PredictionContent) -> Answer {
    match content {
        PredictionContent::Response(text) => extract_answer(text),
        PredictionContent::Answer(Value::String(text)) => parse_answer_text(text),
        PredictionContent::Answer(Value::Null) => Answer::Empty,
        PredictionContent::Answer(value) => from_json(value.clone()).unwrap_or(Answer::ParseFailed),
    }
}

/// Whether a prediction line earns the format point: a raw response with
/// both tag pairs (pre-parsed answers never do, SPEC 4 "Format").
pub fn content_format_ok(content: &PredictionContent) -> bool {
    matches!(content, PredictionContent::Response(text) if format_ok(text))
}

/// SPEC 3.4 steps 1-5 on a raw response.
pub fn extract_answer(response: &str) -> Answer {
    parse_answer_text(answer_text(response))
}

/// Step 1: the text inside the last complete `<answer>...</answer>`, or the
/// whole response when there is none.
pub fn answer_text(response: &str) -> &str {
    let mut last = None;
    let mut from = 0;
    while let Some(open) = response[from..].find("<answer>").map(|i| from + i) {
        let body = open + "<answer>".len();
        match response[body..].find("</answer>") {
            Some(close) => {
                last = Some(&response[body..body + close]);
                from = body + close + "</answer>".len();
            }
            None => break,
        }
    }
    last.unwrap_or(response)
}

/// Steps 2-5 on an answer text.
pub fn parse_answer_text(text: &str) -> Answer {
    let text = fenced_block(text).unwrap_or(text);
    if is_none_answer(text) {
        return Answer::Empty;
    }
    first_json_container(text)
        .and_then(from_json)
        .unwrap_or(Answer::ParseFailed)
}

/// Step 2: the content of the first fenced block (```json ... ``` or
/// ``` ... ```); an unclosed fence runs to the end of the text.
fn fenced_block(text: &str) -> Option<&str> {
    let open = text.find("```")? + 3;
    let rest = &text[open..];
    let rest = match rest.get(..4) {
        Some(tag) if tag.eq_ignore_ascii_case("json") => &rest[4..],
        _ => rest,
    };
    Some(rest.find("```").map_or(rest, |close| &rest[..close]))
}

/// Step 3: `None` in any case, after trimming and stripping quotes.
fn is_none_answer(text: &str) -> bool {
    let stripped = text
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '`') || c.is_whitespace());
    stripped.eq_ignore_ascii_case("none")
}

/// Step 4: the first position at which a JSON array or object parses (strict
/// JSON; text after the value is ignored).
fn first_json_container(text: &str) -> Option<Value> {
    text.char_indices()
        .filter(|&(_, c)| c == '[' || c == '{')
        .find_map(|(i, _)| {
            let mut stream = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
            stream.next().and_then(|r| r.ok())
        })
}

/// A JSON answer as elements: an array is the list, an object one element.
fn from_json(value: Value) -> Option<Answer> {
    match value {
        Value::Array(items) if items.is_empty() => Some(Answer::Empty),
        Value::Array(items) => Some(Answer::Elements(items)),
        Value::Object(_) => Some(Answer::Elements(vec![value])),
        _ => None,
    }
}

/// `format_ok`: the response holds `<think>...</think>` and
/// `<answer>...</answer>`, each opening tag before its closing tag.
pub fn format_ok(response: &str) -> bool {
    has_pair(response, "<think>", "</think>") && has_pair(response, "<answer>", "</answer>")
}

fn has_pair(text: &str, open: &str, close: &str) -> bool {
    text.find(open)
        .is_some_and(|i| text[i + open.len()..].contains(close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn elements(a: Answer) -> Vec<Value> {
        match a {
            Answer::Elements(e) => e,
            other => panic!("expected elements, got {other:?}"),
        }
    }

    #[test]
    fn takes_the_last_answer_block_and_its_fence() {
        let r = "<think>maybe [{\"event\": \"no\"}]</think><answer>```json [{\"event\": \"a\"}]```</answer>\
                 <answer>```json\n[{\"event\": \"b\"}]\n```</answer>";
        assert_eq!(elements(extract_answer(r)), vec![json!({"event": "b"})]);
    }

    #[test]
    fn without_tags_the_whole_response_is_read() {
        assert_eq!(
            elements(extract_answer("Sure: {\"scene\": \"shop\"} done")),
            vec![json!({"scene": "shop"})]
        );
        // An unclosed <answer> is not a block: the whole text is searched.
        assert_eq!(
            elements(extract_answer("<answer>[{\"a\": 1}]")),
            vec![json!({"a": 1})]
        );
    }

    #[test]
    fn none_in_any_case_and_quoting() {
        for r in [
            "<answer>None</answer>",
            "<answer> 'none' </answer>",
            "<answer>```json\n\"NONE\"\n```</answer>",
            "None",
        ] {
            assert_eq!(extract_answer(r), Answer::Empty, "{r}");
        }
        assert_eq!(extract_answer("<answer>[]</answer>"), Answer::Empty);
        // "None of the above" is not the answer None, and holds no JSON.
        assert_eq!(
            extract_answer("<answer>None of them</answer>"),
            Answer::ParseFailed
        );
    }

    #[test]
    fn malformed_answers_fail_to_parse() {
        for r in [
            "<answer>[{'event': 'a'}]</answer>",
            "<answer>climbing</answer>",
            "<answer>[1, 2</answer>",
            "",
            "<answer>42</answer>",
        ] {
            assert_eq!(extract_answer(r), Answer::ParseFailed, "{r}");
        }
    }

    #[test]
    fn skips_brackets_that_do_not_start_json() {
        let r = "<answer>[see below] [{\"event\": \"a\"}]</answer>";
        assert_eq!(elements(extract_answer(r)), vec![json!({"event": "a"})]);
    }

    #[test]
    fn pre_parsed_answers() {
        assert_eq!(
            answer_of(&PredictionContent::Answer(Value::Null)),
            Answer::Empty
        );
        assert_eq!(
            answer_of(&PredictionContent::Answer(json!("None"))),
            Answer::Empty
        );
        assert_eq!(
            answer_of(&PredictionContent::Answer(json!(3))),
            Answer::ParseFailed
        );
        assert_eq!(
            elements(answer_of(&PredictionContent::Answer(json!({"event": "x"})))),
            vec![json!({"event": "x"})]
        );
        assert!(!content_format_ok(&PredictionContent::Answer(json!([]))));
    }

    #[test]
    fn format_needs_both_pairs_in_order() {
        assert!(format_ok("<think>x</think> <answer>y</answer>"));
        assert!(!format_ok("<answer>y</answer>"));
        assert!(!format_ok("</think><think> <answer>y</answer>"));
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn extraction_accepts_any_text(text in ".{0,200}") {
            let _ = extract_answer(&text);
            let _ = format_ok(&text);
        }

        #[test]
        fn extraction_accepts_tag_soup(parts in prop::collection::vec(
            prop_oneof![Just("<answer>"), Just("</answer>"), Just("<think>"), Just("```json"), Just("```"),
                        Just("["), Just("{"), Just("None"), Just("\"a\": 1}"), Just("]")], 0..12)) {
            let text: String = parts.concat();
            let _ = extract_answer(&text);
        }
    }
}
