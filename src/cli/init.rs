//! `cuebench init`: write a commented `cuebench.toml`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::console;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The annotation file to record as `gt` (relative to the current folder).
    #[arg(long, value_name = "FILE")]
    pub gt: Option<PathBuf>,
    /// Replace an existing cuebench.toml.
    #[arg(long)]
    pub force: bool,
}

/// Writes `cuebench.toml` in the current folder; an existing one is kept
/// unless `--force`.
pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let path = PathBuf::from(cuebench::config::PROJECT_FILE);
    if path.exists() && !args.force {
        return Err(cuebench::Error::Usage(format!(
            "{} already exists (--force replaces it)",
            path.display()
        ))
        .into());
    }
    let text = cuebench::config::project_file_template(args.gt.as_deref());
    cuebench::formats::records::write_file(&path, text.as_bytes())?;
    console::line(&format!("wrote {}", path.display()));
    Ok(ExitCode::SUCCESS)
}
