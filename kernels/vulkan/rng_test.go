package vulkan

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// stepSizes are the lengths of the RNG, dropout and Adam tests: tiny, partial
// Philox blocks (n % 4 != 0), not multiples of any workgroup, and larger than one
// grid of maxElementwiseGroups·64 invocations on lavapipe (the grid-stride path).
var stepSizes = []int{1, 3, 5, 13, 1023, 65537, 262147, 1<<20 + 5}

// newStepBuffer returns a step-parameter buffer of words words, all NaN, so a kernel
// reading a word it was not given shows up.
func newStepBuffer(t *testing.T, ctx *vk.Context, words int) *vk.Buffer {
	t.Helper()
	return upload(t, ctx, kerneltest.Poisoned(words))
}

// newRecorded records ops into a sequence that the test replays; freed at cleanup.
func newRecorded(t *testing.T, ctx *vk.Context, record func(*vk.Sequence) error) *vk.Sequence {
	t.Helper()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(seq.Free)
	if err := record(seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

func mustRun(t *testing.T, seq *vk.Sequence) {
	t.Helper()
	if err := seq.Run(); err != nil {
		t.Fatal(err)
	}
}

// normalRelTol bounds each FillNormal output's error relative to the radius of its
// Box–Muller pair: |gpu − ref| <= normalRelTol·R with R = sigma·sqrt(−2 ln u1) =
// hypot(first, second) of the reference pair. The shader computes ln u1 from an exact
// integer reduction (|s| <= 0.172, atanh series truncated below 1e-9 relative), then
// one sqrt, and sin/cos of an angle reduced exactly to [0, π/4] (Taylor series
// truncated below 2e-9): each step is within a few ulp, so r·cos and r·sin are within
// about 8 ulp (8·2⁻²⁴ ≈ 4.8e-7) of R, whatever the size of the cos or sin factor.
// The largest seen on lavapipe over these tests is 2.4e-7 (4 ulp); leaving out the
// s⁶/7 term of the series already exceeds the bound.
const normalRelTol = 8.0 / (1 << 24)

// expectNormal compares a FillNormal output with the reference: relative L2 within
// kerneltest.Tolerance, every element written, and every element within normalRelTol of the
// radius of its pair.
func expectNormal(t *testing.T, name string, b *vk.Buffer, seed, counter uint64, sigma float32) {
	t.Helper()
	got := download(t, b)
	n := len(got)
	ref := kernels.FillNormal(n+1, seed, counter, sigma) // n+1: both members of the last pair
	expectClose(t, name, b, ref[:n])
	worst, at := 0.0, 0
	for i := range got {
		pair := i &^ 1
		r := math.Hypot(float64(ref[pair]), float64(ref[pair+1]))
		if e := math.Abs(float64(got[i])-float64(ref[i])) / r; e > worst {
			worst, at = e, i
		}
	}
	if worst > normalRelTol {
		t.Fatalf("%s: element %d is %v, want %v: error %.3g of its pair's radius > %.3g",
			name, at, got[at], ref[at], worst, normalRelTol)
	}
}

func TestRNGMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	for _, n := range stepSizes {
		seed := uint64(0x0123456789abcdef) ^ uint64(n)
		counter := uint64(0xfedcba9876543210) + uint64(n) // both halves non-zero
		sigma := float32(0.02) * float32(1+n%5)
		step := newStepBuffer(t, ctx, 8)
		slot := StepSlot{Buf: step, Word: 3}
		if err := WriteCounter(slot, counter); err != nil {
			t.Fatal(err)
		}
		u, u01, g := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
		runOne(t, ctx, func(s *vk.Sequence) error {
			if err := lib.FillUniform(s, u, seed, slot); err != nil {
				return err
			}
			if err := lib.FillUniform01(s, u01, seed, slot); err != nil {
				return err
			}
			return lib.FillNormal(s, g, seed, slot, sigma)
		})
		kerneltest.BitEqual(t, "uniform", download(t, u), kernels.FillUniform(n, seed, counter))
		kerneltest.BitEqual(t, "uniform01", download(t, u01), kernels.FillUniform01(n, seed, counter))
		expectNormal(t, "normal", g, seed, counter, sigma)
	}
}

// One recording, replayed with new counters written into the slot: every run
// follows the stream of the counter in the buffer at that time.
func TestRNGReplaysWithNewCounter(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	const n, seed, sigma = 1001, 42, 1.5
	step := newStepBuffer(t, ctx, 7)
	slot := StepSlot{Buf: step, Word: 5} // the last two words
	u, g := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
	seq := newRecorded(t, ctx, func(s *vk.Sequence) error {
		if err := lib.FillUniform(s, u, seed, slot); err != nil {
			return err
		}
		return lib.FillNormal(s, g, seed, slot, sigma)
	})
	var prev []float32
	for _, c := range []uint64{0, 1, 1<<32 | 1, math.MaxUint64} {
		if err := WriteCounter(slot, c); err != nil {
			t.Fatal(err)
		}
		mustRun(t, seq)
		got := download(t, u)
		kerneltest.BitEqual(t, "uniform", got, kernels.FillUniform(n, seed, c))
		expectNormal(t, "normal", g, seed, c, sigma)
		if prev != nil && sameCount(got, prev) > n/100 {
			t.Fatalf("counter %#x: %d of %d values equal the previous run's", c, sameCount(got, prev), n)
		}
		prev = got
	}
	if st := seq.Stats(); st.Recordings != 1 || st.Runs != 4 {
		t.Fatalf("sequence stats %+v; want 1 recording and 4 runs", st)
	}
}

func sameCount(a, b []float32) int {
	k := 0
	for i := range a {
		if a[i] == b[i] {
			k++
		}
	}
	return k
}

// Statistics of 10⁶ device samples, each within 5 standard errors (the test is
// deterministic: fixed seed and counter).
func TestRNGStatistics(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	const n = 1_000_003
	const sigma = 2.5
	step := newStepBuffer(t, ctx, 2)
	slot := StepSlot{Buf: step}
	if err := WriteCounter(slot, 0x5eed_0000_0001); err != nil {
		t.Fatal(err)
	}
	u, u01, g := upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n)), upload(t, ctx, kerneltest.Poisoned(n))
	runOne(t, ctx, func(s *vk.Sequence) error {
		if err := lib.FillUniform(s, u, 7, slot); err != nil {
			return err
		}
		if err := lib.FillUniform01(s, u01, 7, slot); err != nil {
			return err
		}
		return lib.FillNormal(s, g, 7, slot, sigma)
	})
	within := func(name string, got, want, se float64) {
		t.Helper()
		if math.Abs(got-want) > 5*se {
			t.Errorf("%s = %.6g, want %.6g ± %.3g (5 standard errors)", name, got, want, 5*se)
		}
	}
	inRange := func(name string, x []float32, lo, hi float32) {
		t.Helper()
		for i, v := range x {
			if !(v >= lo && v < hi) {
				t.Fatalf("%s[%d] = %v outside [%v, %v)", name, i, v, lo, hi)
			}
		}
	}
	N := float64(n)

	x := download(t, u) // U[−1, 1): mean 0, variance 1/3, Var(X²) = 1/5 − 1/9
	inRange("uniform", x, -1, 1)
	m, v := kerneltest.Moments(x)
	within("uniform mean", m, 0, math.Sqrt(1.0/3/N))
	within("uniform variance", v, 1.0/3, math.Sqrt((1.0/5-1.0/9)/N))

	x = download(t, u01) // U[0, 1): mean 1/2, variance 1/12, Var((X−½)²) = 1/80 − 1/144
	inRange("uniform01", x, 0, 1)
	m, v = kerneltest.Moments(x)
	within("uniform01 mean", m, 0.5, math.Sqrt(1.0/12/N))
	within("uniform01 variance", v, 1.0/12, math.Sqrt((1.0/80-1.0/144)/N))

	x = download(t, g) // N(0, σ²): variance σ² with standard error σ²·sqrt(2/N)
	m, v = kerneltest.Moments(x)
	within("normal mean", m, 0, sigma/math.Sqrt(N))
	within("normal variance", v, sigma*sigma, sigma*sigma*math.Sqrt(2/N))
	var inside, cross float64
	for i, xv := range x {
		if math.Abs(float64(xv)) < sigma {
			inside++
		}
		if i%2 == 1 { // the two outputs of one Box–Muller pair are independent
			cross += float64(x[i-1]) * float64(xv)
		}
	}
	p1 := math.Erf(1 / math.Sqrt2)
	within("normal P(|x| < σ)", inside/N, p1, math.Sqrt(p1*(1-p1)/N))
	within("normal pair correlation", cross/(N/2)/(sigma*sigma), 0, 1/math.Sqrt(N/2))
}

// rejectCase is a call that must fail validation, and what its error must mention.
type rejectCase struct {
	name   string
	call   func(*vk.Sequence) error
	substr []string
}

// expectRejected runs each case into one sequence: every call must fail with an error
// mentioning its substrings, and none may record a dispatch.
func expectRejected(t *testing.T, ctx *vk.Context, cases []rejectCase) {
	t.Helper()
	seq := newSequence(t, ctx)
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(seq), c.substr...)
	}
	expectNothingRecorded(t, seq)
}

func TestRNGRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	out := upload(t, ctx, kerneltest.Poisoned(9))
	step := newStepBuffer(t, ctx, 3)
	ok := StepSlot{Buf: step, Word: 1}
	expectRejected(t, ctx, []rejectCase{
		{"no slot buffer", func(s *vk.Sequence) error { return lib.FillUniform(s, out, 1, StepSlot{}) },
			[]string{"rng: uniform", "counter slot", "no buffer"}},
		{"slot past the end", func(s *vk.Sequence) error { return lib.FillUniform01(s, out, 1, StepSlot{Buf: step, Word: 2}) },
			[]string{"rng: uniform01", "counter slot", "words 2..3", "3-word buffer"}},
		{"negative word", func(s *vk.Sequence) error { return lib.FillNormal(s, out, 1, StepSlot{Buf: step, Word: -1}, 1) },
			[]string{"rng: normal", "counter slot", "outside"}},
		{"slot in the output", func(s *vk.Sequence) error { return lib.FillUniform(s, out, 1, StepSlot{Buf: out}) },
			[]string{"rng: uniform", "counter slot", "writes"}},
		{"nil output", func(s *vk.Sequence) error { return lib.FillNormal(s, nil, 1, ok, 1) },
			[]string{"rng: normal", "out"}},
		{"NaN sigma", func(s *vk.Sequence) error { return lib.FillNormal(s, out, 1, ok, float32(math.NaN())) },
			[]string{"rng: normal", "sigma"}},
		{"infinite sigma", func(s *vk.Sequence) error { return lib.FillNormal(s, out, 1, ok, float32(math.Inf(1))) },
			[]string{"rng: normal", "sigma"}},
	})
	kerneltest.WantErr(t, "WriteCounter past the end", WriteCounter(StepSlot{Buf: step, Word: 2}, 1), "counter slot", "outside")
	kerneltest.WantErr(t, "WriteCounter without a buffer", WriteCounter(StepSlot{}, 1), "counter slot", "no buffer")
}
