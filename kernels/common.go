package kernels

import (
	"fmt"
	"strconv"
	"strings"
)

// KindError is a kind or mode value that names none of its kind's values
// (an ActivationKind outside ReLU..Sigmoid).
type KindError struct {
	Op    string // the operation, e.g. "activation"
	Field string // the parameter, e.g. "Kind"
	Value int64  // the value given
	Want  string // the values it may take
}

func (e *KindError) Error() string {
	return fmt.Sprintf("%s: unknown %s %d (want %s)", e.Op, e.Field, e.Value, e.Want)
}

// float is the set of element types the internal references accept. Exported
// functions always take float32; the float64 instantiation exists so tests can
// evaluate the same forward formula without float32 rounding of the inputs.
type float interface {
	~float32 | ~float64
}

// field is a named integer parameter, used to report which field is invalid.
type field struct {
	name string
	v    int
}

// requirePositive returns an error naming the first field that is not >= 1.
func requirePositive(op string, fs ...field) error {
	for _, f := range fs {
		if f.v < 1 {
			return fmt.Errorf("%s: %s must be >= 1, got %d", op, f.name, f.v)
		}
	}
	return nil
}

// requireNonNegative returns an error naming the first field that is < 0.
func requireNonNegative(op string, fs ...field) error {
	for _, f := range fs {
		if f.v < 0 {
			return fmt.Errorf("%s: %s must be >= 0, got %d", op, f.name, f.v)
		}
	}
	return nil
}

// CheckLen reports a slice whose length differs from the length implied by the
// parameters, e.g. "conv2d: weight has 36 elements, want 48 (K*C*KH*KW = 4*3*2*2)".
func CheckLen(op, name string, got int, formula string, dims ...int) error {
	want := 1
	s := make([]string, len(dims))
	for i, d := range dims {
		want *= d
		s[i] = strconv.Itoa(d)
	}
	if got == want {
		return nil
	}
	return fmt.Errorf("%s: %s has %d elements, want %d (%s = %s)",
		op, name, got, want, formula, strings.Join(s, "*"))
}

// checkBias checks the bias slice of an op with an optional bias of length k;
// dim names k in the error message.
func checkBias(op string, hasBias bool, b []float32, dim string, k int) error {
	if !hasBias {
		if len(b) != 0 {
			return fmt.Errorf("%s: bias has %d elements but Bias is false (pass nil)", op, len(b))
		}
		return nil
	}
	return CheckLen(op, "bias", len(b), dim, k)
}

// round32 rounds every element of v to float32 (round to nearest even).
func round32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
