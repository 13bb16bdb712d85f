package vulkan

import (
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func TestElementwiseMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 13, 63, 65, 1023, 1 << 18, 262147 + 4096*64} {
		x, y := kerneltest.RandVec(rng, n), kerneltest.RandVec(rng, n)
		a := float32(rng.NormFloat64())

		out := upload(t, ctx, kerneltest.Poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Fill(s, out, a) })
		want, _ := kernels.Fill(n, a)
		expectClose(t, "fill", out, want)

		dst := upload(t, ctx, kerneltest.Poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Copy(s, upload(t, ctx, x), dst) })
		expectClose(t, "copy", dst, kernels.Copy(x))

		yb := upload(t, ctx, y)
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Axpy(s, a, upload(t, ctx, x), yb) })
		want, _ = kernels.Axpy(a, x, y)
		expectClose(t, "axpy", yb, want)
	}
}

func TestElementwiseRejectsMismatchedLengths(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	a, b := upload(t, ctx, make([]float32, 3)), upload(t, ctx, make([]float32, 4))
	seq := newSequence(t, ctx)
	if err := lib.Axpy(seq, 1, a, b); err == nil {
		t.Error("axpy of 3 and 4 floats succeeded")
	}
	if err := lib.Copy(seq, a, b); err == nil {
		t.Error("copy of 3 into 4 floats succeeded")
	}
}
