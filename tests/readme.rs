//! The README runs: every command it shows is executed, in README order, and
//! its output compared with what the README shows. The README is read when
//! the test runs, so a change to it is checked at once.
//!
//! How README code blocks are read:
//! - A line `$ COMMAND` inside a fenced block is a command (a line ending in
//!   `\` continues on the next). It runs with bash in a temporary folder that
//!   holds a copy of `examples/` and `taxonomy/`, with `cuebench` the binary
//!   under test, no `CUEBENCH_*` variables and a private vector cache. All
//!   commands share that folder, so a later one sees the files an earlier one
//!   wrote (`> baseline.json`, `init`).
//! - The lines after a command, up to the next `$` line or the end of the
//!   block, are its output: stdout and stderr together, as a terminal shows
//!   them. With no output shown the command must succeed and its output is
//!   not compared; with output shown the output decides (an error message may
//!   be the point).
//! - A line `...` stands for any number of lines; a line ending in `...`
//!   matches any line that starts with the text before it.
//! - Commands that cannot run in a test are in [`NOT_RUN`], each with the
//!   reason; they are the only ones skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands (by prefix) the test does not run, and why.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "cargo install",
        "builds a release binary (minutes); scripts/acceptance.sh runs it",
    ),
    (
        "bash scripts/setup.sh",
        "downloads from PyPI; the tests need its files already in place",
    ),
    (
        "bash scripts/judge-example.sh",
        "builds and starts the local LLM judge; tests/judge.rs runs the same two commands against it",
    ),
    (
        "cuebench bench",
        "times a CueBench-sized run: minutes in a debug build, and timings are not test outcomes",
    ),
];

/// One `$` command of the README and the output shown under it.
#[derive(Debug)]
struct Shown {
    /// 1-based README line of the `$`.
    line: usize,
    command: String,
    output: Vec<String>,
}

/// Every `$` command inside the README's fenced blocks, in order.
fn shown_commands(readme: &str) -> Vec<Shown> {
    let mut shown: Vec<Shown> = Vec::new();
    let (mut in_fence, mut in_command, mut continued) = (false, false, false);
    for (index, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            in_command = false;
            continue;
        }
        if !in_fence {
            continue;
        }
        let Some(last) = shown.last_mut().filter(|_| in_command) else {
            if let Some(command) = line.strip_prefix("$ ") {
                shown.push(new_command(index + 1, command, &mut continued));
                in_command = true;
            }
            continue;
        };
        if continued {
            last.command.push('\n');
            last.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            shown.push(new_command(index + 1, command, &mut continued));
        } else {
            last.output.push(line.trim_end().to_owned());
        }
    }
    shown
}

fn new_command(line: usize, command: &str, continued: &mut bool) -> Shown {
    *continued = command.ends_with('\\');
    Shown {
        line,
        command: command.to_owned(),
        output: Vec::new(),
    }
}

/// Whether `actual` lines match the `shown` pattern lines (see the module
/// comment for `...`).
fn matches(shown: &[String], actual: &[&str]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => match actual.split_first() {
            None => false,
            Some((line, more)) => line_matches(first, line) && matches(rest, more),
        },
    }
}

fn line_matches(shown: &str, actual: &str) -> bool {
    match shown.strip_suffix("...") {
        Some(prefix) => actual.starts_with(prefix),
        None => shown == actual,
    }
}

/// Lines without the blank ones at the end (a block's last blank line, a
/// final newline).
fn without_trailing_blanks<T: AsRef<str>>(lines: &[T]) -> &[T] {
    let keep = lines
        .iter()
        .rposition(|l| !l.as_ref().is_empty())
        .map_or(0, |i| i + 1);
    &lines[..keep]
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs one command as the README reader would, in `dir`; returns its exit
/// status and its output lines.
fn run(command: &str, dir: &Path) -> (bool, String) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_cuebench"));
    let bin_dir = binary.parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env_remove("CUEBENCH_GT")
        .env_remove("CUEBENCH_TAXONOMY")
        .env_remove("CUEBENCH_MODEL")
        .env_remove("CUEBENCH_DATA")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_readme_command_runs_and_prints_what_the_readme_shows() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = shown_commands(&readme);
    // A guard against a README (or parser) change that silently finds nothing.
    assert!(
        commands.len() >= 15,
        "only {} commands found",
        commands.len()
    );
    let dir = tempfile::tempdir().unwrap();
    for folder in ["examples", "taxonomy"] {
        copy_tree(&root.join(folder), &dir.path().join(folder));
    }
    let mut failures = Vec::new();
    for shown in &commands {
        if let Some((_, reason)) = NOT_RUN.iter().find(|(p, _)| shown.command.starts_with(p)) {
            eprintln!(
                "README.md:{}: not run ({reason}): {}",
                shown.line, shown.command
            );
            continue;
        }
        let (success, output) = run(&shown.command, dir.path());
        let actual: Vec<&str> = output.lines().map(str::trim_end).collect();
        let expected = without_trailing_blanks(&shown.output);
        let ok = match expected.is_empty() {
            true => success,
            false => matches(expected, without_trailing_blanks(&actual)),
        };
        if !ok {
            failures.push(format!(
                "README.md:{}: $ {}\n--- shown\n{}\n--- actual (success: {success})\n{output}",
                shown.line,
                shown.command,
                shown.output.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn commands_and_outputs_are_read_from_fenced_blocks_only() {
    let readme = "text\n$ not a command\n```\n$ cuebench a \\\n  --b\nout 1\n\n$ cuebench c\n```\n```sh\n$ cuebench d\n```\n";
    let shown = shown_commands(readme);
    let seen: Vec<_> = shown
        .iter()
        .map(|s| (s.line, s.command.as_str(), s.output.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                4,
                "cuebench a \\\n  --b",
                vec!["out 1".to_owned(), String::new()]
            ),
            (8, "cuebench c", vec![]),
            (11, "cuebench d", vec![]),
        ]
    );
}

#[test]
fn ellipses_match_any_lines_or_any_line_ending() {
    let shown = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(matches(&shown(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&shown(&["a", "...", "b"]), &["a", "b"]));
    assert!(!matches(&shown(&["a", "...", "d"]), &["a", "b"]));
    assert!(matches(
        &shown(&["cuebench 0.2.0 (..."]),
        &["cuebench 0.2.0 (abc1234)"]
    ));
    assert!(!matches(&shown(&["a"]), &["a", "b"]));
    assert!(!matches(&shown(&["x..."]), &["y"]));
}
