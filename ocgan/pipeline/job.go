// Package pipeline runs a training job: it trains an OCGAN model on a
// dataset split (or continues an interrupted run), saves the training
// checkpoint after every epoch, calibrates the novelty threshold, measures
// the model on the test images and saves the finished checkpoint.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// Data is what a training run reads.
type Data struct {
	Split *dataset.Split
	// CalNovel are labelled novel images for the F1 calibration (nil:
	// none).
	CalNovel *dataset.Dataset
	// Test, when not nil, is the end evaluation instead of Split.Test.
	Test *Test
	// Label describes the data for the log, e.g. "80 train / 20 val / 40
	// test images".
	Label string
}

// Test is an end evaluation: in-class images and novel ones (nil: none).
type Test struct {
	Normal, Novel *dataset.Dataset
}

// Job is one training run.
type Job struct {
	Config train.Config
	// Preprocess is how images became model inputs (recorded).
	Preprocess  checkpoint.Preprocessing
	Calibration calibrate.Options
	// Meta are entries of every checkpoint's Meta (run settings, the
	// program's Provenance); the job adds MetaDevice, MetaCreated,
	// train.MetaStatus and, when measured, MetaTestAUC.
	Meta map[string]string
	// Out is the checkpoint written after every epoch and at the end.
	Out string
	// Resumed is the checkpoint of an interrupted run to continue (see
	// train.CheckResume), nil to start afresh.
	Resumed *checkpoint.Checkpoint
	// Load reads the data; Open opens the device (both required).
	Load func() (Data, error)
	Open func() (backend.Backend, error)
	// DeviceLabel names the device in the summary and in Meta (nil: its
	// name).
	DeviceLabel func(backend.Backend) string
	// Started is called once the data is read and the trainer built,
	// before training (may be nil); Progress after every iteration and
	// epoch (may be nil); Log receives one-line notes (may be nil).
	Started  func(device string, d Data)
	Progress func(train.Progress)
	Log      io.Writer
	// EpochTest also measures the test AUC of every epoch's parameters on
	// Data.Split.Test (train.Trainer.SetEpochTest), recorded in the
	// checkpoint's history: a diagnostic, never used to select the model.
	EpochTest bool
	// Context, when done, interrupts training at the end of the iteration
	// running then: Out then holds the run as it stands (the part of the
	// epoch done included) and Run returns a *TrainError wrapping
	// train.ErrInterrupted. nil: never.
	Context context.Context
}

// Summary is the outcome of a Job.
type Summary struct {
	Result *train.Result
	// AUC is the test AUC (NaN when the test images lack normal or novel
	// ones).
	AUC       float64
	Threshold calibrate.Choice
	Device    string
	Elapsed   time.Duration
	// TestNormal and TestNovel are the scores of Data.Test (nil without).
	TestNormal, TestNovel []float64
}

// ImagesPerSec is the training throughput.
func (s *Summary) ImagesPerSec() float64 {
	return float64(s.Result.Images) / s.Result.Elapsed.Seconds()
}

// ErrIncomplete is returned by Run for a Job without Load, Open or Out.
var ErrIncomplete = errors.New("pipeline: a job needs Load, Open and Out")

// ResumeError is a Resumed checkpoint whose state does not restore (wraps
// train.ErrConfigMismatch for another configuration).
type ResumeError struct{ Err error }

func (e *ResumeError) Error() string { return e.Err.Error() }
func (e *ResumeError) Unwrap() error { return e.Err }

// TrainError is a failure or an interruption of the training loop; Saved
// says that Out holds the last completed epoch, or after an interruption
// the run as it stopped (every write is atomic).
type TrainError struct {
	Err   error
	Saved bool
}

func (e *TrainError) Error() string { return e.Err.Error() }
func (e *TrainError) Unwrap() error { return e.Err }

func (j *Job) logf(format string, args ...any) {
	if j.Log != nil {
		fmt.Fprintf(j.Log, format+"\n", args...)
	}
}

// Run trains, calibrates the threshold on the validation split (and, for
// the F1 method, CalNovel), measures the test AUC and saves the checkpoint
// at Out (also after every epoch).
func (j *Job) Run() (*Summary, error) {
	start := time.Now()
	if j.Load == nil || j.Open == nil || j.Out == "" {
		return nil, ErrIncomplete
	}
	// A killed earlier run may have left a temporary file of a checkpoint write.
	if stale, err := atomicfile.RemoveStale(j.Out); err != nil {
		return nil, fmt.Errorf("removing stale temporary files of %s: %w", j.Out, err)
	} else if len(stale) > 0 {
		j.logf("removed %d temporary file(s) of an interrupted checkpoint write: %v", len(stale), stale)
	}
	data, err := j.Load()
	if err != nil {
		return nil, err
	}
	be, err := j.Open()
	if err != nil {
		return nil, err
	}
	defer be.Close()
	device := be.Device().Name
	if j.DeviceLabel != nil {
		device = j.DeviceLabel(be)
	}
	cfg := j.Config
	cfg.ScoreBatch = scoreBatchFor(cfg.ScoreBatch, data)
	t, err := train.NewTrainer(be, cfg)
	if err != nil {
		return nil, err
	}
	defer t.Free()
	if j.EpochTest {
		if data.Split.Test == nil || data.Split.Test.Len() == 0 {
			return nil, errors.New("pipeline: the test AUC of every epoch needs the test images of a dataset split")
		}
		t.SetEpochTest(data.Split)
	}
	if j.Started != nil {
		j.Started(device, data)
	}
	var prior time.Duration // training time of the interrupted run resumed
	if j.Resumed != nil {
		st, err := train.ResumeState(j.Resumed)
		if err == nil {
			err = t.Restore(st)
		}
		if err != nil {
			return nil, &ResumeError{err}
		}
		if st.Partial != nil {
			j.logf("resuming from %s inside epoch %d, after its iteration %d (iteration %d of the run)", j.Out, st.Epoch+1, st.Partial.Iterations, st.Iteration)
		} else {
			j.logf("resuming from %s after epoch %d (iteration %d)", j.Out, st.Epoch, st.Iteration)
		}
		prior = st.Elapsed
	}
	if j.Config.Budget > 0 {
		j.logf("%s", BudgetNote(j.Config.Budget, prior, time.Since(start), time.Now()))
	}
	saved := j.Resumed != nil // Out holds a completed epoch
	ctx := j.Context
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := t.RunContext(ctx, data.Split, j.Progress, func(s train.State) error {
		if err := j.save(t, s, device, train.EpochStatus(s.Epoch, j.Config.Epochs), math.NaN(), nil); err != nil {
			return err
		}
		saved = true
		return nil
	})
	if errors.Is(err, train.ErrInterrupted) {
		return nil, j.interrupted(t, err, device, saved)
	}
	if err != nil {
		return nil, &TrainError{Err: err, Saved: saved}
	}
	// The threshold and the test AUC come from the scorer a deployed model
	// runs: a standalone one on the selected parameters, batch norms folded,
	// whose scores the scorer built from the saved checkpoint repeats bit
	// for bit on this device.
	ps, err := t.Params()
	if err != nil {
		return nil, err
	}
	scorer, err := train.NewScorer(be, j.Config.Geometry, t.Scorer().Batch(), ps)
	if err != nil {
		return nil, err
	}
	defer scorer.Free()
	choice, err := j.Calibration.Calibrate(scorer, data.Split.Val, data.CalNovel)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Result: res, Threshold: choice, Device: device}
	if err := evaluate(scorer, data, sum); err != nil {
		return nil, err
	}
	final, err := t.State()
	if err != nil {
		return nil, err
	}
	if err := j.save(t, final, device, train.StatusDone, choice.Value, sum); err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// scoreBatchFor is the scoring batch for data: batch, or the size of the
// largest image set the run scores (validation, test, the calibration's
// novel images) when that is smaller, so that a small set of one's own
// images is not scored as a batch padded to the default 256 after every
// epoch. Scores do not depend on the batch: the scoring programs of both
// backends give an image the same bits at any batch size.
func scoreBatchFor(batch int, d Data) int {
	n := 1
	for _, set := range []*dataset.Dataset{d.Split.Val, d.Split.Test, d.CalNovel} {
		if set != nil {
			n = max(n, set.Len())
		}
	}
	if d.Test != nil {
		for _, set := range []*dataset.Dataset{d.Test.Normal, d.Test.Novel} {
			if set != nil {
				n = max(n, set.Len())
			}
		}
	}
	return min(batch, n)
}

// interrupted saves an interrupted run as it stands, when it stopped inside
// an epoch (at an epoch's end the hook has saved it), and returns the
// *TrainError of err.
func (j *Job) interrupted(t *train.Trainer, err error, device string, saved bool) error {
	s, serr := t.State()
	if serr == nil && s.Partial != nil {
		status := train.InterruptedStatus(s.Epoch+1, s.Partial.Iterations, j.Config.Epochs)
		if serr = j.save(t, s, device, status, math.NaN(), nil); serr == nil {
			saved = true
		}
	}
	if serr != nil {
		err = fmt.Errorf("%w; saving the run where it stopped failed: %w", err, serr)
	}
	return &TrainError{Err: err, Saved: saved}
}

// save writes the checkpoint of state s at Out with status and threshold;
// sum, when not nil, is the finished run's (its calibration and test AUC).
func (j *Job) save(t *train.Trainer, s train.State, device, status string, threshold float64, sum *Summary) error {
	m := map[string]string{}
	for k, v := range j.Meta {
		m[k] = v
	}
	m[MetaDevice], m[MetaCreated], m[train.MetaStatus] = device, time.Now().UTC().Format(time.RFC3339), status
	if sum != nil && !math.IsNaN(sum.AUC) {
		m[MetaTestAUC] = fmt.Sprintf("%.6f", sum.AUC)
	}
	ck, err := t.Checkpoint(s, m, threshold)
	if err != nil {
		return err
	}
	if sum != nil {
		ck.SetCalibration(sum.Threshold.Record())
	}
	ck.Preprocess = j.Preprocess
	return checkpoint.Save(j.Out, ck)
}
