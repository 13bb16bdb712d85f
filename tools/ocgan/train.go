package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// thresholdQuantile is the default calibration: the 95th percentile of the
// validation (in-class) scores.
const thresholdQuantile = 0.95

func trainFlags(fs *pflag.FlagSet) {
	(&dataFlags{}).add(fs)
	fs.Int("epochs", 25, "training epochs")
	fs.Duration("budget", 0, "wall-clock budget (e.g. 10m): stop at the end of the iteration that crosses it; 0 = none")
	fs.Int("batch", 64, "batch size")
	fs.String("mode", "full", "full, ae, ae+dl or ae+dl+dv (the paper's ablations)")
	fs.String("out", "model.ocgan", "checkpoint to write (after every epoch, and at the end)")
	fs.Bool("resume", false, "continue the training saved in --out (same dataset, class, protocol, seed, mode and batch) up to --epochs")
	fs.Bool("json", false, "log progress as JSON lines on stdout")
}

// dataFlagsFrom reads the dataset flags back from fs.
func dataFlagsFrom(fs *pflag.FlagSet) dataFlags {
	var d dataFlags
	d.name, _ = fs.GetString("dataset")
	d.path, _ = fs.GetString("data")
	d.class, _ = fs.GetInt("class")
	d.protocol, _ = fs.GetInt("protocol")
	d.seed, _ = fs.GetUint64("seed")
	return d
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runTrain(e *env) error {
	d := dataFlagsFrom(e.fs)
	epochs, _ := e.fs.GetInt("epochs")
	budget, _ := e.fs.GetDuration("budget")
	batch, _ := e.fs.GetInt("batch")
	modeName, _ := e.fs.GetString("mode")
	out, _ := e.fs.GetString("out")
	asJSON, _ := e.fs.GetBool("json")
	resume, _ := e.fs.GetBool("resume")
	mode, err := train.ParseMode(modeName)
	if err != nil {
		return usageError{err}
	}
	geo := d.geometry()
	cfg := train.DefaultConfig(geo)
	cfg.Epochs, cfg.Budget, cfg.Batch, cfg.Mode, cfg.Seed = epochs, budget, batch, mode, d.seed
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	settings := runSettings(d, mode, batch)
	var saved *checkpoint.Checkpoint
	if resume {
		if saved, err = loadResume(out, geo, settings, d.seed); err != nil {
			return err
		}
	}
	start := time.Now()
	split, err := d.split(geo)
	if err != nil {
		return err
	}
	ctx, err := vk.Open(e.cfg)
	if err != nil {
		return err
	}
	defer ctx.Close()
	lib := kernels.NewLibrary(ctx)
	t, err := train.NewTrainer(lib, cfg)
	if err != nil {
		return err
	}
	defer t.Free()
	fmt.Fprintf(e.stderr, "training OCGAN (%s) on %s class %d, protocol %d: %d train / %d val / %d test images, device %s\n",
		mode, d.name, d.class, d.protocol, split.Train.Len(), split.Val.Len(), split.Test.Len(), ctx.Info().Name)
	if saved != nil {
		st, err := resumeState(saved)
		if err != nil {
			return fmt.Errorf("--resume: %s: %w", out, err)
		}
		if err := t.Restore(st); err != nil {
			if errors.Is(err, train.ErrConfigMismatch) {
				return usageError{fmt.Errorf("--resume: %s: %w", out, err)}
			}
			return fmt.Errorf("--resume: %s: %w", out, err)
		}
		fmt.Fprintf(e.stderr, "resuming from %s after epoch %d (iteration %d)\n", out, st.Epoch, st.Iteration)
	}
	meta := func() map[string]string {
		m := map[string]string{"device": ctx.Info().Name, "created": time.Now().UTC().Format(time.RFC3339)}
		for k, v := range settings {
			m[k] = v
		}
		return m
	}
	// After every epoch, save the state so far (--resume continues from it).
	saveEpoch := func(s train.State) error {
		m := meta()
		m["status"] = fmt.Sprintf("training: epoch %d of %d", s.Epoch, epochs)
		ck, err := trainCheckpoint(geo, t, s, m, math.NaN())
		if err != nil {
			return err
		}
		return checkpoint.Save(out, ck)
	}
	res, err := t.RunWith(split, progressPrinter(e, asJSON), saveEpoch)
	if err != nil {
		return err
	}
	scorer := t.Scorer()
	val, err := scorer.Scores(split.Val)
	if err != nil {
		return err
	}
	threshold, err := metrics.QuantileThreshold(val, thresholdQuantile)
	if err != nil {
		return err
	}
	auc, _, err := scorer.Evaluate(split)
	if err != nil {
		return err
	}
	final, err := t.State()
	if err != nil {
		return err
	}
	m := meta()
	m["status"] = "done"
	m["test_auc"] = fmt.Sprintf("%.6f", auc)
	ck, err := trainCheckpoint(geo, t, final, m, threshold)
	if err != nil {
		return err
	}
	if err := checkpoint.Save(out, ck); err != nil {
		return err
	}
	summary := map[string]any{"auc": auc, "best_epoch": res.BestEpoch, "best_val_mse": finite(res.BestValMSE), "threshold": threshold,
		"iterations": res.Iterations, "images_per_sec": float64(res.Images) / res.Elapsed.Seconds(), "stopped_by_budget": res.Stopped,
		"device": ctx.Info().Name, "seconds": time.Since(start).Seconds(), "model": out}
	if asJSON {
		return writeJSON(e.stdout, map[string]any{"event": "done", "summary": summary})
	}
	fmt.Fprintf(e.stdout, "device: %s\n", ctx.Info().Name)
	fmt.Fprintf(e.stdout, "trained %d iterations (%d epochs%s) in %s, %.1f images/s\n", res.Iterations, len(res.History),
		map[bool]string{true: ", stopped by the budget", false: ""}[res.Stopped], time.Since(start).Round(time.Second),
		summary["images_per_sec"])
	fmt.Fprintf(e.stdout, "best epoch %d, validation MSE %.5f; threshold (%.0fth percentile of validation scores) %.5f\n",
		res.BestEpoch, res.BestValMSE, 100*thresholdQuantile, threshold)
	fmt.Fprintf(e.stdout, "test AUC (protocol %d, class %d): %.4f\n", d.protocol, d.class, auc)
	fmt.Fprintf(e.stdout, "saved %s\n", out)
	return nil
}

// progressPrinter reports training progress: JSON lines on stdout with --json,
// a status line on stderr when it is a terminal, epoch lines otherwise.
func progressPrinter(e *env, asJSON bool) func(train.Progress) {
	tty := false
	if f, ok := e.stderr.(*os.File); ok {
		tty = isTerminal(f)
	}
	return func(p train.Progress) {
		switch {
		case asJSON:
			losses := map[string]any{}
			for k, v := range p.Losses {
				losses[k] = finite(v)
			}
			rec := map[string]any{"event": "iteration", "epoch": p.Epoch, "iteration": p.Iteration,
				"images_per_sec": p.ImagesPerSec, "losses": losses, "mining": p.Mining, "eta_seconds": p.ETA.Seconds()}
			if p.EpochEnd {
				rec["event"] = "epoch"
				rec["val_mse"] = finite(p.ValMSE)
			}
			writeJSON(e.stdout, rec)
		case p.EpochEnd:
			if tty {
				fmt.Fprint(e.stderr, "\r\033[K")
			}
			fmt.Fprintf(e.stderr, "epoch %d: validation MSE %.5f, %s, %.1f images/s\n", p.Epoch, p.ValMSE, formatLosses(p.Losses), p.ImagesPerSec)
		case tty:
			fmt.Fprintf(e.stderr, "\r\033[Kepoch %d iteration %d: %s, %.1f images/s, ETA %s", p.Epoch, p.Iteration,
				formatLosses(p.Losses), p.ImagesPerSec, p.ETA.Round(time.Second))
		}
	}
}

func formatLosses(l map[string]float64) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.4f", k, l[k])
	}
	return strings.Join(parts, " ")
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
