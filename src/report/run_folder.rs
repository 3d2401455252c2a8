//! An `eval --output` run folder that is whole or absent (docs/results.md,
//! "Run folders"). The writer builds the new run in a hidden sibling
//! folder, syncs it to disk and renames it into place, so a reader finds
//! the old run, the new run, or (for the moment between two renames) no
//! folder and a message saying where the old run is. Readers prove a folder
//! whole: `results.json` records each per-sample file's sha256 and sample
//! count, and only files inside the folder are read.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::console;
use crate::error::{Error, Result};
use crate::formats::records::{check_regular_file, decode_utf8, nonblank_lines, refuse_input};
use crate::model::document::RESULTS_FILE;
use crate::model::{ResultEntry, ResultsDocument};

/// The infix of the hidden sibling a new run is built in.
const NEW: &str = "cuebench-new";
/// The infix of the hidden sibling an older run waits in while it is replaced.
const OLD: &str = "cuebench-old";

/// One file of a run folder: its name inside the folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFile {
    /// The file name (no folder part).
    pub name: String,
    /// Its whole content.
    pub bytes: Vec<u8>,
}

/// The sha256 (lower-case hex) of a per-sample file's bytes and its number
/// of samples: its non-blank lines, as [`nonblank_lines`] reads them.
pub fn fingerprint(text: &str) -> (String, usize) {
    (
        format!("{:x}", Sha256::digest(text.as_bytes())),
        nonblank_lines(text).count(),
    )
}

/// Writes `files` as the folder `dir`, whole or not at all: they are written
/// and synced in a hidden sibling folder (`.NAME.cuebench-new-…`), which is
/// then renamed to `dir`. An older folder at `dir` is first renamed away
/// (`.NAME.cuebench-old-…`) and removed once the new one is in place; a
/// crash between those two renames leaves no `dir`, the old run whole in
/// its sibling, and readers say so ([`read_document_text`]). Files of the
/// older folder that are not part of a run (or are one of `inputs`) are
/// carried over by hard link. Refused before anything is written: a
/// file over one of `inputs`, a `dir` that is not a folder, or one that
/// holds a subfolder or a link (replacing it would lose them).
pub fn write(dir: &Path, files: &[RunFile], inputs: &[&Path]) -> Result<()> {
    let given = dir;
    let dir = folder_target(given)?;
    for file in files {
        refuse_input(&dir.join(&file.name), inputs)?;
    }
    let carried = existing_files(given, &dir, files, inputs)?;
    let (parent, name) = parent_and_name(&dir)?;
    let staging = Staging::create(&parent, &name)?;
    for file in files {
        write_synced(&staging.path.join(&file.name), &file.bytes)?;
    }
    for from in carried.iter().flatten() {
        let to = staging.path.join(from.file_name().unwrap_or_default());
        fs::hard_link(from, &to)
            .or_else(|_| fs::copy(from, &to).map(drop))
            .map_err(write_error(&to))?;
    }
    sync_folder(&staging.path)?;
    step();
    if carried.is_some() {
        let old = sibling(&parent, &name, OLD);
        fs::rename(&dir, &old).map_err(write_error(&dir))?;
        step();
        if let Err(source) = fs::rename(&staging.path, &dir) {
            // Put the old run back; the new one goes with `staging`.
            let _ = fs::rename(&old, &dir);
            return Err(Error::Write { path: dir, source });
        }
    } else {
        fs::rename(&staging.path, &dir).map_err(write_error(&dir))?;
    }
    staging.kept();
    step();
    sync_folder(&parent)?;
    remove_leftovers(&parent, &name);
    step();
    Ok(())
}

/// Where `--output DIR` goes: `DIR` itself, or the folder a symlink `DIR`
/// points to (replaced, not the link), with its parent folders created.
fn folder_target(dir: &Path) -> Result<PathBuf> {
    let dir = std::path::absolute(dir).map_err(write_error(dir))?;
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent).map_err(write_error(parent))?;
    }
    Ok(fs::canonicalize(&dir).unwrap_or(dir))
}

fn parent_and_name(dir: &Path) -> Result<(PathBuf, String)> {
    match (dir.parent(), dir.file_name().and_then(|n| n.to_str())) {
        (Some(parent), Some(name)) if name != ".." => Ok((parent.to_owned(), name.to_owned())),
        _ => Err(Error::Usage(format!(
            "--output {}: name a folder of its own (it is replaced as a whole)",
            dir.display()
        ))),
    }
}

/// `None` when `dir` (`--output given`) does not exist; else the files of
/// the folder to keep in the new run (those that are not a run's own, and
/// any input).
fn existing_files(
    given: &Path,
    dir: &Path,
    files: &[RunFile],
    inputs: &[&Path],
) -> Result<Option<Vec<PathBuf>>> {
    let refuse = |what: String| {
        Error::Usage(format!(
            "--output {}: {what}; --output replaces the whole folder, so choose a new folder \
             or one written by `eval --output` (docs/results.md)",
            given.display()
        ))
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) if dir.exists() => return Err(refuse("exists and is not a folder".into())),
        Err(source) => return Err(write_error(dir)(source)),
    };
    if std::env::current_dir().is_ok_and(|cwd| fs::canonicalize(cwd).is_ok_and(|c| c == dir)) {
        return Err(refuse("it is the current folder".into()));
    }
    let mut carried = Vec::new();
    for entry in entries {
        let entry = entry.map_err(write_error(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(write_error(&path))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !kind.is_file() {
            let what = if kind.is_dir() { "a folder" } else { "a link" };
            return Err(refuse(format!("it holds `{name}`, {what}")));
        }
        let written = files.iter().any(|f| f.name == name);
        let own =
            name == RESULTS_FILE || (name.starts_with("samples_") && name.ends_with(".jsonl"));
        let input = inputs.iter().any(|i| refuse_input(&path, &[i]).is_err());
        if !written && (!own || input) {
            carried.push(path);
        }
    }
    Ok(Some(carried))
}

/// A hidden sibling folder that is removed (with what it holds) unless
/// [`Staging::kept`] is called, so a failed write leaves nothing behind.
struct Staging {
    path: PathBuf,
    keep: bool,
}

impl Staging {
    fn create(parent: &Path, name: &str) -> Result<Staging> {
        let path = sibling(parent, name, NEW);
        fs::create_dir(&path).map_err(write_error(&path))?;
        Ok(Staging { path, keep: false })
    }

    fn kept(mut self) {
        self.keep = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// `PARENT/.NAME.INFIX-PID-NANOS`: hidden, named for the tool and the run
/// folder, unique to this process and moment.
fn sibling(parent: &Path, name: &str, infix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    parent.join(format!(".{name}.{infix}-{}-{nanos}", std::process::id()))
}

/// The hidden siblings of the run folder `PARENT/NAME` with `infix`.
fn siblings(parent: &Path, name: &str, infix: &str) -> Vec<PathBuf> {
    let prefix = format!(".{name}.{infix}-");
    let mut found: Vec<PathBuf> = fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Removes what interrupted writes of the run folder `PARENT/NAME` left:
/// older runs renamed away and unfinished new ones. Best effort: a
/// leftover that stays is hidden and never read.
fn remove_leftovers(parent: &Path, name: &str) {
    for path in [OLD, NEW]
        .iter()
        .flat_map(|infix| siblings(parent, name, infix))
    {
        let _ = fs::remove_dir_all(path);
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(path).map_err(write_error(path))?;
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    file.write_all(head).map_err(write_error(path))?;
    file.flush().map_err(write_error(path))?;
    step();
    file.write_all(tail)
        .and_then(|()| file.sync_all())
        .map_err(write_error(path))?;
    step();
    Ok(())
}

/// Makes a folder's entries durable (a no-op where folders cannot be
/// opened, as on Windows).
fn sync_folder(dir: &Path) -> Result<()> {
    match fs::File::open(dir) {
        Ok(f) => f.sync_all().or_else(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported => Ok(()),
            _ => Err(e),
        }),
        Err(_) => Ok(()),
    }
    .map_err(write_error(dir))
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_owned(),
        source,
    }
}

/// Test hook, debug builds only: with `CUEBENCH_TEST_KILL_AT=N` the writer
/// SIGKILLs its own process at its Nth step (half of each file written, each
/// file synced, each rename, the clean-up), so a test can interrupt
/// `eval --output` at every point of the write.
#[cfg(debug_assertions)]
fn step() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STEPS: AtomicUsize = AtomicUsize::new(0);
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    let at = std::env::var("CUEBENCH_TEST_KILL_AT").ok();
    if at.and_then(|v| v.parse::<usize>().ok()) == Some(n) {
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
fn step() {}

/// The text of the results document at `path` (a file). When it is
/// missing because an interrupted `eval --output` stopped between its two
/// renames, the error says where the older run is.
pub fn read_document_text(path: &Path) -> Result<String> {
    let dir = match path.file_name() {
        Some(n) if n == RESULTS_FILE => folder_of(path),
        _ => path,
    };
    if !dir.exists() {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        if let Some(old) = siblings(parent, &name, OLD).first() {
            return Err(Error::Usage(format!(
                "{}: no such run folder: an `eval --output` was interrupted while replacing it \
                 and the older run is in {}; rename that back to {} or rerun the eval",
                dir.display(),
                old.display(),
                dir.display()
            )));
        }
    }
    crate::formats::records::read_text(path)
}

/// Proves that the folder of the document read from `path` (its
/// `results.json`) is the run the document describes: every per-sample file
/// it names lies inside the folder and matches the sha256 and sample count
/// recorded for it. Schema version 2 records both for every per-sample
/// file; a version-1 document (cuebench before them) is read with a
/// warning that its files cannot be checked. A document none of whose
/// per-sample files is beside it (a `results.json` copied alone) is read
/// without them, with a warning; one that finds only some is refused.
pub fn check(path: &Path, document: &mut ResultsDocument) -> Result<()> {
    let dir = folder_of(path);
    let named: Vec<&str> = document
        .results
        .iter()
        .filter_map(|e| e.samples_file.as_deref())
        .collect();
    let absent = |name: &&str| fs::symlink_metadata(dir.join(name)).is_err();
    if !named.is_empty() && named.iter().all(absent) {
        console::warning(&format!(
            "{}: its per-sample files ({}) are not beside it, so it is read without them \
             (copy the whole `eval --output` folder to keep them)",
            path.display(),
            named.join(", ")
        ));
        for entry in &mut document.results {
            entry.samples_file = None;
            entry.samples_sha256 = None;
            entry.samples_count = None;
        }
        return Ok(());
    }
    let mut unchecked = false;
    for entry in &document.results {
        if entry.samples_file.is_none() {
            continue;
        }
        if entry.samples_sha256.is_none() || entry.samples_count.is_none() {
            if document.schema_version >= 2 {
                return Err(entry_error(
                    path,
                    entry,
                    "samples_sha256",
                    "missing: a version-2 document records the sha256 and `samples_count` of \
                     each per-sample file it names"
                        .into(),
                ));
            }
            unchecked = true;
        }
        if let Some(count) = entry
            .samples_count
            .filter(|&n| n != entry.result.counts.samples)
        {
            return Err(entry_error(
                path,
                entry,
                "samples_count",
                format!(
                    "{count}, but the task counts {} samples (one line each)",
                    entry.result.counts.samples
                ),
            ));
        }
        samples_text(path, entry)?;
    }
    if unchecked {
        console::warning(&format!(
            "{}: written by a cuebench before schema version 2, so its per-sample files cannot be \
             proved to belong to it (rerun `cuebench eval --output` to record their sha256)",
            path.display()
        ));
    }
    Ok(())
}

/// The per-sample file of `entry` beside the document read from `path`
/// (a file), with its text: `None` when the run wrote none. The file must
/// lie inside the folder and match what the document records for it.
pub fn samples_text(path: &Path, entry: &ResultEntry) -> Result<Option<(PathBuf, String)>> {
    let Some(name) = entry.samples_file.as_deref() else {
        return Ok(None);
    };
    let file =
        inside(folder_of(path), name).map_err(|m| entry_error(path, entry, "samples_file", m))?;
    check_regular_file(&file)?;
    let bytes = fs::read(&file).map_err(|source| Error::Io {
        path: file.clone(),
        source,
    })?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let text = decode_utf8(bytes, &file)?;
    if let Some(recorded) = &entry.samples_sha256 {
        if *recorded != sha256 {
            return Err(entry_error(
                path,
                entry,
                "samples_sha256",
                format!(
                    "{} is not the file this document was written with (sha256 {} recorded, {} \
                     found): the folder mixes two runs or was edited; rerun `cuebench eval --output`",
                    file.display(),
                    short(recorded),
                    short(&sha256)
                ),
            ));
        }
    }
    if let Some(recorded) = entry.samples_count {
        let found = nonblank_lines(&text).count();
        if recorded != found {
            return Err(entry_error(
                path,
                entry,
                "samples_count",
                format!(
                    "{} holds {found} samples, the document records {recorded}",
                    file.display()
                ),
            ));
        }
    }
    Ok(Some((file, text)))
}

/// The folder a results file lies in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `dir/name` when `name` is a plain file name and the file (after
/// symlinks) lies in `dir`; else why not.
fn inside(dir: &Path, name: &str) -> std::result::Result<PathBuf, String> {
    let mut parts = Path::new(name).components();
    if !matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    ) {
        return Err(format!(
            "`{name}` is not a file name inside the run folder (no folder, `..` or absolute path)"
        ));
    }
    let file = dir.join(name);
    let is_link = fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        let target = fs::canonicalize(&file).ok();
        let folder = fs::canonicalize(dir).ok();
        if target.as_deref().and_then(Path::parent) != folder.as_deref() {
            return Err(format!(
                "`{name}` is a link to a file outside the run folder"
            ));
        }
    }
    Ok(file)
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

fn entry_error(path: &Path, entry: &ResultEntry, field: &str, message: String) -> Error {
    Error::Field {
        path: path.to_owned(),
        line: 1,
        field: format!("results.{}.{field}", entry.result.task),
        message,
    }
}

/// `path` itself, or `path/results.json` when `path` is a folder.
pub fn results_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_owned()
    }
}

/// Every file the run at `path` (a results file or an `--output` folder)
/// references: its `results.json` and the per-sample files its document
/// names, so an output never replaces one of them.
pub fn referenced_files(path: &Path, document: &ResultsDocument) -> Vec<PathBuf> {
    let results = results_path(path);
    let dir = results.parent().map(Path::to_path_buf).unwrap_or_default();
    std::iter::once(results)
        .chain(
            document
                .results
                .iter()
                .filter_map(|e| e.samples_file.as_deref())
                .map(|name| dir.join(name)),
        )
        .collect()
}
