package kernels

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestCheckLen(t *testing.T) {
	dims := []int{4, 3, 2, 2}
	if err := CheckLen(OpConv2D, "weight", 48, "K*C*KH*KW", dims...); err != nil {
		t.Fatalf("matching length: %v", err)
	}
	err := CheckLen(OpConv2D, "weight", 36, "K*C*KH*KW", dims...)
	want := &ShapeError{Op: OpConv2D, Tensor: "weight", Got: 36, Want: 48, Formula: "K*C*KH*KW", Dims: []int{4, 3, 2, 2}}
	kerneltest.WantAs(t, "short weight", err, want)
	dims[0] = 9
	kerneltest.WantAs(t, "dims copied", err, want)
	if got, msg := err.Error(), "conv2d: weight has 36 elements, want 48 (K*C*KH*KW = 4*3*2*2)"; got != msg {
		t.Errorf("message %q, want %q", got, msg)
	}
	scalar := ReduceParams{Shape: []int{2, 3}, Axes: []int{0, 1}}
	_, err = ReduceSumBackward(scalar, []float32{1, 2})
	kerneltest.WantAs(t, "scalar", err, &ShapeError{Op: OpReduce, Tensor: "grad output", Got: 2, Want: 1, Formula: "OutputShape()", Dims: []int{}})
	if got, msg := err.Error(), "reduce: grad output has 2 elements, want 1 (OutputShape() = 1)"; got != msg {
		t.Errorf("message %q, want %q", got, msg)
	}
}

// Every op's reference reports a wrong length as a *ShapeError naming the
// op, the argument and both counts.
func TestReferencesReturnShapeErrors(t *testing.T) {
	conv := Conv2DParams{N: 2, C: 3, H: 5, W: 7, K: 4, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	bn := NewBatchNorm2DParams(2, 3, 2, 2)
	cases := []struct {
		name string
		err  error
		want *ShapeError
	}{
		{"conv2d input", second(Conv2DForward(conv, make([]float32, 209), make([]float32, 108), nil)),
			&ShapeError{Op: OpConv2D, Tensor: "input", Got: 209, Want: 210, Formula: "N*C*H*W", Dims: []int{2, 3, 5, 7}}},
		{"dense bias", second(DenseForward(DenseParams{N: 2, In: 3, Out: 4, Bias: true}, make([]float32, 6), make([]float32, 12), make([]float32, 3))),
			&ShapeError{Op: OpDense, Tensor: "bias", Got: 3, Want: 4, Formula: "Out", Dims: []int{4}}},
		{"batch norm gamma", second(BatchNormEvalForward(bn, make([]float32, 24), make([]float32, 2), make([]float32, 3), make([]float32, 3), make([]float32, 3))),
			&ShapeError{Op: OpBatchNorm, Tensor: "gamma", Got: 2, Want: 3, Formula: "C", Dims: []int{3}}},
		{"reduce input", second(ReduceSum(ReduceParams{Shape: []int{2, 3}, Axes: []int{1}}, make([]float32, 5))),
			&ShapeError{Op: OpReduce, Tensor: "input", Got: 5, Want: 6, Formula: "Shape", Dims: []int{2, 3}}},
	}
	for _, c := range cases {
		kerneltest.WantAs(t, c.name, c.err, c.want)
	}
}

// second returns the error of a (value, error) pair.
func second[T any](_ T, err error) error { return err }
