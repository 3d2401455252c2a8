//! The event-centric hierarchy taxonomy H (docs/scoring.md §5, paper section 1 and
//! Appendix A.4): a rooted tree root -> branch -> domain -> effect -> event ->
//! triplet leaf, read from the file format of docs/scoring.md §5.
//!
//! The tree serves the hierarchy score (docs/scoring.md §4 "Hierarchy", Eq. 4 and 6):
//! it lists the retrieval candidates (event names or triplet leaves, one
//! candidate per distinct text) and measures tree distances between nodes.

mod file;
mod ground_truth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::{Error, Result};
use file::{RawTaxonomy, normalise};
pub use ground_truth::{Anchor, add_ground_truth, anchor_nodes};

/// A node of the taxonomy tree. Only meaningful for the [`Taxonomy`] that
/// handed it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

/// The candidate sets proxy retrieval searches (docs/scoring.md §4 "Hierarchy").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateSet {
    /// Event nodes, one candidate per distinct event name (task `event`).
    Events,
    /// Triplet leaves under the `anomaly` branch (`anomaly-td`; `anomaly-bu`
    /// and `anticipation` when the anomaly score is > 0.5).
    AnomalyLeaves,
    /// Triplet leaves under the `normality` branch (score <= 0.5).
    NormalityLeaves,
    /// Every triplet leaf (missing or unreadable anomaly score).
    AllLeaves,
}

impl CandidateSet {
    const ALL: [CandidateSet; 4] = [
        CandidateSet::Events,
        CandidateSet::AnomalyLeaves,
        CandidateSet::NormalityLeaves,
        CandidateSet::AllLeaves,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// One retrieval candidate: a distinct text and every node that carries it
/// (a conditional event sits under both branches, so its name has several
/// nodes; docs/scoring.md §4 takes the smallest distance over them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The text to embed: an event name, or a leaf's "event, scene, attributes".
    pub text: String,
    /// The nodes with this text, in ascending order.
    pub nodes: Vec<NodeId>,
}

#[derive(Debug)]
struct Node {
    parent: Option<NodeId>,
    depth: u32,
    /// Whether the node lies under the `anomaly` branch (false for the root).
    anomaly: bool,
    /// The node's name, or a leaf's value text; normalised.
    text: String,
    /// Children by their (normalised) text, for path look-ups.
    children: BTreeMap<String, NodeId>,
}

/// The hierarchy taxonomy H (docs/scoring.md §5).
#[derive(Debug)]
pub struct Taxonomy {
    name: String,
    version: String,
    sha256: String,
    file: PathBuf,
    /// Level names below the root; the last one is the triplet leaf.
    levels: Vec<String>,
    nodes: Vec<Node>,
    /// The candidate lists, indexed by [`CandidateSet::index`]; built on
    /// first use and dropped when a triplet adds nodes.
    candidates: OnceLock<[Vec<Candidate>; 4]>,
}

const ROOT: NodeId = NodeId(0);

impl Taxonomy {
    /// Reads and validates a taxonomy file (docs/scoring.md §5). A malformed file is an
    /// [`Error::Taxonomy`] naming the offending entry; invalid JSON is an
    /// [`Error::Json`] with its line.
    pub fn load(path: &Path) -> Result<Taxonomy> {
        Self::from_json(&crate::formats::records::read_text(path)?, path)
    }

    /// `--taxonomy FILE` when given, else the reconstruction shipped with
    /// cuebench (`taxonomy/cuebench-reconstructed.json`, built into the binary).
    pub fn load_or_builtin(path: Option<&Path>) -> Result<Taxonomy> {
        match path {
            Some(p) => Taxonomy::load(p),
            None => Taxonomy::from_json(
                include_str!("../../taxonomy/cuebench-reconstructed.json"),
                Path::new("taxonomy/cuebench-reconstructed.json"),
            ),
        }
    }

    /// Builds a taxonomy from the text of a file; `path` names it in errors.
    /// The sha256 is taken over `text`'s bytes, i.e. the file's bytes.
    pub fn from_json(text: &str, path: &Path) -> Result<Taxonomy> {
        let raw = file::parse(text, path)?;
        Self::build(raw, format!("{:x}", Sha256::digest(text.as_bytes())), path)
    }

    fn build(raw: RawTaxonomy, sha256: String, path: &Path) -> Result<Taxonomy> {
        let mut tax = Taxonomy {
            name: raw.name,
            version: raw.version,
            sha256,
            file: path.to_owned(),
            levels: raw.levels,
            nodes: vec![Node {
                parent: None,
                depth: 0,
                anomaly: false,
                text: String::new(),
                children: BTreeMap::new(),
            }],
            candidates: OnceLock::new(),
        };
        for t in &raw.triplets {
            tax.insert(&t.path, Self::leaf_text(&t.event, &t.scene, &t.attributes))?;
        }
        Ok(tax)
    }

    /// The taxonomy's name, e.g. `cuebench-reconstructed` (for the signature).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The taxonomy's version string (for the signature).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Lower-case hex sha256 of the file's bytes (docs/scoring.md §5, recorded in the
    /// signature of docs/scoring.md §8).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Adds a ground-truth triplet under its annotated path if absent, so it
    /// becomes a node and a candidate too (docs/scoring.md §5); returns its leaf either
    /// way. `path` runs from the branch down to the event, as in the
    /// annotations' `taxonomy` field (docs/scoring.md §3.1). A path of the wrong length,
    /// an unknown branch or an event that is not the path's last name is an
    /// [`Error::Taxonomy`] naming the triplet (the caller may re-attach the
    /// annotation's file and line).
    pub fn add_triplet(
        &mut self,
        path: &[String],
        event: &str,
        scene: &str,
        attributes: &[String],
    ) -> Result<NodeId> {
        let text = Self::normalised_leaf_text(event, scene, attributes);
        file::check_path(path, event, self.levels.len() - 1).map_err(|m| Error::Taxonomy {
            path: self.file.clone(),
            line: 1,
            message: format!("ground-truth triplet `{text}`: {m}"),
        })?;
        let names: Vec<String> = path.iter().map(|p| normalise(p)).collect();
        let before = self.nodes.len();
        let leaf = self.insert(&names, text)?;
        if self.nodes.len() != before {
            self.candidates = OnceLock::new();
        }
        Ok(leaf)
    }

    /// A leaf's value text: "event, scene, a1, a2", each part trimmed and
    /// empty parts skipped (docs/scoring.md §4 "Semantic", docs/scoring.md §5).
    pub fn leaf_text(event: &str, scene: &str, attributes: &[String]) -> String {
        std::iter::once(event)
            .chain(std::iter::once(scene))
            .chain(attributes.iter().map(String::as_str))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// [`Taxonomy::leaf_text`] of the normalised parts: the text a leaf is
    /// stored and looked up under.
    fn normalised_leaf_text(event: &str, scene: &str, attributes: &[String]) -> String {
        let attributes: Vec<String> = attributes.iter().map(|a| normalise(a)).collect();
        Self::leaf_text(&normalise(event), &normalise(scene), &attributes)
    }

    /// The node at `path` (names from the branch down, compared trimmed and
    /// case-insensitively), e.g. an event node; the empty path is the root.
    pub fn node_at_path(&self, path: &[String]) -> Option<NodeId> {
        path.iter().try_fold(ROOT, |node, name| {
            self.node(node)?.children.get(&normalise(name)).copied()
        })
    }

    /// The leaf of a triplet under the event node at `path`, if the taxonomy
    /// has it (names compared as in [`Taxonomy::node_at_path`]).
    pub fn leaf_at(
        &self,
        path: &[String],
        event: &str,
        scene: &str,
        attributes: &[String],
    ) -> Option<NodeId> {
        let text = Self::normalised_leaf_text(event, scene, attributes);
        let parent = self.node_at_path(path)?;
        self.node(parent)?.children.get(&text).copied()
    }

    /// The text of a node: its name, or a leaf's value text (for reports).
    pub fn text(&self, id: NodeId) -> Option<&str> {
        self.node(id).map(|n| n.text.as_str())
    }

    /// Whether the node lies under the `anomaly` branch (false for the
    /// root, the `normality` branch and a foreign node).
    pub fn is_anomaly(&self, id: NodeId) -> bool {
        self.node(id).is_some_and(|n| n.anomaly)
    }

    /// d_max of Eq. 4: edges from the root to the deepest leaf (every leaf
    /// has the same depth; 5 for the paper's taxonomy).
    pub fn d_max(&self) -> u32 {
        u32::try_from(self.levels.len()).unwrap_or(u32::MAX)
    }

    /// The candidates of `set`, one per distinct text, sorted by text.
    pub fn candidates(&self, set: CandidateSet) -> &[Candidate] {
        &self.candidates.get_or_init(|| self.group_candidates())[set.index()]
    }

    /// Tree distance d_ij of Eq. 4: the number of edges on the path between
    /// two nodes, minimised over every pair from `a` x `b` (names at several
    /// nodes, docs/scoring.md §4). An empty side or a foreign node gives 2 * d_max, the
    /// farthest two leaves can be.
    pub fn min_distance(&self, a: &[NodeId], b: &[NodeId]) -> u32 {
        a.iter()
            .flat_map(|&x| b.iter().filter_map(move |&y| self.distance(x, y)))
            .min()
            .unwrap_or(2 * self.d_max())
    }

    /// Edges between two nodes via their lowest common ancestor.
    fn distance(&self, a: NodeId, b: NodeId) -> Option<u32> {
        let (mut x, mut y) = (a, b);
        let mut steps = 0;
        while x != y {
            let (nx, ny) = (self.node(x)?, self.node(y)?);
            // Climb the deeper one (or both at equal depth).
            if nx.depth >= ny.depth {
                x = nx.parent?;
                steps += 1;
            }
            if ny.depth >= nx.depth {
                y = ny.parent?;
                steps += 1;
            }
        }
        Some(steps)
    }

    fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    /// Inserts the nodes of `path` (normalised names) and the leaf `text`
    /// below it where missing; returns the leaf.
    fn insert(&mut self, path: &[String], text: String) -> Result<NodeId> {
        let anomaly = path.first().is_some_and(|b| b == "anomaly");
        let mut node = ROOT;
        for name in path.iter().chain(std::iter::once(&text)) {
            node = self.child(node, name, anomaly)?;
        }
        Ok(node)
    }

    /// The child of `parent` called `name`, created if absent.
    fn child(&mut self, parent: NodeId, name: &str, anomaly: bool) -> Result<NodeId> {
        let too_many = || Error::Taxonomy {
            path: self.file.clone(),
            line: 1,
            message: "too many nodes".into(),
        };
        let parent_node = self.node(parent).ok_or_else(too_many)?;
        if let Some(&id) = parent_node.children.get(name) {
            return Ok(id);
        }
        let depth = parent_node.depth + 1;
        let id = NodeId(u32::try_from(self.nodes.len()).map_err(|_| too_many())?);
        self.nodes.push(Node {
            parent: Some(parent),
            depth,
            anomaly,
            text: name.to_owned(),
            children: BTreeMap::new(),
        });
        if let Some(p) = self.nodes.get_mut(parent.0 as usize) {
            p.children.insert(name.to_owned(), id);
        }
        Ok(id)
    }

    /// Groups the event nodes and leaves into the four candidate lists.
    fn group_candidates(&self) -> [Vec<Candidate>; 4] {
        let event_depth = self.d_max() - 1;
        let mut groups: [BTreeMap<&str, Vec<NodeId>>; 4] = Default::default();
        for (i, node) in self.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            let sets: &[CandidateSet] = if node.depth == event_depth {
                &[CandidateSet::Events]
            } else if node.depth == self.d_max() && node.anomaly {
                &[CandidateSet::AnomalyLeaves, CandidateSet::AllLeaves]
            } else if node.depth == self.d_max() {
                &[CandidateSet::NormalityLeaves, CandidateSet::AllLeaves]
            } else {
                &[]
            };
            for set in sets {
                groups[set.index()].entry(&node.text).or_default().push(id);
            }
        }
        CandidateSet::ALL.map(|set| {
            groups[set.index()]
                .iter()
                .map(|(text, nodes)| Candidate {
                    text: (*text).to_owned(),
                    nodes: nodes.clone(),
                })
                .collect()
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
