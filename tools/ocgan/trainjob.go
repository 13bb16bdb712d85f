package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/progress"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
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
	// open opens the device; nil means device.Open.
	open func(device.Config) (backend.Backend, error)
}

// trainSummary is the outcome of a trainJob.
type trainSummary struct {
	Result *train.Result
	// AUC is the test AUC (NaN when there is no test set with both normal
	// and novel images).
	AUC       float64
	Threshold thresholdChoice
	Device    string
	Elapsed   time.Duration
	// Test is the end evaluation of a run on --dataset images (nil for the
	// datasets with protocols), on the images TestImages describes;
	// TunedOnTest says the threshold was chosen on its novel images.
	Test        *detection
	TestImages  string
	TunedOnTest bool
}

func (s *trainSummary) imagesPerSec() float64 {
	return float64(s.Result.Images) / s.Result.Elapsed.Seconds()
}

// JSON is the summary as `ocgan train --json` prints it.
func (s *trainSummary) JSON() map[string]any {
	m := map[string]any{"auc": finite(s.AUC), "best_epoch": s.Result.BestEpoch, "best_val_mse": finite(s.Result.BestValMSE),
		"threshold": s.Threshold.Value, "threshold_method": s.Threshold.Method,
		"iterations": s.Result.Iterations, "images_per_sec": s.imagesPerSec(), "stopped_by_budget": s.Result.Stopped,
		"device": s.Device, "seconds": s.Elapsed.Seconds()}
	if s.Test != nil {
		t := s.Test.JSON()
		t["images"], t["threshold_from_test"] = s.TestImages, s.TunedOnTest
		m["test"] = t
	}
	return m
}

// printTest writes the end evaluation of a run on --dataset images.
func (s *trainSummary) printTest(w io.Writer) error {
	fmt.Fprintf(w, "test on %s:\n", s.TestImages)
	if err := s.Test.print(w); err != nil {
		return err
	}
	if s.Test.Novel == 0 {
		_, err := fmt.Fprintln(w, "give --novel with images of anomalies to measure how well the model finds them")
		return err
	}
	if s.TunedOnTest {
		_, err := fmt.Fprintln(w, "the threshold was chosen on these --novel images (--threshold f1): F1, precision and recall are optimistic")
		return err
	}
	return nil
}

// jobData is what a training run reads: the split, the labelled novel
// images that choose the threshold (used by the f1 method), and for
// --dataset images the images of the end evaluation.
type jobData struct {
	split    *dataset.Split
	calNovel *dataset.Dataset
	test     *ownTest // nil for the datasets with protocols
}

// load reads the data of the run, preprocessed as j.pre says.
func (j *trainJob) load() (jobData, error) {
	var jd jobData
	opts := j.pre.Options()
	split, dataFiles, err := j.data.readSplit(opts)
	if err != nil {
		return jd, err
	}
	jd.split = split
	if j.data.name == datasetImages {
		if jd.test, err = j.data.loadOwnTest(opts, split.Val, dataFiles, j.cal.novel); err != nil {
			return jd, err
		}
		jd.calNovel = jd.test.novel
		return jd, nil
	}
	jd.calNovel, _, err = j.cal.novelImages(opts)
	return jd, err
}

// describe counts the images of the run, for the log.
func (jd jobData) describe() string {
	s := fmt.Sprintf("%d train / %d val", jd.split.Train.Len(), jd.split.Val.Len())
	if jd.test != nil {
		return s + " images; test on " + jd.test.describe()
	}
	return s + fmt.Sprintf(" / %d test images", jd.split.Test.Len())
}

// evaluate measures the trained model on the test images: the split's test
// set, or the end evaluation of --dataset images at threshold.
func (jd jobData) evaluate(s *train.Scorer, threshold float64, sum *trainSummary) error {
	if jd.test == nil {
		auc, _, err := s.Evaluate(jd.split)
		sum.AUC = auc
		return err
	}
	normal, err := s.Scores(jd.test.normal)
	if err != nil {
		return err
	}
	var novel []float64
	if jd.test.novel != nil {
		if novel, err = s.Scores(jd.test.novel); err != nil {
			return err
		}
	}
	det, err := detect(normal, novel, threshold)
	if err != nil {
		return fmt.Errorf("test evaluation: %w", err)
	}
	sum.Test, sum.AUC, sum.TestImages = &det, det.AUC, jd.test.describe()
	return nil
}

// run trains, calibrates the threshold on the validation split (and, for
// the f1 method, the labelled novel images), measures the test AUC (for
// --dataset images, the detection of the --novel images among the test
// normals) and saves the checkpoint at j.out (also after every epoch).
func (j *trainJob) run(dcfg device.Config) (*trainSummary, error) {
	start := time.Now()
	d := j.data
	settings := runSettings(d, j.cfg.Mode, j.cfg.Batch)
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
	// A killed earlier run may have left a temporary file of a checkpoint write.
	if stale, err := atomicfile.RemoveStale(j.out); err != nil {
		return nil, fmt.Errorf("removing stale temporary files of %s: %w", j.out, err)
	} else if len(stale) > 0 && j.log != nil {
		fmt.Fprintf(j.log, "removed %d temporary file(s) of an interrupted checkpoint write: %v\n", len(stale), stale)
	}
	jd, err := j.load()
	if err != nil {
		return nil, err
	}
	open := j.open
	if open == nil {
		open = device.Open
	}
	be, err := open(dcfg)
	if err != nil {
		return nil, err
	}
	defer be.Close()
	t, err := train.NewTrainer(be, j.cfg)
	var tl *backend.TensorTooLargeError
	if errors.As(err, &tl) {
		return nil, usageError{fmt.Errorf("--batch: %w", tl)}
	}
	if err != nil {
		return nil, err
	}
	defer t.Free()
	if j.log != nil {
		if d.detected != "" {
			fmt.Fprintln(j.log, d.detected)
		}
		fmt.Fprintf(j.log, "training OCGAN (%s) on %s, seed %d: %s, device %s\n",
			j.cfg.Mode, d.describe(), d.seed, jd.describe(), deviceLabel(be))
		fmt.Fprintf(j.log, "model input: every image to %v (--image-size, --channels, --resize)\n", j.pre)
	}
	var prior time.Duration // training time of the interrupted run resumed
	saved := resumed != nil // out holds a completed epoch
	if resumed != nil {
		st, err := train.ResumeState(resumed)
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
		prior = st.Elapsed
	}
	if j.log != nil && j.cfg.Budget > 0 {
		fmt.Fprintln(j.log, budgetNote(j.cfg.Budget, prior, time.Since(start), time.Now()))
	}
	meta := func() map[string]string {
		m := programMeta()
		m["device"], m["created"] = deviceLabel(be), time.Now().UTC().Format(time.RFC3339)
		for k, v := range settings {
			m[k] = v
		}
		return m
	}
	// After every epoch, save the state so far (--resume continues from it).
	saveEpoch := func(s train.State) error {
		m := meta()
		m[metaStatus] = train.EpochStatus(s.Epoch, j.cfg.Epochs)
		ck, err := t.Checkpoint(s, m, math.NaN())
		if err != nil {
			return err
		}
		ck.Preprocess = j.pre
		return checkpoint.Save(j.out, ck)
	}
	res, err := t.RunWith(jd.split, j.progress, func(s train.State) error {
		if err := saveEpoch(s); err != nil {
			return err
		}
		saved = true
		return nil
	})
	if err != nil {
		return nil, deviceFailure(err, j.out, saved)
	}
	scorer := t.Scorer()
	choice, err := j.cal.calibrate(scorer, jd.split.Val, jd.calNovel)
	if err != nil {
		return nil, err
	}
	sum := &trainSummary{Result: res, Threshold: choice, Device: deviceLabel(be),
		TunedOnTest: jd.test != nil && jd.test.novel != nil && j.cal.method == thresholdF1}
	if err := jd.evaluate(scorer, choice.Value, sum); err != nil {
		return nil, err
	}
	final, err := t.State()
	if err != nil {
		return nil, err
	}
	m := meta()
	m[metaStatus] = metaStatusDone
	if !math.IsNaN(sum.AUC) {
		m["test_auc"] = fmt.Sprintf("%.6f", sum.AUC)
	}
	ck, err := t.Checkpoint(final, m, choice.Value)
	if err != nil {
		return nil, err
	}
	ck.SetCalibration(choice.record())
	ck.Preprocess = j.pre
	if err := checkpoint.Save(j.out, ck); err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
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

// budgetNote says when training stops under budget (of which prior was
// spent by an interrupted run), starting at now after a start-up of
// startup, and what the budget does not count.
func budgetNote(budget, prior, startup time.Duration, now time.Time) string {
	left := max(0, budget-prior)
	spent := ""
	if prior > 0 {
		spent = fmt.Sprintf(", %s left after the resumed run's %s", progress.Duration(left), progress.Duration(prior))
	}
	return fmt.Sprintf("budget %s of training%s: training ends about %s, then the end evaluation; the budget counts from the first iteration, not the start-up (loading the data and compiling: %s so far)",
		progress.Duration(budget), spent, progress.End(now, left), progress.Duration(startup))
}
