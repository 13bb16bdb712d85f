package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/spf13/pflag"
)

// defaultQuantile is the default calibration: the 95th percentile of the
// validation (in-class) scores.
const defaultQuantile = calibrate.DefaultQuantile

func trainFlags(fs *pflag.FlagSet) {
	(&dataFlags{}).add(fs)
	addOwnDataFlags(fs)
	addTrainingFlags(fs, "images of anomalies (files, folders searched recursively, IDX image files), never trained on: with --dataset images the test anomalies of the end evaluation; they choose the F1-optimal threshold with --threshold f1 (the default for the other datasets)")
	fs.String("out", "model.ocgan", "checkpoint to write (after every epoch, and at the end)")
	fs.Bool("resume", false, "continue the training saved in --out (same dataset, class, protocol, seed, mode, batch, image size, channels and latent size) up to --epochs")
	fs.Bool("json", false, "log progress as JSON lines on stdout (events iteration, epoch, progress and done)")
	addProgressFlag(fs)
	addJobFlags(fs)
}

// addTrainingFlags adds the flags of Algorithm 1's settings and of the
// threshold calibration (shared by train and eval --train); novelHelp
// describes what the command does with --novel.
func addTrainingFlags(fs *pflag.FlagSet, novelHelp string) {
	d := train.DefaultConfig(model.MNIST28())
	addImageFlags(fs)
	fs.Int("epochs", d.Epochs, "training epochs")
	fs.Duration("budget", 0, "wall-clock budget of training (e.g. 10m), counted from the first iteration: loading the data, compiling and the end evaluation come on top; stop at the end of the iteration that crosses it; 0 = none")
	fs.Int("batch", d.Batch, "batch size")
	fs.String("mode", "full", "full, ae, ae+dl or ae+dl+dv (the paper's ablations)")
	fs.Int("latent", 0, "latent size L (default: 16 for 1 channel, 512 for 3)")
	fs.Int("mine-steps", d.MineSteps, "K, gradient steps of informative-negative mining (0: no mining)")
	fs.Float64("mine-start", d.MineStart, "fraction of training (iterations, or of --budget) after which mining runs")
	fs.Float32("lambda", d.Lambda, "weight λ of the reconstruction MSE in the generator loss")
	fs.Float32("noise", d.NoiseStd, "σ of the input noise n ~ N(0, σ²)")
	fs.Float32("lr", d.LR, "Adam learning rate of every network")
	addCalibrationFlags(fs, novelHelp)
}

// trainJobFrom reads the training flags of fs into a job for dataset d.
func trainJobFrom(fs *pflag.FlagSet, d dataFlags) (*trainJob, error) {
	j := &trainJob{data: d}
	if err := checkTrainingFlags(fs); err != nil {
		return nil, err
	}
	latent, _ := fs.GetInt("latent")
	geo, pre, err := d.geometry(imageFlagsFrom(fs), latent)
	if err != nil {
		return nil, err
	}
	j.pre = pre
	cfg := train.DefaultConfig(geo)
	cfg.Epochs, _ = fs.GetInt("epochs")
	cfg.Budget, _ = fs.GetDuration("budget")
	cfg.Batch, _ = fs.GetInt("batch")
	cfg.MineSteps, _ = fs.GetInt("mine-steps")
	cfg.MineStart, _ = fs.GetFloat64("mine-start")
	cfg.Lambda, _ = fs.GetFloat32("lambda")
	cfg.NoiseStd, _ = fs.GetFloat32("noise")
	cfg.LR, _ = fs.GetFloat32("lr")
	cfg.Seed = d.seed
	modeName, _ := fs.GetString("mode")
	if cfg.Mode, err = train.ParseMode(modeName); err != nil {
		return nil, usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	j.cfg = cfg
	if j.cal, err = calibrationFrom(fs); err != nil {
		return nil, err
	}
	if err := j.cal.settle(d.name == datasetImages); err != nil {
		return nil, err
	}
	return j, nil
}

func runTrain(e *env) error {
	picked, err := applyJob(e.fs)
	if err != nil {
		return err
	}
	d, err := trainData(e.fs)
	if err != nil {
		return picked.wrap(err)
	}
	j, err := trainJobFrom(e.fs, d)
	if err != nil {
		return picked.wrap(err)
	}
	j.out, _ = e.fs.GetString("out")
	j.resume, _ = e.fs.GetBool("resume")
	asJSON, _ := e.fs.GetBool("json")
	every, err := progressEvery(e.fs)
	if err != nil {
		return err
	}
	if err := checkOutputFile("--out", j.out); err != nil {
		return err
	}
	if dry, _ := e.fs.GetBool("dry-run"); dry {
		return printTrainPlan(e.stdout, picked, j)
	}
	j.progress = newTrainReporter(e, asJSON, every, "").report
	j.log = e.stderr
	sum, err := j.run(e.cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, map[string]any{"event": "done", "summary": sum.JSON()})
	}
	fmt.Fprintf(e.stdout, "device: %s\n", sum.Device)
	fmt.Fprintf(e.stdout, "trained %d iterations (%d epochs%s) in %s, %.1f images/s\n", sum.Result.Iterations, len(sum.Result.History),
		map[bool]string{true: ", stopped by the budget", false: ""}[sum.Result.Stopped], sum.Elapsed.Round(time.Second),
		sum.ImagesPerSec())
	fmt.Fprintf(e.stdout, "best epoch %d, validation MSE %.5f; threshold %.5f (%s)\n",
		sum.Result.BestEpoch, sum.Result.BestValMSE, sum.Threshold.Value, sum.Threshold.Method)
	if sum.Test == nil {
		fmt.Fprintf(e.stdout, "test AUC (protocol %d, class %d): %.4f\n", j.data.protocol, j.data.class, sum.AUC)
	} else if err := sum.printTest(e.stdout); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved %s\n", j.out)
	return nil
}

// JSON is the summary as `ocgan train --json` prints it.
func (s *trainSummary) JSON() map[string]any {
	m := map[string]any{"auc": finite(s.AUC), "best_epoch": s.Result.BestEpoch, "best_val_mse": finite(s.Result.BestValMSE),
		"threshold": s.Threshold.Value, "threshold_method": s.Threshold.Method,
		"iterations": s.Result.Iterations, "images_per_sec": s.ImagesPerSec(), "stopped_by_budget": s.Result.Stopped,
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

// writeJSON writes v as one JSON line.
func writeJSON(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// finite replaces NaN and infinities (which JSON cannot hold) by nil.
func finite(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
