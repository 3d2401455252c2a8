//! Finding the policy's response inside a trainer's query (prompt and
//! response as one text), so that no reward is ever given for text that came
//! from the prompt (docs/python-and-server.md, "Where the response starts").
//!
//! OpenRLHF sends `query = decode(prompt_tokens[-k:] + response_tokens)`
//! together with the prompt text: the prompt may have been cut on the left
//! (only its last `max_prompt_length` tokens were kept) and the tokenizer
//! round trip may have changed its spacing. A plain `strip_prefix` then fails
//! and the prompt's own `<think>`/`<answer>` example would be scored.
//!
//! The rule, in order:
//! 1. With a prompt: a query that begins with it exactly loses it (an empty
//!    prompt leaves the query whole). Else compare query and prompt with all whitespace removed.
//!    The query must begin with a tail of the prompt (the whole prompt, or
//!    its last characters after a left cut; a partial character that a cut
//!    left at the start, U+FFFD, is skipped). The longest such tail is taken
//!    and the response is everything after its last character. A tail
//!    shorter than [`MIN_TAIL`] non-space characters (and shorter than the
//!    prompt) is not trusted.
//! 2. Without a prompt, or when rule 1 finds none: the text after the last
//!    chat-template assistant marker ([`ASSISTANT_MARKERS`]).
//! 3. Otherwise the response cannot be found: [`QueryError`], and the
//!    caller scores nothing for that item.

use std::fmt;

/// The fewest non-space characters of the prompt's tail that must open the
/// query for it to count as the prompt (a shorter match can be chance).
pub const MIN_TAIL: usize = 16;

/// Chat-template markers that open the assistant's turn (ChatML/Qwen,
/// Llama 3, Llama 2/Mistral, Gemma, Phi-3, DeepSeek), searched last first.
pub const ASSISTANT_MARKERS: [&str; 6] = [
    "<|im_start|>assistant",
    "<|start_header_id|>assistant<|end_header_id|>",
    "[/INST]",
    "<start_of_turn>model",
    "<|assistant|>",
    "<｜Assistant｜>",
];

/// Why no response could be found in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

/// The response part of `query` (see the module's rule): the text after the
/// prompt's end, else after the last assistant marker.
pub fn response_of<'q>(query: &'q str, prompt: Option<&str>) -> Result<&'q str, QueryError> {
    if let Some(prompt) = prompt {
        // An empty prompt has no text that could be scored by mistake.
        if prompt.trim().is_empty() {
            return Ok(query);
        }
        if let Some(response) = query.strip_prefix(prompt) {
            return Ok(response);
        }
        if let Some(start) = after_prompt_tail(query, prompt) {
            return Ok(&query[start..]);
        }
    }
    if let Some(start) = after_assistant_marker(query) {
        return Ok(&query[start..]);
    }
    Err(QueryError(match prompt {
        Some(_) => "the query neither begins with (a tail of) its prompt nor has an assistant \
                    marker: the response cannot be told from the prompt, so nothing is scored"
            .into(),
        None => "no prompt given and no assistant marker in the query: the response cannot be \
                 told from the prompt, so nothing is scored"
            .into(),
    }))
}

/// The byte offset in `query` just after the longest tail of `prompt` that
/// opens it, whitespace ignored; `None` when that tail is too short.
fn after_prompt_tail(query: &str, prompt: &str) -> Option<usize> {
    let prompt: Vec<char> = prompt.chars().filter(|c| !c.is_whitespace()).collect();
    // The query's non-space characters with the byte offset just after each;
    // replacement characters a left cut may leave at the start are skipped.
    let mut ends: Vec<(char, usize)> = Vec::new();
    for (offset, c) in query.char_indices() {
        if c.is_whitespace() || (ends.is_empty() && c == char::REPLACEMENT_CHARACTER) {
            continue;
        }
        ends.push((c, offset + c.len_utf8()));
        if ends.len() == prompt.len() {
            break;
        }
    }
    let head: Vec<char> = ends.iter().map(|&(c, _)| c).collect();
    let overlap = longest_prefix_that_ends(&head, &prompt);
    let trusted = overlap >= MIN_TAIL.min(prompt.len()) && overlap > 0;
    trusted.then(|| ends[overlap - 1].1)
}

/// The length of the longest prefix of `head` that is a suffix of `text`
/// (the prefix function of `head`, run over `text`: linear time).
fn longest_prefix_that_ends(head: &[char], text: &[char]) -> usize {
    if head.is_empty() {
        return 0;
    }
    let mut fail = vec![0usize; head.len()];
    let mut k = 0;
    for i in 1..head.len() {
        while k > 0 && head[i] != head[k] {
            k = fail[k - 1];
        }
        if head[i] == head[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut matched = 0;
    for &c in text {
        while matched > 0 && (matched == head.len() || c != head[matched]) {
            matched = fail[matched - 1];
        }
        if c == head[matched] {
            matched += 1;
        }
    }
    matched
}

/// The byte offset just after the last assistant marker in `query`.
fn after_assistant_marker(query: &str) -> Option<usize> {
    ASSISTANT_MARKERS
        .iter()
        .filter_map(|m| query.rfind(m).map(|at| at + m.len()))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "<|im_start|>user\nPlease detect the segments. Output the thinking process \
        within <think> </think> and final answers within <answer> </answer> tags: <think> ... \
        </think> <answer> [] </answer><|im_end|>\n<|im_start|>assistant\n";

    /// The response found, leading whitespace (the prompt's last line end) dropped.
    fn found<'q>(query: &'q str, prompt: Option<&str>) -> Result<&'q str, QueryError> {
        response_of(query, prompt).map(str::trim_start)
    }

    #[test]
    fn an_exact_prompt_is_cut_off() {
        let query = format!("{PROMPT}<think>x</think><answer>[1]</answer>");
        assert_eq!(
            response_of(&query, Some(PROMPT)),
            Ok("<think>x</think><answer>[1]</answer>")
        );
    }

    #[test]
    fn a_prompt_cut_on_the_left_is_found_by_its_tail() {
        // OpenRLHF keeps the prompt's last tokens: the query starts inside it.
        for cut in [1, 20, 100, PROMPT.len() - 40] {
            let query = format!("{}random words", &PROMPT[cut..]);
            assert_eq!(found(&query, Some(PROMPT)), Ok("random words"), "{cut}");
        }
        // A partial character left by the cut is skipped.
        let query = format!("\u{fffd}{}random", &PROMPT[50..]);
        assert_eq!(found(&query, Some(PROMPT)), Ok("random"));
    }

    #[test]
    fn a_retokenised_prompt_with_other_spacing_is_found() {
        // A tokenizer round trip may drop or add spaces ("tags :" -> "tags:").
        let respaced = PROMPT
            .replace(" </think>", "</think>")
            .replace("\n", " \n ");
        let query = format!("{respaced} hello <answer>x</answer>");
        assert_eq!(found(&query, Some(PROMPT)), Ok("hello <answer>x</answer>"));
    }

    #[test]
    fn without_a_usable_prompt_the_assistant_marker_decides() {
        let query = format!("{PROMPT}reply");
        assert_eq!(response_of(&query, None), Ok("\nreply"));
        assert_eq!(
            response_of(&query, Some("another prompt entirely")),
            Ok("\nreply")
        );
        let err = response_of("no template here <answer>1</answer>", Some("a prompt")).unwrap_err();
        assert!(err.to_string().contains("nothing is scored"), "{err}");
        assert!(response_of("plain", None).is_err());
    }

    #[test]
    fn a_short_chance_overlap_is_not_trusted() {
        // The prompt ends with "ab", the response starts with "ab": two
        // characters are not enough to call it the prompt's tail.
        let prompt = "a long prompt that ends in ab";
        assert!(response_of("abc <answer>1</answer>", Some(prompt)).is_err());
        // A prompt shorter than MIN_TAIL must appear whole.
        assert_eq!(response_of("hi!yes", Some("hi!")), Ok("yes"));
    }

    #[test]
    fn the_overlap_is_linear_and_exact() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(longest_prefix_that_ends(&chars("abcX"), &chars("zzabc")), 3);
        assert_eq!(longest_prefix_that_ends(&chars("aaab"), &chars("aaaa")), 3);
        assert_eq!(longest_prefix_that_ends(&chars("ab"), &chars("ab")), 2);
        assert_eq!(longest_prefix_that_ends(&chars("x"), &chars("ab")), 0);
        assert_eq!(longest_prefix_that_ends(&[], &chars("ab")), 0);
    }
}
