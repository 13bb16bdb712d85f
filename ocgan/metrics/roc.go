package metrics

import "math"

// Point is one point of a ROC curve: the false and true positive rates
// when samples with score >= Threshold are predicted novel.
type Point struct {
	FPR       float64 // false positives / in-class samples
	TPR       float64 // true positives / novel samples
	Threshold float64 // predicted novel iff score >= Threshold
}

// ROC returns the ROC curve of scores (higher = more novel) against novel
// (positive class). The first point is (0, 0) with Threshold = +Inf, which
// stands for "nothing predicted novel"; then there is one point per
// distinct score, in decreasing threshold order, the last being (1, 1) at
// the lowest score. Tied scores make one step, diagonal when the tie holds
// both classes. No collinear points are dropped (unlike sklearn's default
// drop_intermediate=true), so len = 1 + number of distinct scores.
//
// The trapezoid area under these points (Area) equals AUC. If some score is
// +Inf, the second point also has Threshold +Inf.
//
// Errors: length mismatch, a NaN score, no positives, or no negatives.
func ROC(scores []float64, novel []bool) ([]Point, error) {
	groups, pos, neg, err := groupScores(scores, novel)
	if err != nil {
		return nil, err
	}
	if err := needBothClasses(pos, neg); err != nil {
		return nil, err
	}
	pts := make([]Point, 0, len(groups)+1)
	pts = append(pts, Point{FPR: 0, TPR: 0, Threshold: math.Inf(1)})
	var tp, fp int64
	for _, g := range groups {
		tp += g.pos
		fp += g.neg
		pts = append(pts, Point{
			FPR:       float64(fp) / float64(neg),
			TPR:       float64(tp) / float64(pos),
			Threshold: g.score,
		})
	}
	return pts, nil
}

// Area returns the trapezoid-rule area under a curve given as points in
// order of non-decreasing FPR (as ROC returns them). Fewer than two points
// give 0.
func Area(points []Point) float64 {
	var a float64
	for i := 1; i < len(points); i++ {
		p, q := points[i-1], points[i]
		a += (q.FPR - p.FPR) * (q.TPR + p.TPR) / 2
	}
	return a
}
