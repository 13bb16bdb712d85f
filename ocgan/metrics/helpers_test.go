package metrics

import (
	"math"
	"math/rand/v2"
)

// bruteAUC counts every (positive, negative) pair: 1 if the positive scores
// higher, 1/2 if tied. O(n²); the oracle for AUC.
func bruteAUC(scores []float64, novel []bool) float64 {
	var twoU, pairs int64
	for i := range scores {
		if !novel[i] {
			continue
		}
		for j := range scores {
			if novel[j] {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				twoU += 2
			case scores[i] == scores[j]:
				twoU++
			}
		}
	}
	return float64(twoU) / (2 * float64(pairs))
}

// randomCase returns nPos novel and nNeg in-class samples, shuffled, with
// integer scores in [0, levels) so that ties are frequent.
func randomCase(r *rand.Rand, nPos, nNeg, levels int) ([]float64, []bool) {
	n := nPos + nNeg
	scores := make([]float64, n)
	novel := make([]bool, n)
	for i := range n {
		scores[i] = float64(r.IntN(levels))
		novel[i] = i < nPos
	}
	r.Shuffle(n, func(i, j int) {
		scores[i], scores[j] = scores[j], scores[i]
		novel[i], novel[j] = novel[j], novel[i]
	})
	return scores, novel
}

// randomSizes is the shared table of random sizes and tie densities.
var randomSizes = []struct{ pos, neg, levels int }{
	{1, 1, 1}, {1, 1, 2}, {1, 10, 3}, {1, 50, 5}, {10, 1, 3}, {5, 7, 2},
	{5, 7, 4}, {50, 50, 3}, {200, 37, 10}, {37, 200, 1}, {300, 400, 20}, {500, 500, 1000},
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol
}
