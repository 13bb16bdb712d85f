package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantileThresholdNumpyLinear(t *testing.T) {
	// Expected values worked by hand with numpy's default (linear, type 7):
	// h = (n-1)q, x[floor h] + frac(h)·(next - x[floor h]).
	tests := []struct {
		x    []float64
		q    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 0.95, 3.85},                    // h=2.85
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},                      // h=1.5
		{[]float64{10, 0, 5}, 0.5, 5},                          // sorted 0 5 10, h=1
		{[]float64{10, 0, 5}, 0.25, 2.5},                       // h=0.5
		{[]float64{10, 0, 5}, 0.75, 7.5},                       // h=1.5
		{[]float64{10, 0, 5}, 0, 0},                            // minimum
		{[]float64{10, 0, 5}, 1, 10},                           // maximum
		{[]float64{7}, 0.3, 7},                                 // n = 1
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95, 9.55}, // h=8.55
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9.1},   // h=8.1
		{[]float64{0, 0.5, 2}, 0.1, 0.1},                       // h=0.2
		{[]float64{1, 3, 3, 7}, 0.4, 3},                        // h=1.2 inside a tie
		{[]float64{-3, -1}, 0.3, -2.4},                         // h=0.3
		{[]float64{2, 2, 2}, 0.77, 2},                          // all equal
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v_q%v", tc.x, tc.q), func(t *testing.T) {
			orig := slices.Clone(tc.x)
			got, err := QuantileThreshold(tc.x, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, tc.want, 1e-12) {
				t.Errorf("quantile = %v, want %v", got, tc.want)
			}
			if !slices.Equal(tc.x, orig) {
				t.Error("input modified")
			}
		})
	}
}

func TestQuantileThresholdMonotoneInQ(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, 37)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	prev := math.Inf(-1)
	for k := 0; k <= 1000; k++ {
		v, err := QuantileThreshold(x, float64(k)/1000)
		if err != nil {
			t.Fatal(err)
		}
		if v < prev {
			t.Fatalf("q=%v: %v < previous %v", float64(k)/1000, v, prev)
		}
		prev = v
	}
	if mx := slices.Max(x); prev != mx {
		t.Errorf("q=1 gives %v, max %v", prev, mx)
	}
}

func TestQuantileThresholdErrors(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		q    float64
		want error
	}{
		{"empty", nil, 0.5, ErrEmpty},
		{"q NaN", []float64{1}, math.NaN(), ErrNaN},
		{"q below", []float64{1}, -0.01, ErrQuantileRange},
		{"q above", []float64{1}, 1.01, ErrQuantileRange},
		{"score NaN", []float64{1, math.NaN()}, 0.5, ErrNaN},
		{"score Inf", []float64{1, math.Inf(1)}, 0.5, ErrNonFinite},
	}
	for _, tc := range tests {
		if _, err := QuantileThreshold(tc.x, tc.q); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// bruteF1Optimal tries every distinct score with ConfusionAt and keeps the
// lowest threshold of maximal F1.
func bruteF1Optimal(scores []float64, novel []bool) (float64, Confusion) {
	cands := slices.Clone(scores)
	slices.Sort(cands)
	cands = slices.Compact(cands)
	bestT, bestF1 := 0.0, -1.0
	var best Confusion
	for _, th := range cands { // ascending: strict > keeps the lowest
		c, _ := ConfusionAt(scores, novel, th)
		if f := c.F1(); f > bestF1 {
			bestT, bestF1, best = th, f, c
		}
	}
	return bestT, best
}

func TestF1OptimalThresholdHandCases(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		novel  []bool
		wantT  float64
		wantF1 float64
	}{
		// t=0.35: TP 2, FP 1 -> F1 0.8, the best.
		{"hand", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.35, 0.8},
		// F1 at 4 is 2/3 and at 1 is 2/3 (at 3: 1/2, at 2: 2/5): lower wins.
		{"tie broken low", []float64{4, 3, 2, 1}, []bool{true, false, false, true}, 1, 2.0 / 3},
		{"only positives", []float64{5, 1, 3}, []bool{true, true, true}, 1, 1},
		{"perfect", []float64{1, 2, 8, 9}, []bool{false, false, true, true}, 8, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th, c, err := F1OptimalThreshold(tc.scores, tc.novel)
			if err != nil {
				t.Fatal(err)
			}
			if th != tc.wantT || !near(c.F1(), tc.wantF1, 1e-15) {
				t.Errorf("got t=%v F1=%v (%+v), want t=%v F1=%v", th, c.F1(), c, tc.wantT, tc.wantF1)
			}
		})
	}
}

func TestF1OptimalThresholdMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, sz := range randomSizes {
		for rep := range 5 {
			scores, novel := randomCase(r, sz.pos, sz.neg, sz.levels)
			th, c, err := F1OptimalThreshold(scores, novel)
			if err != nil {
				t.Fatal(err)
			}
			wt, wc := bruteF1Optimal(scores, novel)
			if th != wt || c != wc {
				t.Errorf("%v rep %d: got t=%v %+v, brute t=%v %+v", sz, rep, th, c, wt, wc)
			}
		}
	}
}

func TestF1OptimalThresholdErrors(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		novel  []bool
		want   error
	}{
		{"length", []float64{1}, nil, ErrLengthMismatch},
		{"NaN", []float64{math.NaN()}, []bool{true}, ErrNaN},
		{"no positives", []float64{1, 2}, []bool{false, false}, ErrNoPositives},
		{"empty", nil, nil, ErrNoPositives},
	}
	for _, tc := range tests {
		if _, _, err := F1OptimalThreshold(tc.scores, tc.novel); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}
