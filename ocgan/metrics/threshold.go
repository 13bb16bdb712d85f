package metrics

import (
	"fmt"
	"math"
	"slices"
)

// QuantileThreshold returns the q-quantile of inClassScores, for use as a
// novelty threshold (e.g. q = 0.95 of validation in-class scores: with
// predicted novel iff score >= threshold, about 5% of in-class samples are
// flagged).
//
// The quantile is numpy.quantile's default ("linear", Hyndman & Fan type 7):
// with x the scores sorted ascending and n = len(x), let h = (n-1)·q,
// i = floor(h), t = h - i; the result is x[i] + t·(x[i+1] - x[i])
// (x[n-1] when i = n-1). Like numpy, the interpolation is evaluated as
// x[i+1] - (x[i+1] - x[i])·(1-t) when t >= 0.5, which keeps it monotone
// and exact at the ends. q = 0 gives the minimum, q = 1 the maximum.
// The input is not modified.
//
// Errors: no scores, a NaN or infinite score (ErrNaN, ErrNonFinite),
// q NaN or outside [0, 1].
func QuantileThreshold(inClassScores []float64, q float64) (float64, error) {
	if len(inClassScores) == 0 {
		return 0, ErrEmpty
	}
	if math.IsNaN(q) {
		return 0, fmt.Errorf("%w: quantile level", ErrNaN)
	}
	if q < 0 || q > 1 {
		return 0, fmt.Errorf("%w: %v", ErrQuantileRange, q)
	}
	for i, s := range inClassScores {
		if math.IsNaN(s) {
			return 0, fmt.Errorf("%w: score %d", ErrNaN, i)
		}
		if math.IsInf(s, 0) {
			return 0, fmt.Errorf("%w: score %d is %v", ErrNonFinite, i, s)
		}
	}
	x := slices.Clone(inClassScores)
	slices.Sort(x)
	h := float64(len(x)-1) * q
	i := int(math.Floor(h))
	if i >= len(x)-1 {
		return x[len(x)-1], nil
	}
	t := h - float64(i)
	a, b := x[i], x[i+1]
	if t == 0 || a == b {
		return a, nil
	}
	if t >= 0.5 {
		return b - (b-a)*(1-t), nil
	}
	return a + (b-a)*t, nil
}

// F1OptimalThreshold returns the threshold, among the distinct scores,
// that maximises F1 when a sample is predicted novel iff score >= threshold,
// together with the confusion counts there. When several thresholds reach
// the same maximal F1 (compared exactly, as fractions), the lowest of them
// is returned. Cost O(n log n).
//
// Errors: length mismatch, a NaN score, or no novel (positive) samples
// (F1 would be 0 everywhere). Samples of one class only are allowed
// otherwise: with no in-class samples the lowest score wins with F1 = 1.
func F1OptimalThreshold(scores []float64, novel []bool) (float64, Confusion, error) {
	groups, pos, neg, err := groupScores(scores, novel)
	if err != nil {
		return 0, Confusion{}, err
	}
	if pos == 0 {
		return 0, Confusion{}, ErrNoPositives
	}
	// F1 = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P). Compare a/b >= c/d
	// as a·d >= c·b in integers (all terms < 4n², far below 2^63 for any
	// realistic n). Thresholds go from high to low, so ">=" keeps the
	// lowest threshold among equal F1 values.
	var tp, fp int64
	bestNum, bestDen := int64(-1), int64(1)
	var best Confusion
	var bestT float64
	for _, g := range groups {
		tp += g.pos
		fp += g.neg
		num, den := 2*tp, tp+fp+pos
		if num*bestDen >= bestNum*den {
			bestNum, bestDen = num, den
			bestT = g.score
			best = Confusion{TP: int(tp), FP: int(fp), TN: int(neg - fp), FN: int(pos - tp)}
		}
	}
	return bestT, best, nil
}
