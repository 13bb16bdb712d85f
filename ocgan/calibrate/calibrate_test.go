package calibrate

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

func TestChoose(t *testing.T) {
	val := []float64{0.5, 0.1, 0.3, 0.2, 0.4}
	tests := []struct {
		name       string
		opts       Options
		val, novel []float64
		value      float64
		method     string
	}{
		{"median", Options{Quantile, 0.5}, val, nil, 0.3, "quantile 0.5 of 5 validation scores"},
		{"maximum", Options{Quantile, 1}, val, []float64{9}, 0.5, "quantile 1 of 5 validation scores"},
		{"interpolated", Options{Quantile, 0.95}, val, nil, 0.48, "quantile 0.95 of 5 validation scores"},
		{"f1 separable", Options{F1, DefaultQuantile}, val, []float64{0.9, 0.7}, 0.7,
			"F1-optimal on 5 validation + 2 novel images (F1 1.0000, precision 1.0000, recall 1.0000)"},
		{"f1 overlapping", Options{F1, DefaultQuantile}, val, []float64{0.45, 0.05}, 0.45,
			"F1-optimal on 5 validation + 2 novel images (F1 0.5000, precision 0.5000, recall 0.5000)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := tc.opts.Choose(tc.val, tc.novel)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ch.Value-tc.value) > 1e-12 || ch.Method != tc.method {
				t.Errorf("threshold %v (%s), want %v (%s)", ch.Value, ch.Method, tc.value, tc.method)
			}
			if math.Abs(ch.ValMean-0.3) > 1e-12 || math.Abs(ch.ValStd-math.Sqrt(0.025)) > 1e-12 {
				t.Errorf("validation mean %v std %v, want 0.3 and %v (sample std)", ch.ValMean, ch.ValStd, math.Sqrt(0.025))
			}
			rec := ch.Record()
			if rec.Method != ch.Method || rec.ValScoreMean != ch.ValMean || rec.ValScoreStd != ch.ValStd {
				t.Errorf("record %+v of %+v", rec, ch)
			}
		})
	}
}

func TestChooseErrors(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		val, novel []float64
		is         error
		msg        string
	}{
		{"no validation scores", Options{Quantile, 0.95}, nil, nil, metrics.ErrEmpty, "threshold calibration"},
		{"NaN score", Options{Quantile, 0.95}, []float64{0.1, math.NaN()}, nil, metrics.ErrNaN, "threshold calibration"},
		{"f1 without novel", Options{F1, 0.95}, []float64{0.1}, nil, nil, "needs novel images"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.opts.Choose(tc.val, tc.novel)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("error %v, want %q (%v)", err, tc.msg, tc.is)
			}
		})
	}
}
