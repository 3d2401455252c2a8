//! Messages for the person at the terminal, on stderr. Writing never fails
//! and never panics: a closed stderr (`2>&1 | head -1`) must not end a run
//! that is otherwise fine, so write errors are ignored here on purpose.

use std::io::Write;

/// Writes `cuebench: warning: MESSAGE` on stderr. Warnings never go to stdout,
/// so a JSON or CSV report stays machine-readable.
pub fn warning(message: &str) {
    line(&format!("cuebench: warning: {message}"));
}

/// Writes one line on stderr (a newline is added). Control characters in
/// `text` (a newline inside an id, a multi-line message from ONNX Runtime)
/// are escaped, so one message is always one line.
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", one_line(text));
}

/// `text` with every control character written as its Rust escape (`\n`,
/// `\r`, `\t`, `\u{1b}`).
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("id `a\nb`\tx\u{1b}"), "id `a\\nb`\\tx\\u{1b}");
        assert_eq!(one_line("plain é"), "plain é");
    }
}
