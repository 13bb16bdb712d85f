// Package calibrate chooses a trained model's novelty threshold: a quantile
// of the in-class validation scores, or the threshold that maximises F1 on
// the validation scores and those of labelled novel images.
package calibrate

import (
	"fmt"
	"slices"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// Method is how the threshold is chosen.
type Method string

// The methods.
const (
	// Quantile: the Options.Quantile quantile of the validation scores.
	Quantile Method = "quantile"
	// F1: the F1-optimal threshold on validation and novel scores.
	F1 Method = "f1"
)

// DefaultQuantile is the default quantile: the 95th percentile.
const DefaultQuantile = 0.95

// Options say how the threshold is chosen.
type Options struct {
	Method   Method
	Quantile float64
}

// Choice is a calibrated threshold and how it was obtained.
type Choice struct {
	Value float64
	// Method describes the choice, e.g. "quantile 0.95 of 120 validation
	// scores".
	Method string
	// ValMean and ValStd describe the in-class validation scores (score
	// normalisation for deployment).
	ValMean, ValStd float64
}

// Record is the choice as a checkpoint's calibration record.
func (c Choice) Record() checkpoint.Calibration {
	return checkpoint.Calibration{Method: c.Method, ValScoreMean: c.ValMean, ValScoreStd: c.ValStd}
}

// Calibrate scores the validation images and, for the F1 method, the
// labelled novel ones (may be nil otherwise) with s, and chooses the
// threshold.
func (o Options) Calibrate(s *train.Scorer, val, novel *dataset.Dataset) (Choice, error) {
	valScores, err := s.Scores(val)
	if err != nil {
		return Choice{}, err
	}
	var novelScores []float64
	if o.Method == F1 && novel != nil {
		if novelScores, err = s.Scores(novel); err != nil {
			return Choice{}, err
		}
	}
	return o.Choose(valScores, novelScores)
}

// Choose chooses the threshold from in-class validation scores and, for the
// F1 method, the scores of labelled novel images.
func (o Options) Choose(val, novel []float64) (Choice, error) {
	var ch Choice
	ch.ValMean, ch.ValStd = metrics.MeanStd(val)
	if o.Method != F1 {
		v, err := metrics.QuantileThreshold(val, o.Quantile)
		if err != nil {
			return ch, fmt.Errorf("threshold calibration: %w", err)
		}
		ch.Value = v
		ch.Method = fmt.Sprintf("quantile %g of %d validation scores", o.Quantile, len(val))
		return ch, nil
	}
	if len(novel) == 0 {
		return ch, fmt.Errorf("threshold calibration: the F1-optimal threshold needs novel images")
	}
	isNovel := make([]bool, len(val)+len(novel))
	for i := len(val); i < len(isNovel); i++ {
		isNovel[i] = true
	}
	v, conf, err := metrics.F1OptimalThreshold(append(slices.Clone(val), novel...), isNovel)
	if err != nil {
		return ch, fmt.Errorf("threshold calibration: %w", err)
	}
	ch.Value = v
	ch.Method = fmt.Sprintf("F1-optimal on %d validation + %d novel images (F1 %.4f, precision %.4f, recall %.4f)",
		len(val), len(novel), conf.F1(), conf.Precision(), conf.Recall())
	return ch, nil
}
