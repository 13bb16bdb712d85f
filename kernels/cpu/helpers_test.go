package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// testThreads are the thread counts every kernel test runs with: one
// thread, and splits that divide the tested lengths unevenly.
var testThreads = []int{1, 2, 3}

// forDevices runs f as a subtest for a Device of each of testThreads.
func forDevices(t *testing.T, f func(t *testing.T, d *Device)) {
	t.Helper()
	for _, n := range testThreads {
		t.Run(fmt.Sprintf("threads=%d", n), func(t *testing.T) { f(t, &Device{threads: n}) })
	}
}

// must fails the test on an error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// clone returns a copy of v.
func clone(v []float32) []float32 { return append([]float32(nil), v...) }

// loopDevice is the device of the elementwise benchmarks: every core, no SGEMM.
func loopDevice() *Device { return &Device{threads: threadsOrDefault(0)} }

// reportGBs reports the bandwidth of a benchmark that moves bytes per
// iteration.
func reportGBs(b *testing.B, bytes int) {
	b.SetBytes(int64(bytes))
	b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// fdMaxCoords is the most coordinates of one argument fdCheck perturbs.
const fdMaxCoords = 60

// fdCheck compares analytic, the claimed gradient of loss w.r.t. x, with
// central differences of loss on a random sample of coordinates: x[i] is
// set to the float32 values nearest x[i] ± h (and restored), the quotient
// divides by their actual distance, and every element must be within
// tol·max|numeric| of the numeric gradient.
func fdCheck(t *testing.T, name string, x, analytic []float32, h, tol float64, loss func() float64, r *rand.Rand) {
	t.Helper()
	if len(analytic) != len(x) {
		t.Fatalf("%s: analytic gradient has %d elements, want %d", name, len(analytic), len(x))
	}
	idx := r.Perm(len(x))
	if len(idx) > fdMaxCoords {
		idx = idx[:fdMaxCoords]
	}
	num := make([]float64, len(idx))
	scale := 0.0
	for j, i := range idx {
		orig := x[i]
		xp, xm := float32(float64(orig)+h), float32(float64(orig)-h)
		x[i] = xp
		lp := loss()
		x[i] = xm
		lm := loss()
		x[i] = orig
		num[j] = (lp - lm) / (float64(xp) - float64(xm))
		scale = math.Max(scale, math.Abs(num[j]))
	}
	if scale == 0 {
		t.Fatalf("%s: the numeric gradient is zero on every sampled coordinate", name)
	}
	for j, i := range idx {
		if e := math.Abs(float64(analytic[i]) - num[j]); e > tol*scale || math.IsNaN(e) {
			t.Fatalf("%s[%d]: analytic %.6g, numeric %.6g (|diff| %.3g > %.3g)", name, i, analytic[i], num[j], e, tol*scale)
		}
	}
}
