//! Answer parsers that follow the VAU-R1 reference scripts
//! (`src/evaluation/inference_qa_qwen.py`, `evaluation_tag.py`,
//! `evaluation_cls.py` in GVCLab/VAU-R1), rewritten without regular
//! expressions. Each returns `None` where the reference finds nothing or
//! crashes; the caller scores that 0 and counts it as `parse_failed`.

use html5gum::{Token, Tokenizer};

use super::classes::CLASS_NAMES;

/// The option letter of a multiple-choice answer, upper case (VAU-R1
/// `clean_model_answer`): the letter of `<answer> X </answer>`, else of a
/// `<X>` or `<X/>` tag, else the last standalone A-D (either case) after the
/// last `</think>`, else the last standalone A-D anywhere.
pub fn qa_letter(response: &str) -> Option<char> {
    answer_tag_letter(response)
        .or_else(|| bare_tag_letter(response))
        .or_else(|| after_last_think(response).and_then(last_standalone_letter))
        .or_else(|| last_standalone_letter(response))
        .map(|c| c.to_ascii_uppercase())
}

fn is_option_letter(c: char) -> bool {
    matches!(c.to_ascii_uppercase(), 'A'..='D')
}

/// First `<answer>\s*X\s*</answer>` (tags in any case).
fn answer_tag_letter(text: &str) -> Option<char> {
    find_all_ignore_case(text, "<answer>").find_map(|start| {
        let rest = text[start + "<answer>".len()..].trim_start();
        let letter = rest.chars().next().filter(|&c| is_option_letter(c))?;
        let after = rest[letter.len_utf8()..].trim_start();
        starts_with_ignore_case(after, "</answer>").then_some(letter)
    })
}

/// First `<\s*X\s*/?\s*>`.
fn bare_tag_letter(text: &str) -> Option<char> {
    text.match_indices('<').find_map(|(start, _)| {
        let rest = text[start + 1..].trim_start();
        let letter = rest.chars().next().filter(|&c| is_option_letter(c))?;
        let after = rest[letter.len_utf8()..].trim_start();
        let after = after.strip_prefix('/').unwrap_or(after).trim_start();
        after.starts_with('>').then_some(letter)
    })
}

/// The text after the last `</think>` (any case); `None` without one.
fn after_last_think(text: &str) -> Option<&str> {
    find_all_ignore_case(text, "</think>")
        .last()
        .map(|start| &text[start + "</think>".len()..])
}

/// The last A-D (either case) with no ASCII letter or digit on either side.
fn last_standalone_letter(text: &str) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    let boxed = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(char::is_ascii_alphanumeric)
    };
    (0..chars.len())
        .rev()
        .find(|&i| is_option_letter(chars[i]) && !boxed(i.checked_sub(1)) && !boxed(Some(i + 1)))
        .map(|i| chars[i])
}

/// Byte offsets of every occurrence of the ASCII `needle`, ignoring ASCII case.
fn find_all_ignore_case<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    (0..text.len())
        .filter(move |&i| text.is_char_boundary(i) && starts_with_ignore_case(&text[i..], needle))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The predicted `[start, end]` span in seconds (VAU-R1 `parse_html`): the
/// content of the first one-line `<glue>...</glue>`, else of the first
/// one-line `[...]`; every character but `0-9 : . , -` removed; exactly two
/// comma-separated fields; clock times (`MM:SS`, `HH:MM:SS`, optional
/// fraction) when both fields contain `:`, plain seconds otherwise.
///
/// `None` where the reference returns its `(0, 0)` fallback or raises.
pub fn grounding_span(response: &str) -> Option<(f64, f64)> {
    let inner = first_enclosed(response, "<glue>", "</glue>")
        .or_else(|| first_enclosed(response, "[", "]"))?;
    let kept: String = inner
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | ',' | '-'))
        .collect();
    let (start, end) = kept.split_once(',')?;
    if end.contains(',') {
        return None;
    }
    if start.contains(':') && end.contains(':') {
        Some((clock_seconds(start)?, clock_seconds(end)?))
    } else {
        Some((plain_seconds(start)?, plain_seconds(end)?))
    }
}

/// Content of the first `open ... close` pair on one line (Python's
/// non-greedy `open(.*?)close`, where `.` does not match a newline).
fn first_enclosed<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    text.match_indices(open).find_map(|(start, _)| {
        let rest = &text[start + open.len()..];
        let end = rest.find(close)?;
        let inner = &rest[..end];
        (!inner.contains('\n')).then_some(inner)
    })
}

/// Python `float()` on a string of digits, `.` and `-`.
fn plain_seconds(field: &str) -> Option<f64> {
    // Rust accepts "+1", "inf" and exponents, none of which can survive the
    // character filter, so the two grammars agree on what remains.
    field.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `time_to_seconds` of the reference: `strptime` with `%M:%S` or
/// `%H:%M:%S`, plus `.%f` when a fraction follows (a second `.` and what
/// follows it are dropped first).
fn clock_seconds(field: &str) -> Option<f64> {
    let fields = field.split(':').count();
    let truncated = match field.match_indices('.').nth(1) {
        Some((second_dot, _)) => &field[..second_dot],
        None => field,
    };
    let (clock, fraction) = match truncated.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (truncated, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() != fields {
        return None;
    }
    let whole = match parts.as_slice() {
        [m, s] => clock_field(m, 59)? * 60 + clock_field(s, 59)?,
        [h, m, s] => clock_field(h, 23)? * 3600 + clock_field(m, 59)? * 60 + clock_field(s, 59)?,
        _ => return None,
    };
    let micros = fraction.map_or(Some(0), microseconds)?;
    Some(whole as f64 + micros as f64 / 1_000_000.0)
}

/// One `strptime` clock field: one or two ASCII digits, at most `max`.
fn clock_field(text: &str, max: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|&v| v <= max)
}

/// `%f`: one to six ASCII digits, right-padded with zeros to microseconds.
fn microseconds(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{text:0<6}");
    padded.parse::<u32>().ok()
}

/// The first of the 20 VAU-Bench classes named in the answer (VAU-R1
/// `extract_options`): inside the first `answer` element when the response
/// has one (see `answer_element`), else the whole response; names match
/// case-insensitively as whole words, with a run of spaces or underscores
/// between their words.
pub fn cls_class(response: &str) -> Option<&'static str> {
    let element = answer_element(response);
    let text = element.as_deref().unwrap_or(response);
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .filter(|&i| i == 0 || !is_word_char(chars[i - 1]))
        .find_map(|i| {
            CLASS_NAMES
                .into_iter()
                .find(|name| class_at(&chars, i, name))
        })
}

/// The text of the first `answer` element, read the way the reference's HTML
/// parser (BeautifulSoup over Python's `html.parser`) reads it: tag names in
/// any case; comments skipped; character references decoded; nested tags
/// dropped but their text kept; a self-closing `<answer/>` is an empty
/// element; an element never closed runs to the end. `None` without one.
fn answer_element(response: &str) -> Option<String> {
    let is_answer = |name: &[u8]| name.eq_ignore_ascii_case(b"answer");
    let mut depth = 0usize;
    let mut text = String::new();
    for token in Tokenizer::new(response).flatten() {
        match token {
            Token::StartTag(tag) if is_answer(&tag.name) => {
                if tag.self_closing {
                    if depth == 0 {
                        return Some(String::new());
                    }
                } else {
                    depth += 1;
                }
            }
            Token::EndTag(tag) if is_answer(&tag.name) && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Some(text);
                }
            }
            Token::String(s) if depth > 0 => text.push_str(&String::from_utf8_lossy(&s)),
            _ => {}
        }
    }
    (depth > 0).then_some(text)
}

/// Python's `\w`: a Unicode letter or digit, or `_`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_separator(c: char) -> bool {
    c == '_' || c.is_whitespace()
}

/// Whether `name` (words split at `_` or space) starts at `chars[at]` and
/// ends at a word boundary.
fn class_at(chars: &[char], at: usize, name: &str) -> bool {
    let mut pos = at;
    for (n, word) in name.split(['_', ' ']).enumerate() {
        if n > 0 {
            // The reference's pattern also accepts no separator, but its
            // lookup of the normalised match then drops such a match.
            let before = pos;
            while chars.get(pos).copied().is_some_and(is_separator) {
                pos += 1;
            }
            if pos == before {
                return false;
            }
        }
        for expected in word.chars() {
            match chars.get(pos) {
                Some(c) if c.eq_ignore_ascii_case(&expected) => pos += 1,
                _ => return false,
            }
        }
    }
    !chars.get(pos).copied().is_some_and(is_word_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qa_letter_prefers_the_answer_tag() {
        assert_eq!(
            qa_letter("<think>A or B?</think><answer> c </answer>"),
            Some('C')
        );
        assert_eq!(qa_letter("<ANSWER>D</Answer>"), Some('D'));
        // Not a lone letter inside the tag: falls through to the later rules.
        assert_eq!(qa_letter("<answer>B.</answer>"), Some('B'));
    }

    #[test]
    fn qa_letter_reads_bare_letter_tags() {
        assert_eq!(qa_letter("it is <b/> clearly, A"), Some('B'));
        assert_eq!(qa_letter("< C >"), Some('C'));
    }

    #[test]
    fn qa_letter_takes_the_last_standalone_letter_after_think() {
        // After </think>: "a" (lower case counts, as in the reference) is last.
        assert_eq!(
            qa_letter("<think>B</think> the answer is D, a guess"),
            Some('A')
        );
        // Nothing standalone after </think>: the whole text is searched.
        assert_eq!(qa_letter("<think>maybe C</think>none"), Some('C'));
        // Letters inside words do not count.
        assert_eq!(qa_letter("Bad Code"), None);
        assert_eq!(qa_letter(""), None);
        assert_eq!(qa_letter("option (B)"), Some('B'));
        assert_eq!(qa_letter("1B 2"), None);
    }

    #[test]
    fn grounding_span_reads_glue_then_brackets() {
        assert_eq!(
            grounding_span("<answer>Anomaly</answer><glue>[3.5, 10]</glue>"),
            Some((3.5, 10.0))
        );
        assert_eq!(grounding_span("from [2, 4] seconds"), Some((2.0, 4.0)));
        // A glue that spans lines does not match; the brackets inside it do.
        assert_eq!(grounding_span("<glue>[1, 2]\n</glue>"), Some((1.0, 2.0)));
        assert_eq!(grounding_span("no span"), None);
        assert_eq!(grounding_span("<glue>[1, 2, 3]</glue>"), None);
        assert_eq!(grounding_span("<glue>[, 2]</glue>"), None);
    }

    #[test]
    fn grounding_span_reads_clock_times() {
        // 1:30 = 90 s; 01:02:03.5 = 3723.5 s.
        assert_eq!(
            grounding_span("<glue>[1:30, 01:02:03.5]</glue>"),
            Some((90.0, 3723.5))
        );
        // A second dot and what follows it are dropped: 0:05.25.9 -> 5.25 s.
        assert_eq!(grounding_span("[0:05.25.9, 0:06]"), Some((5.25, 6.0)));
        // Out-of-range fields, too many digits or too many colons: unreadable.
        assert_eq!(grounding_span("[0:60, 1:00]"), None);
        assert_eq!(grounding_span("[24:00:00, 0:1:0]"), None);
        assert_eq!(grounding_span("[0:1.1234567, 0:2]"), None);
        assert_eq!(grounding_span("[1:2:3:4, 0:2]"), None);
        // Only one side a clock time: plain float parsing fails.
        assert_eq!(grounding_span("[1:30, 95]"), None);
    }

    #[test]
    fn cls_class_finds_the_first_whole_class_name() {
        assert_eq!(
            cls_class("<answer> traffic accident </answer>"),
            Some("Traffic_accident")
        );
        // The reference's pattern matches "TrafficAccident" but its lookup
        // drops it, so the scan goes on to the next name.
        assert_eq!(cls_class("TrafficAccident, Fire"), Some("Fire"));
        assert_eq!(cls_class("Robbery, then Fighting"), Some("Robbery"));
        // Inside the first <answer> only; unclosed runs to the end.
        assert_eq!(cls_class("Fire <answer>Normal"), Some("Normal"));
        // Whole words only: "Firefighting" holds neither Fire nor Fighting.
        assert_eq!(cls_class("Firefighting"), None);
        assert_eq!(cls_class("_Fire"), None);
        assert_eq!(cls_class("Absence_of_anomaly"), None);
    }

    #[test]
    fn cls_answer_element_is_chosen_as_an_html_parser_would() {
        // The first element in any letter case, not the first lower-case one.
        assert_eq!(
            cls_class("<Answer>Fire</Answer> then <answer>Normal</answer>"),
            Some("Fire")
        );
        // `<answer/>` is an empty element: nothing is read from it, and the
        // later element is not looked at.
        assert_eq!(cls_class("<answer/>Robbery. <answer>Normal</answer>"), None);
        // A commented-out element does not exist.
        assert_eq!(
            cls_class("<!-- <answer>Fire</answer> --> <answer>Normal</answer>"),
            Some("Normal")
        );
        // Entities are decoded, nested tags dropped with their text kept.
        assert_eq!(cls_class("<answer>Fi&#114;e</answer>"), Some("Fire"));
        assert_eq!(
            cls_class("<answer><b>Traffic</b> accident</answer>"),
            Some("Traffic_accident")
        );
        // A nested element closes its own tag, not the outer one.
        assert_eq!(
            cls_class("<answer><answer>x</answer> Arson</answer> Fire"),
            Some("Arson")
        );
        // Attributes do not matter; a stray end tag opens nothing.
        assert_eq!(
            cls_class("</answer> Fire <ANSWER class=a>Arrest</ANSWER>"),
            Some("Arrest")
        );
        // No element at all: the whole response.
        assert_eq!(cls_class("Normal, I think"), Some("Normal"));
    }
}
