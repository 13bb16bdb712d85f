package main

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// Threshold methods (--threshold).
const (
	thresholdQuantile = string(calibrate.Quantile)
	thresholdF1       = string(calibrate.F1)
)

// calibration says how the novelty threshold is chosen: a quantile of the
// in-class validation scores, or the threshold that maximises F1 on the
// validation scores and those of labelled novel images.
type calibration struct {
	quantile float64
	novel    []string
	// method is thresholdQuantile or thresholdF1 ("" until settle).
	method string
}

// addCalibrationFlags adds the threshold flags; novelHelp describes what
// the command does with --novel.
func addCalibrationFlags(fs *pflag.FlagSet, novelHelp string) {
	fs.Float64("quantile", defaultQuantile, "threshold = this quantile of the in-class validation scores")
	fs.StringSlice("novel", nil, novelHelp)
	fs.String("threshold", "", "how the threshold is chosen: quantile (of the validation scores) or f1 (F1-optimal on the validation and --novel images) (default: f1 with --novel, except with --dataset images, where the --novel images are the test anomalies: quantile)")
}

func calibrationFrom(fs *pflag.FlagSet) (calibration, error) {
	var c calibration
	c.quantile, _ = fs.GetFloat64("quantile")
	c.novel, _ = fs.GetStringSlice("novel")
	c.method, _ = fs.GetString("threshold")
	if !(c.quantile >= 0 && c.quantile <= 1) {
		return c, usageError{fmt.Errorf("--quantile must be in [0, 1], got %v", c.quantile)}
	}
	switch {
	case c.method != "" && c.method != thresholdQuantile && c.method != thresholdF1:
		return c, usageError{fmt.Errorf("--threshold %q: want quantile or f1", c.method)}
	case c.method == thresholdF1 && len(c.novel) == 0:
		return c, usageError{fmt.Errorf("--threshold f1 needs labelled anomalies: give --novel")}
	}
	return c, nil
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

func calibrateFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "checkpoint written by ocgan train (rewritten with the new threshold)")
	fs.String("data", "", "dataset location, if not the built-in one or the one used in training")
	addCalibrationFlags(fs, "labelled novel images (files, folders searched recursively, IDX image files): the threshold is then the F1-optimal one on validation + these")
	fs.Bool("json", false, "print JSON")
}

// runCalibrate recomputes a trained model's threshold from its validation
// split (the dataset, class, protocol and seed it was trained with) and,
// if given, labelled novel images, and saves it in the checkpoint.
func runCalibrate(e *env) error {
	path, _ := e.fs.GetString("model")
	asJSON, _ := e.fs.GetBool("json")
	cal, err := calibrationFrom(e.fs)
	if err != nil {
		return err
	}
	if err := cal.settle(false); err != nil {
		return err
	}
	if err := checkOutputFile("--model", path); err != nil {
		return err
	}
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	d, err := dataFromCheckpoint(ck)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if e.fs.Changed("data") {
		d.path, _ = e.fs.GetString("data")
	}
	opts := ck.Preprocessing().Options()
	split, dataFiles, err := d.readSplit(opts)
	if err != nil {
		return err
	}
	novel, novelNames, err := cal.novelImages(opts)
	if err != nil {
		return err
	}
	if err := checkDisjoint(namedImages{"--data " + d.path, dataFiles}, namedImages{"--novel", novelNames}); err != nil {
		return err
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	s, err := newScorer(be, ck, maxScoreBatch)
	if err != nil {
		return err
	}
	defer s.Free()
	ch, err := cal.options().Calibrate(s, split.Val, novel)
	if err != nil {
		return err
	}
	old := ck.Train.Threshold
	ck.Train.Threshold = ch.Value
	ck.SetCalibration(ch.Record())
	if err := checkpoint.Save(path, ck); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, map[string]any{"model": path, "threshold": ch.Value, "previous_threshold": finite(old),
			"method": ch.Method, "val_score_mean": ch.ValMean, "val_score_std": ch.ValStd})
	}
	fmt.Fprintf(e.stdout, "%s: threshold %.6g (was %.6g): %s\n", path, ch.Value, old, ch.Method)
	return nil
}

// dataFromCheckpoint returns the dataset flags a checkpoint was trained with.
func dataFromCheckpoint(ck *checkpoint.Checkpoint) (dataFlags, error) {
	var d dataFlags
	d.name = ck.Meta["dataset"]
	if d.name == "" {
		return d, fmt.Errorf("the checkpoint does not say which dataset it was trained on")
	}
	d.path = ck.Meta[metaData]
	if d.name == datasetImages {
		if _, err := fmt.Sscan(ck.Meta[metaValShare], &d.valShare); err != nil {
			return d, fmt.Errorf("the checkpoint's validation share %q: %w", ck.Meta[metaValShare], err)
		}
	} else {
		if _, err := fmt.Sscan(ck.Meta["class"], &d.class); err != nil {
			return d, fmt.Errorf("the checkpoint's class %q: %w", ck.Meta["class"], err)
		}
		if _, err := fmt.Sscan(ck.Meta["protocol"], &d.protocol); err != nil {
			return d, fmt.Errorf("the checkpoint's protocol %q: %w", ck.Meta["protocol"], err)
		}
	}
	d.seed = ck.Train.Seed
	if math.IsNaN(ck.Train.Threshold) && ck.Meta[metaStatus] != metaStatusDone {
		return d, fmt.Errorf("training is not finished (%s)", ck.Meta[metaStatus])
	}
	return d, nil
}
