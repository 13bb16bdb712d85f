package main

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// Checkpoint Meta keys of the threshold calibration.
const (
	metaThresholdMethod = "threshold_method"
	metaValScoreMean    = "val_score_mean"
	metaValScoreStd     = "val_score_std"
)

// calibration says how the novelty threshold is chosen: a quantile of the
// in-class validation scores, or, when labelled novel images are given, the
// threshold that maximises F1 on validation + novel scores.
type calibration struct {
	quantile float64
	novel    []string
}

func addCalibrationFlags(fs *pflag.FlagSet) {
	fs.Float64("quantile", defaultQuantile, "threshold = this quantile of the in-class validation scores")
	fs.StringSlice("novel", nil, "labelled novel images (files, folders or IDX image files): the threshold is then the F1-optimal one on validation + these")
}

func calibrationFrom(fs *pflag.FlagSet) (calibration, error) {
	var c calibration
	c.quantile, _ = fs.GetFloat64("quantile")
	c.novel, _ = fs.GetStringSlice("novel")
	if !(c.quantile >= 0 && c.quantile <= 1) {
		return c, usageError{fmt.Errorf("--quantile must be in [0, 1], got %v", c.quantile)}
	}
	return c, nil
}

// novelImages loads the labelled novel images with the reader options
// opts (nil when none are given).
func (c calibration) novelImages(opts dataset.Options) (*dataset.Dataset, error) {
	if len(c.novel) == 0 {
		return nil, nil
	}
	d, _, _, err := loadImages(c.novel, opts)
	if err != nil {
		return nil, fmt.Errorf("--novel: %w", err)
	}
	return d, nil
}

// thresholdChoice is a calibrated threshold and how it was obtained.
type thresholdChoice struct {
	Value  float64
	Method string
	// ValMean and ValStd describe the in-class validation scores (score
	// normalisation for deployment).
	ValMean, ValStd float64
}

// choose calibrates the threshold from in-class validation scores and the
// scores of labelled novel images (may be empty).
func (c calibration) choose(val, novel []float64) (thresholdChoice, error) {
	var ch thresholdChoice
	ch.ValMean, ch.ValStd = metrics.MeanStd(val)
	if len(novel) == 0 {
		v, err := metrics.QuantileThreshold(val, c.quantile)
		if err != nil {
			return ch, fmt.Errorf("threshold calibration: %w", err)
		}
		ch.Value = v
		ch.Method = fmt.Sprintf("quantile %g of %d validation scores", c.quantile, len(val))
		return ch, nil
	}
	scores := append(append([]float64(nil), val...), novel...)
	labels := make([]bool, len(scores))
	for i := len(val); i < len(labels); i++ {
		labels[i] = true
	}
	v, conf, err := metrics.F1OptimalThreshold(scores, labels)
	if err != nil {
		return ch, fmt.Errorf("threshold calibration: %w", err)
	}
	ch.Value = v
	ch.Method = fmt.Sprintf("F1-optimal on %d validation + %d novel images (F1 %.4f, precision %.4f, recall %.4f)",
		len(val), len(novel), conf.F1(), conf.Precision(), conf.Recall())
	return ch, nil
}

// addMeta records the choice in a checkpoint's Meta.
func (ch thresholdChoice) addMeta(m map[string]string) {
	m[metaThresholdMethod] = ch.Method
	m[metaValScoreMean] = formatFloat(ch.ValMean)
	m[metaValScoreStd] = formatFloat(ch.ValStd)
}

func calibrateFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "checkpoint written by ocgan train (rewritten with the new threshold)")
	fs.String("data", "", "dataset location, if not the built-in one or the one used in training")
	addCalibrationFlags(fs)
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
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	d, err := dataFromCheckpoint(ck)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	d.path, _ = e.fs.GetString("data")
	opts := ck.Preprocessing().Options()
	split, err := d.split(opts)
	if err != nil {
		return err
	}
	novel, err := cal.novelImages(opts)
	if err != nil {
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
	val, err := s.Scores(split.Val)
	if err != nil {
		return err
	}
	var novelScores []float64
	if novel != nil {
		if novelScores, err = s.Scores(novel); err != nil {
			return err
		}
	}
	ch, err := cal.choose(val, novelScores)
	if err != nil {
		return err
	}
	old := ck.Train.Threshold
	ck.Train.Threshold = ch.Value
	if ck.Meta == nil {
		ck.Meta = map[string]string{}
	}
	ch.addMeta(ck.Meta)
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
	if _, err := fmt.Sscan(ck.Meta["class"], &d.class); err != nil {
		return d, fmt.Errorf("the checkpoint's class %q: %w", ck.Meta["class"], err)
	}
	if _, err := fmt.Sscan(ck.Meta["protocol"], &d.protocol); err != nil {
		return d, fmt.Errorf("the checkpoint's protocol %q: %w", ck.Meta["protocol"], err)
	}
	d.seed = ck.Train.Seed
	if math.IsNaN(ck.Train.Threshold) && ck.Meta["status"] != "done" {
		return d, fmt.Errorf("training is not finished (%s)", ck.Meta["status"])
	}
	return d, nil
}
