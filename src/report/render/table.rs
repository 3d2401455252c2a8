//! Fixed-width text for a terminal. Widths are counted in characters and
//! padding is written by hand, never with a `{:width$}` argument, and names
//! longer than [`LONGEST`] characters are elided in the middle ([`fit`]):
//! no input, however long, can break the layout or the printer.

use std::borrow::Cow;
use std::fmt::Write;

use super::{Renderer, any_small, cell, small_note};
use crate::model::ResultsDocument;
use crate::report::compare::Comparison;
use crate::report::leaderboard::{Board, Rank};
use crate::report::numbers::{format_percent, percent};

/// The readable default.
pub struct Table;

/// The most characters a name (a model, a group, a task, a figure) takes in
/// a table; a longer one shows its start and end around `…`.
pub const LONGEST: usize = 64;

/// `text` cut to at most [`LONGEST`] characters: the first and last
/// characters kept around `…`, so names differing at either end stay apart.
pub fn fit(text: &str) -> Cow<'_, str> {
    let count = text.chars().count();
    if count <= LONGEST {
        return Cow::Borrowed(text);
    }
    let head = (LONGEST - 1) / 2;
    let tail = LONGEST - 1 - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    Cow::Owned(out)
}

/// The characters `text` takes.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` then spaces up to `width` characters (left-aligned).
fn left(text: &str, width: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(self::width(text)),
    ));
    out
}

/// Spaces then `text` up to `width` characters (right-aligned).
fn right(text: &str, width: usize) -> String {
    let mut out: String =
        std::iter::repeat_n(' ', width.saturating_sub(self::width(text))).collect();
    out.push_str(text);
    out
}

impl Renderer for Table {
    /// One block per task: figures, counts, signature.
    fn results(&self, document: &ResultsDocument) -> String {
        let mut out = String::new();
        for r in document.results.iter().map(|e| &e.result) {
            let c = &r.counts;
            let _ = writeln!(out, "{} / {}", r.benchmark, r.task);
            let names: Vec<Cow<str>> = r.metrics.iter().map(|m| fit(&m.name)).collect();
            let name_width = names.iter().map(|n| width(n)).max().unwrap_or(0);
            for (m, name) in r.metrics.iter().zip(&names) {
                let _ = writeln!(
                    out,
                    "  {}  {}{}",
                    left(name, name_width),
                    right(&percent(m.value), 6),
                    m.ci.map_or_else(String::new, |ci| format!(
                        "  [{}, {}]",
                        percent(ci.low),
                        percent(ci.high)
                    ))
                );
            }
            let _ = writeln!(
                out,
                "  samples {} | scored {} | missing {} | parse_failed {} | dropped intervals {} | unknown ids {} | format {}%",
                c.samples,
                c.scored,
                c.missing,
                c.parse_failed,
                c.dropped_intervals,
                c.unknown_ids,
                percent(format_percent(r))
            );
            if is_judged(&r.signature) {
                let _ = writeln!(out, "  judge_failed {}", c.judge_failed);
            }
            let _ = writeln!(out, "  {}", r.signature);
        }
        out
    }

    /// A table per task with groups, small groups marked `*`.
    fn groups(&self, document: &ResultsDocument) -> String {
        let mut out = String::new();
        for entry in document.results.iter().filter(|e| !e.groups.is_empty()) {
            let (result, groups) = (&entry.result, &entry.groups);
            let column = groups
                .iter()
                .flat_map(|g| &g.metrics)
                .map(|m| width(&cell(m)))
                .max()
                .unwrap_or(0)
                .max(8);
            let labels: Vec<String> = groups
                .iter()
                .map(|g| fit(&format!("{}: {}", g.by, g.group)).into_owned())
                .collect();
            let label_width = labels.iter().map(|l| width(l) + 1).max().unwrap_or(0);
            let _ = writeln!(out, "\n{} / {} by group", result.benchmark, result.task);
            let _ = write!(
                out,
                "  {} {}",
                left("group", label_width),
                right("samples", 7)
            );
            for m in &result.metrics {
                let _ = write!(out, " {}", right(&fit(&m.name), column));
            }
            out.push('\n');
            for (g, label) in groups.iter().zip(&labels) {
                let mark = if g.small { "*" } else { " " };
                let _ = write!(
                    out,
                    "  {} {}{mark}",
                    left(label, label_width),
                    right(&g.samples.to_string(), 6)
                );
                for m in &g.metrics {
                    let _ = write!(out, " {}", right(&cell(m), column));
                }
                out.push('\n');
            }
        }
        if any_small(document) {
            out.push_str(&small_note());
        }
        out
    }

    /// Fixed-width columns under their group headings; best marked `*`,
    /// second-best `+` (legend below).
    fn leaderboard(&self, board: &Board) -> String {
        let mark = |r: Rank| match r {
            Some(1) => "*",
            Some(2) => "+",
            _ => " ",
        };
        let body: Vec<Vec<String>> = board
            .ranks
            .iter()
            .enumerate()
            .map(|(row, rs)| {
                rs.iter()
                    .enumerate()
                    .map(|(c, r)| format!("{}{}", board.text(row, c), mark(*r)))
                    .collect()
            })
            .collect();
        let metrics: Vec<Cow<str>> = board
            .layout
            .columns
            .iter()
            .map(|c| fit(&c.metric))
            .collect();
        let widths: Vec<usize> = metrics
            .iter()
            .enumerate()
            .map(|(c, metric)| {
                body.iter()
                    .map(|row| width(&row[c]))
                    .chain([width(metric) + 1])
                    .max()
                    .unwrap_or(0)
                    + 2
            })
            .collect();
        let names: Vec<Cow<str>> = board.names().into_iter().map(fit).collect();
        let name_width = names.iter().map(|n| width(n)).chain([5]).max().unwrap_or(5);
        let (groups, metrics) = leaderboard_header(board, &metrics, &widths, name_width);
        let mut out = format!("{}\n{}\n", groups.trim_end(), metrics.trim_end());
        for (name, row) in names.iter().zip(&body) {
            let mut line = left(name, name_width);
            for (cell, w) in row.iter().zip(&widths) {
                line.push_str(&right(cell, *w));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if board.ranked() {
            let _ = writeln!(out, "* best, + second-best (per column, as printed)");
        }
        if let [run] = board.runs.as_slice() {
            let counts: Vec<String> = run
                .document
                .results
                .iter()
                .map(|e| {
                    format!(
                        "{} {}/{}",
                        fit(&e.result.task),
                        e.result.counts.scored,
                        e.result.counts.samples
                    )
                })
                .collect();
            let _ = writeln!(out, "scored: {}", counts.join(", "));
        }
        let _ = writeln!(out, "{}", board.signature);
        out
    }

    /// A header line, one aligned line per figure, the summary.
    fn comparison(&self, comparison: &Comparison) -> String {
        let (header, rows) = comparison.grid(false);
        // The task and figure columns hold names; the others numbers.
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .map(|(i, c)| if i < 2 { fit(&c).into_owned() } else { c })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|c| {
                rows.iter()
                    .map(|r| width(&r[c]))
                    .chain([width(&header[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let text: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| if i < 2 { left(c, *w) } else { right(c, *w) })
                .collect();
            format!("{}\n", text.join("  ").trim_end())
        };
        let mut out = format!("compare {}\n", comparison.header());
        out.push_str(&line(&header));
        for row in &rows {
            out.push_str(&line(row));
        }
        let _ = writeln!(out, "{}", comparison.summary());
        out
    }
}

/// Whether an LLM judge scored the result (its signature names one).
fn is_judged(signature: &str) -> bool {
    crate::signature::Signature::parse(signature).is_some_and(|s| s.get("judge").is_some())
}

/// The leaderboard's two header lines: the group headings, each spanning
/// its columns, and the figure names, right-aligned.
fn leaderboard_header(
    board: &Board,
    metrics: &[Cow<str>],
    widths: &[usize],
    name_width: usize,
) -> (String, String) {
    let columns = &board.layout.columns;
    let mut groups = left("", name_width);
    let mut line = left("model", name_width);
    let mut c = 0;
    while c < columns.len() {
        let heading = &columns[c].heading;
        let span: usize = columns[c..]
            .iter()
            .zip(&widths[c..])
            .take_while(|(col, _)| &col.heading == heading)
            .map(|(_, w)| *w)
            .sum();
        groups.push_str(&left(&format!("  {}", fit(heading)), span));
        while c < columns.len() && &columns[c].heading == heading {
            line.push_str(&right(&format!("{} ", metrics[c]), widths[c]));
            c += 1;
        }
    }
    (groups, line)
}
