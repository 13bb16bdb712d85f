package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Errors returned for invalid inputs. They are wrapped with details, so
// test for them with errors.Is.
var (
	// ErrLengthMismatch: scores and labels differ in length.
	ErrLengthMismatch = errors.New("metrics: scores and labels differ in length")
	// ErrNaN: a score (or a threshold or quantile level) is NaN.
	ErrNaN = errors.New("metrics: NaN value")
	// ErrEmpty: no scores were given.
	ErrEmpty = errors.New("metrics: no scores")
	// ErrNoPositives: the labels contain no novel (positive) sample.
	ErrNoPositives = errors.New("metrics: no novel (positive) samples")
	// ErrNoNegatives: the labels contain no in-class (negative) sample.
	ErrNoNegatives = errors.New("metrics: no in-class (negative) samples")
	// ErrNonFinite: an infinite score where only finite ones make sense
	// (quantile calibration).
	ErrNonFinite = errors.New("metrics: infinite value")
	// ErrQuantileRange: a quantile level outside [0, 1].
	ErrQuantileRange = errors.New("metrics: quantile level outside [0, 1]")
)

// group is the set of samples sharing one distinct score, with the number
// of positives (novel) and negatives (in-class) among them.
type group struct {
	score    float64
	pos, neg int64
}

// checkScores reports a length mismatch or the first NaN score.
func checkScores(scores []float64, novel []bool) error {
	if len(scores) != len(novel) {
		return fmt.Errorf("%w: %d scores, %d labels", ErrLengthMismatch, len(scores), len(novel))
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("%w: score %d", ErrNaN, i)
		}
	}
	return nil
}

// groupScores validates the input and returns the distinct scores in
// descending order with their positive and negative counts, plus the
// total positives and negatives. It costs O(n log n) and does not modify
// its arguments. Scores equal under == (including -0 and +0) share a group.
func groupScores(scores []float64, novel []bool) (groups []group, pos, neg int64, err error) {
	if err := checkScores(scores, novel); err != nil {
		return nil, 0, 0, err
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	for _, i := range idx {
		s := scores[i]
		if len(groups) == 0 || groups[len(groups)-1].score != s {
			groups = append(groups, group{score: s})
		}
		g := &groups[len(groups)-1]
		if novel[i] {
			g.pos++
			pos++
		} else {
			g.neg++
			neg++
		}
	}
	return groups, pos, neg, nil
}

// needBothClasses returns an error unless there is at least one positive
// and one negative.
func needBothClasses(pos, neg int64) error {
	if pos == 0 {
		return ErrNoPositives
	}
	if neg == 0 {
		return ErrNoNegatives
	}
	return nil
}
