package vulkan

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// One recorded AdamUpdate replayed for steps t = 1..5, the host rewriting only the
// step slot between runs, against AdamUpdate applied to host copies.
func TestAdamMatchesReferenceOverSteps(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	if storageShort(ctx, 5) {
		p, m, v, g := upload(t, ctx, make([]float32, 7)), upload(t, ctx, make([]float32, 7)), upload(t, ctx, make([]float32, 7)), upload(t, ctx, make([]float32, 7))
		slot := StepSlot{Buf: newStepBuffer(t, ctx, 2+AdamStepWords), Word: 2}
		err := recordOnly(t, ctx, func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, m, v, g) })
		expectStorageRefusal(t, ctx, "adam", err, "adam", 5)
		return
	}
	rng := rand.New(rand.NewSource(21))
	for k, n := range stepSizes {
		p, m, g := kerneltest.RandVec(rng, n), kerneltest.RandVec(rng, n), kerneltest.RandVec(rng, n)
		v := kerneltest.RandVec(rng, n)
		for i := range v {
			v[i] = v[i]*v[i] + 1e-3 // a second moment is positive
		}
		p0 := append([]float32(nil), p...)
		pb, mb, vb, gb := upload(t, ctx, p), upload(t, ctx, m), upload(t, ctx, v), upload(t, ctx, g)
		step := newStepBuffer(t, ctx, 2+AdamStepWords+1)
		slot := StepSlot{Buf: step, Word: 2}
		seq := newRecorded(t, ctx, func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, pb, mb, vb, gb) })
		lr := float32(0.05) * float32(1+k%3)
		for ti := 1; ti <= 5; ti++ {
			st, err := kernels.NewAdamStep(lr, 0.9, 0.999, 1e-8, ti)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteAdamStep(slot, st); err != nil {
				t.Fatal(err)
			}
			mustRun(t, seq)
			if err := kernels.AdamUpdate(st, p, m, v, g); err != nil {
				t.Fatal(err)
			}
			expectClose(t, "adam p", pb, p)
			expectClose(t, "adam m", mb, m)
			expectClose(t, "adam v", vb, v)
			// The parameter change alone, so an error in the update is not hidden by
			// the size of p.
			got := download(t, pb)
			dGot, dWant := make([]float64, n), make([]float64, n)
			for i := range p {
				dGot[i] = float64(got[i]) - float64(p0[i])
				dWant[i] = float64(p[i]) - float64(p0[i])
			}
			if e := kerneltest.RelL2(dGot, dWant); e > kerneltest.Tolerance {
				t.Fatalf("n=%d step %d: the change of p has relative error %.3g > %g", n, ti, e, kerneltest.Tolerance)
			}
		}
	}
}

func TestAdamStepWords(t *testing.T) {
	s := kernels.AdamStep{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, BiasCorr1: 0.1, BiasCorr2: 0.001}
	w := adamWords(s)
	for i, f := range []float32{s.LR, s.Beta1, s.Beta2, s.Eps, s.BiasCorr1, s.BiasCorr2} {
		if w[i] != math.Float32bits(f) {
			t.Errorf("word %d = %#x, want %#x", i, w[i], math.Float32bits(f))
		}
	}
	if c := EncodeCounter(0x0123456789abcdef); c != [2]uint32{0x89abcdef, 0x01234567} {
		t.Errorf("EncodeCounter = %#x, want low half then high half", c)
	}
}

func TestAdamRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	p, m, v, g := upload(t, ctx, kerneltest.Poisoned(6)), upload(t, ctx, kerneltest.Poisoned(6)), upload(t, ctx, kerneltest.Poisoned(6)), upload(t, ctx, kerneltest.Poisoned(6))
	short := upload(t, ctx, kerneltest.Poisoned(5))
	step := newStepBuffer(t, ctx, AdamStepWords+1)
	slot := StepSlot{Buf: step, Word: 1}
	expectRejected(t, ctx, []rejectCase{
		{"short m", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, short, v, g) },
			[]string{"adam", "first moment m has 5 elements, want 6 (len(p) = 6)"}},
		{"short g", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, m, v, short) },
			[]string{"adam", "gradient g has 5 elements"}},
		{"m is v", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, m, m, g) },
			[]string{"adam", "first moment m and second moment v are the same buffer"}},
		{"g is p", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, m, v, p) },
			[]string{"adam", "same buffer"}},
		{"nil v", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, p, m, nil, g) },
			[]string{"adam", "second moment v"}},
		{"slot past the end", func(s *vk.Sequence) error { return lib.AdamUpdate(s, StepSlot{Buf: step, Word: 2}, p, m, v, g) },
			[]string{"adam", "step slot", "words 2..7", "7-word buffer"}},
		{"no slot", func(s *vk.Sequence) error { return lib.AdamUpdate(s, StepSlot{}, p, m, v, g) },
			[]string{"adam", "step slot", "no buffer"}},
		{"slot in p", func(s *vk.Sequence) error { return lib.AdamUpdate(s, StepSlot{Buf: p}, p, m, v, g) },
			[]string{"adam", "step slot", "writes"}},
	})
	good, err := kernels.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Beta1 = 1
	kerneltest.WantErr(t, "WriteAdamStep of Beta1 = 1", WriteAdamStep(slot, bad), "adam", "Beta1")
	bad = good
	bad.BiasCorr2 = float32(math.NaN())
	kerneltest.WantErr(t, "WriteAdamStep of a NaN BiasCorr2", WriteAdamStep(slot, bad), "adam", "BiasCorr2")
	kerneltest.WantErr(t, "WriteAdamStep past the end", WriteAdamStep(StepSlot{Buf: step, Word: 2}, good), "adam", "step slot", "outside")
}
