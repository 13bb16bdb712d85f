package metrics

// AUC returns the exact area under the ROC curve for scores where novel[i]
// marks sample i as a positive (novel) and a higher score means more novel.
//
// It equals the Mann–Whitney U statistic divided by P·N: the fraction of
// (positive, negative) pairs in which the positive scores higher, a tied
// pair counting 1/2 (equivalently, the rank-sum formula with midranks).
// This is the value of sklearn.metrics.roc_auc_score(novel, scores).
// The pair count is accumulated exactly in integers (2U), so the only
// rounding is the final division. Cost O(n log n).
//
// Errors: length mismatch, a NaN score, no positives, or no negatives.
func AUC(scores []float64, novel []bool) (float64, error) {
	groups, pos, neg, err := groupScores(scores, novel)
	if err != nil {
		return 0, err
	}
	if err := needBothClasses(pos, neg); err != nil {
		return 0, err
	}
	// Walk distinct scores from high to low. Each positive in a group beats
	// every negative in lower groups (counted 2) and ties the negatives of
	// its own group (counted 1): twoU = 2·U.
	var twoU, negBelow int64 = 0, neg
	for _, g := range groups {
		negBelow -= g.neg
		twoU += g.pos * (2*negBelow + g.neg)
	}
	return float64(twoU) / (2 * float64(pos) * float64(neg)), nil
}
