package metrics

import (
	"math"
	"testing"
)

func TestMeanStd(t *testing.T) {
	tests := []struct {
		name      string
		values    []float64
		mean, std float64
	}{
		{"one", []float64{5}, 5, 0},
		{"two", []float64{1, 3}, 2, math.Sqrt2},
		{"four", []float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0 / 3)},
		{"seeds", []float64{0.9, 0.95, 1.0}, 0.95, 0.05},
		{"equal", []float64{0.7, 0.7, 0.7}, 0.7, 0},
		{"offset", []float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 1},
	}
	for _, tc := range tests {
		m, s := MeanStd(tc.values)
		if !near(m, tc.mean, 1e-12) || !near(s, tc.std, 1e-12) {
			t.Errorf("%s: MeanStd = %v ± %v, want %v ± %v", tc.name, m, s, tc.mean, tc.std)
		}
	}
	if m, s := MeanStd(nil); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Errorf("MeanStd(nil) = %v, %v, want NaN, NaN", m, s)
	}
	if m, s := MeanStd([]float64{math.NaN()}); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Errorf("MeanStd(NaN) = %v, %v, want NaN, NaN", m, s)
	}
	if m, s := MeanStd([]float64{1, math.NaN()}); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Errorf("MeanStd(1, NaN) = %v, %v, want NaN, NaN", m, s)
	}
}
