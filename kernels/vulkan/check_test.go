package vulkan

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// A buffer of the wrong length is reported as a *kernels.ShapeError naming
// the op, the buffer, its length and the length the params imply, and
// nothing is recorded.
func TestBindingsReturnShapeErrors(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	buf := func(n int) *vk.Buffer { return upload(t, ctx, make([]float32, n)) }
	conv := kernels.Conv2DParams{N: 2, C: 3, H: 5, W: 7, K: 4, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	dense := kernels.DenseParams{N: 2, In: 3, Out: 4, Bias: true}
	bn := kernels.NewBatchNorm2DParams(2, 3, 2, 2)
	relu := kernels.ActivationParams{Kind: kernels.ReLU}
	red := kernels.ReduceParams{Shape: []int{2, 3}, Axes: []int{1}}
	slot := StepSlot{Buf: newStepBuffer(t, ctx, AdamStepWords)}
	six := buf(6)
	for _, c := range []struct {
		name string
		err  error
		want *kernels.ShapeError
	}{
		{"conv2d weight", lib.Conv2DForward(seq, conv, buf(210), buf(107), nil, buf(280)),
			&kernels.ShapeError{Op: "conv2d forward", Tensor: "weight", Got: 107, Want: 108, Formula: "K*C*KH*KW", Dims: []int{4, 3, 3, 3}}},
		{"dense bias", lib.DenseForward(seq, dense, buf(6), buf(12), buf(3), buf(8)),
			&kernels.ShapeError{Op: kernels.OpDense, Tensor: "bias b", Got: 3, Want: 4, Formula: "Out", Dims: []int{4}}},
		{"batch norm gamma", lib.BatchNormEvalForward(seq, bn, buf(24), buf(2), buf(3), buf(3), buf(3), buf(24)),
			&kernels.ShapeError{Op: bnEvalForward, Tensor: "gamma", Got: 2, Want: 3, Formula: "C", Dims: []int{3}}},
		{"activation dx", lib.ActivationBackward(seq, relu, six, six, buf(5)),
			&kernels.ShapeError{Op: "activation: relu backward", Tensor: "grad input dx", Got: 5, Want: 6, Formula: "len(saved input x)", Dims: []int{6}}},
		{"reduce output", lib.ReduceSum(seq, red, six, buf(3)),
			&kernels.ShapeError{Op: "reduce sum", Tensor: "y", Got: 3, Want: 2, Formula: "OutputShape()", Dims: []int{2}}},
		{"mse target", lib.MSELoss(seq, kernels.LossParams{N: 2, F: 3}, six, buf(5), buf(1)),
			&kernels.ShapeError{Op: kernels.OpMSE, Tensor: "target", Got: 5, Want: 6, Formula: "N*F", Dims: []int{2, 3}}},
		{"adam gradient", lib.AdamUpdate(seq, slot, buf(6), buf(6), buf(6), buf(7)),
			&kernels.ShapeError{Op: kernels.OpAdam, Tensor: "gradient g", Got: 7, Want: 6, Formula: "len(p)", Dims: []int{6}}},
		{"add out", lib.Add(seq, six, buf(6), buf(4)),
			&kernels.ShapeError{Op: kernels.OpElementwise + ": add", Tensor: "out", Got: 4, Want: 6, Formula: "len(a)", Dims: []int{6}}},
		{"axpy y", lib.Axpy(seq, 2, six, buf(5)),
			&kernels.ShapeError{Op: "axpy", Tensor: "y", Got: 5, Want: 6, Formula: "len(x)", Dims: []int{6}}},
	} {
		kerneltest.WantAs(t, c.name, c.err, c.want)
	}
	expectNothingRecorded(t, seq)
}
