package graph

import (
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

func mustRun(t *testing.T, g *Graph, counter uint64, feeds map[*Tensor][]float32, outputs ...*Tensor) Values {
	t.Helper()
	v, err := RefBackend{Counter: counter}.Run(g, feeds, outputs...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
