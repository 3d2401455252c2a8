//! OpenRLHF's remote reward schema (`--reward.remote_url`): the request
//! `{"query": [...], "prompts": [...], "labels": [...]}`, the answer
//! `{"rewards": [...], "scores": [...], "extra_logs": {...}}`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::worker::Scored;
use crate::evaluate::Completion;
use crate::formats::predictions::PredictionContent;
use crate::tasks::Task;

/// The request body.
#[derive(Debug, Deserialize)]
struct Request {
    /// Prompt and response, as one text per sample.
    query: Vec<String>,
    /// The prompts (a prefix of each query, cut off to leave the response).
    #[serde(default)]
    prompts: Vec<String>,
    /// Per sample: its id (with `serve --task`), else a JSON object string
    /// `{"id": ..., "task": ...}` (ids contain `|`, so nothing is joined).
    labels: Vec<String>,
}

/// A label read as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    id: String,
    task: String,
}

/// The completions of a request body, in order, or what is wrong with it.
pub fn completions(body: &[u8], task: Option<Task>) -> Result<Vec<Completion>, String> {
    let request: Request =
        serde_json::from_slice(body).map_err(|e| format!("request body: {e}"))?;
    let n = request.query.len();
    if request.labels.len() != n || !(request.prompts.is_empty() || request.prompts.len() == n) {
        return Err(format!(
            "request body: {n} queries, {} prompts and {} labels (prompts may be left out)",
            request.prompts.len(),
            request.labels.len()
        ));
    }
    request
        .query
        .into_iter()
        .zip(request.labels)
        .enumerate()
        .map(|(i, (query, label))| {
            let response = match request.prompts.get(i) {
                Some(prompt) => query.strip_prefix(prompt.as_str()).unwrap_or(&query),
                None => &query,
            };
            let (id, task) = read_label(&label, task).map_err(|e| format!("labels[{i}]: {e}"))?;
            Ok(Completion {
                id,
                task,
                content: PredictionContent::Response(response.to_owned()),
            })
        })
        .collect()
}

/// A label's sample id and task.
fn read_label(label: &str, task: Option<Task>) -> Result<(String, Task), String> {
    if let Some(task) = task {
        return Ok((label.to_owned(), task));
    }
    let label: Label = serde_json::from_str(label).map_err(|e| {
        format!("expected a JSON object {{\"id\": ..., \"task\": ...}} (or start the server with --task): {e}")
    })?;
    Ok((label.id, label.task.parse()?))
}

/// The answer body; an unknown sample is an error naming its label.
pub fn answer(scored: &[Scored]) -> Result<Value, String> {
    let rewards = scored
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Ok(r) => Ok(r),
            Err(unknown) => Err(format!("labels[{i}]: {unknown}")),
        })
        .collect::<Result<Vec<_>, String>>()?;
    let column = |f: fn(&crate::evaluate::session::RewardedCompletion) -> f64| {
        rewards.iter().map(|r| f(r)).collect::<Vec<f64>>()
    };
    let values = column(|r| r.reward.reward);
    Ok(json!({
        "rewards": values,
        "scores": values,
        "extra_logs": {
            "format": column(|r| r.reward.parts.format),
            "struct": column(|r| r.reward.parts.structure),
            "task": column(|r| r.reward.parts.task),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_are_cut_off_and_labels_read() {
        let body = br#"{"query": ["Q: say<answer>[]</answer>", "other"],
            "prompts": ["Q: say", "P"],
            "labels": ["{\"id\": \"vid_0001|t1\", \"task\": \"grounding\"}", "{\"id\": \"v\", \"task\": \"event\"}"]}"#;
        let got = completions(body, None).expect("reads");
        assert_eq!(got[0].id, "vid_0001|t1");
        assert_eq!(got[0].task, Task::Grounding);
        assert_eq!(
            got[0].content,
            PredictionContent::Response("<answer>[]</answer>".into())
        );
        // A prompt that is not a prefix leaves the query whole.
        assert_eq!(got[1].content, PredictionContent::Response("other".into()));
    }

    #[test]
    fn with_a_server_task_a_label_is_the_id() {
        let body = br#"{"query": ["x"], "labels": ["vid_0001|t1"]}"#;
        let got = completions(body, Some(Task::Grounding)).expect("reads");
        assert_eq!(
            (got[0].id.as_str(), got[0].task),
            ("vid_0001|t1", Task::Grounding)
        );
    }

    #[test]
    fn malformed_requests_say_what_is_wrong() {
        let bad = |body: &[u8]| completions(body, None).unwrap_err();
        assert!(bad(b"not json").starts_with("request body:"));
        assert!(bad(br#"{"query": ["x"], "labels": []}"#).contains("1 queries"));
        assert!(bad(br#"{"query": ["x"], "labels": ["vid|t1"]}"#).starts_with("labels[0]:"));
        assert!(
            bad(br#"{"query": ["x"], "labels": ["{\"id\": \"v\", \"task\": \"nope\"}"]}"#)
                .contains("unknown task `nope`")
        );
    }
}
