package metrics

import (
	"errors"
	"math"
	"testing"
)

func TestConfusionHandCase(t *testing.T) {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	novel := []bool{false, false, true, true}
	tests := []struct {
		threshold                 float64
		want                      Confusion
		precision, recall, f1, fp float64
	}{
		// 0.35 itself is predicted novel (>=).
		{0.35, Confusion{TP: 2, FP: 1, TN: 1, FN: 0}, 2.0 / 3, 1, 0.8, 0.5},
		{0.4, Confusion{TP: 1, FP: 1, TN: 1, FN: 1}, 0.5, 0.5, 0.5, 0.5},
		{0.41, Confusion{TP: 1, FP: 0, TN: 2, FN: 1}, 1, 0.5, 2.0 / 3, 0},
		{0.9, Confusion{TP: 0, FP: 0, TN: 2, FN: 2}, 0, 0, 0, 0},
		{0, Confusion{TP: 2, FP: 2, TN: 0, FN: 0}, 0.5, 1, 2.0 / 3, 1},
		{math.Inf(-1), Confusion{TP: 2, FP: 2, TN: 0, FN: 0}, 0.5, 1, 2.0 / 3, 1},
	}
	for _, tc := range tests {
		c, err := ConfusionAt(scores, novel, tc.threshold)
		if err != nil {
			t.Fatal(err)
		}
		if c != tc.want {
			t.Errorf("t=%v: %+v, want %+v", tc.threshold, c, tc.want)
		}
		for _, m := range []struct {
			name      string
			got, want float64
		}{
			{"precision", c.Precision(), tc.precision},
			{"recall", c.Recall(), tc.recall},
			{"F1", c.F1(), tc.f1},
			{"FPR", c.FPR(), tc.fp},
		} {
			if !near(m.got, m.want, 1e-15) {
				t.Errorf("t=%v: %s = %v, want %v", tc.threshold, m.name, m.got, m.want)
			}
		}
	}
	if a := (Confusion{TP: 1, FP: 1, TN: 2, FN: 0}).Accuracy(); a != 0.75 {
		t.Errorf("Accuracy = %v, want 0.75", a)
	}
	var zero Confusion
	if zero.Precision() != 0 || zero.Recall() != 0 || zero.F1() != 0 || zero.FPR() != 0 || zero.Accuracy() != 0 {
		t.Error("empty confusion should give zeros")
	}
}

func TestConfusionErrors(t *testing.T) {
	if _, err := ConfusionAt([]float64{1}, nil, 0); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := ConfusionAt([]float64{math.NaN()}, []bool{true}, 0); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN score: %v", err)
	}
	if _, err := ConfusionAt([]float64{1}, []bool{true}, math.NaN()); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN threshold: %v", err)
	}
	// One class only is fine.
	c, err := ConfusionAt([]float64{1, 2}, []bool{false, false}, 2)
	if err != nil || c != (Confusion{FP: 1, TN: 1}) {
		t.Errorf("one class: %+v, %v", c, err)
	}
}
