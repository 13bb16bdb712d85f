package kernels

import (
	"fmt"
	"math"
)

// Epilogue is the optional activation a conv2d, conv_transpose2d or dense
// forward applies to every output after adding the bias:
//
//	y = f(conv(x, w) + b)
//
// The zero value applies none. Act takes the ActivationKind values (ReLU 1,
// LeakyReLU 2, Tanh 3, Sigmoid 4); Slope is LeakyReLU's negative slope. The
// backward kernels of the op are those of its linear part: they ignore the
// epilogue, whose gradient is a separate ActivationBackward.
type Epilogue struct {
	Act   ActivationKind
	Slope float32
}

// EpilogueNone is the kind value of an epilogue without activation.
const EpilogueNone ActivationKind = 0

// EpilogueError is an epilogue an op refuses: an unknown activation kind or
// a non-finite leaky-ReLU slope.
type EpilogueError struct {
	Op       string // the op, e.g. "conv2d"
	Epilogue Epilogue
	Reason   string
}

func (e *EpilogueError) Error() string {
	return fmt.Sprintf("%s: epilogue {Act %d, Slope %v}: %s", e.Op, int(e.Epilogue.Act), e.Epilogue.Slope, e.Reason)
}

// Active reports whether the epilogue applies an activation.
func (e Epilogue) Active() bool { return e.Act != EpilogueNone }

// Activation returns the epilogue's activation as ActivationParams (valid
// only when Active).
func (e Epilogue) Activation() ActivationParams { return ActivationParams{Kind: e.Act, Slope: e.Slope} }

// String returns "none" or the activation's name ("leaky_relu(0.2)" with
// its slope).
func (e Epilogue) String() string {
	switch {
	case !e.Active():
		return "none"
	case e.Act == LeakyReLU:
		return fmt.Sprintf("%s(%v)", e.Act, e.Slope)
	}
	return e.Act.String()
}

// Validate reports an unknown activation kind or a non-finite LeakyReLU
// slope as an *EpilogueError naming op.
func (e Epilogue) Validate(op string) error {
	switch e.Act {
	case EpilogueNone, ReLU, Tanh, Sigmoid:
		return nil
	case LeakyReLU:
		if s := float64(e.Slope); math.IsNaN(s) || math.IsInf(s, 0) {
			return &EpilogueError{Op: op, Epilogue: e, Reason: "the leaky_relu slope must be finite"}
		}
		return nil
	}
	return &EpilogueError{Op: op, Epilogue: e,
		Reason: fmt.Sprintf("unknown activation kind %d (want 0 none, %d relu, %d leaky_relu, %d tanh or %d sigmoid)",
			int(e.Act), int(ReLU), int(LeakyReLU), int(Tanh), int(Sigmoid))}
}

// apply returns y with the epilogue's activation applied in place (float64).
func (e Epilogue) apply(y []float64) []float64 {
	if !e.Active() {
		return y
	}
	return activationForward(e.Activation(), y)
}
