// Package kerneltest holds what the numeric tests share: the one tolerance
// of every backend against the float64 references, seeded random inputs,
// NaN-poisoned outputs, norms and the comparisons that enforce them.
package kerneltest

import (
	"errors"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// Tolerance is the one tolerance of every backend-vs-reference test: the
// relative error ‖got − ref‖₂/‖ref‖₂ of an fp32 kernel against its
// float64-accumulated reference must not exceed it.
const Tolerance = 1e-5

// NewRand returns a generator seeded with seed, so a failure reproduces.
func NewRand(seed int64) *rand.Rand { return rand.New(rand.NewSource(seed)) }

// RandVec returns n normal values shifted off zero.
func RandVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64()) + 0.1
	}
	return v
}

// Poisoned returns n NaNs: an output starts poisoned so a test proves that
// the kernel wrote every element.
func Poisoned(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

// RelL2 returns ‖got − want‖₂/‖want‖₂ accumulated in float64 (‖got − want‖₂
// when want is all zeros). got must be at least as long as want.
func RelL2[F float32 | float64](got, want []F) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		den = 1
	}
	return math.Sqrt(num / den)
}

// RelErr returns RelL2(got, want) and the index of the first element of got
// that is NaN where want is not (-1 if none). It panics on a length mismatch.
func RelErr(got, want []float32) (rel float64, nanAt int) {
	if len(got) != len(want) {
		panic("kerneltest: RelErr: length mismatch")
	}
	nanAt = -1
	for i := range want {
		if math.IsNaN(float64(got[i])) && !math.IsNaN(float64(want[i])) {
			nanAt = i
			break
		}
	}
	return RelL2(got, want), nanAt
}

// ExpectClose fails the test unless got has want's length, every element was
// written (no NaN left where the reference has none) and the relative error
// is within Tolerance.
func ExpectClose(t testing.TB, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	e, nanAt := RelErr(got, want)
	if nanAt >= 0 {
		t.Fatalf("%s: element %d was never written (NaN)", name, nanAt)
	}
	if e > Tolerance || math.IsNaN(e) {
		t.Fatalf("%s: relative error %.3g > %g", name, e, Tolerance)
	}
}

// L2 returns ‖v‖₂, accumulated in float64.
func L2(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// L2Diff returns ‖a − b‖₂, accumulated in float64, over the elements of a
// (b must be at least as long).
func L2Diff(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// SameBits reports whether a and b have the same length and equal elements
// bit for bit (NaNs with the same payload are equal, 0 and −0 are not).
func SameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// BitEqual fails the test unless got and want are equal bit for bit.
func BitEqual(t testing.TB, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d elements, want %d", name, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d]: got %v, want %v", name, i, got[i], want[i])
		}
	}
}

// WantErr fails the test unless err is non-nil and its message contains
// every substring.
func WantErr(t testing.TB, name string, err error, substrs ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want one mentioning %q", name, substrs)
		return
	}
	for _, s := range substrs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q does not mention %q", name, err, s)
		}
	}
}

// WantAs fails the test unless errors.As finds an E in err's chain that is
// deeply equal to want (for a pointer, the value it points to): a test of a
// typed error compares its fields, not its message.
func WantAs[E error](t testing.TB, name string, err error, want E) {
	t.Helper()
	var got E
	if !errors.As(err, &got) {
		t.Errorf("%s: error %v is not a %T", name, err, want)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", name, got, want)
	}
}

// Moments returns the sample mean and the unbiased sample variance of x.
func Moments(x []float32) (mean, variance float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, variance / float64(len(x)-1)
}
