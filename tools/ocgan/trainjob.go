package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
)

// trainJob is one training run of one class: what `ocgan train` does, and
// what `ocgan eval --train` does for each class and seed (a pipeline.Job on
// the data the dataset flags name).
type trainJob struct {
	data dataFlags
	// pre is how images become model inputs (recorded in the checkpoint).
	pre    checkpoint.Preprocessing
	cfg    train.Config
	cal    calibration
	out    string
	resume bool
	// epochTest measures the test AUC after every epoch (pipeline.Job.EpochTest).
	epochTest bool
	// progress is called after every iteration and epoch (may be nil); log
	// receives one-line notes (start, resume, cleanup).
	progress func(train.Progress)
	log      io.Writer
	// open opens the device; nil means device.Open.
	open func(device.Config) (backend.Backend, error)
	// ctx interrupts training (pipeline.Job.Context; nil: never); again
	// says how to continue an interrupted run (default: --resume).
	ctx   context.Context
	again string
}

// load reads the data of the run, preprocessed as j.pre says: the split,
// the labelled novel images that choose the threshold (used by the f1
// method), and for --dataset images the images of the end evaluation.
func (j *trainJob) load() (pipeline.Data, *ownTest, error) {
	var jd pipeline.Data
	opts := j.pre.Options()
	split, dataFiles, err := j.data.readSplit(opts)
	if err != nil {
		return jd, nil, err
	}
	jd.Split = split
	jd.Label = fmt.Sprintf("%d train / %d val", split.Train.Len(), split.Val.Len())
	if j.data.name != datasetImages {
		jd.Label += fmt.Sprintf(" / %d test images", split.Test.Len())
		jd.CalNovel, _, err = j.cal.novelImages(opts)
		return jd, nil, err
	}
	test, err := j.data.loadOwnTest(opts, split.Val, dataFiles, j.cal.novel)
	if err != nil {
		return jd, nil, err
	}
	jd.CalNovel, jd.Test = test.novel, &pipeline.Test{Normal: test.normal, Novel: test.novel}
	jd.Label += " images; test on " + test.describe()
	return jd, test, nil
}

// run trains, calibrates, measures and saves the model (see pipeline.Job)
// on the device of dcfg.
func (j *trainJob) run(dcfg device.Config) (*trainSummary, error) {
	d := j.data
	settings := runSettings(d, j.cfg.Mode, j.cfg.Batch).Meta()
	var resumed *checkpoint.Checkpoint
	var err error
	if j.resume {
		if resumed, err = loadResume(j.out, j.cfg, settings); err != nil {
			return nil, err
		}
		if p := resumed.Preprocessing(); p != j.pre {
			return nil, usageError{fmt.Errorf("--resume: %s was trained on images preprocessed as %v, not %v (--image-size, --channels, --resize)", j.out, p, j.pre)}
		}
	}
	open := j.open
	if open == nil {
		open = device.Open
	}
	meta := programMeta()
	for k, v := range settings {
		meta[k] = v
	}
	var test *ownTest
	job := &pipeline.Job{Config: j.cfg, Preprocess: j.pre, Calibration: j.cal.options(), Meta: meta, Out: j.out, Resumed: resumed,
		Load: func() (pipeline.Data, error) {
			jd, t, err := j.load()
			test = t
			return jd, err
		},
		Open:        func() (backend.Backend, error) { return open(dcfg) },
		DeviceLabel: deviceLabel, Progress: j.progress, Log: j.log, EpochTest: j.epochTest, Context: j.ctx,
		Started: func(device string, jd pipeline.Data) {
			if j.log == nil {
				return
			}
			if d.detected != "" {
				fmt.Fprintln(j.log, d.detected)
			}
			fmt.Fprintf(j.log, "training OCGAN (%s) on %s, seed %d: %s, device %s\n", j.cfg.Mode, d.describe(), d.seed, jd.Label, device)
			fmt.Fprintf(j.log, "model input: every image to %v (--image-size, --channels, --resize)\n", j.pre)
		},
	}
	ps, err := job.Run()
	if err != nil {
		return nil, j.runError(err)
	}
	sum := &trainSummary{Summary: ps}
	if test != nil {
		det, err := detect(ps.TestNormal, ps.TestNovel, ps.Threshold.Value)
		if err != nil {
			return nil, fmt.Errorf("test evaluation: %w", err)
		}
		sum.Test, sum.TestImages = &det, test.describe()
		sum.TunedOnTest = test.novel != nil && j.cal.method == thresholdF1
	}
	return sum, nil
}
