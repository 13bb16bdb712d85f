package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/device"
)

// trainJob is one training run of one class: what `ocgan train` does, and
// what `ocgan eval --train` does for each class and seed.
type trainJob struct {
	data dataFlags
	// pre is how images become model inputs (recorded in the checkpoint).
	pre    checkpoint.Preprocessing
	cfg    train.Config
	cal    calibration
	out    string
	resume bool
	// progress is called after every iteration and epoch (may be nil); log
	// receives one-line notes (start, resume, cleanup).
	progress func(train.Progress)
	log      io.Writer
}

// trainSummary is the outcome of a trainJob.
type trainSummary struct {
	Result    *train.Result
	AUC       float64
	Threshold thresholdChoice
	Device    string
	Elapsed   time.Duration
}

func (s *trainSummary) imagesPerSec() float64 {
	return float64(s.Result.Images) / s.Result.Elapsed.Seconds()
}

// JSON is the summary as `ocgan train --json` prints it.
func (s *trainSummary) JSON() map[string]any {
	return map[string]any{"auc": s.AUC, "best_epoch": s.Result.BestEpoch, "best_val_mse": finite(s.Result.BestValMSE),
		"threshold": s.Threshold.Value, "threshold_method": s.Threshold.Method,
		"iterations": s.Result.Iterations, "images_per_sec": s.imagesPerSec(), "stopped_by_budget": s.Result.Stopped,
		"device": s.Device, "seconds": s.Elapsed.Seconds()}
}

// run trains, calibrates the threshold on the validation split (and the
// labelled novel images, if any), measures the test AUC and saves the
// checkpoint at j.out (also after every epoch).
func (j *trainJob) run(dcfg device.Config) (*trainSummary, error) {
	start := time.Now()
	d, geo := j.data, j.cfg.Geometry
	settings := runSettings(d, j.cfg.Mode, j.cfg.Batch)
	var saved *checkpoint.Checkpoint
	var err error
	if j.resume {
		if saved, err = loadResume(j.out, geo, settings, d.seed); err != nil {
			return nil, err
		}
		if p := saved.Preprocessing(); p != j.pre {
			return nil, usageError{fmt.Errorf("--resume: %s was trained on images preprocessed as %v, not %v (--image-size, --channels, --resize)", j.out, p, j.pre)}
		}
	}
	// A killed earlier run may have left a temporary file of a checkpoint write.
	if stale, err := atomicfile.RemoveStale(j.out); err != nil {
		return nil, fmt.Errorf("removing stale temporary files of %s: %w", j.out, err)
	} else if len(stale) > 0 && j.log != nil {
		fmt.Fprintf(j.log, "removed %d temporary file(s) of an interrupted checkpoint write: %v\n", len(stale), stale)
	}
	split, err := d.split(j.pre.Options())
	if err != nil {
		return nil, err
	}
	novel, err := j.cal.novelImages(j.pre.Options())
	if err != nil {
		return nil, err
	}
	be, err := device.Open(dcfg)
	if err != nil {
		return nil, err
	}
	defer be.Close()
	t, err := train.NewTrainer(be, j.cfg)
	if err != nil {
		return nil, err
	}
	defer t.Free()
	if j.log != nil {
		fmt.Fprintf(j.log, "training OCGAN (%s) on %s class %d, protocol %d, seed %d: %d train / %d val / %d test images, device %s\n",
			j.cfg.Mode, d.name, d.class, d.protocol, d.seed, split.Train.Len(), split.Val.Len(), split.Test.Len(), deviceLabel(be))
	}
	if saved != nil {
		st, err := resumeState(saved)
		if err != nil {
			return nil, fmt.Errorf("--resume: %s: %w", j.out, err)
		}
		if err := t.Restore(st); err != nil {
			if errors.Is(err, train.ErrConfigMismatch) {
				return nil, usageError{fmt.Errorf("--resume: %s: %w", j.out, err)}
			}
			return nil, fmt.Errorf("--resume: %s: %w", j.out, err)
		}
		if j.log != nil {
			fmt.Fprintf(j.log, "resuming from %s after epoch %d (iteration %d)\n", j.out, st.Epoch, st.Iteration)
		}
	}
	meta := func() map[string]string {
		m := map[string]string{"device": deviceLabel(be), "created": time.Now().UTC().Format(time.RFC3339)}
		for k, v := range settings {
			m[k] = v
		}
		return m
	}
	// After every epoch, save the state so far (--resume continues from it).
	saveEpoch := func(s train.State) error {
		m := meta()
		m["status"] = fmt.Sprintf("training: epoch %d of %d", s.Epoch, j.cfg.Epochs)
		ck, err := trainCheckpoint(geo, t, s, m, math.NaN())
		if err != nil {
			return err
		}
		ck.Preprocess = j.pre
		return checkpoint.Save(j.out, ck)
	}
	res, err := t.RunWith(split, j.progress, saveEpoch)
	if err != nil {
		return nil, err
	}
	scorer := t.Scorer()
	val, err := scorer.Scores(split.Val)
	if err != nil {
		return nil, err
	}
	var novelScores []float64
	if novel != nil {
		if novelScores, err = scorer.Scores(novel); err != nil {
			return nil, err
		}
	}
	choice, err := j.cal.choose(val, novelScores)
	if err != nil {
		return nil, err
	}
	auc, _, err := scorer.Evaluate(split)
	if err != nil {
		return nil, err
	}
	final, err := t.State()
	if err != nil {
		return nil, err
	}
	m := meta()
	m["status"] = "done"
	m["test_auc"] = fmt.Sprintf("%.6f", auc)
	choice.addMeta(m)
	ck, err := trainCheckpoint(geo, t, final, m, choice.Value)
	if err != nil {
		return nil, err
	}
	ck.Preprocess = j.pre
	if err := checkpoint.Save(j.out, ck); err != nil {
		return nil, err
	}
	return &trainSummary{Result: res, AUC: auc, Threshold: choice, Device: deviceLabel(be), Elapsed: time.Since(start)}, nil
}
