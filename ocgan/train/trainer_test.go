package train

import (
	"math"
	"testing"
	"time"
)

// TestDeterministic runs three full iterations (with mining) on two trainers
// from the same seed: every loss must be bit-identical.
func TestDeterministic(t *testing.T) {
	lib := newBackend(t)
	cfg := tinyConfig(t)
	x := batchOf(t, synthetic(t, 0, cfg.Batch, 0), cfg.Batch)
	var runs [2][]map[string]float64
	for r := range runs {
		tr := newTrainer(t, lib, cfg)
		for i := 0; i < 3; i++ {
			start := time.Now()
			l, err := tr.Step(x, true)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("run %d iteration %d (%v): %v", r, i, time.Since(start), l)
			runs[r] = append(runs[r], l)
		}
	}
	for i := range runs[0] {
		if len(runs[0][i]) != 8 {
			t.Errorf("iteration %d: %d losses, want 8: %v", i, len(runs[0][i]), runs[0][i])
		}
		for k, v := range runs[0][i] {
			if w := runs[1][i][k]; math.Float64bits(v) != math.Float64bits(w) || math.IsNaN(v) {
				t.Errorf("iteration %d %s: %v then %v", i, k, v, w)
			}
		}
	}
}
