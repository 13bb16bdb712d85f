package checkpoint

import (
	"errors"
	"fmt"
	"strconv"
)

// The Meta entries that hold a checkpoint's calibration record; files of
// every format version keep it there, so that earlier builds read it too.
const (
	MetaThresholdMethod = "threshold_method"
	MetaValScoreMean    = "val_score_mean"
	MetaValScoreStd     = "val_score_std"
)

// ErrNoCalibration is returned by Calibration for a checkpoint that records
// no calibration (one imported, or saved before training finished).
var ErrNoCalibration = errors.New("no calibration record")

// Calibration records how the threshold in Train.Threshold was chosen.
type Calibration struct {
	// Method describes the choice, e.g. "quantile 0.95 of 120 validation
	// scores".
	Method string
	// ValScoreMean and ValScoreStd describe the in-class validation scores
	// (the score normalisation of a deployed model).
	ValScoreMean, ValScoreStd float64
}

// MetaError is a Meta entry that is missing or does not parse.
type MetaError struct {
	Key, Value string
	Err        error
}

func (e *MetaError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("checkpoint meta %s: missing", e.Key)
	}
	return fmt.Sprintf("checkpoint meta %s %q: %v", e.Key, e.Value, e.Err)
}

func (e *MetaError) Unwrap() error { return e.Err }

// Calibration returns the checkpoint's calibration record: ErrNoCalibration
// when Meta holds none of its entries, a *MetaError when one is missing or
// malformed.
func (c *Checkpoint) Calibration() (Calibration, error) {
	var cal Calibration
	_, hasMethod := c.Meta[MetaThresholdMethod]
	_, hasMean := c.Meta[MetaValScoreMean]
	_, hasStd := c.Meta[MetaValScoreStd]
	if !hasMethod && !hasMean && !hasStd {
		return cal, ErrNoCalibration
	}
	if !hasMethod {
		return cal, &MetaError{Key: MetaThresholdMethod}
	}
	cal.Method = c.Meta[MetaThresholdMethod]
	for _, f := range []struct {
		key string
		to  *float64
	}{{MetaValScoreMean, &cal.ValScoreMean}, {MetaValScoreStd, &cal.ValScoreStd}} {
		v, ok := c.Meta[f.key]
		if !ok {
			return cal, &MetaError{Key: f.key}
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return cal, &MetaError{Key: f.key, Value: v, Err: err}
		}
		*f.to = x
	}
	return cal, nil
}

// SetCalibration records cal in Meta (made when nil).
func (c *Checkpoint) SetCalibration(cal Calibration) {
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	c.Meta[MetaThresholdMethod] = cal.Method
	c.Meta[MetaValScoreMean] = strconv.FormatFloat(cal.ValScoreMean, 'g', -1, 64)
	c.Meta[MetaValScoreStd] = strconv.FormatFloat(cal.ValScoreStd, 'g', -1, 64)
}
