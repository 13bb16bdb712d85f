package metrics

import (
	"math"
	"slices"
	"testing"
)

func TestSummarizeSeeds(t *testing.T) {
	// Two classes, two seeds, the runs out of order.
	runs := []SeedRun{
		{Class: 3, Seed: 6, AUC: 0.7, F1: 0.5},
		{Class: 1, Seed: 5, AUC: 0.9, F1: 0.8},
		{Class: 3, Seed: 5, AUC: 0.6, F1: 0.3},
		{Class: 1, Seed: 6, AUC: 1.0, F1: 0.6},
	}
	sum := SummarizeSeeds(runs, []int{1, 3}, []uint64{5, 6})
	want := []ClassSummary{
		{Class: 1, AUC: 0.95, AUCStd: math.Sqrt(0.005), F1: 0.7, Runs: []int{1, 3}},
		{Class: 3, AUC: 0.65, AUCStd: math.Sqrt(0.005), F1: 0.4, Runs: []int{0, 2}},
	}
	if len(sum.Classes) != len(want) {
		t.Fatalf("%d classes, want %d", len(sum.Classes), len(want))
	}
	for i, w := range want {
		g := sum.Classes[i]
		if g.Class != w.Class || !near(g.AUC, w.AUC, 1e-12) || !near(g.AUCStd, w.AUCStd, 1e-12) || !near(g.F1, w.F1, 1e-12) || !slices.Equal(g.Runs, w.Runs) {
			t.Errorf("class %d: %+v, want %+v", w.Class, g, w)
		}
	}
	// Per seed, the mean over classes: seed 5 0.75, seed 6 0.85.
	if !near(sum.MeanAUC, 0.8, 1e-12) || !near(sum.StdAUC, math.Sqrt(0.005), 1e-12) || !near(sum.MeanF1, 0.55, 1e-12) {
		t.Errorf("mean AUC %v ± %v, F1 %v; want 0.8 ± %v, 0.55", sum.MeanAUC, sum.StdAUC, sum.MeanF1, math.Sqrt(0.005))
	}
}

// TestSummarizeOneSeed: with one seed, a run counts as that seed's whatever
// seed it records (a model evaluated with the seed it was trained with).
func TestSummarizeOneSeed(t *testing.T) {
	runs := []SeedRun{{Class: 0, Seed: 9, AUC: 0.8, F1: 0.7}, {Class: 2, Seed: 4, AUC: 0.6, F1: 0.5}}
	sum := SummarizeSeeds(runs, []int{0, 2}, []uint64{1})
	if !near(sum.MeanAUC, 0.7, 1e-12) || sum.StdAUC != 0 || !near(sum.MeanF1, 0.6, 1e-12) {
		t.Errorf("mean AUC %v ± %v, F1 %v; want 0.7 ± 0, 0.6", sum.MeanAUC, sum.StdAUC, sum.MeanF1)
	}
	for _, c := range sum.Classes {
		if c.AUCStd != 0 || len(c.Runs) != 1 {
			t.Errorf("class %d: %+v, want one run, std 0", c.Class, c)
		}
	}
}

// TestSummarizeNoRuns: a class without runs has NaN means, which carry
// into the mean over classes.
func TestSummarizeNoRuns(t *testing.T) {
	sum := SummarizeSeeds([]SeedRun{{Class: 0, Seed: 1, AUC: 0.8, F1: 0.7}}, []int{0, 1}, []uint64{1})
	if c := sum.Classes[1]; !math.IsNaN(c.AUC) || c.Runs != nil {
		t.Errorf("class without runs: %+v", c)
	}
	if !math.IsNaN(sum.MeanF1) {
		t.Errorf("mean F1 %v, want NaN", sum.MeanF1)
	}
}
