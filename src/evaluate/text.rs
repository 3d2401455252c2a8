//! What the embedding-based scores need, prepared once per run: the unit
//! vector of every value text, and for the hierarchy score the taxonomy with
//! every output text's proxy nodes (SPEC 4 "Semantic", "Hierarchy").

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde_json::Value;

use super::Prepared;
use crate::embedding::Vectors;
use crate::metrics::hierarchy::{anomaly_score, branch_for_score, nearest_candidate};
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

/// The candidate set an output element's proxy is searched in (SPEC 4): the
/// event nodes for `event`, anomaly leaves for `anomaly-td`, and for tasks
/// with an anomaly score the branch that score picks.
pub fn candidate_set(task: Task, element: &Value) -> CandidateSet {
    match task.anomaly_score_key() {
        Some(key) => branch_for_score(lookup(element, key).and_then(anomaly_score)),
        None if task == Task::Event => CandidateSet::Events,
        None => CandidateSet::AnomalyLeaves,
    }
}

/// The taxonomy and the proxy nodes of every output text it was built for.
#[derive(Debug)]
pub struct Hierarchy {
    /// The taxonomy, ground-truth triplets included.
    pub taxonomy: Taxonomy,
    /// `--tau`.
    pub tau: f64,
    proxies: HashMap<(CandidateSet, String), Vec<NodeId>>,
}

impl Hierarchy {
    /// A hierarchy with no proxies yet.
    pub fn new(taxonomy: Taxonomy, tau: f64) -> Self {
        Hierarchy {
            taxonomy,
            tau,
            proxies: HashMap::new(),
        }
    }

    /// Finds the proxy of every output element of the hierarchy tasks that
    /// has none yet: the candidate of its set with the highest cosine to its
    /// value text. `vectors` must hold the candidate and output texts.
    pub fn add_proxies<'a>(
        &mut self,
        vectors: &Vectors,
        prepared: impl IntoIterator<Item = (Task, &'a Prepared<'a>)>,
    ) {
        let mut queries: HashSet<(CandidateSet, String)> = HashSet::new();
        for (task, p) in prepared.into_iter().filter(|(t, _)| t.has_hierarchy()) {
            for element in &p.elements {
                let query = (candidate_set(task, element), task.value_text(element));
                if !query.1.is_empty() && !self.proxies.contains_key(&query) {
                    queries.insert(query);
                }
            }
        }
        // Each set's candidate vectors are gathered once, not once per query.
        let sets: HashSet<CandidateSet> = queries.iter().map(|(set, _)| *set).collect();
        let candidates: HashMap<CandidateSet, Candidates> = sets
            .into_iter()
            .map(|set| (set, Candidates::gather(&self.taxonomy, vectors, set)))
            .collect();
        let found: Vec<_> = queries
            .into_par_iter()
            .filter_map(|(set, text)| {
                let nodes = candidates[&set].nearest(vectors.get(&text)?)?;
                Some(((set, text), nodes.to_vec()))
            })
            .collect();
        self.proxies.extend(found);
    }

    /// The proxy nodes of an output text in a candidate set, if it has one.
    pub fn proxy(&self, set: CandidateSet, text: &str) -> Option<&[NodeId]> {
        self.proxies.get(&(set, text.to_owned())).map(Vec::as_slice)
    }
}

/// The candidates of one set with their vectors, ready for retrieval.
struct Candidates<'a> {
    nodes: Vec<&'a [NodeId]>,
    vectors: Vec<&'a [f32]>,
}

impl<'a> Candidates<'a> {
    fn gather(taxonomy: &'a Taxonomy, vectors: &'a Vectors, set: CandidateSet) -> Self {
        let (nodes, vectors) = taxonomy
            .candidates(set)
            .iter()
            .filter_map(|c| Some((c.nodes.as_slice(), vectors.get(&c.text)?)))
            .unzip();
        Candidates { nodes, vectors }
    }

    /// The nodes of the candidate nearest to `query` (the proxy, SPEC 4).
    fn nearest(&self, query: &[f32]) -> Option<&'a [NodeId]> {
        nearest_candidate(query, &self.vectors).map(|i| self.nodes[i])
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
