package vulkan

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// nonZeroVec is randVec with no exact zeros, so a dropped element (0) is never
// confused with a kept one.
func nonZeroVec(rng *rand.Rand, n int) []float32 {
	v := kerneltest.RandVec(rng, n)
	for i := range v {
		if v[i] == 0 {
			v[i] = 1
		}
	}
	return v
}

// expectDropout checks a train-mode dropout output: the mask bit for bit (element i
// is 0 exactly when DropoutKeep is false) and the values within kerneltest.Tolerance.
func expectDropout(t *testing.T, name string, b *vk.Buffer, p kernels.DropoutParams, in []float32) {
	t.Helper()
	got := download(t, b)
	for i, v := range got {
		if keep := kernels.DropoutKeep(p, uint64(i)); keep != (v != 0) {
			t.Fatalf("%s (P=%v, seed %#x, counter %#x): element %d is %v, but DropoutKeep = %v",
				name, p.P, p.Seed, p.Counter, i, v, keep)
		}
	}
	want, err := kernels.DropoutForward(p, in)
	if err != nil {
		t.Fatal(err)
	}
	expectClose(t, name, b, want)
}

func TestDropoutMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(11))
	probs := []float32{0.5, 0.1, 0.9, 0, 0.25, 0.75}
	for k, n := range stepSizes {
		p := kernels.DropoutParams{P: probs[k%len(probs)], Seed: 0x9e3779b97f4a7c15 + uint64(k), Counter: 1<<40 + uint64(n), Train: true}
		step := newStepBuffer(t, ctx, 4)
		slot := StepSlot{Buf: step, Word: 1}
		if err := WriteCounter(slot, p.Counter); err != nil {
			t.Fatal(err)
		}
		x, dy := nonZeroVec(rng, n), nonZeroVec(rng, n)
		y, dx := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
		inPlace := upload(t, ctx, x)
		gpu := p
		gpu.Counter = 0 // the binding reads the counter from the slot, not from p
		runOne(t, ctx, func(s *vk.Sequence) error {
			if err := lib.DropoutForward(s, gpu, slot, upload(t, ctx, x), y); err != nil {
				return err
			}
			if err := lib.DropoutBackward(s, gpu, slot, upload(t, ctx, dy), dx); err != nil {
				return err
			}
			return lib.DropoutForward(s, gpu, slot, inPlace, inPlace)
		})
		expectDropout(t, "dropout forward", y, p, x)
		expectDropout(t, "dropout backward", dx, p, dy)
		expectDropout(t, "dropout forward in place", inPlace, p, x)
	}
}

func TestDropoutEvalIsCopy(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(12))
	for _, n := range []int{1, 13, 65537} {
		p := kernels.DropoutParams{P: 0.5, Seed: 3}
		x, dy := nonZeroVec(rng, n), nonZeroVec(rng, n)
		y, dx := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error {
			if err := lib.DropoutForward(s, p, StepSlot{}, upload(t, ctx, x), y); err != nil {
				return err
			}
			return lib.DropoutBackward(s, p, StepSlot{}, upload(t, ctx, dy), dx)
		})
		kerneltest.BitEqual(t, "eval dropout forward", download(t, y), x)
		kerneltest.BitEqual(t, "eval dropout backward", download(t, dx), dy)
	}
}

// One recording of forward and backward, replayed with a new counter each step: the
// masks follow the slot and backward always matches its forward.
func TestDropoutReplaysWithNewCounter(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(13))
	const n = 4099
	p := kernels.DropoutParams{P: 0.3, Seed: 77, Train: true}
	step := newStepBuffer(t, ctx, 2)
	slot := StepSlot{Buf: step}
	x, dy := nonZeroVec(rng, n), nonZeroVec(rng, n)
	y, dx := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
	seq := newRecorded(t, ctx, func(s *vk.Sequence) error {
		if err := lib.DropoutForward(s, p, slot, upload(t, ctx, x), y); err != nil {
			return err
		}
		return lib.DropoutBackward(s, p, slot, upload(t, ctx, dy), dx)
	})
	var prev []float32
	for step := uint64(1); step <= 3; step++ {
		c := step<<32 | step
		if err := WriteCounter(slot, c); err != nil {
			t.Fatal(err)
		}
		mustRun(t, seq)
		ref := p
		ref.Counter = c
		expectDropout(t, "dropout forward", y, ref, x)
		expectDropout(t, "dropout backward", dx, ref, dy)
		got := download(t, y)
		if prev != nil {
			// Independent masks differ in 2·P·(1−P) = 42% of the elements.
			changed := 0
			for i := range got {
				if (got[i] == 0) != (prev[i] == 0) {
					changed++
				}
			}
			if changed < n/4 {
				t.Fatalf("counter %#x: the mask changed in %d of %d elements; want about 42%%", c, changed, n)
			}
		}
		prev = got
	}
}

func TestDropoutRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	x, y, short := upload(t, ctx, kerneltest.Poisoned(5)), upload(t, ctx, kerneltest.Poisoned(5)), upload(t, ctx, kerneltest.Poisoned(4))
	slot := StepSlot{Buf: newStepBuffer(t, ctx, 2)}
	train := kernels.DropoutParams{P: 0.5, Train: true}
	expectRejected(t, ctx, []rejectCase{
		{"P = 1", func(s *vk.Sequence) error {
			return lib.DropoutForward(s, kernels.DropoutParams{P: 1, Train: true}, slot, x, y)
		},
			[]string{"dropout", "P must be in [0, 1)"}},
		{"negative P", func(s *vk.Sequence) error { return lib.DropoutBackward(s, kernels.DropoutParams{P: -0.1}, slot, x, y) },
			[]string{"dropout", "P"}},
		{"NaN P", func(s *vk.Sequence) error {
			return lib.DropoutForward(s, kernels.DropoutParams{P: float32(math.NaN()), Train: true}, slot, x, y)
		}, []string{"dropout", "P"}},
		{"short y", func(s *vk.Sequence) error { return lib.DropoutForward(s, train, slot, x, short) },
			[]string{"dropout", "y has 4 elements, want 5 (len(x) = 5)"}},
		{"short dx", func(s *vk.Sequence) error { return lib.DropoutBackward(s, train, slot, x, short) },
			[]string{"dropout backward", "dx has 4 elements, want 5 (len(dy) = 5)"}},
		{"short dx in eval", func(s *vk.Sequence) error {
			return lib.DropoutBackward(s, kernels.DropoutParams{}, StepSlot{}, x, short)
		},
			[]string{"dropout backward", "dx has 4 elements"}},
		{"train without a slot", func(s *vk.Sequence) error { return lib.DropoutForward(s, train, StepSlot{}, x, y) },
			[]string{"dropout", "counter slot", "no buffer"}},
		{"slot past the end", func(s *vk.Sequence) error {
			return lib.DropoutForward(s, train, StepSlot{Buf: slot.Buf, Word: 1}, x, y)
		}, []string{"dropout", "counter slot", "outside"}},
		{"slot in the output", func(s *vk.Sequence) error { return lib.DropoutBackward(s, train, StepSlot{Buf: y}, x, y) },
			[]string{"dropout backward", "counter slot", "writes"}},
		{"nil x", func(s *vk.Sequence) error { return lib.DropoutForward(s, train, slot, nil, y) },
			[]string{"dropout", "x buffer is nil"}},
	})
}
