//! `cuebench prompts`: the model inputs per sample (id, video, prompt).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use cuebench::config::{Input, Inputs};
use cuebench::console;
use cuebench::tasks::Task;

use super::args::task_parser;
use super::emit;

#[derive(Debug, Args)]
pub struct PromptsArgs {
    /// The task; its prompt lines go to stdout.
    #[arg(long, required_unless_present = "all", conflicts_with = "all",
          value_parser = task_parser::<Task>())]
    pub task: Option<Task>,
    /// Every task: one <task>.jsonl per task in --out.
    #[arg(long, requires = "out")]
    pub all: bool,
    /// Output folder for --all.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Video file name pattern; `{video_id}` stands for the video's id.
    #[arg(long, value_name = "PATTERN", default_value = cuebench::prompts::DEFAULT_VIDEO_NAME)]
    pub video_name: String,
    /// Annotation file; default: $CUEBENCH_GT, then `gt` in cuebench.toml.
    #[arg(long, value_name = "FILE")]
    pub gt: Option<PathBuf>,
}

/// `prompts`: one task on stdout, or every task as files.
pub fn prompts(args: PromptsArgs, inputs: &Inputs) -> anyhow::Result<ExitCode> {
    let gt = inputs.required(Input::Gt, args.gt.as_deref())?;
    let videos = cuebench::formats::annotations::read_annotations(&gt)?;
    match (args.task, args.out) {
        (Some(task), _) => {
            let lines = cuebench::prompts::prompt_lines(&videos, task, &args.video_name);
            emit(&cuebench::prompts::to_jsonl(&lines))?;
        }
        (None, Some(dir)) => {
            for (path, n) in cuebench::prompts::write_all(&videos, &args.video_name, &dir)? {
                console::line(&format!("wrote {} ({n} prompts)", path.display()));
            }
        }
        (None, None) => {
            return Err(
                cuebench::Error::Usage("prompts: give --task or --all --out DIR".into()).into(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
