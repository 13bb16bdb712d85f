package vulkan

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

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

// newSequence returns an empty sequence on ctx, freed at the end of the test.
func newSequence(t testing.TB, ctx *vk.Context) *vk.Sequence {
	t.Helper()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(seq.Free)
	return seq
}

// errCase is a refused call: its name and the error it returned.
type errCase struct {
	name string
	err  error
}

// expectOpErrors fails the test unless every case returned an error whose
// message starts with op.
func expectOpErrors(t testing.TB, op string, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.HasPrefix(c.err.Error(), op) {
			t.Errorf("%s: error %q does not name the op %q", c.name, c.err, op)
		}
	}
}

// expectNothingRecorded fails the test if seq holds a dispatch: a refused
// call records none.
func expectNothingRecorded(t testing.TB, seq *vk.Sequence) {
	t.Helper()
	if d := seq.Stats().Dispatches; d != 0 {
		t.Errorf("rejected calls recorded %d dispatches", d)
	}
}

// runTimed runs seq b.N times as the timed part of a benchmark and logs the
// median device time of each dispatch, named by labels (nil: by the
// dispatches' own names). seq must record timestamps.
func runTimed(b *testing.B, seq *vk.Sequence, labels []string) {
	b.Helper()
	var times [][]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := seq.Run(); err != nil {
			b.Fatal(err)
		}
		for j, tm := range seq.Timings() {
			if j == len(times) {
				times = append(times, nil)
			}
			times[j] = append(times[j], tm.Duration)
		}
	}
	b.StopTimer()
	for j, tm := range seq.Timings() {
		name := tm.Name
		if labels != nil {
			name = labels[j]
		}
		d := times[j]
		slices.Sort(d)
		b.Logf("%s: median %v of %d", name, d[len(d)/2], len(d))
	}
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

// convFirstErr returns the first non-nil error of errs.
func convFirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
