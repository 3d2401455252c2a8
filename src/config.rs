//! Finding the inputs without flags (docs/scoring.md §13): the annotation
//! file, the taxonomy and the embedding model each come from, in order, the
//! command-line flag, an environment variable, the nearest `cuebench.toml`
//! (paths relative to that file), then the built-in default where one exists.
//!
//! So `cuebench eval --task anomaly-bu preds.jsonl` works as written inside a
//! project that has a `cuebench.toml`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::formats::records::read_text;

/// The project file's name, looked for in the current folder and its parents.
pub const PROJECT_FILE: &str = "cuebench.toml";

/// An input that can be found without a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The annotation file (`--gt`); it has no built-in default.
    Gt,
    /// The taxonomy file (`--taxonomy`); default: the built-in reconstruction.
    Taxonomy,
    /// The embedding model folder (`--model`); default: the data folder's model.
    Model,
}

impl Input {
    /// The command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            Input::Gt => "--gt",
            Input::Taxonomy => "--taxonomy",
            Input::Model => "--model",
        }
    }

    /// The environment variable.
    pub fn env_var(self) -> &'static str {
        match self {
            Input::Gt => "CUEBENCH_GT",
            Input::Taxonomy => "CUEBENCH_TAXONOMY",
            Input::Model => "CUEBENCH_MODEL",
        }
    }

    /// The key in `cuebench.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Input::Gt => "gt",
            Input::Taxonomy => "taxonomy",
            Input::Model => "model",
        }
    }
}

/// Where a resolved path came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The command-line flag.
    Flag,
    /// The environment variable.
    Env,
    /// The project file at this path.
    ProjectFile(PathBuf),
}

/// A path and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The path, ready to open from the current folder.
    pub path: PathBuf,
    /// Which of the ways gave it.
    pub source: Source,
}

/// The keys of `cuebench.toml`; any other key is an error so a typo
/// (`taxonmy`) is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    gt: Option<PathBuf>,
    taxonomy: Option<PathBuf>,
    model: Option<PathBuf>,
}

/// A read `cuebench.toml`, its paths already joined to its folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFile {
    /// The file itself.
    pub path: PathBuf,
    gt: Option<PathBuf>,
    taxonomy: Option<PathBuf>,
    model: Option<PathBuf>,
}

impl ProjectFile {
    /// The nearest `cuebench.toml` in `start` or one of its parents, read;
    /// `None` when there is none.
    pub fn find(start: &Path) -> Result<Option<ProjectFile>> {
        start
            .ancestors()
            .map(|dir| dir.join(PROJECT_FILE))
            .find(|candidate| candidate.is_file())
            .map(|path| ProjectFile::read(&path))
            .transpose()
    }

    /// Reads a project file; relative paths in it are taken from its folder.
    pub fn read(path: &Path) -> Result<ProjectFile> {
        let text = read_text(path)?;
        let keys: Keys = toml::from_str(&text).map_err(|e| Error::ProjectFile {
            path: path.to_owned(),
            line: e.span().map_or(1, |span| line_of(&text, span.start)),
            message: e.message().to_owned(),
        })?;
        let folder = path.parent().unwrap_or(Path::new(""));
        let join = |p: Option<PathBuf>| p.map(|p| folder.join(p));
        Ok(ProjectFile {
            path: path.to_owned(),
            gt: join(keys.gt),
            taxonomy: join(keys.taxonomy),
            model: join(keys.model),
        })
    }

    /// The file's path for `input`, if it names one.
    fn get(&self, input: Input) -> Option<&Path> {
        match input {
            Input::Gt => self.gt.as_deref(),
            Input::Taxonomy => self.taxonomy.as_deref(),
            Input::Model => self.model.as_deref(),
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    1 + text
        .as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
}

/// The ways of finding inputs for one run: the project file is looked up once.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    project: Option<ProjectFile>,
}

impl Inputs {
    /// Looks for `cuebench.toml` from the current folder upwards.
    pub fn discover() -> Result<Inputs> {
        let here = std::env::current_dir().map_err(|source| Error::Io {
            path: PathBuf::from("."),
            source,
        })?;
        Ok(Inputs::with_project(ProjectFile::find(&here)?))
    }

    /// Inputs found through this project file (or none).
    pub fn with_project(project: Option<ProjectFile>) -> Inputs {
        Inputs { project }
    }

    /// The project file in use, if any.
    pub fn project(&self) -> Option<&ProjectFile> {
        self.project.as_ref()
    }

    /// The path for `input`: the flag, then its environment variable, then the
    /// project file; `None` means "use the built-in default".
    pub fn resolve(&self, input: Input, flag: Option<&Path>) -> Option<PathBuf> {
        self.resolve_with(input, flag, std::env::var_os(input.env_var()))
            .map(|r| r.path)
    }

    /// [`Inputs::resolve`] with the environment variable's value given, so the
    /// order can be tested without touching the process environment. An empty
    /// variable counts as unset.
    pub fn resolve_with(
        &self,
        input: Input,
        flag: Option<&Path>,
        env: Option<OsString>,
    ) -> Option<Resolved> {
        if let Some(path) = flag {
            return Some(Resolved {
                path: path.to_owned(),
                source: Source::Flag,
            });
        }
        if let Some(value) = env.filter(|v| !v.is_empty()) {
            return Some(Resolved {
                path: value.into(),
                source: Source::Env,
            });
        }
        let project = self.project.as_ref()?;
        project.get(input).map(|path| Resolved {
            path: path.to_owned(),
            source: Source::ProjectFile(project.path.clone()),
        })
    }

    /// Like [`Inputs::resolve`] for an input without a built-in default: when
    /// none of the ways gives a path, the error lists them all.
    pub fn required(&self, input: Input, flag: Option<&Path>) -> Result<PathBuf> {
        self.resolve(input, flag)
            .ok_or_else(|| Error::Usage(missing_message(input, self.project.as_ref())))
    }
}

/// "No annotation file" with every way of giving one.
fn missing_message(input: Input, project: Option<&ProjectFile>) -> String {
    let project_way = match project {
        Some(p) => format!("add `{} = \"FILE\"` to {}", input.key(), p.path.display()),
        None => format!(
            "put `{} = \"FILE\"` in a {PROJECT_FILE} in this folder or a parent (`cuebench init` writes one)",
            input.key()
        ),
    };
    format!(
        "no {} given: pass {} FILE, set {}, or {project_way}",
        match input {
            Input::Gt => "annotation file",
            Input::Taxonomy => "taxonomy file",
            Input::Model => "model folder",
        },
        input.flag(),
        input.env_var(),
    )
}

/// The text `cuebench init` writes: every key, commented, with what it
/// defaults to. `gt` is filled in when given.
pub fn project_file_template(gt: Option<&Path>) -> String {
    let gt_line = match gt {
        Some(path) => format!("gt = {}", toml_string(&path.to_string_lossy())),
        None => "# gt = \"annotations.json\"".to_owned(),
    };
    format!(
        "# cuebench project file. cuebench reads the nearest {PROJECT_FILE} in the current
# folder or a parent, so commands run anywhere in this project need no --gt.
# Paths are relative to this file. A flag or an environment variable wins:
#   --gt / CUEBENCH_GT, --taxonomy / CUEBENCH_TAXONOMY, --model / CUEBENCH_MODEL.

# The annotation file: a JSON array or JSONL of videos (docs/scoring.md §3.1).
{gt_line}

# The taxonomy for the hierarchy score (docs/scoring.md §5).
# Default: the built-in reconstruction.
# taxonomy = \"taxonomy.json\"

# The embedding model folder: model file, tokenizer.json, manifest.json
# (docs/scoring.md §6). Default: models/minilm-l6-v2 in the data folder.
# model = \"models/minilm-l6-v2\"
"
    )
}

/// A TOML basic string: quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path, text: &str) -> ProjectFile {
        let path = dir.join(PROJECT_FILE);
        std::fs::write(&path, text).unwrap();
        ProjectFile::read(&path).unwrap()
    }

    #[test]
    fn flag_beats_environment_beats_project_file() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = Inputs::with_project(Some(project(dir.path(), "gt = \"data/gt.json\"\n")));
        let flag = Path::new("flag.json");
        let env = || Some(OsString::from("env.json"));
        let r = inputs.resolve_with(Input::Gt, Some(flag), env()).unwrap();
        assert_eq!((r.path, r.source), (flag.to_owned(), Source::Flag));
        let r = inputs.resolve_with(Input::Gt, None, env()).unwrap();
        assert_eq!((r.path, r.source), (PathBuf::from("env.json"), Source::Env));
        // An empty variable is unset, so the project file answers.
        let r = inputs
            .resolve_with(Input::Gt, None, Some(OsString::new()))
            .unwrap();
        assert_eq!(r.path, dir.path().join("data/gt.json"));
        assert_eq!(r.source, Source::ProjectFile(dir.path().join(PROJECT_FILE)));
        // The file names no taxonomy: the built-in default (None).
        assert_eq!(inputs.resolve_with(Input::Taxonomy, None, None), None);
    }

    #[test]
    fn project_paths_are_relative_to_the_file_and_absolute_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(
            dir.path(),
            "gt = \"../gt.json\"\ntaxonomy = \"/abs/tax.json\"\nmodel = \"m\"\n",
        );
        assert_eq!(
            p.get(Input::Gt),
            Some(dir.path().join("../gt.json").as_path())
        );
        assert_eq!(p.get(Input::Taxonomy), Some(Path::new("/abs/tax.json")));
        assert_eq!(p.get(Input::Model), Some(dir.path().join("m").as_path()));
    }

    #[test]
    fn the_nearest_project_file_upwards_is_found() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        project(root.path(), "gt = \"root.json\"\n");
        project(&root.path().join("a"), "gt = \"a.json\"\n");
        let found = ProjectFile::find(&deep).unwrap().unwrap();
        assert_eq!(found.path, root.path().join("a").join(PROJECT_FILE));
        assert_eq!(
            found.get(Input::Gt),
            Some(root.path().join("a/a.json").as_path())
        );
        let none = tempfile::tempdir().unwrap();
        // A temp folder's parents (/tmp, /) hold no project file.
        assert_eq!(ProjectFile::find(none.path()).unwrap(), None);
    }

    #[test]
    fn unknown_keys_and_bad_toml_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROJECT_FILE);
        std::fs::write(&path, "gt = \"a.json\"\ntaxonmy = \"t.json\"\n").unwrap();
        let err = ProjectFile::read(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:2: ", path.display())), "{err}");
        assert!(err.contains("taxonmy"), "{err}");
        std::fs::write(&path, "\n\ngt = [\n").unwrap();
        let err = ProjectFile::read(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:3: ", path.display())), "{err}");
    }

    #[test]
    fn a_missing_annotation_file_lists_every_way() {
        let message = missing_message(Input::Gt, None);
        assert_eq!(
            message,
            "no annotation file given: pass --gt FILE, set CUEBENCH_GT, or put `gt = \"FILE\"` \
             in a cuebench.toml in this folder or a parent (`cuebench init` writes one)"
        );
    }

    #[test]
    fn a_project_file_without_the_key_is_named_in_the_error() {
        let project = ProjectFile {
            path: PathBuf::from("/p/cuebench.toml"),
            ..Default::default()
        };
        assert_eq!(
            missing_message(Input::Gt, Some(&project)),
            "no annotation file given: pass --gt FILE, set CUEBENCH_GT, or add `gt = \"FILE\"` to /p/cuebench.toml"
        );
    }

    #[test]
    fn the_template_reads_back_with_gt_filled_or_commented() {
        let dir = tempfile::tempdir().unwrap();
        let filled = project(
            dir.path(),
            &project_file_template(Some(Path::new("a \"b\".json"))),
        );
        assert_eq!(
            filled.get(Input::Gt),
            Some(dir.path().join("a \"b\".json").as_path())
        );
        assert_eq!(filled.get(Input::Taxonomy), None);
        let empty = project(dir.path(), &project_file_template(None));
        assert_eq!(
            empty,
            ProjectFile {
                path: empty.path.clone(),
                ..Default::default()
            }
        );
    }
}
