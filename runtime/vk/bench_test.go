package vk_test

import (
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// The per-dispatch benchmarks use a tiny axpy (256 floats) so that the fixed cost
// of a dispatch, not the arithmetic, is what is measured. Run with `make bench`.
const benchN, benchDispatches = 256, 1000

// benchSetup opens the device without the validation layer (it would dominate the
// timings) unless $OCGAN_VK_VALIDATE=1.
func benchSetup(b *testing.B) (*vk.Context, testKernels, *vk.Buffer, *vk.Buffer) {
	ctx := vktest.OpenBench(b)
	k := loadKernels(b, ctx, 64)
	x, err := ctx.NewBufferFloat32(benchN, make([]float32, benchN))
	if err != nil {
		b.Fatal(err)
	}
	y, err := ctx.NewBufferFloat32(benchN, make([]float32, benchN))
	if err != nil {
		b.Fatal(err)
	}
	return ctx, k, x, y
}

// BenchmarkDispatchRecordedOnce replays one command buffer of 1000 dependent dispatches
// (barrier between each): one submit and one fence wait per 1000 dispatches.
func BenchmarkDispatchRecordedOnce(b *testing.B) {
	ctx, k, x, y := benchSetup(b)
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchDispatches; i++ {
		if err := seq.Dispatch(k.axpy, vk.GroupsFor(benchN, 64), []uint32{vk.F32(0), benchN}, x, y); err != nil {
			b.Fatal(err)
		}
	}
	if err := seq.Run(); err != nil { // warm-up: JIT and first-touch
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := seq.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchDispatches), "µs/dispatch")
}

// BenchmarkDispatchSubmitEach runs the same 1000 dispatches as 1000 pre-recorded
// command buffers, one submit and fence wait each.
func BenchmarkDispatchSubmitEach(b *testing.B) {
	ctx, k, x, y := benchSetup(b)
	seqs := make([]*vk.Sequence, benchDispatches)
	for i := range seqs {
		s, err := ctx.NewSequence(vk.SequenceOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Dispatch(k.axpy, vk.GroupsFor(benchN, 64), []uint32{vk.F32(0), benchN}, x, y); err != nil {
			b.Fatal(err)
		}
		if err := s.End(); err != nil {
			b.Fatal(err)
		}
		seqs[i] = s
	}
	for _, s := range seqs { // warm-up
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range seqs {
			if err := s.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchDispatches), "µs/dispatch")
}

// BenchmarkRecordDispatch is the Go-side cost of recording: reset, then 1000
// dependent dispatches with their barriers (no submit).
func BenchmarkRecordDispatch(b *testing.B) {
	ctx, k, x, y := benchSetup(b)
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	push := []uint32{vk.F32(0), benchN}
	groups := vk.GroupsFor(benchN, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := seq.Reset(); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < benchDispatches; j++ {
			if err := seq.Dispatch(k.axpy, groups, push, x, y); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchDispatches), "ns/dispatch")
}

// BenchmarkReplayOneDispatch replays a recorded sequence of one tiny dispatch: the
// per-step host cost of submit, fence wait and reset, plus lavapipe's smallest job.
func BenchmarkReplayOneDispatch(b *testing.B) {
	ctx, k, x, y := benchSetup(b)
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := seq.Dispatch(k.axpy, vk.GroupsFor(benchN, 64), []uint32{vk.F32(0), benchN}, x, y); err != nil {
		b.Fatal(err)
	}
	if err := seq.Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := seq.Run(); err != nil {
			b.Fatal(err)
		}
	}
}
