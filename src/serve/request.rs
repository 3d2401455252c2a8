//! `POST /reward`'s body parser: `{"completions": [line, ...]}`, each line
//! kept as its JSON text and read alone by the CLI's line parser, so one
//! unreadable completion (a lone surrogate, a number out of range, nesting
//! too deep, over 1 MiB) is one `parse_failed` answer, as in the CLI stream,
//! and not a 400 for the batch. Pure: the fuzzer drives it.

use serde::Deserialize;
use serde_json::value::RawValue;

/// The body's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RewardRequest<'a> {
    /// Each completion as its JSON text (validated, not built).
    #[serde(borrow)]
    completions: Vec<&'a RawValue>,
}

/// The JSON text of each completion of a `/reward` body, in order, or what
/// is wrong with the body as a whole.
pub fn reward_completions(body: &[u8]) -> Result<Vec<&str>, String> {
    let request: RewardRequest = serde_json::from_slice(body)
        .map_err(|e| format!("request body: expected {{\"completions\": [...]}}: {e}"))?;
    Ok(request.completions.iter().map(|c| c.get()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_completions_are_kept_as_text_for_the_line_parser() {
        let body = br#"{"completions": [{"id": "a"}, "\ud800", 1e400, [[[1]]]]}"#;
        assert_eq!(
            reward_completions(body).unwrap(),
            [r#"{"id": "a"}"#, r#""\ud800""#, "1e400", "[[[1]]]"]
        );
        assert!(
            reward_completions(br#"{"completions": 5}"#)
                .unwrap_err()
                .starts_with("request body: expected")
        );
    }
}
