package cpu

import (
	"math"

	"github.com/ocgan-vk/ocgan/kernels"
)

const (
	opActivationForward  = "activation forward"
	opActivationBackward = "activation backward"
)

// ActivationForward sets y = f(x) element-wise for the activation p.Kind
// (kernels.ActivationForward). x and y have the same length; y may be x.
func (d *Device) ActivationForward(p kernels.ActivationParams, x, y []float32) error {
	const op = opActivationForward
	if err := wrapParams(op, p.Validate()); err != nil {
		return err
	}
	if err := checkElementwise(op, named{"output y", y}, named{"input x", x}); err != nil {
		return err
	}
	grain := grainStream
	if p.Kind == kernels.Tanh || p.Kind == kernels.Sigmoid {
		grain = grainHeavy
	}
	d.parallel(len(y), grain, func(lo, hi int) {
		activationForward(p, x[lo:hi], y[lo:hi])
	})
	return nil
}

// activationForward is the body of ActivationForward on one chunk.
func activationForward(p kernels.ActivationParams, x, y []float32) {
	x = x[:len(y)]
	switch p.Kind {
	case kernels.ReLU:
		// Branch-free: the sign of a feature map is not predictable.
		for i, v := range x {
			y[i] = math.Float32frombits(math.Float32bits(v) & positive(v))
		}
	case kernels.LeakyReLU:
		s := p.Slope
		for i, v := range x {
			// A float32 product is the float64 product rounded once (as
			// the reference).
			m := positive(v)
			y[i] = math.Float32frombits(math.Float32bits(v)&m | math.Float32bits(s*v)&^m)
		}
	case kernels.Tanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case kernels.Sigmoid:
		for i, v := range x {
			y[i] = float32(sigmoid(float64(v)))
		}
	}
}

// positive returns all ones if v > 0 (or v is a NaN with the sign bit
// clear) and 0 otherwise, without a branch.
func positive(v float32) uint32 {
	return uint32(-int64(int32(math.Float32bits(v))) >> 63)
}

// sigmoid returns 1/(1+exp(−v)) without overflow for large |v|.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// ActivationBackward sets dx = dy·f′ element-wise (kernels.ActivationBackward),
// where saved is the forward input x for ReLU and LeakyReLU and the forward
// output y for Tanh and Sigmoid (kernels.ActivationKind.BackwardUsesOutput).
// saved, dy and dx have the same length; dx may be dy or saved.
func (d *Device) ActivationBackward(p kernels.ActivationParams, saved, dy, dx []float32) error {
	const op = opActivationBackward
	if err := wrapParams(op, p.Validate()); err != nil {
		return err
	}
	name := "saved input x"
	if p.Kind.BackwardUsesOutput() {
		name = "saved output y"
	}
	if err := checkElementwise(op, named{"grad input dx", dx}, named{name, saved}, named{"grad output dy", dy}); err != nil {
		return err
	}
	d.parallel(len(dx), grainStream, func(lo, hi int) {
		activationBackward(p, saved[lo:hi], dy[lo:hi], dx[lo:hi])
	})
	return nil
}

// activationBackward is the body of ActivationBackward on one chunk.
func activationBackward(p kernels.ActivationParams, saved, dy, dx []float32) {
	saved, dy = saved[:len(dx)], dy[:len(dx)]
	switch p.Kind {
	case kernels.ReLU:
		for i, v := range saved {
			dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & positive(v))
		}
	case kernels.LeakyReLU:
		s := p.Slope
		for i, v := range saved {
			m := positive(v)
			g := dy[i]
			dx[i] = math.Float32frombits(math.Float32bits(g)&m | math.Float32bits(s*g)&^m)
		}
	case kernels.Tanh:
		for i, v := range saved {
			y := float64(v)
			dx[i] = float32(float64(dy[i]) * (1 - y*y))
		}
	case kernels.Sigmoid:
		for i, v := range saved {
			y := float64(v)
			dx[i] = float32(float64(dy[i]) * y * (1 - y))
		}
	}
}

// epilogue returns the error err of a conv or dense forward pass, or, when
// it is nil, applies the pass's epilogue e (none, or an activation) to its
// output y in place. Validate has accepted e.
func (d *Device) epilogue(err error, e kernels.Epilogue, y []float32) error {
	if err != nil || !e.Active() {
		return err
	}
	return d.ActivationForward(e.Activation(), y, y)
}
