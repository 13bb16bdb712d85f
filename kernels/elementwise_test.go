package kernels

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// gpuTolerance is the relative error ‖gpu − ref‖/‖ref‖ every kernel must meet in fp32.
const gpuTolerance = 1e-5

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64()) + 0.1
	}
	return v
}

func poisoned(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

// upload makes a device buffer holding data.
func upload(t *testing.T, ctx *vk.Context, data []float32) *vk.Buffer {
	t.Helper()
	b, err := ctx.NewBufferFloat32(len(data), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Free)
	return b
}

// runOne records one op into a fresh sequence and runs it.
func runOne(t *testing.T, ctx *vk.Context, record func(*vk.Sequence) error) {
	t.Helper()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	if err := record(seq); err != nil {
		t.Fatal(err)
	}
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
}

// expectClose compares a device buffer with the reference: no NaN (every element
// written), relative error within gpuTolerance.
func expectClose(t *testing.T, name string, b *vk.Buffer, want []float32) {
	t.Helper()
	got, err := b.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	var num, den float64
	for i := range want {
		if math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: element %d was never written", name, i)
		}
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		den = 1
	}
	if e := math.Sqrt(num / den); e > gpuTolerance {
		t.Fatalf("%s: relative error %.3g > %g", name, e, gpuTolerance)
	}
}

func TestElementwiseMatchesReference(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
	rng := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 13, 63, 65, 1023, 1 << 18, 262147 + 4096*64} {
		x, y := randVec(rng, n), randVec(rng, n)
		a := float32(rng.NormFloat64())

		out := upload(t, ctx, poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Fill(s, out, a) })
		want, _ := Fill(n, a)
		expectClose(t, "fill", out, want)

		dst := upload(t, ctx, poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Copy(s, upload(t, ctx, x), dst) })
		expectClose(t, "copy", dst, Copy(x))

		yb := upload(t, ctx, y)
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.Axpy(s, a, upload(t, ctx, x), yb) })
		want, _ = Axpy(a, x, y)
		expectClose(t, "axpy", yb, want)
	}
}

func TestElementwiseRejectsMismatchedLengths(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
	a, b := upload(t, ctx, make([]float32, 3)), upload(t, ctx, make([]float32, 4))
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	if err := lib.Axpy(seq, 1, a, b); err == nil {
		t.Error("axpy of 3 and 4 floats succeeded")
	}
	if err := lib.Copy(seq, a, b); err == nil {
		t.Error("copy of 3 into 4 floats succeeded")
	}
}
