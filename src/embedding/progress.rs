//! Progress of a long embedding run on stderr: a bar on a terminal; in a log
//! (CI, a cluster job: stderr is a file or a pipe) a start line, a line every
//! few seconds and a closing line, since a bar's redraws are unreadable there.
//! Nothing with `--quiet` or when there is little to do.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::console;

/// Misses below this count embed without progress: they take well under a
/// second.
const MIN_TEXTS: usize = 256;

/// How often a log gets a progress line.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Progress of embedding `total` texts.
pub(crate) struct Progress {
    total: usize,
    done: usize,
    shown: Shown,
}

/// How progress shows.
enum Shown {
    Nothing,
    Bar(ProgressBar),
    Lines { started: Instant, last: Instant },
}

impl Progress {
    /// Starts showing progress as stderr allows (see the module comment).
    pub(crate) fn start(total: usize, quiet: bool) -> Progress {
        let shown = if quiet || total < MIN_TEXTS {
            Shown::Nothing
        } else if std::io::stderr().is_terminal() {
            Shown::Bar(bar(total))
        } else {
            console::line(&format!("cuebench: embedding {total} texts"));
            let now = Instant::now();
            Shown::Lines {
                started: now,
                last: now,
            }
        };
        Progress {
            total,
            done: 0,
            shown,
        }
    }

    /// Records `n` more texts embedded.
    pub(crate) fn advance(&mut self, n: usize) {
        self.done += n;
        match &mut self.shown {
            Shown::Nothing => {}
            Shown::Bar(bar) => bar.inc(n as u64),
            Shown::Lines { started, last } => {
                let now = Instant::now();
                if now.duration_since(*last) >= LINE_EVERY {
                    *last = now;
                    console::line(&progress_line(
                        self.done,
                        self.total,
                        now.duration_since(*started),
                    ));
                }
            }
        }
    }

    /// Clears the bar, or closes the log with the time taken.
    pub(crate) fn finish(self) {
        match self.shown {
            Shown::Nothing => {}
            Shown::Bar(bar) => bar.finish_and_clear(),
            Shown::Lines { started, .. } => console::line(&format!(
                "cuebench: embedded {} texts in {:.1} s",
                self.done,
                started.elapsed().as_secs_f64()
            )),
        }
    }
}

/// One log line: how far, how fast, how long to go.
fn progress_line(done: usize, total: usize, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    };
    let eta = if rate > 0.0 {
        format!(
            ", about {:.0} s left",
            total.saturating_sub(done) as f64 / rate
        )
    } else {
        String::new()
    };
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!("cuebench: embedding {done}/{total} texts ({percent}%), {rate:.0} texts/s{eta}")
}

/// The terminal bar.
fn bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "embedding {wide_bar} {human_pos}/{human_len} texts, eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_says_how_far_how_fast_and_how_long_to_go() {
        // 1000 of 4000 texts in 10 s: 100 texts/s, 3000 left -> 30 s.
        assert_eq!(
            progress_line(1000, 4000, Duration::from_secs(10)),
            "cuebench: embedding 1000/4000 texts (25%), 100 texts/s, about 30 s left"
        );
        // At the very start there is no rate yet, so no estimate.
        assert_eq!(
            progress_line(0, 300, Duration::ZERO),
            "cuebench: embedding 0/300 texts (0%), 0 texts/s"
        );
    }
}
