package main

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/spf13/pflag"
)

// The bounds of the size-like flags, checked before anything is allocated;
// a value outside them is a usage error (exit status 2).
const (
	// maxLatent bounds --latent. L is the output channels of En's last
	// convolution and the input channels of De's first, whose weights
	// (and Adam's two moments) grow linearly with it: 4096 is eight times
	// the largest default (512 for colour).
	maxLatent = 4096
	// maxVisualWidth bounds --visual-width, the visual discriminator's
	// first width (its widths double per block): eight times the
	// encoder's.
	maxVisualWidth = 512
	// maxBatch bounds --batch, --train-batch and --score-batch: every
	// activation of a step is allocated once per image of the batch.
	maxBatch = 4096
	// maxEpochs bounds --epochs.
	maxEpochs = 100_000
	// maxIters bounds the iteration and repetition counts of bench.
	maxIters = 1_000_000
	// maxSeeds bounds eval --seeds.
	maxSeeds = 1000
	// maxKeep bounds bundle install --keep (old versions kept on disk).
	maxKeep = 1000
	// maxSelftestElems and maxSelftestSteps bound selftest --n (2^26
	// floats: 256 MiB per tensor) and --steps (nodes in its program).
	maxSelftestElems = 1 << 26
	maxSelftestSteps = 100_000
)

// intIn returns a usage error unless lo <= v <= hi, v being --name.
func intIn(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usageError{fmt.Errorf("--%s %d: want %d to %d", name, v, lo, hi)}
	}
	return nil
}

// anyChanged reports whether any of the flags was given.
func anyChanged(flags ...*pflag.Flag) bool {
	for _, f := range flags {
		if f != nil && f.Changed {
			return true
		}
	}
	return false
}

// checkLimits bounds the size-like flags of trainingOptions and checks its
// real-valued settings.
func (o *trainingOptions) checkLimits() error {
	for _, f := range []struct {
		name      string
		v, lo, hi int
	}{
		{"latent", o.latent, 0, maxLatent}, {"batch", o.batch, 2, maxBatch}, {"epochs", o.epochs, 1, maxEpochs}, {"mine-steps", o.mineSteps, 0, 1000},
		{"visual-width", o.visualWidth, 1, maxVisualWidth},
	} {
		if err := intIn(f.name, f.v, f.lo, f.hi); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name     string
		v        float64
		positive bool // else >= 0
	}{
		{"lambda", float64(o.lambda), true}, {"latent-weight", float64(o.latentWeight), true}, {"noise", float64(o.noise), false}, {"lr", float64(o.lr), true},
		{"mine-step-size", float64(o.mineStepSize), true},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.positive && f.v == 0 {
			want := "a finite number >= 0"
			if f.positive {
				want = "a finite number > 0"
			}
			return usageError{fmt.Errorf("--%s %v: want %s", f.name, f.v, want)}
		}
	}
	if !(o.dropout >= 0 && o.dropout < 1) {
		return usageError{fmt.Errorf("--dropout %v: want a probability from 0 up to (not including) 1", o.dropout)}
	}
	if s := o.mineStart; math.IsNaN(s) || s < 0 || s > 1 {
		return usageError{fmt.Errorf("--mine-start %v: want a fraction of training, 0 to 1", s)}
	}
	if m, err := train.ParseMode(o.mode); err == nil && o.latentDoubleSigmoid && !m.HasLatentDiscriminator() {
		return usageError{fmt.Errorf("--latent-double-sigmoid: --mode %s has no latent discriminator (full, ae+dl and ae+dl+dv have one)", m)}
	}
	if s := o.selectFrom; !(s >= 0 && s < 1) {
		return usageError{fmt.Errorf("--select-from %v: want a fraction of the epochs, from 0 up to (not including) 1", s)}
	}
	return nil
}

// finiteThreshold returns a usage error for a threshold that is NaN or
// infinite.
func finiteThreshold(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return usageError{fmt.Errorf("--%s %v: want a finite number", name, v)}
	}
	return nil
}
