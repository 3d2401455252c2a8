//! Temporal scores for the "When" tasks (docs/scoring.md §4, "Temporal TIoU"): union and
//! matched TIoU, mIoU and recall at IoU thresholds, over [`Interval`]s.

use super::assignment::{assigned_sum, is_matchable};
pub use crate::intervals::Interval;
use crate::intervals::merge;
use crate::model::Metric;
use crate::model::names::{self, MIOU};

/// The IoU thresholds reported as R@k (VAU-R1 and Vad-R1 use these).
pub const RECALL_THRESHOLDS: [f64; 3] = [0.3, 0.5, 0.7];

/// Total length of the intersection of two merged (sorted, disjoint) lists.
fn intersection_length(a: &[Interval], b: &[Interval]) -> f64 {
    let (mut i, mut j, mut total) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let overlap = a[i].end.min(b[j].end) - a[i].start.max(b[j].start);
        if overlap > 0.0 {
            total += overlap;
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    total
}

/// Union TIoU: merge each side, then |P ∩ G| / |P ∪ G| over time. Zero when
/// the union has no length (e.g. both sides empty or single instants).
pub fn union_tiou(predicted: &[Interval], truth: &[Interval]) -> f64 {
    let (p, g) = (merge(predicted), merge(truth));
    let inter = intersection_length(&p, &g);
    // The union is measured on the merged intervals themselves, not as
    // |P| + |G| - |P ∩ G|: that subtraction rounds (`[0, 26]` against
    // `[0, 18.2]` gave 0.6999999999999998 and missed R@0.7).
    let all: Vec<Interval> = p.iter().chain(&g).copied().collect();
    let union: f64 = merge(&all).iter().map(|x| x.length()).sum();
    if union > 0.0 { inter / union } else { 0.0 }
}

/// IoU of two intervals: |a ∩ b| / |a ∪ b|, zero when the union has no length.
pub fn interval_iou(a: Interval, b: Interval) -> f64 {
    union_tiou(&[a], &[b])
}

/// Matched TIoU: the maximum-weight assignment on pairwise IoU, summed and
/// divided by r*t. `predicted` has one entry per answer element (r of them);
/// a dropped element (`None`) has IoU 0 with everything.
pub fn matched_tiou(predicted: &[Option<Interval>], truth: &[Interval]) -> f64 {
    let (r, t) = (predicted.len(), truth.len());
    if r == 0 || t == 0 {
        return 0.0;
    }
    assigned_sum(&iou_matrix(predicted, truth), r, t, |x| x) / (r * t) as f64
}

/// The `r x t` matrix of pairwise IoU, row-major: `predicted[i]` against
/// `truth[j]`; a dropped element (`None`) has IoU 0 with everything, and
/// entries that can never be paired are left at 0.
pub fn iou_matrix(predicted: &[Option<Interval>], truth: &[Interval]) -> Vec<f64> {
    predicted
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            truth.iter().enumerate().map(move |(j, g)| match p {
                Some(p) if is_matchable(i, j) => interval_iou(*p, *g),
                _ => 0.0,
            })
        })
        .collect()
}

/// Share of values at or above `threshold` (R@k); 0 for an empty list.
pub fn recall_at(ious: &[f64], threshold: f64) -> f64 {
    if ious.is_empty() {
        return 0.0;
    }
    ious.iter().filter(|&&x| x >= threshold).count() as f64 / ious.len() as f64
}

/// The figures of a list of per-sample IoUs (docs/scoring.md §4): `mIoU`,
/// then the recall at each of [`RECALL_THRESHOLDS`] (`R@0.3`, ...), in percent.
pub fn iou_figures(ious: &[f64]) -> Vec<Metric> {
    let mut figures = vec![Metric::from_mean(MIOU, mean(ious))];
    figures.extend(
        RECALL_THRESHOLDS
            .iter()
            .map(|&k| Metric::from_mean(&names::recall_at(k), recall_at(ious, k))),
    );
    figures
}

/// Arithmetic mean; 0 for an empty list.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(start: f64, end: f64) -> Interval {
        Interval { start, end }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn union_tiou_by_hand() {
        // P = [0,10] ∪ [5,15] = [0,15]; G = [10,20]. ∩ = 5, ∪ = 20 -> 0.25.
        assert!(close(
            union_tiou(&[iv(0.0, 10.0), iv(5.0, 15.0)], &[iv(10.0, 20.0)]),
            0.25
        ));
        // Touching intervals: [0,5] and [5,10] vs [0,10]: merged equal -> 1.
        assert!(close(
            union_tiou(&[iv(0.0, 5.0), iv(5.0, 10.0)], &[iv(0.0, 10.0)]),
            1.0
        ));
        // Disjoint: 0.
        assert!(close(union_tiou(&[iv(0.0, 1.0)], &[iv(2.0, 3.0)]), 0.0));
        // Two truths, one answer covering one: ∩ = 10, ∪ = 20 + 10 = 30... G = [0,10] ∪ [20,30], P = [0,10]: 10/20.
        assert!(close(
            union_tiou(&[iv(0.0, 10.0)], &[iv(0.0, 10.0), iv(20.0, 30.0)]),
            0.5
        ));
        // Zero-length union.
        assert!(close(union_tiou(&[iv(3.0, 3.0)], &[iv(3.0, 3.0)]), 0.0));
        assert!(close(union_tiou(&[], &[iv(0.0, 1.0)]), 0.0));
    }

    #[test]
    fn union_is_measured_not_subtracted() {
        // G = [0, 26], P = [0, 18.2]: ∩ = 18.2, ∪ = 26 -> 18.2 / 26, which is
        // the double 0.7 exactly; 26 + 18.2 - 18.2 is 26.000000000000004 and
        // gave 0.6999999999999998, below the R@0.7 threshold.
        let t = union_tiou(&[iv(0.0, 18.2)], &[iv(0.0, 26.0)]);
        assert_eq!(t, 0.7);
        assert_eq!(recall_at(&[t], 0.7), 1.0);
        // P = [1.5, 3.3] inside G = [0, 6]: ∩ = 1.8 (as 3.3 - 1.5), ∪ = 6.
        assert_eq!(
            union_tiou(&[iv(1.5, 3.3)], &[iv(0.0, 6.0)]),
            (3.3 - 1.5) / 6.0
        );
        // Two answers straddling a gap: P = [0,2] ∪ [4,6], G = [1,5]:
        // ∩ = 1 + 1 = 2, ∪ = [0,6] = 6 -> 1/3.
        assert!(close(
            union_tiou(&[iv(0.0, 2.0), iv(4.0, 6.0)], &[iv(1.0, 5.0)]),
            1.0 / 3.0
        ));
    }

    #[test]
    fn matched_tiou_by_hand() {
        // Truth [0,10], [20,30]; answers [20,30] (IoU 1 with g2), [0,5] (IoU 0.5 with g1), dropped.
        // Assignment: a1-g2 (1.0), a2-g1 (0.5) -> 1.5 / (3*2) = 0.25.
        let p = [Some(iv(20.0, 30.0)), Some(iv(0.0, 5.0)), None];
        assert!(close(
            matched_tiou(&p, &[iv(0.0, 10.0), iv(20.0, 30.0)]),
            0.25
        ));
        // Overlapping answers cannot both take one truth: [0,10] twice vs [0,10] -> 1 / 2.
        assert!(close(
            matched_tiou(
                &[Some(iv(0.0, 10.0)), Some(iv(0.0, 10.0))],
                &[iv(0.0, 10.0)]
            ),
            0.5
        ));
        assert!(close(matched_tiou(&[], &[iv(0.0, 1.0)]), 0.0));
    }

    #[test]
    fn entries_past_the_matching_cap_are_never_computed() {
        // 70 answers equal to 70 truths: only the first 64 on each side are
        // matched (IoU 1 each), so matched TIoU = 64 / (70 * 70), and the
        // matrix leaves (69, 69) at 0 instead of computing its IoU of 1.
        let same: Vec<Interval> = (0..70).map(|k| iv(k as f64, k as f64 + 1.0)).collect();
        let wrapped: Vec<Option<Interval>> = same.iter().copied().map(Some).collect();
        assert!(close(matched_tiou(&wrapped, &same), 64.0 / 4900.0));
        let m = iou_matrix(&wrapped, &same);
        assert_eq!((m[0], m[63 * 70 + 63], m[69 * 70 + 69]), (1.0, 1.0, 0.0));
    }

    #[test]
    fn recall_and_mean() {
        let ious = [0.2, 0.3, 0.5, 0.69, 0.7];
        assert!(close(recall_at(&ious, 0.3), 0.8));
        assert!(close(recall_at(&ious, 0.5), 0.6));
        assert!(close(recall_at(&ious, 0.7), 0.2));
        assert!(close(mean(&ious), 2.39 / 5.0));
        assert_eq!(recall_at(&[], 0.5), 0.0);
        assert_eq!(mean(&[]), 0.0);
    }

    fn interval() -> impl Strategy<Value = Interval> {
        (0.0f64..100.0, 0.0f64..50.0).prop_map(|(s, l)| iv(s, s + l))
    }

    proptest! {
        #[test]
        fn tiou_lies_in_unit_range_and_ignores_order(
            mut p in prop::collection::vec(interval(), 0..6),
            g in prop::collection::vec(interval(), 1..6),
        ) {
            let u = union_tiou(&p, &g);
            let wrapped: Vec<_> = p.iter().copied().map(Some).collect();
            let m = matched_tiou(&wrapped, &g);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&u));
            prop_assert!((0.0..=1.0 + 1e-12).contains(&m));
            p.reverse();
            let wrapped: Vec<_> = p.iter().copied().map(Some).collect();
            prop_assert!((union_tiou(&p, &g) - u).abs() < 1e-9);
            prop_assert!((matched_tiou(&wrapped, &g) - m).abs() < 1e-9);
        }
    }
}
