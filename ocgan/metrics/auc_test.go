package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAUCHandCases(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		novel  []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{3, 3, 3, 3, 3}, []bool{true, false, false, true, false}, 0.5},
		// Positives 2 and 4, negatives 1, 2, 3: pairs (2,1)=1, (2,2)=1/2,
		// (2,3)=0, (4,·)=3, total 4.5 of 6.
		{"mixed with tie", []float64{1, 2, 2, 3, 4}, []bool{false, true, false, false, true}, 0.75},
		// Positives 5,5 negatives 5,1: pairs 1/2+1+1/2+1 = 3 of 4.
		{"tie across classes", []float64{5, 5, 5, 1}, []bool{true, true, false, false}, 0.75},
		{"one positive middle", []float64{1, 2, 3}, []bool{false, true, false}, 0.5},
		{"negative and inf scores", []float64{math.Inf(-1), -2, math.Inf(1), -2}, []bool{false, true, true, false}, 0.875},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AUC(tc.scores, tc.novel)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAUCMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range randomSizes {
		for rep := range 5 {
			t.Run(fmt.Sprintf("p%d_n%d_l%d_%d", sz.pos, sz.neg, sz.levels, rep), func(t *testing.T) {
				scores, novel := randomCase(r, sz.pos, sz.neg, sz.levels)
				orig := slices.Clone(scores)
				got, err := AUC(scores, novel)
				if err != nil {
					t.Fatal(err)
				}
				if want := bruteAUC(scores, novel); got != want {
					t.Errorf("AUC = %v, brute force %v", got, want)
				}
				if !slices.Equal(scores, orig) {
					t.Error("AUC modified its input")
				}
			})
		}
	}
}

func TestAUCMonotoneInvariance(t *testing.T) {
	transforms := []struct {
		name string
		f    func(float64) float64
	}{
		{"affine", func(s float64) float64 { return 3*s + 7 }},
		{"exp", func(s float64) float64 { return math.Exp(s / 4) }},
		{"cube", func(s float64) float64 { return s * s * s }},
		{"atan", math.Atan},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range randomSizes {
		scores, novel := randomCase(r, sz.pos, sz.neg, sz.levels)
		for i := range scores {
			scores[i] -= float64(sz.levels / 2) // include negative scores
		}
		base, err := AUC(scores, novel)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range transforms {
			ts := make([]float64, len(scores))
			for i, s := range scores {
				ts[i] = tr.f(s)
			}
			got, err := AUC(ts, novel)
			if err != nil {
				t.Fatal(err)
			}
			if got != base {
				t.Errorf("%v %s: AUC %v, untransformed %v", sz, tr.name, got, base)
			}
		}
		// A decreasing transform mirrors the AUC (ties stay 1/2).
		neg := make([]float64, len(scores))
		for i, s := range scores {
			neg[i] = -s
		}
		got, err := AUC(neg, novel)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got, 1-base, 1e-15) {
			t.Errorf("%v negated: AUC %v, want 1-%v", sz, got, base)
		}
	}
}

func TestAUCErrors(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		novel  []bool
		want   error
	}{
		{"length mismatch", []float64{1, 2}, []bool{true}, ErrLengthMismatch},
		{"NaN", []float64{1, math.NaN(), 3}, []bool{true, false, false}, ErrNaN},
		{"no positives", []float64{1, 2}, []bool{false, false}, ErrNoPositives},
		{"no negatives", []float64{1, 2}, []bool{true, true}, ErrNoNegatives},
		{"empty", nil, nil, ErrNoPositives},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := AUC(tc.scores, tc.novel); !errors.Is(err, tc.want) {
				t.Errorf("AUC err = %v, want %v", err, tc.want)
			}
			if _, err := ROC(tc.scores, tc.novel); !errors.Is(err, tc.want) {
				t.Errorf("ROC err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAUCLarge(t *testing.T) {
	// O(n log n): 200k samples must be quick; compare with a closed form.
	// Negatives score i, positives score i+0.5 for i in [0, n): a positive
	// i+0.5 beats negatives 0..i, i.e. i+1 of n, so AUC = (n+1)/(2n).
	const n = 100000
	scores := make([]float64, 0, 2*n)
	novel := make([]bool, 0, 2*n)
	for i := range n {
		scores = append(scores, float64(i), float64(i)+0.5)
		novel = append(novel, false, true)
	}
	got, err := AUC(scores, novel)
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(n+1) / float64(2*n); got != want {
		t.Errorf("AUC = %v, want %v", got, want)
	}
}
