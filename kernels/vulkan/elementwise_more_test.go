package vulkan

import (
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func TestAddScaleMatchReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(31))
	for _, n := range []int{1, 3, 5, 13, 1023, 65537, 262147 + 4096*64} {
		a, b := kerneltest.RandVec(rng, n), kerneltest.RandVec(rng, n)
		s := float32(rng.NormFloat64())
		sum, prod := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
		ab, bb := upload(t, ctx, a), upload(t, ctx, b)
		inA, inB := upload(t, ctx, a), upload(t, ctx, b)
		runOne(t, ctx, func(q *vk.Sequence) error {
			if err := lib.Add(q, ab, bb, sum); err != nil {
				return err
			}
			if err := lib.Scale(q, ab, s, prod); err != nil {
				return err
			}
			if err := lib.Add(q, inA, bb, inA); err != nil { // in place on a
				return err
			}
			if err := lib.Add(q, ab, inB, inB); err != nil { // in place on b
				return err
			}
			return lib.Scale(q, inA, s, inA) // in place, after the add into inA
		})
		want, err := kernels.Add(a, b)
		if err != nil {
			t.Fatal(err)
		}
		expectClose(t, "add", sum, want)
		expectClose(t, "add in place on b", inB, want)
		expectClose(t, "scale", prod, kernels.Scale(a, s))
		expectClose(t, "add then scale in place", inA, kernels.Scale(want, s))
	}
}

func TestAddScaleRejectMismatchedLengths(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	a, b, short := upload(t, ctx, kerneltest.Poisoned(5)), upload(t, ctx, kerneltest.Poisoned(5)), upload(t, ctx, kerneltest.Poisoned(4))
	expectRejected(t, ctx, []rejectCase{
		{"add short b", func(s *vk.Sequence) error { return lib.Add(s, a, short, b) },
			[]string{"elementwise: add", "b has 4 elements, want 5 (len(a) = 5)"}},
		{"add short out", func(s *vk.Sequence) error { return lib.Add(s, a, b, short) },
			[]string{"elementwise: add", "out has 4 elements"}},
		{"add nil a", func(s *vk.Sequence) error { return lib.Add(s, nil, b, b) },
			[]string{"elementwise: add", "a buffer is nil"}},
		{"scale short out", func(s *vk.Sequence) error { return lib.Scale(s, a, 2, short) },
			[]string{"elementwise: scale", "out has 4 elements, want 5 (len(a) = 5)"}},
		{"scale nil out", func(s *vk.Sequence) error { return lib.Scale(s, a, 2, nil) },
			[]string{"elementwise: scale", "out buffer is nil"}},
	})
}
