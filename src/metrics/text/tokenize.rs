//! The tokenisers the reference implementations use.

use super::porter::porter_stem;

/// Python's `str.isspace()` for one character: Unicode White_Space plus the
/// four information separators U+001C..U+001F, which Python counts and
/// Rust's [`char::is_whitespace`] does not.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `text.split()`: the tokens between runs of whitespace. This is
/// the tokenisation used for BLEU and METEOR (nltk expects pre-tokenised input).
pub fn whitespace_tokens(text: &str) -> Vec<&str> {
    text.split(is_python_space)
        .filter(|t| !t.is_empty())
        .collect()
}

/// `rouge_score.tokenize.tokenize`: lower-case, every run of characters
/// outside `[a-z0-9]` becomes a separator, tokens longer than 3 characters
/// are Porter-stemmed when `stem` is set, empty tokens are dropped.
pub fn rouge_tokens(text: &str, stem: bool) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|t| !t.is_empty())
        .map(|t| {
            if stem && t.len() > 3 {
                porter_stem(t)
            } else {
                t.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_tokens_match_python_split() {
        // "\tthe  car\x1fstopped\u{a0}" splits like Python: U+001F and the
        // no-break space are both whitespace to str.split().
        assert_eq!(
            whitespace_tokens("\tthe  car\u{1f}stopped\u{a0}"),
            ["the", "car", "stopped"]
        );
        assert!(whitespace_tokens(" \n ").is_empty());
    }

    #[test]
    fn rouge_tokens_lowercase_split_and_stem() {
        // "Cars!!" -> "cars" -> stem "car"; "a" is too short to stem; the
        // apostrophe separates "man" and "s"; "é" is not [a-z0-9] so it splits.
        assert_eq!(
            rouge_tokens("Cars!! a man's café", true),
            ["car", "a", "man", "s", "caf"]
        );
        assert_eq!(rouge_tokens("Running dogs", false), ["running", "dogs"]);
        assert!(rouge_tokens("!!! ...", true).is_empty());
    }
}
