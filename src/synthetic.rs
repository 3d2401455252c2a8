//! A generated CueBench-sized data set (paper Figure 11 sample counts, about
//! 10,000 samples over all tasks) with model-like predictions, for `cuebench
//! bench`. Deterministic: the same seed gives the same files.

use serde_json::{Value, json};

use crate::formats::annotations::{Anticipation, FutureEvent, Triplet, Video};
use crate::tasks::Task;
use crate::tasks::derive::{Sample, derive_samples};

/// Videos in the paper's test set.
pub const VIDEOS: usize = 1222;
/// Videos with an anticipation block.
pub const ANTICIPATION_VIDEOS: usize = 81;

const EVENTS: &[&str] = &[
    "traffic accident",
    "climbing",
    "theft",
    "scuffle",
    "falling down",
    "drinking alcohol",
    "crossing road",
    "driving car",
    "motorcycling",
    "smoking",
    "throwing rubbish",
    "fishing",
    "cycling",
    "vandalism",
    "brawl",
    "jumping queue",
    "shooting gun",
    "swimming",
    "running",
    "fire",
    "robbery",
    "arrest",
    "explosion",
    "skating",
];
const SCENES: &[&str] = &[
    "street",
    "highway",
    "cliff",
    "shop",
    "swimming pool",
    "restaurant",
    "zebra crossing",
    "park",
    "bar",
    "supermarket",
    "river",
    "beach",
    "parking lot",
    "school",
    "office",
    "subway station",
    "playground",
    "construction site",
    "forest",
    "kitchen",
    "stadium",
    "bridge",
    "tunnel",
    "airport",
];
const ATTRIBUTES: &[&str] = &[
    "with helmet",
    "without helmet",
    "masked man",
    "bicycle",
    "night",
    "crowd",
    "no give way",
    "red light",
    "with protection",
    "elderly person",
    "child",
    "knife",
    "speeding",
    "rain",
    "smoke",
    "police",
    "dog",
    "wet floor",
    "drunk",
    "group of teenagers",
    "phone in hand",
    "heavy traffic",
    "fence",
    "broken glass",
];
/// Genres and camera views, cycled over the videos (values from examples/annotations.json).
const GENRES: &[&str] = &["news", "documentary", "compilation", "vlog"];
const CAMERA_VIEWS: &[&str] = &["surveillance", "handheld", "first-person"];

const DRIFT: &[&str] = &["area", "scene", "nearby", "at night", "people", "outdoors"];

/// A small deterministic generator (64-bit LCG), so no crate is needed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The generated annotations.
pub fn videos(seed: u64) -> Vec<Video> {
    let mut rng = Lcg(seed);
    (0..VIDEOS)
        .map(|v| {
            let events: Vec<&str> = (0..1 + rng.below(2) + usize::from(rng.chance(10)))
                .map(|_| rng.pick(EVENTS))
                .collect();
            let mut triplets = Vec::new();
            for (e, event) in events.iter().enumerate() {
                for k in 0..1 + usize::from(rng.chance(10)) {
                    triplets.push(triplet(&mut rng, format!("t{e}_{k}"), event));
                }
            }
            let anticipation = (v < ANTICIPATION_VIDEOS).then(|| {
                let event = rng.pick(EVENTS);
                Anticipation {
                    observed_until_s: 10.0,
                    future: vec![FutureEvent {
                        event: event.to_owned(),
                        scene: rng.pick(SCENES).to_owned(),
                        attributes: vec![rng.pick(ATTRIBUTES).to_owned()],
                        anomaly: 1.0,
                        probability: 0.8,
                        taxonomy: path("anomaly", event),
                    }],
                }
            });
            Video {
                video_id: format!("syn_{v:05}"),
                fps: 30.0,
                triplets,
                anticipation,
                // Cycled, not drawn: the random stream (and every figure) stays as it was.
                genre: Some(GENRES[v % GENRES.len()].to_owned()),
                camera_view: Some(CAMERA_VIEWS[v % CAMERA_VIEWS.len()].to_owned()),
                line: v + 1,
            }
        })
        .collect()
}

fn triplet(rng: &mut Lcg, id: String, event: &str) -> Triplet {
    let anomaly = rng.chance(50);
    let attributes = (0..rng.below(3))
        .map(|_| rng.pick(ATTRIBUTES).to_owned())
        .collect();
    let start = rng.below(3000) as u64;
    Triplet {
        id,
        event: event.to_owned(),
        scene: rng.pick(SCENES).to_owned(),
        attributes,
        anomaly,
        frames: vec![[start, start + 30 + rng.below(900) as u64]],
        taxonomy: path(if anomaly { "anomaly" } else { "normality" }, event),
    }
}

fn path(branch: &str, event: &str) -> Vec<String> {
    [branch, "safety", "personal", event]
        .map(str::to_owned)
        .to_vec()
}

/// The annotations as a JSONL text (docs/scoring.md §3.1).
pub fn annotations_jsonl(videos: &[Video]) -> String {
    videos
        .iter()
        .map(|v| {
            let triplets: Vec<Value> = v
                .triplets
                .iter()
                .map(|t| json!({"id": t.id, "event": t.event, "scene": t.scene, "attributes": t.attributes,
                    "anomaly": u8::from(t.anomaly), "frames": t.frames, "taxonomy": t.taxonomy}))
                .collect();
            let mut record = json!({"video_id": v.video_id, "fps": v.fps, "triplets": triplets});
            for (key, value) in [("genre", &v.genre), ("camera_view", &v.camera_view)] {
                if let Some(value) = value {
                    record[key] = json!(value);
                }
            }
            if let Some(a) = &v.anticipation {
                let future: Vec<Value> = a
                    .future
                    .iter()
                    .map(|f| json!({"event": f.event, "scene": f.scene, "attributes": f.attributes,
                        "anomaly": f.anomaly, "probability": f.probability, "taxonomy": f.taxonomy}))
                    .collect();
                record["anticipation"] = json!({"observed_until_s": a.observed_until_s, "future": future});
            }
            crate::formats::jsonl::line(&record) + "\n"
        })
        .collect()
}

/// Model-like predictions for every sample of every task, as one JSONL with
/// `task` fields: mostly right, with drifting texts, dropped and extra
/// elements, shifted times, 4% unparseable and 3% missing answers.
pub fn predictions_jsonl(videos: &[Video], seed: u64) -> String {
    let mut rng = Lcg(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut out = String::new();
    for task in Task::ALL {
        for sample in derive_samples(videos, task) {
            if rng.chance(3) {
                continue;
            }
            let answer = if rng.chance(4) {
                "I cannot tell.".to_owned()
            } else {
                format!(
                    "```json {}```",
                    Value::Array(perturb(&mut rng, task, &sample))
                )
            };
            let response = format!("<think>Looking at the video.</think><answer>{answer}</answer>");
            out.push_str(&crate::formats::jsonl::line(
                &json!({"id": sample.id, "task": task.name(), "response": response}),
            ));
            out.push('\n');
        }
    }
    out
}

fn perturb(rng: &mut Lcg, task: Task, sample: &Sample) -> Vec<Value> {
    let mut elements: Vec<Value> = sample.truth.iter().map(|e| drift(rng, e)).collect();
    if elements.len() > 1 && rng.chance(20) {
        elements.remove(rng.below(elements.len()));
    }
    if rng.chance(15) {
        if let Some(first) = sample.truth.first() {
            let mut extra = first.clone();
            replace_strings(&mut extra, &mut |_| rng.pick(EVENTS).to_owned());
            elements.push(extra);
        }
    }
    if task.is_temporal() {
        for e in &mut elements {
            shift_times(rng, e);
        }
    }
    elements
}

fn drift(rng: &mut Lcg, element: &Value) -> Value {
    let mut e = element.clone();
    replace_strings(&mut e, &mut |s| {
        if !s.is_empty() && rng.chance(30) {
            format!("{s} {}", rng.pick(DRIFT))
        } else {
            s.to_owned()
        }
    });
    e
}

fn replace_strings(value: &mut Value, f: &mut dyn FnMut(&str) -> String) {
    match value {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, f)),
        _ => {}
    }
}

fn shift_times(rng: &mut Lcg, element: &mut Value) {
    let Some(Value::Array(bounds)) = element.as_object_mut().and_then(|m| m.values_mut().next())
    else {
        return;
    };
    let shift = rng.below(8) as f64 - 3.0;
    for b in bounds.iter_mut() {
        if let Some(x) = b.as_f64() {
            let secs = (x + shift).max(0.0);
            *b = json!(format!(
                "{:02}:{:02}",
                (secs / 60.0) as u64,
                (secs % 60.0) as u64
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_paper_roughly_and_are_deterministic() {
        let v = videos(7);
        let total: usize = Task::ALL.iter().map(|&t| derive_samples(&v, t).len()).sum();
        assert!((8_000..=12_000).contains(&total), "{total}");
        assert_eq!(
            derive_samples(&v, Task::Anticipation).len(),
            ANTICIPATION_VIDEOS
        );
        assert_eq!(predictions_jsonl(&v, 7), predictions_jsonl(&videos(7), 7));
    }
}
