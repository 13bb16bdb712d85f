package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/progress"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
)

// defaultProgressEvery is how often progress is reported off a terminal.
const defaultProgressEvery = 30 * time.Second

// progressFlag is --progress-every.
type progressFlag struct {
	every time.Duration
}

func (p *progressFlag) add(fs *pflag.FlagSet) {
	fs.DurationVar(&p.every, "progress-every", defaultProgressEvery, "off a terminal, report training progress every this often: iteration, images/s, epoch and run ETA, losses (train --json: as \"progress\" JSON events); 0 = never (on a terminal a live line is shown instead)")
}

// check returns --progress-every, or a usage error if it is negative.
func (p *progressFlag) check() (time.Duration, error) {
	if p.every < 0 {
		return 0, usageError{fmt.Errorf("--progress-every must be 0 or more, got %v", p.every)}
	}
	return p.every, nil
}

// stderrIsTerminal reports whether e's stderr is a terminal.
func stderrIsTerminal(e *env) bool {
	f, ok := e.stderr.(*os.File)
	return ok && isTerminal(f)
}

// trainReporter reports a training run's progress: with asJSON, an
// "iteration" JSON line after every iteration, an "epoch" line after every
// epoch and a "progress" line every period on stdout; otherwise on stderr a
// line after every epoch and, in between, a live bar on a terminal or a
// status line every period.
type trainReporter struct {
	stdout, stderr io.Writer
	asJSON, tty    bool
	// prefix names the run among several (may be empty).
	prefix string
	ticker *progress.Ticker
	bar    *progressbar.ProgressBar
	now    func() time.Time
}

// newTrainReporter makes the reporter of a run that starts now.
func newTrainReporter(e *env, asJSON bool, every time.Duration, prefix string) *trainReporter {
	return &trainReporter{stdout: e.stdout, stderr: e.stderr, asJSON: asJSON, tty: !asJSON && stderrIsTerminal(e),
		prefix: prefix, ticker: progress.NewTicker(time.Now(), every), now: time.Now}
}

// status is p as a progress.Status.
func (r *trainReporter) status(p train.Progress) progress.Status {
	return progress.Status{Prefix: r.prefix, Epoch: p.Epoch, Epochs: p.Epochs, Iteration: p.EpochIteration,
		Iterations: p.EpochIterations, ImagesPerSec: p.ImagesPerSec, EpochLeft: p.EpochETA, RunLeft: p.ETA,
		EpochLeftAtLeast: p.EpochETALowerBound, RunLeftAtLeast: p.ETALowerBound,
		Known: p.ImagesPerSec > 0, Losses: p.Losses}
}

// report is the trainJob's progress callback.
func (r *trainReporter) report(p train.Progress) {
	now := r.now()
	switch {
	case r.asJSON:
		r.reportJSON(p, now)
	case p.EpochEnd:
		r.clearBar()
		test := ""
		if p.TestAUC != nil {
			test = fmt.Sprintf(" (test AUC %.4f)", *p.TestAUC)
		}
		fmt.Fprintf(r.stderr, "%sepoch %d: validation MSE %.5f%s, %s, %.1f images/s\n", r.label(), p.Epoch, p.ValMSE, test,
			progress.Losses(p.Losses), p.ImagesPerSec)
	case r.tty:
		r.showBar(p, now)
	case r.ticker.Due(now):
		fmt.Fprintln(r.stderr, r.status(p).Line(now))
	}
}

func (r *trainReporter) label() string {
	if r.prefix == "" {
		return ""
	}
	return r.prefix + ": "
}

// reportJSON writes the JSON lines of p.
func (r *trainReporter) reportJSON(p train.Progress, now time.Time) {
	losses := map[string]any{}
	for k, v := range p.Losses {
		losses[k] = finite(v)
	}
	rec := map[string]any{"event": "iteration", "epoch": p.Epoch, "iteration": p.Iteration,
		"images_per_sec": p.ImagesPerSec, "losses": losses, "mining": p.Mining, "eta_seconds": p.ETA.Seconds()}
	if p.EpochEnd {
		rec["event"] = "epoch"
		rec["val_mse"] = finite(p.ValMSE)
		if p.TestAUC != nil {
			rec["test_auc"] = finite(*p.TestAUC)
		}
	}
	writeJSON(r.stdout, rec)
	if p.EpochEnd || !r.ticker.Due(now) {
		return
	}
	prog := map[string]any{"event": "progress", "epoch": p.Epoch, "epochs": p.Epochs, "iteration": p.Iteration,
		"epoch_iteration": p.EpochIteration, "epoch_iterations": p.EpochIterations, "images_per_sec": p.ImagesPerSec,
		"losses": losses, "time": now.UTC().Format(time.RFC3339)}
	if p.ImagesPerSec > 0 {
		prog["epoch_eta_seconds"], prog["eta_seconds"] = p.EpochETA.Seconds(), p.ETA.Seconds()
		prog["ends"] = now.Add(p.ETA).UTC().Format(time.RFC3339)
		prog["epoch_eta_lower_bound"], prog["eta_lower_bound"] = p.EpochETALowerBound, p.ETALowerBound
	}
	writeJSON(r.stdout, prog)
}

// showBar draws the live line of p on the terminal.
func (r *trainReporter) showBar(p train.Progress, now time.Time) {
	if r.bar == nil || r.bar.GetMax() != p.EpochIterations {
		r.clearBar()
		r.bar = progressbar.NewOptions(p.EpochIterations, progressbar.OptionSetWriter(r.stderr),
			progressbar.OptionSetWidth(20), progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetPredictTime(false), progressbar.OptionSetElapsedTime(false),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	r.bar.Describe(r.status(p).Line(now))
	r.bar.Set(p.EpochIteration)
}

// clearBar removes the live line, if any (at an epoch's end and when the
// run ends).
func (r *trainReporter) clearBar() {
	if r.bar != nil {
		r.bar.Clear()
		r.bar.Exit()
		r.bar = nil
	}
}
