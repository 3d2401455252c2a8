//! OpenRLHF's remote reward schema (`--reward.remote_url`): the request
//! `{"query": [...], "prompts": [...], "labels": [...]}`, the answer
//! `{"rewards": [...], "scores": [...], "extra_logs": {...}, "errors": [...]}`.
//!
//! Each item stands alone: a label that cannot be read or names an unknown
//! sample, a query or prompt that is not readable text (not a string, a lone
//! surrogate), or a query whose response cannot be told from its prompt,
//! gets reward 0 with `extra_logs.error` 1 and its message in `errors`
//! (OpenRLHF retries a failed request five times and then drops every reward
//! of it, so one bad item must not fail its neighbours). Each list element
//! is therefore kept as its JSON text and read alone, as `/reward` reads its
//! completions ([`super::request`]). `extra_logs` holds numbers only:
//! OpenRLHF turns each of its values into a tensor.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::worker::Scored;
use crate::evaluate::Completion;
use crate::formats::predictions::response_content;
use crate::formats::query::response_of;
use crate::model::BenchmarkId;
use crate::tasks::Task;

/// The request body; each element kept as its JSON text (validated, not
/// built), to be read alone.
#[derive(Debug, Deserialize)]
struct Request<'a> {
    /// Prompt and response, as one text per sample.
    #[serde(borrow)]
    query: Vec<&'a RawValue>,
    /// The prompts (each query's prompt, possibly cut on the left or
    /// respaced in the query: `formats::query` finds where it ends).
    #[serde(default, borrow)]
    prompts: Vec<&'a RawValue>,
    /// Per sample: a JSON object `{"id": ..., "task": ...}` (as an object, a
    /// dataset's struct column, or as its JSON text), or with `serve --task`
    /// the sample id alone.
    #[serde(borrow)]
    labels: Vec<&'a RawValue>,
}

/// A label read as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    id: Value,
    #[serde(default)]
    task: Option<String>,
    /// The benchmark, when a dataset mixes them (`cuebench.openrlhf`
    /// routes by it); here it must be the one served.
    #[serde(default)]
    bench: Option<String>,
}

/// One item of a request: its completion, or why it cannot be scored.
pub type Item = Result<Completion, String>;

/// What one item asks: a sample, its task and the response found.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked<T> {
    /// The sample id.
    pub id: String,
    /// The task, as `parse` read it (or the server's).
    pub task: T,
    /// The response, text from the prompt cut off.
    pub response: String,
}

/// The items of a request body for CUE-R1, in order; `Err` only for a body
/// that is not an OpenRLHF request at all (not JSON, lists of different
/// lengths). A response over the CLI's line limit is unreadable (reward 0),
/// as on `/reward`.
pub fn items(body: &[u8], task: Option<Task>) -> Result<Vec<Item>, String> {
    Ok(
        asked(body, task, BenchmarkId::CueBench, |name| name.parse())?
            .into_iter()
            .map(|a| {
                a.map(|a| Completion {
                    id: a.id,
                    task: a.task,
                    content: response_content(Some(&a.response)),
                })
            })
            .collect(),
    )
}

/// The items of a request body, each label's task read by `parse` (`task`:
/// the server's, for labels without one); a label that names a benchmark
/// must name `served`.
pub fn asked<T: Copy>(
    body: &[u8],
    task: Option<T>,
    served: BenchmarkId,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<Result<Asked<T>, String>>, String> {
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
    Ok(request
        .query
        .iter()
        .zip(&request.labels)
        .enumerate()
        .map(|(i, (query, label))| {
            let label: Value = element(label, "labels", i)?;
            let (id, task) = read_label(&label, task, served, &parse)
                .map_err(|e| format!("labels[{i}]: {e}"))?;
            let query: String = element(query, "query", i)?;
            // Without prompts the query is the response alone (after the
            // last assistant marker, if it has one).
            let response = match request.prompts.get(i) {
                Some(prompt) => {
                    let prompt: String = element(prompt, "prompts", i)?;
                    response_of(&query, Some(&prompt)).map_err(|e| format!("query[{i}]: {e}"))?
                }
                None => response_of(&query, None).unwrap_or(&query),
            };
            Ok(Asked {
                id,
                task,
                response: response.to_owned(),
            })
        })
        .collect())
}

/// Element `i` of the request's list `list`, read alone from its JSON text:
/// one that is not of the expected kind or not valid Unicode (a lone
/// surrogate) fails its own item only.
fn element<T: DeserializeOwned>(raw: &RawValue, list: &str, i: usize) -> Result<T, String> {
    serde_json::from_str(raw.get())
        .map_err(|e| format!("{list}[{i}]: unreadable ({e}); not scored"))
}

/// A label's sample id and task: an object (or its JSON text) with `id` and
/// `task` (`task` may be left out with `serve --task`), or with `serve
/// --task` a plain id.
fn read_label<T: Copy>(
    label: &Value,
    task: Option<T>,
    served: BenchmarkId,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<(String, T), String> {
    let usage = "expected {\"id\": ..., \"task\": ...} (an object or its JSON text), or a plain \
                 sample id with `serve --task`";
    let object = match label {
        Value::Object(_) => label.clone(),
        Value::String(text) if text.trim_start().starts_with('{') => {
            serde_json::from_str(text).map_err(|e| format!("{usage}: {e}"))?
        }
        Value::String(id) => {
            return match task {
                Some(task) => Ok((id.clone(), task)),
                None => Err(format!("{usage}: got the text {id:?}")),
            };
        }
        other => return Err(format!("{usage}: got {other}")),
    };
    let label: Label = serde_json::from_value(object).map_err(|e| format!("{usage}: {e}"))?;
    if let Some(bench) = label.bench.as_deref().filter(|&b| b != served.name()) {
        return Err(format!(
            "`bench` `{bench}`, but this server scores {}",
            served.name()
        ));
    }
    let id = match label.id {
        Value::String(id) => id,
        other => {
            return Err(format!(
                "`id` must be the sample id as a string (cuebench ids are texts such as \
                 \"vid_0001|t1\"), got {other}"
            ));
        }
    };
    let task = match (label.task, task) {
        (Some(name), _) => parse(&name)?,
        (None, Some(task)) => task,
        (None, None) => {
            return Err("`task` missing (give it, or start the server with --task)".into());
        }
    };
    Ok((id, task))
}

/// The completions to score: the readable items, in order.
pub fn readable(items: &[Item]) -> Vec<Completion> {
    items.iter().flatten().cloned().collect()
}

/// Each item's reward and parts (named by `PARTS`), or why it failed, from
/// the session's rewards of the readable items (`scored`, in order).
pub fn outcomes(items: &[Item], scored: Vec<Scored>) -> Vec<Outcome> {
    let mut scored = scored.into_iter();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Err(e) => Err(e.clone()),
            Ok(_) => match scored.next() {
                Some(Ok(r)) => Ok(vec![
                    r.reward.reward,
                    r.reward.parts.format,
                    r.reward.parts.structure,
                    r.reward.parts.task,
                ]),
                Some(Err(unknown)) => Err(format!("labels[{i}]: {unknown}")),
                None => Err(format!("labels[{i}]: internal: no reward computed")),
            },
        })
        .collect()
}

/// The CUE-R1 parts logged in `extra_logs`.
pub const PARTS: [&str; 3] = ["format", "struct", "task"];

/// One item's reward followed by its parts' values, or why it failed.
pub type Outcome = Result<Vec<f64>, String>;

/// The answer body: per item its reward, and in `extra_logs` each part
/// (`parts` names them) and `error`; a failed item gets 0 everywhere,
/// `error` 1 and its message in `errors`.
pub fn answer(outcomes: &[Outcome], parts: &[&str]) -> Value {
    let mut rewards = Vec::new();
    let mut logs: Vec<Vec<f64>> = vec![Vec::new(); parts.len()];
    let (mut failed, mut errors) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        let (values, error) = match outcome {
            Ok(values) => (values.clone(), Value::Null),
            Err(message) => (vec![0.0; parts.len() + 1], Value::String(message.clone())),
        };
        rewards.push(values.first().copied().unwrap_or(0.0));
        for (log, v) in logs.iter_mut().zip(values.iter().skip(1)) {
            log.push(*v);
        }
        failed.push(if error.is_null() { 0.0 } else { 1.0 });
        errors.push(error);
    }
    let mut extra: serde_json::Map<String, Value> = parts
        .iter()
        .zip(logs)
        .map(|(name, log)| ((*name).to_owned(), json!(log)))
        .collect();
    extra.insert("error".into(), json!(failed));
    json!({
        "rewards": rewards,
        "scores": rewards,
        "extra_logs": extra,
        "errors": errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::predictions::PredictionContent;

    fn read(body: &[u8], task: Option<Task>) -> Vec<Item> {
        items(body, task).expect("an OpenRLHF request")
    }

    #[test]
    fn prompts_are_cut_off_and_labels_read_as_text_or_object() {
        let body = br#"{"query": ["Q: say<answer>[]</answer>", "P: other"],
            "prompts": ["Q: say", "P: "],
            "labels": ["{\"id\": \"vid_0001|t1\", \"task\": \"grounding\"}", {"id": "v", "task": "event"}]}"#;
        let got = read(body, None);
        let first = got[0].as_ref().expect("readable");
        assert_eq!(
            (first.id.as_str(), first.task),
            ("vid_0001|t1", Task::Grounding)
        );
        assert_eq!(
            first.content,
            PredictionContent::Response("<answer>[]</answer>".into())
        );
        let second = got[1].as_ref().expect("readable");
        assert_eq!((second.id.as_str(), second.task), ("v", Task::Event));
        assert_eq!(second.content, PredictionContent::Response("other".into()));
    }

    #[test]
    fn with_a_server_task_a_label_is_the_id_or_an_object() {
        let body = br#"{"query": ["x", "y", "z"], "labels": ["vid_0001|t1",
            "{\"id\": \"vid_0002\", \"task\": \"event\"}", {"id": "vid_0003"}]}"#;
        let got: Vec<(String, Task)> = read(body, Some(Task::Grounding))
            .into_iter()
            .map(|c| c.map(|c| (c.id, c.task)).expect("readable"))
            .collect();
        assert_eq!(
            got,
            [
                ("vid_0001|t1".into(), Task::Grounding),
                ("vid_0002".into(), Task::Event),
                ("vid_0003".into(), Task::Grounding)
            ]
        );
    }

    #[test]
    fn a_bad_item_fails_alone_and_a_bad_body_fails_whole() {
        let bad = |body: &[u8]| items(body, None).unwrap_err();
        assert!(bad(b"not json").starts_with("request body:"));
        assert!(bad(br#"{"query": ["x"], "labels": []}"#).contains("1 queries"));
        let body = br#"{"query": ["x", "x", "x", "x", "x"], "labels": ["vid|t1",
            {"id": "v", "task": "nope"}, {"id": 7, "task": "event"}, {"id": "v"},
            {"id": "v", "task": "event", "extra": 1}]}"#;
        let got = read(body, None);
        let message = |i: usize| got[i].as_ref().unwrap_err().clone();
        assert!(
            message(0).starts_with("labels[0]: expected"),
            "{}",
            message(0)
        );
        assert!(message(1).contains("unknown task `nope`"), "{}", message(1));
        assert!(
            message(2).contains("`id` must be the sample id as a string"),
            "{}",
            message(2)
        );
        assert!(message(3).contains("`task` missing"), "{}", message(3));
        assert!(
            message(4).contains("unknown field `extra`"),
            "{}",
            message(4)
        );
    }

    #[test]
    fn a_label_may_name_the_served_benchmark_and_no_other() {
        let body = br#"{"query": ["x", "y"], "labels": [{"id": "v", "task": "event",
            "bench": "cuebench"}, {"id": "v", "task": "event", "bench": "vau-bench"}]}"#;
        let got = read(body, None);
        assert!(got[0].is_ok());
        assert_eq!(
            got[1].as_ref().unwrap_err(),
            "labels[1]: `bench` `vau-bench`, but this server scores cuebench"
        );
    }

    #[test]
    fn an_odd_element_fails_its_own_item_not_the_request() {
        // Regression: a lone surrogate or a non-string anywhere refused the
        // whole batch with a 400 (OpenRLHF then drops every reward of it).
        let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
        let body = format!(
            r#"{{"query": ["P: ok", "P: <answer>\ud800</answer>", 5, "P: x", "P: y", "P: z"],
            "prompts": ["P: ", "P: ", "P: ", null, "P: ", "P: "],
            "labels": ["v1", "v2", "v3", "v4", "\udc00", {deep}]}}"#
        );
        let got = read(body.as_bytes(), Some(Task::Event));
        assert_eq!(got.len(), 6);
        let first = got[0].as_ref().expect("the good item is read");
        assert_eq!(first.content, PredictionContent::Response("ok".into()));
        let message = |i: usize| got[i].as_ref().unwrap_err().clone();
        assert!(
            message(1).starts_with("query[1]: unreadable (unexpected end of hex escape"),
            "{}",
            message(1)
        );
        assert!(
            message(2).starts_with("query[2]: unreadable (invalid type: integer"),
            "{}",
            message(2)
        );
        assert!(
            message(3).starts_with("prompts[3]: unreadable (invalid type: null"),
            "{}",
            message(3)
        );
        assert!(
            message(4).starts_with("labels[4]: unreadable (lone leading surrogate"),
            "{}",
            message(4)
        );
        assert!(
            message(5).starts_with("labels[5]: unreadable (recursion limit"),
            "{}",
            message(5)
        );
    }

    #[test]
    fn a_response_over_the_line_limit_is_unreadable_as_on_reward() {
        let long = "x".repeat(crate::formats::predictions::MAX_LINE_BYTES + 1);
        let body = json!({"query": [long], "labels": ["v"]}).to_string();
        let got = read(body.as_bytes(), Some(Task::Event));
        assert_eq!(
            got[0].as_ref().expect("read").content,
            PredictionContent::Unreadable
        );
    }

    #[test]
    fn a_query_without_its_prompt_or_a_marker_is_refused_not_scored() {
        let body = br#"{"query": ["<think>t</think><answer>[]</answer>"],
            "prompts": ["a prompt the query does not contain"],
            "labels": [{"id": "v", "task": "event"}]}"#;
        let got = read(body, None);
        assert!(
            got[0]
                .as_ref()
                .unwrap_err()
                .starts_with("query[0]: the query neither")
        );
    }

    #[test]
    fn answers_give_failed_items_zero_and_say_why() {
        let items: Vec<Item> = vec![Err("labels[0]: bad".into())];
        let body = answer(&outcomes(&items, Vec::new()), &PARTS);
        assert_eq!(body["rewards"], json!([0.0]));
        assert_eq!(body["extra_logs"]["error"], json!([1.0]));
        assert_eq!(body["errors"], json!(["labels[0]: bad"]));
    }
}
