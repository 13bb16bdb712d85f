package vulkan

import (
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// convOp is a convolution (conv2d, conv_transpose2d) over its params type P:
// the four directions of its reference and of its Library bindings.
type convOp[P any] struct {
	refForward func(p P, x, w, b []float32) ([]float32, error)
	refInput   func(p P, w, dy []float32) ([]float32, error)
	refWeight  func(p P, x, dy []float32) ([]float32, error)
	refBias    func(p P, dy []float32) ([]float32, error)
	forward    func(l *Library, s *vk.Sequence, p P, x, w, b, y *vk.Buffer) error
	input      func(l *Library, s *vk.Sequence, p P, w, dy, dx *vk.Buffer) error
	weight     func(l *Library, s *vk.Sequence, p P, x, dy, dw *vk.Buffer) error
	bias       func(l *Library, s *vk.Sequence, p P, dy, db *vk.Buffer) error
}

var (
	conv2DOp = convOp[kernels.Conv2DParams]{
		kernels.Conv2DForward, kernels.Conv2DBackwardInput, kernels.Conv2DBackwardWeight, kernels.Conv2DBackwardBias,
		(*Library).Conv2DForward, (*Library).Conv2DBackwardInput, (*Library).Conv2DBackwardWeight, (*Library).Conv2DBackwardBias,
	}
	convT2DOp = convOp[kernels.ConvTranspose2DParams]{
		kernels.ConvTranspose2DForward, kernels.ConvTranspose2DBackwardInput, kernels.ConvTranspose2DBackwardWeight, kernels.ConvTranspose2DBackwardBias,
		(*Library).ConvTranspose2DForward, (*Library).ConvTranspose2DBackwardInput, (*Library).ConvTranspose2DBackwardWeight, (*Library).ConvTranspose2DBackwardBias,
	}
)

// check runs every direction of op at p, each in its own sequence, on random
// x [nx], w [nw], dy [ny] and, when nb > 0, bias [nb] drawn from seed, and
// compares the outputs (poisoned first) with the reference.
func (op convOp[P]) check(t *testing.T, ctx *vk.Context, lib *Library, p P, nx, nw, ny, nb int, seed int64) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	x := kerneltest.RandVec(rng, nx)
	w := kerneltest.RandVec(rng, nw)
	dy := kerneltest.RandVec(rng, ny)
	var b []float32
	var bb *vk.Buffer
	if nb > 0 {
		b = kerneltest.RandVec(rng, nb)
		bb = upload(t, ctx, b)
	}
	xb, wb, dyb := upload(t, ctx, x), upload(t, ctx, w), upload(t, ctx, dy)
	direction := func(name string, n int, record func(s *vk.Sequence, out *vk.Buffer) error, ref func() ([]float32, error)) {
		t.Helper()
		out := upload(t, ctx, kerneltest.Poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error { return record(s, out) })
		want, err := ref()
		if err != nil {
			t.Fatal(err)
		}
		expectClose(t, name, out, want)
	}
	direction("forward", ny,
		func(s *vk.Sequence, y *vk.Buffer) error { return op.forward(lib, s, p, xb, wb, bb, y) },
		func() ([]float32, error) { return op.refForward(p, x, w, b) })
	direction("backward input", nx,
		func(s *vk.Sequence, dx *vk.Buffer) error { return op.input(lib, s, p, wb, dyb, dx) },
		func() ([]float32, error) { return op.refInput(p, w, dy) })
	direction("backward weight", nw,
		func(s *vk.Sequence, dw *vk.Buffer) error { return op.weight(lib, s, p, xb, dyb, dw) },
		func() ([]float32, error) { return op.refWeight(p, x, dy) })
	if nb > 0 {
		direction("backward bias", nb,
			func(s *vk.Sequence, db *vk.Buffer) error { return op.bias(lib, s, p, dyb, db) },
			func() ([]float32, error) { return op.refBias(p, dy) })
	}
}
