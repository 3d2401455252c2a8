//! Answer extraction from a model's response (docs/scoring.md §3.4).

use std::collections::VecDeque;

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
        PredictionContent::Unreadable => Answer::ParseFailed,
    }
}

/// Whether a prediction line earns the format point: a raw response with
/// both tag pairs (pre-parsed answers never do, docs/scoring.md §4 "Format").
pub fn content_format_ok(content: &PredictionContent) -> bool {
    matches!(content, PredictionContent::Response(text) if format_ok(text))
}

/// docs/scoring.md §3.4 steps 1-5 on a raw response.
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

/// Why a response's answer cannot be read, in a few words, for the lists
/// of unparseable samples (the sample still scores 0; docs/scoring.md
/// §3.4): an `<answer>` never closed, an empty answer, no JSON at all,
/// single quotes, JSON that ends early, JSON that is no answer.
pub fn parse_failure_reason(response: &str) -> String {
    if response.contains("<answer>") && !response.contains("</answer>") {
        return "`<answer>` is never closed (truncated?)".into();
    }
    let text = answer_text(response);
    let text = fenced_block(text).unwrap_or(text).trim();
    let Some(start) = text.find(['[', '{']) else {
        return match text.is_empty() {
            true => "the answer is empty".into(),
            false => "no JSON list or object in the answer".into(),
        };
    };
    let json = &text[start..];
    let mut values = serde_json::Deserializer::from_str(json).into_iter::<Value>();
    match values.next() {
        Some(Err(_)) if json.contains('\'') && !json.contains('"') => {
            "single quotes: JSON needs double quotes".into()
        }
        Some(Err(e)) if e.is_eof() => "the JSON ends early (truncated?)".into(),
        Some(Err(e)) => format!("not valid JSON: {e}"),
        _ => "the JSON is not a list of objects or an object".into(),
    }
}

/// Why a prediction's answer cannot be read, whatever form it came in (see
/// [`parse_failure_reason`]).
pub fn content_failure_reason(content: &PredictionContent) -> String {
    match content {
        PredictionContent::Response(text) => parse_failure_reason(text),
        PredictionContent::Answer(Value::String(text)) => parse_failure_reason(text),
        PredictionContent::Answer(_) => "`answer` is not a list of objects or an object".into(),
        PredictionContent::Unreadable => "the line is too long or too deeply nested".into(),
    }
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
/// JSON as `serde_json` reads it; text after the value is ignored).
///
/// Linear in the text: candidates are tried in order by [`scan_container`],
/// and one failed attempt also settles every container it entered (one that
/// closed parses, one still open when the attempt failed cannot), so those
/// are never scanned again. Only brackets the attempt read inside a string
/// still need their own attempt.
fn first_json_container(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let mut settled = Settled::new(bytes.len());
    let mut budget = MAX_SCAN_WORK_PER_BYTE
        .saturating_mul(bytes.len())
        .saturating_add(1024);
    for start in (0..bytes.len()).filter(|&i| matches!(bytes[i], b'[' | b'{')) {
        let end = match settled.get(start) {
            Some(known) => known,
            None => {
                let (end, scanned) = scan_container(bytes, start, &mut settled);
                budget = budget.checked_sub(scanned)?;
                end
            }
        };
        if let Some(end) = end {
            budget = budget.checked_sub(end - start)?;
            if let Ok(value) = serde_json::from_str(&text[start..end]) {
                return Some(value);
            }
        }
    }
    None
}

/// Bound on the bytes `first_json_container` may examine, per byte of the
/// answer text: a safety net (the scan settles each container once, so real
/// and hostile answers alike stay far below it); past it, the answer counts
/// as unparseable rather than stalling a run.
pub const MAX_SCAN_WORK_PER_BYTE: usize = 16;

/// Deepest nesting `serde_json` accepts: 127 open containers (its recursion
/// limit of 128 counts the one that fails).
const MAX_DEPTH: usize = 127;

/// Scans the JSON container starting at `bytes[start]` (`[` or `{`): its end
/// (one past the closing bracket) when it is well-formed, `None` when not.
/// Every container opened on the way is recorded in `settled`: with its end
/// when it closed, `None` when the scan failed while it was open (or when it
/// was the outermost of more than [`MAX_DEPTH`]; the scan then goes on for
/// the containers inside it). Also returns how many bytes it read.
fn scan_container(bytes: &[u8], start: usize, settled: &mut Settled) -> (Option<usize>, usize) {
    let mut open: VecDeque<(usize, u8)> = VecDeque::new();
    let mut pos = start;
    let mut state = Expect::Value;
    let failed = |open: &VecDeque<(usize, u8)>, pos: usize, settled: &mut Settled| {
        for &(at, _) in open {
            settled.set(at, None);
        }
        (None, pos - start)
    };
    loop {
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
        }
        let Some(&b) = bytes.get(pos) else {
            return failed(&open, pos, settled);
        };
        state = match (state, b) {
            (Expect::Value | Expect::ValueOrClose, b'[' | b'{') => {
                open_container(&mut open, settled, pos, b);
                pos += 1;
                if b == b'[' {
                    Expect::ValueOrClose
                } else {
                    Expect::KeyOrClose
                }
            }
            (Expect::ValueOrClose, b']')
            | (Expect::KeyOrClose, b'}')
            | (Expect::CommaOrClose, b']' | b'}') => {
                let Some(&(at, kind)) = open.back() else {
                    return failed(&open, pos, settled);
                };
                if (kind == b'[') != (b == b']') {
                    return failed(&open, pos, settled);
                }
                open.pop_back();
                pos += 1;
                settled.set(at, Some(pos));
                if open.is_empty() {
                    return (settled.get(start).flatten(), pos - start);
                }
                Expect::CommaOrClose
            }
            (Expect::Value | Expect::ValueOrClose, _) => match scalar_end(bytes, pos) {
                Some(end) => {
                    pos = end;
                    Expect::CommaOrClose
                }
                None => return failed(&open, pos, settled),
            },
            (Expect::Key | Expect::KeyOrClose, b'"') => match string_end(bytes, pos) {
                Some(end) => {
                    pos = end;
                    Expect::Colon
                }
                None => return failed(&open, pos, settled),
            },
            (Expect::Colon, b':') => {
                pos += 1;
                Expect::Value
            }
            (Expect::CommaOrClose, b',') => {
                pos += 1;
                match open.back() {
                    Some((_, b'{')) => Expect::Key,
                    _ => Expect::Value,
                }
            }
            _ => return failed(&open, pos, settled),
        };
    }
}

/// Opens the container `b` (`[` or `{`) at `pos`. When that is one too
/// deep, only the outermost open container fails: the others read the same
/// text with room to spare, so the scan goes on for them.
fn open_container(open: &mut VecDeque<(usize, u8)>, settled: &mut Settled, pos: usize, b: u8) {
    if open.len() == MAX_DEPTH
        && let Some((at, _)) = open.pop_front()
    {
        settled.set(at, None);
    }
    open.push_back((pos, b));
}

/// What is known of the container starting at each byte: nothing yet, that
/// it cannot parse, or where it ends. One slot per byte (a flat table is
/// several times faster than a map for the million brackets of a hostile
/// answer).
struct Settled(Vec<u32>);

impl Settled {
    const UNKNOWN: u32 = 0;
    const FAILED: u32 = 1;

    fn new(len: usize) -> Self {
        Settled(vec![Self::UNKNOWN; len])
    }

    /// `None`: not settled; `Some(None)`: fails; `Some(Some(end))`: parses.
    fn get(&self, at: usize) -> Option<Option<usize>> {
        match self.0[at] {
            Self::UNKNOWN => None,
            Self::FAILED => Some(None),
            code => Some(Some(code as usize - 2)),
        }
    }

    fn set(&mut self, at: usize, end: Option<usize>) {
        // Ends past u32 cannot be recorded: left unknown, they are scanned
        // again (only for an answer over 4 GB, far past the line limit).
        if let Some(code) = end.map_or(Some(Self::FAILED), |e| u32::try_from(e + 2).ok()) {
            self.0[at] = code;
        }
    }
}

/// What the scanner of [`scan_container`] may read next.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A value (after `:` or an array's `,`).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// An object key (after an object's `,`).
    Key,
    /// An object key or `}` (just after `{`).
    KeyOrClose,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket, after a value.
    CommaOrClose,
}

/// The end of the string, number or literal at `pos`, if well-formed.
fn scalar_end(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes[pos] {
        b'"' => string_end(bytes, pos),
        b'-' | b'0'..=b'9' => number_end(bytes, pos),
        _ => [&b"true"[..], b"false", b"null"]
            .into_iter()
            .find(|lit| bytes[pos..].starts_with(lit))
            .map(|lit| pos + lit.len()),
    }
}

/// The end of the JSON string opening at `bytes[pos]` (`"`): no raw control
/// characters, only JSON escapes, `\u` surrogates in pairs.
fn string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        match *bytes.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                i += 1;
                match *bytes.get(i)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 1,
                    b'u' => {
                        let unit = hex4(bytes, i + 1)?;
                        i += 5;
                        match unit {
                            0xDC00..=0xDFFF => return None,
                            0xD800..=0xDBFF => {
                                if bytes.get(i..i + 2)? != b"\\u" {
                                    return None;
                                }
                                if !(0xDC00..=0xDFFF).contains(&hex4(bytes, i + 2)?) {
                                    return None;
                                }
                                i += 6;
                            }
                            _ => {}
                        }
                    }
                    _ => return None,
                }
            }
            0x00..=0x1F => return None,
            _ => i += 1,
        }
    }
}

/// Four hex digits at `bytes[at..]` as a number.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// The end of the JSON number at `pos`, if well-formed and finite as an
/// `f64` (`serde_json` refuses `1e400`).
fn number_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let from = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = pos + usize::from(bytes[pos] == b'-');
    i = match bytes.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i)?,
        _ => return None,
    };
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(i)?;
    }
    let finite = std::str::from_utf8(&bytes[pos..i])
        .ok()?
        .parse::<f64>()
        .is_ok_and(f64::is_finite);
    finite.then_some(i)
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

    #[test]
    fn parse_failures_say_why() {
        let why = parse_failure_reason;
        assert_eq!(
            why("<answer>[{\"event\": \"x\""),
            "`<answer>` is never closed (truncated?)"
        );
        assert_eq!(why("<answer>  </answer>"), "the answer is empty");
        assert_eq!(
            why("<answer>climbing</answer>"),
            "no JSON list or object in the answer"
        );
        assert_eq!(
            why("<answer>[{'event': 'climbing'}]</answer>"),
            "single quotes: JSON needs double quotes"
        );
        assert_eq!(
            why("<answer>```json\n[{\"event\": \"x\"},\n```</answer>"),
            "the JSON ends early (truncated?)"
        );
        assert!(why("<answer>[{\"event\" \"x\"}]</answer>").starts_with("not valid JSON: "));
        assert_eq!(
            why("<answer>[1, 2]</answer>"),
            "the JSON is not a list of objects or an object"
        );
    }
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
    fn nesting_limit_is_serdes() {
        // serde_json reads 127 nested containers and refuses 128.
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(first_json_container(&nested(127)).is_some());
        assert!(serde_json::from_str::<Value>(&nested(127)).is_ok());
        // 128 deep fails at the outer bracket, but the one inside it parses.
        assert_eq!(
            first_json_container(&nested(128)),
            serde_json::from_str(&nested(127)).ok()
        );
    }

    #[test]
    fn a_run_of_brackets_is_read_in_linear_time() {
        // Each `[` used to be retried alone, ~128 steps each; now each is
        // settled once. The work bound turns any slip into a parse failure,
        // so this answer is found only if the scan stays linear.
        let text = format!("{}[{{\"event\": \"a\"}}]", "[".repeat(100_000));
        assert_eq!(elements(extract_answer(&text)), vec![json!({"event": "a"})]);
        let strings = format!("{}[1]", "[\"[".repeat(50_000));
        assert_eq!(elements(extract_answer(&strings)), vec![json!(1)]);
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

    /// The definition of step 4, tried literally at every bracket (quadratic
    /// on hostile text): the linear scan must agree with it.
    fn first_json_container_by_trial(text: &str) -> Option<Value> {
        text.char_indices()
            .filter(|&(_, c)| c == '[' || c == '{')
            .find_map(|(i, _)| {
                let mut stream =
                    serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
                stream.next().and_then(|r| r.ok())
            })
    }

    proptest! {
        #[test]
        fn extraction_accepts_any_text(text in ".{0,200}") {
            let _ = extract_answer(&text);
            let _ = format_ok(&text);
        }

        #[test]
        fn linear_scan_agrees_with_trial_on_json_soup(parts in prop::collection::vec(
            prop_oneof![Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(":"), Just("\""),
                        Just("\\"), Just("\\u"), Just("d800"), Just("dc00"), Just("1"), Just("-0"), Just(".5"),
                        Just("e400"), Just("e-9"), Just("true"), Just("nul"), Just("null"), Just(" "), Just("\n"),
                        Just("x"), Just("\u{1}"), Just("é"), Just("\"a\""), Just("\"a\":")], 0..40)) {
            let text: String = parts.concat();
            prop_assert_eq!(first_json_container(&text), first_json_container_by_trial(&text), "{:?}", text);
        }

        #[test]
        fn linear_scan_agrees_with_trial_on_any_text(text in "[\\[\\]{}\",:0-9a-z\\\\ -]{0,60}") {
            prop_assert_eq!(first_json_container(&text), first_json_container_by_trial(&text), "{:?}", text);
        }

        #[test]
        fn linear_scan_agrees_with_trial_near_the_nesting_limit(
            depth in 100usize..300, tail in "[\\[\\]{}\",:1a ]{0,120}") {
            let text = format!("{}{tail}{}", "[".repeat(depth), "]".repeat(depth));
            prop_assert_eq!(first_json_container(&text), first_json_container_by_trial(&text), "{:?}", text);
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
