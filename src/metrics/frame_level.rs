//! Frame-level ranking figures of video anomaly detection (docs/scoring.md
//! §10): ROC-AUC and average precision over (score, anomalous) pairs, with
//! tied scores grouped into one threshold the way scikit-learn's
//! `roc_auc_score` and `average_precision_score` group them.

/// The running counts after each distinct score, highest score first:
/// (true positives, false positives) at that threshold.
fn thresholds(frames: &[(f64, bool)]) -> Vec<(usize, usize)> {
    let mut sorted: Vec<(f64, bool)> = frames.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut steps: Vec<(usize, usize)> = Vec::new();
    let (mut tp, mut fp) = (0, 0);
    for (i, &(score, positive)) in sorted.iter().enumerate() {
        if positive {
            tp += 1;
        } else {
            fp += 1;
        }
        // A threshold ends where the next score differs (ties are one step).
        if sorted.get(i + 1).is_none_or(|next| next.0 != score) {
            steps.push((tp, fp));
        }
    }
    steps
}

/// The number of positives and negatives; `None` unless both are present
/// (with one class the figures are undefined).
fn classes(frames: &[(f64, bool)]) -> Option<(usize, usize)> {
    let positives = frames.iter().filter(|f| f.1).count();
    let negatives = frames.len() - positives;
    (positives > 0 && negatives > 0).then_some((positives, negatives))
}

/// Area under the ROC curve (trapezoids between thresholds); `None` with
/// only one class. Equals the share of (positive, negative) pairs ranked
/// right, a tie counting one half.
pub fn roc_auc(frames: &[(f64, bool)]) -> Option<f64> {
    let (positives, negatives) = classes(frames)?;
    let mut area = 0.0;
    let (mut tp0, mut fp0) = (0usize, 0usize);
    for (tp, fp) in thresholds(frames) {
        area += (fp - fp0) as f64 * (tp + tp0) as f64 / 2.0;
        (tp0, fp0) = (tp, fp);
    }
    Some(area / (positives as f64 * negatives as f64))
}

/// Average precision: the sum over thresholds of (recall gained) x
/// (precision at that threshold), no interpolation; `None` with only one
/// class.
pub fn average_precision(frames: &[(f64, bool)]) -> Option<f64> {
    let (positives, _) = classes(frames)?;
    let mut ap = 0.0;
    let mut tp0 = 0usize;
    for (tp, fp) in thresholds(frames) {
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (tp - tp0) as f64 / positives as f64 * precision;
        tp0 = tp;
    }
    Some(ap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ties_are_one_threshold() {
        // Scores 0.9+, 0.8-, 0.8+, 0.1-: P = N = 2.
        // AUC: pairs (0.9,0.8) 1, (0.9,0.1) 1, (0.8,0.8) tie 1/2, (0.8,0.1) 1
        //   -> 3.5 / 4 = 0.875 (scikit-learn: 0.875).
        // AP: after 0.9: recall 1/2, precision 1 -> 1/2; after the 0.8 tie:
        //   recall 1, precision 2/3 -> 1/2 * 2/3; after 0.1: no gain.
        //   -> 1/2 + 1/3 = 5/6 (scikit-learn: 0.8333).
        let f = [(0.9, true), (0.8, false), (0.8, true), (0.1, false)];
        assert!(close(roc_auc(&f).unwrap(), 0.875));
        assert!(close(average_precision(&f).unwrap(), 5.0 / 6.0));
    }

    #[test]
    fn all_tied_scores_are_chance() {
        // One threshold: AUC = (0 -> 1) trapezoid 1 * (0 + 1) / 2 = 1/2;
        // AP = 1 * precision 1/3 = 1/3 (the positive rate).
        let f = [(0.5, true), (0.5, false), (0.5, false)];
        assert!(close(roc_auc(&f).unwrap(), 0.5));
        assert!(close(average_precision(&f).unwrap(), 1.0 / 3.0));
    }

    #[test]
    fn perfect_and_reversed_rankings() {
        let perfect = [(0.9, true), (0.7, true), (0.2, false)];
        assert_eq!(roc_auc(&perfect), Some(1.0));
        assert_eq!(average_precision(&perfect), Some(1.0));
        // Reversed: AUC 0; AP: the positive comes last, precision 1/3.
        let reversed = [(0.1, true), (0.7, false), (0.9, false)];
        assert_eq!(roc_auc(&reversed), Some(0.0));
        assert!(close(average_precision(&reversed).unwrap(), 1.0 / 3.0));
    }

    #[test]
    fn one_class_is_undefined() {
        assert_eq!(roc_auc(&[(0.3, true), (0.9, true)]), None);
        assert_eq!(average_precision(&[(0.3, false)]), None);
        assert_eq!(roc_auc(&[]), None);
    }

    proptest! {
        #[test]
        fn auc_is_the_pairwise_share(
            frames in prop::collection::vec((0u8..5, any::<bool>()), 2..40)
        ) {
            let f: Vec<(f64, bool)> = frames.iter().map(|&(s, p)| (f64::from(s), p)).collect();
            let pos: Vec<f64> = f.iter().filter(|x| x.1).map(|x| x.0).collect();
            let neg: Vec<f64> = f.iter().filter(|x| !x.1).map(|x| x.0).collect();
            let pairs: f64 = pos.iter().flat_map(|p| neg.iter().map(move |n| {
                if p > n { 1.0 } else if p == n { 0.5 } else { 0.0 }
            })).sum();
            match roc_auc(&f) {
                Some(auc) => prop_assert!((auc - pairs / (pos.len() * neg.len()) as f64).abs() < 1e-12),
                None => prop_assert!(pos.is_empty() || neg.is_empty()),
            }
            if let Some(ap) = average_precision(&f) {
                prop_assert!((0.0..=1.0 + 1e-12).contains(&ap));
            }
        }
    }
}
