package kernels

import "fmt"

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

// namedSlice is a slice argument and its name in error messages.
type namedSlice struct {
	name string
	v    []float32
}

// checkEachNamed returns the first error of check over args, in order.
func checkEachNamed(check func(name string, v []float32) error, args ...namedSlice) error {
	for _, a := range args {
		if err := check(a.name, a.v); err != nil {
			return err
		}
	}
	return nil
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

// round32 rounds every element of v to float32 (round to nearest even).
func round32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
