//! `cuebench tasks`: write the derived ground truth of every task.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::formats::annotations::read_annotations;
use crate::formats::records::write_output;
use crate::tasks::Task;
use crate::tasks::derive::derive_samples;

/// Writes `<out>/<task>.jsonl` for every task, one sample per line (never
/// over `gt` itself); returns the files written with their sample counts.
pub fn run(gt: &Path, out: &Path) -> Result<Vec<(PathBuf, usize)>> {
    let videos = read_annotations(gt)?;
    std::fs::create_dir_all(out).map_err(|source| Error::Write {
        path: out.to_owned(),
        source,
    })?;
    Task::ALL
        .iter()
        .map(|&task| {
            let samples = derive_samples(&videos, task);
            let path = out.join(format!("{}.jsonl", task.name()));
            let mut text = String::new();
            for s in &samples {
                text.push_str(&crate::formats::jsonl::line(s));
                text.push('\n');
            }
            write_output(&path, text.as_bytes(), &[gt])?;
            Ok((path, samples.len()))
        })
        .collect()
}
