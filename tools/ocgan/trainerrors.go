package main

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// runError gives a failure of the pipeline the command's wording: a batch
// too large for the device and a checkpoint of another configuration are
// usage errors; an interruption and a device loss or timeout say what
// became of the checkpoint.
func (j *trainJob) runError(err error) error {
	var tl *backend.TensorTooLargeError
	var re *pipeline.ResumeError
	var te *pipeline.TrainError
	switch {
	case errors.As(err, &tl):
		return usageError{fmt.Errorf("--batch: %w", tl)}
	case errors.As(err, &re) && errors.Is(err, train.ErrConfigMismatch):
		return usageError{fmt.Errorf("--resume: %s: %w", j.out, re.Err)}
	case errors.As(err, &re):
		return fmt.Errorf("--resume: %s: %w", j.out, re.Err)
	case errors.As(err, &te) && errors.Is(err, train.ErrInterrupted):
		if !te.Saved {
			return interruptedError{fmt.Errorf("%w; nothing was saved (no iteration had run)", te.Err)}
		}
		return interruptedError{fmt.Errorf("%w; %s holds the run as it stopped: %s", te.Err, j.out, j.continueHint())}
	case errors.As(err, &te):
		return deviceFailure(te.Err, j.out, te.Saved)
	}
	return err
}

// deviceFailure adds to a device loss or timeout what became of the
// checkpoint: out holds the last completed epoch (every write is atomic)
// when saved says one was written or resumed from.
func deviceFailure(err error, out string, saved bool) error {
	var te *vk.TimeoutError
	if !errors.Is(err, vk.ErrDeviceLost) && !errors.As(err, &te) {
		return err
	}
	if !saved {
		return fmt.Errorf("%w; no epoch had completed, so no checkpoint was written", err)
	}
	return fmt.Errorf("%w; %s holds the last completed epoch: continue with --resume", err, out)
}

// continueHint says how to continue an interrupted run of j.
func (j *trainJob) continueHint() string {
	if j.again != "" {
		return j.again
	}
	return "continue with --resume"
}
