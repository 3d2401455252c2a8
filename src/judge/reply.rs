//! The strict reader of a judge's reply (docs/judge.md, "Reading the
//! reply"): the first JSON object in it, fenced or bare; every criterion of
//! the rubric present as an in-range number (a whole number where the rubric
//! says so). Anything else is unreadable, and says why.

use serde_json::{Map, Value};

use super::rubric::Rubric;

/// A readable reply: one score per criterion (in the rubric's order) and
/// the judge's comment, if it wrote one.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The scores, in [`Rubric::criteria`] order.
    pub scores: Vec<f64>,
    /// The `comment` string (or the `comments` value, as compact JSON).
    pub comment: Option<String>,
}

/// Reads `reply` for `rubric`; `Err` says why it cannot be read.
pub fn read_reply(rubric: Rubric, reply: &str) -> Result<Verdict, String> {
    let object = first_object(reply).ok_or("no JSON object in the reply")?;
    let scores = rubric
        .criteria()
        .iter()
        .map(|c| {
            let value = object
                .get(c.key)
                .ok_or_else(|| format!("`{}` is missing", c.key))?;
            let score = value
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("`{}` is {value}, not a number", c.key))?;
            if !(0.0..=c.max).contains(&score) {
                return Err(format!("`{}` is {score}, outside 0..{}", c.key, c.max));
            }
            if c.integer && score.fract() != 0.0 {
                return Err(format!("`{}` is {score}, not a whole number", c.key));
            }
            Ok(score)
        })
        .collect::<Result<Vec<f64>, String>>()?;
    let comment = match object.get("comment").or_else(|| object.get("comments")) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    Ok(Verdict { scores, comment })
}

/// The first JSON object of the text inside the first fenced block (```
/// or ```json), or of the whole reply when it has no fence.
fn first_object(reply: &str) -> Option<Map<String, Value>> {
    let text = fenced(reply).unwrap_or(reply);
    text.match_indices('{').find_map(|(start, _)| {
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(Value::Object(map))) => Some(map),
            _ => None,
        }
    })
}

/// The content of the first complete fenced block.
fn fenced(reply: &str) -> Option<&str> {
    let open = reply.find("```")?;
    let after = &reply[open + 3..];
    // The info string (`json`) runs to the end of the fence's line.
    let body = after.find('\n').map_or(after, |nl| &after[nl + 1..]);
    body.find("```").map(|close| &body[..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_fenced_and_chatty_replies_are_read() {
        let bare = r#"{"reasonability": 0.5, "detail": 1, "consistency": 0, "comment": "ok"}"#;
        let v = read_reply(Rubric::VadReasoning, bare).unwrap();
        assert_eq!(v.scores, vec![0.5, 1.0, 0.0]);
        assert_eq!(v.comment.as_deref(), Some("ok"));

        let fenced = "Here you go:\n```json\n{\"reasonability\": 0.25, \"detail\": 0.5, \"consistency\": 0.75}\n```\nThanks {not json}";
        let v = read_reply(Rubric::VadReasoning, fenced).unwrap();
        assert_eq!(v.scores, vec![0.25, 0.5, 0.75]);
        assert_eq!(v.comment, None);

        // Text before the object, a stray brace, and a second object after it.
        let chatty = "Sure {. {\"classification\": 7, \"key_matching\": 6.0, \"fluency\": 10, \"informativeness\": 0, \"factual\": 3, \"comments\": {\"a\": \"b\"}} {\"x\": 1}";
        let v = read_reply(Rubric::VauEval, chatty).unwrap();
        assert_eq!(v.scores, vec![7.0, 6.0, 10.0, 0.0, 3.0]);
        assert_eq!(v.comment.as_deref(), Some(r#"{"a":"b"}"#));
    }

    #[test]
    fn unreadable_replies_say_why() {
        let cases = [
            ("I think it is good.", "no JSON object"),
            (
                r#"{"reasonability": 0.5, "detail": 1}"#,
                "`consistency` is missing",
            ),
            (
                r#"{"reasonability": "0.5", "detail": 1, "consistency": 0}"#,
                "not a number",
            ),
            (
                r#"{"reasonability": 1.5, "detail": 1, "consistency": 0}"#,
                "outside 0..1",
            ),
            (
                r#"{"reasonability": -0.1, "detail": 1, "consistency": 0}"#,
                "outside",
            ),
        ];
        for (reply, why) in cases {
            let err = read_reply(Rubric::VadReasoning, reply).unwrap_err();
            assert!(err.contains(why), "{reply}: {err}");
        }
        let half = r#"{"classification": 7.5, "key_matching": 6, "fluency": 10, "informativeness": 0, "factual": 3}"#;
        assert!(
            read_reply(Rubric::VauEval, half)
                .unwrap_err()
                .contains("not a whole number")
        );
        // The first object is the one read: a later, valid one does not rescue it.
        let two = r#"{"reasonability": 2, "detail": 1, "consistency": 0} {"reasonability": 1, "detail": 1, "consistency": 0}"#;
        assert!(read_reply(Rubric::VadReasoning, two).is_err());
    }
}
