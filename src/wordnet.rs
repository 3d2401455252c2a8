//! The part of WordNet 3.0 that METEOR's synonym stage reads, looked up the
//! way nltk 3.10.4's `wordnet.synsets(word)` does.
//!
//! Loaded from the Princeton database files (`index.*`, `data.*`, `*.exc`,
//! see `scripts/setup-wordnet.sh`): `index.*` map a lemma to synset byte
//! offsets per part of speech; a synset's lemma names are read from its
//! `data.*` line only when asked for. `synsets(word)` lower-cases the word,
//! then for noun, verb, adjective, adverb in that order applies nltk's
//! `_morphy`: the exception list's base forms if the word is in it, else one
//! pass of the detachment rules, keeping the word itself and those forms that
//! are lemmas of that part of speech.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::data_dir::RuntimeFile;
use crate::error::{Error, Result};

/// Environment variable naming the WordNet directory.
pub const WORDNET_ENV: &str = "CUEBENCH_WORDNET";

/// The shell command that installs the WordNet files.
pub const SETUP_COMMAND: &str = "scripts/setup-wordnet.sh";

/// Part-of-speech file suffixes in nltk's `POS_LIST` order (n, v, a, r).
const POS_FILES: [&str; 4] = ["noun", "verb", "adj", "adv"];

/// nltk's `MORPHOLOGICAL_SUBSTITUTIONS`, per part of speech in `POS_FILES` order.
const SUBSTITUTIONS: [&[(&str, &str)]; 4] = [
    &[
        ("s", ""),
        ("ses", "s"),
        ("ves", "f"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ],
    &[
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ],
    &[("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    &[],
];

/// Where to find WordNet: `--wordnet DIR`, else `$CUEBENCH_WORDNET`, else the
/// first data folder holding `wordnet/`, else the checkout's `.setup/wordnet`.
pub fn resolve_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    match std::env::var_os(WORDNET_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => RuntimeFile::WordNet.locate_or_checkout(),
    }
}

/// One part of speech: the `index.*` lines sorted by lemma (looked up by
/// binary search, so loading parses nothing), inflected form -> base forms,
/// and the raw `data.*` file.
#[derive(Debug, Default)]
struct PosTables {
    index: LemmaIndex,
    exceptions: HashMap<String, Vec<String>>,
    data: Vec<u8>,
}

/// An `index.*` file kept as bytes, with its entry lines sorted by lemma.
#[derive(Debug, Default)]
struct LemmaIndex {
    text: Vec<u8>,
    /// Byte ranges of the entry lines (header lines start with a space).
    lines: Vec<(usize, usize)>,
}

impl LemmaIndex {
    fn new(text: Vec<u8>) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' {
                lines.push((start, i));
                start = i + 1;
            }
        }
        lines.push((start, text.len()));
        lines.retain(|&(s, e)| e > s && text[s] != b' ');
        let mut index = LemmaIndex { text, lines };
        // Princeton's files are sorted; sort anyway if a file is not.
        if !index
            .lines
            .windows(2)
            .all(|w| index.key(w[0]) <= index.key(w[1]))
        {
            let mut lines = std::mem::take(&mut index.lines);
            lines.sort_by(|a, b| index.key(*a).cmp(index.key(*b)));
            index.lines = lines;
        }
        index
    }

    /// The lemma of a line: its bytes up to the first space.
    fn key(&self, (start, end): (usize, usize)) -> &[u8] {
        let line = &self.text[start..end];
        let len = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
        &line[..len]
    }

    fn line(&self, lemma: &str) -> Option<&[u8]> {
        let i = self
            .lines
            .binary_search_by(|&range| self.key(range).cmp(lemma.as_bytes()))
            .ok()?;
        let (start, end) = self.lines[i];
        Some(&self.text[start..end])
    }

    fn contains(&self, lemma: &str) -> bool {
        self.line(lemma).is_some()
    }

    /// The synset offsets of `lemma` (nltk's `_lemma_pos_offset_map[lemma][pos]`).
    fn offsets(&self, lemma: &str) -> Vec<usize> {
        self.line(lemma)
            .and_then(|line| parse_index_line(&String::from_utf8_lossy(line)))
            .unwrap_or_default()
    }
}

/// WordNet 3.0 as METEOR needs it.
#[derive(Debug)]
pub struct WordNet {
    pos: [PosTables; 4],
    /// METEOR synonym sets already computed, per word.
    memo: RwLock<HashMap<String, Arc<HashSet<String>>>>,
}

impl WordNet {
    /// Loads the twelve files from `dir`. A missing directory or file is an
    /// [`Error::Model`] naming the set-up command.
    pub fn load(dir: &Path) -> Result<Self> {
        let mut pos: [PosTables; 4] = Default::default();
        for (tables, name) in pos.iter_mut().zip(POS_FILES) {
            tables.index = LemmaIndex::new(read(dir, &format!("index.{name}"))?);
            tables.exceptions = parse_exceptions(&read(dir, &format!("{name}.exc"))?);
            tables.data = read(dir, &format!("data.{name}"))?;
        }
        Ok(WordNet {
            pos,
            memo: RwLock::default(),
        })
    }

    /// A WordNet built from in-memory tables, for tests: per part of speech
    /// (n, v, a, r) the `index`, `exc` and `data` file contents.
    pub fn from_texts(files: [(&str, &str, &str); 4]) -> Self {
        let pos = files.map(|(index, exc, data)| PosTables {
            index: LemmaIndex::new(index.as_bytes().to_vec()),
            exceptions: parse_exceptions(exc.as_bytes()),
            data: data.as_bytes().to_vec(),
        });
        WordNet {
            pos,
            memo: RwLock::default(),
        }
    }

    /// The lemma names of every synset `wordnet.synsets(word)` returns, in
    /// nltk's order, duplicates kept (names keep WordNet's case and `_`).
    pub fn synset_lemma_names(&self, word: &str) -> Vec<String> {
        let word = word.to_lowercase();
        let mut names = Vec::new();
        for (p, tables) in self.pos.iter().enumerate() {
            for form in self.morphy(&word, p) {
                for offset in tables.index.offsets(&form) {
                    names.extend(lemma_names(&tables.data, offset));
                }
            }
        }
        names
    }

    /// METEOR's candidate set for a hypothesis word: the synset lemma names
    /// without `_` (multi-word lemmas), plus the word itself.
    pub fn meteor_synonyms(&self, word: &str) -> HashSet<String> {
        let mut set: HashSet<String> = self
            .synset_lemma_names(word)
            .into_iter()
            .filter(|name| !name.contains('_'))
            .collect();
        set.insert(word.to_owned());
        set
    }

    /// nltk's `_morphy(form, pos)`: candidate base forms that are lemmas of `pos`.
    fn morphy(&self, form: &str, p: usize) -> Vec<String> {
        let tables = &self.pos[p];
        let forms: Vec<String> = match tables.exceptions.get(form) {
            Some(bases) => bases.clone(),
            None => SUBSTITUTIONS[p]
                .iter()
                .filter_map(|(old, new)| form.strip_suffix(old).map(|s| format!("{s}{new}")))
                .collect(),
        };
        let mut kept: Vec<String> = Vec::new();
        for candidate in std::iter::once(form.to_owned()).chain(forms) {
            if tables.index.contains(&candidate) && !kept.contains(&candidate) {
                kept.push(candidate);
            }
        }
        kept
    }

    /// [`WordNet::meteor_synonyms`], computed once per word (METEOR's
    /// synonym source, `metrics::text::meteor::Synonyms`).
    pub fn memoised_synonyms(&self, word: &str) -> Arc<HashSet<String>> {
        let hit = self.memo.read().ok().and_then(|m| m.get(word).cloned());
        if let Some(set) = hit {
            return set;
        }
        let set = Arc::new(self.meteor_synonyms(word));
        if let Ok(mut memo) = self.memo.write() {
            memo.insert(word.to_owned(), Arc::clone(&set));
        }
        set
    }
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| {
        Error::Model(format!(
            "WordNet 3.0 file {} cannot be read ({e}); METEOR needs it: run `{SETUP_COMMAND}`, \
             or point --wordnet DIR / {WORDNET_ENV} at a directory holding the WordNet 3.0 database files",
            path.display()
        ))
    })
}

/// An `index.*` entry line: `lemma pos n_synsets n_pointers [pointers]
/// n_senses tagsense [offsets]` -> the offsets; `None` if malformed.
fn parse_index_line(line: &str) -> Option<Vec<usize>> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let n_synsets: usize = tokens.get(2)?.parse().ok()?;
    let n_pointers: usize = tokens.get(3)?.parse().ok()?;
    let start = 4 + n_pointers + 2;
    let offsets = tokens
        .get(start..start + n_synsets)?
        .iter()
        .map(|t| t.parse().ok())
        .collect::<Option<Vec<usize>>>()?;
    Some(offsets)
}

/// `*.exc`: `inflected base...` per line.
fn parse_exceptions(text: &[u8]) -> HashMap<String, Vec<String>> {
    String::from_utf8_lossy(text)
        .lines()
        .filter_map(|line| {
            let mut terms = line.split_whitespace().map(str::to_owned);
            Some((terms.next()?, terms.collect()))
        })
        .collect()
}

/// The lemma names on the `data.*` line at byte `offset`, with a trailing
/// adjective marker such as `(a)` or `(ip)` removed; none if the line there
/// does not start with that offset (as nltk finds no synset).
fn lemma_names(data: &[u8], offset: usize) -> Vec<String> {
    let Some(rest) = data.get(offset..) else {
        return Vec::new();
    };
    let end = rest
        .iter()
        .position(|&b| b == b'\n' || b == b'|')
        .unwrap_or(rest.len());
    let columns = String::from_utf8_lossy(&rest[..end]);
    let mut tokens = columns.split_ascii_whitespace();
    let starts_right = tokens
        .next()
        .is_some_and(|t| t.len() == 8 && t.parse::<usize>().ok() == Some(offset));
    let count = tokens
        .nth(2)
        .and_then(|t| usize::from_str_radix(t, 16).ok());
    match count {
        Some(count) if starts_right => tokens
            .step_by(2)
            .take(count)
            .map(|name| strip_marker(name).to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// nltk's `(.*?)(\([^()]*\))?$`: drop a final parenthesised marker.
fn strip_marker(name: &str) -> &str {
    let Some(body) = name.strip_suffix(')') else {
        return name;
    };
    match body.rfind('(') {
        Some(open) if !body[open + 1..].contains(')') => &name[..open],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-synset noun WordNet: "car"/"auto"/"machine" share synset 0,
    /// "goose" is synset 1 (reached from "geese" via the exception list).
    fn tiny() -> WordNet {
        let data = "00000000 06 n 03 car 0 auto 0 motor_car 0 000 | a vehicle\n\
                    00000058 05 n 01 goose 0 000 | a bird\n";
        let index = "  1 header line\n\
                     car n 1 0 1 0 00000000\n\
                     auto n 1 0 1 0 00000000\n\
                     motor_car n 1 0 1 0 00000000\n\
                     goose n 1 0 1 0 00000058\n";
        let adj_data = "00000000 00 s 01 big(a) 0 000 | large\n";
        let adj_index = "big a 1 0 1 0 00000000\n";
        WordNet::from_texts([
            (index, "geese goose\n", data),
            ("", "", ""),
            (adj_index, "bigger big\n", adj_data),
            ("", "", ""),
        ])
    }

    #[test]
    fn synonyms_follow_morphy() {
        let wn = tiny();
        // "cars": noun rule s -> "" gives "car"; multi-word "motor_car" is
        // dropped; the word itself is always in.
        let expected: HashSet<String> = ["car", "auto", "cars"].map(String::from).into();
        assert_eq!(wn.meteor_synonyms("cars"), expected);
        // Exception list: geese -> goose.
        assert!(wn.meteor_synonyms("geese").contains("goose"));
        // The "(a)" marker is stripped from adjective lemma names.
        assert_eq!(wn.synset_lemma_names("bigger"), ["big"]);
        // Unknown words only match themselves.
        assert_eq!(wn.meteor_synonyms("zzz").len(), 1);
    }

    #[test]
    fn bad_offsets_and_markers() {
        assert!(lemma_names(b"00000005 00 n 01 x 0 000 | g\n", 0).is_empty());
        assert!(lemma_names(b"", 10).is_empty());
        assert_eq!(strip_marker("galore(ip)"), "galore");
        assert_eq!(strip_marker("a(b)c"), "a(b)c");
        assert_eq!(strip_marker("x(a(b)"), "x(a");
    }

    #[test]
    fn missing_directory_names_the_setup_command() {
        let err = WordNet::load(Path::new("/nonexistent/wordnet")).unwrap_err();
        assert!(err.to_string().contains(SETUP_COMMAND), "{err}");
    }
}
