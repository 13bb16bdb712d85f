package graph

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// randSlice returns n values uniform in [-scale, scale).
func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * scale)
	}
	return v
}

// randomizeParams sets every Param of ps to uniform values in [-scale, scale)
// (gammas around 1), so finite differences see O(1) signals rather than the
// 0.02-sized initial weights.
func randomizeParams(t *testing.T, ps *ParamSet, rng *rand.Rand, scale float64) {
	t.Helper()
	for _, name := range ps.Names() {
		if ps.Role(name) != Param {
			continue
		}
		v := randSlice(rng, len(ps.Get(name)), scale)
		if isGamma(name) {
			for i := range v {
				v[i] += 1
			}
		}
		if err := ps.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
}

func isGamma(name string) bool { return strings.HasSuffix(name, ".gamma") }

// l2 returns ||a||₂.
func l2(a []float32) float64 {
	s := 0.0
	for _, v := range a {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// l2Diff returns ||a − b||₂.
func l2Diff(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

func mustRun(t *testing.T, g *Graph, counter uint64, feeds map[*Tensor][]float32, outputs ...*Tensor) Values {
	t.Helper()
	v, err := RefBackend{Counter: counter}.Run(g, feeds, outputs...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func bitsEqual(a, b []float32) bool {
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

func newRand(seed int64) *rand.Rand { return rand.New(rand.NewSource(seed)) }
