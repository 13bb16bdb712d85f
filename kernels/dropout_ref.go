package kernels

import "fmt"

// DropoutParams describes inverted dropout (PyTorch torch.nn.functional.dropout)
// whose mask comes from the Philox stream (Seed, Counter) of rng_ref.go, so a
// shader can regenerate it instead of storing it:
//
//	keep(i) = Uniform01(PhiloxWord(Seed, Counter, i)) >= P      (compared in float32)
//	y[i]    = x[i] / (1 − P)   if Train and keep(i)
//	y[i]    = 0                if Train and not keep(i)
//	y[i]    = x[i]             if not Train (eval mode: identity)
//
// i is the flat element index; input and output have the same (any) shape.
// Use a fresh Counter (or Seed) for every dropout call in training, and the
// same one for its backward pass.
type DropoutParams struct {
	P       float32 // drop probability, in [0, 1)
	Seed    uint64
	Counter uint64
	Train   bool
}

const OpDropout = "dropout"

// Validate reports a drop probability outside [0, 1).
func (p DropoutParams) Validate() error {
	if !(p.P >= 0 && p.P < 1) {
		return fmt.Errorf("%s: P must be in [0, 1), got %v", OpDropout, p.P)
	}
	return nil
}

// DropoutKeep reports whether element i is kept in train mode:
// Uniform01(PhiloxWord(p.Seed, p.Counter, i)) >= p.P.
func DropoutKeep(p DropoutParams, i uint64) bool {
	return Uniform01(PhiloxWord(p.Seed, p.Counter, i)) >= p.P
}

// DropoutForward returns y as defined in DropoutParams.
func DropoutForward(p DropoutParams, x []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return round32(dropoutApply(p, x)), nil
}

// DropoutBackward returns dx, the output gradient dy masked and scaled exactly
// as the forward pass treats x: dx[i] = dy[i]/(1 − P) if kept, 0 if dropped
// (train mode); dx = dy in eval mode.
func DropoutBackward(p DropoutParams, dy []float32) ([]float32, error) {
	return DropoutForward(p, dy)
}

// dropoutApply is the float64 body of DropoutForward.
func dropoutApply[T float](p DropoutParams, x []T) []float64 {
	y := make([]float64, len(x))
	div := 1 - float64(p.P)
	for i, v := range x {
		switch {
		case !p.Train:
			y[i] = float64(v)
		case DropoutKeep(p, uint64(i)):
			y[i] = float64(v) / div
		}
	}
	return y
}
