package metrics

import (
	"fmt"
	"math"
)

// Confusion holds the confusion counts at one threshold, novel = positive.
type Confusion struct {
	TP int // novel, predicted novel
	FP int // in-class, predicted novel
	TN int // in-class, predicted in-class
	FN int // novel, predicted in-class
}

// ConfusionAt counts the confusion matrix when a sample is predicted novel
// iff score >= threshold (a score equal to the threshold is novel).
// Either class may be absent. Errors: length mismatch, a NaN score or a
// NaN threshold.
func ConfusionAt(scores []float64, novel []bool, threshold float64) (Confusion, error) {
	if err := checkScores(scores, novel); err != nil {
		return Confusion{}, err
	}
	if math.IsNaN(threshold) {
		return Confusion{}, fmt.Errorf("%w: threshold", ErrNaN)
	}
	var c Confusion
	for i, s := range scores {
		pred := s >= threshold
		switch {
		case novel[i] && pred:
			c.TP++
		case novel[i]:
			c.FN++
		case pred:
			c.FP++
		default:
			c.TN++
		}
	}
	return c, nil
}

// Precision returns TP / (TP + FP), or 0 when nothing is predicted novel
// (sklearn's zero_division=0 behaviour, without the warning).
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall returns TP / (TP + FN) (the TPR), or 0 when there are no novel samples.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR returns FP / (FP + TN), or 0 when there are no in-class samples.
func (c Confusion) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// Accuracy returns (TP + TN) / total, or 0 for an empty matrix.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.TP+c.FP+c.TN+c.FN) }

// F1 returns the harmonic mean of precision and recall, computed as
// 2TP / (2TP + FP + FN), or 0 when that denominator is 0 (no novel samples
// and nothing predicted novel).
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// ratio returns num/den, or 0 when den is 0.
func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}
