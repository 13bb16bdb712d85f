package vulkan

import (
	"errors"
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

// storageShort reports whether ctx's device allows fewer than need storage
// buffers per shader stage (as under OCGAN_VK_LIMITS=min, 4).
func storageShort(ctx *vk.Context, need int) bool {
	return int(ctx.Info().Compute.MaxStorageBuffersPerStage) < need
}

// expectStorageRefusal checks that err is the pipeline build refusing a kernel
// of shader family (whichever tier the device takes), which binds need
// storage buffers, for the device's storage-buffer limit.
func expectStorageRefusal(t testing.TB, ctx *vk.Context, what string, err error, family string, need int) {
	t.Helper()
	want := vk.LimitError{Family: family, Limit: vk.LimitStorageBuffers,
		Device: uint64(ctx.Info().Compute.MaxStorageBuffersPerStage), Need: uint64(need)}
	var le *vk.LimitError
	if errors.As(err, &le) {
		want.Kernel = le.Kernel // the tier built; the family is what is compared
	}
	if le == nil || *le != want {
		t.Errorf("%s: %v; want the refusal %v", what, err, &want)
	}
}

// recordOnly records ops into a fresh sequence, freed at once, and returns the
// recording error.
func recordOnly(t testing.TB, ctx *vk.Context, record func(*vk.Sequence) error) error {
	t.Helper()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	return record(seq)
}
