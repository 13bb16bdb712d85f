package kernels

import (
	"math"
	"math/rand"
	"testing"
)

// Finite-difference settings, shared by every backward test.
//
// The numeric gradient is a central difference of the scalar loss
// L = Σ_i r_i·y_i (r random) evaluated with the float64 instantiation of the
// forward reference, so the only errors are:
//   - truncation, h²/6·|∂³L|: ~2e-7 relative for the smooth ops here (O(1)
//     third derivatives with h = 1e-3); zero for the ops linear in the
//     perturbed variable (conv, dense, dropout, reductions);
//   - float64 cancellation in L(x+h) − L(x−h): ~1e-16·|L|/h ≈ 1e-12.
//
// The analytic gradient is rounded once to float32 (relative error <= 2⁻²⁴ ≈
// 6e-8); batch norm's backward also uses the float32-rounded saved mean and
// inverse std, adding ~1e-7 of the size of the terms that cancel in dx.
//
// So |analytic − numeric| <= fdRTol·|numeric| + fdATol·max|numeric| with
// fdRTol = 1e-4 and fdATol = 1e-5 sits two to three orders of magnitude above
// the expected error (no flaky failures) while any wrong formula (a missing
// term, a wrong index, a factor 2) gives O(1) relative errors. The absolute
// part, scaled by the largest gradient element, covers elements that are
// near zero because of cancellation.
const (
	fdStep      = 1e-3
	fdRTol      = 1e-4
	fdATol      = 1e-5
	fdMaxCoords = 120 // larger tensors are checked on a random sample of coordinates
)

// Tolerances for comparing a float32 reference output with an independently
// computed float64 value of the same quantity (e.g. im2col + matmul): the
// reference rounds once (<= 2⁻²⁴ relative) and the two float64 summation
// orders differ by ~1e-16 of the sum of |terms|.
const (
	exactRTol = 1e-6
	exactATol = 1e-9
)

// randUniform returns n values uniform in [lo, hi), never all zero.
func randUniform(r *rand.Rand, n int, lo, hi float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return x
}

// randn returns n values mean + sigma·N(0,1).
func randn(r *rand.Rand, n int, mean, sigma float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(mean + sigma*r.NormFloat64())
	}
	return x
}

// randAwayFromZero returns n values uniform in ±[minAbs, 1), so that
// finite differences never straddle a kink at 0.
func randAwayFromZero(r *rand.Rand, n int, minAbs float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		v := minAbs + (1-minAbs)*r.Float64()
		if r.Intn(2) == 0 {
			v = -v
		}
		x[i] = float32(v)
	}
	return x
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// weightedSum returns Σ r_i·y_i in float64.
func weightedSum(r []float32, y []float64) float64 {
	s := 0.0
	for i := range y {
		s += float64(r[i]) * y[i]
	}
	return s
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// fdCheck compares analytic (the claimed gradient of loss w.r.t. x) with
// central differences of loss, perturbing x in place (and restoring it).
func fdCheck(t *testing.T, name string, x []float64, analytic []float32, loss func() float64, r *rand.Rand) {
	t.Helper()
	if len(analytic) != len(x) {
		t.Fatalf("%s: analytic gradient has %d elements, want %d", name, len(analytic), len(x))
	}
	idx := r.Perm(len(x))
	if len(idx) > fdMaxCoords {
		idx = idx[:fdMaxCoords]
	}
	num := make([]float64, len(idx))
	for j, i := range idx {
		orig := x[i]
		x[i] = orig + fdStep
		lp := loss()
		x[i] = orig - fdStep
		lm := loss()
		x[i] = orig
		num[j] = (lp - lm) / (2 * fdStep)
	}
	scale := maxAbs(num)
	if scale == 0 {
		// Allowed only when the analytic gradient is zero too.
		scale = 1e-30
	}
	bad := 0
	for j, i := range idx {
		a := float64(analytic[i])
		if d := math.Abs(a - num[j]); d > fdRTol*math.Abs(num[j])+fdATol*scale || math.IsNaN(a) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.9g, numeric %.9g (|diff| %.3g, scale %.3g)", name, i, a, num[j], d, scale)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d checked coordinates disagree", name, bad, len(idx))
	}
}

// assertClose checks |got − want| <= rtol·|want| + atol·max|want| element-wise.
func assertClose(t *testing.T, name string, got []float32, want []float64, rtol, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d elements, want %d", name, len(got), len(want))
	}
	scale := maxAbs(want)
	bad := 0
	for i := range want {
		g := float64(got[i])
		if d := math.Abs(g - want[i]); d > rtol*math.Abs(want[i])+atol*scale || math.IsNaN(g) {
			if bad < 5 {
				t.Errorf("%s[%d]: got %.9g, want %.9g", name, i, g, want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements differ", name, bad, len(want))
	}
}

// assertBitEqual checks got == want exactly (bit patterns).

func mustNoErr(t *testing.T, name string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", name, err)
	}
}
