package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// calibrateCmd is `ocgan calibrate`.
type calibrateCmd struct {
	model, data string
	cal         calibration
	asJSON      bool
}

func (c *calibrateCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.model, "model", "", "checkpoint written by ocgan train (rewritten with the new threshold)")
	fs.StringVar(&c.data, "data", "", "dataset location, if not the built-in one or the one used in training")
	c.cal.add(fs, "labelled novel images (files, folders searched recursively, IDX image files): the threshold is then the F1-optimal one on validation + these")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
}

// run recomputes a trained model's threshold from its validation split
// (the dataset, class, protocol and seed it was trained with) and, if
// given, labelled novel images, and saves it in the checkpoint.
func (c *calibrateCmd) run(e *env) error {
	path, cal := c.model, c.cal
	if err := cal.check(); err != nil {
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
		d.path = c.data
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
	if c.asJSON {
		return writeJSON(e.stdout, map[string]any{"model": path, "threshold": ch.Value, "previous_threshold": finite(old),
			"method": ch.Method, "val_score_mean": ch.ValMean, "val_score_std": ch.ValStd})
	}
	fmt.Fprintf(e.stdout, "%s: threshold %.6g (was %.6g): %s\n", path, ch.Value, old, ch.Method)
	return nil
}
