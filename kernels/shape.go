package kernels

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ShapeError reports an argument of an op whose element count differs from
// the count its parameters imply, e.g. "conv2d: weight has 36 elements, want
// 48 (K*C*KH*KW = 4*3*2*2)". Callers tell it apart with errors.As.
type ShapeError struct {
	Op      string // the op, e.g. "conv2d" or "batch_norm train forward"
	Tensor  string // the argument, e.g. "weight" or "grad output"
	Got     int    // the argument's element count
	Want    int    // the element count the parameters imply: the product of Dims
	Formula string // what Want is the product of, e.g. "K*C*KH*KW" or "length of a"
	Dims    []int  // the factors of Formula, in its order
}

// Error says which argument of which op is off, by how much, and why.
func (e *ShapeError) Error() string {
	s := make([]string, len(e.Dims))
	for i, d := range e.Dims {
		s[i] = strconv.Itoa(d)
	}
	product := strings.Join(s, "*")
	if len(s) == 0 {
		product = "1" // the empty product: a scalar
	}
	return fmt.Sprintf("%s: %s has %d elements, want %d (%s = %s)",
		e.Op, e.Tensor, e.Got, e.Want, e.Formula, product)
}

// CheckLen returns a *ShapeError when got differs from the product of dims,
// and nil otherwise; formula names the dims for the message, e.g.
// CheckLen("dense", "input", len(x), "N*In", p.N, p.In).
func CheckLen(op, tensor string, got int, formula string, dims ...int) error {
	want := 1
	for _, d := range dims {
		want *= d
	}
	if got == want {
		return nil
	}
	return &ShapeError{Op: op, Tensor: tensor, Got: got, Want: want, Formula: formula,
		Dims: slices.Clone(dims)}
}

// CheckBias checks the bias of an op with an optional bias of k elements:
// none (nil) without bias, k elements with it; dim names k in the message.
func CheckBias(op string, hasBias bool, b []float32, dim string, k int) error {
	if !hasBias {
		if len(b) != 0 {
			return fmt.Errorf("%s: bias has %d elements but Bias is false (pass nil)", op, len(b))
		}
		return nil
	}
	return CheckLen(op, "bias", len(b), dim, k)
}
