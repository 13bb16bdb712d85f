package vulkan

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

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
// (no NaN left from the poison) and relative error within kerneltest.Tolerance.
func expectClose(t testing.TB, name string, b *vk.Buffer, want []float32) {
	t.Helper()
	got := download(t, b)
	kerneltest.ExpectClose(t, name, got, want)
}
