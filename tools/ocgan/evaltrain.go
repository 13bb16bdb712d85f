package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// trainMissing trains the models of the table that do not exist yet and
// finishes those whose training was interrupted, reporting the table's
// progress (run k of n, its time left) on stderr and each run's every
// period off a terminal.
func (c *evalCmd) trainMissing(e *env, d dataFlags, classes []int, seeds []uint64, template string, every time.Duration) error {
	type todo struct {
		class  int
		seed   uint64
		path   string
		resume bool
	}
	var runs []todo
	for _, class := range classes {
		for _, s := range seeds {
			path := modelPath(template, class, s)
			need, resume, err := needsTraining(path)
			if err != nil {
				return fmt.Errorf("--model %s: %w", path, err)
			}
			if need {
				if err := checkOutputFile("--model", path); err != nil {
					return err
				}
				runs = append(runs, todo{class, s, path, resume})
			}
		}
	}
	table := newTableReporter(e.stderr, len(runs))
	ctx, stop := interruptContext(e.stderr)
	defer stop()
	for k, r := range runs {
		what := fmt.Sprintf("class %d seed %d", r.class, r.seed)
		if ctx.Err() != nil {
			return interruptedError{fmt.Errorf("%w before training %s: %w; run the same command again to continue", train.ErrInterrupted, what, context.Cause(ctx))}
		}
		table.start("training", k+1, what, !r.resume)
		d.class, d.seed = r.class, r.seed
		j, err := c.training.job(d)
		if err != nil {
			return err
		}
		j.out, j.log, j.resume = r.path, e.stderr, r.resume
		j.ctx, j.again = ctx, "run the same command again to continue"
		rep := newTrainReporter(&env{stdout: e.stdout, stderr: e.stderr}, false, every, what)
		j.progress = rep.report
		sum, err := j.run(e.cfg)
		rep.clearBar()
		if err != nil {
			return fmt.Errorf("training class %d seed %d: %w", r.class, r.seed, err)
		}
		fmt.Fprintf(e.stderr, "trained %s: class %d seed %d, %d iterations, AUC %.4f\n", r.path, r.class, r.seed, sum.Result.Iterations, sum.AUC)
	}
	return nil
}

// needsTraining reports whether the model at path is to be trained: it does
// not exist, or its training was interrupted (then resume).
func needsTraining(path string) (need, resume bool, err error) {
	// An existing file is evaluated as it is (evalOne reports a damaged one).
	if _, err := os.Stat(path); err == nil {
		resume = interruptedTraining(path)
		return resume, resume, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, false, err
	}
	return true, false, nil
}

// modelExists reports whether path names something a model can be opened
// from: a checkpoint or bundle file, or an install root.
func modelExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
