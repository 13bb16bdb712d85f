package vk_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestSplitSubmissionsMatchOneSubmission runs one chain of dependent dispatches
// unsplit and split into submissions of 1 and 7 dispatches: the results are
// bit-identical, and each run makes the submissions the limit implies.
func TestSplitSubmissionsMatchOneSubmission(t *testing.T) {
	const n, steps = 1031, 40
	c := newAxpyChain(t, n, 5)
	coef := func(i int) float32 { return float32(i%5-2) / 8 }
	var want []float32
	for _, tc := range []struct{ limit, submissions int }{{0, 1}, {1, steps}, {7, 6}, {steps, 1}} {
		seq, err := c.ctx.NewSequence(vk.SequenceOptions{Name: "chain", MaxDispatchesPerSubmit: tc.limit, Timestamps: true})
		if err != nil {
			t.Fatal(err)
		}
		c.record(t, seq, steps, coef)
		before := c.ctx.Stats().Submits
		if err := c.run(t, seq); err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		if got := c.ctx.Stats().Submits - before; got != tc.submissions || seq.Stats().Submissions != tc.submissions {
			t.Errorf("limit %d: %d submissions (stats say %d), want %d", tc.limit, got, seq.Stats().Submissions, tc.submissions)
		}
		if seq.Timed() && len(seq.Timings()) != steps {
			t.Errorf("limit %d: %d timings, want %d", tc.limit, len(seq.Timings()), steps)
		}
		got := c.values(t)
		if want == nil {
			want = got
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("limit %d: element %d is %v, unsplit %v", tc.limit, i, got[i], want[i])
			}
		}
		seq.Free()
	}
}

// TestDeviceLossIsTypedAndFinal checks that a lost device fails the run with
// ErrDeviceLost, that every later submission fails fast with the same error,
// and that the context still closes cleanly.
func TestDeviceLossIsTypedAndFinal(t *testing.T) {
	const n = 4099
	ctx := vktest.Open(t)
	k := loadKernels(t, ctx, 64)
	y, _ := ctx.NewBufferFloat32(n, nil)
	seq, err := ctx.NewSequence(vk.SequenceOptions{Name: "fill step"})
	if err != nil {
		t.Fatal(err)
	}
	if err := seq.Dispatch(k.fill, vk.GroupsFor(n, 64), []uint32{vk.F32(1.5), n}, y); err != nil {
		t.Fatal(err)
	}
	ctx.SimulateDeviceLoss(1)
	if err := seq.Run(); err != nil {
		t.Fatalf("the run before the loss failed: %v", err)
	}
	lost := seq.Run()
	if !errors.Is(lost, vk.ErrDeviceLost) || !strings.Contains(lost.Error(), `sequence "fill step"`) || !strings.Contains(lost.Error(), "fill .. fill") {
		t.Fatalf("run on a lost device: %v; want ErrDeviceLost naming the sequence and its kernels", lost)
	}
	if ctx.Err() != lost {
		t.Errorf("Err() = %v, want %v", ctx.Err(), lost)
	}
	if err := seq.Run(); err != lost {
		t.Errorf("a later run: %v, want the same error", err)
	}
	if _, err := ctx.NewSequence(vk.SequenceOptions{}); err != lost {
		t.Errorf("a new sequence: %v, want the same error", err)
	}
	other, _ := ctx.NewBufferFloat32(n, nil)
	if err := seq.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := seq.Dispatch(k.fill, vk.GroupsFor(n, 64), []uint32{vk.F32(2), n}, other); !errors.Is(err, vk.ErrDeviceLost) {
		t.Errorf("a dispatch: %v, want ErrDeviceLost", err)
	}
	seq.Free()
	y.Free()
	other.Free()
}
