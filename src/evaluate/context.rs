//! What the embedding-based scores need, kept for a session: the unit
//! vector of every value text, and for the hierarchy score the taxonomy with
//! every output text's proxy nodes (docs/scoring.md §4 "Semantic", "Hierarchy").

use std::collections::HashSet;

use serde_json::Value;

use super::Prepared;
use crate::embedding::Vectors;
use crate::metrics::hierarchy::proxy::{ProxyIndex, anomaly_score, branch_for_score};
use crate::tasks::{Task, lookup};
use crate::taxonomy::{CandidateSet, NodeId, Taxonomy};

/// Every value text a set of prepared samples needs embedded: answers and
/// ground truth of the semantic tasks, in first-seen order, without repeats.
pub fn value_texts<'a>(
    prepared: impl IntoIterator<Item = (Task, &'a Prepared<'a>)>,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut texts = Vec::new();
    for (task, p) in prepared.into_iter().filter(|(t, _)| t.has_semantic()) {
        for element in p.elements.iter().chain(&p.sample.truth) {
            let text = task.value_text(element);
            if !text.is_empty() && seen.insert(text.clone()) {
                texts.push(text);
            }
        }
    }
    texts
}

/// The candidate texts of a taxonomy (events and leaves), to embed with the rest.
pub fn candidate_texts(taxonomy: &Taxonomy) -> Vec<String> {
    [CandidateSet::Events, CandidateSet::AllLeaves]
        .iter()
        .flat_map(|&set| taxonomy.candidates(set).iter().map(|c| c.text.clone()))
        .collect()
}

/// The candidate set an output element's proxy is searched in (docs/scoring.md §4): the
/// event nodes for `event`, anomaly leaves for `anomaly-td`, and for tasks
/// with an anomaly score the branch that score picks.
pub fn candidate_set(task: Task, element: &Value) -> CandidateSet {
    match task.anomaly_score_key() {
        Some(key) => branch_for_score(lookup(element, key).and_then(anomaly_score)),
        None if task == Task::Event => CandidateSet::Events,
        None => CandidateSet::AnomalyLeaves,
    }
}

/// The taxonomy and the proxy nodes of every output text seen so far.
#[derive(Debug)]
pub struct Hierarchy {
    /// The taxonomy, ground-truth triplets included.
    pub taxonomy: Taxonomy,
    /// `--tau`.
    pub tau: f64,
    proxies: ProxyIndex,
}

impl Hierarchy {
    /// A hierarchy with no proxies yet.
    pub fn new(taxonomy: Taxonomy, tau: f64) -> Self {
        Hierarchy {
            taxonomy,
            tau,
            proxies: ProxyIndex::default(),
        }
    }

    /// Retrieves the proxy of every output element of the hierarchy tasks
    /// that has none yet. `vectors` must hold the candidate and output texts.
    pub fn add_proxies<'a>(
        &mut self,
        vectors: &Vectors,
        prepared: impl IntoIterator<Item = (Task, &'a Prepared<'a>)>,
    ) {
        let mut queries: HashSet<(CandidateSet, String)> = HashSet::new();
        for (task, p) in prepared.into_iter().filter(|(t, _)| t.has_hierarchy()) {
            for element in &p.elements {
                queries.insert((candidate_set(task, element), task.value_text(element)));
            }
        }
        self.proxies
            .retrieve(&self.taxonomy, |text| vectors.get(text), queries);
    }

    /// Forgets every proxy (they are retrieved again when needed, from the
    /// same vectors and taxonomy, so to the same nodes).
    pub fn forget_proxies(&mut self) {
        self.proxies = ProxyIndex::default();
    }

    /// The proxy nodes of an output text in a candidate set, if it has one.
    pub fn proxy(&self, set: CandidateSet, text: &str) -> Option<&[NodeId]> {
        self.proxies.get(set, text)
    }
}

/// Vectors plus, when a hierarchy task is scored, the hierarchy.
#[derive(Debug)]
pub struct TextContext {
    /// Unit vectors of every value and candidate text.
    pub vectors: Vectors,
    /// Present when a hierarchy task is scored.
    pub hierarchy: Option<Hierarchy>,
}
