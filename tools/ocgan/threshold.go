package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/spf13/pflag"
)

// Threshold methods (--threshold).
const (
	thresholdQuantile = string(calibrate.Quantile)
	thresholdF1       = string(calibrate.F1)
)

// calibration is the threshold flags: how the novelty threshold is chosen,
// a quantile of the in-class validation scores, or the threshold that
// maximises F1 on the validation scores and those of labelled novel images.
type calibration struct {
	quantile float64
	novel    []string
	// method is thresholdQuantile or thresholdF1 ("" until settle).
	method string
}

// add adds the threshold flags; novelHelp describes what the command does
// with --novel.
func (c *calibration) add(fs *pflag.FlagSet, novelHelp string) {
	fs.Float64Var(&c.quantile, "quantile", defaultQuantile, "threshold = this quantile of the in-class validation scores")
	fs.StringSliceVar(&c.novel, "novel", nil, novelHelp)
	fs.StringVar(&c.method, "threshold", "", "how the threshold is chosen: quantile (of the validation scores) or f1 (F1-optimal on the validation and --novel images) (default: f1 with --novel, else quantile; train with --dataset images keeps quantile, its --novel images being the test anomalies)")
}

// check refuses a quantile outside [0, 1], an unknown method and f1
// without --novel.
func (c *calibration) check() error {
	if !(c.quantile >= 0 && c.quantile <= 1) {
		return usageError{fmt.Errorf("--quantile must be in [0, 1], got %v", c.quantile)}
	}
	switch {
	case c.method != "" && c.method != thresholdQuantile && c.method != thresholdF1:
		return usageError{fmt.Errorf("--threshold %q: want quantile or f1", c.method)}
	case c.method == thresholdF1 && len(c.novel) == 0:
		return usageError{fmt.Errorf("--threshold f1 needs labelled anomalies: give --novel")}
	}
	return nil
}

// settle fixes the method when --threshold is not given: f1 when the
// --novel images serve the calibration alone, quantile otherwise, and in
// particular when they are the test anomalies (novelIsTest), where
// choosing the threshold on them would flatter the test F1. An explicit
// quantile with --novel images that serve nothing else is refused.
func (c *calibration) settle(novelIsTest bool) error {
	switch {
	case c.method == "" && len(c.novel) > 0 && !novelIsTest:
		c.method = thresholdF1
	case c.method == "":
		c.method = thresholdQuantile
	case c.method == thresholdQuantile && len(c.novel) > 0 && !novelIsTest:
		return usageError{fmt.Errorf("--threshold quantile does not use the --novel images: drop one or the other")}
	}
	return nil
}

// novelImages loads the labelled novel images and their names with the
// reader options opts (nil when none are given).
func (c calibration) novelImages(opts dataset.Options) (*dataset.Dataset, []string, error) {
	if len(c.novel) == 0 {
		return nil, nil, nil
	}
	d, names, _, err := loadImages(c.novel, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("--novel: %w", err)
	}
	return d, names, nil
}

// options are the calibration options of the settled method.
func (c calibration) options() calibrate.Options {
	return calibrate.Options{Method: calibrate.Method(c.method), Quantile: c.quantile}
}
