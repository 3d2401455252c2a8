//! Messages for the person at the terminal, on stderr. Writing never fails
//! and never panics: a closed stderr (`2>&1 | head -1`) must not end a run
//! that is otherwise fine, so write errors are ignored here on purpose.

use std::io::Write;

/// Writes `cuebench: warning: MESSAGE` on stderr. Warnings never go to stdout,
/// so a JSON or CSV report stays machine-readable.
pub fn warning(message: &str) {
    line(&format!("cuebench: warning: {message}"));
}

/// Writes one line on stderr as it is (a newline is added).
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
