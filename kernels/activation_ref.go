package kernels

import (
	"fmt"
	"math"
)

// ActivationKind selects an element-wise activation function.
type ActivationKind int

// The activation functions. The zero value is invalid so that an unset
// ActivationParams fails Validate. The values are what the device shaders
// receive (ACT_* in shaders/kinds.glsl).
const (
	ReLU      ActivationKind = 1 // y = max(x, 0)
	LeakyReLU ActivationKind = 2 // y = x if x > 0, else Slope·x
	Tanh      ActivationKind = 3 // y = tanh(x)
	Sigmoid   ActivationKind = 4 // y = 1/(1 + exp(−x))
)

// String returns the PyTorch-style name of the activation.
func (k ActivationKind) String() string {
	switch k {
	case ReLU:
		return "relu"
	case LeakyReLU:
		return "leaky_relu"
	case Tanh:
		return "tanh"
	case Sigmoid:
		return "sigmoid"
	}
	return fmt.Sprintf("ActivationKind(%d)", int(k))
}

// BackwardUsesOutput reports which tensor ActivationBackward takes as its
// saved argument: the forward output y (true: Tanh, Sigmoid) or the forward
// input x (false: ReLU, LeakyReLU).
func (k ActivationKind) BackwardUsesOutput() bool { return k == Tanh || k == Sigmoid }

// ActivationParams selects the activation and its parameter. Slope is the
// negative-side slope of LeakyReLU (PyTorch's negative_slope, e.g. 0.2) and is
// ignored by the other kinds. Input and output have the same shape (any).
type ActivationParams struct {
	Kind  ActivationKind
	Slope float32
}

const OpActivation = "activation"

// Validate reports an unknown Kind or a non-finite LeakyReLU Slope.
func (p ActivationParams) Validate() error {
	switch p.Kind {
	case ReLU, Tanh, Sigmoid:
		return nil
	case LeakyReLU:
		if s := float64(p.Slope); math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("%s: leaky_relu Slope must be finite, got %v", OpActivation, p.Slope)
		}
		return nil
	}
	return &KindError{Op: OpActivation, Field: "Kind", Value: int64(p.Kind), Want: "ReLU, LeakyReLU, Tanh or Sigmoid"}
}

// ActivationForward returns y = f(x) element-wise:
//
//	ReLU:      y = x if x > 0, else 0
//	LeakyReLU: y = x if x > 0, else Slope·x
//	Tanh:      y = tanh(x)
//	Sigmoid:   y = 1/(1 + exp(−x))
//
// Results for NaN inputs are not specified.
func ActivationForward(p ActivationParams, x []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return round32(activationForward(p, x)), nil
}

// activationForward is the float64 body of ActivationForward.
func activationForward[T float](p ActivationParams, x []T) []float64 {
	y := make([]float64, len(x))
	s := float64(p.Slope)
	for i, xv := range x {
		v := float64(xv)
		switch p.Kind {
		case ReLU, LeakyReLU:
			y[i] = rectified(p.Kind, s, v, v)
		case Tanh:
			y[i] = math.Tanh(v)
		case Sigmoid:
			y[i] = sigmoid(v)
		}
	}
	return y
}

// rectified returns v where x > 0 and otherwise 0 for ReLU or slope·v for
// LeakyReLU: the forward output when v = x, the input gradient when v = dy.
func rectified(kind ActivationKind, slope, x, v float64) float64 {
	switch {
	case x > 0:
		return v
	case kind == LeakyReLU:
		return slope * v
	}
	return 0
}

// sigmoid returns 1/(1+exp(−v)) without overflow for large |v|.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// ActivationBackward returns dx = dy · f′ element-wise, where saved is the
// forward input x for ReLU/LeakyReLU and the forward output y for
// Tanh/Sigmoid (see ActivationKind.BackwardUsesOutput):
//
//	ReLU:      dx = dy if x > 0, else 0        (derivative at 0 taken as 0)
//	LeakyReLU: dx = dy if x > 0, else Slope·dy
//	Tanh:      dx = dy · (1 − y²)
//	Sigmoid:   dx = dy · y · (1 − y)
func ActivationBackward(p ActivationParams, saved, dy []float32) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	formula := "len(saved input x)"
	if p.Kind.BackwardUsesOutput() {
		formula = "len(saved output y)"
	}
	if err := CheckLen(OpActivation, p.Kind.String()+" grad output", len(dy), formula, len(saved)); err != nil {
		return nil, err
	}
	dx := make([]float64, len(dy))
	s := float64(p.Slope)
	for i := range dy {
		g, v := float64(dy[i]), float64(saved[i])
		switch p.Kind {
		case ReLU, LeakyReLU:
			dx[i] = rectified(p.Kind, s, v, g)
		case Tanh:
			dx[i] = g * (1 - v*v)
		case Sigmoid:
			dx[i] = g * v * (1 - v)
		}
	}
	return round32(dx), nil
}
