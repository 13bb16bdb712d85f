package kernels

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// gpuTolerance is the one tolerance of every GPU-vs-reference test: the relative
// error ‖gpu − ref‖₂/‖ref‖₂ of an fp32 kernel against its float64-accumulated
// reference must not exceed it.
const gpuTolerance = 1e-5

// randVec returns n normal values shifted off zero.
func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64()) + 0.1
	}
	return v
}

// poisoned returns n NaNs: an output buffer starts poisoned so a test proves that
// the kernel wrote every element.
func poisoned(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

// upload makes a device buffer holding data, freed at the end of the test.
func upload(t testing.TB, ctx *vk.Context, data []float32) *vk.Buffer {
	t.Helper()
	b, err := ctx.NewBufferFloat32(len(data), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Free)
	return b
}

// runOne records ops into a fresh sequence, runs it once and frees it.
func runOne(t testing.TB, ctx *vk.Context, record func(*vk.Sequence) error) {
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

// download reads a whole device buffer.
func download(t testing.TB, b *vk.Buffer) []float32 {
	t.Helper()
	got, err := b.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// expectClose compares a device buffer with its reference: every element written
// (no NaN left from the poison) and relative error within gpuTolerance.
func expectClose(t testing.TB, name string, b *vk.Buffer, want []float32) {
	t.Helper()
	got := download(t, b)
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	var num, den float64
	for i := range want {
		if math.IsNaN(float64(got[i])) && !math.IsNaN(float64(want[i])) {
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
