//! The layering rule, kept by a test: `lib.rs` lists the modules layer by
//! layer, bottom first, and every `crate::` path in a source file (in `use`
//! lines and in code) may name only a module of its own layer or one below.
//! Two modules never import each other, nor do two files (`use crate::` and
//! `use super::` lines, resolved to the file that defines the item).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module, read from the numbered list in the
/// `lib.rs` doc comment (`//! 3. `formats`, `signature` ...`).
fn layers(lib: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("//! ") else {
            continue;
        };
        let Some((number, names)) = rest.split_once(". ") else {
            continue;
        };
        let Ok(layer) = number.trim().parse::<usize>() else {
            continue;
        };
        // Only the backticked names before the dash are modules.
        let names = names.split(" - ").next().unwrap_or_default();
        for name in names.split('`').skip(1).step_by(2) {
            out.insert(name.to_owned(), layer);
        }
    }
    out
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's module path below the crate root: `src/report/html/mod.rs`
/// is `["report", "html"]`, `src/lib.rs` is `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code without comments and string literals, so a doc link or a
/// message naming a module is not an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut prev = ' ';
        for c in line.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                    out.push('"');
                }
                continue;
            }
            if c == '/' && prev == '/' {
                out.pop();
                break;
            }
            if c == '"' {
                in_string = true;
            }
            out.push(c);
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Every path the code names from `anchor` (`crate` or `super`), `{..}`
/// groups expanded: `crate::a::{b, c::d}` gives `a::b` and `a::c::d`.
fn paths(code: &str, anchor: &str) -> Vec<String> {
    let mut out = Vec::new();
    let needle = format!("{anchor}::");
    let mut rest = code;
    while let Some(i) = rest.find(&needle) {
        let before = rest[..i].chars().last();
        rest = &rest[i + needle.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '$') {
            continue;
        }
        expand("", rest, &mut out);
    }
    out
}

/// Expands the path at the start of `text` after `prefix` into `out`.
fn expand(prefix: &str, text: &str, out: &mut Vec<String>) {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let after = &text[ident.len()..];
    let ident = ident.trim_end_matches(':');
    let path = if prefix.is_empty() {
        ident.to_owned()
    } else {
        format!("{prefix}::{ident}")
    };
    if text[ident.len()..].starts_with("::{") || after.starts_with('{') {
        let body = &text[text.find('{').unwrap_or(0) + 1..];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(&path, body[start..i].trim(), out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&path, body[start..i].trim(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
    } else if !path.is_empty() {
        out.push(path);
    }
}

/// The `use` statements of the code, each as one line.
fn use_statements(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in code.lines() {
        let trimmed = line.trim_start();
        if current.is_none() && (trimmed.starts_with("use ") || trimmed.starts_with("pub use ")) {
            current = Some(String::new());
        }
        if let Some(statement) = current.as_mut() {
            statement.push_str(trimmed);
            statement.push(' ');
            if trimmed.trim_end().ends_with(';') {
                out.extend(current.take());
            }
        }
    }
    out
}

/// The module paths the `use crate::` and `use super::` lines of `file`
/// (module `here`) name, `super` resolved.
fn use_targets(code: &str, file: &Path, here: &[String]) -> Vec<Vec<String>> {
    let parent: Vec<String> = if file.ends_with("mod.rs") {
        here[..here.len() - 1].to_vec()
    } else {
        here[..here.len().saturating_sub(1)].to_vec()
    };
    let mut targets = Vec::new();
    for statement in use_statements(code) {
        targets.extend(
            paths(&statement, "crate")
                .iter()
                .map(|p| p.split("::").map(str::to_owned).collect()),
        );
        for p in paths(&statement, "super") {
            let mut base = parent.clone();
            let mut segments: Vec<&str> = p.split("::").collect();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
            base.extend(segments.iter().map(|s| s.to_string()));
            targets.push(base);
        }
    }
    targets
}

/// Each pair of keys in `edges` that point at each other, described.
fn both_ways<K: Ord + Clone>(
    edges: &BTreeSet<(K, K)>,
    describe: impl Fn(&K, &K) -> String,
) -> Vec<String> {
    edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| describe(a, b))
        .collect()
}

#[test]
fn no_module_imports_a_higher_layer_and_no_two_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let layers = layers(&lib);
    let files = sources(&src);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_path(&src, f), f.clone()))
        .collect();
    let mut problems = Vec::new();
    let mut module_edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut file_edges: BTreeSet<(PathBuf, PathBuf)> = BTreeSet::new();
    for file in &files {
        let here = module_path(&src, file);
        // lib.rs and main.rs sit above every layer; this test is no layer.
        let Some(top) = here.first().filter(|t| *t != "layering") else {
            continue;
        };
        let name = file.strip_prefix(root).unwrap().display().to_string();
        let Some(&own) = layers.get(top) else {
            problems.push(format!("{name}: module `{top}` is in no layer of lib.rs"));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for path in paths(&code, "crate") {
            let target = path.split("::").next().unwrap_or_default();
            if target == top.as_str() {
                continue;
            }
            if let Some(&layer) = layers.get(target) {
                if layer > own {
                    problems.push(format!(
                        "{name}: `{top}` (layer {own}) imports crate::{path} (layer {layer})"
                    ));
                }
                module_edges.insert((top.clone(), target.to_owned()));
            }
        }
        // File edges: `use crate::` and `use super::` lines, resolved to the
        // file whose module is the longest prefix of the path.
        for target in use_targets(&code, file, &here) {
            let found = (1..=target.len())
                .rev()
                .find_map(|k| modules.get(&target[..k]));
            if let Some(to) = found.filter(|to| *to != file) {
                file_edges.insert((file.clone(), to.clone()));
            }
        }
    }
    problems.extend(both_ways(&module_edges, |a, b| {
        format!("`{a}` and `{b}` import each other")
    }));
    let show = |f: &PathBuf| f.strip_prefix(root).unwrap().display().to_string();
    problems.extend(both_ways(&file_edges, |a, b| {
        format!("{} and {} import each other", show(a), show(b))
    }));
    assert!(problems.is_empty(), "layering:\n{}", problems.join("\n"));
}

#[test]
fn the_reader_expands_groups_and_skips_comments_and_strings() {
    let code = code_of("use crate::a::{b, c::{d, e}};\n// crate::z\nlet s = \"crate::y\";\n");
    assert_eq!(paths(&code, "crate"), ["a::b", "a::c::d", "a::c::e"]);
    let lib = "//! 1. `error`, `console` - the ground floor\n//! 2. `model` - plain data\n";
    let layers = layers(lib);
    assert_eq!(
        (layers["error"], layers["console"], layers["model"]),
        (1, 1, 2)
    );
}

#[test]
fn contributing_lists_every_layer_and_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let contributing = std::fs::read_to_string(root.join("CONTRIBUTING.md")).unwrap();
    for (module, layer) in layers(&lib) {
        let row = contributing
            .lines()
            .find(|l| l.starts_with(&format!("| {layer} |")))
            .unwrap_or_else(|| panic!("CONTRIBUTING.md has no row for layer {layer}"));
        assert!(
            row.contains(&format!("`{module}`")),
            "CONTRIBUTING.md's layer {layer} row does not list `{module}`"
        );
    }
}
