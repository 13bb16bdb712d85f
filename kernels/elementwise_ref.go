package kernels

import "fmt"

// Element-wise operations on flat tensors of any shape. They take no
// parameter struct: the only parameter is the length, which is checked
// directly. Each output element is computed in float64 and rounded once to
// float32. Gradients, for reference: Add passes dy to both inputs; Scale has
// dx = s·dy (use Scale); Axpy has dx = a·dy and dy_in = dy.

const OpElementwise = "elementwise"

// Add returns out[i] = a[i] + b[i]; a and b must have the same length.
func Add(a, b []float32) ([]float32, error) {
	if err := CheckLen(OpElementwise, "add: b", len(b), "len(a)", len(a)); err != nil {
		return nil, err
	}
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(float64(a[i]) + float64(b[i]))
	}
	return out, nil
}

// Scale returns out[i] = s·a[i].
func Scale(a []float32, s float32) []float32 {
	out := make([]float32, len(a))
	for i, v := range a {
		out[i] = float32(float64(s) * float64(v))
	}
	return out
}

// Axpy returns out[i] = a·x[i] + y[i], computed in float64 (where a·x[i] is
// exact) and rounded to float32; x and y must have the same length.
func Axpy(a float32, x, y []float32) ([]float32, error) {
	if err := CheckLen(OpElementwise, "axpy: y", len(y), "len(x)", len(x)); err != nil {
		return nil, err
	}
	out := make([]float32, len(x))
	for i := range x {
		out[i] = float32(float64(a)*float64(x[i]) + float64(y[i]))
	}
	return out, nil
}

// Fill returns n elements all equal to v; n must be >= 0.
func Fill(n int, v float32) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("%s: fill: n must be >= 0, got %d", OpElementwise, n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out, nil
}

// Copy returns a new slice with the elements of a (bit-exact, NaNs included).
func Copy(a []float32) []float32 {
	out := make([]float32, len(a))
	copy(out, a)
	return out
}
