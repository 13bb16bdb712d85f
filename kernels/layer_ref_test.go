package kernels

import (
	"errors"
	"testing"
)

// TestLayerArgChecks checks that the Check*Args helpers report the first
// wrong argument of each pass by its name, including the outputs a backend
// passes, and accept right ones.
func TestLayerArgChecks(t *testing.T) {
	layers := []struct {
		p              Layer
		nx, nw, nb, ny int
	}{
		{Conv2DParams{N: 2, C: 3, H: 5, W: 4, K: 2, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, Bias: true}, 2 * 3 * 5 * 4, 2 * 3 * 3 * 2, 2, 2 * 2 * 3 * 3},
		{ConvTranspose2DParams{N: 2, C: 3, H: 2, W: 3, K: 2, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, OutPadH: 1, Bias: true}, 2 * 3 * 2 * 3, 3 * 2 * 3 * 2, 2, 2 * 2 * 4 * 4},
		{DenseParams{N: 2, In: 5, Out: 3, Bias: true}, 2 * 5, 3 * 5, 3, 2 * 3},
	}
	mk := func(n int) []float32 { return make([]float32, n) }
	for _, l := range layers {
		x, w, b, y := mk(l.nx), mk(l.nw), mk(l.nb), mk(l.ny)
		ok := []error{
			CheckForwardArgs(l.p, x, w, b, y),
			CheckBackwardInputArgs(l.p, w, y, x),
			CheckBackwardWeightArgs(l.p, x, y, w),
			CheckBackwardBiasArgs(l.p, y, b),
			CheckForwardArgs(l.p, x, w, b),
		}
		for i, err := range ok {
			if err != nil {
				t.Errorf("%T check %d: %v", l.p, i, err)
			}
		}
		bad := []struct {
			err    error
			tensor string
		}{
			{CheckForwardArgs(l.p, x, w, b, y[1:]), "output"},
			{CheckForwardArgs(l.p, x[1:], w[1:], b, y[1:]), "input"},
			{CheckForwardArgs(l.p, x, w, b[1:]), "bias"},
			{CheckBackwardInputArgs(l.p, w, y, x[1:]), "grad input"},
			{CheckBackwardInputArgs(l.p, w, y[1:], x[1:]), "grad output"},
			{CheckBackwardWeightArgs(l.p, x, y, w[1:]), "grad weight"},
			{CheckBackwardWeightArgs(l.p, x[1:], y, w[1:]), "input"},
			{CheckBackwardBiasArgs(l.p, y, b[1:]), "grad bias"},
			{CheckBackwardBiasArgs(l.p, y[1:], b[1:]), "grad output"},
		}
		for _, c := range bad {
			var se *ShapeError
			if !errors.As(c.err, &se) || se.Tensor != c.tensor {
				t.Errorf("%T: got %v, want a shape error of %q", l.p, c.err, c.tensor)
			}
		}
	}
	if err := CheckBackwardBiasArgs(DenseParams{N: 1, In: 1, Out: 1}, mk(1)); err == nil ||
		err.Error() != "dense: bias gradient requested but Bias is false" {
		t.Errorf("bias gradient without bias: %v", err)
	}
	if err := CheckForwardArgs(DenseParams{N: 0, In: 1, Out: 1}, nil, nil, nil); err == nil {
		t.Error("N = 0 accepted")
	}
}
