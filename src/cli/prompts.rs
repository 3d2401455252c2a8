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
    /// Every task: one <task>.jsonl per task in --out, and all.jsonl with every task.
    #[arg(long, requires = "out")]
    pub all: bool,
    /// Output folder for --all.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Video file name pattern; `{video_id}` stands for the video's id.
    #[arg(long, value_name = "PATTERN", default_value = cuebench::prompts::DEFAULT_VIDEO_NAME)]
    pub video_name: String,
    /// Line layout: `jsonl` (id, task, video, cut_at_s, prompt, label) or `verl`
    /// (RLHFDataset rows: prompt messages, data_source, reward_model.ground_truth, extra_info).
    #[arg(long, default_value = "jsonl")]
    pub format: cuebench::prompts::PromptFormat,
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
            emit(&cuebench::prompts::render(
                &videos,
                task,
                &args.video_name,
                args.format,
            ))?;
        }
        (None, Some(dir)) => {
            let written =
                cuebench::prompts::write_all(&videos, &args.video_name, args.format, &dir)?;
            for (path, n) in written {
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
