//! Unit tests on the hand-built 12-leaf taxonomy
//! `tests/fixtures/taxonomy/small.json` and on malformed files beside it.
//!
//! Depths in that tree: root 0, branch 1, domain 2, effect 3, event 4,
//! leaf 5, so the distance between two nodes is
//! (depth a - depth lca) + (depth b - depth lca).

use super::*;
use proptest::prelude::*;

/// Fixtures the taxonomy's tests and the hierarchy score's tests share.
pub(crate) mod fixtures {
    use super::*;

    /// A file under `tests/fixtures/taxonomy`.
    pub(crate) fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/taxonomy")
            .join(name)
    }

    /// The hand-built 12-leaf taxonomy (d_max = 5).
    pub(crate) fn small() -> Taxonomy {
        Taxonomy::load(&fixture("small.json")).expect("fixture loads")
    }

    /// A path of names.
    pub(crate) fn p(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }
}

use fixtures::{fixture, p, small};

/// The leaf with `text` under the event node at `path`.
fn leaf(tax: &Taxonomy, path: &[&str], text: &str) -> NodeId {
    let event = tax.node_at_path(&p(path)).expect("event node");
    tax.node(event).expect("node").children[text]
}

fn candidate<'t>(tax: &'t Taxonomy, set: CandidateSet, text: &str) -> &'t Candidate {
    tax.candidates(set)
        .iter()
        .find(|c| c.text == text)
        .expect("candidate")
}

fn load_error(name: &str) -> String {
    Taxonomy::load(&fixture(name))
        .expect_err("malformed file is rejected")
        .to_string()
}

const A_MOTO: &[&str] = &["anomaly", "safety", "traffic", "motorcycling"];
const N_MOTO: &[&str] = &["normality", "safety", "traffic", "motorcycling"];

#[test]
fn reads_header_and_hash() {
    let tax = small();
    assert_eq!((tax.name(), tax.version()), ("small", "1"));
    // `sha256sum tests/fixtures/taxonomy/small.json`
    assert_eq!(
        tax.sha256(),
        "4beb6f7b00d9c12d515e3cab42f049fff59bcf691e3a1c060ed0429c0863b459"
    );
    // root -> branch -> domain -> effect -> event -> leaf: 5 edges.
    assert_eq!(tax.d_max(), 5);
}

#[test]
fn candidate_sets_group_equal_texts() {
    let tax = small();
    let events: Vec<_> = tax
        .candidates(CandidateSet::Events)
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "climbing",
            "crossing road",
            "motorcycling",
            "smoking",
            "theft"
        ]
    );
    // smoking: anomaly/safety/public, anomaly/life & health/health, normality/life & health/health.
    assert_eq!(
        candidate(&tax, CandidateSet::Events, "smoking").nodes.len(),
        3
    );
    assert_eq!(
        candidate(&tax, CandidateSet::Events, "motorcycling")
            .nodes
            .len(),
        2
    );
    // 7 anomalous and 5 normal leaves; "smoking, bus" is in both branches, so
    // all leaves give 11 distinct texts and that one stands for 2 nodes.
    assert_eq!(tax.candidates(CandidateSet::AnomalyLeaves).len(), 7);
    assert_eq!(tax.candidates(CandidateSet::NormalityLeaves).len(), 5);
    assert_eq!(tax.candidates(CandidateSet::AllLeaves).len(), 11);
    assert_eq!(
        candidate(&tax, CandidateSet::AllLeaves, "smoking, bus")
            .nodes
            .len(),
        2
    );
    let sorted = tax
        .candidates(CandidateSet::AllLeaves)
        .windows(2)
        .all(|w| w[0].text < w[1].text);
    assert!(sorted);
}

#[test]
fn tree_distances() {
    let tax = small();
    let a1 = leaf(&tax, A_MOTO, "motorcycling, highway, without helmet");
    let at = |path: &[&str], text: &str| tax.min_distance(&[a1], &[leaf(&tax, path, text)]);
    // Itself: 0.
    assert_eq!(tax.min_distance(&[a1], &[a1]), 0);
    // Sibling leaf under the same event (lca = event, depth 4): 1 + 1.
    assert_eq!(at(A_MOTO, "motorcycling, sidewalk"), 2);
    // Other event, same effect `traffic` (lca depth 3): 2 + 2.
    let a_cross = ["anomaly", "safety", "traffic", "crossing road"];
    assert_eq!(at(&a_cross, "crossing road, highway, jaywalking"), 4);
    // Other effect, same domain `safety` (lca depth 2): 3 + 3.
    let a_climb = ["anomaly", "safety", "personal", "climbing"];
    assert_eq!(at(&a_climb, "climbing, cliff, without protection"), 6);
    // Other domain, same branch (lca depth 1): 4 + 4.
    let a_theft = ["anomaly", "laws & rules", "property", "theft"];
    assert_eq!(at(&a_theft, "theft, shop, masked man"), 8);
    // Other branch (lca = root): 5 + 5 = 2 * d_max, the largest distance.
    assert_eq!(at(N_MOTO, "motorcycling, highway, with helmet"), 10);
    // A leaf and its own event node: 1; the root and a leaf: d_max.
    let event = tax.node_at_path(&p(A_MOTO)).expect("event");
    assert_eq!(tax.min_distance(&[event], &[a1]), 1);
    assert_eq!(tax.min_distance(&[ROOT], &[a1]), 5);
}

#[test]
fn names_at_several_nodes_take_the_smallest_distance() {
    let tax = small();
    let nodes = |text: &str| candidate(&tax, CandidateSet::Events, text).nodes.clone();
    // smoking (a/safety/public, a/l&h/health, n/l&h/health) vs theft (a/l&r/property):
    // 6 (lca anomaly), 6 (lca anomaly), 8 (lca root) -> 6.
    assert_eq!(tax.min_distance(&nodes("smoking"), &nodes("theft")), 6);
    // smoking vs climbing (a/safety/personal, n/safety/personal): a/safety/public
    // meets a/safety/personal at `safety` (depth 2): 2 + 2 = 4, the minimum.
    assert_eq!(tax.min_distance(&nodes("smoking"), &nodes("climbing")), 4);
    // Same name: 0.
    assert_eq!(tax.min_distance(&nodes("smoking"), &nodes("smoking")), 0);
    // "smoking, bus" retrieved from all leaves stands for both of its leaves,
    // so against the normal one it is 0; from the anomaly leaves only it is
    // the anomalous leaf, across the root: 10.
    let n_bus = leaf(
        &tax,
        &["normality", "life & health", "health", "smoking"],
        "smoking, bus",
    );
    let all = &candidate(&tax, CandidateSet::AllLeaves, "smoking, bus").nodes;
    let anomalous = &candidate(&tax, CandidateSet::AnomalyLeaves, "smoking, bus").nodes;
    assert_eq!(tax.min_distance(all, &[n_bus]), 0);
    assert_eq!(tax.min_distance(anomalous, &[n_bus]), 10);
}

#[test]
fn empty_or_foreign_nodes_give_the_largest_distance() {
    let tax = small();
    let a1 = leaf(&tax, A_MOTO, "motorcycling, highway, without helmet");
    assert_eq!(tax.min_distance(&[], &[a1]), 10);
    assert_eq!(tax.min_distance(&[a1], &[]), 10);
    assert_eq!(tax.min_distance(&[NodeId(9999)], &[a1]), 10);
}

#[test]
fn existing_triplet_is_found_not_added() {
    let mut tax = small();
    let a1 = leaf(&tax, A_MOTO, "motorcycling, highway, without helmet");
    // Case and spaces do not matter.
    let id = tax
        .add_triplet(
            &p(&["Anomaly", "Safety", "Traffic", "Motorcycling"]),
            "Motorcycling",
            " Highway",
            &p(&["Without Helmet"]),
        )
        .expect("valid triplet");
    assert_eq!(id, a1);
    assert_eq!(tax.candidates(CandidateSet::AllLeaves).len(), 11);
}

#[test]
fn absent_triplet_is_added_under_its_path() {
    let mut tax = small();
    let n1 = leaf(&tax, N_MOTO, "motorcycling, highway, with helmet");
    let new = tax
        .add_triplet(&p(N_MOTO), "motorcycling", "street", &p(&["with helmet"]))
        .expect("valid triplet");
    // A new leaf beside n1 under the existing event node: 1 + 1.
    assert_eq!(tax.min_distance(&[new], &[n1]), 2);
    assert_eq!(tax.text(new), Some("motorcycling, street, with helmet"));
    // It is a candidate now: 5 + 1 normal leaves, 11 + 1 in all.
    assert_eq!(tax.candidates(CandidateSet::NormalityLeaves).len(), 6);
    assert_eq!(tax.candidates(CandidateSet::AllLeaves).len(), 12);
    // A triplet under an event the taxonomy lacks creates the event node too.
    let speeding = tax
        .add_triplet(
            &p(&["anomaly", "safety", "traffic", "speeding"]),
            "speeding",
            "highway",
            &[],
        )
        .expect("valid triplet");
    let a1 = leaf(&tax, A_MOTO, "motorcycling, highway, without helmet");
    // Meets a1 at the effect `traffic` (depth 3): 2 + 2.
    assert_eq!(tax.min_distance(&[speeding], &[a1]), 4);
    assert!(
        tax.candidates(CandidateSet::Events)
            .iter()
            .any(|c| c.text == "speeding")
    );
    assert_eq!(tax.candidates(CandidateSet::AnomalyLeaves).len(), 8);
}

#[test]
fn malformed_ground_truth_path_is_rejected() {
    let mut tax = small();
    let short = tax.add_triplet(&p(&["anomaly", "safety", "theft"]), "theft", "shop", &[]);
    let msg = short.expect_err("3 names").to_string();
    assert!(
        msg.contains("`theft, shop`") && msg.contains("expected 4"),
        "{msg}"
    );
    let branch = tax.add_triplet(&p(&["abnormal", "safety", "traffic", "x"]), "x", "", &[]);
    assert!(
        branch
            .expect_err("branch")
            .to_string()
            .contains("`abnormal`")
    );
    let mismatch = tax.add_triplet(&p(A_MOTO), "cycling", "", &[]);
    assert!(
        mismatch
            .expect_err("event")
            .to_string()
            .contains("`cycling`")
    );
}

#[test]
fn can_be_shared_across_threads() {
    // Scoring runs samples in parallel over one `&Taxonomy`.
    fn shared<T: Sync + Send>() {}
    shared::<Taxonomy>();
}

#[test]
fn leaf_at_finds_only_present_leaves() {
    let tax = small();
    let a1 = leaf(&tax, A_MOTO, "motorcycling, highway, without helmet");
    let found = tax.leaf_at(
        &p(A_MOTO),
        "Motorcycling",
        "highway",
        &p(&["without helmet"]),
    );
    assert_eq!(found, Some(a1));
    assert_eq!(tax.leaf_at(&p(A_MOTO), "motorcycling", "street", &[]), None);
    assert_eq!(
        tax.leaf_at(&p(&["anomaly", "x"]), "motorcycling", "highway", &[]),
        None
    );
}

#[test]
fn leaf_text_skips_empty_parts() {
    assert_eq!(
        Taxonomy::leaf_text("falling down", "swimming pool", &[]),
        "falling down, swimming pool"
    );
    assert_eq!(
        Taxonomy::leaf_text("climbing", "cliff", &p(&["with protection", "with helmet"])),
        "climbing, cliff, with protection, with helmet"
    );
    assert_eq!(
        Taxonomy::leaf_text(" theft ", "", &p(&["", "masked man"])),
        "theft, masked man"
    );
}

#[test]
fn node_at_path_walks_prefixes() {
    let tax = small();
    assert_eq!(tax.node_at_path(&[]), Some(ROOT));
    let domain = tax
        .node_at_path(&p(&["anomaly", "Safety"]))
        .expect("domain");
    assert_eq!(tax.text(domain), Some("safety"));
    assert_eq!(
        tax.node_at_path(&p(&["anomaly", "safety", "traffic", "speeding"])),
        None
    );
}

#[test]
fn malformed_files_name_the_entry() {
    let msg = load_error("bad_depth.json");
    assert!(
        msg.contains("triplets[1] (event `theft`") && msg.contains("expected 4"),
        "{msg}"
    );
    // Errors name the line the entry starts on.
    assert!(
        msg.contains("bad_depth.json:4: taxonomy: triplets[1]"),
        "{msg}"
    );
    let msg = load_error("duplicate_leaf.json");
    assert!(
        msg.contains("duplicate_leaf.json:5: taxonomy: triplets[2]"),
        "{msg}"
    );
    let msg = load_error("bad_branch.json");
    assert!(
        msg.contains("triplets[0]") && msg.contains("`abnormal`"),
        "{msg}"
    );
    // Entry 2 repeats entry 0 up to case and spaces; entry 1 has the same
    // text under the other branch, which is allowed.
    let msg = load_error("duplicate_leaf.json");
    assert!(
        msg.contains("triplets[2]") && msg.contains("duplicate of triplets[0]"),
        "{msg}"
    );
    let msg = load_error("event_mismatch.json");
    assert!(msg.contains("event `cycling` differs"), "{msg}");
    // `attribute` (a typo for `attributes`) is refused, not silently ignored.
    let msg = load_error("unknown_field.json");
    assert!(msg.contains("unknown field `attribute`"), "{msg}");
    for name in ["bad_depth.json", "bad_branch.json", "duplicate_leaf.json"] {
        let err = Taxonomy::load(&fixture(name)).expect_err("malformed");
        assert!(matches!(err, Error::Taxonomy { .. }), "{name}: {err:?}");
    }
}

#[test]
fn invalid_json_and_missing_files() {
    let err = Taxonomy::load(&fixture("invalid_json.json")).expect_err("invalid");
    assert!(matches!(err, Error::Json { line: 4, .. }), "{err:?}");
    let err = Taxonomy::load(&fixture("no_such_file.json")).expect_err("missing");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let path = Path::new("inline.json");
    let empty = r#"{"name": "x", "version": "1", "levels": ["branch", "event", "triplet"], "triplets": []}"#;
    assert!(
        Taxonomy::from_json(empty, path)
            .expect_err("empty")
            .to_string()
            .contains("empty")
    );
    let shallow = r#"{"name": "x", "version": "1", "levels": ["triplet"], "triplets": []}"#;
    assert!(
        Taxonomy::from_json(shallow, path)
            .expect_err("levels")
            .to_string()
            .contains("`levels`")
    );
    assert!(Taxonomy::from_json("[1, 2]", path).is_err());
}

#[test]
fn shipped_reconstruction_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("taxonomy/cuebench-reconstructed.json");
    let tax = Taxonomy::load(&path).expect("shipped taxonomy is valid");
    assert_eq!(tax.name(), "cuebench-reconstructed");
    assert_eq!(tax.d_max(), 5);
    let domains: Vec<_> = ["safety", "laws & rules", "life & health"]
        .iter()
        .map(|d| tax.node_at_path(&p(&["anomaly", d])))
        .collect();
    assert!(domains.iter().all(Option::is_some));
    // 7 absolute + 10 conditional events identified from the paper's text.
    assert_eq!(tax.candidates(CandidateSet::Events).len(), 17);
    // Every conditional event sits under both branches.
    for event in [
        "climbing",
        "crossing road",
        "motorcycling",
        "smoking",
        "throwing rubbish",
        "shooting gun",
        "fishing",
    ] {
        let c = candidate(&tax, CandidateSet::Events, event);
        let branches: std::collections::BTreeSet<_> = c
            .nodes
            .iter()
            .map(|&n| tax.node(n).map(|n| n.anomaly))
            .collect();
        assert_eq!(branches.len(), 2, "{event}");
    }
}

proptest! {
    /// d is a metric on the tree's nodes: zero exactly on equal nodes,
    /// symmetric, and obeying the triangle inequality; never above 2 * d_max.
    #[test]
    fn distance_is_a_metric(a in 0u32..60, b in 0u32..60, c in 0u32..60) {
        let tax = small();
        let n = tax.nodes.len() as u32;
        let (a, b, c) = (NodeId(a % n), NodeId(b % n), NodeId(c % n));
        let d = |x: NodeId, y: NodeId| tax.min_distance(&[x], &[y]);
        prop_assert_eq!(d(a, b) == 0, a == b);
        prop_assert_eq!(d(a, b), d(b, a));
        prop_assert!(d(a, c) <= d(a, b) + d(b, c));
        prop_assert!(d(a, b) <= 2 * tax.d_max());
    }
}
